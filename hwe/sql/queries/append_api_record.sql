-- Appends the record of one API request that changed (or tried to change) something. Runs in the transaction
-- of the change, or, when the change rolled back, in a transaction of its own.
INSERT INTO hwe.event_log (workflow_run_id, tenant_id, event_type, detail)
VALUES (%(workflow_run_id)s, %(tenant_id)s, 'api_request', %(detail)s)
