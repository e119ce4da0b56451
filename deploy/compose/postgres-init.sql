-- Runs once, on PostgreSQL's first start with an empty data volume (the postgres image runs every file
-- in /docker-entrypoint-initdb.d then). POSTGRES_DB creates Temporal's main database; this adds its
-- visibility database. temporal-schema.sh then lays out both.
CREATE DATABASE temporal_visibility;
