-- Creates a queue's tables if they do not exist yet (hwe.create_queue quotes every name).
SELECT hwe.create_queue(%(queue_name)s)
