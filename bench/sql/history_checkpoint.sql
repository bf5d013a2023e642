-- Writes every dirty buffer of the fill out now, so the checkpointer does not do it during the probe.
CHECKPOINT
