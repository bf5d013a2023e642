-- Lists every queue, for sweeps that visit them all.
SELECT queue_name FROM hwe.queue ORDER BY queue_name
