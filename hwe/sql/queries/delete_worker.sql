-- Removes one of a queue's workers from the registry (a live one inserts itself again on its next heartbeat).
DELETE FROM hwe.worker
WHERE queue_name = %(queue_name)s AND worker_id = %(worker_id)s
RETURNING worker_id
