DROP TRIGGER kyc_search_delete;
DROP TRIGGER kyc_search_update;
DROP TRIGGER kyc_search_insert;
DROP TABLE kyc_search;
DROP INDEX kyc_identities_issues;
DROP INDEX kyc_identities_hits;
DROP INDEX kyc_identities_band;
DROP INDEX kyc_identities_country;
CREATE INDEX kyc_identities_country ON kyc_identities (installed_app_id, country);
