"""Notifications, specified on a real store with real local receivers: a webhook server (stdlib
ThreadingHTTPServer on 127.0.0.1) standing in for the WeCom/DingTalk robots, and an SMTP server
(aiosmtpd). Time is a ``now`` the test moves; nothing sleeps.

What must hold: the rules table decides who hears about what; enqueueing twice (or after a crash)
repeats nothing; delivery keeps its own state per recipient, retries only what failed, never
touches the case, and gives up (``dead``) after the configured attempts.
"""

from __future__ import annotations

import base64
import email
import email.policy
import hashlib
import hmac
import json
import socket
import threading
import urllib.parse
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from index.records import CST, Case, Classification, Event, Item, Unit, User
from index.store import open_store
from workflow.cases import CaseService
from workflow.deadlines import DeadlineProfile
from workflow.notify import (
    RULES,
    STATE_SCOPE,
    WATERMARK_KEY,
    Audience,
    Facts,
    NotificationConfig,
    NotificationConfigError,
    RetryPolicy,
    build_transports,
    compose,
    dead_letters,
    deliver_due,
    enqueue_new_events,
    mark_all_seen,
)
from workflow.transports import EMAIL_KEY_HEADER, IDEMPOTENCY_HEADER

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=CST)  # a Monday
REPO = Path(__file__).resolve().parents[2]
NAMES = {"gov-office": "县政府办公室", "hrss": "县人社局", "housing": "县住建局", "town-laolong": "老隆镇"}

DUTY = User("duty", "值班员", "coordinator")
HRSS = User("hrss", "人社局经办人", "unit_handler", unit_id="hrss")
HRSS_LEADER = User("hrss-leader", "人社局负责人", "unit_leader", unit_id="hrss")
HOUSING = User("housing", "住建局经办人", "unit_handler", unit_id="housing")


# -- real local receivers ---------------------------------------------------------------------


class Hook:
    """A local group robot: HTTP 500 for the first ``fail_first`` requests, then ``status`` + ``answer``."""

    def __init__(self, fail_first: int = 0, answer: dict[str, Any] | None = None, status: int = 200,
                 port: int = 0) -> None:
        self.fail_first, self.status = fail_first, status
        self.answer = answer if answer is not None else {"errcode": 0, "errmsg": "ok"}
        self.requests: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def accepted(self) -> list[str]:
        """Idempotency keys of the requests this robot accepted (2xx and errcode 0)."""
        return [r["key"] for r in self.requests if r["status"] < 300 and self.answer.get("errcode", 0) == 0]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                data = json.loads(self.rfile.read(int(self.headers["Content-Length"])).decode("utf-8"))
                with hook.lock:
                    status = 500 if len(hook.requests) < hook.fail_first else hook.status
                    hook.requests.append({"path": self.path, "key": self.headers.get(IDEMPOTENCY_HEADER),
                                          "json": data, "status": status})
                body = json.dumps(hook.answer if status < 300 else {"error": "boom"}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        return Handler


@pytest.fixture
def hooks():
    started: list[Hook] = []

    def start(**kw: Any) -> Hook:
        started.append(Hook(**kw))
        return started[-1]

    yield start
    for hook in started:
        hook.close()


def free_port() -> int:
    """A port with nothing listening on it (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Mailbox:
    """aiosmtpd handler that keeps every message it is given."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(email.message_from_bytes(envelope.original_content, policy=email.policy.default))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server():
    """A real SMTP server (aiosmtpd) on 127.0.0.1, on a port the system chooses."""
    controller_module = pytest.importorskip("aiosmtpd.controller", reason="pip install aiosmtpd (test dependency)")

    class LocalSmtp(controller_module.Controller):
        def _trigger_server(self) -> None:
            self.port = self.server.sockets[0].getsockname()[1]  # port 0: learn the one chosen
            super()._trigger_server()

    box = Mailbox()
    controller = LocalSmtp(box, hostname="127.0.0.1", port=0)
    controller.start()
    yield controller, box
    controller.stop()


# -- a store with cases ----------------------------------------------------------------------


class Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw: float) -> None:
        self.now += timedelta(**kw)


@pytest.fixture
def clock() -> Clock:
    return Clock(T0)


def _store(url: str):
    s = open_store(url)
    s.upsert_units([Unit("gov-office", "县政府办公室", "coordinator"), Unit("hrss", "县人社局", "handler"),
                    Unit("housing", "县住建局", "handler"), Unit("town-laolong", "老隆镇", "town")])
    s.upsert_user(DUTY)
    return s


@pytest.fixture
def store(record_store_url):
    s = _store(record_store_url)
    yield s
    s.close()


@pytest.fixture
def sqlite_store(sqlite_url):
    s = _store(sqlite_url)
    yield s
    s.close()


def receive(store, service, n: int, unit: str = "hrss", urgency: str = "一般", triage: bool = False,
            title: str = "") -> int:
    """A classified item turned into a case (assigned at once unless routing is unsure)."""
    item_id = store.add_item(Item(source="demo", platform="discuz", url=f"u{n}", external_id=str(n),
                                  title=title or f"工地拖欠工资{n}", body="工地老板拖欠工资三个月",
                                  content_hash=f"h{n}", posted_at=T0)).item_id
    store.save_classification(Classification(
        item_id=item_id, domain="劳动和社会保障", lead_unit=unit, co_units=("town-laolong",), urgency=urgency,
        kind="投诉", confidences={"domain": 0.9}, model_version="t", reasons=("关键词“工资”",), needs_triage=triage))
    service.open_new_cases()
    return max(c.id for c in store.all_cases())


def config(hook_urls: dict[str, str] | None = None, staging: bool = False, duty: str = "", **extra: Any
           ) -> NotificationConfig:
    """Every unit in ``hook_urls`` gets one WeCom robot; the duty desk gets ``duty``."""
    raw: dict[str, Any] = {
        "staging": staging,
        "duty_desk": [{"channel": "webhook", "kind": "wecom", "url": duty}] if duty else [],
        "units": {u: [{"channel": "webhook", "kind": "wecom", "url": url}] for u, url in (hook_urls or {}).items()},
        **extra,
    }
    return NotificationConfig.from_dict(raw)


def who(store, case_id: int | None = None) -> list[tuple[str, str]]:
    """(recipient, subject) of every queued notification, in order."""
    return [(n.recipient, n.subject) for n in store.notifications(case_id=case_id)]


# -- enqueue: who hears about what ----------------------------------------------------------


def test_assignment_tells_lead_and_co_units_with_what_to_do_and_enqueue_twice_repeats_nothing(store, clock):
    service = CaseService(store, DeadlineProfile.load(), clock=clock)
    cfg = config({"hrss": "http://127.0.0.1:9/hrss", "town-laolong": "http://127.0.0.1:9/laolong"},
                 duty="http://127.0.0.1:9/duty")
    case_id = receive(store, service, 1)
    assert enqueue_new_events(store, cfg, NAMES, now=clock.now) == 2
    lead, co = store.notifications(case_id=case_id)
    assert lead.recipient.endswith("/hrss") and co.recipient.endswith("/laolong")
    assert lead.subject == f"【交办】#{case_id} 工地拖欠工资1"
    for text in (f"#{case_id}", "工地拖欠工资1", "县人社局", "2026年3月23日 23:59", "请于2026年3月2日 23:59前签收", "退单"):
        assert text in lead.body, text
    assert "本单位为协办单位" in co.body and co.unit_id == "town-laolong"
    assert lead.status == "pending" and lead.attempts == 0

    assert enqueue_new_events(store, cfg, NAMES, now=clock.now) == 0
    store.set_state(STATE_SCOPE, WATERMARK_KEY, "0")  # a crash after writing, before the watermark moved
    assert enqueue_new_events(store, cfg, NAMES, now=clock.now) == 0
    assert len(store.notifications()) == 2


def test_the_rules_table_sends_each_step_to_the_right_desk(store, clock):
    service = CaseService(store, DeadlineProfile.load(), clock=clock)
    cfg = config({"hrss": "http://h/hrss", "housing": "http://h/housing", "town-laolong": "http://h/town"},
                 duty="http://h/duty")
    case_id = receive(store, service, 1)
    enqueue_new_events(store, cfg, NAMES)
    steps = [
        (lambda: service.acknowledge(HRSS, case_id), []),
        (lambda: service.request_extension(HRSS, case_id, T0 + timedelta(days=40), "需现场核查"), ["duty"]),
        (lambda: service.refuse_extension(DUTY, case_id, "时限内可办结"), ["hrss"]),
        (lambda: service.reply(HRSS, case_id, "草稿"), ["hrss"]),              # unsigned draft → its leader
        (lambda: service.reject_draft(HRSS_LEADER, case_id, "请写明依据"), ["hrss"]),
        (lambda: service.remind(DUTY, case_id, level=0.75), ["hrss"]),
        (lambda: service.remind(DUTY, case_id, level=1.0), ["hrss", "duty"]),  # overdue → 通报
        (lambda: service.supervise(DUTY, case_id, "请三日内办结"), ["hrss"]),
        (lambda: service.assign(DUTY, case_id, "housing", ("town-laolong",), reason="工地归住建局"),
         ["housing", "town", "hrss"]),                                         # 改派: the old unit is told
        (lambda: service.acknowledge(HOUSING, case_id), []),
        (lambda: service.reply(User("hl", "住建局负责人", "unit_leader", unit_id="housing"), case_id, "已签"),
         ["duty"]),                                                            # signed reply → review
        (lambda: service.send_back(DUTY, case_id, "未写明处理结果"), ["housing"]),
    ]
    for n, (act, expected) in enumerate(steps):
        before = len(store.notifications())
        act()
        enqueue_new_events(store, cfg, NAMES)
        got = [r.rsplit("/", 1)[1] for r, _ in who(store, case_id)[before:]]
        assert got == expected, f"step {n}: {got}"
    subjects = [s for _, s in who(store, case_id)]
    assert any(s.startswith("【超期】") for s in subjects) and any(s.startswith("【改派】") for s in subjects)
    reroute = [n for n in store.notifications(case_id=case_id) if n.recipient.endswith("/hrss")][-1]
    assert "已改派至县住建局" in reroute.body


def test_triage_and_urgent_cases_reach_the_duty_desk_and_silent_units_fall_back_to_it(store, clock):
    service = CaseService(store, DeadlineProfile.load(), clock=clock)
    cfg = config({"hrss": "http://h/hrss"}, duty="http://h/duty")
    triage = receive(store, service, 1, triage=True)
    urgent = receive(store, service, 2, urgency="特急")
    enqueue_new_events(store, cfg, NAMES)
    assert [r for r, _ in who(store, triage)] == ["http://h/duty"]
    assert "新件待分拨" in who(store, triage)[0][1]
    urgent_notes = store.notifications(case_id=urgent)
    assert [n.recipient for n in urgent_notes] == ["http://h/hrss", "http://h/duty"]
    assert all(n.subject.startswith("【特急】") for n in urgent_notes)
    # 老隆镇 has no recipient of its own: the duty desk receives its message, said so, in one message
    duty_body = urgent_notes[1].body
    assert "【代收】老隆镇未配置通知渠道" in duty_body and "特急件已交办县人社局" in duty_body


def test_staging_sends_everything_to_the_duty_desk_marked_as_a_test(store, clock):
    service = CaseService(store, DeadlineProfile.load(), clock=clock)
    cfg = config({"hrss": "http://h/hrss", "town-laolong": "http://h/town"}, staging=True, duty="http://h/duty")
    case_id = receive(store, service, 1)
    assert enqueue_new_events(store, cfg, NAMES) == 1
    (note,) = store.notifications(case_id=case_id)
    assert note.recipient == "http://h/duty" and note.subject.startswith("【测试】【交办】")
    assert "本消息原应发送至：县人社局" in note.body and "本消息原应发送至：老隆镇" in note.body


def test_every_rule_tells_each_of_its_audiences_what_to_do():
    case = Case(id=9, item_id=1, status="in_progress", lead_unit="hrss", co_units=("town-laolong",), urgency="一般",
                kind="投诉", received_at=T0, deadline=T0 + timedelta(days=20), ack_deadline=T0)
    facts = Facts(case, "工地拖欠工资", NAMES, "值班员")
    for rule in RULES:
        before = {"lead_unit": "housing", "status": "assigned"} if rule.action == "assign" else {}
        event = Event(case_id=9, actor="duty", action=rule.action, at=T0, before=before,
                      after={"lead_unit": "hrss", "unit": "town-laolong", "level": 0.5, **rule.when})
        for role in rule.audiences:
            subject, body = compose(event, Audience(role, "" if role == "duty" else "hrss"), facts)
            assert subject.startswith("【") and "#9 工地拖欠工资" in subject
            assert "请办理：请知悉。" not in body and "{" not in body, (rule, role, body)


def test_switching_notifications_on_does_not_replay_history(store, clock):
    service = CaseService(store, DeadlineProfile.load(), clock=clock)
    receive(store, service, 1)
    mark_all_seen(store)
    receive(store, service, 2)
    assert enqueue_new_events(store, config({"hrss": "http://h/hrss"}), NAMES) == 1  # case 2 only; 老隆镇 has no route
    assert {n.case_id for n in store.notifications()} == {2}


# -- delivery -------------------------------------------------------------------------------


def _queue(store, clock, cfg: NotificationConfig, count: int) -> list[int]:
    service = CaseService(store, DeadlineProfile.load(), clock=clock)
    ids = [receive(store, service, n) for n in range(1, count + 1)]
    enqueue_new_events(store, cfg, NAMES, now=clock.now)
    return ids


def test_a_flaky_robot_gets_every_message_exactly_once_and_a_healthy_one_is_never_resent(sqlite_store, clock, hooks):
    flaky, fine = hooks(fail_first=3), hooks()
    cfg = config({"hrss": flaky.url + "/hrss", "town-laolong": fine.url + "/town"})
    case_ids = _queue(sqlite_store, clock, cfg, 3)
    versions = {c.id: c.version for c in sqlite_store.all_cases()}
    transports = build_transports(cfg, proxies={})

    now = clock.now
    first = deliver_due(sqlite_store, transports, now)
    assert (first["sent"], first["failed"], first["deferred"]) == (3, 1, 2)  # one try per failing recipient
    (error,) = first["errors"]
    assert "HTTP 500" in error["error"] and error["recipient"].startswith("wecom:http://127.0.0.1")
    failed = sqlite_store.notifications(status="failed")[0]
    assert failed.attempts == 1 and failed.next_attempt_at == now + timedelta(seconds=30)
    assert deliver_due(sqlite_store, transports, now + timedelta(seconds=29))["sent"] == 0  # not yet due

    for _ in range(6):  # retries at +30 s, +2 min, +10 min: the 4th request is accepted
        now += timedelta(minutes=10)
        deliver_due(sqlite_store, transports, now)
    notes = sqlite_store.notifications()
    assert all(n.status == "sent" for n in notes)
    keys = [f"huiying-notification-{n.id}" for n in notes]
    accepted = flaky.accepted() + fine.accepted()
    assert sorted(accepted) == sorted(keys)  # every notification received exactly once
    assert len(fine.requests) == 3  # the healthy robot was never sent anything twice
    to_flaky = [n for n in notes if n.unit_id == "hrss"]
    assert max(n.attempts for n in to_flaky) == 4 and any("HTTP 500" in n.last_error for n in to_flaky)
    assert all(n.attempts == 1 and n.last_error == "" for n in notes if n.unit_id == "town-laolong")
    assert {c.id: c.version for c in sqlite_store.all_cases()} == versions  # the case is never touched
    assert len(case_ids) == 3


def test_a_robot_answering_200_with_an_errcode_has_not_delivered(sqlite_store, clock, hooks):
    hook = hooks(answer={"errcode": 310000, "errmsg": "keywords not in content"})
    cfg = config({"hrss": hook.url, "town-laolong": hook.url})
    _queue(sqlite_store, clock, cfg, 1)
    report = deliver_due(sqlite_store, build_transports(cfg, proxies={}), clock.now)
    assert report["sent"] == 0 and report["failed"] == 1 and report["deferred"] == 0
    (note,) = sqlite_store.notifications()  # both units share one robot: one message to it
    assert note.status == "failed" and "errcode 310000" in note.last_error and "keywords" in note.last_error


def test_a_robot_that_is_down_fails_readably_and_recovers_later(sqlite_store, clock, hooks):
    port = free_port()
    cfg = config({"hrss": f"http://127.0.0.1:{port}/hook", "town-laolong": f"http://127.0.0.1:{port}/town"})
    _queue(sqlite_store, clock, cfg, 1)
    transports = build_transports(cfg, proxies={})
    report = deliver_due(sqlite_store, transports, clock.now)
    assert report["failed"] == 2 and report["sent"] == 0  # two recipients (URLs), each tried once
    assert all("连接被拒绝" in e["error"] for e in report["errors"])
    hook = hooks(port=port)  # the robot comes back
    report = deliver_due(sqlite_store, transports, clock.now + timedelta(minutes=1))
    assert report["sent"] == 2 and all(n.status == "sent" for n in sqlite_store.notifications())
    assert len(hook.accepted()) == 2


def test_a_message_is_dead_after_the_allowed_attempts_or_at_once_when_it_cannot_heal(sqlite_store, clock, hooks):
    broken, gone = hooks(fail_first=99), hooks(status=404)
    cfg = config({"hrss": broken.url, "town-laolong": gone.url}, retry={"delays_seconds": [30], "max_attempts": 3})
    _queue(sqlite_store, clock, cfg, 1)
    transports = build_transports(cfg, proxies={})
    now = clock.now
    for _ in range(5):
        deliver_due(sqlite_store, transports, now, policy=cfg.retry)
        now += timedelta(minutes=1)
    dead = {n.unit_id: n for n in dead_letters(sqlite_store)}
    assert dead["hrss"].attempts == 3 and "HTTP 500" in dead["hrss"].last_error
    assert dead["town-laolong"].attempts == 1 and "HTTP 404" in dead["town-laolong"].last_error
    assert len(broken.requests) == 3 and len(gone.requests) == 1


def test_robot_payloads_follow_wecom_and_dingtalk_and_citizen_text_cannot_inject_markup(sqlite_store, clock, hooks):
    hook = hooks()
    cfg = NotificationConfig.from_dict({"staging": False, "units": {
        "hrss": [{"channel": "webhook", "kind": "wecom", "url": hook.url + "/wecom"}],
        "town-laolong": [{"channel": "webhook", "kind": "dingtalk", "url": hook.url + "/ding?access_token=t"}],
    }})
    service = CaseService(sqlite_store, DeadlineProfile.load(), clock=clock)
    receive(sqlite_store, service, 1, title="[点我](http://evil.example) **工资**")
    enqueue_new_events(sqlite_store, cfg, NAMES)
    deliver_due(sqlite_store, build_transports(cfg, proxies={}), clock.now)
    wecom = next(r["json"] for r in hook.requests if r["path"] == "/wecom")
    ding = next(r["json"] for r in hook.requests if r["path"].startswith("/ding"))
    assert wecom["msgtype"] == "markdown" and set(wecom["markdown"]) == {"content"}
    assert ding["msgtype"] == "markdown" and set(ding["markdown"]) == {"title", "text"}
    assert "县人社局" in wecom["markdown"]["content"] and "回应" in ding["markdown"]["text"]
    for text in (wecom["markdown"]["content"], ding["markdown"]["text"]):
        assert "[点我](" not in text and "］（" not in text and "［点我］" in text


def test_webhook_urls_and_dingtalk_secrets_can_stay_in_the_environment(sqlite_store, clock, hooks):
    hook = hooks()
    cfg = NotificationConfig.from_dict({"staging": False, "units": {
        "hrss": [{"channel": "webhook", "kind": "dingtalk", "url_env": "HOOK_HRSS", "secret_env": "DING_SECRET"}],
        "town-laolong": [{"channel": "webhook", "kind": "wecom", "url_env": "HOOK_MISSING"}],
    }})
    _queue(sqlite_store, clock, cfg, 1)
    assert {n.recipient for n in sqlite_store.notifications()} == {"env:HOOK_HRSS", "env:HOOK_MISSING"}
    environ = {"HOOK_HRSS": hook.url + "/ding?access_token=abc", "DING_SECRET": "SECxyz"}
    report = deliver_due(sqlite_store, build_transports(cfg, environ=environ, proxies={}), clock.now)
    assert report["sent"] == 1 and "环境变量 HOOK_MISSING 未设置" in report["errors"][0]["error"]
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(hook.requests[0]["path"]).query)
    timestamp, sign = query["timestamp"][0], query["sign"][0]
    expected = base64.b64encode(hmac.new(b"SECxyz", f"{timestamp}\nSECxyz".encode(), hashlib.sha256).digest())
    assert query["access_token"] == ["abc"] and sign == expected.decode()


def test_email_reaches_a_real_smtp_server_with_the_chinese_subject_intact(sqlite_store, clock, smtp_server):
    controller, box = smtp_server
    cfg = NotificationConfig.from_dict({
        "staging": False,
        "units": {"hrss": [{"channel": "email", "address": "hrss@example.gov.cn"}]},
        "duty_desk": [{"channel": "email", "address": "duty@example.gov.cn"}],
        "smtp": {"host": "127.0.0.1", "port": controller.port, "from": "huiying@example.gov.cn"},
    })
    _queue(sqlite_store, clock, cfg, 1)
    report = deliver_due(sqlite_store, build_transports(cfg), clock.now)
    assert report["sent"] == 2, report
    by_to = {str(m["To"]): m for m in box.messages}
    notes = {n.recipient: n for n in sqlite_store.notifications()}
    message = by_to["hrss@example.gov.cn"]
    assert str(message["Subject"]) == notes["hrss@example.gov.cn"].subject
    assert "【交办】" in str(message["Subject"]) and "工地拖欠工资1" in str(message["Subject"])
    assert message[EMAIL_KEY_HEADER] == f"huiying-notification-{notes['hrss@example.gov.cn'].id}"
    assert "请于2026年3月2日 23:59前签收" in message.get_content()
    assert "代收" in by_to["duty@example.gov.cn"].get_content()  # 老隆镇's message, via the duty desk


def test_the_smtp_password_comes_only_from_the_environment(sqlite_store, clock, smtp_server):
    controller, _ = smtp_server
    cfg = NotificationConfig.from_dict({
        "staging": False, "units": {"hrss": [{"channel": "email", "address": "hrss@example.gov.cn"}]},
        "duty_desk": [{"channel": "email", "address": "duty@example.gov.cn"}],
        "smtp": {"host": "127.0.0.1", "port": controller.port, "from": "huiying@example.gov.cn",
                 "username": "huiying", "password_env": "HUIYING_SMTP_PASSWORD"},
    })
    _queue(sqlite_store, clock, cfg, 1)
    report = deliver_due(sqlite_store, build_transports(cfg, environ={}), clock.now)
    assert report["sent"] == 0
    assert all("环境变量 HUIYING_SMTP_PASSWORD 未设置" in e["error"] for e in report["errors"])


# -- the county file -------------------------------------------------------------------------


def test_the_demo_county_file_loads_and_holds_no_addresses():
    cfg = NotificationConfig.load(REPO / "huiying" / "county" / "longchuan" / "notifications.yaml")
    assert cfg.staging and cfg.duty_desk == () and dict(cfg.units) == {} and cfg.smtp is None
    assert cfg.retry == RetryPolicy(delays=(30, 120, 600, 3600), max_attempts=12)
    cfg.check_units(NAMES)


@pytest.mark.parametrize(("text", "en", "zh"), [
    ("staging: [yes\n", "not valid YAML", "YAML"),
    ("stagin: true\n", "unknown keys ['stagin']", "无法识别的配置项 stagin"),
    ("staging: maybe\n", "staging must be true or false", "true 或 false"),
    ("units: {hrss: [{channel: sms, number: '1'}]}\n", "channel must be webhook or email", "channel 只能是"),
    ("units: {hrss: [{channel: webhook, kind: slack, url: 'https://x'}]}\n", "kind must be one of", "wecom"),
    ("units: {hrss: [{channel: webhook, kind: wecom}]}\n", "exactly one of url or url_env", "url_env"),
    ("units: {hrss: [{channel: webhook, kind: wecom, url: 'ftp://x'}]}\n", "must start with https://", "https://"),
    ("units: {hrss: [{channel: email, address: nobody}]}\n", "email needs address", "邮箱地址无效"),
    ("duty_desk: [{channel: email, address: a@b.cn}]\n", "need an smtp section", "smtp"),
    ("smtp: {host: h, from: a@b.cn, password: hunter2}\n", "password_env", "不能把邮箱密码写在配置文件里"),
    ("smtp: {host: h, from: a@b.cn, username: u}\n", "needs password_env", "password_env"),
    ("smtp: {host: h, from: a@b.cn, starttls: true, ssl: true}\n", "not both", "只能选一个"),
    ("retry: {max_attempts: 0}\n", "max_attempts must be", "不小于 1"),
    ("staging: true\nunits: {hrss: [{channel: webhook, kind: wecom, url: 'https://x'}]}\n",
     "duty_desk, which is empty", "值班台"),
])
def test_a_bad_county_file_is_refused_with_a_message_that_says_what_to_fix(tmp_path, text, en, zh):
    path = tmp_path / "notifications.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(NotificationConfigError) as err:
        NotificationConfig.load(path)
    assert en in str(err.value) and str(path) in str(err.value)
    assert zh in err.value.zh


def test_a_missing_file_or_an_unknown_unit_is_refused(tmp_path):
    with pytest.raises(NotificationConfigError, match="file not found"):
        NotificationConfig.load(tmp_path / "nope.yaml")
    cfg = config({"hrs": "https://x"})
    with pytest.raises(NotificationConfigError) as err:
        cfg.check_units(NAMES)
    assert "hrs" in err.value.zh and "units.yaml" in err.value.zh
