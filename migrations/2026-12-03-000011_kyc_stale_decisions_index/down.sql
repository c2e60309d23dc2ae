DROP INDEX kyc_identities_stale;
