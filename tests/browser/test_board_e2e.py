"""The loop in a real browser: the duty officer assigns an urgent item, the unit signs for it and
drafts a reply, the unit's leader signs it off, and the county leader sees the times change.

Runs the real app (``streamlit run dashboard/app.py``) on a seeded SQLite file and drives
Debian's headless Chromium with Selenium (fixtures in ``conftest.py``). Saves a screenshot of
each role's main page to ``dashboard/screenshots/`` (shown in the board's README) and checks in
the DOM that a message carrying ``<script>`` and ``<img onerror>`` is shown as text and creates
no element.
"""

from __future__ import annotations

import sqlite3
import time

import pytest

pytestmark = pytest.mark.browser

REPLY = ("县住房城乡建设局经核实，幸福小区3栋燃气管道接口老化漏气，已于当日关阀抢修并更换接口，"
         "经检测浓度正常。依据《城镇燃气管理条例》，已责成燃气公司一周内完成全小区排查。")


def _status(ui, key: str) -> str:  # type: ignore[no-untyped-def]
    with sqlite3.connect(ui.server.db) as conn:
        return str(conn.execute("SELECT status FROM cases WHERE id = ?", (ui.server.cases[key],)).fetchone()[0])


def test_the_loop_in_a_real_browser(ui):
    began = time.monotonic()
    gas = ui.server.cases["gas"]

    # The county leader looks first: one housing reply so far, answered in 10 hours.
    ui.sign_in("leader", "领导看板")
    before = ui.metrics()
    assert before["答复用时中位数"] == "10.0 小时", before

    # The duty officer: the urgent item is raised and stays until someone takes it.
    ui.sign_in("duty", "值班台")
    ui.see("特急件 1 件待接手")
    ui.screenshot("duty")
    ui.choose("duty_case", f"#{ui.server.cases['xss']} ")
    ui.see(f"{ui.script}学校门口乱停车")
    ui.see(f"{ui.img} 接送时段堵车 **严重**")
    assert ui.count("img[onerror]") == 0
    assert ui.driver.execute_script(
        "return [...document.scripts].filter(s => s.textContent.includes('alert(1)')).length") == 0
    assert ui.count('[data-testid="stMain"] script, [data-testid="stMain"] img') == 0
    ui.click("查看")  # the urgent item, from the alert
    ui.see("幸福小区燃气泄漏")
    ui.click("交办")
    ui.see("已交办给 县住房城乡建设局")
    assert _status(ui, "gas") == "assigned"
    ui.until(lambda: "特急件" not in ui.main_text(), 15, "the alert stayed after the case was taken")
    ui.sign_out()

    # The unit's handler signs for it and drafts the reply from the inbox.
    ui.sign_in("housing-handler", "单位收件箱")
    ui.choose("inbox_case", f"#{gas} ")
    ui.click("签收")
    ui.see("已签收。请于")
    ui.type(f"reply_{gas}_text", REPLY)
    ui.see("答复检查")
    ui.screenshot("inbox")
    ui.click("提交答复")
    ui.see("答复已提交，等待本单位负责人审签。")
    assert _status(ui, "gas") == "reply_pending"

    # The unit's leader signs it off.
    ui.sign_in("housing-leader", "单位收件箱")
    ui.choose("inbox_case", f"#{gas} ")
    ui.see("审签答复草稿")
    ui.screenshot("sign-off")
    ui.click("审签通过")
    ui.see("已审签，答复已发出")
    assert _status(ui, "gas") == "replied"

    # The county leader sees the new reply in the figures at once.
    ui.sign_in("leader", "领导看板")
    after = ui.metrics()
    assert int(after["答复数"]) == int(before["答复数"]) + 1, (before, after)
    assert after["答复用时中位数"] != before["答复用时中位数"], (before, after)
    ui.screenshot("leader")

    # The administrator's landing page and the search page, for the README.
    ui.sign_in("admin", "值班台")
    ui.go("搜索")
    ui.type("search_query", "燃气")
    ui.see("共找到 1 条")
    ui.until(lambda: ui.count('[data-testid="stMain"] .stMarkdownColoredBackground') >= 2, 15,
             "the search term is not highlighted")  # the hit's title and its snippet
    ui.screenshot("search")
    ui.go("用户与单位")
    ui.screenshot("admin")
    assert time.monotonic() - began < 90
