package main

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/sethvargo/go-envconfig"

	"github.com/cosellsync/cosell/internal/config"
	"github.com/cosellsync/cosell/internal/worker"
)

// runWorker runs the worker until SIGINT or SIGTERM, configured from the environment.
func runWorker(ctx context.Context, args []string) error {
	if len(args) > 0 {
		return usageError("cosell worker takes no arguments; it is configured from the environment (see README)")
	}
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
	conn, err := worker.Prepare(ctx, cfg, env, &http.Client{Timeout: 60 * time.Second}, log)
	if err != nil {
		if errors.Is(err, worker.ErrConfig) {
			return configError(err)
		}
		return err
	}
	c, err := worker.Dial(ctx, cfg, log)
	if err != nil {
		if errors.Is(err, worker.ErrConfig) {
			return configError(err)
		}
		return err
	}
	defer c.Close()
	err = worker.New(cfg, log, c, conn).Run(ctx)
	if errors.Is(err, worker.ErrConfig) {
		return configError(err)
	}
	return err
}
