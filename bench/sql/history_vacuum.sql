-- Vacuums and analyzes the whole database after a bulk fill: the state autovacuum keeps a live system in (visibility
-- map set, statistics current), reached before the probe so no autovacuum of the fill runs during it.
VACUUM (ANALYZE)
