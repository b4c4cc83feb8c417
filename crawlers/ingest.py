"""Importing offline channels: Excel/CSV exports of the 12345 hotline, petitions (信访) or mail.

``ingest_file(path, processor, source="hotline")`` reads the first sheet (or ``sheet``), finds the
header row (the first of the first ten rows naming at least two known columns — exports often
start with a title row), maps columns by header name (``COLUMNS``, Chinese variants included),
and sends each row through the same steps as a crawled item (``crawlers.processing``: clean →
hash → understand → store). Every row is reported: ``new``, ``updated`` (same id imported
before), ``duplicate`` (same text under another id), ``error`` (with the reason, in Chinese and
with the row number as the spreadsheet shows it) or ``blank``. A bad row never stops the others
and is never dropped silently. A file that is not a readable table raises ``IngestError``.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from scrapy.exceptions import DropItem

from crawlers import dates
from crawlers.errors import EmptyItem, IngestError, StoreFailed
from crawlers.items import MessageItem, as_markup, kind_hint, reply_dict
from crawlers.processing import ItemProcessor
from index.records import CST, now_cst

COLUMNS: dict[str, tuple[str, ...]] = {
    "external_id": ("编号", "工单编号", "工单号", "受理编号", "受理号", "信访编号", "信访件编号", "件号", "流水号", "登记编号",
                    "来电编号", "诉求编号", "留言编号", "事项编号", "id", "external_id", "no", "number"),
    "title": ("标题", "主题", "诉求标题", "工单标题", "事项标题", "来电主题", "信访事项", "事项名称", "留言标题", "title", "subject"),
    "body": ("内容", "诉求内容", "来电内容", "反映内容", "主要内容", "来信内容", "留言内容", "问题描述", "详细内容", "详情", "诉求描述",
             "工单内容", "信访内容", "事项内容", "具体诉求", "body", "content", "text"),
    "author": ("来电人", "姓名", "反映人", "来信人", "信访人", "诉求人", "联系人", "留言人", "市民姓名", "author", "name"),
    "posted_at": ("来电时间", "受理时间", "登记时间", "时间", "日期", "留言时间", "来信日期", "来信时间", "发生时间", "创建时间",
                  "提交时间", "反映时间", "工单时间", "登记日期", "受理日期", "posted_at", "date", "time", "created_at"),
    "kind": ("类型", "诉求类型", "工单类型", "来电类型", "类别", "诉求类别", "事项类型", "信访类型", "kind", "type", "category"),
    "phone": ("联系电话", "电话", "来电号码", "手机", "手机号码", "联系方式", "phone", "mobile"),
    "address": ("地址", "事发地点", "事发地址", "地点", "所在地", "区域", "所属镇街", "镇街", "address", "place"),
    "status": ("办理状态", "状态", "工单状态", "处理状态", "status"),
    "organisation": ("承办单位", "办理单位", "答复单位", "处理单位", "责任单位", "交办单位", "主办单位", "organisation", "unit"),
    "reply": ("答复内容", "办理结果", "回复内容", "处理结果", "办理情况", "答复意见", "reply", "answer"),
    "replied_at": ("答复时间", "办结时间", "回复时间", "处理时间", "办理时间", "replied_at"),
    "channel": ("来源", "渠道", "来源渠道", "受理渠道", "channel"),
}
"""Field → the header names seen for it (whitespace, '*', '（必填）' and case are ignored)."""

_BY_HEADER = {name.lower(): key for key, names in COLUMNS.items() for name in names}
_HEADER_NOISE = re.compile(r"[\s\u3000*＊:：]|[（(][^）)]*[）)]")
_EXCEL_EPOCH = datetime(1899, 12, 30, tzinfo=CST)
PRIVATE = ("phone",)
"""Columns read but not stored with the item (personal data stays in the county's own system)."""


@dataclass
class RowResult:
    row: int
    status: str
    external_id: str = ""
    item_id: int | None = None
    message: str = ""
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "status": self.status, "external_id": self.external_id, "item_id": self.item_id,
                "message": self.message, "warnings": list(self.warnings)}


@dataclass
class IngestReport:
    file: str
    source: str
    sheet: str = ""
    header_row: int = 0
    columns: dict[str, str] = field(default_factory=dict)
    """Header in the file → field it was read as."""
    ignored_columns: list[str] = field(default_factory=list)
    rows: list[RowResult] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for row in self.rows:
            counts[row.status] = counts.get(row.status, 0) + 1
        return counts

    @property
    def ok(self) -> bool:
        return not any(r.status == "error" for r in self.rows)

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "source": self.source, "sheet": self.sheet, "header_row": self.header_row,
                "columns": self.columns, "ignored_columns": self.ignored_columns, "counts": self.counts(),
                "ok": self.ok, "rows": [r.as_dict() for r in self.rows]}


def header_field(name: Any) -> str | None:
    cleaned = _HEADER_NOISE.sub("", str(name or "")).lower()
    return _BY_HEADER.get(cleaned)


# -- reading tables --------------------------------------------------------------------------------

def read_table(path: Path, sheet: str | None = None) -> tuple[str, list[list[Any]]]:
    """(sheet name, rows of cell values) of an .xlsx/.xlsm or a CSV/TSV file."""
    try:
        head = path.open("rb").read(8)
    except OSError as exc:
        raise IngestError(f"{path}: cannot be opened ({exc.strerror or exc}); check the path") from exc
    suffix = path.suffix.lower()
    if head.startswith(b"PK\x03\x04") or suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path, sheet)
    if head.startswith(b"\xd0\xcf\x11\xe0") or suffix == ".xls":
        raise IngestError(f"{path}: an old Excel 97–2003 (.xls) workbook; open it in Excel or WPS, save it as "
                          ".xlsx (or CSV) and import that file (请另存为 .xlsx 或 CSV 后再导入)")
    return path.name, _read_csv(path)


def _read_xlsx(path: Path, sheet: str | None) -> tuple[str, list[list[Any]]]:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise IngestError(f"{path}: not a readable Excel workbook (.xlsx): {exc}; export it again from the "
                          "hotline system or save it as CSV (文件不是可读取的 Excel 工作簿)") from exc
    try:
        if sheet is not None and sheet not in workbook.sheetnames:
            raise IngestError(f"{path}: no sheet named {sheet!r} (sheets: {', '.join(workbook.sheetnames)})")
        worksheet = workbook[sheet] if sheet is not None else workbook.worksheets[0]
        rows = [list(row) for row in worksheet.iter_rows(values_only=True)]
        return worksheet.title, rows
    finally:
        workbook.close()


def _read_csv(path: Path) -> list[list[Any]]:
    raw = path.read_bytes()
    if b"\x00" in raw[:4096]:
        raise IngestError(f"{path}: not a CSV text file nor an .xlsx workbook (binary content); "
                          "export the table as .xlsx or CSV (不是表格文件)")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte string
        raise IngestError(f"{path}: cannot be decoded as UTF-8 or GB18030")
    try:
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",\t;|")
    except csv.Error:
        dialect = csv.excel
    return [row for row in csv.reader(io.StringIO(text), dialect)]


# -- rows ----------------------------------------------------------------------------------------------

def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def parse_cell_date(value: Any) -> datetime | None:
    """A date cell: an Excel date, an Excel serial number, 2024年5月1日, 2024/5/1 10:00, 20240501, ISO 8601."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.replace(tzinfo=CST) if value.tzinfo is None else value.astimezone(CST)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=CST)
    if isinstance(value, (int, float)) and 20000 <= float(value) <= 80000:
        return _EXCEL_EPOCH + timedelta(days=float(value))
    text = str(value).strip()
    if re.fullmatch(r"\d{8}", text):
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    if re.fullmatch(r"\d{5}(\.\d+)?", text):
        return _EXCEL_EPOCH + timedelta(days=float(text))
    found = dates.parse_absolute(text)
    if found:
        return found[0]
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed.replace(tzinfo=CST) if parsed.tzinfo is None else parsed.astimezone(CST)


def _find_header(rows: list[list[Any]]) -> tuple[int, dict[int, str]]:
    for index, row in enumerate(rows[:10]):
        mapping: dict[int, str] = {}
        for column, name in enumerate(row):
            key = header_field(name)
            if key and key not in mapping.values():
                mapping[column] = key
        if len(mapping) >= 2 and ({"title", "body"} & set(mapping.values())):
            return index, mapping
    raise IngestError("no header row found in the first ten rows: the table needs a title or content column "
                      f"(e.g. 标题 / 诉求内容) and one more known column; known: {', '.join(sorted(COLUMNS))} "
                      "(表头中找不到“标题”或“内容”等列)")


def ingest_file(path: str | Path, processor: ItemProcessor, *, source: str = "hotline", platform: str | None = None,
                sheet: str | None = None) -> IngestReport:
    """Import every row of the file; returns the row-by-row report (see the module docstring)."""
    file = Path(path)
    sheet_name, rows = read_table(file, sheet)
    try:
        header_index, mapping = _find_header(rows)
    except IngestError as exc:
        raise IngestError(f"{file}: {exc}") from None
    headers = rows[header_index]
    report = IngestReport(file=str(file), source=source, sheet=sheet_name, header_row=header_index + 1,
                          columns={_cell_text(headers[c]): key for c, key in mapping.items()},
                          ignored_columns=[_cell_text(h) for c, h in enumerate(headers) if c not in mapping and _cell_text(h)])
    for offset, row in enumerate(rows[header_index + 1:], start=header_index + 2):
        report.rows.append(_ingest_row(processor, row, mapping, offset, source, platform or source, file.name))
    return report


def _ingest_row(processor: ItemProcessor, row: list[Any], mapping: dict[int, str], number: int, source: str,
                platform: str, file_name: str) -> RowResult:
    values = {key: row[column] if column < len(row) else None for column, key in mapping.items()}
    if all(_cell_text(v) == "" for v in row):
        return RowResult(row=number, status="blank", message="空行，已跳过")
    result = RowResult(row=number, status="error")
    try:
        item = _item(values, source, platform, file_name, number, result.warnings)
        result.external_id = str(item["external_id"])
        outcome = processor.process(item)
    except EmptyItem:
        result.message = f"第 {number} 行：标题和内容都为空，未导入（请补充内容后重新导入）"
        return result
    except DropItem as exc:
        result.message = f"第 {number} 行：未导入：{exc}"
        return result
    except StoreFailed as exc:
        result.message = f"第 {number} 行：保存失败：{exc.__cause__ or exc}"
        return result
    except Exception as exc:  # one odd row must not stop the others; it is reported with its reason
        result.message = f"第 {number} 行：无法读取：{type(exc).__name__}: {exc}"
        return result
    result.status, result.item_id = outcome.status, outcome.item_id
    return result


def _item(values: dict[str, Any], source: str, platform: str, file_name: str, number: int,
          warnings: list[str]) -> MessageItem:
    text = {key: _cell_text(value) for key, value in values.items()}
    posted = parse_cell_date(values.get("posted_at"))
    if text.get("posted_at") and posted is None:
        warnings.append(f"时间“{text['posted_at']}”无法识别，已留空")
    replied = parse_cell_date(values.get("replied_at"))
    external_id = text.get("external_id") or "row-" + hashlib.sha1(
        f"{text.get('title', '')}|{text.get('body', '')}|{posted}".encode()).hexdigest()[:16]
    replies = []
    if text.get("reply"):
        replies.append(reply_dict(text.get("organisation", ""), as_markup(text["reply"]), replied, text.get("organisation", "")))
    extra: dict[str, Any] = {"file": file_name, "row": number}
    for key in ("address", "status", "channel", "organisation"):
        if text.get(key):
            extra[key] = text[key]
    if text.get("kind"):
        extra["type"] = text["kind"]
    return MessageItem(
        source=source, platform=platform, url=f"import:{file_name}#{external_id}", external_id=external_id,
        title=as_markup(text.get("title", "")), body=as_markup(text.get("body", "")), author=as_markup(text.get("author", "")),
        posted_at=posted, fetched_at=now_cst(), reply_count=len(replies) if replies else None, view_count=None,
        kind_hint=kind_hint(text.get("kind")) or (text.get("kind") if text.get("kind") in ("咨询", "求助", "建议", "投诉", "举报") else ""),
        replies=replies, extra=extra,
    )
