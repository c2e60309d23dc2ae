-- Approved identities whose data changed since the decision (the decision's content hash is no
-- longer the row's): the queue's sweep moves them to review_due on every page. Without this
-- index it read every approved row of the install to compare the two hashes (2.8 ms at 20,000
-- identities, measured); the partial index holds only the rows that differ, usually none.
CREATE INDEX kyc_identities_stale ON kyc_identities (installed_app_id, status)
    WHERE decided_hash IS NOT NULL AND decided_hash <> content_hash;
