-- A launch token becomes "<id>.<secret>": `id` is its row's INTEGER PRIMARY KEY (a locator, not
-- a secret) and `secret` the 32 random bytes, base64url, of which only the SHA-256 is stored.
--
-- Why: the table used to be keyed by the hash of the token, a random value, so every launch
-- inserted into a random page of that index. Under load each launch then wrote about one 4 KiB
-- page to the WAL and later to the database file (portal rate 0.46-0.56 x /healthz, client p99
-- 7-10 ms). Keyed by a rising id, new tokens append to the same few pages (0.62-0.85 x, p99
-- 3.3-5.3 ms; bench/README.md, fourth pass). Redemption reads the row by id and compares the hash.
--
-- Tokens minted before this migration cannot be found by id: they are dropped. They live at
-- most PORTAL_SESSION_TTL_SECS; a user in the middle of such a launch clicks Launch app again.
DROP TABLE launch_tokens;
CREATE TABLE launch_tokens (
    id               INTEGER PRIMARY KEY,
    secret_hash      BLOB NOT NULL,
    installed_app_id TEXT NOT NULL REFERENCES installs (installed_app_id) ON DELETE CASCADE,
    user_id          TEXT,
    created_at       BIGINT NOT NULL,
    expires_at       BIGINT NOT NULL,
    redeemed_at      BIGINT
);
CREATE INDEX launch_tokens_install ON launch_tokens (installed_app_id);
CREATE INDEX launch_tokens_expires ON launch_tokens (expires_at);
