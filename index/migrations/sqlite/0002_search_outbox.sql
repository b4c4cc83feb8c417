-- The search outbox: which items the search cluster (Elasticsearch) has not seen in their latest
-- state. Every change to an item, its classification or its case upserts the item's row in the
-- same transaction as the change, with a new version from a counter that only grows; the indexer
-- deletes a row (by item and version) only after the cluster acknowledged that version. Rows are
-- written only once a search cluster is attached (state search/outbox), so an installation that
-- searches with SQL keeps no queue. attempts/last_error count the cluster's refusals of an item.
CREATE TABLE search_outbox (
    item_id     INTEGER PRIMARY KEY,
    version     INTEGER NOT NULL,
    queued_at   TEXT NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX search_outbox_next ON search_outbox (attempts, queued_at);

-- SQLite has no sequences: one row holds the last version handed out (writers are serialised).
CREATE TABLE search_outbox_seq (
    id     INTEGER PRIMARY KEY CHECK (id = 1),
    value  INTEGER NOT NULL
);
INSERT INTO search_outbox_seq (id, value) VALUES (1, 0);
