"""Full-text Chinese search and the board's counts, answered by the SQL database itself.

Each backend keeps a bigram copy of every title and body (see ``index.cjk`` for why): SQLite in
an FTS5 table, PostgreSQL in a ``tsvector`` column. The query is split into words by the
segmenter the store was given, every word must occur as a substring, and results are ranked with
the title weighted higher. Filters and counts are the same SQL on both.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from index import codec
from index.cjk import match_expression
from index.errors import StorageError
from index.records import SearchHit, SearchResult
from index.store import SearchFilter, Tokenizer

SNIPPET_CHARS = 80

DIMENSIONS = {
    "unit": "COALESCE(c.lead_unit, cl.lead_unit, '')",
    "urgency": "COALESCE(c.urgency, cl.urgency, '')",
    "source": "i.source",
    "status": "COALESCE(c.status, '')",
    "domain": "COALESCE(cl.domain, '')",
    "day": "substr(i.posted_at, 1, 10)",
    "place": "COALESCE(cl.place, '')",
}
"""The dimensions ``counts_by`` can group on, and the expression each one groups by."""


def make_snippet(text: str, terms: tuple[str, ...], width: int = SNIPPET_CHARS) -> str:
    """The part of ``text`` around the first matching term, so the reader sees why it matched."""
    positions = [p for p in (text.find(t) for t in terms if t) if p >= 0]
    if not positions:
        return text[:width] + ("…" if len(text) > width else "")
    start = max(0, min(positions) - width // 4)
    end = start + width
    return ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")


def query_terms(tokenizer: Tokenizer, query: str) -> tuple[str, ...]:
    """The words a query is looked up by, after segmentation; blank words are dropped."""
    seen: dict[str, None] = {}
    for word in tokenizer(query):
        word = word.strip()
        if word:
            seen.setdefault(word, None)
    return tuple(seen)


class SqlSearch:
    """Mixed into a SQL store: search and counts over the same connection.

    A backend provides ``_match`` (how its full-text copy is joined, matched and scored).
    """

    tokenizer: Tokenizer
    url: str

    if TYPE_CHECKING:  # provided by SqlStore, which every SQL backend also is
        def count_items(self) -> int: ...
        def _safe_url(self) -> str: ...

    def _all(self, sql: str, params: Any = ()) -> list[Any]:
        raise NotImplementedError

    def _match(self, expression_words: list[str]) -> tuple[str, str, list[Any], str, list[Any]]:
        """(FROM-clause joining the text copy to ``items i``, WHERE condition, its params,
        score expression where lower is better, its params)."""
        raise NotImplementedError

    def query_terms(self, query: str) -> tuple[str, ...]:
        return query_terms(self.tokenizer, query)

    @staticmethod
    def _filter_sql(flt: SearchFilter | None) -> tuple[str, list[Any]]:
        if flt is None:
            return "", []
        clauses: list[str] = []
        params: list[Any] = []
        pairs = (
            ("i.source", flt.sources),
            ("COALESCE(c.lead_unit, cl.lead_unit)", flt.units),
            ("COALESCE(c.urgency, cl.urgency)", flt.urgencies),
            ("c.status", flt.statuses),
        )
        for column, values in pairs:
            if values:
                clauses.append(f"{column} IN ({', '.join('?' for _ in values)})")
                params.extend(values)
        if flt.posted_from is not None:
            clauses.append("i.posted_at >= ?")
            params.append(codec.iso(flt.posted_from))
        if flt.posted_to is not None:
            clauses.append("i.posted_at < ?")
            params.append(codec.iso(flt.posted_to))
        place = flt.extra.get("place")
        if place:
            clauses.append("cl.place = ?")
            params.append(place)
        return "".join(f" AND {c}" for c in clauses), params

    def search(self, query: str, flt: SearchFilter | None = None, limit: int = 20, offset: int = 0) -> SearchResult:
        terms = self.query_terms(query)
        if not match_expression(list(terms)):
            return SearchResult(total=0, hits=(), terms=())
        source, condition, match_params, score, score_params = self._match(list(terms))
        where, params = self._filter_sql(flt)
        base = f"""FROM {source}
                  LEFT JOIN classifications cl ON cl.item_id = i.id
                  LEFT JOIN cases c ON c.item_id = i.id
                  WHERE {condition} {where}"""
        total_row = self._all(f"SELECT COUNT(*) AS n {base}", (*match_params, *params))
        rows = self._all(
            f"""SELECT i.id, i.title, i.body, i.source, i.posted_at,
                       COALESCE(c.lead_unit, cl.lead_unit, '') AS lead_unit,
                       COALESCE(c.urgency, cl.urgency, '') AS urgency,
                       COALESCE(c.status, '') AS status, c.id AS case_id,
                       {score} AS score
                {base} ORDER BY score, i.posted_at DESC LIMIT ? OFFSET ?""",
            (*score_params, *match_params, *params, limit, offset),
        )
        hits = tuple(
            SearchHit(
                item_id=r["id"], title=r["title"], snippet=make_snippet(r["body"], terms),
                source=r["source"], posted_at=codec.parse_time(r["posted_at"]), lead_unit=r["lead_unit"],
                urgency=r["urgency"], status=r["status"], case_id=r["case_id"], score=-float(r["score"]),
            )
            for r in rows
        )
        return SearchResult(total=int(total_row[0]["n"]), hits=hits, terms=terms)

    def counts_by(self, dimension: str, flt: SearchFilter | None = None) -> dict[str, int]:
        expr = DIMENSIONS.get(dimension)
        if expr is None:
            raise ValueError(f"cannot count by {dimension!r}; use one of {sorted(DIMENSIONS)}")
        where, params = self._filter_sql(flt)
        rows = self._all(
            f"""SELECT {expr} AS k, COUNT(*) AS n FROM items i
                LEFT JOIN classifications cl ON cl.item_id = i.id
                LEFT JOIN cases c ON c.item_id = i.id
                WHERE 1 = 1 {where} GROUP BY k ORDER BY n DESC, k""",
            params,
        )
        return {str(r["k"] or ""): int(r["n"]) for r in rows}

    def health(self) -> dict[str, Any]:
        """The same shape as ``EsSearchIndex.health`` for the board's system page: here the search
        is the record store itself, so it is as reachable as the database and never lags."""
        backend = "postgresql" if self.url.startswith("postgres") else "sqlite"
        out: dict[str, Any] = {"backend": backend, "url": self._safe_url(), "reachable": False, "documents": None,
                               "size_bytes": None, "outbox": None, "rebuild": None, "error": ""}
        try:
            out["documents"] = self.count_items()
            out["reachable"] = True
        except StorageError as exc:
            out["error"] = str(exc)
        return out
