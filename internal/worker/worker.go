// Package worker assembles the running product: it loads the pairing file, builds a connector per CRM
// connection, dials Temporal, registers the workflows and activities, starts each pairing's change
// feeds (idempotently), and serves /healthz and /readyz.
package worker

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync/atomic"
	"time"

	"github.com/sethvargo/go-envconfig"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"

	"github.com/cosellsync/cosell/activities"
	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/connectors"
	"github.com/cosellsync/cosell/internal/config"
	"github.com/cosellsync/cosell/notify"
	"github.com/cosellsync/cosell/pairing"
	"github.com/cosellsync/cosell/workflows"
)

// ErrConfig marks an error in the operator's configuration (exit code 2).
var ErrConfig = errors.New("configuration error")

// Prepare loads the pairing file and builds its connectors. Every problem is a configuration error.
func Prepare(ctx context.Context, cfg config.Config, env envconfig.Lookuper, httpClient *http.Client, log *slog.Logger) (*activities.Connection, error) {
	if err := cfg.RequirePairing(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrConfig, err)
	}
	p, err := pairing.Load(cfg.PairingFile)
	if err != nil {
		return nil, fmt.Errorf("%w: pairing file rejected:\n%v", ErrConfig, err)
	}
	conn := &activities.Connection{Pairing: p, CRM: map[pairing.Side]connectors.CRM{}}
	for _, s := range []pairing.Side{pairing.A, pairing.B} {
		partner := p.Partner(s)
		cc, err := config.LoadConnection(ctx, env, partner.Connection)
		if err == nil {
			err = cc.Check(partner.Connection, partner.CRM)
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrConfig, err)
		}
		crm, err := Connect(partner.CRM, cc, p.DealFields(s), httpClient, log.With("pairing", p.ID, "side", string(s)))
		if err != nil {
			return nil, fmt.Errorf("%w: connection %s: %v", ErrConfig, partner.Connection, err)
		}
		conn.CRM[s] = crm
	}
	if name := p.Notifications.SlackWebhookURLEnv; name != "" {
		url, ok := env.Lookup(name)
		if !ok || url == "" {
			log.Warn("the pairing sends notices to Slack, but its webhook variable is not set; Slack notices are off", "pairing", p.ID, "variable", name)
		} else {
			conn.Slack = notify.NewSlack(url, httpClient)
		}
	}
	return conn, nil
}

// Dial connects to Temporal with the configured address, namespace, TLS and API key.
func Dial(ctx context.Context, cfg config.Config, log *slog.Logger) (client.Client, error) {
	opts := client.Options{
		HostPort:  cfg.Temporal.Address,
		Namespace: cfg.Temporal.Namespace,
		Logger:    sdklog.NewStructuredLogger(log),
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
	c, err := client.DialContext(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("dial temporal at %s (namespace %s): %w", t.Address, t.Namespace, err)
	}
	return c, nil
}

// Worker is the running worker.
type Worker struct {
	cfg    config.Config
	log    *slog.Logger
	client client.Client
	conn   *activities.Connection
	ready  atomic.Bool
	http   *http.Server
}

// New builds a worker over a dialed client and a prepared pairing connection.
func New(cfg config.Config, log *slog.Logger, c client.Client, conn *activities.Connection) *Worker {
	return &Worker{cfg: cfg, log: log, client: c, conn: conn}
}

// Run serves until ctx is done: it checks the namespace has the record directory, registers and starts
// the Temporal worker, ensures the pairing's change feeds run, and serves the health endpoints.
func (w *Worker) Run(ctx context.Context) error {
	p := w.conn.Pairing
	if err := checkDirectory(ctx, w.client.OperatorService(), w.cfg.Temporal.Namespace, w.log); err != nil {
		return err
	}
	acts := &activities.Activities{
		Pairings:     map[string]*activities.Connection{p.ID: w.conn},
		Client:       w.client,
		TaskQueue:    w.cfg.TaskQueue,
		Overlap:      w.cfg.PollOverlap,
		PageSize:     w.cfg.PageSize,
		PollInterval: w.cfg.PollInterval,
		SLAScale:     w.cfg.SLATimeScale,
		PilotDay:     w.cfg.PilotDay,
		Log:          notify.NewLog(w.log),
	}
	tw := worker.New(w.client, w.cfg.TaskQueue, worker.Options{})
	workflows.Register(tw, acts)

	ln, err := net.Listen("tcp", w.cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("%w: COSELL_HTTP_ADDR %s: %v", ErrConfig, w.cfg.HTTPAddr, err)
	}
	w.http = &http.Server{Handler: w.routes(), ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := w.http.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			w.log.Error("health server stopped", "error", err)
		}
	}()
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = w.http.Shutdown(sctx)
	}()

	if err := tw.Start(); err != nil {
		return fmt.Errorf("start temporal worker on %s: %w", w.cfg.TaskQueue, err)
	}
	defer tw.Stop()
	if err := w.startFeeds(ctx); err != nil {
		return err
	}
	w.ready.Store(true)
	w.log.Info("worker ready", "pairing", p.ID, "taskQueue", w.cfg.TaskQueue, "http", ln.Addr().String(),
		"a", p.A.Name+" ("+p.A.CRM+")", "b", p.B.Name+" ("+p.B.CRM+")", "pollInterval", w.cfg.PollInterval)
	<-ctx.Done()
	w.ready.Store(false)
	w.log.Info("worker stopping")
	return nil
}

// startFeeds starts each side's change feed, and the pilot when the pairing declares one, unless they
// already run: the id is fixed per pairing and
// side, and a running feed is reused, so restarts and several workers never start two.
func (w *Worker) startFeeds(ctx context.Context) error {
	p := w.conn.Pairing
	for _, s := range []pairing.Side{pairing.A, pairing.B} {
		id := api.ChangeFeedWorkflowID(p.ID, s)
		_, err := w.client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
			ID:                       id,
			TaskQueue:                w.cfg.TaskQueue,
			WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
			WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		}, api.ChangeFeedWorkflowName, api.FeedInput{PairingID: p.ID, Side: s, PollInterval: w.cfg.PollInterval})
		if err != nil {
			return fmt.Errorf("start change feed %s: %w", id, err)
		}
	}
	if p.Pilot.Enabled {
		id := api.PilotWorkflowID(p.ID)
		_, err := w.client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
			ID: id, TaskQueue: w.cfg.TaskQueue, WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		}, api.PilotWorkflowName, api.PilotInput{PairingID: p.ID})
		if err != nil {
			return fmt.Errorf("start pilot %s: %w", id, err)
		}
	}
	return nil
}

func (w *Worker) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(rw http.ResponseWriter, _ *http.Request) {
		rw.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = rw.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(rw http.ResponseWriter, r *http.Request) {
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
