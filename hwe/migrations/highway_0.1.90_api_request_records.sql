-- highway 0.1.90: records of API requests in the audit trail.
--
-- A change made through the API (a key created, a webhook deleted, a run cancelled) is recorded in
-- hwe.event_log as an `api_request` record, in the transaction of the change. Many concern no run (tenants,
-- keys, schedules, webhooks), so the run id becomes optional; records about a run still carry it.
ALTER TABLE hwe.event_log ALTER COLUMN workflow_run_id DROP NOT NULL;
