-- Creates the tables of a newly registered tenant's queue (hwe.create_queue is idempotent).
SELECT hwe.create_queue(%(queue_name)s)
