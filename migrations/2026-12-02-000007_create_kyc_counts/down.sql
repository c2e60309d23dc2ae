DROP TRIGGER kyc_counts_country;
DROP TRIGGER kyc_counts_status;
DROP TRIGGER kyc_counts_delete;
DROP TRIGGER kyc_counts_insert;
DROP TABLE kyc_counts;
