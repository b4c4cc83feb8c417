"""Understanding one item: domain, who handles it, how urgent, what kind, tone, place, keywords.

This is the layer's front door. Crawler pipelines and the workflow call
``Understander.load(...)`` once at start-up and ``understand(title, body)`` per item; everything
the decision rests on (model, routing table, lexicons) is loaded here from paths passed in, so
a county swaps its data without touching code. Every item leaves with a lead unit and with
short Chinese reasons a coordinator can check, because an unexplained routing cannot be trusted
or corrected.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from nlp.domain_model import MAX_BODY_CHARS, DomainModel, DomainPrediction
from nlp.kind import KindRules
from nlp.normalize import normalize_text
from nlp.routing import RoutingTable
from nlp.segment import add_user_words, keywords, warm_up
from nlp.sentiment import SentimentLexicon
from nlp.urgency import UrgencyRules

DEFAULT_COUNTY_DIR = Path(__file__).resolve().parents[1] / "huiying" / "county" / "longchuan"
KEYWORD_COUNT = 5


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


class Understander:
    """The loaded model and county rules, ready to understand items."""

    def __init__(
        self,
        model: DomainModel,
        routing: RoutingTable,
        urgency: UrgencyRules,
        kinds: KindRules,
        sentiment: SentimentLexicon,
    ) -> None:
        self.model = model
        self.routing = routing
        self.urgency = urgency
        self.kinds = kinds
        self.sentiment = sentiment
        self.model_version = model.model_version

    @classmethod
    def load(cls, model_path: Path | str | None = None, county_dir: Path | str | None = None) -> Understander:
        """Load the domain model and the county's rules (None = the shipped defaults).

        The county directory holds ``routing.yaml`` and ``units.yaml``; an ``urgency.yaml`` there
        replaces the shipped urgency lexicon. Unit and town names are added to jieba so they stay
        whole in keywords and search terms. jieba's tables are loaded here (about 1 s, once per
        process) rather than on the first item.
        """
        county = Path(county_dir) if county_dir else DEFAULT_COUNTY_DIR
        routing = RoutingTable.load(county / "routing.yaml")
        county_urgency = county / "urgency.yaml"
        understander = cls(
            model=DomainModel.load(model_path),
            routing=routing,
            urgency=UrgencyRules.load(county_urgency if county_urgency.is_file() else None),
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
    ) -> Understanding:
        """Classify, route and grade one item; never raises on odd text (empty, huge, mixed)."""
        title = normalize_text(title or "")
        body = normalize_text(body or "")
        prediction = self._domain(title, body)
        route = self.routing.route(prediction.domain, prediction.confidence, title, body)
        urgency = self.urgency.assess(title, body, reply_count=reply_count, view_count=view_count)
        kind = self.kinds.decide(title, body, kind_hint)
        opening = f"{title}\n{body[:MAX_BODY_CHARS]}"
        tone = self.sentiment.read(opening)
        reasons = (_domain_reason(prediction), *route.reasons, *urgency.reasons, kind.reason)
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
            keywords=keywords(opening, KEYWORD_COUNT),
            needs_triage=route.needs_triage,
        )

    def _domain(self, title: str, body: str) -> DomainPrediction:
        """The model's ranking, or no domain at all when there is no text to judge."""
        if not any(ch.isalnum() for ch in title + body[:MAX_BODY_CHARS]):
            return DomainPrediction("", 0.0, (), ())
        return self.model.predict(title, body)


def _domain_reason(prediction: DomainPrediction) -> str:
    """'关键词“工资”“农民工”→劳动和社会保障（0.53）', or why there is no domain."""
    if not prediction.domain:
        return "标题和正文没有可判断的文字，无法判断领域"
    words = "".join(f"“{w}”" for w in prediction.evidence)
    lead = f"关键词{words}" if words else "模型"
    return f"{lead}→{prediction.domain}（{prediction.confidence:.2f}）"
