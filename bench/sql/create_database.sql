-- Creates one database of the bench (Highway's or DBOS's) on the bench's own server.
CREATE DATABASE {database}
