"""Shared helpers of the workflow tests: a hand-moved clock, people of each role, and intake."""

from __future__ import annotations

from datetime import datetime, timedelta

from index.records import CST, Classification, Item, User

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=CST)  # a Monday


class Clock:
    """A clock the test moves forward by hand."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw: float) -> None:
        self.now += timedelta(**kw)


DUTY = User("duty", "值班员", "coordinator")
HRSS = User("hrss", "人社局经办人", "unit_handler", unit_id="hrss")
HOUSING = User("housing", "住建局经办人", "unit_handler", unit_id="housing")
LEADER = User("leader", "县领导", "leader")


HRSS_LEADER = User("hrss-leader", "人社局负责人", "unit_leader", unit_id="hrss")
HOUSING_LEADER = User("housing-leader", "住建局负责人", "unit_leader", unit_id="housing")
TOWN = User("laolong", "老隆镇经办人", "unit_handler", unit_id="town-laolong")
PROPAGANDA = User("propaganda", "宣传部经办人", "unit_handler", unit_id="propaganda")
ADMIN = User("admin", "系统管理员", "admin")


def receive(store, n: int, unit: str = "hrss", kind: str = "投诉", urgency: str = "一般", triage: bool = False) -> int:
    item_id = store.add_item(Item(source="demo", platform="discuz", url=f"u{n}", external_id=str(n),
                                  title=f"拖欠工资{n}", body="工地老板拖欠工资三个月", content_hash=f"h{n}",
                                  posted_at=T0)).item_id
    store.save_classification(Classification(
        item_id=item_id, domain="劳动和社会保障", lead_unit=unit, co_units=("town-laolong",), urgency=urgency,
        kind=kind, confidences={"domain": 0.4 if triage else 0.9}, model_version="t", reasons=("关键词“工资”",),
        needs_triage=triage))
    return item_id
