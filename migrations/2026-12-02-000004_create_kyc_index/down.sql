DROP TABLE kyc_status_history;
DROP TABLE kyc_jobs;
DROP TABLE kyc_identities;
