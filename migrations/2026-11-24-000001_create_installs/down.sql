DROP INDEX processed_events_install;
DROP TABLE processed_events;
DROP TABLE installs;
