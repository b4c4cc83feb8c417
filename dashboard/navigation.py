"""Which pages each role sees, declared once as data.

``app.py`` builds ``st.navigation`` from ``pages_for(role)`` and every page checks the same table
again (``page_roles``) before it shows anything, so a page cannot be reached by a role that
is not listed for it, even through a stale link. New pages are added here, with their roles,
and nowhere else.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

PAGES_DIR = Path(__file__).resolve().parent / "screens"
"""Page scripts live in ``screens/``, not ``pages/``: Streamlit treats a ``pages/`` folder beside the
entry script as an old-style multipage app and may run a page file directly, skipping ``app.py``
(its sign-in check and runtime), whenever a session starts on that page's URL."""

DUTY_ROLES = frozenset({"coordinator", "admin"})
UNIT_ROLES = frozenset({"unit_handler", "unit_leader"})
LEADER_ROLES = frozenset({"leader", "admin", "coordinator"})
COUNTY_ROLES = frozenset({"leader", "admin", "coordinator"})
ADMIN_ROLES = frozenset({"admin"})


@dataclass(frozen=True)
class PageSpec:
    """One page of the board: its script in ``screens/``, its title and the roles that see it."""

    file: str
    title: str
    icon: str
    section: str
    roles: frozenset[str]

    @property
    def path(self) -> Path:
        return PAGES_DIR / self.file


PAGES: tuple[PageSpec, ...] = (
    PageSpec("duty.py", "值班台", ":material/notifications_active:", "值班", DUTY_ROLES),
    PageSpec("triage.py", "待交办", ":material/move_to_inbox:", "值班", DUTY_ROLES),
    PageSpec("review.py", "审核办结", ":material/fact_check:", "值班", DUTY_ROLES),
    PageSpec("inbox.py", "单位收件箱", ":material/inbox:", "本单位", UNIT_ROLES),
    PageSpec("leader.py", "领导看板", ":material/leaderboard:", "统计", LEADER_ROLES),
    PageSpec("hot.py", "热点话题", ":material/local_fire_department:", "舆情", COUNTY_ROLES),
    PageSpec("sources.py", "采集状态", ":material/monitor_heart:", "舆情", DUTY_ROLES),
    PageSpec("search.py", "搜索", ":material/search:", "查询与报告", COUNTY_ROLES),
    PageSpec("reports.py", "报告", ":material/summarize:", "查询与报告", COUNTY_ROLES),
    PageSpec("admin_users.py", "用户与单位", ":material/manage_accounts:", "管理", ADMIN_ROLES),
    PageSpec("admin_rules.py", "规则与模型", ":material/tune:", "管理", ADMIN_ROLES),
)
"""In menu order. A role's first page is where it lands after signing in: duty officers and
administrators on the live feed, units on their inbox, leaders on their table."""

SIGN_IN = PageSpec("sign_in.py", "登录", ":material/login:", "", frozenset())

NO_PAGES = "您的账号角色没有可用的页面，请联系系统管理员检查账号设置。"
NOT_ALLOWED = "您的账号无权查看此页面，请从左侧菜单选择其他页面。"


def pages_for(role: str, pages: Iterable[PageSpec] = PAGES) -> list[PageSpec]:
    """The pages a role sees, in menu order."""
    return [p for p in pages if role in p.roles]


def sections(specs: Iterable[PageSpec]) -> dict[str, list[PageSpec]]:
    """Pages grouped under their menu headings, headings in order of first appearance."""
    grouped: dict[str, list[PageSpec]] = {}
    for spec in specs:
        grouped.setdefault(spec.section, []).append(spec)
    return grouped


def page_roles(file: str) -> frozenset[str]:
    """The roles that may open the page in ``screens/<file>``."""
    for spec in PAGES:
        if spec.file == file:
            return spec.roles
    raise KeyError(f"page {file!r} is not registered in dashboard.navigation.PAGES")
