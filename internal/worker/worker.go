// Package worker assembles the running product: it loads the pairings directory (and reloads it while
// running), builds one connector per CRM connection, dials Temporal, registers the workflows and
// activities, starts one change feed per connection and each pairing's pilot (idempotently), and serves
// /healthz, /readyz, /metrics (with WithMetrics), the sync-health page at /health (package synchealth)
// and, with webhooks on, the CRMs' webhook endpoints (package ingress), one set per connection.
package worker

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sethvargo/go-envconfig"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"

	"github.com/cosellsync/cosell/activities"
	"github.com/cosellsync/cosell/httpapi"
	"github.com/cosellsync/cosell/internal/config"
	"github.com/cosellsync/cosell/notify"
	"github.com/cosellsync/cosell/synchealth"
	"github.com/cosellsync/cosell/workflows"
)

// ErrConfig marks an error in the operator's configuration (exit code 2).
var ErrConfig = errors.New("configuration error")

// Prepare loads the pairings (COSELL_PAIRINGS_DIR, or the single COSELL_PAIRING_FILE) and builds a
// connector per CRM connection. With a directory, a file refused is logged with its problems and the
// others are served; a single file that is refused, or a directory that cannot be read, is a
// configuration error.
func Prepare(ctx context.Context, cfg config.Config, env envconfig.Lookuper, httpClient *http.Client, log *slog.Logger, opts ...Option) (*Pairings, error) {
	if err := cfg.RequirePairing(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrConfig, err)
	}
	if _, err := httpapi.ParseTokens(cfg.APITokens); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrConfig, err)
	}
	if cfg.PairingFile != "" {
		if info, err := os.Stat(cfg.PairingFile); err == nil && info.IsDir() {
			return nil, fmt.Errorf("%w: COSELL_PAIRING_FILE names the directory %s: set COSELL_PAIRINGS_DIR=%s instead, to serve every pairing file in it", ErrConfig, cfg.PairingFile, cfg.PairingFile)
		}
	}
	ps := NewPairings(cfg.PairingsDir, cfg.PairingFile, env, httpClient, log)
	ps.SetCoalesce(cfg.Coalesce, cfg.CoalesceWindow, cfg.CoalesceMaxWait)
	ps.metrics = collect(opts).metrics
	rep, err := ps.Load(ctx)
	if err != nil {
		return nil, fmt.Errorf("%w: COSELL_PAIRINGS_DIR %s: %v", ErrConfig, cfg.PairingsDir, err)
	}
	if cfg.PairingsDir == "" && len(rep.Refused) > 0 {
		return nil, fmt.Errorf("%w: pairing file rejected:\n%v", ErrConfig, errors.Join(rep.Refused...))
	}
	rep.log(log)
	if len(ps.Catalog().Pairings) == 0 {
		log.Warn("the pairings directory serves no pairing yet; the worker picks up files as they are added", "dir", cfg.PairingsDir)
	}
	return ps, nil
}

// Dial connects to Temporal with the configured address, namespace, TLS and API key, and the payload
// codec when COSELL_PAYLOAD_KEYS (or its file) is set, and WithMetrics' registry for the SDK's metrics.
func Dial(ctx context.Context, cfg config.Config, log *slog.Logger, with ...Option) (client.Client, error) {
	opts := client.Options{
		HostPort:  cfg.Temporal.Address,
		Namespace: cfg.Temporal.Namespace,
		Logger:    sdklog.NewStructuredLogger(log),
	}
	o := collect(with)
	if o.metrics != nil {
		opts.MetricsHandler = o.metrics.TemporalHandler()
	}
	if o.tracing != nil {
		opts.Interceptors = append(opts.Interceptors, o.tracing.Interceptor())
	}
	t := cfg.Temporal
	if t.TLS || t.APIKey != "" || t.TLSCertPath != "" || t.TLSCAPath != "" {
		tc := &tls.Config{ServerName: t.TLSServerName, MinVersion: tls.VersionTLS12}
		if t.TLSCertPath != "" {
			cert, err := tls.LoadX509KeyPair(t.TLSCertPath, t.TLSKeyPath)
			if err != nil {
				return nil, fmt.Errorf("%w: TEMPORAL_TLS_CLIENT_CERT_PATH: %v", ErrConfig, err)
			}
			tc.Certificates = []tls.Certificate{cert}
		}
		if t.TLSCAPath != "" {
			pem, err := os.ReadFile(t.TLSCAPath)
			if err != nil {
				return nil, fmt.Errorf("%w: TEMPORAL_TLS_SERVER_CA_CERT_PATH: %v", ErrConfig, err)
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				return nil, fmt.Errorf("%w: TEMPORAL_TLS_SERVER_CA_CERT_PATH: no PEM certificate in %s", ErrConfig, t.TLSCAPath)
			}
			tc.RootCAs = pool
		}
		opts.ConnectionOptions.TLS = tc
	}
	if t.APIKey != "" {
		opts.Credentials = client.NewAPIKeyStaticCredentials(t.APIKey)
	}
	if err := withCodec(cfg, &opts); err != nil {
		return nil, err
	}
	c, err := client.DialContext(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("dial temporal at %s (namespace %s): %w", t.Address, t.Namespace, err)
	}
	return c, nil
}

// Worker is the running worker.
type Worker struct {
	cfg      config.Config
	log      *slog.Logger
	client   client.Client
	pairings *Pairings
	ready    atomic.Bool
	http     *http.Server
	ln       net.Listener
	// warned holds the connections already said to take no webhooks for want of credentials.
	warned sync.Map
}

// New builds a worker over a dialed client and prepared pairings.
func New(cfg config.Config, log *slog.Logger, c client.Client, pairings *Pairings) *Worker {
	return &Worker{cfg: cfg, log: log, client: c, pairings: pairings}
}

// Listen binds the HTTP address (COSELL_HTTP_ADDR) and returns the address bound, so a caller can tell
// the CRMs where to send webhooks before Run; Run binds it itself otherwise.
func (w *Worker) Listen() (net.Addr, error) {
	if w.ln == nil {
		ln, err := net.Listen("tcp", w.cfg.HTTPAddr)
		if err != nil {
			return nil, fmt.Errorf("%w: COSELL_HTTP_ADDR %s: %v", ErrConfig, w.cfg.HTTPAddr, err)
		}
		w.ln = ln
	}
	return w.ln.Addr(), nil
}

// Run serves until ctx is done: it checks the namespace has the record directory, registers and starts
// the Temporal worker, ensures a change feed runs for each CRM connection and a pilot for each pairing
// that has one, serves the health endpoints, and reloads the pairings every COSELL_RELOAD_INTERVAL.
func (w *Worker) Run(ctx context.Context) error {
	if err := checkDirectory(ctx, w.client.OperatorService(), w.cfg.Temporal.Namespace, w.log); err != nil {
		return err
	}
	acts := &activities.Activities{
		Served:       w.pairings.Served(),
		Client:       w.client,
		TaskQueue:    w.cfg.TaskQueue,
		Overlap:      w.cfg.PollOverlap,
		PageSize:     w.cfg.PageSize,
		PollInterval: w.cfg.PollInterval,
		FeedSettings: w.feedSettings,
		SLAScale:     w.cfg.SLATimeScale,
		PilotDay:     w.cfg.PilotDay,
		Log:          notify.NewLog(w.log),
	}
	// A burst of changes starts the activities of many deals at once; coalescing (connectors/batch)
	// batches only what runs concurrently, so the worker takes activity tasks with several pollers (the
	// SDK's default of 2 hands them out one at a time) and runs up to the SDK's default 1,000 at once.
	// On SIGTERM the worker stops polling at once and gives the activities it runs COSELL_SHUTDOWN_GRACE
	// to finish (a CRM write in flight completes and is reported, not retried elsewhere); only then are
	// their contexts cancelled.
	worker.SetStickyWorkflowCacheSize(w.cfg.WorkflowCacheSize)
	tw := worker.New(w.client, w.cfg.TaskQueue, worker.Options{WorkerStopTimeout: w.cfg.ShutdownGrace,
		MaxConcurrentActivityTaskPollers: 8, MaxConcurrentWorkflowTaskPollers: 4})
	workflows.Register(tw, acts)
	if w.cfg.PayloadKeyring() == nil {
		w.log.Warn("payload encryption is off: deal values and note bodies reach Temporal's history in plain text; set COSELL_PAYLOAD_KEYS or COSELL_PAYLOAD_KEYS_FILE (README, Keys and rotation)")
	}

	addr, err := w.Listen()
	if err != nil {
		return err
	}
	ln := w.ln
	if m := w.metrics(); m != nil {
		if err := m.ObserveBudgets(w.pairings.budgets); err != nil {
			return err
		}
	}
	w.http = &http.Server{Handler: w.routes(), ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second}
	go func() {
		if err := w.http.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			w.log.Error("health server stopped", "error", err)
		}
	}()
	defer func() {
		// After the drain: health checks and webhooks were answered while activities finished.
		// Requests in progress get a few seconds more; a webhook not handed over answers 503 and the
		// CRM sends it again.
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := w.http.Shutdown(sctx); err != nil {
			w.log.Warn("HTTP server did not stop gracefully", "error", err)
		}
	}()

	if err := tw.Start(); err != nil {
		return fmt.Errorf("start temporal worker on %s: %w", w.cfg.TaskQueue, err)
	}
	defer func() {
		start := time.Now()
		w.log.Info("worker draining: no new tasks; in-flight activities may finish", "grace", w.cfg.ShutdownGrace)
		tw.Stop()
		w.log.Info("worker drained", "took", time.Since(start).Round(time.Millisecond))
	}()
	cat := w.pairings.Catalog()
	if err := w.startFeeds(ctx, nil, cat); err != nil {
		return err
	}
	if err := w.startReconcile(ctx); err != nil { // reconcile.go
		// Drift then waits for `cosell reconcile`; the sync itself is unaffected.
		w.log.Warn("cannot start the periodic reconcile", "error", err)
	}
	w.ready.Store(true)
	w.log.Info("worker ready", "pairings", slices.Sorted(maps.Keys(cat.Pairings)), "connections", slices.Sorted(maps.Keys(cat.Feeds)),
		"taskQueue", w.cfg.TaskQueue, "http", addr.String(), "healthPage", w.healthPageURL(addr), "pollInterval", w.cfg.PollInterval, "webhooks", w.receiver().Paths())
	w.reload(ctx, cat)
	w.ready.Store(false)
	w.log.Info("worker stopping")
	return nil
}

// reload reads the pairing files every COSELL_RELOAD_INTERVAL until ctx is done, and starts and stops
// feeds and pilots to match what it serves.
func (w *Worker) reload(ctx context.Context, served *activities.Catalog) {
	t := time.NewTicker(w.cfg.ReloadInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		rep, err := w.pairings.Load(ctx)
		if err != nil {
			w.log.Error("cannot read the pairings; serving what was loaded before", "error", err)
			continue
		}
		rep.log(w.log)
		cat := w.pairings.Catalog()
		if cat == served {
			continue
		}
		if err := w.startFeeds(ctx, served, cat); err != nil {
			w.log.Error("cannot start the feeds of the reloaded pairings; trying again at the next reload", "error", err)
			continue // the next look starts them: served stays the old catalog
		}
		served = cat
	}
}

// healthPageURL is where the sync-health page is served, for the start-up log line; "off" when it is not.
func (w *Worker) healthPageURL(addr net.Addr) string {
	if !w.cfg.HealthPage {
		return "off"
	}
	return "http://" + addr.String() + synchealth.Prefix
}

func (w *Worker) routes() http.Handler {
	mux := http.NewServeMux()
	w.receiver().Mount(mux)
	w.mountAPI(mux)        // api.go
	w.mountHealthPage(mux) // api.go
	if m := w.metrics(); m != nil {
		mux.Handle("GET /metrics", m.Handler())
	}
	mux.HandleFunc("GET "+LivenessPath, func(rw http.ResponseWriter, _ *http.Request) {
		rw.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = rw.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET "+ReadinessPath, func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if !w.ready.Load() {
			rw.WriteHeader(http.StatusServiceUnavailable)
			_, _ = rw.Write([]byte("starting\n"))
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if _, err := w.client.CheckHealth(ctx, &client.CheckHealthRequest{}); err != nil {
			rw.WriteHeader(http.StatusServiceUnavailable)
			_, _ = fmt.Fprintf(rw, "temporal unreachable: %v\n", err)
			return
		}
		_, _ = rw.Write([]byte("ready\n"))
	})
	return mux
}
