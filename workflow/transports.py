"""How a notification leaves the building, and where to: group robots (WeCom, DingTalk) over HTTPS,
email over SMTP, and the county's ``notifications.yaml`` that names the recipients.

A transport sends one ``Notification`` and either returns (the receiver accepted it) or raises
``DeliveryFailed`` with a short reason an administrator can act on. What to do about a failure
(try again later, give up) is decided in ``workflow.notify``, never here, so that every channel is
retried by the same rules.

Secrets stay out of files in the repository and out of the database: a webhook may be stored as
``env:NAME`` (the URL is read from the environment variable when sending), a DingTalk signing secret
and the SMTP password are read from the environment variables the county file names.

Every message carries an idempotency key (the notification's id) so that a receiver that sees the
same message twice (we sent it, the answer was lost, we sent it again) can drop the repeat:
an ``Idempotency-Key`` HTTP header for webhooks, and ``Message-ID`` plus ``X-Huiying-Idempotency-Key``
for email.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import smtplib
import socket
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any, Protocol

import yaml

from index.records import Notification, now_cst
from workflow.errors import NotificationConfigError

IDEMPOTENCY_HEADER = "Idempotency-Key"
EMAIL_KEY_HEADER = "X-Huiying-Idempotency-Key"
WEBHOOK_KINDS = ("wecom", "dingtalk")
ENV_PREFIX = "env:"
MAX_MARKDOWN_BYTES = 4000
"""WeCom rejects markdown over 4096 bytes; keep a margin for our own heading."""
MAX_RESPONSE_BYTES = 64 * 1024
MARKDOWN_ESCAPES = str.maketrans({"*": "＊", "_": "＿", "[": "［", "]": "］", "<": "＜", ">": "＞",
                                  "#": "＃", "`": "｀", "~": "～"})
"""Citizen text (titles) must not become links or formatting in a government group chat."""


class DeliveryFailed(Exception):
    """The receiver did not accept the message. ``permanent`` means trying again cannot help."""

    def __init__(self, reason: str, permanent: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


class Transport(Protocol):
    """Sends one notification; returns when accepted, raises ``DeliveryFailed`` otherwise."""

    def send(self, note: Notification) -> None: ...


def idempotency_key(note: Notification) -> str:
    """The key a receiver can use to drop a repeat of the same notification."""
    if note.id is None:
        raise ValueError("only a stored notification (with an id) can be sent")
    return f"huiying-notification-{note.id}"


def describe_recipient(channel: str, recipient: str) -> str:
    """A recipient as an administrator may see it: webhook keys and tokens are hidden."""
    if channel == "email" or recipient.startswith(ENV_PREFIX):
        return recipient
    parts = urllib.parse.urlsplit(recipient)
    hidden = "…" if parts.query else ""
    return f"{channel}:{parts.scheme}://{parts.netloc}{parts.path}{'?' + hidden if hidden else ''}"


# -- webhooks (group robots) ------------------------------------------------------------------


@dataclass
class WebhookTransport:
    """Posts markdown to a WeCom or DingTalk group robot; both answer HTTP 200 with an ``errcode``.

    ``proxies`` follows urllib: ``None`` uses the environment's proxy settings (a county intranet
    may need one to reach the robots), ``{}`` connects directly.
    """

    kind: str
    timeout: float = 10.0
    signing_secrets: Mapping[str, str] = field(default_factory=dict)
    """DingTalk 加签: recipient → name of the environment variable holding the robot's secret."""
    environ: Mapping[str, str] = field(default_factory=lambda: os.environ)
    proxies: dict[str, str] | None = None

    def __post_init__(self) -> None:
        if self.kind not in WEBHOOK_KINDS:
            raise ValueError(f"unknown webhook kind {self.kind!r}; use one of {WEBHOOK_KINDS}")
        handlers = [] if self.proxies is None else [urllib.request.ProxyHandler(self.proxies)]
        self._opener = urllib.request.build_opener(*handlers)

    def send(self, note: Notification) -> None:
        url = self._signed(note.recipient, self._url(note.recipient))
        request = urllib.request.Request(
            url, data=json.dumps(self.payload(note), ensure_ascii=False).encode("utf-8"), method="POST",
            headers={"Content-Type": "application/json; charset=utf-8", IDEMPOTENCY_HEADER: idempotency_key(note),
                     "User-Agent": "huiying-notify/1"},
        )
        _check_robot_answer(self._post(request))

    def payload(self, note: Notification) -> dict[str, Any]:
        """The robot's JSON: WeCom ``markdown.content``, DingTalk ``markdown.title`` + ``markdown.text``."""
        subject = note.subject.translate(MARKDOWN_ESCAPES)
        lines = [line.translate(MARKDOWN_ESCAPES) for line in note.body.splitlines()]
        if self.kind == "wecom":
            content = _fit(f"**{subject}**\n" + "\n".join(lines))
            return {"msgtype": "markdown", "markdown": {"content": content}}
        text = _fit(f"#### {subject}\n\n" + "\n\n".join(line for line in lines if line.strip()))
        return {"msgtype": "markdown", "markdown": {"title": subject[:64], "text": text}}

    def _url(self, recipient: str) -> str:
        if not recipient.startswith(ENV_PREFIX):
            return recipient
        name = recipient[len(ENV_PREFIX):]
        url = self.environ.get(name, "")
        if not url:
            raise DeliveryFailed(f"环境变量 {name} 未设置：请在服务器上设置机器人的 Webhook 地址")
        return url

    def _signed(self, recipient: str, url: str) -> str:
        """DingTalk 加签: timestamp and HMAC-SHA256 signature appended to the URL at send time."""
        name = self.signing_secrets.get(recipient)
        if not name:
            return url
        secret = self.environ.get(name, "")
        if not secret:
            raise DeliveryFailed(f"环境变量 {name} 未设置：请设置钉钉机器人的加签密钥")
        timestamp = str(round(time.time() * 1000))
        digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
        sign = urllib.parse.quote_plus(base64.b64encode(digest))
        return f"{url}{'&' if '?' in url else '?'}timestamp={timestamp}&sign={sign}"

    def _post(self, request: urllib.request.Request) -> bytes:
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                return bytes(response.read(MAX_RESPONSE_BYTES))
        except urllib.error.HTTPError as exc:
            permanent = 400 <= exc.code < 500 and exc.code not in (408, 425, 429)
            raise DeliveryFailed(f"HTTP {exc.code} {exc.reason}（接收方拒绝或出错）", permanent=permanent) from exc
        except urllib.error.URLError as exc:
            raise DeliveryFailed(_network_reason(exc.reason)) from exc
        except TimeoutError as exc:
            raise DeliveryFailed(f"超时：{self.timeout:g} 秒内没有响应") from exc
        except OSError as exc:
            raise DeliveryFailed(_network_reason(exc)) from exc


def _check_robot_answer(body: bytes) -> None:
    """Both robots answer 200 even when they refuse; a non-zero ``errcode`` is a failure."""
    if not body.strip():
        return
    try:
        answer = json.loads(body.decode("utf-8", errors="replace"))
    except json.JSONDecodeError:
        return  # a relay that answers 2xx with plain text has accepted the message
    if isinstance(answer, dict) and answer.get("errcode") not in (None, 0, "0"):
        message = str(answer.get("errmsg", ""))[:120]
        raise DeliveryFailed(f"机器人返回 errcode {answer['errcode']}：{message}（检查地址、关键词或加签设置）")


def _fit(text: str) -> str:
    """Cut markdown to what the robots accept, on a character boundary, saying that it was cut."""
    data = text.encode("utf-8")
    if len(data) <= MAX_MARKDOWN_BYTES:
        return text
    note = "\n…（内容过长已截断，请到平台查看全文）"
    room = MAX_MARKDOWN_BYTES - len(note.encode("utf-8"))
    return data[:room].decode("utf-8", errors="ignore") + note


def _network_reason(reason: object) -> str:
    if isinstance(reason, TimeoutError):
        return "超时：接收方没有响应"
    if isinstance(reason, ConnectionRefusedError):
        return "连接被拒绝（Connection refused）：接收方服务未运行或地址、端口有误"
    if isinstance(reason, socket.gaierror):
        return f"无法解析域名（{reason.strerror}）：检查地址或服务器的 DNS 设置"
    text = getattr(reason, "strerror", None) or str(reason)
    return f"网络错误：{text}"[:200]


# -- email --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SmtpSettings:
    """The county's outgoing mail server; the password is never here, only the variable's name."""

    host: str
    sender: str
    port: int = 25
    starttls: bool = False
    ssl: bool = False
    username: str = ""
    password_env: str = ""


@dataclass
class EmailTransport:
    """Sends plain-text UTF-8 email; one connection per message (volumes are small)."""

    settings: SmtpSettings
    timeout: float = 10.0
    environ: Mapping[str, str] = field(default_factory=lambda: os.environ)

    def send(self, note: Notification) -> None:
        message = self.message(note)
        try:
            with self._connect() as smtp:
                self._login(smtp)
                smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            raise DeliveryFailed(f"收件地址被拒绝：{note.recipient}（请核对邮箱地址）", permanent=True) from exc
        except smtplib.SMTPAuthenticationError as exc:
            raise DeliveryFailed(
                f"邮件服务器登录失败（{exc.smtp_code}）：请核对用户名和环境变量 {self.settings.password_env}") from exc
        except smtplib.SMTPResponseException as exc:
            raise DeliveryFailed(f"邮件服务器拒绝（{exc.smtp_code}）：{_smtp_text(exc.smtp_error)}") from exc
        except smtplib.SMTPException as exc:
            raise DeliveryFailed(f"邮件发送失败：{exc}"[:200]) from exc
        except TimeoutError as exc:
            raise DeliveryFailed(f"超时：邮件服务器 {self.timeout:g} 秒内没有响应") from exc
        except OSError as exc:
            raise DeliveryFailed(_network_reason(exc)) from exc

    def message(self, note: Notification) -> EmailMessage:
        """The email: UTF-8 subject (RFC 2047 encoded on the wire) and plain-text body."""
        key = idempotency_key(note)
        domain = self.settings.sender.rpartition("@")[2] or "huiying.local"
        message = EmailMessage()
        message["Subject"] = note.subject
        message["From"] = self.settings.sender
        message["To"] = note.recipient
        message["Date"] = format_datetime(now_cst())
        message["Message-ID"] = f"<{key}@{domain}>"
        message[EMAIL_KEY_HEADER] = key
        message.set_content(note.body, charset="utf-8")
        return message

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        if s.ssl:
            return smtplib.SMTP_SSL(s.host, s.port, timeout=self.timeout, context=ssl.create_default_context())
        smtp = smtplib.SMTP(s.host, s.port, timeout=self.timeout)
        if s.starttls:
            try:
                smtp.starttls(context=ssl.create_default_context())
            except BaseException:
                smtp.close()
                raise
        return smtp

    def _login(self, smtp: smtplib.SMTP) -> None:
        s = self.settings
        if not s.username:
            return
        password = self.environ.get(s.password_env, "")
        if not password:
            raise DeliveryFailed(f"环境变量 {s.password_env} 未设置：请在服务器上设置邮箱密码")
        smtp.login(s.username, password)


def _smtp_text(error: bytes | str) -> str:
    text = error.decode("utf-8", errors="replace") if isinstance(error, bytes) else str(error)
    return text[:160]


# -- the county's notifications file -----------------------------------------------------------


@dataclass(frozen=True)
class Recipient:
    """One place a message can go: a group robot (``wecom``/``dingtalk``) or an email address.

    ``address`` is what the notification stores: the webhook URL, ``env:NAME`` for a URL kept in
    the environment, or the email address.
    """

    channel: str
    address: str
    secret_env: str = ""
    label: str = ""


@dataclass(frozen=True)
class RetryPolicy:
    """How long to wait after the n-th failure, and when to give up."""

    delays: tuple[float, ...] = (30, 120, 600, 3600)
    """Seconds after the 1st, 2nd, … failure; the last value repeats (the cap)."""
    max_attempts: int = 12

    def delay(self, attempts: int) -> timedelta:
        return timedelta(seconds=self.delays[min(max(attempts, 1), len(self.delays)) - 1])


@dataclass(frozen=True)
class NotificationConfig:
    """Where each unit's and the duty desk's messages go, read once from the county's file."""

    staging: bool = True
    duty_desk: tuple[Recipient, ...] = ()
    units: Mapping[str, tuple[Recipient, ...]] = field(default_factory=dict)
    smtp: SmtpSettings | None = None
    retry: RetryPolicy = RetryPolicy()
    timeout_seconds: float = 10.0

    @classmethod
    def load(cls, path: Path | str) -> NotificationConfig:
        path = Path(path)
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise _config_error(path, "file not found: copy huiying/county/longchuan/notifications.yaml",
                                "找不到通知配置文件，请参照示例 notifications.yaml 新建。") from exc
        except yaml.YAMLError as exc:
            raise _config_error(path, f"not valid YAML: {exc}", f"不是有效的 YAML 格式：{exc}") from exc
        return cls.from_dict(raw if raw is not None else {}, str(path))

    @classmethod
    def from_dict(cls, raw: Any, where: str = "notifications.yaml") -> NotificationConfig:
        """Check every entry and say exactly which one is wrong and how to fix it."""
        _need_mapping(raw, where, "the file", "文件内容")
        _no_unknown_keys(raw, {"staging", "duty_desk", "units", "smtp", "retry", "timeout_seconds"}, where, "the file")
        staging = _boolean(raw.get("staging", True), where, "staging")
        duty = _recipients(raw.get("duty_desk"), where, "duty_desk")
        units_raw = raw.get("units") or {}
        _need_mapping(units_raw, where, "units", "units（单位 → 接收渠道）")
        units = {str(uid): _recipients(rows, where, f"units.{uid}") for uid, rows in units_raw.items()}
        smtp = _smtp(raw.get("smtp"), where)
        config = cls(staging=staging, duty_desk=duty, units=units, smtp=smtp, retry=_retry(raw.get("retry"), where),
                     timeout_seconds=_positive(raw.get("timeout_seconds", 10), where, "timeout_seconds"))
        config._check_consistent(where)
        return config

    def _check_consistent(self, where: str) -> None:
        every = [*self.duty_desk, *(r for rows in self.units.values() for r in rows)]
        if self.smtp is None and any(r.channel == "email" for r in every):
            raise _config_error(where, "email recipients need an smtp section",
                                "配置了邮箱接收人，但没有 smtp（发信服务器）设置，请补充 smtp。")
        if self.staging and not self.duty_desk and any(self.units.values()):
            raise _config_error(where, "staging sends everything to duty_desk, which is empty",
                                "测试模式（staging）下所有消息都发给值班台，但 duty_desk 没有配置接收渠道。")

    def check_units(self, known: Iterable[str]) -> None:
        """Refuse unit ids that the county's unit list does not know (a typo would silence a unit)."""
        unknown = sorted(set(self.units) - set(known))
        if unknown:
            raise NotificationConfigError(
                f"notifications for unknown units {unknown}: use the ids in units.yaml",
                f"通知配置中的单位 {'、'.join(unknown)} 不在单位名录（units.yaml）中，请改为名录中的单位 id。")


def _config_error(where: Path | str, en: str, zh: str) -> NotificationConfigError:
    return NotificationConfigError(f"{where}: {en}", f"通知配置 {where}：{zh}")


def _need_mapping(value: Any, where: str, en: str, zh: str) -> None:
    if not isinstance(value, dict):
        raise _config_error(where, f"{en} must be a mapping of names to values", f"{zh}应为“名称: 值”的形式。")


def _no_unknown_keys(row: Mapping[str, Any], allowed: set[str], where: str, en: str) -> None:
    unknown = sorted(set(map(str, row)) - allowed)
    if unknown:
        raise _config_error(where, f"{en} has unknown keys {unknown}; allowed: {sorted(allowed)}",
                            f"无法识别的配置项 {'、'.join(unknown)}，可用的配置项为：{'、'.join(sorted(allowed))}。")


def _boolean(value: Any, where: str, name: str) -> bool:
    if not isinstance(value, bool):
        raise _config_error(where, f"{name} must be true or false", f"{name} 只能填写 true 或 false。")
    return value


def _positive(value: Any, where: str, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise _config_error(where, f"{name} must be a positive number", f"{name} 必须是正数。")
    return float(value)


def _recipients(rows: Any, where: str, name: str) -> tuple[Recipient, ...]:
    if rows is None:
        return ()
    if not isinstance(rows, list):
        raise _config_error(where, f"{name} must be a list of recipients", f"{name} 应为接收渠道列表（每行以 - 开头）。")
    return tuple(_recipient(row, where, f"{name}[{n}]") for n, row in enumerate(rows, start=1))


def _recipient(row: Any, where: str, name: str) -> Recipient:
    _need_mapping(row, where, name, name)
    channel = row.get("channel")
    if channel == "email":
        _no_unknown_keys(row, {"channel", "address", "label"}, where, name)
        address = str(row.get("address") or "")
        if "@" not in address or " " in address:
            raise _config_error(where, f"{name}: email needs address: someone@example.gov.cn",
                                f"{name} 的邮箱地址无效，请填写 address，例如 someone@example.gov.cn。")
        return Recipient("email", address, label=str(row.get("label") or ""))
    if channel == "webhook":
        return _webhook(row, where, name)
    raise _config_error(where, f"{name}: channel must be webhook or email, not {channel!r}",
                        f"{name} 的 channel 只能是 webhook（企业微信/钉钉群机器人）或 email（邮件）。")


def _webhook(row: Mapping[str, Any], where: str, name: str) -> Recipient:
    _no_unknown_keys(row, {"channel", "kind", "url", "url_env", "secret_env", "label"}, where, name)
    kind = row.get("kind")
    if kind not in WEBHOOK_KINDS:
        raise _config_error(where, f"{name}: kind must be one of {WEBHOOK_KINDS}",
                            f"{name} 的 kind 只能是 wecom（企业微信）或 dingtalk（钉钉）。")
    url, url_env = str(row.get("url") or ""), str(row.get("url_env") or "")
    if bool(url) == bool(url_env):
        raise _config_error(where, f"{name}: give exactly one of url or url_env",
                            f"{name} 请只填写 url 或 url_env（保存地址的环境变量名）其中之一。")
    if url and not url.startswith(("https://", "http://")):
        raise _config_error(where, f"{name}: url must start with https://", f"{name} 的 url 必须以 https:// 开头。")
    secret_env = str(row.get("secret_env") or "")
    if secret_env and kind != "dingtalk":
        raise _config_error(where, f"{name}: secret_env (加签) applies to dingtalk only",
                            f"{name}：secret_env（加签密钥）只适用于钉钉机器人。")
    return Recipient(str(kind), url or ENV_PREFIX + url_env, secret_env=secret_env, label=str(row.get("label") or ""))


def _smtp(raw: Any, where: str) -> SmtpSettings | None:
    if raw is None:
        return None
    _need_mapping(raw, where, "smtp", "smtp")
    if "password" in raw:
        raise _config_error(where, "smtp.password is not allowed: name an environment variable in password_env",
                            "不能把邮箱密码写在配置文件里，请在 password_env 中填写保存密码的环境变量名（如 HUIYING_SMTP_PASSWORD）。")
    _no_unknown_keys(raw, {"host", "port", "from", "starttls", "ssl", "username", "password_env"}, where, "smtp")
    host, sender = str(raw.get("host") or ""), str(raw.get("from") or "")
    if not host or "@" not in sender:
        raise _config_error(where, "smtp needs host and from (the sender address)",
                            "smtp 需要填写 host（发信服务器）和 from（发件人地址）。")
    port = raw.get("port", 25)
    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
        raise _config_error(where, "smtp.port must be a port number", "smtp.port 必须是端口号（如 25、465、587）。")
    starttls, use_ssl = _boolean(raw.get("starttls", False), where, "smtp.starttls"), _boolean(
        raw.get("ssl", False), where, "smtp.ssl")
    if starttls and use_ssl:
        raise _config_error(where, "choose smtp.starttls (port 587) or smtp.ssl (port 465), not both",
                            "smtp.starttls（587 端口）和 smtp.ssl（465 端口）只能选一个。")
    username, password_env = str(raw.get("username") or ""), str(raw.get("password_env") or "")
    if username and not password_env:
        raise _config_error(where, "smtp.username needs password_env (the environment variable with the password)",
                            "填写了 smtp.username，还需在 password_env 中填写保存密码的环境变量名。")
    return SmtpSettings(host=host, sender=sender, port=port, starttls=starttls, ssl=use_ssl, username=username,
                        password_env=password_env)


def _retry(raw: Any, where: str) -> RetryPolicy:
    if raw is None:
        return RetryPolicy()
    _need_mapping(raw, where, "retry", "retry")
    _no_unknown_keys(raw, {"delays_seconds", "max_attempts"}, where, "retry")
    delays = raw.get("delays_seconds", list(RetryPolicy.delays))
    if not isinstance(delays, list) or not delays:
        raise _config_error(where, "retry.delays_seconds must be a list of seconds", "retry.delays_seconds 应为秒数列表。")
    attempts = raw.get("max_attempts", RetryPolicy.max_attempts)
    if isinstance(attempts, bool) or not isinstance(attempts, int) or attempts < 1:
        raise _config_error(where, "retry.max_attempts must be a whole number ≥ 1", "retry.max_attempts 必须是不小于 1 的整数。")
    return RetryPolicy(tuple(_positive(d, where, "retry.delays_seconds") for d in delays), attempts)


def build_transports(config: NotificationConfig, environ: Mapping[str, str] | None = None,
                     proxies: dict[str, str] | None = None) -> dict[str, Transport]:
    """The transports for the channels the county uses, keyed by ``Notification.channel``."""
    env = os.environ if environ is None else environ
    every = [*config.duty_desk, *(r for rows in config.units.values() for r in rows)]
    secrets = {r.address: r.secret_env for r in every if r.secret_env}
    transports: dict[str, Transport] = {
        kind: WebhookTransport(kind, config.timeout_seconds, secrets, env, proxies) for kind in WEBHOOK_KINDS
    }
    if config.smtp is not None:
        transports["email"] = EmailTransport(config.smtp, config.timeout_seconds, env)
    return transports
