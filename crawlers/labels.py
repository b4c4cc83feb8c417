"""Letter pages read by label text, not by row position: 标题 / 留言时间 / 留言内容 / 回复单位 / 回复内容 …

Government mailboxes (政府信箱, 网民留言, 12345 选登) show a letter as pairs of a label and a value:
a two- or four-column ``<table>``, ``<dl><dt>…<dd>…``, or ``<p><strong>回复内容：</strong>…</p>``.
Counties rename the labels (答复单位, 办理单位, 处理结果…) and reorder the rows, so every label
is looked up in ``LABELS`` (whitespace, full-width spaces and the trailing colon ignored) and the
pairs are read in document order. Reply fields (unit, time, text) may repeat: each repetition
opens a new reply block, so a letter answered twice has two replies. A reply text such as
"暂无回复" means there is none.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any

from lxml import etree
from parsel import Selector

LABELS: dict[str, tuple[str, ...]] = {
    "title": ("标题", "留言标题", "信件标题", "来信标题", "主题", "信件主题", "留言主题", "诉求标题", "事项标题", "问题标题", "咨询标题"),
    "letter_no": ("留言编号", "信件编号", "编号", "受理编号", "查询码", "查询编号", "来信编号", "信件编码", "件号"),
    "author": ("留言人", "来信人", "写信人", "姓名", "提问人", "咨询人", "留言者", "发信人", "网民"),
    "created_at": ("留言时间", "来信时间", "写信时间", "提交时间", "发布时间", "提问时间", "咨询时间", "来信日期",
                   "留言日期", "发信时间", "创建时间", "时间"),
    "content": ("留言内容", "来信内容", "信件内容", "内容", "诉求内容", "问题描述", "咨询内容", "具体内容", "正文",
                "反映内容", "主要内容"),
    "kind": ("类型", "留言类型", "信件类型", "来信类型", "诉求类型", "类别", "信件类别", "留言类别", "咨询类型"),
    "organisation": ("回复单位", "答复单位", "办理单位", "受理单位", "承办单位", "处理单位", "回复部门", "答复部门",
                     "办理部门", "回复机构", "答复机构", "处理部门"),
    "replied_at": ("回复时间", "答复时间", "办理时间", "处理时间", "办结时间", "回复日期", "答复日期"),
    "reply": ("回复内容", "答复内容", "处理结果", "办理结果", "答复意见", "回复意见", "办理情况", "处理意见", "回复",
              "答复", "办理答复"),
    "status": ("办理状态", "状态", "处理状态", "信件状态", "留言状态"),
    "views": ("浏览量", "浏览次数", "点击数", "访问量", "点击量", "阅读量"),
    "satisfaction": ("满意度", "评价", "满意度评价"),
}
"""Field → the label texts seen for it (extend here when a county uses another word)."""

_BY_LABEL = {label: key for key, labels in LABELS.items() for label in labels}
_SPACES = re.compile(r"[\s\u3000\xa0]+")
_INLINE = re.compile(r"^\s*([^\s:：]{1,8}?(?:[\s\u3000\xa0]*[^\s:：]){0,6})\s*[:：]\s*(.*)$", re.DOTALL)
REPLY_KEYS = ("organisation", "replied_at", "reply")
NO_REPLY = ("暂无回复", "尚未回复", "未回复", "待回复", "暂无答复", "正在办理", "办理中", "暂无")


def label_key(text: str | None) -> str | None:
    """The field a label text names, or None (``"标　　题："`` → ``"title"``)."""
    cleaned = _SPACES.sub("", text or "").rstrip(":：").lstrip("*【[").rstrip("】]")
    return _BY_LABEL.get(cleaned)


@dataclass
class Letter:
    """A letter's fields as found on the page (values are markup, ready for the clean pipeline)."""

    fields: dict[str, str] = field(default_factory=dict)
    replies: list[dict[str, str]] = field(default_factory=list)

    def text(self, key: str) -> str:
        return Selector(text=f"<div>{self.fields.get(key, '')}</div>").xpath("string()").get("").strip()


def _inner(element: Any) -> str:
    parts = [html.escape(element.text or "", quote=False)]
    parts.extend(etree.tostring(child, encoding="unicode", method="html", with_tail=True)
                 for child in element if isinstance(child.tag, str))
    return "".join(parts)


def _text(element: Any) -> str:
    return "".join(element.itertext()) if isinstance(element.tag, str) else ""


def _pairs(root: Any) -> list[tuple[str, str]]:
    """(field, value markup) pairs in document order."""
    pairs: list[tuple[str, str]] = []
    consumed: set[Any] = set()  # the elements themselves: lxml proxies' ids are reused once freed
    for element in root.iter():
        if not isinstance(element.tag, str) or element in consumed:
            continue
        tag = element.tag.lower()
        if tag in ("script", "style", "head"):
            consumed.update(element.iter())
            continue
        if tag == "tr" and element.find(".//tr") is None:
            cells = [c for c in element if isinstance(c.tag, str) and c.tag.lower() in ("td", "th")]
            index = 0
            while index < len(cells):
                key = label_key(_text(cells[index]))
                if key and index + 1 < len(cells) and label_key(_text(cells[index + 1])) is None:
                    pairs.append((key, _inner(cells[index + 1])))
                    index += 2
                    continue
                inline = _inline(cells[index])
                if inline:
                    pairs.append(inline)
                index += 1
            consumed.update(element.iter())
            continue
        if tag == "dt":
            key = label_key(_text(element))
            following = element.getnext()
            if key and following is not None and following.tag == "dd":
                pairs.append((key, _inner(following)))
                consumed.update(following.iter())
            continue
        if tag in ("p", "div", "li", "span", "strong", "b", "label", "h3", "h4", "h5", "em", "font", "td", "th"):
            if element.find(".//table") is not None or element.find(".//p") is not None and tag == "div":
                continue
            key = label_key(_text(element))
            if key:  # <span class="label">回复内容：</span><span>…</span> or <strong>…</strong>text
                value = _value_after(element)
                if value is not None:
                    pairs.append((key, value))
                    consumed.update(element.iter())
                    continue
            inline = _inline(element)
            if inline:
                pairs.append(inline)
                consumed.update(element.iter())
    return pairs


def _inline(element: Any) -> tuple[str, str] | None:
    """``留言标题：xxx`` inside one element."""
    text = _text(element)
    found = _INLINE.match(text)
    if not found:
        return None
    key = label_key(found.group(1))
    if key is None:
        return None
    value_text = found.group(2).strip()
    label_end = (element.text or "")
    if label_end.strip() and _INLINE.match(label_end):  # keep the value's markup (line breaks) when we can
        rest = _INLINE.match(label_end).group(2)  # type: ignore[union-attr]
        markup = html.escape(rest, quote=False) + "".join(
            etree.tostring(c, encoding="unicode", method="html", with_tail=True) for c in element if isinstance(c.tag, str))
        return key, markup
    return key, html.escape(value_text, quote=False)


def _value_after(element: Any) -> str | None:
    """The value following a label element: its tail text and following siblings, or the next element."""
    tail = element.tail or ""
    siblings = [s for s in element.itersiblings() if isinstance(s.tag, str)]
    if tail.strip() or siblings:
        stop = next((i for i, s in enumerate(siblings) if label_key(_text(s))), len(siblings))
        markup = html.escape(tail, quote=False) + "".join(
            etree.tostring(s, encoding="unicode", method="html", with_tail=True) for s in siblings[:stop])
        if Selector(text=f"<div>{markup}</div>").xpath("string()").get("").strip():
            return markup
    parent = element.getparent()
    if parent is not None and len([c for c in parent if isinstance(c.tag, str)]) == 1:
        following = parent.getnext()
        if following is not None and label_key(_text(following)) is None:
            return _inner(following)
    return None


def read_letter(sel: Selector) -> Letter:
    """The letter's fields and replies from a page (see the module docstring)."""
    letter = Letter()
    current: dict[str, str] = {}
    for key, value in _pairs(sel.root):
        if key in REPLY_KEYS:
            if key in current or (key == "organisation" and "reply" in current):
                letter.replies.append(current)
                current = {}
            current[key] = value
        elif key not in letter.fields:
            letter.fields[key] = value
    if current:
        letter.replies.append(current)
    letter.replies = [r for r in letter.replies if _answered(r)]
    return letter


def _answered(reply: dict[str, str]) -> bool:
    text = Selector(text=f"<div>{reply.get('reply', '')}</div>").xpath("string()").get("").strip()
    return bool(text) and not any(text.startswith(marker) and len(text) <= len(marker) + 4 for marker in NO_REPLY)
