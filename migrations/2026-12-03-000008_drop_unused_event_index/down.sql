CREATE INDEX processed_events_install ON processed_events (installed_app_id);
