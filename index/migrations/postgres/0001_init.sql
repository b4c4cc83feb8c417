-- Items as published, their classification, cases, the append-only event log, units, users and
-- crawl state. Times are ISO 8601 text with +08:00, so text order is time order.

CREATE TABLE items (
    id            BIGSERIAL PRIMARY KEY,
    source        TEXT NOT NULL,
    platform      TEXT NOT NULL,
    url           TEXT NOT NULL,
    external_id   TEXT NOT NULL,
    title         TEXT NOT NULL,
    body          TEXT NOT NULL,
    author        TEXT NOT NULL DEFAULT '',
    posted_at     TEXT,
    fetched_at    TEXT,
    content_hash  TEXT NOT NULL,
    reply_count   INTEGER,
    view_count    INTEGER,
    kind          TEXT NOT NULL DEFAULT '',
    replies_json  TEXT NOT NULL DEFAULT '[]',
    extra_json    TEXT NOT NULL DEFAULT '{}',
    UNIQUE (source, external_id)
);
CREATE INDEX items_hash ON items (content_hash);
CREATE INDEX items_posted ON items (posted_at);

-- Another id under which the same text was published (a repost, a rewritten URL).
CREATE TABLE item_aliases (
    source       TEXT NOT NULL,
    external_id  TEXT NOT NULL,
    item_id      BIGINT NOT NULL REFERENCES items (id),
    url          TEXT NOT NULL DEFAULT '',
    seen_at      TEXT NOT NULL,
    PRIMARY KEY (source, external_id)
);

-- Counts seen on each visit: the spread signal urgency needs.
CREATE TABLE item_observations (
    item_id      BIGINT NOT NULL REFERENCES items (id),
    observed_at  TEXT NOT NULL,
    reply_count  INTEGER,
    view_count   INTEGER
);
CREATE INDEX item_observations_item ON item_observations (item_id, observed_at);

CREATE TABLE classifications (
    item_id        BIGINT PRIMARY KEY REFERENCES items (id),
    domain         TEXT NOT NULL,
    lead_unit      TEXT NOT NULL,
    co_units_json  TEXT NOT NULL DEFAULT '[]',
    urgency        TEXT NOT NULL,
    kind           TEXT NOT NULL,
    confidences_json TEXT NOT NULL DEFAULT '{}',
    model_version  TEXT NOT NULL,
    reasons_json   TEXT NOT NULL DEFAULT '[]',
    sentiment      TEXT NOT NULL DEFAULT '',
    place          TEXT NOT NULL DEFAULT '',
    keywords_json  TEXT NOT NULL DEFAULT '[]',
    needs_triage   INTEGER NOT NULL DEFAULT 0,
    classified_at  TEXT
);

CREATE TABLE cases (
    id               BIGSERIAL PRIMARY KEY,
    item_id          BIGINT NOT NULL UNIQUE REFERENCES items (id),
    status           TEXT NOT NULL,
    lead_unit        TEXT NOT NULL,
    co_units_json    TEXT NOT NULL DEFAULT '[]',
    urgency          TEXT NOT NULL,
    kind             TEXT NOT NULL,
    received_at      TEXT NOT NULL,
    deadline         TEXT NOT NULL,
    ack_deadline     TEXT NOT NULL,
    assigned_at      TEXT,
    acknowledged_at  TEXT,
    replied_at       TEXT,
    reviewed_at      TEXT,
    closed_at        TEXT,
    returned_at      TEXT,
    original_deadline TEXT,
    reply_text       TEXT NOT NULL DEFAULT '',
    reply_draft      TEXT NOT NULL DEFAULT '',
    deadline_note    TEXT NOT NULL DEFAULT '',
    return_reason    TEXT NOT NULL DEFAULT '',
    return_count     INTEGER NOT NULL DEFAULT 0,
    extension_count  INTEGER NOT NULL DEFAULT 0,
    extension_requested_until TEXT,
    extension_reason TEXT NOT NULL DEFAULT '',
    redo_count       INTEGER NOT NULL DEFAULT 0,
    merged_count     INTEGER NOT NULL DEFAULT 0,
    merged_into      BIGINT REFERENCES cases (id),
    supervised       INTEGER NOT NULL DEFAULT 0,
    reminder_level   REAL NOT NULL DEFAULT 0,
    satisfaction     TEXT NOT NULL DEFAULT '',
    referred_to      TEXT NOT NULL DEFAULT '',
    public_response  TEXT NOT NULL DEFAULT '',
    public_response_at TEXT,
    version          INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX cases_status ON cases (status);
CREATE INDEX cases_lead ON cases (lead_unit, status);
CREATE INDEX cases_deadline ON cases (deadline);
CREATE INDEX cases_received ON cases (received_at);

-- Which units a case involves (lead and co-handling), for the per-unit inbox.
CREATE TABLE case_units (
    case_id          BIGINT NOT NULL REFERENCES cases (id),
    unit_id          TEXT NOT NULL,
    role             TEXT NOT NULL,
    assigned_at      TEXT,
    acknowledged_at  TEXT,
    replied_at       TEXT,
    reply_text       TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (case_id, unit_id)
);
CREATE INDEX case_units_unit ON case_units (unit_id);

-- The append-only history. Triggers below refuse UPDATE and DELETE.
CREATE TABLE events (
    id           BIGSERIAL PRIMARY KEY,
    case_id      BIGINT NOT NULL REFERENCES cases (id),
    actor        TEXT NOT NULL,
    action       TEXT NOT NULL,
    at           TEXT NOT NULL,
    before_json  TEXT NOT NULL DEFAULT '{}',
    after_json   TEXT NOT NULL DEFAULT '{}',
    reason       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX events_case ON events (case_id, id);

CREATE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'the event log is append-only'; END; $$;
CREATE TRIGGER events_no_update BEFORE UPDATE OR DELETE ON events
FOR EACH ROW EXECUTE FUNCTION events_append_only();
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
FOR EACH STATEMENT EXECUTE FUNCTION events_append_only();

-- Messages about events, each with its own delivery state per recipient (the outbox).
CREATE TABLE notifications (
    id               BIGSERIAL PRIMARY KEY,
    case_id          BIGINT NOT NULL REFERENCES cases (id),
    event_id         BIGINT NOT NULL,
    channel          TEXT NOT NULL,
    recipient        TEXT NOT NULL,
    unit_id          TEXT NOT NULL DEFAULT '',
    subject          TEXT NOT NULL,
    body             TEXT NOT NULL,
    status           TEXT NOT NULL DEFAULT 'pending',
    attempts         INTEGER NOT NULL DEFAULT 0,
    last_error       TEXT NOT NULL DEFAULT '',
    created_at       TEXT,
    next_attempt_at  TEXT,
    sent_at          TEXT,
    UNIQUE (event_id, channel, recipient)
);
CREATE INDEX notifications_due ON notifications (status, next_attempt_at);

CREATE TABLE units (
    id    TEXT PRIMARY KEY,
    name  TEXT NOT NULL,
    role  TEXT NOT NULL,
    note  TEXT NOT NULL DEFAULT '',
    position INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE users (
    username       TEXT PRIMARY KEY,
    display_name   TEXT NOT NULL,
    role           TEXT NOT NULL,
    unit_id        TEXT NOT NULL DEFAULT '',
    password_hash  TEXT NOT NULL DEFAULT '',
    active         INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE state (
    scope  TEXT NOT NULL,
    key    TEXT NOT NULL,
    value  TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (scope, key)
);

-- Full-text search: each Chinese run stored as its overlapping character bigrams (index/cjk.py),
-- matched as phrases with the 'simple' configuration; the title weighs more than the body.
CREATE TABLE item_search (
    item_id   BIGINT PRIMARY KEY REFERENCES items (id),
    title_bi  TEXT NOT NULL,
    body_bi   TEXT NOT NULL,
    tsv       tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('simple', title_bi), 'A') || setweight(to_tsvector('simple', body_bi), 'B')
    ) STORED
);
CREATE INDEX item_search_tsv ON item_search USING GIN (tsv);
