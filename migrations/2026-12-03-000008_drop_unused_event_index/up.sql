-- No query reads processed_events by install: the index only cost a B-tree insert (one more
-- WAL page under load) on every install event.
DROP INDEX processed_events_install;
