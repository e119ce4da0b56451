// Package config reads the worker's process settings from the environment with go-envconfig: one struct,
// defaults in tags. Business configuration (pairings, mappings) lives in the pairing file instead, which
// admins keep in git. Secrets may come from files (the *_FILE variables), so they need not sit in the
// environment of every process on the host.
package config

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"reflect"
	"regexp"
	"strings"
	"time"

	"github.com/sethvargo/go-envconfig"

	"github.com/cosellsync/cosell/connectors/budget"
	"github.com/cosellsync/cosell/internal/codec"
)

// Config is every process setting of the worker.
type Config struct {
	Temporal Temporal `env:", prefix=TEMPORAL_"`

	// TaskQueue the worker polls and starts workflows on.
	TaskQueue string `env:"COSELL_TASK_QUEUE, default=cosell"`
	// HTTPAddr serves /healthz and /readyz.
	HTTPAddr string `env:"COSELL_HTTP_ADDR, default=127.0.0.1:8080"`
	// HealthPage serves the sync-health page (package synchealth) at /health on HTTPAddr: deal values
	// on both sides, sync issues, conflicts, SLAs, budgets, decision logs, and a resync button.
	HealthPage bool `env:"COSELL_HEALTH_PAGE, default=true"`
	// HealthToken guards the page (a bearer token, or the login form's cookie); HealthTokenFile names a
	// file holding it. Without one the page is open to whoever reaches HTTPAddr, so Load refuses an
	// address beyond loopback unless a token is set or HealthPage is false.
	HealthToken     string `env:"COSELL_HEALTH_TOKEN"`
	HealthTokenFile string `env:"COSELL_HEALTH_TOKEN_FILE"`
	// APITokens are the partners' tokens for the registration API (httpapi), "Partner Name=token"
	// pairs separated by commas; a partner is the name its pairing files give it. Empty turns the API off.
	APITokens string `env:"COSELL_API_TOKENS"`
	// PairingsDir is the directory of pairing files the worker serves, one pairing per *.yaml or *.yml
	// file; files added, changed and removed are picked up while it runs.
	PairingsDir string `env:"COSELL_PAIRINGS_DIR"`
	// PairingFile serves a single pairing file instead (the setting before directories), watched the
	// same way. Set one of the two.
	PairingFile string `env:"COSELL_PAIRING_FILE"`
	// ReloadInterval is how often the worker looks at the pairing files for changes.
	ReloadInterval time.Duration `env:"COSELL_RELOAD_INTERVAL, default=5s"`
	// PollInterval between change-feed polls of each CRM connection.
	PollInterval time.Duration `env:"COSELL_POLL_INTERVAL, default=10s"`
	// PollOverlap is how far behind its cursor each poll re-reads, to catch late commits.
	PollOverlap time.Duration `env:"COSELL_POLL_OVERLAP, default=5s"`
	// Webhooks turns webhook ingress on: the CRMs push changes to the worker's HTTP server, and polling
	// becomes the safety net at WebhookPollInterval, for each side whose connection has its webhook
	// secret (HubSpot) or organization id (Salesforce) set. A side without them keeps PollInterval.
	Webhooks bool `env:"COSELL_WEBHOOKS, default=false"`
	// WebhookPollInterval is the poll interval of a side that receives webhooks; 0 turns its polling
	// off, so only webhooks (and the polls a webhook asks for) bring changes in.
	WebhookPollInterval time.Duration `env:"COSELL_WEBHOOK_POLL_INTERVAL, default=5m"`
	// WebhookBaseURL is the scheme and host the CRMs call (https://cosell.example.com), which HubSpot's
	// signature covers; empty takes the request's own Host, with https behind a proxy that says
	// X-Forwarded-Proto: https.
	WebhookBaseURL string `env:"COSELL_WEBHOOK_BASE_URL"`
	// Coalesce gathers the single-deal reads and writes of many deal workflows toward one CRM
	// connection into the CRM's batch calls (connectors/batch). false makes one call per read and per
	// write, the naive reference the benchmark measures coalescing against.
	Coalesce bool `env:"COSELL_COALESCE, default=true"`
	// CoalesceWindow is how long a batch waits for one more call; CoalesceMaxWait bounds how long it
	// stays open after its first (connectors/batch).
	CoalesceWindow  time.Duration `env:"COSELL_COALESCE_WINDOW, default=100ms"`
	CoalesceMaxWait time.Duration `env:"COSELL_COALESCE_MAX_WAIT, default=1s"`
	// PageSize bounds one change query.
	PageSize int `env:"COSELL_PAGE_SIZE, default=200"`
	// ReconcileInterval is how often the periodic reconcile verifies a batch of running deals against
	// both CRMs and asks the drifting ones to reconcile through their workflows (ReconcileWorkflow);
	// 0 turns it off. ReconcileDeals is the batch: each deal verified costs two CRM reads, so the
	// defaults (5 deals every 10 minutes) spend about one read a minute per connection.
	ReconcileInterval time.Duration `env:"COSELL_RECONCILE_INTERVAL, default=10m"`
	ReconcileDeals    int           `env:"COSELL_RECONCILE_DEALS, default=5"`
	// SLATimeScale compresses every SLA duration by this factor (1440 turns a day into a minute), for
	// demos and tests; business calendars then count wall time. 1 is off.
	SLATimeScale float64 `env:"COSELL_SLA_TIME_SCALE, default=1"`
	// PilotDay, when set, replaces the length of a pilot day for every pairing (demos and tests: 1s).
	PilotDay time.Duration `env:"COSELL_PILOT_DAY"`
	// LogLevel is debug, info, warn or error.
	LogLevel string `env:"COSELL_LOG_LEVEL, default=info"`
	// LogFormat is text or json.
	LogFormat string `env:"COSELL_LOG_FORMAT, default=text"`
	// Traces exports OpenTelemetry traces of each sync round (the feed's poll, the signal to the deal,
	// the deal's workflow tasks and activities): empty is off, stdout writes them as JSON to standard
	// output, otlp sends them over OTLP/gRPC to OTEL_EXPORTER_OTLP_ENDPOINT (the exporter's own
	// OTEL_EXPORTER_OTLP_* variables apply).
	Traces string `env:"COSELL_TRACES"`

	// PayloadKeys are the AES-256 keys that encrypt every Temporal payload (internal/codec):
	// id:base64key entries, the encrypting key first. PayloadKeysFile names a file holding them instead.
	// With neither, payloads go to Temporal in plain text (and the worker warns).
	PayloadKeys     string `env:"COSELL_PAYLOAD_KEYS"`
	PayloadKeysFile string `env:"COSELL_PAYLOAD_KEYS_FILE"`
	// WorkflowCacheSize is how many workflows the worker keeps in memory between their tasks (the
	// SDK's sticky cache, process-wide): each open deal it holds costs its state and goroutines, so it
	// bounds the worker's memory with many open deals; a deal evicted from it replays its history (at
	// most one run, bounded by continue-as-new) on its next task.
	WorkflowCacheSize int `env:"COSELL_WORKFLOW_CACHE_SIZE, default=10000"`
	// ShutdownGrace is how long a stopping worker (SIGTERM, SIGINT) lets the activities it runs finish
	// after it stops polling for new tasks; what is still running then is cancelled and retried by
	// another worker.
	ShutdownGrace time.Duration `env:"COSELL_SHUTDOWN_GRACE, default=30s"`

	// keys is the parsed PayloadKeys (nil when the codec is off); Load sets it.
	keys *codec.Keyring
}

// PayloadKeyring is the keyring of COSELL_PAYLOAD_KEYS (or its file), nil when payloads are not
// encrypted.
func (c Config) PayloadKeyring() *codec.Keyring { return c.keys }

// Temporal is how to reach the Temporal service. The variable names are the ones Temporal's own tools
// use (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS_*), so one environment serves
// the worker and the `temporal` CLI alike.
type Temporal struct {
	Address    string `env:"ADDRESS, default=127.0.0.1:7233"`
	Namespace  string `env:"NAMESPACE, default=default"`
	APIKey     string `env:"API_KEY"`
	APIKeyFile string `env:"API_KEY_FILE"`
	// TLS turns TLS on with the system roots; it is implied by an API key or a client certificate.
	TLS           bool   `env:"TLS"`
	TLSCertPath   string `env:"TLS_CLIENT_CERT_PATH"`
	TLSKeyPath    string `env:"TLS_CLIENT_KEY_PATH"`
	TLSCAPath     string `env:"TLS_SERVER_CA_CERT_PATH"`
	TLSServerName string `env:"TLS_SERVER_NAME"`
}

// Connection holds one CRM connection's credentials, read from COSELL_CONN_<NAME>_* where NAME is the
// pairing file's connection name in upper case with '-' as '_'.
type Connection struct {
	// URL is the Salesforce org's My Domain URL (https://MyDomainName.my.salesforce.com; the client
	// credentials flow is refused at login.salesforce.com and test.salesforce.com, which only the password
	// flow may use) or the HubSpot API base (https://api.hubapi.com).
	URL              string `env:"URL"`
	ClientID         string `env:"CLIENT_ID"`
	ClientSecret     string `env:"CLIENT_SECRET"`
	ClientSecretFile string `env:"CLIENT_SECRET_FILE"`
	Username         string `env:"USERNAME"`
	Password         string `env:"PASSWORD"`
	PasswordFile     string `env:"PASSWORD_FILE"`
	// SecurityToken is appended to a Salesforce password when the org requires it.
	SecurityToken     string `env:"SECURITY_TOKEN"`
	SecurityTokenFile string `env:"SECURITY_TOKEN_FILE"`
	// Token is a HubSpot private-app token.
	Token     string `env:"TOKEN"`
	TokenFile string `env:"TOKEN_FILE"`
	// RefreshToken is a HubSpot OAuth refresh token.
	RefreshToken     string `env:"REFRESH_TOKEN"`
	RefreshTokenFile string `env:"REFRESH_TOKEN_FILE"`
	// TokenURL overrides the OAuth token endpoint.
	TokenURL string `env:"TOKEN_URL"`
	// AppURL is where links to HubSpot deals point (default https://app.hubspot.com, or the account's
	// own UI domain).
	AppURL string `env:"APP_URL"`

	// AppSecret is the client secret of the HubSpot app (public or private) whose webhooks reach the
	// worker: HubSpot signs every webhook with it (X-HubSpot-Signature-v3). It defaults to ClientSecret,
	// which is the same secret for an OAuth app.
	AppSecret     string `env:"APP_SECRET"`
	AppSecretFile string `env:"APP_SECRET_FILE"`
	// OrgID is the Salesforce organization id (00D…, 15 or 18 characters) that Outbound Messages and
	// signed callouts must come from.
	OrgID string `env:"ORG_ID"`
	// CalloutSecret signs the JSON callout a Salesforce Flow sends (X-CoSell-Signature).
	CalloutSecret     string `env:"CALLOUT_SECRET"`
	CalloutSecretFile string `env:"CALLOUT_SECRET_FILE"`

	// BudgetDailyShare and BudgetWindowShare are the parts of the connection's daily API budget and of
	// its short rate window (HubSpot's 10 s) the product may use, measured on the CRM's own count, which
	// includes every user and integration on the connection: "50%" or "0.5".
	BudgetDailyShare  budget.Share `env:"BUDGET_DAILY_SHARE, default=50%"`
	BudgetWindowShare budget.Share `env:"BUDGET_WINDOW_SHARE, default=50%"`
	// BudgetProbeInterval is how often a connection paused on its daily budget lets one call through to
	// see whether the count has fallen.
	BudgetProbeInterval time.Duration `env:"BUDGET_PROBE_INTERVAL, default=5m"`

	// Name is the pairing file's connection name; LoadConnection sets it.
	Name string
}

// WebhookSecret is the HubSpot app secret webhooks are signed with: AppSecret, else the OAuth client
// secret.
func (c Connection) WebhookSecret() string {
	if c.AppSecret != "" {
		return c.AppSecret
	}
	return c.ClientSecret
}

// ReceivesWebhooks reports whether a connection of this CRM kind has what its webhook endpoints check
// requests with: a HubSpot app secret, or a Salesforce organization id.
func (c Connection) ReceivesWebhooks(kind string) bool {
	switch kind {
	case "hubspot":
		return c.WebhookSecret() != ""
	case "salesforce":
		return c.OrgID != ""
	}
	return false
}

// Load reads and checks the process settings. The error lists every problem, each naming its variable.
func Load(ctx context.Context, l envconfig.Lookuper) (Config, error) {
	var c Config
	if err := envconfig.ProcessWith(ctx, &envconfig.Config{Target: &c, Lookuper: l}); err != nil {
		return c, fmt.Errorf("invalid configuration: %s", withVariableNames(err, reflect.TypeOf(c), ""))
	}
	var errs []error
	bad := func(name, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: "+format, append([]any{name}, args...)...))
	}
	if c.PollInterval <= 0 {
		bad("COSELL_POLL_INTERVAL", "must be positive, got %s", c.PollInterval)
	}
	if c.WebhookPollInterval < 0 {
		bad("COSELL_WEBHOOK_POLL_INTERVAL", "must not be negative (0 turns polling off), got %s", c.WebhookPollInterval)
	}
	if c.WebhookBaseURL != "" {
		if u, err := url.Parse(c.WebhookBaseURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
			bad("COSELL_WEBHOOK_BASE_URL", "must be a scheme and host such as https://cosell.example.com, got %q", c.WebhookBaseURL)
		}
	}
	if c.PollOverlap < 0 {
		bad("COSELL_POLL_OVERLAP", "must not be negative, got %s", c.PollOverlap)
	}
	if c.Traces != "" && c.Traces != "stdout" && c.Traces != "otlp" {
		bad("COSELL_TRACES", "must be empty (off), stdout or otlp, got %q", c.Traces)
	}
	if c.ReloadInterval <= 0 {
		bad("COSELL_RELOAD_INTERVAL", "must be positive, got %s", c.ReloadInterval)
	}
	if c.CoalesceWindow <= 0 || c.CoalesceWindow > time.Second {
		bad("COSELL_COALESCE_WINDOW", "must be positive and at most 1s (a batch holds every call in it that long), got %s", c.CoalesceWindow)
	}
	if c.CoalesceMaxWait < c.CoalesceWindow || c.CoalesceMaxWait > 5*time.Second {
		bad("COSELL_COALESCE_MAX_WAIT", "must be at least COSELL_COALESCE_WINDOW (%s) and at most 5s, got %s", c.CoalesceWindow, c.CoalesceMaxWait)
	}
	if c.ReconcileInterval < 0 || (c.ReconcileInterval > 0 && c.ReconcileInterval < time.Second) {
		bad("COSELL_RECONCILE_INTERVAL", "must be 0 (off) or at least 1s, got %s", c.ReconcileInterval)
	}
	if c.ReconcileDeals < 1 || c.ReconcileDeals > 1000 {
		bad("COSELL_RECONCILE_DEALS", "must be between 1 and 1000, got %d", c.ReconcileDeals)
	}
	if c.PageSize < 1 || c.PageSize > 2000 {
		bad("COSELL_PAGE_SIZE", "must be between 1 and 2000, got %d", c.PageSize)
	}
	if c.SLATimeScale < 1 {
		bad("COSELL_SLA_TIME_SCALE", "must be at least 1, got %g", c.SLATimeScale)
	}
	if _, err := ParseLevel(c.LogLevel); err != nil {
		bad("COSELL_LOG_LEVEL", "%v", err)
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		bad("COSELL_LOG_FORMAT", "must be text or json, got %q", c.LogFormat)
	}
	if c.TaskQueue == "" {
		bad("COSELL_TASK_QUEUE", "must not be empty")
	}
	if !strings.Contains(c.Temporal.Address, ":") {
		bad("TEMPORAL_ADDRESS", "must be host:port, got %q", c.Temporal.Address)
	}
	if (c.Temporal.TLSCertPath == "") != (c.Temporal.TLSKeyPath == "") {
		bad("TEMPORAL_TLS_CLIENT_CERT_PATH", "and TEMPORAL_TLS_CLIENT_KEY_PATH must be set together")
	}
	if c.WorkflowCacheSize < 1 {
		bad("COSELL_WORKFLOW_CACHE_SIZE", "must be at least 1, got %d", c.WorkflowCacheSize)
	}
	if c.ShutdownGrace < 0 {
		bad("COSELL_SHUTDOWN_GRACE", "must not be negative, got %s", c.ShutdownGrace)
	}
	if keys, err := codec.LoadKeys(c.PayloadKeys, c.PayloadKeysFile); err != nil {
		errs = append(errs, err)
	} else {
		c.keys = keys
	}
	if c.Temporal.APIKey == "" && c.Temporal.APIKeyFile != "" {
		key, err := readSecret(c.Temporal.APIKeyFile)
		if err != nil {
			bad("TEMPORAL_API_KEY_FILE", "%v", err)
		}
		c.Temporal.APIKey = key
	}
	if c.HealthToken == "" && c.HealthTokenFile != "" {
		token, err := readSecret(c.HealthTokenFile)
		if err != nil {
			bad("COSELL_HEALTH_TOKEN_FILE", "%v", err)
		}
		c.HealthToken = token
	}
	if c.HealthToken != "" && len(c.HealthToken) < minHealthToken {
		bad("COSELL_HEALTH_TOKEN", "must be at least %d characters", minHealthToken)
	}
	if c.HealthPage && c.HealthToken == "" && !Loopback(c.HTTPAddr) {
		bad("COSELL_HEALTH_TOKEN", "required when COSELL_HTTP_ADDR (%s) is reachable beyond localhost: the sync-health page at /health shows deal values and resyncs deals; set COSELL_HEALTH_TOKEN (or COSELL_HEALTH_TOKEN_FILE), bind COSELL_HTTP_ADDR to 127.0.0.1, or turn the page off with COSELL_HEALTH_PAGE=false", c.HTTPAddr)
	}
	if len(errs) > 0 {
		return c, fmt.Errorf("invalid configuration:\n  %w", joinLines(errs))
	}
	return c, nil
}

// minHealthToken is the shortest COSELL_HEALTH_TOKEN accepted: the token is all that guards the page.
const minHealthToken = 16

// Loopback reports whether a host:port address listens on the loopback interface only (127.0.0.0/8,
// ::1, localhost); an empty host (":8080") listens on every interface.
func Loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// RequirePairing reports a missing pairings directory or file, which only the worker needs, or both
// set at once.
func (c Config) RequirePairing() error {
	switch {
	case c.PairingsDir == "" && c.PairingFile == "":
		return errors.New("invalid configuration: COSELL_PAIRINGS_DIR: required (the directory of pairing YAML files the worker serves, one per pairing; see examples/), or COSELL_PAIRING_FILE for a single file")
	case c.PairingsDir != "" && c.PairingFile != "":
		return errors.New("invalid configuration: COSELL_PAIRINGS_DIR and COSELL_PAIRING_FILE are both set: set one (a directory serves every pairing file in it; move the single file there and unset COSELL_PAIRING_FILE)")
	}
	return nil
}

var (
	connName = regexp.MustCompile(`[^A-Z0-9]+`)
	orgID    = regexp.MustCompile(`^00D[0-9A-Za-z]{12}([0-9A-Za-z]{3})?$`)
)

// ConnectionPrefix returns the variable prefix of a named connection: "acme-sf" → "COSELL_CONN_ACME_SF_".
func ConnectionPrefix(name string) string {
	return "COSELL_CONN_" + connName.ReplaceAllString(strings.ToUpper(name), "_") + "_"
}

// LoadConnection reads a named connection's credentials, resolving *_FILE secrets.
func LoadConnection(ctx context.Context, l envconfig.Lookuper, name string) (Connection, error) {
	var c Connection
	prefix := ConnectionPrefix(name)
	if err := envconfig.ProcessWith(ctx, &envconfig.Config{Target: &c, Lookuper: envconfig.PrefixLookuper(prefix, l)}); err != nil {
		return c, fmt.Errorf("connection %s: %s", name, withVariableNames(err, reflect.TypeOf(c), prefix))
	}
	c.Name = name
	if c.BudgetProbeInterval <= 0 {
		return c, fmt.Errorf("connection %s: %sBUDGET_PROBE_INTERVAL: must be positive, got %s", name, prefix, c.BudgetProbeInterval)
	}
	for _, s := range []struct {
		value *string
		file  string
		name  string
	}{
		{&c.ClientSecret, c.ClientSecretFile, "CLIENT_SECRET_FILE"},
		{&c.Password, c.PasswordFile, "PASSWORD_FILE"},
		{&c.SecurityToken, c.SecurityTokenFile, "SECURITY_TOKEN_FILE"},
		{&c.Token, c.TokenFile, "TOKEN_FILE"},
		{&c.RefreshToken, c.RefreshTokenFile, "REFRESH_TOKEN_FILE"},
		{&c.AppSecret, c.AppSecretFile, "APP_SECRET_FILE"},
		{&c.CalloutSecret, c.CalloutSecretFile, "CALLOUT_SECRET_FILE"},
	} {
		if *s.value == "" && s.file != "" {
			v, err := readSecret(s.file)
			if err != nil {
				return c, fmt.Errorf("connection %s: %s%s: %w", name, prefix, s.name, err)
			}
			*s.value = v
		}
	}
	return c, nil
}

// Check verifies a connection has what its CRM kind needs, naming the variables to set.
func (c Connection) Check(name, kind string) error {
	p := ConnectionPrefix(name)
	switch kind {
	case "salesforce":
		if c.URL == "" {
			return fmt.Errorf("connection %s: %sURL: required (the org's My Domain URL, https://MyDomainName.my.salesforce.com)", name, p)
		}
		if u, err := url.Parse(c.URL); err == nil && c.Username == "" {
			if host := strings.ToLower(u.Hostname()); host == "login.salesforce.com" || host == "test.salesforce.com" {
				return fmt.Errorf("connection %s: %sURL: the client credentials flow needs the org's My Domain URL (https://MyDomainName.my.salesforce.com); %s refuses it", name, p, host)
			}
		}
		if c.ClientID == "" || (c.ClientSecret == "" && c.Password == "") {
			return fmt.Errorf("connection %s: set %sCLIENT_ID and %sCLIENT_SECRET (client credentials), optionally with %sUSERNAME and %sPASSWORD (password flow)", name, p, p, p, p)
		}
		if c.OrgID != "" && !orgID.MatchString(c.OrgID) {
			return fmt.Errorf("connection %s: %sORG_ID: want the organization id, 00D followed by 12 or 15 letters and digits, got %q", name, p, c.OrgID)
		}
		if c.CalloutSecret != "" && c.OrgID == "" {
			return fmt.Errorf("connection %s: %sCALLOUT_SECRET is set without %sORG_ID: the callout endpoint checks both", name, p, p)
		}
	case "hubspot":
		if c.Token == "" && (c.ClientID == "" || c.ClientSecret == "") {
			return fmt.Errorf("connection %s: set %sTOKEN (private app) or %sCLIENT_ID, %sCLIENT_SECRET and %sREFRESH_TOKEN (OAuth)", name, p, p, p, p)
		}
	default:
		return fmt.Errorf("connection %s: unknown CRM kind %q", name, kind)
	}
	return nil
}

// ParseLevel turns a COSELL_LOG_LEVEL value into a slog level.
func ParseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return l, fmt.Errorf("must be debug, info, warn or error, got %q", s)
	}
	return l, nil
}

// Logger builds the process logger from the settings.
func (c Config) Logger() *slog.Logger {
	level, _ := ParseLevel(c.LogLevel)
	opts := &slog.HandlerOptions{Level: level}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(os.Stderr, opts))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, opts))
}

// withVariableNames rewrites go-envconfig's Go field names ("PollInterval: time: invalid duration") into
// the variable an operator sets ("COSELL_POLL_INTERVAL: time: invalid duration").
func withVariableNames(err error, t reflect.Type, prefix string) string {
	msg := err.Error()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("env")
		name, opts, _ := strings.Cut(tag, ",")
		if f.Type.Kind() == reflect.Struct && f.Type != reflect.TypeOf(time.Time{}) {
			p := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(opts), "prefix="))
			msg = withVariableNames(errors.New(msg), f.Type, prefix+p)
			continue
		}
		if name == "" {
			continue
		}
		msg = strings.ReplaceAll(msg, f.Name+":", prefix+name+":")
	}
	return msg
}

func readSecret(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("read secret file: %w", err)
	}
	return strings.TrimSpace(string(b)), nil
}

func joinLines(errs []error) error {
	msgs := make([]string, len(errs))
	for i, e := range errs {
		msgs[i] = e.Error()
	}
	return errors.New(strings.Join(msgs, "\n  "))
}
