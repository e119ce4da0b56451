#!/bin/sh
# Sets up (first run) or upgrades (later runs) Temporal's schemas in PostgreSQL with temporal-sql-tool,
# the way Temporal's own compose examples do (temporalio/samples-server, compose/scripts/setup-postgres.sh).
# Both steps are idempotent: setup-schema -v 0.0 leaves a database already past 0.0 alone, and
# update-schema applies only the versions a database lacks, so this runs on every `docker compose up`
# and after every image upgrade. The databases themselves are created by PostgreSQL's first start
# (POSTGRES_DB and postgres-init.sql), so no step here fails on a second run.
set -eu
: "${POSTGRES_SEEDS:?POSTGRES_SEEDS is required}"
: "${POSTGRES_USER:?POSTGRES_USER is required}"
: "${SQL_PASSWORD:?SQL_PASSWORD is required}"
port="${DB_PORT:-5432}"
schema="${TEMPORAL_SCHEMA_DIR:-/etc/temporal/schema/postgresql/v12}"
for db in temporal:temporal temporal_visibility:visibility; do
	name="${db%%:*}"
	dir="${db##*:}"
	echo "schema of ${name}"
	temporal-sql-tool --plugin postgres12 --ep "${POSTGRES_SEEDS}" -u "${POSTGRES_USER}" -p "${port}" --db "${name}" setup-schema -v 0.0
	temporal-sql-tool --plugin postgres12 --ep "${POSTGRES_SEEDS}" -u "${POSTGRES_USER}" -p "${port}" --db "${name}" update-schema -d "${schema}/${dir}/versioned"
done
echo "Temporal schemas are up to date"
