-- Records one applied migration, in the same transaction that applied it.
INSERT INTO hwe.schema_migrations (version, filename) VALUES (%(version)s, %(filename)s)
