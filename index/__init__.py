"""Storage and search: the system of record (SQLite by default) and full-text search over it.

Search is answered by the record store itself (SQLite FTS5, PostgreSQL tsvector) or, at scale, by
Elasticsearch fed from the record store's outbox (``es_store``, ``outbox``, ``sql_outbox``);
``store.open_search`` chooses by URL. Imports nothing from the other layers; the segmenter it
needs is passed in by the caller.
"""
