DROP TRIGGER kyc_audit_no_delete;
DROP TRIGGER kyc_audit_no_update;
DROP TABLE kyc_audit;
