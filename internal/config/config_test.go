package config

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/sethvargo/go-envconfig"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/connectors/budget"
)

func TestDefaults(t *testing.T) {
	c, err := Load(context.Background(), envconfig.MapLookuper(nil))
	require.NoError(t, err)
	assert.Equal(t, "127.0.0.1:7233", c.Temporal.Address)
	assert.Equal(t, "default", c.Temporal.Namespace)
	assert.Equal(t, "cosell", c.TaskQueue)
	assert.Equal(t, 10*time.Second, c.PollInterval)
	assert.Error(t, c.RequirePairing())
	assert.Equal(t, 5*time.Second, c.ReloadInterval)
	assert.Equal(t, 10*time.Minute, c.ReconcileInterval, "the periodic reconcile runs by default")
	assert.Equal(t, 5, c.ReconcileDeals)
}

func TestPeriodicReconcileTurnsOffWithZero(t *testing.T) {
	c, err := Load(context.Background(), envconfig.MapLookuper(map[string]string{"COSELL_RECONCILE_INTERVAL": "0"}))
	require.NoError(t, err)
	assert.Zero(t, c.ReconcileInterval)
}

func TestOnePairingsSourceIsRequired(t *testing.T) {
	assert.NoError(t, Config{PairingsDir: "pairings"}.RequirePairing())
	assert.NoError(t, Config{PairingFile: "pairing.yaml"}.RequirePairing(), "the single file of earlier setups still works")
	err := Config{PairingsDir: "pairings", PairingFile: "pairing.yaml"}.RequirePairing()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "set one")
	assert.Contains(t, Config{}.RequirePairing().Error(), "COSELL_PAIRINGS_DIR: required")
}

func TestInvalidValuesNameTheirVariable(t *testing.T) {
	cases := map[string]map[string]string{
		"COSELL_POLL_INTERVAL":          {"COSELL_POLL_INTERVAL": "soon"},
		"COSELL_LOG_LEVEL":              {"COSELL_LOG_LEVEL": "loud"},
		"COSELL_LOG_FORMAT":             {"COSELL_LOG_FORMAT": "xml"},
		"COSELL_TRACES":                 {"COSELL_TRACES": "jaeger"},
		"COSELL_PAGE_SIZE":              {"COSELL_PAGE_SIZE": "0"},
		"COSELL_RECONCILE_INTERVAL":     {"COSELL_RECONCILE_INTERVAL": "-1m"},
		"COSELL_RECONCILE_DEALS":        {"COSELL_RECONCILE_DEALS": "0"},
		"TEMPORAL_ADDRESS":              {"TEMPORAL_ADDRESS": "localhost"},
		"TEMPORAL_TLS_CLIENT_CERT_PATH": {"TEMPORAL_TLS_CLIENT_CERT_PATH": "/x.pem"},
	}
	for want, env := range cases {
		t.Run(want, func(t *testing.T) {
			_, err := Load(context.Background(), envconfig.MapLookuper(env))
			require.Error(t, err)
			assert.Contains(t, err.Error(), want)
		})
	}
}

func TestConnectionReadsPrefixedVariablesAndSecretFiles(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(dir, "secret")
	require.NoError(t, os.WriteFile(secret, []byte("s3cret\n"), 0o600))
	env := envconfig.MapLookuper(map[string]string{
		"COSELL_CONN_ACME_SF_URL":                "http://127.0.0.1:8701",
		"COSELL_CONN_ACME_SF_CLIENT_ID":          "demo-sf-client",
		"COSELL_CONN_ACME_SF_CLIENT_SECRET_FILE": secret,
	})
	c, err := LoadConnection(context.Background(), env, "acme-sf")
	require.NoError(t, err)
	assert.Equal(t, "s3cret", c.ClientSecret)
	assert.NoError(t, c.Check("acme-sf", "salesforce"))
	assert.ErrorContains(t, Connection{}.Check("globex-hs", "hubspot"), "COSELL_CONN_GLOBEX_HS_TOKEN")

	_, err = LoadConnection(context.Background(), envconfig.MapLookuper(map[string]string{
		"COSELL_CONN_ACME_SF_TOKEN_FILE": filepath.Join(dir, "missing"),
	}), "acme-sf")
	assert.ErrorContains(t, err, "COSELL_CONN_ACME_SF_TOKEN_FILE")
}

func TestWebhookSettings(t *testing.T) {
	c, err := Load(context.Background(), envconfig.MapLookuper(nil))
	require.NoError(t, err)
	assert.False(t, c.Webhooks, "webhooks are off unless asked for")
	assert.Equal(t, 5*time.Minute, c.WebhookPollInterval)

	c, err = Load(context.Background(), envconfig.MapLookuper(map[string]string{
		"COSELL_WEBHOOKS": "true", "COSELL_WEBHOOK_POLL_INTERVAL": "0", "COSELL_WEBHOOK_BASE_URL": "https://cosell.example.com",
	}))
	require.NoError(t, err)
	assert.True(t, c.Webhooks)
	assert.Zero(t, c.WebhookPollInterval, "0 turns polling off")

	for name, env := range map[string]map[string]string{
		"COSELL_WEBHOOK_POLL_INTERVAL": {"COSELL_WEBHOOK_POLL_INTERVAL": "-1s"},
		"COSELL_WEBHOOK_BASE_URL":      {"COSELL_WEBHOOK_BASE_URL": "cosell.example.com/hooks"},
	} {
		_, err := Load(context.Background(), envconfig.MapLookuper(env))
		assert.ErrorContains(t, err, name)
	}
}

func TestConnectionWebhookSecrets(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(dir, "secret")
	require.NoError(t, os.WriteFile(secret, []byte("app-secret\n"), 0o600))
	hs, err := LoadConnection(context.Background(), envconfig.MapLookuper(map[string]string{
		"COSELL_CONN_GLOBEX_HS_TOKEN": "t", "COSELL_CONN_GLOBEX_HS_APP_SECRET_FILE": secret,
	}), "globex-hs")
	require.NoError(t, err)
	assert.Equal(t, "app-secret", hs.WebhookSecret())
	assert.True(t, hs.ReceivesWebhooks("hubspot"))
	assert.Equal(t, "oauth-secret", Connection{ClientSecret: "oauth-secret"}.WebhookSecret(), "an OAuth app signs with its client secret")
	assert.False(t, Connection{Token: "t"}.ReceivesWebhooks("hubspot"), "a private app without its secret cannot check signatures")

	sf := Connection{URL: "https://acme.my.salesforce.com", ClientID: "id", ClientSecret: "s"}
	assert.False(t, sf.ReceivesWebhooks("salesforce"))
	sf.OrgID = "00D5g0000000C0SEAU"
	assert.NoError(t, sf.Check("acme-sf", "salesforce"))
	assert.True(t, sf.ReceivesWebhooks("salesforce"))
	sf.OrgID = "005g0000000C0SE"
	assert.ErrorContains(t, sf.Check("acme-sf", "salesforce"), "COSELL_CONN_ACME_SF_ORG_ID")
	sf.OrgID, sf.CalloutSecret = "", "s"
	assert.ErrorContains(t, sf.Check("acme-sf", "salesforce"), "CALLOUT_SECRET is set without")
}

func TestConnectionBudgetSharesDefaultToHalfAndNameTheirVariable(t *testing.T) {
	c, err := LoadConnection(context.Background(), envconfig.MapLookuper(nil), "acme-sf")
	require.NoError(t, err)
	assert.Equal(t, "acme-sf", c.Name)
	assert.Equal(t, budget.Share(0.5), c.BudgetDailyShare, "well below the limit unless an admin says otherwise")
	assert.Equal(t, budget.Share(0.5), c.BudgetWindowShare)
	assert.Equal(t, 5*time.Minute, c.BudgetProbeInterval)

	c, err = LoadConnection(context.Background(), envconfig.MapLookuper(map[string]string{
		"COSELL_CONN_ACME_SF_BUDGET_DAILY_SHARE":    "20%",
		"COSELL_CONN_ACME_SF_BUDGET_WINDOW_SHARE":   "0.8",
		"COSELL_CONN_ACME_SF_BUDGET_PROBE_INTERVAL": "1m",
	}), "acme-sf")
	require.NoError(t, err)
	assert.InDelta(t, 0.2, float64(c.BudgetDailyShare), 1e-12)
	assert.InDelta(t, 0.8, float64(c.BudgetWindowShare), 1e-12)
	assert.Equal(t, time.Minute, c.BudgetProbeInterval)

	for name, value := range map[string]string{
		"COSELL_CONN_ACME_SF_BUDGET_DAILY_SHARE":    "150%",
		"COSELL_CONN_ACME_SF_BUDGET_WINDOW_SHARE":   "none",
		"COSELL_CONN_ACME_SF_BUDGET_PROBE_INTERVAL": "0s",
	} {
		_, err := LoadConnection(context.Background(), envconfig.MapLookuper(map[string]string{name: value}), "acme-sf")
		assert.ErrorContains(t, err, name, value)
	}
}

func TestTheHealthPageNeedsATokenBeyondLocalhost(t *testing.T) {
	load := func(env map[string]string) (Config, error) {
		return Load(context.Background(), envconfig.MapLookuper(env))
	}
	for _, addr := range []string{"127.0.0.1:8080", "localhost:8080", "[::1]:0", "127.0.0.2:9000"} {
		c, err := load(map[string]string{"COSELL_HTTP_ADDR": addr})
		require.NoError(t, err, addr)
		assert.True(t, c.HealthPage, "served without a token on loopback: %s", addr)
		assert.Empty(t, c.HealthToken)
	}
	for _, addr := range []string{"0.0.0.0:8080", ":8080", "10.0.0.5:8080", "[::]:8080", "cosell.example:8080"} {
		_, err := load(map[string]string{"COSELL_HTTP_ADDR": addr})
		require.Error(t, err, "refused beyond localhost without a token: %s", addr)
		assert.Contains(t, err.Error(), "COSELL_HEALTH_TOKEN: required when COSELL_HTTP_ADDR ("+addr+") is reachable beyond localhost")
		assert.Contains(t, err.Error(), "COSELL_HEALTH_PAGE=false")
	}
	c, err := load(map[string]string{"COSELL_HTTP_ADDR": "0.0.0.0:8080", "COSELL_HEALTH_TOKEN": "0123456789abcdef"})
	require.NoError(t, err)
	assert.Equal(t, "0123456789abcdef", c.HealthToken)
	c, err = load(map[string]string{"COSELL_HTTP_ADDR": "0.0.0.0:8080", "COSELL_HEALTH_PAGE": "false"})
	require.NoError(t, err, "the page turned off needs no token")
	assert.False(t, c.HealthPage)

	file := filepath.Join(t.TempDir(), "token")
	require.NoError(t, os.WriteFile(file, []byte("from-a-file-0123456789\n"), 0o600))
	c, err = load(map[string]string{"COSELL_HTTP_ADDR": "0.0.0.0:8080", "COSELL_HEALTH_TOKEN_FILE": file})
	require.NoError(t, err)
	assert.Equal(t, "from-a-file-0123456789", c.HealthToken)

	_, err = load(map[string]string{"COSELL_HEALTH_TOKEN": "short"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "COSELL_HEALTH_TOKEN: must be at least 16 characters")
}
