-- Reads the engine clock (hwe.current_time) for schedule arithmetic done in Python. Locks nothing.
SELECT hwe.current_time() AS now
