package worker

import (
	"context"
	"maps"
	"slices"

	"github.com/cosellsync/cosell/activities"
	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/ingress"
	"github.com/cosellsync/cosell/internal/config"
)

// webhookSources are the connections served now that take webhooks (COSELL_WEBHOOKS on, and the
// connection has what its endpoints check requests with). A connection without logs so once and keeps
// polling at the normal interval.
func (w *Worker) webhookSources() []ingress.Source {
	if !w.cfg.Webhooks {
		return nil
	}
	cat := w.pairings.Catalog()
	var out []ingress.Source
	for _, name := range slices.Sorted(maps.Keys(cat.Feeds)) {
		kind := cat.Feeds[name].CRM.Kind()
		cc, ok := w.pairings.connectionConfig(name)
		if !ok {
			continue
		}
		if !cc.ReceivesWebhooks(kind) {
			if _, said := w.warned.LoadOrStore(name, true); !said {
				need := map[string]string{"hubspot": "APP_SECRET", "salesforce": "ORG_ID"}[kind]
				w.log.Warn("webhooks are on, but this connection cannot check them; it keeps polling", "connection", name,
					"set", config.ConnectionPrefix(name)+need, "pollInterval", w.cfg.PollInterval)
			}
			continue
		}
		out = append(out, ingress.Source{Connection: name, CRM: kind, AppSecret: cc.WebhookSecret(), OrgID: cc.OrgID, CalloutSecret: cc.CalloutSecret})
	}
	return out
}

// receives reports whether a connection's changes come by webhook.
func (w *Worker) receives(connection string) bool {
	return slices.ContainsFunc(w.webhookSources(), func(s ingress.Source) bool { return s.Connection == connection })
}

// feedSettings is how a connection's change feed polls: every COSELL_POLL_INTERVAL, or with webhooks
// coming in every COSELL_WEBHOOK_POLL_INTERVAL, or not at all when that is 0. ok is false for a
// connection no pairing served uses.
func (w *Worker) feedSettings(connection string) (api.FeedSettings, bool) {
	if _, ok := w.pairings.Catalog().Feeds[connection]; !ok {
		return api.FeedSettings{}, false
	}
	switch {
	case !w.receives(connection):
		return api.FeedSettings{PollInterval: w.cfg.PollInterval}, true
	case w.cfg.WebhookPollInterval == 0:
		return api.FeedSettings{PollInterval: w.cfg.PollInterval, NoPolling: true}, true
	default:
		return api.FeedSettings{PollInterval: w.cfg.WebhookPollInterval}, true
	}
}

// feedInput starts a connection's feed with its settings.
func (w *Worker) feedInput(connection string) api.FeedInput {
	s, _ := w.feedSettings(connection)
	if s.PollInterval == 0 {
		s.PollInterval = w.cfg.PollInterval
	}
	return api.FeedInput{Connection: connection, PollInterval: s.PollInterval, NoPolling: s.NoPolling}
}

// describe says how a feed polls, for the log.
func describe(s api.FeedSettings) string {
	if s.NoPolling {
		return "off (webhooks only)"
	}
	return s.PollInterval.String()
}

// receiver is the webhook ingress: each webhook's records are handed to the feed of the connection they
// came from, which SignalFeed starts first if it does not run. Its sources follow the pairings served.
func (w *Worker) receiver() *ingress.Receiver {
	return &ingress.Receiver{
		Live:    w.webhookSources,
		BaseURL: w.cfg.WebhookBaseURL,
		Log:     w.log,
		HandOff: func(ctx context.Context, connection string, rc api.RecordsChanged) error {
			return activities.SignalFeed(ctx, w.client, w.cfg.TaskQueue, w.feedInput(connection), api.RecordsSignal, rc)
		},
	}
}
