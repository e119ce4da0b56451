package notify

import (
	"context"
	"log/slog"
	"strings"
	"time"
)

// Log writes notices to a structured log, so every notice leaves a trace in the worker's log whatever
// other channels a pairing uses: fields deal, pairing, event, key, and where the notice has them
// dealName, sla, subject, slaLevel, slaLevelName, deadline, to (e-mails) and at. Breaches and escalations
// are warnings, the rest information.
type Log struct {
	logger *slog.Logger
}

var _ Notifier = (*Log)(nil)

// NewLog returns a notifier writing to logger; nil means slog.Default().
func NewLog(logger *slog.Logger) *Log {
	if logger == nil {
		logger = slog.Default()
	}
	return &Log{logger: logger}
}

// Name implements Notifier.
func (l *Log) Name() string { return "log" }

// Notify implements Notifier; writing a log line cannot fail.
func (l *Log) Notify(ctx context.Context, n Notice) error {
	level := slog.LevelInfo
	if n.Event == SLABreached || n.Event == SLAEscalated {
		level = slog.LevelWarn
	}
	attrs := []slog.Attr{
		slog.String("deal", n.CoSellID),
		slog.String("pairing", n.PairingID),
		slog.String("event", string(n.Event)),
		slog.String("key", n.Key),
	}
	if n.DealName != "" {
		attrs = append(attrs, slog.String("dealName", n.DealName))
	}
	if n.SLAKind != "" {
		attrs = append(attrs, slog.String("sla", n.SLAKind))
	}
	if n.Subject != "" {
		attrs = append(attrs, slog.String("subject", n.Subject))
	}
	// "slaLevel", not "level": that key is slog's own, and a second one would shadow it in JSON logs.
	if n.Level > 0 {
		attrs = append(attrs, slog.Int("slaLevel", n.Level))
	}
	if n.LevelName != "" {
		attrs = append(attrs, slog.String("slaLevelName", n.LevelName))
	}
	if !n.Deadline.IsZero() {
		attrs = append(attrs, slog.Time("deadline", n.Deadline.UTC()))
	}
	if len(n.Recipients) > 0 {
		to := make([]string, len(n.Recipients))
		for i, r := range n.Recipients {
			to[i] = r.Email
		}
		attrs = append(attrs, slog.String("to", strings.Join(to, ",")))
	}
	if !n.At.IsZero() {
		attrs = append(attrs, slog.Time("at", n.At.UTC().Truncate(time.Millisecond)))
	}
	msg := "co-sell notice"
	if n.Message != "" {
		msg += ": " + n.Message
	}
	l.logger.LogAttrs(ctx, level, msg, attrs...)
	return nil
}
