"""Related items in the record store: near-duplicates, topics and the signatures behind them.

The relate step (``crawlers/relate.py``) decides; this only keeps its decisions, one
transaction per item, so a restart finds either all of an item's relations or none of them
(an item without a signature row is related again). Near-duplicate pairs are stored once, from
the later item to the earlier, and read in both directions.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any

from index import codec
from index.records import Item, Topic


class SqlRelated:
    """Mixin for :class:`index.sql_store.SqlStore`: needs ``_write``, ``_one`` and ``_all``."""

    def _write(self) -> AbstractContextManager[Any]:  # provided by the store
        raise NotImplementedError

    def _one(self, sql: str, params: Sequence[Any] = ()) -> Any:
        raise NotImplementedError

    def _all(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        raise NotImplementedError

    # -- writing ----------------------------------------------------------------------------------

    def save_relations(
        self,
        item_id: int,
        *,
        posted_at: datetime | None,
        signature: bytes | None,
        near: Sequence[tuple[int, float]],
        topic: Topic,
        similarity: float,
        engagement: float = 1.0,
    ) -> None:
        """Record one item's relations: its signature, its near-duplicates and the topic it joined."""
        with self._write() as conn:
            conn.execute(
                "INSERT INTO item_signatures (item_id, posted_at, signature) VALUES (?, ?, ?) "
                "ON CONFLICT (item_id) DO UPDATE SET posted_at = excluded.posted_at, signature = excluded.signature",
                (item_id, codec.iso(posted_at), signature or b""),
            )
            for other, score in near:
                if other == item_id:
                    continue
                conn.execute(
                    "INSERT INTO near_duplicates (item_id, other_id, similarity) VALUES (?, ?, ?) "
                    "ON CONFLICT (item_id, other_id) DO UPDATE SET similarity = excluded.similarity",
                    (item_id, other, float(score)),
                )
            self._upsert_topic(conn, topic)
            conn.execute(
                "INSERT INTO topic_items (item_id, topic_id, similarity, engagement) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (item_id) DO UPDATE SET topic_id = excluded.topic_id, "
                "similarity = excluded.similarity, engagement = excluded.engagement",
                (item_id, topic.id, float(similarity), float(engagement)),
            )

    def refresh_topic_heat(self, heats: Sequence[tuple[int, float]], at: datetime) -> None:
        """Store each topic's heat as of ``at`` (the relate step recomputes it every cycle)."""
        if not heats:
            return
        with self._write() as conn:
            for topic_id, heat in heats:
                conn.execute("UPDATE topics SET heat = ?, heat_at = ? WHERE id = ?",
                             (float(heat), codec.iso(at), topic_id))

    @staticmethod
    def _upsert_topic(conn: Any, topic: Topic) -> None:
        values = (topic.id, topic.title, codec.dumps(list(topic.terms)), codec.iso(topic.first_seen),
                  codec.iso(topic.last_seen), topic.size, float(topic.heat), codec.iso(topic.heat_at))
        conn.execute(
            "INSERT INTO topics (id, title, terms_json, first_seen, last_seen, size, heat, heat_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET title = excluded.title, "
            "terms_json = excluded.terms_json, first_seen = excluded.first_seen, last_seen = excluded.last_seen, "
            "size = excluded.size, heat = excluded.heat, heat_at = excluded.heat_at",
            values,
        )

    # -- reading ----------------------------------------------------------------------------------

    def items_to_relate(self, limit: int = 500) -> list[Item]:
        """Stored items the relate step has not seen yet, oldest first."""
        rows = self._all(
            "SELECT i.* FROM items i LEFT JOIN item_signatures s ON s.item_id = i.id "
            "WHERE s.item_id IS NULL ORDER BY i.id LIMIT ?",
            (limit,),
        )
        return [codec.item_from_row(r) for r in rows]

    def signatures(self, since: datetime | None = None) -> Iterator[tuple[int, datetime | None, bytes]]:
        """(item_id, posted_at, signature) of related items posted since ``since`` (None: all), oldest first."""
        sql = "SELECT item_id, posted_at, signature FROM item_signatures WHERE length(signature) > 0"
        params: tuple[Any, ...] = ()
        if since is not None:
            sql += " AND (posted_at IS NULL OR posted_at >= ?)"
            params = (codec.iso(since),)
        for row in self._all(sql + " ORDER BY item_id", params):
            yield int(row["item_id"]), codec.parse_time(row["posted_at"]), bytes(row["signature"])

    def near_duplicates(self, item_id: int) -> list[tuple[int, float]]:
        """Items nearly the same as this one (earlier and later), most similar first."""
        rows = self._all(
            "SELECT other_id AS id, similarity FROM near_duplicates WHERE item_id = ? "
            "UNION SELECT item_id AS id, similarity FROM near_duplicates WHERE other_id = ?",
            (item_id, item_id),
        )
        pairs = [(int(r["id"]), float(r["similarity"])) for r in rows]
        return sorted(pairs, key=lambda p: (-p[1], p[0]))

    def event_for_item(self, item_id: int) -> Topic | None:
        """The topic the item belongs to, or None (not related yet)."""
        row = self._one(
            "SELECT t.* FROM topics t JOIN topic_items ti ON ti.topic_id = t.id WHERE ti.item_id = ?", (item_id,)
        )
        return None if row is None else _topic(row)

    def get_topic(self, topic_id: int) -> Topic | None:
        row = self._one("SELECT * FROM topics WHERE id = ?", (topic_id,))
        return None if row is None else _topic(row)

    def topic_items(self, topic_id: int) -> list[int]:
        """The items of a topic, in posting order."""
        rows = self._all(
            "SELECT ti.item_id FROM topic_items ti JOIN items i ON i.id = ti.item_id "
            "WHERE ti.topic_id = ? ORDER BY i.posted_at, i.id",
            (topic_id,),
        )
        return [int(r["item_id"]) for r in rows]

    def topic_members(self, topic_id: int, limit: int = 200) -> list[tuple[int, datetime | None, str]]:
        """(item_id, posted or fetched time, lead unit of its case or '') of a topic's newest items, oldest first:
        what a hot-topic list needs, in one query."""
        rows = self._all(
            "SELECT i.id, COALESCE(i.posted_at, i.fetched_at) AS at, COALESCE(c.lead_unit, '') AS lead "
            "FROM topic_items ti JOIN items i ON i.id = ti.item_id LEFT JOIN cases c ON c.item_id = i.id "
            "WHERE ti.topic_id = ? ORDER BY at DESC, i.id DESC LIMIT ?",
            (topic_id, limit),
        )
        return [(int(r["id"]), codec.parse_time(r["at"]), r["lead"]) for r in reversed(rows)]

    def hot_topics(self, limit: int = 10, min_items: int = 2, since: datetime | None = None) -> list[Topic]:
        """The hottest topics with at least ``min_items`` items (last seen since ``since``), hottest first."""
        sql = "SELECT * FROM topics WHERE size >= ?"
        params: list[Any] = [min_items]
        if since is not None:
            sql += " AND last_seen >= ?"
            params.append(codec.iso(since))
        rows = self._all(sql + " ORDER BY heat DESC, id LIMIT ?", (*params, limit))
        return [_topic(r) for r in rows]

    def topic_history(self, since: datetime) -> list[tuple[int, Item, float]]:
        """(topic_id, item, engagement) of every item in topics last seen since ``since``, in posting order:
        what the relate step needs to carry on grouping after a restart."""
        rows = self._all(
            "SELECT i.*, ti.topic_id AS rel_topic_id, ti.engagement AS rel_engagement FROM topic_items ti "
            "JOIN topics t ON t.id = ti.topic_id JOIN items i ON i.id = ti.item_id "
            "WHERE t.last_seen >= ? ORDER BY i.posted_at, i.id",
            (codec.iso(since),),
        )
        return [(int(r["rel_topic_id"]), codec.item_from_row(r), float(r["rel_engagement"])) for r in rows]

    def last_topic_id(self) -> int:
        row = self._one("SELECT MAX(id) AS n FROM topics")
        return int(row["n"]) if row is not None and row["n"] is not None else 0


def _topic(row: Any) -> Topic:
    return Topic(
        id=int(row["id"]),
        title=row["title"],
        terms=tuple(codec.loads(row["terms_json"]) or ()),
        first_seen=codec.parse_time(row["first_seen"]),
        last_seen=codec.parse_time(row["last_seen"]),
        size=int(row["size"]),
        heat=float(row["heat"]),
        heat_at=codec.parse_time(row["heat_at"]),
    )
