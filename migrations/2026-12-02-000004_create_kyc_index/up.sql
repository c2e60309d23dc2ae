-- The local index of each install's identities (spec §3): review fields, the identity as last
-- read from Cloud, its content hash, and the latest automated assessment.
CREATE TABLE kyc_identities (
    installed_app_id TEXT NOT NULL REFERENCES installs(installed_app_id),
    identity_id TEXT NOT NULL,
    display_name TEXT NOT NULL,
    identity_kind TEXT NOT NULL,
    email TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    country TEXT NOT NULL DEFAULT '',
    body TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'unreviewed',
    risk_score INTEGER NOT NULL DEFAULT 0,
    risk_band TEXT NOT NULL DEFAULT 'low',
    findings_count INTEGER NOT NULL DEFAULT 0,
    hits_count INTEGER NOT NULL DEFAULT 0,
    assessment TEXT,
    assessed_key TEXT,
    last_decision TEXT,
    decided_at BIGINT,
    review_due_at BIGINT,
    first_seen_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    refreshed_at BIGINT NOT NULL,
    PRIMARY KEY (installed_app_id, identity_id)
);
-- Queue indexes: each covers a filter or walks a sort order so a page stops after 50 rows.
CREATE INDEX kyc_identities_status ON kyc_identities (installed_app_id, status, review_due_at);
CREATE INDEX kyc_identities_rank ON kyc_identities (installed_app_id, risk_score DESC, display_name);
CREATE INDEX kyc_identities_name ON kyc_identities (installed_app_id, display_name);
CREATE INDEX kyc_identities_country ON kyc_identities (installed_app_id, country);

-- Background jobs per install (sync from Cloud, screen all), with progress; a job left
-- `running` by a stopped process is resumed at startup from `next_page`.
CREATE TABLE kyc_jobs (
    installed_app_id TEXT NOT NULL REFERENCES installs(installed_app_id),
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    done BIGINT NOT NULL DEFAULT 0,
    total BIGINT NOT NULL DEFAULT 0,
    next_page BIGINT NOT NULL DEFAULT 1,
    started_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    finished_at BIGINT,
    error TEXT,
    PRIMARY KEY (installed_app_id, kind)
);

-- Status changes of each identity (decisions add to it).
CREATE TABLE kyc_status_history (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    installed_app_id TEXT NOT NULL REFERENCES installs(installed_app_id),
    identity_id TEXT NOT NULL,
    from_status TEXT,
    to_status TEXT NOT NULL,
    actor TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    at BIGINT NOT NULL
);
CREATE INDEX kyc_status_history_identity ON kyc_status_history (installed_app_id, identity_id);
