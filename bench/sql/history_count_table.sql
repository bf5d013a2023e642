-- The exact number of rows of one table (of a partitioned one: of all its partitions). Reads the whole table: the
-- cost-curve bench runs it between its measurements, never during one.
SELECT count(*) AS row_count
FROM {table}
