-- The sandbox's own state: the simulated Blnk Cloud (instances, the installs it made, the ledger's
-- identities with their metadata, and alerts). Separate from the app's tables on purpose: the app
-- only ever reaches this data over HTTP, as it would reach the real Cloud.
CREATE TABLE sandbox_instances (
    instance_id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    organization_id TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE sandbox_installs (
    installed_app_id TEXT PRIMARY KEY NOT NULL,
    instance_id TEXT NOT NULL REFERENCES sandbox_instances(instance_id) ON DELETE CASCADE,
    app_id TEXT NOT NULL,
    -- SHA-256 of the API key the sandbox issued; the key itself went to the app only.
    api_key_hash BLOB NOT NULL,
    api_key_prefix TEXT NOT NULL,
    scopes TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('active', 'uninstalled')),
    installed_at BIGINT NOT NULL,
    uninstalled_at BIGINT
);
CREATE UNIQUE INDEX sandbox_installs_key ON sandbox_installs(api_key_hash);
CREATE INDEX sandbox_installs_instance ON sandbox_installs(instance_id);

CREATE TABLE sandbox_identities (
    instance_id TEXT NOT NULL REFERENCES sandbox_instances(instance_id) ON DELETE CASCADE,
    identity_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    body TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (instance_id, identity_id)
);
CREATE INDEX sandbox_identities_order ON sandbox_identities(instance_id, position);

CREATE TABLE sandbox_alerts (
    anomaly_id TEXT PRIMARY KEY NOT NULL,
    instance_id TEXT NOT NULL REFERENCES sandbox_instances(instance_id) ON DELETE CASCADE,
    identity_id TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX sandbox_alerts_instance ON sandbox_alerts(instance_id, created_at);
