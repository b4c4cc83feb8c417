"""The handling unit's forms on an opened case: sign for it, reply (from a template, with the
reply check's reasons beside the box), leader sign-off, progress, extension, return, publish.

What is drawn comes from ``offers.unit_offers``; the reply check and the templates come from
``workflow.replies`` when it is installed (the board works without them, saying so).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any

import streamlit as st

from dashboard import actions, caching, inbox, offers, session
from dashboard.actions import Outcome
from dashboard.markup import escape_markdown
from dashboard.texts import fmt_time, unit_name
from index.records import CST, Case, CaseUnit, CaseView, User, now_cst

REPLY_PLACEHOLDER = "请写明：哪个单位答复、核查到的情况和处理结果、所依据的规定或下一步安排。"


def _user() -> User:
    return st.session_state[session.USER_KEY]  # type: ignore[no-any-return]


def _text(key: str) -> str:
    return str(st.session_state.get(key) or "")


def _clicked(run: Callable[[], Outcome], *clear: str) -> None:
    outcome = run()
    if outcome.ok:
        for key in clear:
            st.session_state[key] = ""
    session.flash(outcome)


def _replies() -> Any | None:
    try:
        return importlib.import_module("workflow.replies")
    except ImportError:
        return None


def end_of_day(day: date) -> datetime:
    """An extension runs to the end of the chosen day, county time."""
    return datetime.combine(day, time(23, 59, 59), tzinfo=CST)


# -- the reply check and templates --------------------------------------------------------------


def reply_check(view: CaseView, text: str, names: dict[str, str]) -> list[str] | None:
    """The reply check's reasons (empty: all parts present), or ``None`` when it is not installed."""
    replies = _replies()
    check = getattr(replies, "check_reply", None) if replies else None
    if check is None or not text.strip():
        return None
    result = check(text, view.item.title, view.item.body, unit_name(view.case.lead_unit, names),
                   [n for n in names.values()])
    return list(result.problems)


def show_check(problems: list[str] | None) -> None:
    if problems is None:
        return
    if not problems:
        st.success("答复检查：写明了办理单位、回应了诉求、给出了依据或下一步。", icon=":material/task_alt:")
        return
    st.warning("**答复检查（提交前请修改）**  \n" + "\n".join(f"- {escape_markdown(p)}" for p in problems),
               icon=":material/rule:")


def _apply_template(view: CaseView, template_id: str, key: str, names: dict[str, str]) -> None:
    templates = caching.reply_templates(str(session.runtime().config.county_dir))
    replies = _replies()
    if templates is None or replies is None:
        return
    chosen = st.session_state.get(template_id)
    found = [t for t in templates.templates if t.id == chosen]
    if not found:
        return
    values = replies.case_values(view.case, view.item, unit_name(_user().unit_id, names))
    try:
        st.session_state[key] = replies.render(found[0], **values)
    except Exception as exc:  # a county template with a mistake: say which, keep what was typed
        session.flash(Outcome(False, getattr(exc, "zh", str(exc))))


def template_picker(view: CaseView, key: str, names: dict[str, str], kinds: tuple[str, ...] = ("final", "interim")) -> None:
    """Choose a template for the reply box; 套用 fills the box (the unit then fills the blanks)."""
    templates = caching.reply_templates(str(session.runtime().config.county_dir))
    if templates is None:
        st.caption("答复模板尚未启用（workflow.replies 未安装）。")
        return
    usable = [t for t in templates.templates_for(_user().unit_id, view.case.status) if t.kind in kinds]
    if not usable:
        return
    picker = f"{key}_template"
    cols = st.columns([3, 1], vertical_alignment="bottom")
    cols[0].selectbox("答复模板", [t.id for t in usable], key=picker,
                      format_func={t.id: t.label for t in usable}.__getitem__)
    cols[1].button("套用模板", key=f"{picker}_apply", on_click=_apply_template, args=(view, picker, key, names))


# -- the forms ---------------------------------------------------------------------------------


def reply_form(view: CaseView, user: User, names: dict[str, str]) -> None:
    """答复: handler drafts (then 审签), leader signs at once, a co-handling unit gives its input."""
    rt = session.runtime()
    case = view.case
    key = f"reply_{case.id}_text"
    co = offers.is_co_unit(user, case)
    label = "提交协办意见" if co else "签发答复" if user.role == "unit_leader" else "提交答复"
    st.markdown("**协办意见**" if co else "**答复**")
    if not co:
        template_picker(view, key, names)
    if key not in st.session_state and case.reply_draft and not co:
        st.session_state[key] = case.reply_draft  # revising a draft the leader sent back
    st.text_area("协办意见" if co else "答复意见", key=key, height=200, max_chars=4000, placeholder=REPLY_PLACEHOLDER)
    if not co:
        show_check(reply_check(view, _text(key), names))
    st.button(label, key=f"reply_{case.id}_submit", type="primary",
              on_click=_clicked, args=(lambda: actions.reply(rt.cases, _user(), case, _text(key)), key))


def sign_off_form(view: CaseView, names: dict[str, str]) -> None:
    """审签: the leader reads the draft, may edit it, and signs it off or sends it back."""
    rt = session.runtime()
    case = view.case
    key = f"signoff_{case.id}_{case.version}_text"
    if key not in st.session_state:
        st.session_state[key] = case.reply_draft
    st.markdown("**审签答复草稿**")
    st.text_area("答复草稿（可修改后签发）", key=key, height=200, max_chars=4000)
    show_check(reply_check(view, _text(key), names))
    st.button("审签通过", key=f"signoff_{case.id}_submit", type="primary",
              on_click=_clicked, args=(lambda: actions.sign_off(rt.cases, _user(), case, _text(key)),))
    reason = f"reject_{case.id}_reason"
    with st.form(f"reject_{case.id}"):
        st.text_input("退回修改的意见", key=reason)
        st.form_submit_button("退回修改", on_click=_clicked,
                              args=(lambda: actions.reject_draft(rt.cases, _user(), case, _text(reason)), reason))


def progress_form(case: Case) -> None:
    rt = session.runtime()
    key = f"progress_{case.id}_note"
    with st.form(f"progress_{case.id}"):
        st.text_input("办理进展（如：已现场核查，正在协调）", key=key)
        st.form_submit_button("记录进展", on_click=_clicked,
                              args=(lambda: actions.progress(rt.cases, _user(), case, _text(key)), key))


def extension_form(case: Case) -> None:
    rt = session.runtime()
    key = f"extend_{case.id}"
    with st.form(key):
        st.caption(escape_markdown(f"当前期限 {fmt_time(case.deadline)}。延期须在期限前申请，经值班员批准后才生效。"))
        st.date_input("申请延至", value=(case.deadline + timedelta(days=5)).date(),
                      min_value=case.deadline.date(), key=f"{key}_until", format="YYYY-MM-DD")
        st.text_input("延期理由", key=f"{key}_reason")

        def run() -> Outcome:
            day = st.session_state.get(f"{key}_until")
            return actions.request_extension(rt.cases, _user(), case, end_of_day(day) if day else None,
                                             _text(f"{key}_reason"))

        st.form_submit_button("申请延期", on_click=_clicked, args=(run, f"{key}_reason"))


def return_form(view: CaseView, names: dict[str, str]) -> None:
    rt = session.runtime()
    case = view.case
    key = f"return_{case.id}_reason"
    window = rt.cases.profile.return_deadline(case.assigned_at).at if case.assigned_at else None
    st.caption(escape_markdown(f"不属于本单位职责的，请于 {fmt_time(window)} 前退单，并写明理由和依据。"))
    template_picker(view, key, names, kinds=("return",))
    with st.form(f"return_{case.id}"):
        st.text_area("退单理由和依据", key=key, height=100)
        st.form_submit_button("退单", on_click=_clicked,
                              args=(lambda: actions.return_case(rt.cases, _user(), case, _text(key)), key))


def publish_form(case: Case) -> None:
    rt = session.runtime()
    key = f"publish_{case.id}_text"
    with st.form(f"publish_{case.id}"):
        st.text_area("对外发布的回应（根据承办单位提供的事实）", key=key, height=120)
        st.form_submit_button("发布回应", on_click=_clicked,
                              args=(lambda: actions.publish(rt.cases, _user(), case, _text(key)), key))


def _acknowledge(case: Case) -> Outcome:
    return actions.acknowledge(session.runtime().cases, _user(), case)


def unit_actions(user: User, view: CaseView, parts: list[CaseUnit], unit_role: str) -> None:
    """The unit's panel: what to do next, then the forms the service would accept now."""
    rt = session.runtime()
    case = view.case
    names = rt.unit_names
    st.info(escape_markdown(inbox.next_step(user, case, parts)), icon=":material/info:")
    allowed = offers.unit_offers(user, case, unit_role, parts, now_cst())
    if "acknowledge" in allowed:
        st.button("签收", key=f"ack_{case.id}", type="primary", on_click=_clicked, args=(lambda: _acknowledge(case),))
    if "reply" in allowed:
        reply_form(view, user, names)
    if "sign_off" in allowed:
        sign_off_form(view, names)
    side = [("progress", "记录办理进展", lambda: progress_form(case)),
            ("request_extension", "申请延期", lambda: extension_form(case)),
            ("return", "退单（非本单位职责）", lambda: return_form(view, names)),
            ("publish", "发布回应（宣传部门）", lambda: publish_form(case))]
    for action, label, draw in side:
        if action in allowed:
            with st.expander(label):
                draw()
