"""Understanding items: domain, who handles them, how urgent, what kind, tone, place, keywords.

This is the layer's front door. Crawler pipelines and the workflow call
``Understander.load(...)`` once at start-up and ``understand(title, body)`` per item (or
``understand_many`` for a batch); everything the decisions rest on (models, routing table,
lexicons) is loaded here from paths passed in, so a county swaps its data without touching code.
Every item leaves with a lead unit and with short Chinese reasons a coordinator can check,
because an unexplained routing cannot be trusted or corrected.

Each message is normalised once and segmented once (title and the opening of the body); the
domain model, the urgency model and the keywords all read those words. With a
:class:`~nlp.dedupe.NearDuplicateIndex` attached (``understander.duplicates``), items given an
``item_id`` are checked for near-duplicates, and a burst of them within a day raises urgency.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from nlp.dedupe import NearDuplicateIndex
from nlp.domain_model import MAX_BODY_CHARS, DomainModel, DomainPrediction
from nlp.features import message_tokens, prepare_normalized
from nlp.kind import KindDecision, KindRules
from nlp.normalize import normalize_text, split_opening
from nlp.routing import RoutingTable
from nlp.segment import add_user_words, top_terms, warm_up
from nlp.sentiment import SentimentLexicon
from nlp.urgency import Spread, UrgencyRules
from nlp.urgency_model import DEFAULT_URGENCY_MODEL, UrgencyModel

DEFAULT_COUNTY_DIR = Path(__file__).resolve().parents[1] / "huiying" / "county" / "longchuan"
KEYWORD_COUNT = 5
OPINION_KIND = "舆情"
BURST_WINDOW = timedelta(hours=24)
DEDUPE_CHARS = 1000  # near-duplicates are recognised by the title and the opening of the body
RULES_CHARS = 200_000  # routing, urgency and kind rules read this much of a body (a 1 MB page still finishes fast)


@dataclass(frozen=True)
class Understanding:
    """Everything the layer concluded about one item, with the reasons behind it."""

    domain: str
    lead_unit: str
    co_units: tuple[str, ...]
    urgency: str  # 特急 / 紧急 / 一般
    kind: str  # 咨询 / 求助 / 建议 / 投诉 / 举报
    confidences: dict[str, float]  # domain, urgency, kind, sentiment
    model_version: str
    reasons: tuple[str, ...]
    sentiment: str  # negative / neutral / positive
    place: str
    keywords: tuple[str, ...]
    needs_triage: bool
    opinion: tuple[str, ...] = ()  # opinion-incident signs: 谣言 / 聚集 / 媒体关注
    near_duplicates: tuple[tuple[Hashable, float], ...] = ()  # earlier items nearly the same (并单 candidates)


@dataclass(frozen=True)
class Message:
    """One item to understand, as a batch entry of :meth:`Understander.understand_many`."""

    title: str
    body: str
    kind_hint: str = ""
    reply_count: int | None = None
    view_count: int | None = None
    item_id: Hashable | None = None
    posted_at: datetime | None = None
    spread: Spread | None = None


class Understander:
    """The loaded models and county rules, ready to understand items."""

    def __init__(
        self,
        model: DomainModel,
        routing: RoutingTable,
        urgency: UrgencyRules,
        kinds: KindRules,
        sentiment: SentimentLexicon,
        duplicates: NearDuplicateIndex | None = None,
    ) -> None:
        self.model = model
        self.routing = routing
        self.urgency = urgency
        self.kinds = kinds
        self.sentiment = sentiment
        self.duplicates = duplicates
        self.model_version = model.model_version

    @classmethod
    def load(
        cls,
        model_path: Path | str | None = None,
        county_dir: Path | str | None = None,
        urgency_model_path: Path | str | None = None,
    ) -> Understander:
        """Load the models and the county's rules (None = the shipped defaults).

        The county directory holds ``routing.yaml`` and ``units.yaml``; an ``urgency.yaml`` there
        replaces the shipped urgency lexicon. The urgency model is optional: without the file
        (no default shipped, or a path that does not exist is given as None) the rules decide
        alone; an ``urgency.skops`` beside the given domain model (one retraining wrote both) is
        preferred to the shipped one. Unit and town names are added to jieba so they stay whole; jieba's tables are
        loaded here rather than on the first item.
        """
        county = Path(county_dir) if county_dir else DEFAULT_COUNTY_DIR
        routing = RoutingTable.load(county / "routing.yaml")
        county_urgency = county / "urgency.yaml"
        urgency_model = None
        if urgency_model_path is None and model_path is not None:
            beside = Path(model_path).with_name(DEFAULT_URGENCY_MODEL.name)  # trained with it: they go together
            urgency_model_path = beside if beside.is_file() else None
        if urgency_model_path is not None or DEFAULT_URGENCY_MODEL.is_file():
            urgency_model = UrgencyModel.load(urgency_model_path)
        understander = cls(
            model=DomainModel.load(model_path),
            routing=routing,
            urgency=UrgencyRules.load(county_urgency if county_urgency.is_file() else None, model=urgency_model),
            kinds=KindRules.load(),
            sentiment=SentimentLexicon.load(),
        )
        warm_up()
        add_user_words(routing.names())
        return understander

    def understand(
        self,
        title: str,
        body: str,
        *,
        kind_hint: str = "",
        reply_count: int | None = None,
        view_count: int | None = None,
        item_id: Hashable | None = None,
        posted_at: datetime | None = None,
        spread: Spread | None = None,
    ) -> Understanding:
        """Classify, route and grade one item; never raises on odd text (empty, huge, mixed)."""
        message = Message(title, body, kind_hint, reply_count, view_count, item_id, posted_at, spread)
        return self.understand_many([message])[0]

    def understand_many(self, messages: Iterable[Message]) -> list[Understanding]:
        """Understand a batch: the same results as one by one, with the per-call overheads shared."""
        batch = list(messages)
        titles = [normalize_text(m.title or "") for m in batch]
        bodies = [normalize_text((m.body or "")[:RULES_CHARS]) for m in batch]
        for i, title in enumerate(titles):  # a title-less item: its first sentence is read as the title
            if not title and bodies[i]:
                titles[i], bodies[i] = split_opening(bodies[i])
        texts = [prepare_normalized(t, b) for t, b in zip(titles, bodies, strict=True)]
        words = [message_tokens(text) for text in texts]
        judgeable = [_has_text(t, b) for t, b in zip(titles, bodies, strict=True)]
        predicted = iter(self.model.predict_batch(
            [x for x, ok in zip(texts, judgeable, strict=True) if ok],
            [w for w, ok in zip(words, judgeable, strict=True) if ok],
        ))
        return [
            self._combine(m, t, b, w, next(predicted) if ok else _NO_DOMAIN)
            for m, t, b, w, ok in zip(batch, titles, bodies, words, judgeable, strict=True)
        ]

    def _combine(
        self, message: Message, title: str, body: str, words: list[str], prediction: DomainPrediction
    ) -> Understanding:
        route = self.routing.route(prediction.domain, prediction.confidence, title, body)
        duplicates, spread = self._duplicates(message, title, body)
        model = self.urgency.model
        score = model.score_words(words) if model is not None and (title or body) else None
        urgency = self.urgency.assess(title, body, spread=spread, model_score=score)
        kind = self.kinds.decide(title, body, message.kind_hint)
        if route.opinion and kind.kind != OPINION_KIND:
            # 政务舆情 is answered within 48 hours (国办发〔2016〕61号): the incident decides the clock.
            kind = KindDecision(OPINION_KIND, kind.confidence,
                                f"舆情事件（{'、'.join(route.opinion)}）→按政务舆情办理（原判{kind.kind}：{kind.reason}）")
        opening = f"{title}\n{body[:MAX_BODY_CHARS]}"
        tone = self.sentiment.read(opening)
        reasons = (_domain_reason(prediction, self.model), *route.reasons, *urgency.reasons, kind.reason)
        if duplicates:
            reasons += (f"相似留言{len(duplicates)}条（最高相似度{duplicates[0][1]:.2f}），可并单",)
        return Understanding(
            domain=route.domain,
            lead_unit=route.lead_unit,
            co_units=route.co_units,
            urgency=urgency.level,
            kind=kind.kind,
            confidences={
                "domain": round(prediction.confidence, 4),
                "urgency": urgency.confidence,
                "kind": kind.confidence,
                "sentiment": tone.confidence,
            },
            model_version=self.model_version,
            reasons=reasons,
            sentiment=tone.label,
            place=route.place,
            keywords=top_terms(words, self.model.idf, KEYWORD_COUNT),
            needs_triage=route.needs_triage,
            opinion=route.opinion,
            near_duplicates=duplicates,
        )

    def _duplicates(
        self, message: Message, title: str, body: str
    ) -> tuple[tuple[tuple[Hashable, float], ...], Spread]:
        """Near-duplicates of the item (when an index is attached) and the spread they add to."""
        given = message.spread or Spread(message.reply_count, message.view_count)
        if self.duplicates is None or message.item_id is None:
            return (), given
        text = f"{title}\n{body[:DEDUPE_CHARS]}"
        matches = self.duplicates.add(message.item_id, text, message.posted_at, normalized=True)
        burst = len(self.duplicates.recent(matches, message.posted_at, BURST_WINDOW))
        spread = Spread(
            given.replies, given.views, given.replies_per_hour, given.views_per_hour,
            max(burst, given.near_duplicates_24h or 0) if message.posted_at is not None else given.near_duplicates_24h,
        )
        return tuple((m.item_id, m.similarity) for m in matches), spread


_NO_DOMAIN = DomainPrediction("", 0.0, (), ())


def _has_text(title: str, body: str) -> bool:
    """False when there is nothing to judge (empty, or only symbols and emoji)."""
    return any(ch.isalnum() for ch in title) or any(ch.isalnum() for ch in body[:MAX_BODY_CHARS])


def _domain_reason(prediction: DomainPrediction, model: DomainModel) -> str:
    """'关键词“工资”“农民工”→劳动和社会保障（0.53）', or why there is no domain."""
    if not prediction.domain:
        return "标题和正文没有可判断的文字，无法判断领域"
    words = "".join(f"“{w}”" for w in prediction.evidence)
    lead = f"关键词{words}" if words else "模型"
    seeded = "，该领域无标注样本，依据分类目录判断" if prediction.domain in model.seed_only_domains else ""
    return f"{lead}→{prediction.domain}（{prediction.confidence:.2f}{seeded}）"
