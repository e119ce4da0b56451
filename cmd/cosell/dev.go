package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"

	"github.com/sethvargo/go-envconfig"
	"github.com/spf13/cobra"

	"github.com/cosellsync/cosell/internal/config"
	"github.com/cosellsync/cosell/internal/demo"
	"github.com/cosellsync/cosell/internal/devserver"
	hsmock "github.com/cosellsync/cosell/mocks/hubspot"
	sfmock "github.com/cosellsync/cosell/mocks/salesforce"
	slackmock "github.com/cosellsync/cosell/mocks/slack"
)

func newDevCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "dev",
		Short: "Run the local demo: dev Temporal, both fake CRMs, the worker",
		Long: `Run the whole product locally: a Temporal dev server (state in memory, so every run starts from the
same demo world), fake Salesforce, HubSpot and Slack seeded with the demo pairing, and the worker. It
prints where to look, then runs until Ctrl-C. Environment variables move its ports:
COSELL_DEV_SALESFORCE_ADDR, COSELL_DEV_HUBSPOT_ADDR, COSELL_DEV_SLACK_ADDR, TEMPORAL_ADDRESS,
COSELL_DEV_TEMPORAL_UI_PORT; COSELL_PAIRINGS_DIR or COSELL_PAIRING_FILE serve other pairings.`,
		Example: `  make run                     # builds bin/cosell and runs bin/cosell dev
  COSELL_WEBHOOKS=false cosell dev   # poll every 2 s instead of webhooks`,
		Args: noArgs("environment variables move its ports (see README)"),
		RunE: func(c *cobra.Command, _ []string) error {
			return runDev(c.Context(), c.OutOrStdout())
		},
	}
}

// runDev runs the whole product locally on its embedded default: a Temporal dev server, both fake CRMs
// seeded with the demo pairing, and the worker polling every 2 s. Temporal keeps its state in memory, so
// every run starts from the same demo world. Environment variables move the ports (README).
func runDev(ctx context.Context, out io.Writer) error {
	getenv := func(name, def string) string {
		if v := os.Getenv(name); v != "" {
			return v
		}
		return def
	}
	sfAddr := getenv("COSELL_DEV_SALESFORCE_ADDR", demo.SalesforceAddr)
	hsAddr := getenv("COSELL_DEV_HUBSPOT_ADDR", demo.HubSpotAddr)
	slackAddr := getenv("COSELL_DEV_SLACK_ADDR", demo.SlackAddr)
	temporalAddr := getenv("TEMPORAL_ADDRESS", demo.TemporalAddr)
	uiPort := getenv("COSELL_DEV_TEMPORAL_UI_PORT", demo.TemporalUIPort)
	// The demo serves the pairings directory examples/demo (one file), unless the operator names a
	// directory or a single file of their own.
	pairings, pairingsVar := getenv("COSELL_PAIRINGS_DIR", demo.PairingsDir), "COSELL_PAIRINGS_DIR"
	if f := os.Getenv("COSELL_PAIRING_FILE"); f != "" {
		pairings, pairingsVar = f, "COSELL_PAIRING_FILE"
	}
	if _, err := os.Stat(pairings); err != nil {
		return configError(fmt.Errorf("demo pairings %s not found: run `make run` from the repository root, or set COSELL_PAIRINGS_DIR", pairings))
	}

	sf := sfmock.New(demo.SalesforceOptions())
	if err := sf.Seed(demo.Salesforce()); err != nil {
		return fmt.Errorf("seed fake salesforce: %w", err)
	}
	hs := hsmock.New(demo.HubSpotOptions())
	if err := hs.Seed(demo.HubSpot()); err != nil {
		return fmt.Errorf("seed fake hubspot: %w", err)
	}
	sfSrv, sfBound, err := listen(sfAddr, sf)
	if err != nil {
		return err
	}
	defer shutdown(sfSrv)
	hsSrv, hsBound, err := listen(hsAddr, hs)
	if err != nil {
		return err
	}
	defer shutdown(hsSrv)
	slackSrv, slackBound, err := listen(slackAddr, slackmock.New(slackmock.Options{}))
	if err != nil {
		return err
	}
	defer shutdown(slackSrv)

	if err := os.MkdirAll(".dev", 0o755); err != nil {
		return err
	}
	logPath := filepath.Join(".dev", "temporal.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return err
	}
	defer logFile.Close()
	fmt.Fprintf(out, "starting Temporal dev server on %s …\n", temporalAddr)
	tsrv, err := devserver.Start(ctx, devserver.Options{HostPort: temporalAddr, UI: true, UIPort: uiPort, Log: logFile})
	if err != nil {
		return err
	}
	defer tsrv.Stop()

	demoEnv := demoEnvironment(temporalAddr, sfBound, hsBound, slackBound, sf.OrgID())
	demoEnv[pairingsVar] = pairings
	env := envconfig.MultiLookuper(envconfig.OsLookuper(), envconfig.MapLookuper(demoEnv))
	cfg, err := config.Load(ctx, env)
	if err != nil {
		return configError(err)
	}
	codecAddr, codecToken, err := startDevCodecServer(env, getenv("COSELL_DEV_CODEC_SERVER_ADDR", demo.CodecServerAddr))
	if err != nil {
		return err
	}
	feeds := "polling every " + cfg.PollInterval.String()
	if cfg.Webhooks {
		hsHooks, sfHooks := demo.Webhooks(cfg.HTTPAddr)
		if err := hs.SetWebhooks(hsHooks); err != nil {
			return err
		}
		if err := sf.SetWebhooks(sfHooks); err != nil {
			return err
		}
		defer hs.Close()
		defer sf.Close()
		feeds = "webhooks (HubSpot v3-signed, Salesforce Outbound Messages) with a poll every " + cfg.WebhookPollInterval.String() + " as the safety net"
	}
	uiHost, _, _ := net.SplitHostPort(temporalAddr)
	fmt.Fprintf(out, `
CoSell Sync demo is up. Where to look:

  Temporal UI (deals are workflows cosell-deal/CS-…)   http://%s:%s
  Fake Salesforce "Acme" (opportunities, tasks)        http://%s/
  Fake HubSpot "Globex" (deals, notes, tasks)          http://%s/
  Fake Slack (SLA warnings, breaches, escalations)     http://%s/
  Sync health (deals, sync issues, SLAs, API budget)   http://%s/health
  Worker health                                        http://%s/healthz  /readyz
  Codec server (payloads are encrypted, demo key)      http://%s  (Authorization: Bearer %s)

  Temporal gRPC %s · Salesforce OAuth %s / %s · HubSpot token %s
  Pairings %s · changes by %s · SLAs run %s× fast (a day per minute) · Temporal log %s

Within a few seconds "Initech rollout" (Salesforce) appears in HubSpot and "Hooli expansion" (HubSpot)
appears in Salesforce. The README shows how to flag another deal, move a stage and read a deal's state
with 'bin/cosell deal show CS-…'. A shared note tagged "#partner #request" that the other side leaves
unanswered warns, breaches and climbs the escalation ladder in fake Slack and as tasks in both CRMs,
a minute per level. The pairing's 90-day pilot runs at %s a day: scorecards at days 30, 60 and 90
('bin/cosell pilot status %s', 'bin/cosell pilot report %s --html scorecard.html'). Every payload in
Temporal's history is encrypted; to read a deal's history in clear:
  temporal workflow show -w cosell-deal/CS-… --codec-endpoint http://%s --codec-auth 'Bearer %s'
Ctrl-C stops everything.

`, uiHost, uiPort, sfBound, hsBound, slackBound, cfg.HTTPAddr, cfg.HTTPAddr, codecAddr, codecToken, temporalAddr, demo.SalesforceClientID, demo.SalesforceClientSecret,
		demo.HubSpotToken, pairings, feeds, demo.SLATimeScale, logPath, demo.PilotDay, demo.PairingID, demo.PairingID, codecAddr, codecToken)
	return serve(ctx, cfg, env)
}

// quietSlog is the logger of one-shot CLI commands: warnings and errors only.
func quietSlog() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// demoEnvironment is the demo's configuration: the fakes' addresses and credentials, webhooks from both
// fakes with a 30 s safety-net poll (2 s with COSELL_WEBHOOKS=false), SLAs at a day per minute, a 10 s
// pilot day, and payloads encrypted with the published demo key (demo.PayloadKeys). The operator's own environment overrides any of it. The pairings to serve are set beside it.
func demoEnvironment(temporalAddr, sfBound, hsBound, slackBound, orgID string) map[string]string {
	return map[string]string{
		"TEMPORAL_ADDRESS":             temporalAddr,
		"COSELL_POLL_INTERVAL":         "2s",
		"COSELL_WEBHOOKS":              "true",
		"COSELL_WEBHOOK_POLL_INTERVAL": demo.WebhookPollInterval,
		"COSELL_POLL_OVERLAP":          "5s",
		"COSELL_HTTP_ADDR":             demo.WorkerAddr,
		"COSELL_SLA_TIME_SCALE":        demo.SLATimeScale,
		"COSELL_PILOT_DAY":             demo.PilotDay,
		"COSELL_SLACK_WEBHOOK_URL":     "http://" + slackBound + slackmock.DefaultWebhookPath,
		"COSELL_PAYLOAD_KEYS":          demo.PayloadKeys,
		"COSELL_CODEC_SERVER_TOKEN":    demo.CodecServerToken,
		config.ConnectionPrefix(demo.SalesforceConnection) + "URL":           "http://" + sfBound,
		config.ConnectionPrefix(demo.SalesforceConnection) + "CLIENT_ID":     demo.SalesforceClientID,
		config.ConnectionPrefix(demo.SalesforceConnection) + "CLIENT_SECRET": demo.SalesforceClientSecret,
		config.ConnectionPrefix(demo.SalesforceConnection) + "ORG_ID":        orgID,
		config.ConnectionPrefix(demo.HubSpotConnection) + "URL":              "http://" + hsBound,
		config.ConnectionPrefix(demo.HubSpotConnection) + "TOKEN":            demo.HubSpotToken,
		config.ConnectionPrefix(demo.HubSpotConnection) + "APP_URL":          "http://" + hsBound,
		config.ConnectionPrefix(demo.HubSpotConnection) + "APP_SECRET":       demo.HubSpotAppSecret,
	}
}
