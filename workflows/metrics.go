package workflows

import (
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/engine"
	"github.com/cosellsync/cosell/vocab"
)

// The deal records the product metrics only it can see through workflow.GetMetricsHandler: the SDK's
// handler skips recording while a workflow task replays, so a deal replayed after a worker restart or
// a cache eviction counts nothing twice. None of it changes a command, so no replay gate is needed.

// Engine log messages the metrics count (engine.Engine's conflict and setIssue).
const (
	logConflict  = "conflict"
	logSyncIssue = "sync issue"
)

// mirrorSeen is the moment the deal learnt of the oldest edit a write to side to carries, and the side
// that edit came from: of each written value the deal still wants, the time it became wanted
// (engine.Want.Known, the workflow task that received the change). ok is false for a write that
// carries no partner's edit (a co-sell flag, an owner, a value restored).
func mirrorSeen(st *engine.State, to vocab.Side, w *engine.WriteCmd) (from vocab.Side, seen time.Time, ok bool) {
	for _, f := range workflow.DeterministicKeys(w.Values) {
		want := st.Fields[f]
		if want == nil || want.Value != w.Values[f] || want.From == to || want.From == "" || want.Known.IsZero() {
			continue
		}
		if !ok || want.Known.Before(seen) {
			from, seen, ok = want.From, want.Known, true
		}
	}
	return from, seen, ok
}

// recordMirror records the latency of an acknowledged write that carries a partner's edit.
func (d *deal) recordMirror(ctx workflow.Context, from, to vocab.Side, seen time.Time) {
	workflow.GetMetricsHandler(ctx).WithTags(map[string]string{
		"pairing": d.in.PairingID, "direction": string(from) + "_to_" + string(to),
	}).Timer(api.MetricMirrorLatency).Record(workflow.Now(ctx).Sub(seen))
}

// countEffect counts the conflicts and sync issues among the engine's log effects.
func (d *deal) countEffect(ctx workflow.Context, l *engine.LogLine) {
	switch l.Msg {
	case logConflict:
		workflow.GetMetricsHandler(ctx).WithTags(map[string]string{"pairing": d.in.PairingID}).
			Counter(api.MetricConflicts).Inc(1)
	case logSyncIssue:
		workflow.GetMetricsHandler(ctx).WithTags(map[string]string{"pairing": d.in.PairingID, "kind": kvString(l.KV, "kind")}).
			Counter(api.MetricSyncIssues).Inc(1)
	}
}

// countNotice counts a notice its channel delivered or refused, and, on the log channel (which every
// notice reaches once), an SLA warning, breach or escalation.
func (d *deal) countNotice(ctx workflow.Context, channel string, n vocab.Notice, refused bool) {
	outcome := "sent"
	if refused {
		outcome = "refused"
	}
	h := workflow.GetMetricsHandler(ctx)
	h.WithTags(map[string]string{"pairing": d.in.PairingID, "channel": channel, "event": string(n.Event), "outcome": outcome}).
		Counter(api.MetricNotices).Inc(1)
	switch n.Event {
	case vocab.SLAWarning, vocab.SLABreached, vocab.SLAEscalated:
		if channel == engine.ChannelLog && !refused {
			h.WithTags(map[string]string{"pairing": d.in.PairingID, "event": string(n.Event)}).Counter(api.MetricSLAEvents).Inc(1)
		}
	}
}

// kvString is the string value of key in a slog-style key-value list, "" when absent.
func kvString(kv []any, key string) string {
	for i := 0; i+1 < len(kv); i += 2 {
		if k, ok := kv[i].(string); ok && k == key {
			if v, ok := kv[i+1].(string); ok {
				return v
			}
		}
	}
	return ""
}
