-- Back to tokens keyed by their hash. Outstanding tokens cannot be converted: dropped.
DROP TABLE launch_tokens;
CREATE TABLE launch_tokens (
    token_hash       BLOB PRIMARY KEY NOT NULL,
    installed_app_id TEXT NOT NULL REFERENCES installs (installed_app_id) ON DELETE CASCADE,
    user_id          TEXT,
    created_at       BIGINT NOT NULL,
    expires_at       BIGINT NOT NULL,
    redeemed_at      BIGINT
);
CREATE INDEX launch_tokens_install ON launch_tokens (installed_app_id);
CREATE INDEX launch_tokens_expires ON launch_tokens (expires_at);
