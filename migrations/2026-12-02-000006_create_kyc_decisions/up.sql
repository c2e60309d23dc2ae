-- Decisions, hit reviews, the write-back outbox and the alerts raised (spec §3 "Decisions",
-- "Write-back to Blnk").

-- The case on each index row: an optimistic-concurrency version bumped by every decision and
-- hit review, the pending four-eyes proposal, and what the last decision was made on.
ALTER TABLE kyc_identities ADD COLUMN case_version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE kyc_identities ADD COLUMN pending_json TEXT;
ALTER TABLE kyc_identities ADD COLUMN decided_hash TEXT;
ALTER TABLE kyc_identities ADD COLUMN decided_by TEXT;
ALTER TABLE kyc_identities ADD COLUMN decision_id TEXT;

-- Every accepted decision (the dashboard counts them per reviewer and per day).
CREATE TABLE kyc_decisions (
    decision_id TEXT PRIMARY KEY NOT NULL,
    installed_app_id TEXT NOT NULL REFERENCES installs(installed_app_id),
    identity_id TEXT NOT NULL,
    action TEXT NOT NULL,
    from_status TEXT NOT NULL,
    to_status TEXT NOT NULL,
    reviewer TEXT,
    reason_code TEXT,
    note TEXT NOT NULL DEFAULT '',
    four_eyes TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    risk_score INTEGER NOT NULL,
    risk_band TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX kyc_decisions_identity ON kyc_decisions (installed_app_id, identity_id, at);
CREATE INDEX kyc_decisions_at ON kyc_decisions (installed_app_id, at);

-- Confirmed or dismissed screening hits, per identity and list entry. A review applies only
-- while the hash of the compared fields (both sides) is unchanged.
CREATE TABLE kyc_hit_reviews (
    installed_app_id TEXT NOT NULL REFERENCES installs(installed_app_id),
    identity_id TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    fields_hash TEXT NOT NULL,
    verdict TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    reviewer TEXT,
    at BIGINT NOT NULL,
    PRIMARY KEY (installed_app_id, identity_id, entity_id)
);

-- Writes to Blnk Cloud, recorded in the transaction of the change that causes them and
-- delivered in order per identity by the background worker.
CREATE TABLE kyc_outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    installed_app_id TEXT NOT NULL REFERENCES installs(installed_app_id),
    identity_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    reference TEXT NOT NULL UNIQUE,
    state TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    last_error TEXT,
    result TEXT,
    created_at BIGINT NOT NULL,
    delivered_at BIGINT
);
CREATE INDEX kyc_outbox_due ON kyc_outbox (state, next_attempt_at);
CREATE INDEX kyc_outbox_identity ON kyc_outbox (installed_app_id, identity_id, id);

-- Alerts raised in Cloud, with the anomaly id Cloud gave them.
CREATE TABLE kyc_alerts (
    installed_app_id TEXT NOT NULL REFERENCES installs(installed_app_id),
    anomaly_id TEXT NOT NULL,
    identity_id TEXT NOT NULL,
    title TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'open',
    created_at BIGINT NOT NULL,
    resolved_at BIGINT,
    PRIMARY KEY (installed_app_id, anomaly_id)
);
CREATE INDEX kyc_alerts_identity ON kyc_alerts (installed_app_id, identity_id, state);

-- The backlog (cases needing attention) at the end of each day with activity, for the chart.
CREATE TABLE kyc_backlog_daily (
    installed_app_id TEXT NOT NULL REFERENCES installs(installed_app_id),
    day TEXT NOT NULL,
    backlog BIGINT NOT NULL,
    PRIMARY KEY (installed_app_id, day)
);
-- The oldest unreviewed case, without a scan.
CREATE INDEX kyc_identities_age ON kyc_identities (installed_app_id, status, first_seen_at);
