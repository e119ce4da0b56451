package salesforce

import (
	"compress/gzip"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cosellsync/cosell/mocks/mockkit"
)

// Defaults a demo or test can rely on without configuring anything.
const (
	DefaultClientID     = "cosell-mock-client-id"
	DefaultClientSecret = "cosell-mock-client-secret"
	DefaultUsername     = "integration@cosell.example"
	DefaultPassword     = "cosell-mock-password"
	// DefaultAPIVersion is go-salesforce v3's default and the version the connector pins.
	DefaultAPIVersion = "v63.0"
)

// Options configure one fake org. The zero value is a usable org with Salesforce's defaults.
type Options struct {
	// TokenTTL is the session timeout: a token unused for this long is rejected with INVALID_SESSION_ID,
	// as Salesforce times sessions out after inactivity. Default 2h.
	TokenTTL time.Duration `json:"tokenTTL,omitempty"`
	// PageSize is the query batch size; Salesforce returns at most 2000 rows per page. Default 2000.
	PageSize int `json:"pageSize,omitempty"`
	// DailyLimit is the rolling 24-hour API request allocation; once spent every API call gets 403
	// REQUEST_LIMIT_EXCEEDED. Default 15000 (a Developer Edition org).
	DailyLimit int `json:"dailyLimit,omitempty"`
	// ClientID and ClientSecret are the connected app's consumer key and secret.
	ClientID     string `json:"clientId,omitempty"`
	ClientSecret string `json:"clientSecret,omitempty"`
	// Username is the integration user that client_credentials runs as; Password (plus SecurityToken,
	// when set) is accepted for every active user in the password grant.
	Username      string `json:"username,omitempty"`
	Password      string `json:"password,omitempty"`
	SecurityToken string `json:"securityToken,omitempty"`
	// InstanceURL is the instance_url the token endpoint advertises; default: scheme and Host of the
	// token request, which is right when one server plays both hosts.
	InstanceURL string `json:"instanceUrl,omitempty"`
	// LoginURL is used in the identity URL ("id") of token answers; default: the token request's host.
	LoginURL string `json:"loginUrl,omitempty"`
	// LoginHosts are the host names (Host header, port ignored) that play a login host even on the
	// one-handler ServeHTTP: login.salesforce.com and test.salesforce.com by default. A login host
	// refuses the client_credentials grant, which Salesforce serves on the org's My Domain only.
	LoginHosts []string `json:"loginHosts,omitempty"`
	// APIVersions lists the versions served under /services/data/; default v60.0 to v65.0.
	APIVersions []string `json:"apiVersions,omitempty"`
	// CommitDelay is how long an API write stays invisible to SOQL after its transaction started
	// (DefaultCommitDelay, 2 s, by default; negative: visible at once). Its SystemModstamp and
	// LastModifiedDate stay the transaction's start, in whole seconds. Reads by id see it at once.
	// SetCommitDelay and POST /__admin/commit-delay change it on a running org.
	CommitDelay time.Duration `json:"commitDelayMs,omitempty"`
	// Now is the org's clock, so tests can expire sessions and cursors without sleeping. Default time.Now.
	Now func() time.Time `json:"-"`
	// Webhooks sends the org's change notifications (webhooks.go): Outbound Messages, or with Mode
	// "callout" the signed JSON callout of a Flow, to URL, with delivery faults. The zero value sends
	// none. SetWebhooks and /__admin/webhooks change them on a running org.
	Webhooks mockkit.WebhookKnobs `json:"-"`
}

func (o *Options) defaults() {
	if o.TokenTTL <= 0 {
		o.TokenTTL = 2 * time.Hour
	}
	if o.PageSize <= 0 {
		o.PageSize = 2000
	}
	if o.DailyLimit <= 0 {
		o.DailyLimit = 15000
	}
	if o.ClientID == "" {
		o.ClientID = DefaultClientID
	}
	if o.ClientSecret == "" {
		o.ClientSecret = DefaultClientSecret
	}
	if o.Username == "" {
		o.Username = DefaultUsername
	}
	if o.Password == "" {
		o.Password = DefaultPassword
	}
	if len(o.LoginHosts) == 0 {
		o.LoginHosts = []string{"login.salesforce.com", "test.salesforce.com"}
	}
	if len(o.APIVersions) == 0 {
		o.APIVersions = []string{"v60.0", "v61.0", "v62.0", "v63.0", "v64.0", "v65.0"}
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.CommitDelay == 0 {
		o.CommitDelay = DefaultCommitDelay
	}
	o.InstanceURL = strings.TrimRight(o.InstanceURL, "/")
	o.LoginURL = strings.TrimRight(o.LoginURL, "/")
}

// session is an issued access token.
type session struct {
	userID   string
	lastUsed time.Time
}

// Server is one fake org. It is safe for concurrent use; API calls are serialized on one lock, which keeps
// every call atomic like a Salesforce transaction.
type Server struct {
	opts   Options
	schema *schema
	admin  *mockkit.Admin
	orgID  string

	mu              sync.Mutex
	nowFn           func() time.Time
	instanceURL     string
	data            *store
	tokens          map[string]*session
	budget          budget
	locators        map[string]*locator
	integrationUser string
	commitDelay     time.Duration
	// txStart is when the API call under way started: its transaction's stamp.
	txStart time.Time
	hooks   *mockkit.Webhooks[change]

	all, login, instance, instanceNoOAuth http.Handler
}

type role int

const (
	roleAll role = iota
	roleLogin
	roleInstance
	roleInstanceNoOAuth
)

// New returns an org holding only its integration user.
func New(opts Options) *Server {
	opts.defaults()
	s := &Server{
		opts:        opts,
		schema:      newSchema(),
		admin:       mockkit.NewAdmin(),
		orgID:       to18(prefixOrg + "5g0000000C0S"),
		nowFn:       opts.Now,
		instanceURL: opts.InstanceURL,
		commitDelay: opts.CommitDelay,
		hooks:       mockkit.NewWebhooks(webhookFormat(), opts.Webhooks),
	}
	s.resetData()
	s.all = s.handler(roleAll)
	s.login = s.handler(roleLogin)
	s.instance = s.handler(roleInstance)
	s.instanceNoOAuth = s.handler(roleInstanceNoOAuth)
	return s
}

// ServeHTTP serves the login host, the instance host, the admin surface and the HTML page on one handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.all.ServeHTTP(w, r) }

// LoginHandler serves what a login host (login.salesforce.com) serves: the token endpoint for the
// password grant (client_credentials is refused there, as Salesforce serves it on My Domain only), plus
// the admin surface. Everything under /services/data answers 404 there. ServeHTTP plays the org's My
// Domain, except for requests whose Host is one of Options.LoginHosts.
func (s *Server) LoginHandler() http.Handler { return s.login }

// MyDomainHandler serves what the org's My Domain (https://acme.my.salesforce.com) serves: the token
// endpoint for every grant, client_credentials included, and the API.
func (s *Server) MyDomainHandler() http.Handler { return s.instance }

// InstanceHandler serves the org's API and HTML page. With oauth false its token endpoint refuses every
// grant ("request not supported on this domain"), as a pod host that is not the My Domain does, so a client
// that re-authenticates at instance_url instead of its login URL fails visibly.
func (s *Server) InstanceHandler(oauth bool) http.Handler {
	if oauth {
		return s.instance
	}
	return s.instanceNoOAuth
}

// Admin exposes the shared counters and faults.
func (s *Server) Admin() *mockkit.Admin { return s.admin }

// SetNow replaces the org's clock.
func (s *Server) SetNow(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nowFn = now
}

// SetInstanceURL sets the instance_url advertised by the token endpoint, for a login server and an
// instance server started separately.
func (s *Server) SetInstanceURL(u string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.instanceURL = strings.TrimRight(u, "/")
}

// IntegrationUserID is the id of the user client_credentials sessions run as.
func (s *Server) IntegrationUserID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.integrationUser
}

// ExpireTokens invalidates every issued access token, as an admin revoking sessions would.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens = map[string]*session{}
}

// APIUsage reports the API requests counted in the last 24 hours and the daily allocation.
func (s *Server) APIUsage() (used, max int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.budget.used(s.now()), s.opts.DailyLimit
}

// APIBudget is the org's daily API budget as its counters stand (GET /__admin/limits).
type APIBudget struct {
	// Used is the requests counted in the last 24 hours, Max the allocation.
	Used int `json:"used"`
	Max  int `json:"max"`
	// Peak is the highest count API requests reached since the org was created or reset, whatever
	// SetAPIUsage did since: the evidence that a client never went past a share of the budget.
	Peak int `json:"peak"`
	// Refused counts the requests answered 403 REQUEST_LIMIT_EXCEEDED.
	Refused int `json:"refused"`
}

// APIBudget reports the daily API budget's counters.
func (s *Server) APIBudget() APIBudget {
	s.mu.Lock()
	defer s.mu.Unlock()
	return APIBudget{Used: s.budget.used(s.now()), Max: s.opts.DailyLimit, Peak: s.budget.peak, Refused: s.budget.refused}
}

// SetAPIUsage sets the requests counted so far (and the allocation, when max > 0), to test running out;
// SetAPIUsage(0, 0) plays the rolling window emptying. Peak and Refused are kept.
func (s *Server) SetAPIUsage(used, max int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if max > 0 {
		s.opts.DailyLimit = max
	}
	s.budget.set(s.now(), used)
}

// Reset wipes data, sessions, cursors, the API budget and schema changes (ChangeField) back to a new
// org, and clears admin counters and faults.
func (s *Server) Reset() {
	s.resetData()
	s.admin.ResetCalls()
	s.admin.ClearFaults()
}

func (s *Server) resetData() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.schema = newSchema()
	s.data = newStore(s.schema)
	s.tokens = map[string]*session{}
	s.locators = map[string]*locator{}
	s.budget = budget{}
	id, err := s.insert(s.schema.objects["user"], map[string]any{
		"Username": s.opts.Username, "FirstName": "Integration", "LastName": "User",
		"Email": emailFor(s.opts.Username), "IsActive": true,
	}, writeCtx{now: s.now(), seed: true})
	if err != nil {
		panic(fmt.Sprintf("salesforce mock: integration user: %s", err.Message)) // unreachable: fixed valid input
	}
	s.integrationUser = id
	row, _ := s.data.get("User", id)
	row["CreatedById"], row["LastModifiedById"] = id, id
}

func emailFor(username string) string {
	if strings.Contains(username, "@") && strings.Contains(username[strings.Index(username, "@"):], ".") {
		return username
	}
	return "integration@cosell.example"
}

// now is the org clock at Salesforce's millisecond precision.
func (s *Server) now() time.Time { return s.nowFn().UTC().Truncate(time.Millisecond) }

// budget counts API requests over a rolling 24 hours in one-minute buckets, and keeps the highest
// count they reached and how many were refused.
type budget struct {
	minutes []minuteCount
	total   int
	peak    int
	refused int
}

type minuteCount struct {
	minute int64
	n      int
}

func (b *budget) prune(now time.Time) {
	cutoff := now.Unix()/60 - 24*60
	i := 0
	for i < len(b.minutes) && b.minutes[i].minute <= cutoff {
		b.total -= b.minutes[i].n
		i++
	}
	b.minutes = b.minutes[i:]
}

func (b *budget) used(now time.Time) int {
	b.prune(now)
	return b.total
}

func (b *budget) spend(now time.Time) {
	b.prune(now)
	m := now.Unix() / 60
	if n := len(b.minutes); n > 0 && b.minutes[n-1].minute == m {
		b.minutes[n-1].n++
	} else {
		b.minutes = append(b.minutes, minuteCount{minute: m, n: 1})
	}
	b.total++
	b.peak = max(b.peak, b.total)
}

func (b *budget) set(now time.Time, used int) {
	b.minutes = []minuteCount{{minute: now.Unix() / 60, n: used}}
	b.total = used
}

func (s *Server) handler(r role) http.Handler {
	mux := http.NewServeMux()
	s.mountAdmin(mux)
	mux.HandleFunc("/", func(w http.ResponseWriter, req *http.Request) { s.route(r, w, req) })
	return s.admin.Middleware(classify, writeFaultError, mux)
}

func (s *Server) route(r role, w http.ResponseWriter, req *http.Request) {
	p := req.URL.Path
	if r == roleAll && s.isLoginHost(req.Host) {
		r = roleLogin
	}
	switch {
	case p == "/services/oauth2/token":
		if r == roleInstanceNoOAuth {
			oauthError(w, http.StatusBadRequest, "invalid_request", "request not supported on this domain")
			return
		}
		s.serveToken(w, req, r == roleLogin)
	case p == "/services/data" || strings.HasPrefix(p, "/services/data/"):
		if r == roleLogin {
			writeAPIError(w, errNotFound())
			return
		}
		s.serveAPI(w, req)
	case p == "/" && r != roleLogin:
		s.serveUI(w, req)
	case strings.HasPrefix(p, "/lightning/r/") && r != roleLogin:
		s.serveRecordUI(w, req)
	default:
		writeAPIError(w, errNotFound())
	}
}

func oauthError(w http.ResponseWriter, status int, code, desc string) {
	w.Header().Set("Cache-Control", "no-cache,no-store")
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}

// isLoginHost reports whether host (with or without a port) is one of Options.LoginHosts.
func (s *Server) isLoginHost(host string) bool {
	if h, _, found := strings.Cut(host, ":"); found {
		host = h
	}
	for _, l := range s.opts.LoginHosts {
		if strings.EqualFold(host, l) {
			return true
		}
	}
	return false
}

// serveToken is POST /services/oauth2/token for the client_credentials and password grants. A login
// host (login.salesforce.com, test.salesforce.com) refuses client_credentials as Salesforce does: that
// flow is served on the org's My Domain only.
func (s *Server) serveToken(w http.ResponseWriter, r *http.Request, loginHost bool) {
	if r.Method != http.MethodPost {
		oauthError(w, http.StatusBadRequest, "invalid_request", "must use HTTP POST")
		return
	}
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "malformed request body")
		return
	}
	form := r.Form
	s.mu.Lock()
	defer s.mu.Unlock()
	grant := form.Get("grant_type")
	if grant != "client_credentials" && grant != "password" {
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "grant type not supported")
		return
	}
	if grant == "client_credentials" && loginHost {
		oauthError(w, http.StatusBadRequest, "invalid_request", "request not supported on this domain")
		return
	}
	if form.Get("client_id") != s.opts.ClientID {
		oauthError(w, http.StatusBadRequest, "invalid_client_id", "client identifier invalid")
		return
	}
	if !hmac.Equal([]byte(form.Get("client_secret")), []byte(s.opts.ClientSecret)) {
		oauthError(w, http.StatusBadRequest, "invalid_client", "invalid client credentials")
		return
	}
	userID := s.integrationUser
	scope := "api"
	if grant == "password" {
		scope = ""
		id, ok := s.data.byUnique("User", "Username", form.Get("username"))
		user, _ := s.data.get("User", id)
		pw := form.Get("password")
		good := pw == s.opts.Password+s.opts.SecurityToken || s.opts.SecurityToken == "" && pw == s.opts.Password
		if !ok || !good || user["IsActive"] != true {
			oauthError(w, http.StatusBadRequest, "invalid_grant", "authentication failure")
			return
		}
		userID = id
	}
	token, err := newAccessToken(s.orgID)
	if err != nil {
		oauthError(w, http.StatusInternalServerError, "server_error", "could not issue a token")
		return
	}
	now := s.now()
	s.tokens[token] = &session{userID: userID, lastUsed: now}
	issued := strconv.FormatInt(now.UnixMilli(), 10)
	idURL := s.baseURL(r, s.opts.LoginURL) + "/id/" + s.orgID + "/" + userID
	mac := hmac.New(sha256.New, []byte(s.opts.ClientSecret))
	mac.Write([]byte(idURL + issued))
	body := orderedObject{
		{"access_token", token},
		{"instance_url", s.baseURL(r, s.instanceURL)},
		{"id", idURL},
		{"token_type", "Bearer"},
		{"issued_at", issued},
		{"signature", base64.StdEncoding.EncodeToString(mac.Sum(nil))},
	}
	if scope != "" {
		body = append(body, kv{"scope", scope})
	}
	w.Header().Set("Cache-Control", "no-cache,no-store")
	writeJSON(w, http.StatusOK, body)
}

func (s *Server) baseURL(r *http.Request, configured string) string {
	if configured != "" {
		return configured
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// newAccessToken mints a session id shaped like Salesforce's: the org id, '!', and an opaque part.
func newAccessToken(orgID string) (string, error) {
	b := make([]byte, 72)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return orgID[:15] + "!" + strings.ReplaceAll(base64.RawURLEncoding.EncodeToString(b), "-", "."), nil
}

// versionLabel names a release as /services/data/ does, e.g. v63.0 is "Spring '25".
func versionLabel(v string) string {
	n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(v, "v"), ".0"))
	if err != nil {
		return v
	}
	k := n - 60
	season := ((k % 3) + 3) % 3
	year := 24 + (k-season)/3
	switch season {
	case 0:
		return fmt.Sprintf("Spring '%02d", year)
	case 1:
		return fmt.Sprintf("Summer '%02d", year)
	}
	return fmt.Sprintf("Winter '%02d", year+1)
}

func (s *Server) served(version string) bool { return slices.Contains(s.opts.APIVersions, version) }

const maxBody = 50 << 20

func readBody(r *http.Request) ([]byte, error) {
	defer r.Body.Close()
	var rd io.Reader = io.LimitReader(r.Body, maxBody)
	if strings.EqualFold(r.Header.Get("Content-Encoding"), "gzip") {
		gz, err := gzip.NewReader(rd)
		if err != nil {
			return nil, err
		}
		defer gz.Close()
		rd = io.LimitReader(gz, maxBody)
	}
	return io.ReadAll(rd)
}

// serveAPI authenticates, charges the daily budget and dispatches one REST call.
func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	rest := strings.TrimPrefix(r.URL.EscapedPath(), "/services/data")
	if rest == "" || rest == "/" {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			writeAPIError(w, errMethod(r.Method, "HEAD", "GET"))
			return
		}
		var out []orderedObject
		for _, v := range s.opts.APIVersions {
			out = append(out, orderedObject{{"label", versionLabel(v)}, {"url", "/services/data/" + v}, {"version", strings.TrimPrefix(v, "v")}})
		}
		writeJSON(w, http.StatusOK, out)
		return
	}
	version, sub, _ := strings.Cut(rest[1:], "/")
	if !s.served(version) {
		writeAPIError(w, errNotFound())
		return
	}
	body, err := readBody(r)
	if err != nil {
		writeAPIError(w, newErr(http.StatusBadRequest, "JSON_PARSER_ERROR", "could not read request body: "+err.Error()))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	userID, ok := s.authenticate(r)
	if !ok {
		w.Header().Set("WWW-Authenticate", "Token")
		writeAPIError(w, errSession())
		return
	}
	now := s.now()
	if s.budget.used(now) >= s.opts.DailyLimit {
		s.budget.refused++
		s.limitHeader(w, now)
		writeAPIError(w, errLimit())
		return
	}
	s.budget.spend(now)
	s.limitHeader(w, now)
	s.txStart = now
	if s.commitDelay > 0 {
		s.data.visibleAt, s.data.ownFrom = now.Add(s.commitDelay), s.data.seq
	}
	defer func() { s.txStart, s.data.visibleAt = time.Time{}, time.Time{} }()
	s.data.watch()
	resp := s.dispatch(apiReq{method: r.Method, version: version, path: sub, query: r.URL.Query(), body: body, userID: userID, header: r.Header})
	s.hooks.Notify(s.saved(s.baseURL(r, s.instanceURL))...)
	for k, v := range resp.header {
		w.Header().Set(k, v)
	}
	if resp.body == nil {
		w.WriteHeader(resp.status)
		return
	}
	writeJSON(w, resp.status, resp.body)
}

func (s *Server) limitHeader(w http.ResponseWriter, now time.Time) {
	w.Header().Set("Sforce-Limit-Info", fmt.Sprintf("api-usage=%d/%d", s.budget.used(now), s.opts.DailyLimit))
}

// authenticate checks the bearer token and slides its inactivity timeout. The caller holds s.mu.
func (s *Server) authenticate(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	token, ok := strings.CutPrefix(h, "Bearer ")
	if !ok {
		token, ok = strings.CutPrefix(h, "OAuth ")
	}
	if !ok {
		return "", false
	}
	token = strings.TrimSpace(token)
	sess, ok := s.tokens[token]
	if !ok {
		return "", false
	}
	now := s.now()
	if now.Sub(sess.lastUsed) >= s.opts.TokenTTL {
		delete(s.tokens, token)
		return "", false
	}
	if u, ok := s.data.get("User", sess.userID); !ok || u["IsActive"] != true {
		return "", false
	}
	sess.lastUsed = now
	return sess.userID, true
}
