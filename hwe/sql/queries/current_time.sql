-- Reads the engine clock (hwe.current_time), so Python compares times with the database's "now".
SELECT hwe.current_time() AS now
