"""Reply templates bound to case states, and a check of a reply's quality before it is signed off.

Templates are data (``profiles/reply_templates.yaml``, plus a county's own file): an interim reply
for a case being handled (已收悉 / 正在办理 / 预计…), a skeleton for the final reply with the parts
a good reply has, a 退单 reason. A unit sees its own templates first, then the defaults.

``check_reply`` looks for the three things reviewers ask of a reply to a citizen (蚌埠 and 赫章 rules
in the research notes: the unit answers, cites its basis, and signs): it says *who* answers, it
*answers the question* (findings, results), and it gives a *basis or next step*. It also flags
replies that are too short, that are only polite formulas, or that still contain a template blank.
It is a set of transparent text rules, not a model: every verdict comes with a Chinese reason the
unit can act on. How well it agrees with human judgement is measured by
``bench/bench_reply_quality.py`` on a held-out half of 100 hand-labelled real replies.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from index.records import Case, Item, to_cst
from workflow.errors import TemplateError
from workflow.states import STATUSES

DEFAULT_TEMPLATES = Path(__file__).parent / "profiles" / "reply_templates.yaml"
ANY_UNIT = "*"
PLACEHOLDERS: dict[str, str] = {
    "unit_name": "承办单位名称",
    "title": "留言标题",
    "received_date": "收到日期",
    "deadline_date": "办理期限",
}
"""The only placeholders a template may use, with the Chinese names shown in errors."""
BLANK = re.compile(r"【请填写[^】]*】")
"""How a template marks what the unit must fill in."""


# -- templates ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Template:
    """One reply template: offered to ``unit`` (or every unit, ``*``) in the listed case states."""

    id: str
    label: str
    text: str
    statuses: tuple[str, ...]
    unit: str = ANY_UNIT
    kind: str = "final"


@dataclass(frozen=True)
class ReplyTemplates:
    """The defaults plus a county's own templates, read once at the entry point."""

    templates: tuple[Template, ...]

    @classmethod
    def load(cls, county_file: Path | str | None = None, defaults: Path | str = DEFAULT_TEMPLATES) -> ReplyTemplates:
        """Read the defaults, then the county's file; a county template with the same (unit, id) replaces one."""
        merged: dict[tuple[str, str], Template] = {}
        for path in [Path(defaults), *([Path(county_file)] if county_file else [])]:
            for template in _read(path):
                merged[(template.unit, template.id)] = template
        return cls(tuple(merged.values()))

    def templates_for(self, unit_id: str, status: str) -> list[Template]:
        """The templates a unit may start from in this state: its own first, then the defaults it
        has not replaced."""
        own = [t for t in self.templates if t.unit == unit_id and status in t.statuses]
        replaced = {t.id for t in self.templates if t.unit == unit_id}
        return own + [t for t in self.templates
                      if t.unit == ANY_UNIT and status in t.statuses and t.id not in replaced]


def _read(path: Path) -> list[Template]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError as exc:
        raise TemplateError(f"{path}: templates file not found", f"找不到答复模板文件 {path}。") from exc
    except yaml.YAMLError as exc:
        raise TemplateError(f"{path}: not valid YAML: {exc}", f"答复模板文件 {path} 格式有误：{exc}") from exc
    rows = raw.get("templates") if isinstance(raw, dict) else None
    if not isinstance(rows, list):
        raise TemplateError(f"{path}: needs a list under 'templates'", f"答复模板文件 {path} 需要以 templates: 开头的列表。")
    return [_template(row, f"{path} #{n}") for n, row in enumerate(rows, start=1)]


def _template(row: Any, where: str) -> Template:
    if not isinstance(row, dict) or not row.get("id") or not row.get("text"):
        raise TemplateError(f"{where}: a template needs id and text", f"答复模板 {where} 缺少 id 或 text。")
    statuses = tuple(str(s) for s in row.get("statuses") or ())
    unknown = [s for s in statuses if s not in STATUSES]
    if not statuses or unknown:
        raise TemplateError(
            f"{where}: statuses must be some of {list(STATUSES)}, got {list(statuses)}",
            f"答复模板 {where} 的 statuses 应从以下状态中选择：{'、'.join(STATUSES)}。")
    template = Template(id=str(row["id"]), label=str(row.get("label") or row["id"]), text=str(row["text"]),
                        statuses=statuses, unit=str(row.get("unit") or ANY_UNIT), kind=str(row.get("kind") or "final"))
    placeholders(template)  # refuse an unknown placeholder when the file is read, not when a unit uses it
    return template


def placeholders(template: Template) -> list[str]:
    """The placeholders a template uses; refuses any we do not know and any formatting beyond ``{name}``."""
    try:
        fields = [(name, spec, conv) for _, name, spec, conv in string.Formatter().parse(template.text)
                  if name is not None]
    except ValueError as exc:
        raise TemplateError(f"template {template.id}: unbalanced braces ({exc}); write {{{{ }}}} for a literal brace",
                            f"答复模板“{template.label}”中的花括号不成对，请检查 {{ }} 的写法。") from exc
    for name, spec, conv in fields:
        if name not in PLACEHOLDERS or spec or conv:
            known = "、".join(f"{{{k}}}（{v}）" for k, v in PLACEHOLDERS.items())
            raise TemplateError(
                f"template {template.id}: unknown placeholder {{{name}}}; use one of {list(PLACEHOLDERS)}",
                f"答复模板“{template.label}”中有无法识别的占位符 {{{name}}}，只能使用：{known}。")
    return list(dict.fromkeys(name for name, _, _ in fields))


def render(template: Template, **values: str | date | datetime) -> str:
    """The template with its placeholders filled; dates are written 2026年3月2日.

    Refuses a placeholder it does not know (in the template or in ``values``) and one left without
    a value, so a reply never goes out with ``{title}`` in it.
    """
    extra = sorted(set(values) - set(PLACEHOLDERS))
    if extra:
        raise TemplateError(f"unknown placeholder values {extra}; use {list(PLACEHOLDERS)}",
                            f"无法识别的占位符 {'、'.join(extra)}，只能使用：{'、'.join(PLACEHOLDERS)}。")
    used = placeholders(template)
    missing = [name for name in used if name not in values]
    if missing:
        raise TemplateError(f"template {template.id} needs values for {missing}",
                            f"答复模板“{template.label}”缺少：{'、'.join(PLACEHOLDERS[m] for m in missing)}。")
    return template.text.format_map({name: _text(values[name]) for name in used})


def case_values(case: Case, item: Item, unit_name: str) -> dict[str, str | date | datetime]:
    """The placeholder values for a case: what the board passes to ``render``."""
    title = item.title or " ".join(item.body.split())[:30]
    return {"unit_name": unit_name, "title": title, "received_date": case.received_at, "deadline_date": case.deadline}


def _text(value: str | date | datetime) -> str:
    if isinstance(value, datetime):
        value = to_cst(value).date()
    if isinstance(value, date):
        return f"{value.year}年{value.month}月{value.day}日"
    return str(value)


# -- the reply check ----------------------------------------------------------------------------

CJK = re.compile(r"[\u4e00-\u9fff]")
ORG_SUFFIX = ("局|委员会|办公室|办事处|街道|人民政府|政府|中心|派出所|资源所|事务所|卫生所|管理所|大队|支队|中队|分局|"
              "管理处|管理站|执法队|交警|检察院|法院|卫生院|医院|居委会|村委会|社区|镇|乡|厅|委|集团|公司|馆")
ORG_NAME = re.compile(rf"[^\W的了在向由对经已与和及因该是为系将从到把被给据您你我其此]{{1,10}}(?:{ORG_SUFFIX})")
"""An organisation's name: a short run of name characters (not function words) before a typical suffix."""
SELF_REFERENCE = re.compile(r"(?:我|本)(?:局|委|办|镇|乡|街道|中心|单位|部门|机关|院|所|队|站|部|厅|处|科)")

BOILERPLATE: tuple[re.Pattern[str], ...] = tuple(re.compile(p) for p in (
    r"“[^”]*”|\"[^\"]*\"",                                          # quoted: mostly the title echoed back
    r"(?:网友|市民|群众)(?:同志|朋友)?[：:，,]?",
    r"尊敬的[^：:，,]{0,10}[：:，,]?",
    r"(?:您|你)好[！!，,。]?",
    r"(?:您|你)(?:的|所)?(?:在[^，。]{0,30})?(?:反映|提出|咨询|留言|来信|诉求|信件|问题)[^，。！]{0,40}?(?:已|均已)?收悉[。，！]?",
    r"(?:来信|留言|诉求|信件)?(?:已|均已)?收悉[。，！]?",
    r"(?:已)?收到(?:您|你)?的?(?:留言|来信|诉求|信件|反映)(?:后)?[。，]?",
    r"现(?:将|就)[^，。：:]{0,20}(?:答复|回复|反馈|函复)如下[：:]?",
    r"(?:高度|非常|十分)重视[，。]?",
    r"立即组织[^，。]{0,10}(?:调查处理|调查核实|调查|处理)[，。]?",
    r"(?:再次)?(?:衷心)?感谢(?:您|你)[^。！!]{0,40}[。！!]?",
    r"谢谢(?:您|你)?[^。！!]{0,20}[。！!]?",
    r"(?:特此|专此)(?:回复|答复|函复)[。！!]?",
    r"此致敬礼",
    r"(?:以上情况)?[，,]?望(?:您)?(?:知悉|知晓|理解)[^。]{0,10}[。]?",
    r"正在(?:办理|处理|调查|核实|研究)中?",
    r"已(?:转交|转办|转至|交由)[^，。]{0,20}(?:办理|处理|研究)",
    r"\d{4}年\d{1,2}月\d{1,2}日\s*$",
))
"""Polite formulas every reply has; what remains after removing them is the reply's substance."""

FINDINGS = re.compile("|".join((
    r"经(?:过)?(?:调查|核实|核查|查实|查明|了解|研究|现场|实地|排查|检查|协调|会商|审核|复核|走访)",
    r"(?:据|经)查", r"调查(?:核实)?(?:情况|结果)", r"核实情况",
    r"已(?!收|转|交由|交办)[\u4e00-\u9fff]",
    r"将于", r"预计", r"目前(?:已|正在|该|仍)",
    r"(?:不)?符合(?:条件|规定|要求|政策|标准)",
    r"(?:可以|可|不能|不予|无法)(?:申请|办理|享受|领取|受理|支持|变更)",
)))
"""Words that report what was found or done: the reply answers rather than acknowledges."""

BASIS = re.compile("|".join((
    r"《[^》]{2,60}》", r"法律|法规|条例|规定|办法|细则|规范|文件|政策|依据|根据|按照|依照|依法",
    r"第[一二三四五六七八九十百零\d]+条", r"[〔\[﹝【]\d{4}[〕\]﹞】]",
)))
NEXT_STEP = re.compile("|".join((
    r"下一步", r"后续",
    r"将(?:于|会|继续|进一步|督促|加快|尽快|组织|安排|加强|及时|依法|协调|积极|持续|跟踪|联合|对|在)",
    r"预计", r"计划(?:于|在)",
    r"如(?:有|还有|您有|您还有)(?:疑问|问题|需要)", r"(?:请|可|欢迎)(?:您)?(?:拨打|致电|咨询|联系)",
    r"(?:您|你)?可(?:以)?(?:直接|通过|到|向|前往|登录|携带|申请)", r"建议(?:您|你)",
    r"(?:咨询|联系|服务|举报|值班)电话", r"\d{3,4}-?\d{7,8}",
)))

TITLE_STOPWORDS = re.compile(
    r"关于|反映|问题|请求|要求|希望|建议|咨询|投诉|举报|市民|网友|如何|怎么|什么|为什么|是否|能否|可以|请问|情况|相关|"
    r"一下|尽快|还没|没有|严重|不能|有关|恳请|强烈|解决|处理|给予|一些|这个|那个|我们|我家|的|了|吗|呢|啊")
MIN_CHARS = 40
"""Fewer Chinese characters than this cannot name a unit, report findings and give a basis."""
MIN_SUBSTANCE = 15
"""Fewer Chinese characters than this left after removing polite formulas: boilerplate only."""
MIN_TERM_SHARE = 0.3
"""Share of the title's key two-character terms the reply's substance must contain."""


@dataclass(frozen=True)
class Finding:
    """One part of the check: passed or not, why (Chinese, shown to the unit), and the words found."""

    ok: bool
    reason: str
    evidence: str = ""


@dataclass(frozen=True)
class ReplyCheck:
    """The three parts of a good reply, plus flags for replies that cannot be good whatever they say."""

    names_unit: Finding
    answers: Finding
    basis: Finding
    too_short: bool = False
    boilerplate_only: bool = False
    unfilled: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        parts = (self.names_unit, self.answers, self.basis)
        return all(p.ok for p in parts) and not (self.too_short or self.boilerplate_only or self.unfilled)

    @property
    def problems(self) -> list[str]:
        """What the unit should fix, in Chinese, most basic first."""
        found = []
        if self.unfilled:
            found.append(f"答复中还有模板空白未填写：{'、'.join(self.unfilled)}。")
        if self.too_short:
            found.append(f"答复过短（不足{MIN_CHARS}字），请写明核实情况、处理结果和依据。")
        if self.boilerplate_only:
            found.append("答复只有“已收悉”“高度重视”“感谢支持”等套话，没有实质内容。")
        found.extend(p.reason for p in (self.names_unit, self.answers, self.basis) if not p.ok)
        return found


def check_reply(reply: str, title: str, body: str, unit_name: str, known_units: Sequence[str] = ()) -> ReplyCheck:
    """Judge a reply before sign-off: who answers, whether it answers, on what basis or with what next step."""
    text = "".join(reply.split())
    substance = _substance(text)
    return ReplyCheck(
        names_unit=_names_unit(text, unit_name, known_units),
        answers=_answers(substance, title, body),
        basis=_basis(substance),
        too_short=len(CJK.findall(text)) < MIN_CHARS,
        boilerplate_only=len(CJK.findall(substance)) < MIN_SUBSTANCE,
        unfilled=tuple(dict.fromkeys(BLANK.findall(text))),
    )


def _substance(text: str) -> str:
    for pattern in BOILERPLATE:
        text = pattern.sub("", text)
    return text


def _names_unit(text: str, unit_name: str, known_units: Iterable[str]) -> Finding:
    names = [n for n in (unit_name, _without_level(unit_name), *known_units) if n]
    for name in names:
        if name in text:
            return Finding(True, "", name)
    for pattern in (SELF_REFERENCE, ORG_NAME):
        if match := pattern.search(text):
            return Finding(True, "", match.group(0))
    example = f"“{unit_name}”或" if unit_name else ""
    return Finding(False, f"答复没有写明由哪个单位办理，请写明单位名称（如{example}“我局”“本单位”）。")


def _without_level(unit_name: str) -> str:
    """县人社局 → 人社局: replies often drop the administrative level."""
    return unit_name[1:] if len(unit_name) > 3 and unit_name[0] in "县市区省" else ""


def _answers(substance: str, title: str, body: str) -> Finding:
    terms = key_terms(title or body[:60])
    hits = [t for t in terms if t in substance]
    if terms and len(hits) / len(terms) >= MIN_TERM_SHARE:
        return Finding(True, "", "、".join(hits[:5]))
    if match := FINDINGS.search(substance):
        return Finding(True, "", match.group(0))
    asked = " ".join((title or body[:30]).split())[:30]
    about = f"没有说明留言所问的“{asked}”，" if asked else ""
    return Finding(False, f"答复没有回应留言的问题：{about}也没有写明调查核实情况或处理结果（如“经核实……”“已……”“将于……”）。")


def key_terms(title: str) -> list[str]:
    """The title's two-character terms without question words and filler: what the reply should address.

    Character pairs need no segmenter (and no dependency on the understanding layer); most Chinese
    words are two characters, so a reply that deals with the matter shares many of them.
    """
    terms: list[str] = []
    for run in re.findall(r"[\u4e00-\u9fff]+", TITLE_STOPWORDS.sub(" ", title)):
        terms.extend(run[i:i + 2] for i in range(len(run) - 1))
    return list(dict.fromkeys(terms))


def _basis(substance: str) -> Finding:
    for pattern in (BASIS, NEXT_STEP):
        if match := pattern.search(substance):
            return Finding(True, "", match.group(0))
    return Finding(False, "答复没有给出依据或下一步：请写明所依据的法律法规、文件或规定，或者后续安排、完成时间和咨询电话。")


def check_case_reply(reply: str, item: Item, unit_name: str, known_units: Sequence[str] = ()) -> ReplyCheck:
    """``check_reply`` for the item a case is about (what the board calls before sign-off)."""
    return check_reply(reply, item.title, item.body, unit_name, known_units)

