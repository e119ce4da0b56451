package worker

import (
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/cosellsync/cosell/activities"
	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/internal/config"
	"github.com/cosellsync/cosell/pairing"
)

func TestFeedSettingsFollowWhichSidesReceiveWebhooks(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	p := &Prepared{Connection: &activities.Connection{Pairing: &pairing.Pairing{ID: "acme-globex"}}}
	p.addWebhooks("acme-sf", "salesforce", pairing.A, config.Connection{ClientID: "id"}, 10*time.Second, log)
	p.addWebhooks("globex-hs", "hubspot", pairing.B, config.Connection{Token: "t", AppSecret: "s"}, 10*time.Second, log)
	if assert.Len(t, p.Webhooks, 1, "a Salesforce connection without its org id takes no webhooks") {
		assert.Equal(t, "globex-hs", p.Webhooks[0].Connection)
		assert.Equal(t, "s", p.Webhooks[0].AppSecret)
	}

	w := New(config.Config{PollInterval: 10 * time.Second, WebhookPollInterval: 5 * time.Minute}, log, nil, p)
	assert.Equal(t, api.FeedSettings{PollInterval: 10 * time.Second}, w.feedSettings(pairing.A), "a side without webhooks polls as before")
	assert.Equal(t, api.FeedSettings{PollInterval: 5 * time.Minute}, w.feedSettings(pairing.B), "polling is the safety net, less often")
	w.cfg.WebhookPollInterval = 0
	assert.Equal(t, api.FeedSettings{PollInterval: 10 * time.Second, NoPolling: true}, w.feedSettings(pairing.B))
	assert.Equal(t, api.FeedInput{PairingID: "acme-globex", Side: pairing.B, PollInterval: 10 * time.Second, NoPolling: true}, w.feedInput(pairing.B))
}
