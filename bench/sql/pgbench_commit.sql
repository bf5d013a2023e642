-- pgbench's transaction for the commit ceiling: a one-row insert in a transaction of its own, so one durable
-- commit (a WAL flush) each, the least a sequential chain's step needs.
INSERT INTO ceiling_commit (client_id) VALUES (:client_id);
