package main

import (
	"context"
	"errors"
	"net/http"
	"os"
	"time"

	"github.com/sethvargo/go-envconfig"
	"github.com/spf13/cobra"

	"github.com/cosellsync/cosell/internal/config"
	"github.com/cosellsync/cosell/internal/telemetry"
	"github.com/cosellsync/cosell/internal/worker"
)

func newWorkerCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "worker",
		Short: "Run the worker; settings come from the environment (see README)",
		Long: `Run the worker until SIGINT or SIGTERM: it serves the pairings of COSELL_PAIRINGS_DIR (or the one
COSELL_PAIRING_FILE), polls or receives both CRMs' changes and runs the deal workflows. Every setting
comes from the environment (README, "Running the worker"); invalid settings exit 2 before anything runs.`,
		Example: `  TEMPORAL_ADDRESS=temporal:7233 COSELL_PAIRINGS_DIR=/etc/cosell/pairings cosell worker`,
		Args:    noArgs("it is configured from the environment (see README)"),
		RunE: func(c *cobra.Command, _ []string) error {
			return runWorker(c.Context())
		},
	}
}

// runWorker runs the worker until SIGINT or SIGTERM, configured from the environment.
func runWorker(ctx context.Context) error {
	env := envconfig.OsLookuper()
	cfg, err := config.Load(ctx, env)
	if err != nil {
		return configError(err)
	}
	return serve(ctx, cfg, env)
}

// serve prepares the pairing, dials Temporal and runs the worker; `cosell dev` shares it.
func serve(ctx context.Context, cfg config.Config, env envconfig.Lookuper) error {
	log := cfg.Logger()
	m, err := telemetry.New(log)
	if err != nil {
		return err
	}
	defer func() { _ = m.Shutdown(context.Background()) }()
	opts := []worker.Option{worker.WithMetrics(m)}
	if cfg.Traces != "" {
		tr, err := telemetry.NewTracing(ctx, cfg.Traces, os.Stdout)
		if err != nil {
			return configError(err)
		}
		defer func() { _ = tr.Shutdown(context.Background()) }()
		opts = append(opts, worker.WithTracing(tr))
	}
	conn, err := worker.Prepare(ctx, cfg, env, &http.Client{Timeout: 60 * time.Second}, log, worker.WithMetrics(m))
	if err != nil {
		if errors.Is(err, worker.ErrConfig) {
			return configError(err)
		}
		return err
	}
	c, err := worker.Dial(ctx, cfg, log, opts...)
	if err != nil {
		if errors.Is(err, worker.ErrConfig) {
			return configError(err)
		}
		return unavailableError(err)
	}
	defer c.Close()
	err = worker.New(cfg, log, c, conn).Run(ctx)
	if errors.Is(err, worker.ErrConfig) {
		return configError(err)
	}
	return err
}
