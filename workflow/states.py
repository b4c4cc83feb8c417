"""The case states and which action may be taken in which state, as data.

The loop (RULES.md): 受理 received → 交办 assigned → 签收 acknowledged → 办理 in progress →
答复 reply drafted and signed off by the unit's leader → 审核 reviewed by the coordinator →
办结 closed → 回访 follow-up (不满意 reopens the case for 重办). Side paths: 退单 return and 改派
re-routing, 延期 extension, 催办/督办 reminders and supervision, 并单 merge, 回应 public response,
转警情 referral of emergencies.
"""

from __future__ import annotations

STATUSES: dict[str, str] = {
    "received": "待交办",
    "assigned": "待签收",
    "acknowledged": "已签收",
    "in_progress": "办理中",
    "reply_pending": "待审签",
    "replied": "已答复",
    "reviewed": "已审核",
    "closed": "已办结",
    "returned": "已退回",
    "merged": "已并单",
}
"""Every state in the order of the loop, with the Chinese name the board shows."""

OPEN_STATUSES: tuple[str, ...] = ("received", "assigned", "acknowledged", "in_progress", "reply_pending", "returned")
"""States in which the unit's deadline is still running (the reply has not been signed off)."""

HANDLING = ("assigned", "acknowledged", "in_progress", "reply_pending")
"""States in which a unit is handling the case."""

ACTIONS: dict[str, str] = {
    "assign": "交办",
    "acknowledge": "签收",
    "return": "退单",
    "progress": "记录进展",
    "reply": "答复",
    "sign_off": "审签",
    "reject_draft": "退回修改",
    "review": "审核通过",
    "send_back": "审核退回",
    "close": "办结",
    "follow_up": "回访",
    "request_extension": "申请延期",
    "approve_extension": "批准延期",
    "refuse_extension": "不予延期",
    "remind": "催办",
    "supervise": "督办",
    "merge": "并单",
    "publish": "发布回应",
    "refer": "转警情",
    "reclassify": "更正分类",
    "view": "查看",
}
"""Every action with its Chinese name."""

ALLOWED: dict[str, frozenset[str]] = {
    "assign": frozenset({"received", "returned", "assigned", "acknowledged", "in_progress"}),
    "acknowledge": frozenset(HANDLING),
    "return": frozenset({"assigned", "acknowledged"}),
    "progress": frozenset({"acknowledged", "in_progress"}),
    "reply": frozenset({"acknowledged", "in_progress", "reply_pending"}),
    "sign_off": frozenset({"reply_pending"}),
    "reject_draft": frozenset({"reply_pending"}),
    "review": frozenset({"replied"}),
    "send_back": frozenset({"replied"}),
    "close": frozenset({"reviewed"}),
    "follow_up": frozenset({"closed"}),
    "request_extension": frozenset(HANDLING),
    "approve_extension": frozenset(HANDLING),
    "refuse_extension": frozenset(HANDLING),
    "remind": frozenset(HANDLING),
    "supervise": frozenset(HANDLING + ("returned", "received")),
    "merge": frozenset({"received", "returned", "assigned", "acknowledged", "in_progress"}),
    "publish": frozenset({"assigned", "acknowledged", "in_progress", "reply_pending", "replied", "reviewed"}),
    "refer": frozenset({"received", "returned", "assigned", "acknowledged", "in_progress"}),
    "reclassify": frozenset(OPEN_STATUSES + ("replied", "reviewed")),
}
"""The states in which each action may be taken."""

HINTS: dict[str, str] = {
    "assign": "已答复、已办结或已并单的件不能再交办。",
    "acknowledge": "只有交办后、答复前的件可以签收。",
    "return": "只有尚未开始办理的件可以退单；已开始办理的请申请改派或延期。",
    "progress": "请先签收，再记录办理进展。",
    "reply": "请先签收，再答复。",
    "sign_off": "只有待审签的答复可以审签。",
    "reject_draft": "只有待审签的答复可以退回修改。",
    "review": "只有已答复的件可以审核。",
    "send_back": "只有已答复的件可以审核退回。",
    "close": "请先审核通过，再办结。",
    "follow_up": "只有已办结的件可以回访。",
    "request_extension": "只有办理中的件可以申请延期。",
    "approve_extension": "该件已不在办理中，无需处理延期。",
    "refuse_extension": "该件已不在办理中，无需处理延期。",
    "remind": "只有办理中的件可以催办。",
    "supervise": "已答复或已办结的件不能督办。",
    "merge": "已答复、已办结或已并单的件不能并单。",
    "publish": "该件尚未交办或已办结，不能发布回应。",
    "refer": "已答复或已办结的件不能转警情。",
    "reclassify": "已办结或已并单的件不能更正分类。",
}
"""What to do instead when an action does not apply to a case's state (Chinese)."""

EMERGENCY_LINES: dict[str, str] = {"110": "公安报警", "119": "消防", "120": "急救", "122": "交通事故"}
"""Emergency lines an item can be referred to at once (国办函〔2025〕66号: 即时转至相应热线)."""

SATISFACTION = ("满意", "基本满意", "不满意")
"""Follow-up answers; 不满意 reopens the case for 重办."""
