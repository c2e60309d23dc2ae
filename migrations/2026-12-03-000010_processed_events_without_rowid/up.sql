-- processed_events is only ever read by its key: stored WITHOUT ROWID, an install event writes
-- one B-tree (the table, ordered by the key) instead of two (a rowid table and the index of its
-- primary key).
CREATE TABLE processed_events_by_key (
    idempotency_key  TEXT NOT NULL,
    fingerprint      TEXT NOT NULL,
    installed_app_id TEXT NOT NULL,
    kind             TEXT NOT NULL CHECK (kind IN ('install', 'uninstall')),
    received_at      BIGINT NOT NULL,
    PRIMARY KEY (idempotency_key, fingerprint)
) WITHOUT ROWID;
INSERT INTO processed_events_by_key
SELECT idempotency_key, fingerprint, installed_app_id, kind, received_at FROM processed_events;
DROP TABLE processed_events;
ALTER TABLE processed_events_by_key RENAME TO processed_events;
