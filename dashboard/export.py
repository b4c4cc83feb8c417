"""Writing a report: an Excel workbook (openpyxl, with bar charts) and a printable page (HTML).

Both are built from escaped text only. In the workbook every string is stored as a string, so a
citizen's title that starts with ``=`` is never a formula; in the page every string goes
through ``html.escape`` and the only markup is the page's own. The page is meant for the
browser's 打印 (A4, 另存为 PDF works too).
"""

from __future__ import annotations

import html
import io
import math
import re
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from dashboard.reports_doc import Report, Section
from dashboard.texts import fmt_time

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")
HEADER_FILL = PatternFill("solid", fgColor="DDE3EA")


def _cell_value(value: Any) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if value is pd.NA:
        return None
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def _put(ws: Any, row: int, column: int, value: Any) -> Any:
    cell = ws.cell(row=row, column=column)
    value = _cell_value(value)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"  # text stays text: "=HYPERLINK(...)" from a source is not a formula
    return cell


def _sheet_title(title: str, used: set[str]) -> str:
    name = _SHEET_BAD.sub("", title)[:28] or "表"
    candidate, n = name, 2
    while candidate in used:
        candidate, n = f"{name[:26]}{n}", n + 1
    used.add(candidate)
    return candidate


def _table(ws: Any, table: pd.DataFrame, first_row: int) -> int:
    for col, name in enumerate(table.columns, start=1):
        cell = _put(ws, first_row, col, str(name))
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
    for r, row in enumerate(table.itertuples(index=False), start=first_row + 1):
        for col, value in enumerate(row, start=1):
            _put(ws, r, col, value).alignment = Alignment(wrap_text=True, vertical="top")
    for col, name in enumerate(table.columns, start=1):
        longest = max([len(str(name)), *(len(str(v)) for v in table.iloc[:, col - 1].tolist())])
        ws.column_dimensions[get_column_letter(col)].width = min(60, max(8, longest * 2 + 2))
    return first_row + len(table)


def _chart(ws: Any, section: Section, header_row: int, last_row: int) -> None:
    if last_row <= header_row:
        return
    chart = BarChart()
    chart.type = "bar"
    chart.title = section.title
    chart.legend = None
    chart.height = max(6, 0.6 * (last_row - header_row) + 3)
    chart.add_data(Reference(ws, min_col=2, min_row=header_row, max_row=last_row), titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=header_row + 1, max_row=last_row))
    ws.add_chart(chart, f"{get_column_letter(len(section.table.columns) + 2)}{header_row}")  # type: ignore[union-attr]


def to_xlsx(report: Report) -> bytes:
    """The report as a workbook: 概况 first, then one sheet per table (with its bar chart)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "概况"
    _put(ws, 1, 1, report.title).font = Font(bold=True, size=16)
    _put(ws, 2, 1, f"统计时段：{report.period_text}　生成时间：{fmt_time(report.generated_at)}")
    row = 4
    for section in report.sections:
        _put(ws, row, 1, section.title).font = Font(bold=True, size=12)
        row += 1
        for paragraph in section.paragraphs:
            _put(ws, row, 1, paragraph).alignment = Alignment(wrap_text=True, vertical="top")
            row += 1
        row += 1
    ws.column_dimensions["A"].width = 120
    used = {"概况"}
    for section in report.sections:
        if section.table is None or section.table.empty:
            continue
        sheet = wb.create_sheet(_sheet_title(section.title, used))
        _put(sheet, 1, 1, section.title).font = Font(bold=True, size=12)
        last = _table(sheet, section.table, 3)
        if section.chart == "bar":
            _chart(sheet, section, 3, last)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


PAGE_CSS = """
@page { size: A4; margin: 18mm 15mm; }
body { font-family: "SimSun", "Songti SC", "Noto Serif CJK SC", serif; font-size: 11pt; color: #000; margin: 0 auto;
       max-width: 190mm; line-height: 1.6; }
h1 { text-align: center; font-size: 20pt; margin: 0 0 4pt; }
.period { text-align: center; margin: 0 0 14pt; }
h2 { font-size: 13pt; margin: 14pt 0 6pt; }
table { border-collapse: collapse; width: 100%; margin: 4pt 0 10pt; font-size: 9.5pt; page-break-inside: auto; }
th, td { border: 1px solid #555; padding: 2pt 4pt; text-align: left; vertical-align: top; }
th { background: #eee; }
tr { page-break-inside: avoid; }
.foot { margin-top: 18pt; font-size: 9pt; color: #444; }
@media print { .noprint { display: none; } }
"""


def _html_table(table: pd.DataFrame) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in table.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape('' if _cell_value(v) is None else str(_cell_value(v)))}</td>" for v in row)
        + "</tr>"
        for row in table.itertuples(index=False)
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def to_html(report: Report) -> str:
    """The report as one printable HTML page (no scripts, no outside resources)."""
    parts = [
        "<!DOCTYPE html>", '<html lang="zh-CN"><head><meta charset="utf-8">',
        f"<title>{html.escape(report.title)}</title><style>{PAGE_CSS}</style></head><body>",
        f"<h1>{html.escape(report.title)}</h1>",
        f'<p class="period">{html.escape(report.period_text)}</p>',
        '<p class="noprint">使用浏览器的“打印”（Ctrl+P）打印本报告，或选择“另存为 PDF”。</p>',
    ]
    for section in report.sections:
        parts.append(f"<h2>{html.escape(section.title)}</h2>")
        parts.extend(f"<p>{html.escape(p)}</p>" for p in section.paragraphs)
        if section.table is not None and not section.table.empty:
            parts.append(_html_table(section.table))
    parts.append(f'<p class="foot">生成时间：{html.escape(fmt_time(report.generated_at))}。个人信息已隐去。</p>')
    parts.append("</body></html>")
    return "\n".join(parts)
