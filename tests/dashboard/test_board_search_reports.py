"""搜索, 热点话题, 采集状态 and 报告 on the real board."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook

from dashboard import export, reports_doc
from dashboard.markup import escape_markdown


def _page(board, username: str, page: str):  # type: ignore[no-untyped-def]
    at = board.app(username)
    at.switch_page(f"screens/{page}").run(timeout=board.timeout)
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.parametrize("username", ["duty", "leader"])
def test_search_finds_chinese_words_and_highlights_them(board, username):
    at = _page(board, username, "search.py")
    at.text_input(key="search_query").input("燃气").run(timeout=board.timeout)
    assert not at.exception
    assert "共找到 1 条" in board.shown_text(at)
    title = [m.value for m in at.markdown if m.value.startswith("##### ")]
    assert title == ["##### 幸福小区:orange-background[燃气]泄漏"]


def test_search_filters_by_place_and_unit(board):
    at = _page(board, "duty", "search.py")
    at.text_input(key="search_query").input("工资").run(timeout=board.timeout)
    assert "共找到 1 条" in board.shown_text(at)
    at.selectbox(key="search_place").select("老隆镇").run(timeout=board.timeout)
    assert "共找到 1 条" in board.shown_text(at)
    at.multiselect(key="search_units").select("education").run(timeout=board.timeout)
    assert "没有找到匹配的信息" in board.shown_text(at)


def test_search_results_are_text_and_personal_data_is_masked(board):
    at = _page(board, "duty", "search.py")
    at.text_input(key="search_query").input("低保").run(timeout=board.timeout)
    shown = board.shown_text(at)
    assert "13812345678" not in shown and "199001011234" not in shown  # not even the half a snippet keeps
    at.text_input(key="search_query").input("乱停车").run(timeout=board.timeout)
    markdown_it = pytest.importorskip("markdown_it")
    for element in at.markdown:
        html = markdown_it.MarkdownIt("commonmark").render(element.value)
        assert not re.search(r"<(script|img|a|iframe)\b", html), html
    assert any(escape_markdown("<script>alert(1)</script>") in m.value for m in at.markdown)


def test_search_opens_the_case_behind_a_hit(board):
    gas = board.case("gas")
    at = _page(board, "duty", "search.py")
    at.text_input(key="search_query").input("燃气").run(timeout=board.timeout)
    at.selectbox(key="search_case").select(gas.id).run(timeout=board.timeout)
    assert not at.exception
    assert "#### 幸福小区燃气泄漏" in [m.value for m in at.markdown]


@pytest.mark.parametrize("username", ["duty", "leader"])
def test_hot_topics_count_keywords_per_day(board, username):
    at = _page(board, username, "hot.py")
    topics = at.dataframe[0].value
    assert {"燃气", "拖欠工资", "低保"} <= set(topics["话题（关键词）"])
    assert "13812345678" not in topics.to_csv()  # examples are masked for every reader of this page
    assert len(at.get("vega_lite_chart")) == 2
    at.segmented_control(key="hot_window").set_value("近24小时").run(timeout=board.timeout)
    assert not at.exception


def test_hot_topics_list_events_and_a_case_names_its_near_duplicates(board):
    from index.records import Item, now_cst

    rt = board.runtime
    gas = board.case("gas")
    original = rt.store.get_item(gas.item_id)
    for k in range(3):  # the same leak reported again by neighbours
        rt.store.add_item(Item(source="demo-discuz", platform="discuz", url=f"http://bbs.example.cn/r{k}",
                               external_id=f"repost-{k}", title=original.title, author=f"邻居{k}",
                               body=original.body + f"楼上邻居{k}也闻到了。", posted_at=now_cst(), content_hash=f"r{k}"))
    assert rt.relate_new_items()["near_duplicate_pairs"] >= 3

    at = _page(board, "duty", "hot.py")
    events = at.dataframe[0].value
    assert events.iloc[0]["事件"] == "幸福小区燃气泄漏" and events.iloc[0]["件数（范围内）"] == 4
    assert "事件" in events.columns and "热度" in events.columns
    assert not at.exception

    at = _page(board, "duty", "search.py")
    at.text_input(key="search_query").input("燃气").run(timeout=board.timeout)
    at.selectbox(key="search_case").select(gas.id).run(timeout=board.timeout)
    shown = board.shown_text(at)
    assert "相似留言（可并单）：信息 " in shown and "相似度" in shown
    assert "所属事件：幸福小区燃气泄漏（4 条）" in shown

    report = reports_doc.opinion_report(rt.store, rt.search, rt.unit_names, rt.county, "daily",
                                        gas.received_at.date(), gas.received_at, reports_doc_mask)
    hot = report.sections[1].table
    assert list(hot["事件"])[:1] == ["幸福小区燃气泄漏"] and list(hot["件数（范围内）"])[:1] == [4]


def test_source_health_puts_the_blocked_source_first(board):
    at = _page(board, "duty", "sources.py")
    rows = at.dataframe[0].value
    assert list(rows["来源"])[:1] == ["demo-board"]
    assert "⛔ 被拦截" in rows.iloc[0]["状态"] and "captcha" in rows.iloc[0]["问题"]
    states = dict(zip(rows["来源"], rows["状态"], strict=True))
    assert states["demo-discuz"] == "🟢 正常" and states["broken-source"] == "⚪ 未知"
    assert "2 个来源需要关注" in at.warning[0].value


@pytest.mark.parametrize(("kind", "title"), [("daily", "舆情日报"), ("weekly", "舆情周报"), ("monthly", "月度响应时效报告")])
def test_reports_render_and_download(board, kind, title):
    at = _page(board, "leader", "reports.py")
    at.selectbox(key="report_kind").select(kind).run(timeout=board.timeout)
    if kind == "daily":
        at.date_input(key="report_day").set_value(board.case("gas").received_at.date()).run(timeout=board.timeout)
    assert not at.exception
    assert any(title in h.value for h in at.header)
    labels = [d.proto.label for d in at.get("download_button")]
    assert labels == ["下载 Excel", "下载打印版（网页，可另存为 PDF）"]


def test_the_daily_report_as_excel_and_as_a_page(board):
    rt = board.runtime
    gas = board.case("gas")
    report = reports_doc.opinion_report(rt.store, rt.search, rt.unit_names, rt.county, "daily",
                                        gas.received_at.date(), gas.received_at, reports_doc_mask)
    overview = report.sections[0].paragraphs[0]
    assert "立案办理 6 件" in overview and "特急 1 件" in overview  # the overdue case came in ten days ago
    workbook = load_workbook(io.BytesIO(export.to_xlsx(report)))
    assert workbook.sheetnames[0] == "概况"
    urgent = workbook["三、重点关注（特急、紧急）"]
    titles = [row[3] for row in urgent.iter_rows(min_row=4, values_only=True)]
    assert "幸福小区燃气泄漏" in titles
    assert workbook["四、来源分布"]._charts  # a bar chart beside the counts
    page = export.to_html(report)
    assert "<script" not in page and "<img" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;学校门口乱停车" in page  # the hostile title, as text


def reports_doc_mask(text: str) -> str:
    from dashboard.privacy import mask

    return mask(text)
