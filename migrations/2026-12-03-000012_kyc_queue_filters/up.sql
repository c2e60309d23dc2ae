-- Filtered queue views that read only their own rows (measured at 100,000 identities before:
-- 99 ms for band + country, 171 ms for the hits view, 242 ms for a search; each page counted
-- the view by reading every row of the install, then walked the risk order until 50 rows
-- matched).
--
-- Each index below walks the queue in one sort order, or one filter in the risk order, so a page
-- stops after its 50 rows. Each carries the status and review date (the default view's
-- condition) and the filter indexes carry the other filters' columns, so that a view's
-- condition, its count and the rows a late page skips are read from the index alone, whichever
-- index SQLite picks for a combination of filters.
DROP INDEX kyc_identities_rank;
CREATE INDEX kyc_identities_rank ON kyc_identities (installed_app_id, risk_score DESC,
    display_name, status, review_due_at);
CREATE INDEX kyc_identities_rank_asc ON kyc_identities (installed_app_id, risk_score,
    display_name, status, review_due_at);
DROP INDEX kyc_identities_name;
CREATE INDEX kyc_identities_name ON kyc_identities (installed_app_id, display_name, identity_id,
    status, review_due_at);
CREATE INDEX kyc_identities_newest ON kyc_identities (installed_app_id, first_seen_at DESC,
    identity_id, status, review_due_at);
CREATE INDEX kyc_identities_hits ON kyc_identities (installed_app_id, hits_count DESC,
    risk_score DESC, status, review_due_at, risk_band, country, findings_count);
DROP INDEX kyc_identities_country;
CREATE INDEX kyc_identities_country ON kyc_identities (installed_app_id, country, risk_score DESC,
    display_name, status, review_due_at, risk_band, hits_count, findings_count);
CREATE INDEX kyc_identities_band ON kyc_identities (installed_app_id, risk_band, risk_score DESC,
    display_name, status, review_due_at, country, hits_count, findings_count);
-- Data issues are a part of the identities: a partial index of that part.
CREATE INDEX kyc_identities_issues ON kyc_identities (installed_app_id, risk_score DESC,
    display_name, status, review_due_at, risk_band, country, hits_count, findings_count)
    WHERE findings_count > 0;

-- The queue's search (any part of the name, email or identity id, case-insensitive) through a
-- trigram full-text index of those three columns, kept by triggers. It refers to identities by
-- rowid; identities are never deleted, and an operator who runs VACUUM by hand (which may
-- renumber rowids) rebuilds it with: INSERT INTO kyc_search (kyc_search) VALUES ('rebuild');
CREATE VIRTUAL TABLE kyc_search USING fts5(
    display_name, email, identity_id,
    content = 'kyc_identities', content_rowid = 'rowid', tokenize = 'trigram', columnsize = 0
);
INSERT INTO kyc_search (kyc_search) VALUES ('rebuild');
CREATE TRIGGER kyc_search_insert AFTER INSERT ON kyc_identities BEGIN
    INSERT INTO kyc_search (rowid, display_name, email, identity_id)
        VALUES (NEW.rowid, NEW.display_name, NEW.email, NEW.identity_id);
END;
CREATE TRIGGER kyc_search_update AFTER UPDATE OF display_name, email, identity_id ON kyc_identities
    WHEN OLD.display_name IS NOT NEW.display_name OR OLD.email IS NOT NEW.email
        OR OLD.identity_id IS NOT NEW.identity_id
BEGIN
    INSERT INTO kyc_search (kyc_search, rowid, display_name, email, identity_id)
        VALUES ('delete', OLD.rowid, OLD.display_name, OLD.email, OLD.identity_id);
    INSERT INTO kyc_search (rowid, display_name, email, identity_id)
        VALUES (NEW.rowid, NEW.display_name, NEW.email, NEW.identity_id);
END;
CREATE TRIGGER kyc_search_delete AFTER DELETE ON kyc_identities BEGIN
    INSERT INTO kyc_search (kyc_search, rowid, display_name, email, identity_id)
        VALUES ('delete', OLD.rowid, OLD.display_name, OLD.email, OLD.identity_id);
END;
