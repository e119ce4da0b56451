#!/bin/sh
# Creates the worker's namespace once the Temporal server answers; a namespace that exists is left alone.
set -eu
: "${TEMPORAL_ADDRESS:?TEMPORAL_ADDRESS is required}"
: "${TEMPORAL_NAMESPACE:?TEMPORAL_NAMESPACE is required}"
i=0
until temporal operator cluster health --address "${TEMPORAL_ADDRESS}"; do
	i=$((i + 1))
	[ "$i" -lt 60 ] || { echo "Temporal at ${TEMPORAL_ADDRESS} is not healthy after 60 tries" >&2; exit 1; }
	sleep 2
done
if temporal operator namespace describe --address "${TEMPORAL_ADDRESS}" -n "${TEMPORAL_NAMESPACE}" >/dev/null 2>&1; then
	echo "namespace ${TEMPORAL_NAMESPACE} exists"
else
	temporal operator namespace create --address "${TEMPORAL_ADDRESS}" -n "${TEMPORAL_NAMESPACE}" --retention "${TEMPORAL_RETENTION:-720h}"
fi
