"""Reply templates bound to states, and the reply check a unit sees before its leader signs.

The check's agreement with people on real replies is measured in ``bench/bench_reply_quality.py``;
here it is specified on hand-written replies whose verdict is not in doubt.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from index.records import CST, Case, Item
from workflow.replies import (
    ReplyTemplates,
    Template,
    TemplateError,
    case_values,
    check_reply,
    key_terms,
    render,
)

TITLE = "老隆镇工地拖欠农民工工资三个月"
BODY = "老隆镇某安置房工地的施工老板拖欠我们十几个工人三个月工资，多次讨要无果，希望政府帮忙。"
UNIT = "县人社局"
RECEIVED = datetime(2026, 3, 2, 9, 0, tzinfo=CST)
DEADLINE = datetime(2026, 3, 23, 23, 59, 59, tzinfo=CST)

GOOD = ("您好！您反映的老隆镇工地拖欠农民工工资问题收悉。经我局调查核实，该工地施工单位拖欠12名工人2025年10月至12月"
        "工资共计18.6万元。我局已于3月5日约谈施工单位负责人，责令其于3月15日前足额支付。根据《保障农民工工资支付条例》"
        "第三十条规定，施工总承包单位对所招用农民工的工资支付负责。下一步，我局将跟踪督促支付到位；如有疑问，请拨打县人社局"
        "劳动保障监察电话0762-1234567。")


def county_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "reply_templates.yaml"
    path.write_text(text, encoding="utf-8")
    return path


# -- templates ----------------------------------------------------------------------------------


def test_each_state_offers_its_templates_and_a_closed_case_offers_none():
    templates = ReplyTemplates.load()
    assert [t.id for t in templates.templates_for("hrss", "acknowledged")] == [
        "interim-received", "final-reply", "not-our-remit"]
    assert [t.id for t in templates.templates_for("hrss", "in_progress")] == [
        "interim-received", "interim-extension", "final-reply"]
    assert templates.templates_for("hrss", "closed") == []


def test_a_unit_sees_its_own_templates_first_and_its_own_wording_replaces_a_default(tmp_path):
    path = county_file(tmp_path, """
templates:
  - {id: wages-interim, label: 欠薪件阶段性答复, unit: hrss, kind: interim, statuses: [in_progress],
     text: "您好！您反映的“{title}”，{unit_name}劳动保障监察大队已立案调查，预计{deadline_date}前办结。"}
  - {id: final-reply, label: 人社局正式答复, unit: hrss, statuses: [in_progress], text: "{unit_name}答复：……"}
""")
    templates = ReplyTemplates.load(path)
    assert [t.id for t in templates.templates_for("hrss", "in_progress")] == [
        "wages-interim", "final-reply", "interim-received", "interim-extension"]
    assert templates.templates_for("hrss", "in_progress")[1].label == "人社局正式答复"
    assert [t.id for t in templates.templates_for("housing", "in_progress")] == [
        "interim-received", "interim-extension", "final-reply"]


def test_an_interim_reply_renders_with_the_case_dates_written_in_chinese():
    (interim,) = [t for t in ReplyTemplates.load().templates_for("hrss", "acknowledged") if t.id == "interim-received"]
    case = Case(id=7, item_id=1, status="acknowledged", lead_unit="hrss", co_units=(), urgency="一般", kind="投诉",
                received_at=RECEIVED, deadline=DEADLINE, ack_deadline=RECEIVED)
    item = Item(source="demo", platform="discuz", url="u", external_id="1", title=TITLE, body=BODY)
    text = render(interim, **case_values(case, item, UNIT))
    assert text.startswith(f"您好！您于2026年3月2日反映的“{TITLE}”已收悉。县人社局已安排专人调查核实")
    assert "预计于2026年3月23日前答复办理结果" in text and "{" not in text


def test_a_placeholder_we_cannot_fill_is_refused_with_the_ones_we_can(tmp_path):
    path = county_file(tmp_path, """
templates:
  - {id: bad, label: 错误模板, statuses: [in_progress], text: "{citizen_name}您好，{unit_name}已收到。"}
""")
    with pytest.raises(TemplateError) as err:
        ReplyTemplates.load(path)
    assert "{citizen_name}" in err.value.zh and "{unit_name}（承办单位名称）" in err.value.zh
    template = Template(id="t", label="测试", text="{unit_name}：关于“{title}”", statuses=("in_progress",))
    with pytest.raises(TemplateError, match="unknown placeholder values"):
        render(template, unit_name=UNIT, title=TITLE, phone="0762")
    with pytest.raises(TemplateError) as err:
        render(template, unit_name=UNIT)
    assert "留言标题" in err.value.zh
    for text in ("{title!r}", "{title.upper}", "{title:>10}", "关于{title"):
        with pytest.raises(TemplateError):
            render(Template(id="t", label="测试", text=text, statuses=("in_progress",)), title=TITLE)


def test_a_template_for_a_state_that_does_not_exist_is_refused(tmp_path):
    path = county_file(tmp_path, "templates:\n  - {id: x, text: 您好, statuses: [pending]}\n")
    with pytest.raises(TemplateError) as err:
        ReplyTemplates.load(path)
    assert "in_progress" in str(err.value) and "办理中" not in err.value.zh  # lists the state ids to use
    assert "statuses" in err.value.zh


# -- the reply check -------------------------------------------------------------------------


def test_a_good_reply_names_the_unit_answers_and_gives_basis_and_next_step():
    check = check_reply(GOOD, TITLE, BODY, UNIT)
    assert check.ok and check.problems == []
    assert check.names_unit.evidence == "县人社局"
    assert check.answers.ok and check.basis.evidence == "根据"


def test_a_reply_that_does_not_say_who_answers_is_sent_back_with_the_reason():
    reply = ("经调查核实，该工地拖欠12名工人工资共计18.6万元，施工单位已于3月10日全部支付。根据《保障农民工工资支付条例》"
             "规定，施工总承包单位对农民工工资支付负责。如有疑问，请拨打0762-1234567。")
    check = check_reply(reply, TITLE, BODY, UNIT)
    assert not check.ok and check.answers.ok and check.basis.ok
    assert not check.names_unit.ok
    assert check.problems == ["答复没有写明由哪个单位办理，请写明单位名称（如“县人社局”或“我局”“本单位”）。"]


def test_a_reply_without_basis_or_next_step_is_flagged():
    reply = ("您好！县人社局收到您的留言后，经调查核实，该工地施工单位已于3月10日向12名工人足额支付拖欠的工资共计18.6万元，"
             "工人均已签字确认。")
    check = check_reply(reply, TITLE, BODY, UNIT)
    assert check.names_unit.ok and check.answers.ok and not check.basis.ok and not check.ok
    assert "依据或下一步" in check.basis.reason


def test_a_reply_about_something_else_does_not_answer_the_question():
    reply = ("您好！县人社局已收到留言。关于社保卡申领，请携带身份证到县政务服务中心窗口，咨询电话0762-1234567，"
             "工作时间为周一至周五上午八点半至十二点。")
    check = check_reply(reply, TITLE, BODY, UNIT)
    assert not check.answers.ok and f"没有说明留言所问的“{TITLE}”" in check.answers.reason


def test_boilerplate_only_and_too_short_replies_are_flagged():
    reply = "您好！您的留言已收悉，我局高度重视，正在办理中。感谢您对我们工作的关心和支持！"
    check = check_reply(reply, TITLE, BODY, UNIT)
    assert check.boilerplate_only and check.too_short and not check.ok
    assert any("套话" in p for p in check.problems) and any("过短" in p for p in check.problems)


def test_a_template_blank_left_unfilled_stops_the_reply():
    (final,) = [t for t in ReplyTemplates.load().templates_for("hrss", "in_progress") if t.id == "final-reply"]
    draft = render(final, unit_name=UNIT, title=TITLE, received_date=RECEIVED, deadline_date=DEADLINE)
    check = check_reply(draft, TITLE, BODY, UNIT)
    assert not check.ok and "【请填写：联系电话】" in check.unfilled
    assert check.problems[0].startswith("答复中还有模板空白未填写")


def test_key_terms_leave_out_question_words():
    assert key_terms("关于老隆镇拖欠工资的问题？") == ["老隆", "隆镇", "镇拖", "拖欠", "欠工", "工资"]
