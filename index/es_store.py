"""Search and the board's counts on Elasticsearch, fed from the record store's outbox.

The record store (SQLite or PostgreSQL) stays the system of record; this index is a copy that
can be rebuilt from it at any time (``huiying index rebuild``). Every change reaches it through
the outbox (``index.sql_outbox``, drained by ``index.outbox``); before answering, a search drains
what is waiting (a bounded amount, refreshing the touched indices), so the board sees its own
changes at once. When the cluster cannot be reached, ``SearchUnavailable`` says so and nothing is
lost: the rows wait in the outbox (see ``index.search_fallback`` for answering from SQL meanwhile).

Search semantics match the SQL backends (the contract tests run on all of them): every query word
must occur in the title or the body as a substring — for ES, a phrase of CJK bigrams on the
``title``/``body`` fields (``multi_match`` of type ``phrase``, title weighted 3), or for a lone
character any bigram starting with it (``prefix``), built from the same ``index.cjk.match_terms``
as SQL. The jieba words (``*_words``) only add to the score. Ties go to the newest item.

Operations: :meth:`EsSearchIndex.health` reports reachability, cluster status, document count,
index size, the outbox lag (rows waiting, age of the oldest, refused rows and the last refusal)
and a running or unfinished rebuild — for the board's system page and ``huiying index health``.

One record store feeds one set of indices (one URL prefix). Documents carry the outbox version,
which only grows; after restoring the record store from a backup (its versions go back), run
``huiying index rebuild`` so that new changes are not taken for old ones.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from index import codec
from index.cjk import match_terms
from index.errors import SearchRejected, SearchUnavailable, UnsupportedStoreURL
from index.es_mapping import MAPPING_VERSION, EsLayout, document
from index.records import SearchHit, SearchResult
from index.sql_outbox import SEARCH_SCOPE, SearchSource
from index.sql_search import DIMENSIONS, SNIPPET_CHARS, make_snippet, query_terms
from index.store import SearchFilter, Tokenizer

log = logging.getLogger(__name__)

MAX_WINDOW = 10_000
"""Elasticsearch pages through at most this many hits (``index.max_result_window``)."""

HIGHLIGHT_MAX_CHARS = 100_000
"""Only this much of a body is scanned for the snippet; longer bodies are still found."""

BULK_TIMEOUT_S = 120.0
"""A bulk request of a thousand long documents may take a while on a busy node."""

REBUILD_STALE_S = 600
"""A rebuild that has not reported progress for this long is taken as dead."""

_FIELDS = {dim: dim for dim in DIMENSIONS}
"""``counts_by`` dimensions: each is a keyword field of the same name in the document."""


@dataclass(frozen=True)
class EsOptions:
    """What an installation may tune; defaults suit one county on a single node."""

    word_analyzer: str = "whitespace"
    cjk_analyzer: str = "huiying_cjk"
    replicas: int = 0
    shards: int = 1
    timeout_s: float = 10.0
    """Per request; a bulk request may take ``BULK_TIMEOUT_S``. A board waits at most this long
    (no retry after a timeout) before answering from the database."""
    catch_up: int = 2000
    """Outbox rows a search indexes before answering (read-your-writes); 0 turns it off."""
    batch: int = 500


def parse_search_url(url: str) -> tuple[str, str, tuple[str, str] | None]:
    """``http://[user:password@]host:9200[/prefix]`` → (base URL, index prefix, basic auth)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsupportedStoreURL(f"not an Elasticsearch URL: {url!r}; use http://host:9200 or http://host:9200/prefix")
    port = f":{parts.port}" if parts.port else ""
    base = f"{parts.scheme}://{parts.hostname}{port}"
    prefix = parts.path.strip("/") or "huiying"
    auth = (parts.username, parts.password or "") if parts.username else None
    return base, prefix, auth


class EsSearchIndex:
    """``SearchIndex`` on Elasticsearch: search, counts, bulk indexing, health."""

    backend = "elasticsearch"

    def __init__(self, url: str, records: Any, tokenizer: Tokenizer, options: EsOptions | None = None) -> None:
        from elasticsearch import Elasticsearch

        from index.outbox import OutboxIndexer

        self.options = options or EsOptions()
        base, prefix, auth = parse_search_url(url)
        self.url = url
        self.safe_url = f"{base}/{prefix}"
        self.layout = EsLayout(prefix=prefix, word_analyzer=self.options.word_analyzer,
                               cjk_analyzer=self.options.cjk_analyzer, shards=self.options.shards,
                               replicas=self.options.replicas)
        self.records = records
        self.tokenizer = tokenizer
        self.client = Elasticsearch(
            base, basic_auth=auth, request_timeout=self.options.timeout_s, max_retries=2,
            retry_on_timeout=False, retry_on_status=(429, 502, 503, 504),
        )
        self._template_ready = False
        self.indexer = OutboxIndexer(records, self, batch_size=self.options.batch)
        queued = records.enable_search_outbox()
        if queued:
            log.info("search outbox switched on; %d existing items queued for %s", queued, self.safe_url)

    def close(self) -> None:
        self.client.close()

    # -- talking to the cluster -------------------------------------------------------------

    @contextmanager
    def _calls(self, doing: str) -> Iterator[None]:
        """Turn the client's errors into ours, each saying what failed and what to do."""
        from elasticsearch import ApiError, TransportError

        try:
            yield
        except ApiError as exc:
            status = exc.meta.status
            reason = describe_api_error(exc)
            if status in (429, 502, 503, 504):
                raise SearchUnavailable(
                    f"Elasticsearch at {self.safe_url} is overloaded or not ready ({status}) while {doing}: {reason}; "
                    "changes wait in the outbox and are indexed when it recovers"
                ) from exc
            raise SearchRejected(f"Elasticsearch at {self.safe_url} refused {doing} ({status}): {reason}") from exc
        except TransportError as exc:
            raise SearchUnavailable(
                f"cannot reach Elasticsearch at {self.safe_url} while {doing}: {exc}; "
                "changes wait in the outbox and are indexed when it is back"
            ) from exc

    def ensure_template(self, refresh_interval: str = "1s", force: bool = False) -> None:
        """Install the index template (idempotent), once per process unless forced."""
        if self._template_ready and not force:
            return
        with self._calls("installing the index template"):
            self.client.indices.put_index_template(name=self.layout.template_name,
                                                   **self.layout.template(refresh_interval))
        self._template_ready = True

    def put_documents(self, batch: Sequence[tuple[SearchSource, int]],
                      refresh: bool | str = False) -> tuple[list[int], dict[int, str]]:
        """Bulk-index items under their outbox versions; returns (acknowledged ids, refused id → why).

        A version the cluster already holds a newer copy of counts as acknowledged: the newer
        change was indexed by someone else first (``external_gte`` versions never go back).
        """
        if not batch:
            return [], {}
        self.ensure_template()
        operations: list[dict[str, Any]] = []
        for src, version in batch:
            operations.append({"index": {"_index": self.layout.index_for(src.item.posted_at), "_id": str(src.item.id),
                                         "version": version, "version_type": "external_gte"}})
            operations.append(document(src, self.layout, self.tokenizer))
        with self._calls(f"indexing {len(batch)} items"):
            client = self.client.options(request_timeout=max(BULK_TIMEOUT_S, self.options.timeout_s))
            response = client.bulk(operations=operations, refresh=refresh)
        return split_bulk_response(response["items"])

    def delete_documents(self, item_ids: Sequence[int]) -> None:
        """Remove items that no longer exist in the record store."""
        if not item_ids:
            return
        with self._calls(f"deleting {len(item_ids)} items"):
            self.client.delete_by_query(index=self.layout.alias, query={"ids": {"values": [str(i) for i in item_ids]}},
                                        ignore_unavailable=True, allow_no_indices=True, conflicts="proceed",
                                        refresh=True)

    def refresh(self) -> None:
        """Make everything indexed so far searchable now."""
        with self._calls("refreshing"):
            self.client.indices.refresh(index=self.layout.alias, ignore_unavailable=True, allow_no_indices=True)

    def drop_indices(self) -> None:
        """Delete every index of this installation (a rebuild starts from nothing)."""
        with self._calls("deleting the old indices"):
            found = self.client.indices.get(index=self.layout.pattern, expand_wildcards="all", allow_no_indices=True)
            for name in found:
                self.client.indices.delete(index=name, ignore_unavailable=True)

    def finish_bulk_load(self) -> None:
        """After a rebuild: the normal refresh interval back on the template and every index, then refresh."""
        self.ensure_template(force=True)
        with self._calls("finishing the rebuild"):
            self.client.indices.put_settings(index=self.layout.pattern, settings={"index": {"refresh_interval": None}},
                                             allow_no_indices=True)
            self.client.indices.refresh(index=self.layout.pattern, allow_no_indices=True)

    # -- reading ----------------------------------------------------------------------------

    def _ready_to_read(self) -> None:
        """Refuse while a rebuild is running or unfinished; otherwise index what waits (bounded)."""
        entry = self.records.state_entry(SEARCH_SCOPE, "rebuild")
        if entry is not None:
            raise rebuild_unavailable(entry)
        if self.options.catch_up:
            self.indexer.drain(max_rows=self.options.catch_up, refresh="true", wait=False)

    def search(self, query: str, flt: SearchFilter | None = None, limit: int = 20, offset: int = 0) -> SearchResult:
        terms = query_terms(self.tokenizer, query)
        must = word_clauses(terms)
        if not must:
            return SearchResult(total=0, hits=(), terms=())
        if offset + limit > MAX_WINDOW:
            raise SearchRejected(f"cannot page past the first {MAX_WINDOW} hits; narrow the search with filters")
        self._ready_to_read()
        query_body: dict[str, Any] = {"bool": {"must": must, "filter": filter_clauses(flt)}}
        if self.layout.pre_segmented:
            query_body["bool"]["should"] = [{"match": {"title_words": {"query": " ".join(terms), "boost": 3}}},
                                            {"match": {"body_words": " ".join(terms)}}]
        with self._calls("searching"):
            response = self.client.search(
                index=self.layout.alias, query=query_body, from_=offset, size=limit, track_total_hits=True,
                sort=[{"_score": "desc"}, {"posted_at": {"order": "desc", "missing": "_last"}}, {"item_id": "asc"}],
                source_includes=["item_id", "title", "source", "posted_at", "unit", "urgency", "status", "case_id"],
                highlight={"fields": {"body": {"type": "unified", "fragment_size": SNIPPET_CHARS, "number_of_fragments": 1,
                                               "no_match_size": SNIPPET_CHARS}},
                           "pre_tags": [""], "post_tags": [""], "max_analyzed_offset": HIGHLIGHT_MAX_CHARS},
                ignore_unavailable=True, allow_no_indices=True,
            )
        hits = tuple(self._hit(h, terms) for h in response["hits"]["hits"])
        return SearchResult(total=int(response["hits"]["total"]["value"]), hits=hits, terms=terms)

    @staticmethod
    def _hit(raw: dict[str, Any], terms: tuple[str, ...]) -> SearchHit:
        src = raw["_source"]
        fragments = raw.get("highlight", {}).get("body") or [""]
        snippet = fragments[0].strip()
        if len(snippet) > 2 * SNIPPET_CHARS:
            snippet = make_snippet(snippet, terms)
        return SearchHit(
            item_id=int(src["item_id"]), title=src.get("title", ""), snippet=snippet, source=src.get("source", ""),
            posted_at=codec.parse_time(src.get("posted_at")), lead_unit=src.get("unit", ""),
            urgency=src.get("urgency", ""), status=src.get("status", ""), case_id=src.get("case_id"),
            score=float(raw.get("_score") or 0.0),
        )

    def counts_by(self, dimension: str, flt: SearchFilter | None = None) -> dict[str, int]:
        field = _FIELDS.get(dimension)
        if field is None:
            raise ValueError(f"cannot count by {dimension!r}; use one of {sorted(_FIELDS)}")
        self._ready_to_read()
        counts: dict[str, int] = {}
        after: dict[str, Any] | None = None
        while True:
            composite: dict[str, Any] = {"size": 1000, "sources": [{"k": {"terms": {"field": field, "missing_bucket": True}}}]}
            if after:
                composite["after"] = after
            with self._calls(f"counting by {dimension}"):
                response = self.client.search(
                    index=self.layout.alias, size=0, track_total_hits=False,
                    query={"bool": {"filter": filter_clauses(flt)}}, aggs={"k": {"composite": composite}},
                    ignore_unavailable=True, allow_no_indices=True,
                )
            agg = (response.get("aggregations") or {}).get("k") or {}
            for bucket in agg.get("buckets", []):
                key = str(bucket["key"]["k"] or "")
                counts[key] = counts.get(key, 0) + int(bucket["doc_count"])
            after = agg.get("after_key")
            if not after or len(agg.get("buckets", [])) < 1000:
                break
        return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))

    # -- operations -------------------------------------------------------------------------

    def health(self) -> dict[str, Any]:
        """Cluster reachable, status, documents, index size, outbox lag, rebuild; never raises for the cluster."""
        from elasticsearch import ApiError, TransportError

        entry = self.records.state_entry(SEARCH_SCOPE, "rebuild")
        out: dict[str, Any] = {
            "backend": self.backend, "url": self.safe_url, "alias": self.layout.alias, "reachable": False,
            "cluster_status": None, "version": None, "documents": None, "size_bytes": None, "indices": None,
            "mapping_current": None, "outbox": self.records.search_outbox_lag().as_dict(),
            "rebuild": rebuild_progress(entry) if entry else None, "indexer": dict(self.indexer.stats), "error": "",
        }
        template: Any = None
        try:
            info = self.client.info()
            cluster = self.client.cluster.health()
            stats = self.client.indices.stats(index=self.layout.pattern, metric="store")
            count = self.client.count(index=self.layout.alias, ignore_unavailable=True, allow_no_indices=True)
            template = self.client.indices.get_index_template(name=self.layout.template_name)
        except ApiError as exc:
            if exc.meta.status != 404:
                out["error"] = f"{exc.meta.status}: {describe_api_error(exc)}"
                return out
            template = None
        except TransportError as exc:
            out["error"] = f"cannot reach Elasticsearch at {self.safe_url}: {exc}"
            return out
        current: bool | None = None  # unknown until the template is installed (first write)
        for entry in (template.body if template is not None else {}).get("index_templates", []):
            current = (entry.get("index_template", {}).get("_meta") or {}).get("huiying_mapping") == MAPPING_VERSION
        out.update(reachable=True, cluster_status=cluster["status"], version=info["version"]["number"],
                   documents=int(count["count"]), size_bytes=int(stats["_all"].get("total", {}).get("store", {}).get("size_in_bytes", 0)),
                   indices=len(stats.get("indices", {})),
                   mapping_current=current)
        return out


# -- query building (pure functions, shared with tests) -------------------------------------


def word_clauses(terms: Sequence[str]) -> list[dict[str, Any]]:
    """One clause per query word: it must occur in the title or the body (see ``index.cjk``)."""
    clauses: list[dict[str, Any]] = []
    for term in match_terms(list(terms)):
        if term[0] == "*":
            clauses.append({"bool": {"should": [{"prefix": {"title": term[1]}}, {"prefix": {"body": term[1]}}],
                                     "minimum_should_match": 1}})
        else:
            text = term[0] + "".join(bigram[1:] for bigram in term[1:])
            clauses.append({"multi_match": {"query": text, "type": "phrase", "fields": ["title^3", "body"]}})
    return clauses


def filter_clauses(flt: SearchFilter | None) -> list[dict[str, Any]]:
    """The board's filters, as the SQL search applies them."""
    if flt is None:
        return []
    out: list[dict[str, Any]] = []
    for field, values in (("source", flt.sources), ("unit", flt.units), ("urgency", flt.urgencies),
                          ("status", flt.statuses)):
        if values:
            out.append({"terms": {field: list(values)}})
    span: dict[str, str] = {}
    if flt.posted_from is not None:
        span["gte"] = codec.iso(flt.posted_from) or ""
    if flt.posted_to is not None:
        span["lt"] = codec.iso(flt.posted_to) or ""
    if span:
        out.append({"range": {"posted_at": span}})
    place = flt.extra.get("place")
    if place:
        out.append({"term": {"place": place}})
    return out


def split_bulk_response(items: list[dict[str, Any]]) -> tuple[list[int], dict[int, str]]:
    ok: list[int] = []
    failed: dict[int, str] = {}
    for entry in items:
        action = next(iter(entry.values()))
        item_id = int(action["_id"])
        error = action.get("error")
        if not error or error.get("type") == "version_conflict_engine_exception":
            ok.append(item_id)
        else:
            failed[item_id] = f"{action.get('status')} {error.get('type')}: {error.get('reason')}"
    return ok, failed


def describe_api_error(exc: Any) -> str:
    """The cluster's own reason with its causes (``type: reason; caused by type: reason``)."""
    body = getattr(exc, "body", None)
    if not (isinstance(body, dict) and isinstance(body.get("error"), dict)):
        return str(getattr(exc, "message", exc))
    parts: list[str] = []
    err: Any = body["error"]
    while isinstance(err, dict) and len(parts) < 4:
        parts.append(f"{err.get('type')}: {err.get('reason')}")
        err = err.get("caused_by")
    return "; caused by ".join(parts)


def rebuild_progress(entry: tuple[str, str]) -> dict[str, Any]:
    """A running or unfinished rebuild as the health report shows it."""
    value, updated_at = entry
    try:
        info = json.loads(value)
    except ValueError:
        info = {"state": "running"}
    finished = info.get("state") != "running" or rebuild_is_stale(updated_at)
    return {**info, "updated_at": updated_at, "unfinished": finished}


def rebuild_is_stale(updated_at: str) -> bool:
    """No progress reported for ``REBUILD_STALE_S``: the rebuild has died."""
    from index.records import now_cst

    last = codec.parse_time(updated_at)
    return last is None or (now_cst() - last).total_seconds() > REBUILD_STALE_S


def rebuild_unavailable(entry: tuple[str, str]) -> SearchUnavailable:
    """Why searches cannot be answered from the cluster while a rebuild runs or after one failed."""
    progress = rebuild_progress(entry)
    if progress["unfinished"]:
        exc = SearchUnavailable(
            f"the last rebuild of the search index (started {progress.get('started_at')}) did not finish"
            + (f" ({progress['error']})" if progress.get("error") else "")
            + "; run `huiying index rebuild` again"
        )
        exc.zh = "搜索索引上次重建没有完成，以下结果来自数据库；请系统管理员重新运行 huiying index rebuild。"
        return exc
    exc = SearchUnavailable(
        f"the search index is being rebuilt ({progress.get('done', 0)} of {progress.get('total', '?')} items)"
    )
    exc.zh = "搜索索引正在重建，以下结果暂时来自数据库，重建完成后自动恢复。"
    return exc
