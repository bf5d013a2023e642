-- Subscribes this session to the queue's wake-up channel (notified by spawn, release and expiry).
LISTEN {channel}
