DROP INDEX kyc_identities_name;
CREATE INDEX kyc_identities_name ON kyc_identities (installed_app_id, display_name, identity_id,
    status, review_due_at);
