-- Related items, found after intake (crawlers/relate.py): near-duplicates (并单 candidates) and
-- topics (events / hot topics: items about one matter, with a heat that decays).
-- A MinHash signature per item, so the near-duplicate index is rebuilt at start-up without
-- re-reading and re-cutting the texts.
CREATE TABLE item_signatures (
    item_id    INTEGER PRIMARY KEY,
    posted_at  TEXT,
    signature  BLOB NOT NULL
);
CREATE INDEX item_signatures_posted ON item_signatures (posted_at);

-- item_id is the later item, other_id an earlier one nearly the same; read in both directions.
CREATE TABLE near_duplicates (
    item_id     INTEGER NOT NULL,
    other_id    INTEGER NOT NULL,
    similarity  REAL NOT NULL,
    PRIMARY KEY (item_id, other_id)
);
CREATE INDEX near_duplicates_other ON near_duplicates (other_id);

-- Topic ids are given by the relate step (one writer), so a restart continues the numbering.
CREATE TABLE topics (
    id          INTEGER PRIMARY KEY,
    title       TEXT NOT NULL,
    terms_json  TEXT NOT NULL DEFAULT '[]',
    first_seen  TEXT,
    last_seen   TEXT,
    size        INTEGER NOT NULL DEFAULT 0,
    heat        REAL NOT NULL DEFAULT 0,
    heat_at     TEXT
);
CREATE INDEX topics_heat ON topics (heat);
CREATE INDEX topics_last_seen ON topics (last_seen);

CREATE TABLE topic_items (
    item_id     INTEGER PRIMARY KEY,
    topic_id    INTEGER NOT NULL,
    similarity  REAL NOT NULL,
    engagement  REAL NOT NULL DEFAULT 1
);
CREATE INDEX topic_items_topic ON topic_items (topic_id);
