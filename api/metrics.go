package api

// Metric names the product records, as the instruments are named (OpenTelemetry). The Prometheus
// exporter adds the unit and counter suffixes: cosell_mirror_latency is scraped as
// cosell_mirror_latency_seconds_{bucket,sum,count}, a counter such as cosell_conflicts as
// cosell_conflicts_total. They sit in the contract because the workflows record some of them through the
// SDK's replay-safe workflow metrics handler and the worker the others, and the dashboard in
// deploy/grafana reads them all.
const (
	// MetricMirrorLatency is the time from the deal learning of an edit on one side (the workflow task
	// that received the change) to the other side's CRM acknowledging the write that carries it; labels
	// pairing and direction (a_to_b, b_to_a).
	MetricMirrorLatency = "cosell_mirror_latency"
	// MetricConflicts counts concurrent edits of one field the engine settled; label pairing.
	MetricConflicts = "cosell_conflicts"
	// MetricSyncIssues counts sync issues raised on a deal; labels pairing and kind.
	MetricSyncIssues = "cosell_sync_issues"
	// MetricSLAEvents counts SLA warnings, breaches and escalations as they are logged; labels pairing
	// and event (sla_warning, sla_breached, sla_escalated).
	MetricSLAEvents = "cosell_sla_events"
	// MetricNotices counts notices delivered (outcome sent) or refused by their channel (outcome
	// refused); labels pairing, channel (log, slack, task:a, task:b) and event.
	MetricNotices = "cosell_notices"

	// MetricCRMCalls counts HTTP requests to a CRM, each attempt once; labels crm, connection,
	// operation (method and path template) and status (the HTTP status code, or "error" when no answer
	// came).
	MetricCRMCalls = "cosell_crm_calls"
	// MetricCRMCallDuration is how long each such request took; labels crm, connection, operation.
	MetricCRMCallDuration = "cosell_crm_call_duration"
	// MetricAPIBudgetRemaining is the number of calls left to the product under its share of each CRM
	// connection's API budget window; labels crm, connection, window (daily, short).
	MetricAPIBudgetRemaining = "cosell_api_budget_remaining"
	// MetricAPIBudgetPaused is 1 while a connection's daily budget holds ordinary work, else 0.
	MetricAPIBudgetPaused = "cosell_api_budget_paused"
)
