DROP INDEX portal_sessions_expires;
DROP INDEX portal_sessions_install;
DROP TABLE portal_sessions;
DROP INDEX launch_tokens_expires;
DROP INDEX launch_tokens_install;
DROP TABLE launch_tokens;
