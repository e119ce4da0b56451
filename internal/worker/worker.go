// Package worker assembles the running product: it loads the pairing file, builds a connector per CRM
// connection, dials Temporal, registers the workflows and activities, starts each pairing's change
// feeds (idempotently), and serves /healthz, /readyz and, with webhooks on, the CRMs' webhook endpoints
// (package ingress).
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
	"github.com/cosellsync/cosell/ingress"
	"github.com/cosellsync/cosell/internal/config"
	"github.com/cosellsync/cosell/notify"
	"github.com/cosellsync/cosell/pairing"
	"github.com/cosellsync/cosell/workflows"
)

// ErrConfig marks an error in the operator's configuration (exit code 2).
var ErrConfig = errors.New("configuration error")

// Prepared is a pairing ready to serve: its connectors, and the webhook endpoints of the connections that
// receive webhooks (with COSELL_WEBHOOKS on).
type Prepared struct {
	*activities.Connection
	Webhooks []ingress.Source
}

// Prepare loads the pairing file and builds its connectors. Every problem is a configuration error.
func Prepare(ctx context.Context, cfg config.Config, env envconfig.Lookuper, httpClient *http.Client, log *slog.Logger) (*Prepared, error) {
	if err := cfg.RequirePairing(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrConfig, err)
	}
	p, err := pairing.Load(cfg.PairingFile)
	if err != nil {
		return nil, fmt.Errorf("%w: pairing file rejected:\n%v", ErrConfig, err)
	}
	conn := &activities.Connection{Pairing: p, CRM: map[pairing.Side]connectors.CRM{}}
	out := &Prepared{Connection: conn}
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
		if cfg.Webhooks {
			out.addWebhooks(partner.Connection, partner.CRM, s, cc, cfg.PollInterval, log)
		}
	}
	if name := p.Notifications.SlackWebhookURLEnv; name != "" {
		url, ok := env.Lookup(name)
		if !ok || url == "" {
			log.Warn("the pairing sends notices to Slack, but its webhook variable is not set; Slack notices are off", "pairing", p.ID, "variable", name)
		} else {
			conn.Slack = notify.NewSlack(url, httpClient)
		}
	}
	return out, nil
}

// addWebhooks adds a side's connection to the webhook endpoints when it has what they check requests
// with; a connection without keeps polling at the normal interval, and the log says so.
func (p *Prepared) addWebhooks(name, kind string, side pairing.Side, cc config.Connection, pollInterval time.Duration, log *slog.Logger) {
	if !cc.ReceivesWebhooks(kind) {
		need := map[string]string{"hubspot": "APP_SECRET", "salesforce": "ORG_ID"}[kind]
		log.Warn("webhooks are on, but this connection cannot check them; its side keeps polling", "connection", name,
			"set", config.ConnectionPrefix(name)+need, "pollInterval", pollInterval)
		return
	}
	for i := range p.Webhooks {
		if p.Webhooks[i].Connection == name {
			p.Webhooks[i].Sides = append(p.Webhooks[i].Sides, side)
			return
		}
	}
	p.Webhooks = append(p.Webhooks, ingress.Source{Connection: name, CRM: kind, Sides: []pairing.Side{side},
		AppSecret: cc.WebhookSecret(), OrgID: cc.OrgID, CalloutSecret: cc.CalloutSecret})
}

// receives reports whether a side's changes come by webhook.
func (p *Prepared) receives(side pairing.Side) bool {
	for _, src := range p.Webhooks {
		for _, s := range src.Sides {
			if s == side {
				return true
			}
		}
	}
	return false
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
	prep   *Prepared
	ready  atomic.Bool
	http   *http.Server
	ln     net.Listener
}

// New builds a worker over a dialed client and a prepared pairing.
func New(cfg config.Config, log *slog.Logger, c client.Client, p *Prepared) *Worker {
	return &Worker{cfg: cfg, log: log, client: c, conn: p.Connection, prep: p}
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

// feedSettings is how a side's change feed polls: every COSELL_POLL_INTERVAL, or with webhooks coming
// in every COSELL_WEBHOOK_POLL_INTERVAL, or not at all when that is 0.
func (w *Worker) feedSettings(side pairing.Side) api.FeedSettings {
	switch {
	case !w.prep.receives(side):
		return api.FeedSettings{PollInterval: w.cfg.PollInterval}
	case w.cfg.WebhookPollInterval == 0:
		return api.FeedSettings{PollInterval: w.cfg.PollInterval, NoPolling: true}
	default:
		return api.FeedSettings{PollInterval: w.cfg.WebhookPollInterval}
	}
}

func (w *Worker) feedInput(side pairing.Side) api.FeedInput {
	s := w.feedSettings(side)
	return api.FeedInput{PairingID: w.conn.Pairing.ID, Side: side, PollInterval: s.PollInterval, NoPolling: s.NoPolling}
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
		Feeds:        map[string]api.FeedSettings{},
		SLAScale:     w.cfg.SLATimeScale,
		PilotDay:     w.cfg.PilotDay,
		Log:          notify.NewLog(w.log),
	}
	for _, s := range []pairing.Side{pairing.A, pairing.B} {
		acts.Feeds[api.ChangeFeedWorkflowID(p.ID, s)] = w.feedSettings(s)
	}
	tw := worker.New(w.client, w.cfg.TaskQueue, worker.Options{})
	workflows.Register(tw, acts)

	addr, err := w.Listen()
	if err != nil {
		return err
	}
	ln := w.ln
	w.http = &http.Server{Handler: w.routes(), ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second}
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
	w.log.Info("worker ready", "pairing", p.ID, "taskQueue", w.cfg.TaskQueue, "http", addr.String(),
		"a", p.A.Name+" ("+p.A.CRM+")", "b", p.B.Name+" ("+p.B.CRM+")",
		"pollA", describe(w.feedSettings(pairing.A)), "pollB", describe(w.feedSettings(pairing.B)), "webhooks", w.receiver().Paths())
	<-ctx.Done()
	w.ready.Store(false)
	w.log.Info("worker stopping")
	return nil
}

func describe(s api.FeedSettings) string {
	if s.NoPolling {
		return "off (webhooks only)"
	}
	return s.PollInterval.String()
}

// startFeeds starts each side's change feed, and the pilot when the pairing declares one, unless they
// already run: the id is fixed per pairing and side, and a running feed is reused, so restarts and
// several workers never start two. A running feed is sent the settings, so it follows the worker's
// configuration (a poll interval changed, webhooks turned on or off) without a restart of its own.
func (w *Worker) startFeeds(ctx context.Context) error {
	p := w.conn.Pairing
	for _, s := range []pairing.Side{pairing.A, pairing.B} {
		if err := activities.SignalFeed(ctx, w.client, w.cfg.TaskQueue, w.feedInput(s), api.FeedSettingsSignal, w.feedSettings(s)); err != nil {
			return fmt.Errorf("start change feed: %w", err)
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

// receiver is the webhook ingress: each webhook's records are handed to the feed of their side, which
// SignalFeed starts first if it does not run.
func (w *Worker) receiver() *ingress.Receiver {
	return &ingress.Receiver{
		Sources: w.prep.Webhooks,
		BaseURL: w.cfg.WebhookBaseURL,
		Log:     w.log,
		HandOff: func(ctx context.Context, side pairing.Side, rc api.RecordsChanged) error {
			return activities.SignalFeed(ctx, w.client, w.cfg.TaskQueue, w.feedInput(side), api.RecordsSignal, rc)
		},
	}
}

func (w *Worker) routes() http.Handler {
	mux := http.NewServeMux()
	w.receiver().Mount(mux)
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
