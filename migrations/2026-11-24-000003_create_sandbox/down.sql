DROP TABLE sandbox_alerts;
DROP TABLE sandbox_identities;
DROP TABLE sandbox_installs;
DROP TABLE sandbox_instances;
