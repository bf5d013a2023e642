-- Appends a change of an installation to its log: the action, the key that made it and what changed.
INSERT INTO hwe.app_installation_log (installation_id, action, actor, details)
VALUES (%(installation_id)s, %(action)s, %(actor)s, %(details)s)
