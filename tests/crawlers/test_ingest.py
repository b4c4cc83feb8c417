"""Importing hotline/petition exports: header names in Chinese, Chinese dates, a report row by row."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime

import openpyxl
import pytest

from crawlers.errors import IngestError
from crawlers.ingest import header_field, ingest_file, parse_cell_date
from crawlers.processing import ItemProcessor
from index.records import CST
from index.store import open_store


def _workbook(path, rows):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "工单"
    for row in rows:
        sheet.append(row)
    book.save(path)


ROWS = [
    ["城关县12345热线工单导出（2024年5月）"],  # a title row above the header, as exports have
    ["工单编号", "来电时间", "诉求标题", "诉求内容", "来电人", "联系电话", "诉求类型", "承办单位", "办理结果", "备注"],
    ["GD001", datetime(2024, 5, 1, 9, 30), "小区路灯不亮", "城关镇幸福小区路灯坏了一周", "张先生", "13800000000", "投诉",
     "县住建局", "已安排维修", ""],
    ["GD002", "2024年5月2日", "咨询社保", "灵活就业人员社保怎么交？", "李女士", "", "咨询", "", "", ""],
    ["GD003", "2024/5/3 10:00", "", "", "王", "", "", "", "", "空行之外的坏行"],
    [None, None, None, None, None, None, None, None, None, None],
    ["GD004", "下周二", "噪音扰民", "夜间施工噪音很大", "赵", "", "举报", "", "", ""],
    ["", 45415.5, "没有编号的工单", "内容在这里", "", "", "求助", "", "", ""],
]


def test_an_excel_export_is_imported_row_by_row_with_a_bad_row_reported(tmp_path):
    path = tmp_path / "export.xlsx"
    _workbook(path, ROWS)
    store = open_store(f"sqlite:///{tmp_path / 'h.db'}")
    try:
        report = ingest_file(path, ItemProcessor(store), source="hotline")
        statuses = {r.row: r.status for r in report.rows}
        assert report.header_row == 2 and report.sheet == "工单"
        assert statuses == {3: "new", 4: "new", 5: "error", 6: "blank", 7: "new", 8: "new"}
        bad = next(r for r in report.rows if r.row == 5)
        assert "第 5 行" in bad.message and "为空" in bad.message
        late = next(r for r in report.rows if r.row == 7)
        assert late.warnings and "下周二" in late.warnings[0]  # imported, with the date left empty and said so
        assert report.columns["诉求内容"] == "body" and "备注" in report.ignored_columns
        first = store.find_item("hotline", "GD001")
        assert first.posted_at == datetime(2024, 5, 1, 9, 30, tzinfo=CST) and first.kind == "投诉"
        assert first.replies[0].organisation == "县住建局" and first.replies[0].body == "已安排维修"
        assert "13800000000" not in json.dumps(first.extra, ensure_ascii=False)  # phone numbers are not stored
        assert store.find_item("hotline", "GD002").posted_at == datetime(2024, 5, 2, tzinfo=CST)
        unnumbered = next(r for r in report.rows if r.row == 8)
        assert unnumbered.external_id.startswith("row-")
        assert store.find_item("hotline", unnumbered.external_id).posted_at == datetime(2024, 5, 3, 12, 0, tzinfo=CST)
        assert store.get_classification(first.id).needs_triage  # without an Understander: manual triage
        again = ingest_file(path, ItemProcessor(store), source="hotline")  # importing the same file twice
        assert {r.status for r in again.rows if r.row in (3, 4, 7, 8)} == {"updated"}
        assert store.count_items() == 4
    finally:
        store.close()


def test_a_gbk_csv_with_other_header_words_and_the_command_line(tmp_path):
    path = tmp_path / "信访.csv"
    text = "信访编号,登记日期,信访事项,反映内容,信访人\nXF-1,2024-05-04,土地纠纷,村里征地补偿不到位,周某\nXF-2,,,,\n"
    path.write_bytes(text.encode("gbk"))
    done = subprocess.run([sys.executable, "-m", "huiying.cli", "ingest", str(path), "--source", "petition",
                           "--data-dir", str(tmp_path), "--store", f"sqlite:///{tmp_path / 'h.db'}", "--no-understand",
                           "--json"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stderr  # one row failed: the exit status says so
    report = json.loads(done.stdout)
    assert report["counts"] == {"new": 1, "error": 1} and report["cases_opened"] == 1
    assert report["rows"][1]["row"] == 3 and "为空" in report["rows"][1]["message"]


def test_files_that_are_not_tables_get_a_clear_error(tmp_path):
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 this is not really a zip")
    with pytest.raises(IngestError, match="not a readable Excel workbook"):
        ingest_file(broken, ItemProcessor(None))
    old = tmp_path / "old.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)
    with pytest.raises(IngestError, match=r"\.xls"):
        ingest_file(old, ItemProcessor(None))
    binary = tmp_path / "photo.csv"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    with pytest.raises(IngestError, match="binary"):
        ingest_file(binary, ItemProcessor(None))
    headless = tmp_path / "numbers.csv"
    headless.write_text("1,2,3\n4,5,6\n", encoding="utf-8")
    with pytest.raises(IngestError, match="header"):
        ingest_file(headless, ItemProcessor(None))
    done = subprocess.run([sys.executable, "-m", "huiying.cli", "ingest", str(broken), "--data-dir", str(tmp_path),
                           "--store", f"sqlite:///{tmp_path / 'h.db'}", "--no-understand"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and "not a readable Excel workbook" in done.stderr and "Traceback" not in done.stderr


def test_headers_and_dates_in_the_forms_exports_use():
    assert header_field("诉求内容") == "body" and header_field(" 来电时间（必填）") == "posted_at"
    assert header_field("*工单编号") == "external_id" and header_field("Title") == "title"
    assert header_field("备注") is None
    assert parse_cell_date("2024年5月1日") == datetime(2024, 5, 1, tzinfo=CST)
    assert parse_cell_date("2024/5/1 10:00") == datetime(2024, 5, 1, 10, 0, tzinfo=CST)
    assert parse_cell_date("20240501") == datetime(2024, 5, 1, tzinfo=CST)
    assert parse_cell_date(45413.0) == datetime(2024, 5, 1, tzinfo=CST)
    assert parse_cell_date("2024-05-01T10:00:00") == datetime(2024, 5, 1, 10, 0, tzinfo=CST)
    assert parse_cell_date("下周二") is None
