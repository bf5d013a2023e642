-- Every delivery of the harness's webhook, by run and type.
SELECT delivery_id::text, workflow_run_id::text AS run_id, event_type, state
FROM hwe.webhook_delivery
WHERE webhook_id = %(webhook_id)s::uuid
