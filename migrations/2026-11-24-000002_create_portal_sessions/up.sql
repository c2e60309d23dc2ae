-- One-time launch tokens minted by POST /api/portal. Only the SHA-256 of the token is stored.
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

-- Portal sessions opened by redeeming a launch token. Only the SHA-256 of the session id is stored.
CREATE TABLE portal_sessions (
    session_hash     BLOB PRIMARY KEY NOT NULL,
    installed_app_id TEXT NOT NULL REFERENCES installs (installed_app_id) ON DELETE CASCADE,
    user_id          TEXT,
    created_at       BIGINT NOT NULL,
    expires_at       BIGINT NOT NULL
);
CREATE INDEX portal_sessions_install ON portal_sessions (installed_app_id);
CREATE INDEX portal_sessions_expires ON portal_sessions (expires_at);
