"""The demo site's content: real sampled messages plus the synthetic posts, each placed on a channel.

A channel is one of the three bundled sites (``bbs`` UTF-8 Discuz, ``bbs-gbk`` GBK Discuz,
``liuyan`` message board). Ids, forums, message types and release order are derived here,
deterministically, so that every run of the demo (and every test) sees the same site.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from crawlers.demo_site import synthetic

MESSAGES_FILE = Path(__file__).with_name("messages.json")

CHANNELS = ("bbs", "bbs-gbk", "liuyan")
DISCUZ_FID = 2
"""The one public board of each demo forum."""
LOGIN_FID = 7
"""A board that answers every visitor with the Discuz login gate (HTTP 200)."""
LIUYAN_FORUMS = {9001: "城关县委书记", 9002: "城关县县长"}

_FIRST_TID = {"bbs": 1001, "bbs-gbk": 5001, "liuyan": 9024001}

_TYPE_RULES: tuple[tuple[str, str], ...] = (
    ("投诉", "投诉|举报|乱收费|违规|违法|扰民|噪音|拖欠"),
    ("求助", "求助|帮帮|救救|困难|被困"),
    ("建言", "建议|希望|呼吁|恳请|应当|能否"),
    ("咨询", "咨询|请问|何时|怎么|如何|是否|吗|？"),
)
_DOMAIN_RULES: tuple[tuple[str, str], ...] = (
    ("教育", "学校|幼儿园|教师|学生|教育|学位|招生"),
    ("交通", "公交|道路|路口|交通|地铁|高速|停车|出租车"),
    ("医疗", "医院|医保|医疗|疫苗|卫生|看病"),
    ("环保", "污染|噪音|垃圾|排放|异味|环保|扰民"),
    ("劳动", "工资|社保|养老|就业|劳动|拖欠|公积金"),
    ("三农", "农村|农民|村民|土地|种植|扶贫"),
    ("城建", "小区|物业|房|拆迁|施工|供水|燃气|电线"),
)
_ORG = re.compile(
    r"([A-Z]\d*[市区县][\u4e00-\u9fff]{0,8}?(?:局|街道办事处|街道|委员会|办公室|分局|人民政府|政府|中心))"
)


@dataclass(frozen=True)
class Floor:
    """A later post in a forum thread (a reply floor), with rendering quirks in ``style``."""

    author: str
    body: str
    offset: timedelta
    organisation: str = ""
    style: str = ""
    quote: str = ""


@dataclass(frozen=True)
class DemoReply:
    """An official answer shown under a message once its time has come."""

    body: str
    delay: timedelta
    organisation: str


@dataclass(frozen=True)
class DemoMessage:
    """One message as the demo site publishes it."""

    key: str
    channel: str
    tid: int
    fid: int
    title: str
    body: str
    author: str
    original_posted: datetime
    release_index: int
    synthetic: bool = False
    special: str = ""
    type_name: str = ""
    domain_name: str = ""
    reply: DemoReply | None = None
    acknowledgement: bool = False
    follow_up: bool = False
    floors: tuple[Floor, ...] = ()
    audit_delay: timedelta = timedelta(minutes=40)
    views: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def full_body(self) -> str:
        """The body text (built on demand for the huge post, so it is not held twice)."""
        return synthetic.huge_body() if self.special == "huge" else self.body


def _classify(text: str, rules: tuple[tuple[str, str], ...], default: str) -> str:
    for label, pattern in rules:
        if re.search(pattern, text):
            return label
    return default


def organisation_of(reply: str) -> str:
    """The answering unit named in a reply's text, or the county office when none is named."""
    found = _ORG.search(reply)
    return found.group(1) if found else "A市人民政府办公室"


def _parse(value: str) -> datetime:
    return datetime.fromisoformat(value)


@lru_cache(maxsize=1)
def load_real_messages(path: Path = MESSAGES_FILE) -> tuple[dict[str, Any], ...]:
    """The committed sample, oldest first (see make_sample.py)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return tuple(data["messages"])


def _channel_for(position: int) -> str:
    """Half the real messages go to the message board, three in ten to each forum... roughly."""
    slot = position % 10
    return "liuyan" if slot < 5 else ("bbs" if slot < 8 else "bbs-gbk")


CLUSTER_AT = 250
"""Release position of the first post of the repeated matter (the demo site shows 320 at start)."""


def build_catalog() -> tuple[DemoMessage, ...]:
    """All demo messages in release order (oldest first), with ids assigned per channel."""
    real = load_real_messages()
    drafts: list[dict[str, Any]] = []
    for position, record in enumerate(real):
        drafts.append({**record, "key": record["ref"], "channel": _channel_for(position), "synthetic": False})

    early = [p for p in synthetic.POSTS if p["release"] == "early"]
    late = [p for p in synthetic.POSTS if p["release"] == "late"]
    cluster = [p for p in synthetic.POSTS if p["release"] == "cluster"]
    repost_of = next(d for d in drafts if d["channel"] == "bbs" and d.get("reply"))
    ordered: list[dict[str, Any]] = []
    for index, post in enumerate(early):
        # Early synthetic posts sit among the oldest real ones, so they are visible from the start.
        anchor = drafts[index]
        draft = {**post, "synthetic": True, "posted_at": anchor["posted_at"], "minutes_after": 7}
        if post.get("special") == "repost":
            draft.update(title=repost_of["title"], body=repost_of["body"], author=repost_of["author"],
                         repost_of=repost_of["key"], posted_at=repost_of["posted_at"], minutes_after=60 * 24 * 3)
        ordered.append(draft)
    ordered.extend(drafts)
    for number, post in enumerate(late):
        # Urgent posts arrive near the end of the release order: during a live demo, not before.
        position = len(ordered) - 4 - 9 * (len(late) - 1 - number)
        anchor = ordered[position - 1]
        ordered.insert(position, {**post, "synthetic": True, "posted_at": anchor["posted_at"], "minutes_after": 5})

    # One matter posted again by several residents within a day, among the recent posts that are
    # visible from the start: the demo opens with a hot topic and its near-duplicates.
    anchor = ordered[CLUSTER_AT - 1]
    for offset, post in enumerate(cluster):
        ordered.insert(CLUSTER_AT + offset, {**post, "synthetic": True, "posted_at": anchor["posted_at"]})

    next_tid = dict(_FIRST_TID)
    liuyan_count = 0
    out: list[DemoMessage] = []
    for release_index, draft in enumerate(ordered):
        channel = draft["channel"]
        tid = next_tid[channel]
        next_tid[channel] += 1
        posted = _parse(draft["posted_at"]) + timedelta(minutes=draft.get("minutes_after", 0))
        text = f"{draft['title']} {draft['body']}"
        reply = None
        if draft.get("reply"):
            reply_time = _parse(draft["reply"]["posted_at"])
            reply = DemoReply(
                body=draft["reply"]["body"],
                delay=max(reply_time - posted, timedelta(hours=2)),
                organisation=organisation_of(draft["reply"]["body"]),
            )
        if channel == "liuyan":
            liuyan_count += 1
            fid = 9001 if liuyan_count % 2 else 9002
        else:
            fid = DISCUZ_FID
        floors = tuple(
            Floor(author=f["author"], body=f["body"], offset=timedelta(minutes=f["minutes"]),
                  organisation=f.get("organisation", ""), style=f.get("style", ""), quote=f.get("quote", ""))
            for f in draft.get("floors", ())
        )
        out.append(DemoMessage(
            key=draft["key"], channel=channel, tid=tid, fid=fid, title=draft["title"], body=draft["body"],
            author=draft["author"], original_posted=posted, release_index=release_index,
            synthetic=draft["synthetic"], special=draft.get("special", ""),
            type_name=draft.get("kind") or _classify(text, _TYPE_RULES, "投诉"),
            domain_name=_classify(text, _DOMAIN_RULES, "其他"), reply=reply,
            acknowledgement=reply is not None and tid % 4 == 0,
            follow_up=reply is not None and tid % 5 == 0,
            floors=floors,
            audit_delay=timedelta(hours=30) if tid % 13 == 0 else timedelta(minutes=20 + tid % 40),
            views=20 + (tid * 7919) % 900,
            extra={k: draft[k] for k in ("repost_of", "recent_hours") if k in draft},
        ))
    return tuple(out)


def by_channel(catalog: tuple[DemoMessage, ...], channel: str) -> list[DemoMessage]:
    return [m for m in catalog if m.channel == channel]
