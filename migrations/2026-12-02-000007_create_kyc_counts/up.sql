-- Per-install counts the queue page shows on every load (identities per status and per
-- country), kept exact by triggers in the same transaction as each change, so the page reads a
-- handful of rows instead of scanning the whole index.
CREATE TABLE kyc_counts (
    installed_app_id TEXT NOT NULL,
    dimension TEXT NOT NULL,
    value TEXT NOT NULL,
    n BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (installed_app_id, dimension, value)
);

INSERT INTO kyc_counts (installed_app_id, dimension, value, n)
    SELECT installed_app_id, 'status', status, COUNT(*) FROM kyc_identities
    GROUP BY installed_app_id, status;
INSERT INTO kyc_counts (installed_app_id, dimension, value, n)
    SELECT installed_app_id, 'country', country, COUNT(*) FROM kyc_identities
    GROUP BY installed_app_id, country;

CREATE TRIGGER kyc_counts_insert AFTER INSERT ON kyc_identities
BEGIN
    INSERT INTO kyc_counts (installed_app_id, dimension, value, n)
        VALUES (NEW.installed_app_id, 'status', NEW.status, 1)
        ON CONFLICT (installed_app_id, dimension, value) DO UPDATE SET n = n + 1;
    INSERT INTO kyc_counts (installed_app_id, dimension, value, n)
        VALUES (NEW.installed_app_id, 'country', NEW.country, 1)
        ON CONFLICT (installed_app_id, dimension, value) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER kyc_counts_delete AFTER DELETE ON kyc_identities
BEGIN
    UPDATE kyc_counts SET n = n - 1 WHERE installed_app_id = OLD.installed_app_id
        AND ((dimension = 'status' AND value = OLD.status)
          OR (dimension = 'country' AND value = OLD.country));
END;

CREATE TRIGGER kyc_counts_status AFTER UPDATE OF status ON kyc_identities
WHEN OLD.status IS NOT NEW.status
BEGIN
    UPDATE kyc_counts SET n = n - 1 WHERE installed_app_id = OLD.installed_app_id
        AND dimension = 'status' AND value = OLD.status;
    INSERT INTO kyc_counts (installed_app_id, dimension, value, n)
        VALUES (NEW.installed_app_id, 'status', NEW.status, 1)
        ON CONFLICT (installed_app_id, dimension, value) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER kyc_counts_country AFTER UPDATE OF country ON kyc_identities
WHEN OLD.country IS NOT NEW.country
BEGIN
    UPDATE kyc_counts SET n = n - 1 WHERE installed_app_id = OLD.installed_app_id
        AND dimension = 'country' AND value = OLD.country;
    INSERT INTO kyc_counts (installed_app_id, dimension, value, n)
        VALUES (NEW.installed_app_id, 'country', NEW.country, 1)
        ON CONFLICT (installed_app_id, dimension, value) DO UPDATE SET n = n + 1;
END;
