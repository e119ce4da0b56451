package worker

import (
	"context"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/sethvargo/go-envconfig"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/internal/config"
)

func TestFeedSettingsFollowWhichConnectionsReceiveWebhooks(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	env := credentials("acme-sf", "globex-hs", "initech-hs")
	env[config.ConnectionPrefix("globex-hs")+"APP_SECRET"] = "s"
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "globex.yaml"), []byte(pairingText(t, "acme-globex", "Globex", "globex-hs")), 0o644))
	ps := NewPairings(dir, "", envconfig.MapLookuper(env), http.DefaultClient, log)
	_, err := ps.Load(context.Background())
	require.NoError(t, err)

	w := New(config.Config{Webhooks: true, PollInterval: 10 * time.Second, WebhookPollInterval: 5 * time.Minute}, log, nil, ps)
	srcs := w.webhookSources()
	if assert.Len(t, srcs, 1, "a Salesforce connection without its org id takes no webhooks") {
		assert.Equal(t, "globex-hs", srcs[0].Connection)
		assert.Equal(t, "s", srcs[0].AppSecret)
	}
	set, ok := w.feedSettings("acme-sf")
	assert.True(t, ok)
	assert.Equal(t, api.FeedSettings{PollInterval: 10 * time.Second}, set, "a connection without webhooks polls as before")
	set, _ = w.feedSettings("globex-hs")
	assert.Equal(t, api.FeedSettings{PollInterval: 5 * time.Minute}, set, "polling is the safety net, less often")
	_, ok = w.feedSettings("initech-hs")
	assert.False(t, ok, "no pairing served uses it yet")
	w.cfg.WebhookPollInterval = 0
	set, _ = w.feedSettings("globex-hs")
	assert.Equal(t, api.FeedSettings{PollInterval: 10 * time.Second, NoPolling: true}, set)
	assert.Equal(t, api.FeedInput{Connection: "globex-hs", PollInterval: 10 * time.Second, NoPolling: true}, w.feedInput("globex-hs"))

	// A pairing added while running brings its connection's endpoint with it.
	env[config.ConnectionPrefix("initech-hs")+"APP_SECRET"] = "t"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "initech.yaml"), []byte(pairingText(t, "acme-initech", "Initech", "initech-hs")), 0o644))
	_, err = ps.Load(context.Background())
	require.NoError(t, err)
	assert.Len(t, w.webhookSources(), 2)
	assert.Contains(t, w.receiver().Paths(), "/webhooks/hubspot/initech-hs")
}
