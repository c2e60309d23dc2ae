-- The audit log (spec §3): append-only, one hash chain per install (see src/kyc/audit.rs).
CREATE TABLE kyc_audit (
    installed_app_id TEXT NOT NULL REFERENCES installs(installed_app_id),
    seq BIGINT NOT NULL,
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    kind TEXT NOT NULL,
    identity_id TEXT,
    before_json TEXT,
    after_json TEXT,
    detail TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (installed_app_id, seq)
);
CREATE INDEX kyc_audit_identity ON kyc_audit (installed_app_id, identity_id);

-- Append-only: the app never updates or deletes an event; the chain shows any edit made around it.
CREATE TRIGGER kyc_audit_no_update BEFORE UPDATE ON kyc_audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER kyc_audit_no_delete BEFORE DELETE ON kyc_audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
