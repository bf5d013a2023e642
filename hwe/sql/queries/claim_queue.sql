-- Registers a new queue name for a new tenant; returns no row when the queue already exists, so two
-- tenants never share a queue created this way. A concurrent claim of the name waits for this one.
INSERT INTO hwe.queue (queue_name) VALUES (%(queue_name)s)
ON CONFLICT (queue_name) DO NOTHING
RETURNING queue_name
