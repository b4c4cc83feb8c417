"""Events and hot topics: messages about one matter grouped together, with a heat that decays.

A county sees one matter from many citizens at once — a building site's noise, a developer's
parking-space bundling, a bus line cut. The board needs the matter, not fifty rows: items are
grouped into events incrementally (one pass, in time order), each new item joining the most
similar recent event or starting its own. Similarity is the cosine of TF-IDF word vectors
(an item against the event's centroid), plus a shortcut: a near-duplicate of an event's item
(:mod:`nlp.dedupe`) joins that event whatever its words.

Heat says how hot an event is at a moment: every item counts 1, plus its engagement (replies,
views, votes; log-scaled so one viral post does not drown fifty complaints), decayed with a
half-life (default 3 days) from when it was posted. Votes are counted without their sign —
public vote columns are sometimes swapped (messages_with_votes_4326), and both kinds mean
attention.

Everything works from plain tuples (item_id, title, body, posted_at, reply_count, view_count),
so the crawler pipeline and the board can feed it from the store; persisting the assignment is
the store's job (see nlp/README.md for the suggested table).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from nlp.dedupe import Match, NearDuplicateIndex
from nlp.normalize import normalize_text

SIMILARITY = 0.5  # cosine to an event's centroid to join it (0.45 merged "麻将馆扰民" from different estates; 0.55 split one matter)
WINDOW = timedelta(days=30)  # an event takes new items for this long after its last one
HALF_LIFE = timedelta(days=3)
TOP_TERMS = 12  # terms kept per event for candidate lookup and display


@dataclass(frozen=True)
class EventItem:
    """One message as the grouper sees it."""

    item_id: Hashable
    title: str
    body: str
    posted_at: datetime
    reply_count: int = 0
    view_count: int = 0
    votes: int = 0  # likes + dislikes, when a board has them

    @property
    def engagement(self) -> float:
        """1 for the post itself plus log-scaled attention it drew."""
        return (
            1.0
            + math.log1p(max(self.reply_count, 0))
            + 0.5 * math.log1p(max(self.view_count, 0) / 100)
            + math.log1p(max(self.votes, 0))
        )


@dataclass
class Event:
    """A group of items about one matter."""

    event_id: int
    title: str
    items: list[EventItem] = field(default_factory=list)
    centroid: dict[str, float] = field(default_factory=dict)

    @property
    def first_seen(self) -> datetime:
        return min(i.posted_at for i in self.items)

    @property
    def last_seen(self) -> datetime:
        return max(i.posted_at for i in self.items)

    @property
    def size(self) -> int:
        return len(self.items)

    def terms(self, top: int = 5) -> tuple[str, ...]:
        """The event's most characteristic words."""
        return tuple(sorted(self.centroid, key=lambda t: (-self.centroid[t], t))[:top])


def heat(event: Event, now: datetime, half_life: timedelta = HALF_LIFE) -> float:
    """Sum over items posted by ``now`` of engagement x 0.5^(age / half-life)."""
    total = 0.0
    for item in event.items:
        age = (now - item.posted_at).total_seconds()
        if age < 0:
            continue
        total += item.engagement * 0.5 ** (age / half_life.total_seconds())
    return round(total, 3)


class EventGrouper:
    """Assigns items to events one at a time (call in posting order)."""

    def __init__(
        self,
        words: Callable[[str], list[str]] | None = None,
        idf: dict[str, float] | None = None,
        *,
        similarity: float = SIMILARITY,
        window: timedelta = WINDOW,
        duplicates: NearDuplicateIndex | None = None,
        first_id: int = 1,
    ) -> None:
        from nlp.segment import tokens

        self.words = words or tokens
        self.idf = idf or {}
        # A word missing from the IDF table is rarer than any in it (names of estates, firms, roads):
        # exactly the words that identify a matter.
        self.unknown_idf = max(self.idf.values()) if self.idf else 1.0
        self.similarity = similarity
        self.window = window
        self.duplicates = duplicates if duplicates is not None else NearDuplicateIndex()
        self.events: dict[int, Event] = {}
        self.event_of: dict[Hashable, int] = {}
        self._by_term: dict[str, set[int]] = {}
        self.next_id = first_id

    def add(self, item: EventItem) -> tuple[int, float]:
        """The event the item joins (or starts) and the similarity that decided it (1.0 = new/duplicate)."""
        chosen, score, _ = self.add_matching(item)
        return chosen, score

    def add_matching(self, item: EventItem) -> tuple[int, float, list[Match]]:
        """As :meth:`add`, with the item's near-duplicates among earlier items (it is indexed in
        ``self.duplicates`` on the way), for a caller that keeps them."""
        title, body = normalize_text(item.title), normalize_text(item.body[:2000])
        vector = self._vector(title, body)
        duplicates = self.duplicates.add(item.item_id, f"{title}\n{body}", item.posted_at, normalized=True)
        chosen, score = self._by_duplicate(duplicates)
        if chosen is None:
            chosen, score = self._most_similar(vector, item.posted_at)
        if chosen is None:
            chosen, score = self.next_id, 1.0
            self.events[chosen] = Event(chosen, title or body[:30])
        event = self.events[chosen]
        event.items.append(item)
        self._update_centroid(event, vector)
        self.event_of[item.item_id] = chosen
        self.next_id = max(self.next_id, chosen + 1)
        return chosen, round(score, 3), duplicates

    def restore(self, item: EventItem, event_id: int, title: str = "") -> None:
        """Put a stored item back into its stored event without deciding again (after a restart).

        Call in posting order; the near-duplicate index is the caller's to rebuild.
        """
        if event_id not in self.events:
            self.events[event_id] = Event(event_id, title or normalize_text(item.title) or item.body[:30])
        event = self.events[event_id]
        event.items.append(item)
        self._update_centroid(event, self._vector(normalize_text(item.title), normalize_text(item.body[:2000])))
        self.event_of[item.item_id] = event_id
        self.next_id = max(self.next_id, event_id + 1)

    def forget(self, event_id: int) -> None:
        """Drop an event that can take no more items (past the window): bounded memory in a long run."""
        event = self.events.pop(event_id, None)
        if event is None:
            return
        for item in event.items:
            self.event_of.pop(item.item_id, None)
        for ids in self._by_term.values():
            ids.discard(event_id)

    def hot(self, now: datetime, top: int = 10, min_items: int = 2) -> list[tuple[Event, float]]:
        """The hottest events at ``now`` with at least ``min_items`` items, hottest first."""
        scored = [
            (e, heat(e, now))
            for e in self.events.values()
            if sum(i.posted_at <= now for i in e.items) >= min_items
        ]
        return sorted(scored, key=lambda eh: (-eh[1], eh[0].event_id))[:top]

    def _by_duplicate(self, matches: list[Match]) -> tuple[int | None, float]:
        for match in matches:
            if match.item_id in self.event_of:
                return self.event_of[match.item_id], match.similarity
        return None, 0.0

    def _vector(self, title: str, body: str) -> dict[str, float]:
        """L2-normalised TF-IDF of the title (twice) and body words."""
        counts: dict[str, int] = {}
        for word in self.words(title) * 2 + self.words(body[:1000]):
            if len(word) >= 2:
                counts[word] = counts.get(word, 0) + 1
        vector = {w: (1 + math.log(c)) * self.idf.get(w, self.unknown_idf) for w, c in counts.items()}
        norm = math.sqrt(sum(v * v for v in vector.values())) or 1.0
        return {w: v / norm for w, v in vector.items()}

    def _most_similar(self, vector: dict[str, float], posted_at: datetime) -> tuple[int | None, float]:
        top = sorted(vector, key=lambda w: -vector[w])[:TOP_TERMS]
        candidates = set().union(*(self._by_term.get(w, set()) for w in top)) if top else set()
        best, best_score = None, 0.0
        for event_id in candidates:
            event = self.events[event_id]
            if posted_at - event.last_seen > self.window:
                continue
            norm = math.sqrt(sum(v * v for v in event.centroid.values())) or 1.0
            score = sum(vector.get(w, 0.0) * v for w, v in event.centroid.items()) / norm
            if score > best_score or (score == best_score and best is not None and event_id < best):
                best, best_score = event_id, score
        return (best, best_score) if best is not None and best_score >= self.similarity else (None, 0.0)

    def _update_centroid(self, event: Event, vector: dict[str, float]) -> None:
        """Add the item's vector; keep only the strongest terms (bounded memory and lookup)."""
        for word, value in vector.items():
            event.centroid[word] = event.centroid.get(word, 0.0) + value
        kept = sorted(event.centroid, key=lambda w: (-event.centroid[w], w))[: TOP_TERMS * 4]
        event.centroid = {w: event.centroid[w] for w in kept}
        for word in kept[:TOP_TERMS]:
            self._by_term.setdefault(word, set()).add(event.event_id)


def group_events(
    rows: Iterable[tuple[Hashable, str, str, datetime, int | None, int | None]],
    *,
    idf: dict[str, float] | None = None,
    similarity: float = SIMILARITY,
) -> EventGrouper:
    """Group stored items (item_id, title, body, posted_at, reply_count, view_count) in posting order."""
    grouper = EventGrouper(idf=idf, similarity=similarity)
    for item_id, title, body, posted_at, replies, views in sorted(rows, key=lambda r: (r[3], str(r[0]))):
        grouper.add(EventItem(item_id, title or "", body or "", posted_at, replies or 0, views or 0))
    return grouper
