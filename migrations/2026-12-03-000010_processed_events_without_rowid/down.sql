CREATE TABLE processed_events_rowid (
    idempotency_key  TEXT NOT NULL,
    fingerprint      TEXT NOT NULL,
    installed_app_id TEXT NOT NULL,
    kind             TEXT NOT NULL CHECK (kind IN ('install', 'uninstall')),
    received_at      BIGINT NOT NULL,
    PRIMARY KEY (idempotency_key, fingerprint)
);
INSERT INTO processed_events_rowid
SELECT idempotency_key, fingerprint, installed_app_id, kind, received_at FROM processed_events;
DROP TABLE processed_events;
ALTER TABLE processed_events_rowid RENAME TO processed_events;
