-- Installs of the app in Blnk Cloud, one row per installed_app_id.
-- The API key is stored only encrypted (AES-256-GCM, installed_app_id as associated data)
-- and is destroyed (set to NULL) on uninstall.
CREATE TABLE installs (
    installed_app_id    TEXT PRIMARY KEY NOT NULL,
    app_id              TEXT NOT NULL,
    instance_id         TEXT NOT NULL,
    organization_id     TEXT,
    api_key_prefix      TEXT,
    api_key_ciphertext  BLOB,
    api_key_nonce       BLOB,
    api_key_kid         TEXT,
    granted_permissions TEXT NOT NULL DEFAULT '[]',
    status              TEXT NOT NULL CHECK (status IN ('active', 'uninstalled')),
    installed_at        BIGINT NOT NULL,
    uninstalled_at      BIGINT,
    updated_at          BIGINT NOT NULL,
    CHECK ((api_key_ciphertext IS NULL) = (api_key_nonce IS NULL)),
    CHECK (status = 'uninstalled' OR api_key_ciphertext IS NOT NULL)
);

-- Callback events already applied. A repeat delivery has the same idempotency key AND the
-- same content fingerprint; a reinstall reusing the key carries a new API key, hence a new
-- fingerprint, and is applied.
CREATE TABLE processed_events (
    idempotency_key  TEXT NOT NULL,
    fingerprint      TEXT NOT NULL,
    installed_app_id TEXT NOT NULL,
    kind             TEXT NOT NULL CHECK (kind IN ('install', 'uninstall')),
    received_at      BIGINT NOT NULL,
    PRIMARY KEY (idempotency_key, fingerprint)
);
CREATE INDEX processed_events_install ON processed_events (installed_app_id);
