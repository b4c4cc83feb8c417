"""A real installation for the board's tests: a SQLite file, the county's units, accounts, cases.

The store is seeded once per test session through the real services (``create_user``,
``add_item`` + ``save_classification``, ``CaseService.open_new_cases``) and copied into each
test's own folder, so tests may change cases freely and still start quickly. The app finds
the copy the way it finds any installation: through HUIYING_STORE_URL.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

import dashboard
from huiying.runtime import Runtime, open_runtime
from huiying.settings import load_config
from index.records import Case, Classification, Item, User, now_cst
from workflow.accounts import create_user

APP = Path(dashboard.__file__).resolve().parent / "app.py"
PASSWORD = "board-test-pw"
RUN_TIMEOUT = 30

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"

ACCOUNTS = {
    # username: (role, display name, unit)
    "duty": ("coordinator", "值班员小李", ""),
    "admin": ("admin", "管理员", ""),
    "leader": ("leader", "县领导王某", ""),
    "hrss-handler": ("unit_handler", "人社局经办人", "hrss"),
    "edu-handler": ("unit_handler", "教育局经办人", "education"),
    "housing-leader": ("unit_leader", "住建局负责人", "housing"),
    "hrss-leader": ("unit_leader", "人社局负责人", "hrss"),
    "emergency-handler": ("unit_handler", "应急局经办人", "emergency"),
    "propaganda-handler": ("unit_handler", "宣传部经办人", "propaganda"),
}

MESSAGES = {
    # key: (source, title, body, lead unit, co units, urgency, kind, needs triage)
    "gas": ("demo-discuz", "幸福小区燃气泄漏", "3栋楼道燃气味很重，已经有老人头晕，请马上派人！",
            "housing", ("emergency",), "特急", "求助", False),
    "wages": ("demo-board", "工地拖欠工资三个月", "龙川大道工地40多名工人被拖欠工资。", "hrss", (), "紧急", "投诉", False),
    "school": ("demo-board", "小学插班生报名咨询", "请问老隆一小插班需要什么材料？", "education", (), "一般", "咨询", False),
    "unsure": ("demo-discuz", "路灯坏了好几天", "新城路段路灯不亮，不知道该找谁。", "housing", (), "一般", "建议", True),
    "xss": ("demo-discuz", f"{SCRIPT}学校门口乱停车", f"{IMG} 接送时段堵车 **严重** [点这里](javascript:alert(1))",
            "education", (), "一般", "投诉", False),
}
OVERDUE = ("demo-board", "社保卡补办进度查询", "十天前申请补办社保卡，至今没有消息。", "hrss", (), "一般", "咨询", False)
PII = ("demo-board", "低保申请没有回音", "我叫张某，电话13812345678，身份证441622199001011234，申请低保三个月没有回音。",
       "civil-affairs", (), "一般", "求助", False)
KEYWORDS = {"gas": ("燃气", "泄漏"), "wages": ("拖欠工资",), "school": ("插班",), "unsure": ("路灯",),
            "xss": ("乱停车",), "overdue": ("社保卡",), "pii": ("低保",)}
PLACES = {"wages": "老隆镇", "unsure": "老隆镇"}
HEALTH = {
    "demo-discuz": '{"schema": 1, "status": "ok", "title": "演示论坛", "last_success_at": "%(now)s", '
                   '"last_run_at": "%(now)s", "items_new": 3, "errors": {}, "consecutive_failures": 0}',
    "demo-board": '{"schema": 1, "status": "blocked", "title": "演示留言板", "last_success_at": "%(old)s", '
                  '"blocked_since": "%(old)s", "blocked_kind": "captcha", "consecutive_failures": 3, '
                  '"errors": {"http_403": 2}}',
    "broken-source": "not json",
}


def _add(runtime: Runtime, key: str, row: tuple) -> Item:  # type: ignore[type-arg]
    source, title, body, lead, co, urgency, kind, triage = row
    item_id = runtime.store.add_item(Item(
        source=source, platform="discuz", url=f"http://bbs.example.cn/thread-{key}.html?from={SCRIPT}",
        external_id=key, title=title, body=body, author=f"网友{key}", posted_at=now_cst(), content_hash=f"hash-{key}",
    )).item_id
    runtime.store.save_classification(Classification(
        item_id=item_id, domain="城乡建设" if lead == "housing" else "劳动和社会保障", lead_unit=lead, co_units=co,
        urgency=urgency, kind=kind, confidences={"domain": 0.45 if triage else 0.92, "urgency": 0.88},
        model_version="test-1", reasons=(f"关键词“{title[:4]}”", f"紧急程度规则：{urgency}"), needs_triage=triage,
        keywords=KEYWORDS.get(key, ()), place=PLACES.get(key, ""),
    ))
    return runtime.store.get_item(item_id)


def _seed(runtime: Runtime) -> None:
    for username, (role, name, unit) in ACCOUNTS.items():
        create_user(runtime.store, username, PASSWORD, role, name, unit)
    overdue_item = _add(runtime, "overdue", OVERDUE)
    overdue_class = runtime.store.get_classification(overdue_item.id)
    assert overdue_class is not None
    runtime.cases.open_case(overdue_item, overdue_class, received_at=now_cst() - timedelta(days=10))
    for key, row in {**MESSAGES, "pii": PII}.items():
        _add(runtime, key, row)
    assert runtime.cases.open_new_cases() == len(MESSAGES) + 1
    now, old = now_cst(), now_cst() - timedelta(days=2)
    for source, text in HEALTH.items():
        runtime.store.set_state("source_health", source, text % {"now": now.isoformat(), "old": old.isoformat()})


@pytest.fixture(scope="session")
def seeded_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One seeded database file per test session (hashing passwords is the slow part)."""
    path = tmp_path_factory.mktemp("board-seed") / "huiying.db"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HUIYING_STORE_URL", f"sqlite:///{path}")
        mp.setenv("HUIYING_CALENDAR_WEEKDAY_FALLBACK", "1")
        runtime = open_runtime(load_config())
        try:
            _seed(runtime)
        finally:
            runtime.close()
    return path


@dataclass
class Board:
    """The test's own installation: its runtime, the seeded accounts and cases by name."""

    runtime: Runtime
    password: str = PASSWORD
    timeout: float = RUN_TIMEOUT
    script: str = SCRIPT
    img: str = IMG

    def user(self, username: str) -> User:
        user = self.runtime.store.get_user(username)
        assert user is not None, username
        return user

    def case(self, key: str) -> Case:
        """The case opened for the seeded message ``key`` (``gas``, ``xss``, ``overdue`` …)."""
        for case in self.runtime.store.all_cases():
            if self.runtime.store.get_item(case.item_id).external_id == key:
                return case
        raise KeyError(key)

    def app(self, username: str | None = None) -> AppTest:
        """The board, run once, signed in as ``username`` (or at the sign-in page)."""
        at = AppTest.from_file(str(APP), default_timeout=RUN_TIMEOUT)
        if username is not None:
            at.session_state["user"] = self.user(username)
        return at.run(timeout=RUN_TIMEOUT)


    @staticmethod
    def shown_text(at: AppTest) -> str:
        """Everything a page put on screen as text (Markdown sources, plain text, code, alerts, cells)."""
        parts: list[str] = []
        for kind in ("title", "header", "subheader", "markdown", "caption", "text", "code", "error", "warning",
                     "info", "success", "metric"):
            parts.extend(str(el.value) for el in getattr(at, kind))
        parts.extend(frame.value.to_csv(index=False) for frame in at.dataframe)
        return "\n".join(parts)

    @staticmethod
    def button(at: AppTest, label: str) -> Any:
        """The (form submit) button with this label; fails listing the labels present if there is none."""
        found = [b for b in at.button if b.label == label]
        assert found, f"no button {label!r}; buttons: {[b.label for b in at.button]}"
        return found[0]


@pytest.fixture
def board(seeded_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Board]:
    db = tmp_path / "huiying.db"
    shutil.copy(seeded_db, db)
    monkeypatch.setenv("HUIYING_STORE_URL", f"sqlite:///{db}")
    monkeypatch.setenv("HUIYING_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("HUIYING_CALENDAR_WEEKDAY_FALLBACK", "1")
    runtime = open_runtime(load_config())
    try:
        yield Board(runtime)
    finally:
        runtime.close()

