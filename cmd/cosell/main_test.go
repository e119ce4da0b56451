package main

import (
	"bytes"
	"context"
	"os"
	"testing"
	"time"

	"github.com/sethvargo/go-envconfig"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/internal/config"
	"github.com/cosellsync/cosell/internal/demo"
)

func TestWorkerRejectsInvalidSettingsWithExitCode2(t *testing.T) {
	cases := map[string]struct {
		env  map[string]string
		want string
	}{
		"bad duration":    {map[string]string{"COSELL_POLL_INTERVAL": "often", "COSELL_PAIRING_FILE": "../../examples/demo/pairing.yaml"}, "COSELL_POLL_INTERVAL"},
		"no pairing file": {map[string]string{}, "COSELL_PAIRING_FILE"},
		"broken pairing":  {map[string]string{"COSELL_PAIRING_FILE": "../../pairing/testdata/broken/crm-unknown.yaml"}, "crm-unknown.yaml:"},
		"no credentials":  {map[string]string{"COSELL_PAIRING_FILE": "../../examples/demo/pairing.yaml"}, "COSELL_CONN_ACME_SF_URL"},
		"bad log format":  {map[string]string{"COSELL_LOG_FORMAT": "xml"}, "COSELL_LOG_FORMAT"},
		"argument":        {map[string]string{}, "takes no arguments"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			for _, k := range []string{"COSELL_POLL_INTERVAL", "COSELL_PAIRING_FILE", "COSELL_LOG_FORMAT"} {
				unsetenv(t, k)
			}
			for k, v := range c.env {
				t.Setenv(k, v)
			}
			args := []string{"worker"}
			if name == "argument" {
				args = append(args, "extra")
			}
			err := run(context.Background(), args, &bytes.Buffer{}, &bytes.Buffer{})
			require.Error(t, err)
			assert.Equal(t, 2, exitCode(err), "%v", err)
			assert.Contains(t, err.Error(), c.want)
		})
	}
}

// unsetenv removes a variable for the test (t.Setenv can only set one, and go-envconfig treats an empty
// value as set, skipping the default).
func unsetenv(t *testing.T, k string) {
	t.Setenv(k, "") // registers the restore
	require.NoError(t, os.Unsetenv(k))
}

func TestMappingValidate(t *testing.T) {
	var out bytes.Buffer
	err := run(context.Background(), []string{"mapping", "validate", "../../examples/demo/pairing.yaml", "../../examples/hubspot-salesforce/pairing.yaml"}, &out, &out)
	require.NoError(t, err)
	assert.Contains(t, out.String(), "examples/demo/pairing.yaml: ok (pairing acme-globex")

	out.Reset()
	err = run(context.Background(), []string{"mapping", "validate", "../../examples/demo/pairing.yaml", "../../pairing/testdata/several-problems.yaml"}, &out, &out)
	assert.Equal(t, 2, exitCode(err))
	assert.Contains(t, err.Error(), "1 of 2 pairing files have problems")
	assert.Regexp(t, `several-problems\.yaml:\d+:\d+: `, out.String(), "every problem with file:line:col")
	assert.Contains(t, out.String(), "hint: ")

	// Checked together as a worker's directory: a second file with the same id is refused at its line.
	out.Reset()
	err = run(context.Background(), []string{"mapping", "validate", "../../examples/demo/pairing.yaml", "../../examples/demo/pairing.yaml"}, &out, &out)
	assert.Equal(t, 2, exitCode(err))
	assert.Contains(t, err.Error(), "1 of 2 pairing files have problems")
	assert.Regexp(t, `pairing\.yaml:\d+:\d+: pairing id acme-globex is already served from \.\./\.\./examples/demo/pairing\.yaml:\d+`, out.String())
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{nil, {"frobnicate"}, {"mapping"}, {"deal", "show"}, {"mock", "dynamics"},
		{"mapping", "validate"}, {"mapping", "frob"}, {"deal"}, {"deal", "show", "CS-1", "CS-2"}, {"pilot"}, {"pilot", "status"},
		{"pilot", "frob", "acme-globex"}, {"pilot", "report", "acme-globex", "--by", "x"}, {"status", "a", "b"}, {"status", "--deals", "many"},
		{"dev", "extra"}, {"mock", "slack", "--demo"}, {"completion"}, {"completion", "tcsh"}, {"--frob"}, {"deal", "show", "CS-1", "--output", "xml"}} {
		err := run(context.Background(), args, &bytes.Buffer{}, &bytes.Buffer{})
		assert.Equal(t, 2, exitCode(err), "%v: %v", args, err)
	}
}

func TestDemoEnvironmentIsWhatTheREADMEPromises(t *testing.T) {
	env := demoEnvironment("127.0.0.1:7233", "127.0.0.1:8701", "127.0.0.1:8702", "127.0.0.1:8703", "00D5g0000000C0SEAU")
	cfg, err := config.Load(context.Background(), envconfig.MapLookuper(env))
	require.NoError(t, err)
	assert.Equal(t, 2*time.Second, cfg.PollInterval)
	assert.True(t, cfg.Webhooks, "the demo mirrors by webhook")
	assert.Equal(t, 30*time.Second, cfg.WebhookPollInterval, "with a poll as the safety net")
	assert.Equal(t, 1440.0, cfg.SLATimeScale, "a day of SLA time per minute")
	assert.Equal(t, 10*time.Second, cfg.PilotDay, "the 90-day pilot in 15 minutes")
	assert.Equal(t, "127.0.0.1:8080", cfg.HTTPAddr)
	assert.Equal(t, "http://127.0.0.1:8703/services/T0DEMO/B0DEMO/demo-secret", env["COSELL_SLACK_WEBHOOK_URL"])
	sf, err := config.LoadConnection(context.Background(), envconfig.MapLookuper(env), "acme-sf")
	require.NoError(t, err)
	assert.NoError(t, sf.Check("acme-sf", "salesforce"))
	assert.True(t, sf.ReceivesWebhooks("salesforce"))
	hs, err := config.LoadConnection(context.Background(), envconfig.MapLookuper(env), "globex-hs")
	require.NoError(t, err)
	assert.Equal(t, "http://127.0.0.1:8702", hs.AppURL, "notice links open the fake's pages")
	assert.True(t, hs.ReceivesWebhooks("hubspot"))

	hsHooks, sfHooks := demo.Webhooks(cfg.HTTPAddr)
	assert.Equal(t, "http://127.0.0.1:8080/webhooks/hubspot/globex-hs", hsHooks.URL)
	assert.Equal(t, demo.HubSpotAppSecret, hsHooks.Secret)
	assert.Equal(t, "http://127.0.0.1:8080/webhooks/salesforce/acme-sf/outbound", sfHooks.URL)
	h, _ := demo.Webhooks("0.0.0.0:9000")
	assert.Equal(t, "http://127.0.0.1:9000/webhooks/hubspot/globex-hs", h.URL)
}
