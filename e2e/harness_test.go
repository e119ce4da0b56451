//go:build e2e

// Package e2e runs the product end to end: a real Temporal dev server (the pinned CLI build), both fake
// CRMs over HTTP, and the worker — in-process, or as a separate `cosell worker` process where a test
// kills it. These tests never skip: without the Temporal binary they fail, so a green run proves the
// whole path works.
package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sethvargo/go-envconfig"
	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	sdklog "go.temporal.io/sdk/log"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/internal/codec"
	"github.com/cosellsync/cosell/internal/config"
	"github.com/cosellsync/cosell/internal/demo"
	"github.com/cosellsync/cosell/internal/devserver"
	"github.com/cosellsync/cosell/internal/worker"
	hsmock "github.com/cosellsync/cosell/mocks/hubspot"
	"github.com/cosellsync/cosell/mocks/mockkit"
	sfmock "github.com/cosellsync/cosell/mocks/salesforce"
	"github.com/cosellsync/cosell/pairing"
)

// e2ePayloadKeys is the payload key of the test runs (COSELL_PAYLOAD_KEYS), published like the demo's.
const e2ePayloadKeys = "e2e-1:ZTJlIHBheWxvYWQga2V5OiBwdWJsaXNoZWQsIG5vISE="

var (
	temporalAddr string
	cosellBin    string
	seq          atomic.Int64
)

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	srv, err := devserver.Start(ctx, devserver.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e: cannot start the Temporal dev server:", err)
		return 1
	}
	defer srv.Stop()
	temporalAddr = srv.FrontendHostPort()

	dir, err := os.MkdirTemp("", "cosell-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	// Every test runs with payloads encrypted, as production should (the child processes inherit the
	// keys), except when recording histories for the replay tests, which are committed in plain text.
	if os.Getenv("E2E_RECORD_HISTORY") == "" {
		os.Setenv(codec.KeysEnv, e2ePayloadKeys)
	}
	cosellBin = filepath.Join(dir, "cosell")
	build := exec.Command("go", "build", "-o", cosellBin, "../cmd/cosell")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: build cosell:", err)
		return 1
	}
	return m.Run()
}

// stack is one test's world: two fake CRMs seeded with the demo data, a pairing file with a unique id, and
// a task queue of its own on the shared dev server.
type stack struct {
	t         testing.TB
	sf        *sfmock.Server
	hs        *hsmock.Server
	sfURL     string
	hsURL     string
	pairingID string
	env       map[string]string
	temporal  client.Client
	// dataConverter decodes this stack's payloads (they are encrypted) for traceOnFailure.
	dataConverter converter.DataConverter
	// traced is set once the test's first mirrored deal is traced on failure (waitMirror).
	traced bool
	sfUser *sfUser
	hsUser *hsUser
	hooks  *webhookOptions
}

// webhookOptions turn the worker's webhook ingress on, and the fakes' webhooks with the faults given.
type webhookOptions struct {
	// poll is COSELL_WEBHOOK_POLL_INTERVAL: the safety-net poll; 0 turns polling off.
	poll time.Duration
	// hs and sf are the fakes' delivery knobs; URL and secret are filled in by startWorker.
	hs, sf mockkit.WebhookKnobs
}

type stackOptions struct {
	sf         sfmock.Options
	hs         hsmock.Options
	pairingMod func(string) string
	poll       time.Duration
	webhooks   *webhookOptions
	// encrypt turns the payload codec on even while E2E_RECORD_HISTORY turns it off for the others.
	encrypt bool
	// temporal is the frontend of a dev server of the test's own (one it restarts); empty is the shared one.
	temporal string
	// sfWrap, when set, wraps the fake Salesforce's handler: a test can act as a user at an exact point
	// of the worker's requests, or count a kind of call.
	sfWrap func(http.Handler) http.Handler
}

func newStack(t testing.TB, o stackOptions) *stack {
	t.Helper()
	n := seq.Add(1)
	sfOpts, hsOpts := demo.SalesforceOptions(), demo.HubSpotOptions()
	if o.sf.TokenTTL > 0 {
		sfOpts.TokenTTL = o.sf.TokenTTL
	}
	if o.sf.DailyLimit > 0 {
		sfOpts.DailyLimit = o.sf.DailyLimit
	}
	if o.hs.RateLimit != 0 {
		hsOpts.RateLimit = o.hs.RateLimit
	}
	if o.hs.RateLimitWindow > 0 {
		hsOpts.RateLimitWindow = o.hs.RateLimitWindow
	}
	// The fakes lag as the real CRMs do, shorter than the fakes' defaults so the suite stays quick but
	// never zero, and inside the 2 s COSELL_POLL_OVERLAP below (commit delay + 1 s, index lag < overlap).
	sfOpts.CommitDelay = 500 * time.Millisecond
	hsOpts.SearchIndexLag = time.Second
	s := &stack{t: t, sf: sfmock.New(sfOpts), hs: hsmock.New(hsOpts)}
	sfData := demo.Salesforce()
	sfData.Opportunities = nil // each test creates the deals it needs
	require.NoError(t, s.sf.Seed(sfData))
	hsData := demo.HubSpot()
	hsData.Deals = nil
	require.NoError(t, s.hs.Seed(hsData))
	var sfHandler http.Handler = s.sf
	if o.sfWrap != nil {
		sfHandler = o.sfWrap(sfHandler)
	}
	sfTS, hsTS := httptest.NewServer(sfHandler), httptest.NewServer(s.hs)
	t.Cleanup(sfTS.Close)
	t.Cleanup(hsTS.Close)
	t.Cleanup(s.sf.Close) // their webhooks stop before the servers do
	t.Cleanup(s.hs.Close)
	s.sfURL, s.hsURL = sfTS.URL, hsTS.URL

	s.pairingID = fmt.Sprintf("e2e-%s-%d-%d", strings.ToLower(strings.ReplaceAll(t.Name(), "/", "-")), os.Getpid(), n)
	if len(s.pairingID) > 60 {
		s.pairingID = fmt.Sprintf("e2e-%d-%d", os.Getpid(), n)
	}
	raw, err := os.ReadFile("../" + demo.PairingFile)
	require.NoError(t, err)
	text := strings.Replace(string(raw), "id: acme-globex", "id: "+s.pairingID, 1)
	if o.pairingMod != nil {
		text = o.pairingMod(text)
	}
	path := filepath.Join(t.TempDir(), "pairing.yaml")
	require.NoError(t, os.WriteFile(path, []byte(text), 0o644))
	_, err = pairing.Load(path)
	require.NoError(t, err, "the test pairing must be valid")

	poll := o.poll
	if poll == 0 {
		poll = 500 * time.Millisecond
	}
	sfp, hsp := config.ConnectionPrefix(demo.SalesforceConnection), config.ConnectionPrefix(demo.HubSpotConnection)
	addr := temporalAddr
	if o.temporal != "" {
		addr = o.temporal
	}
	s.env = map[string]string{
		"TEMPORAL_ADDRESS":     addr,
		"COSELL_TASK_QUEUE":    "e2e-" + s.pairingID,
		"COSELL_HTTP_ADDR":     "127.0.0.1:0",
		"COSELL_PAIRING_FILE":  path,
		"COSELL_POLL_INTERVAL": poll.String(),
		"COSELL_POLL_OVERLAP":  "2s",
		"COSELL_LOG_LEVEL":     envOr("E2E_LOG_LEVEL", "warn"),
		sfp + "URL":            s.sfURL,
		sfp + "CLIENT_ID":      demo.SalesforceClientID,
		sfp + "CLIENT_SECRET":  demo.SalesforceClientSecret,
		hsp + "URL":            s.hsURL,
		hsp + "TOKEN":          demo.HubSpotToken,
	}
	if k := os.Getenv(codec.KeysEnv); k != "" {
		s.env[codec.KeysEnv] = k
	} else if o.encrypt {
		s.env[codec.KeysEnv] = e2ePayloadKeys
	}
	if o.webhooks != nil {
		s.hooks = o.webhooks
		s.env["COSELL_WEBHOOKS"] = "true"
		s.env["COSELL_WEBHOOK_POLL_INTERVAL"] = o.webhooks.poll.String()
		s.env[sfp+"ORG_ID"] = s.sf.OrgID()
		s.env[hsp+"APP_SECRET"] = demo.HubSpotAppSecret
	}
	copts := client.Options{HostPort: addr, Logger: sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler))}
	if k := s.env[codec.KeysEnv]; k != "" {
		keys, err := codec.ParseKeys(k, codec.KeysEnv)
		require.NoError(t, err)
		cd, err := codec.New(keys)
		require.NoError(t, err)
		copts.DataConverter, copts.FailureConverter = cd.DataConverter(), cd.FailureConverter()
	}
	s.dataConverter = copts.DataConverter
	if s.dataConverter == nil {
		s.dataConverter = converter.GetDefaultDataConverter()
	}
	c, err := client.Dial(copts)
	require.NoError(t, err)
	s.temporal = c
	t.Cleanup(func() {
		// Stop this test's change feeds so they do not poll closed fakes for the rest of the run.
		for _, side := range []pairing.Side{pairing.A, pairing.B} {
			_ = c.TerminateWorkflow(context.Background(), s.feedID(side), "", "test over")
		}
		_ = c.TerminateWorkflow(context.Background(), api.ReconcileWorkflowID(s.env["COSELL_TASK_QUEUE"]), "", "test over")
		c.Close()
	})
	s.sfUser = &sfUser{t: t, base: s.sfURL}
	s.hsUser = &hsUser{t: t, base: s.hsURL}
	return s
}

// startWorker runs the worker in-process until the test ends.
func (s *stack) startWorker() {
	s.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	env := envconfig.MapLookuper(s.env)
	cfg, err := config.Load(ctx, env)
	require.NoError(s.t, err)
	conn, err := worker.Prepare(ctx, cfg, env, &http.Client{Timeout: 30 * time.Second}, cfg.Logger())
	require.NoError(s.t, err)
	c, err := worker.Dial(ctx, cfg, cfg.Logger())
	require.NoError(s.t, err)
	w := worker.New(cfg, cfg.Logger(), c, conn)
	if s.hooks != nil {
		// The worker listens first, so the fakes know where to send their webhooks.
		addr, err := w.Listen()
		require.NoError(s.t, err)
		hs, sf := demo.Webhooks(addr.String())
		for _, k := range []struct {
			set   func(mockkit.WebhookKnobs) error
			base  mockkit.WebhookKnobs
			fault mockkit.WebhookKnobs
		}{{s.hs.SetWebhooks, hs, s.hooks.hs}, {s.sf.SetWebhooks, sf, s.hooks.sf}} {
			knobs := k.fault
			knobs.URL, knobs.Secret = k.base.URL, k.base.Secret
			require.NoError(s.t, k.set(knobs))
		}
	}
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	s.t.Cleanup(func() {
		cancel()
		require.NoError(s.t, <-done)
		c.Close()
	})
}

// startWorkerProcess runs `cosell worker` as a child process, so a test can SIGKILL it.
func (s *stack) startWorkerProcess() *exec.Cmd {
	s.t.Helper()
	cmd := exec.Command(cosellBin, "worker")
	cmd.Env = os.Environ()
	for k, v := range s.env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	require.NoError(s.t, cmd.Start())
	s.t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
		if s.t.Failed() {
			s.t.Logf("worker output:\n%s", out.String())
		}
	})
	return cmd
}

// deal queries a deal workflow's state.
func (s *stack) deal(coSellID string) (api.DealView, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	res, err := s.temporal.QueryWorkflow(ctx, api.DealWorkflowID(coSellID), "", api.DealQuery)
	if err != nil {
		return api.DealView{}, err
	}
	var v api.DealView
	return v, res.Get(&v)
}

// dealWorkflows counts the deal workflows this test's worker ran, running or closed.
func (s *stack) dealWorkflows() int {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	res, err := s.temporal.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{
		Query: fmt.Sprintf("WorkflowType = '%s' AND TaskQueue = '%s'", api.DealWorkflowName, s.env["COSELL_TASK_QUEUE"])})
	require.NoError(s.t, err)
	return int(res.GetCount())
}

// feedID is the workflow id of the change feed of a side's connection (the demo's acme-sf or globex-hs).
func (s *stack) feedID(side pairing.Side) string {
	conn := demo.SalesforceConnection
	if side == pairing.B {
		conn = demo.HubSpotConnection
	}
	return api.ConnectionFeedWorkflowID(s.env["COSELL_TASK_QUEUE"], conn)
}

// feedView queries the change feed of a side's connection; ok is false while it does not answer.
func (s *stack) feedView(side pairing.Side) (api.FeedView, bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	res, err := s.temporal.QueryWorkflow(ctx, s.feedID(side), "", api.FeedQuery)
	if err != nil {
		return api.FeedView{}, false
	}
	var v api.FeedView
	return v, res.Get(&v) == nil
}

// feedPolls returns how many polls a side's change feed has completed, -1 while it does not answer.
func (s *stack) feedPolls(side pairing.Side) int {
	v, ok := s.feedView(side)
	if !ok {
		return -1
	}
	return v.State.Polls
}

// waitFeedPolls waits until both feeds have completed n more polls.
func (s *stack) waitFeedPolls(n int, within time.Duration) {
	s.t.Helper()
	a0, b0 := s.feedPolls(pairing.A), s.feedPolls(pairing.B)
	eventually(s.t, within, func() bool {
		return s.feedPolls(pairing.A) >= a0+n && s.feedPolls(pairing.B) >= b0+n
	}, "both feeds poll %d more times", n)
}

func writes(a *mockkit.Admin) int { return a.Snapshot().Writes }

// hsDealByCoSellID finds the HubSpot deal carrying a co-sell id.
func (s *stack) hsDealsByCoSellID(coSellID string) []hsmock.Record {
	var out []hsmock.Record
	for _, d := range s.hs.Deals() {
		if d.Properties["cosell_id"] == coSellID && !d.Archived {
			out = append(out, d)
		}
	}
	return out
}

// hsDealNow returns a HubSpot deal's properties straight from the fake. Wait loops use it rather than
// hsUser.getDeal: a read through the API every 50 ms spends the portal's 10 s window, which the worker's
// budget guard shares, and so would slow the very sync the loop waits for.
func (s *stack) hsDealNow(id string) map[string]any {
	s.t.Helper()
	d, ok := s.hs.Deal(id)
	require.True(s.t, ok, "no HubSpot deal %s", id)
	out := make(map[string]any, len(d.Properties))
	for k, v := range d.Properties {
		out[k] = v
	}
	return out
}

// hsCompany returns a HubSpot company's properties, nil when there is none with that id.
func (s *stack) hsCompany(id string) map[string]string {
	for _, c := range s.hs.Companies() {
		if c.ID == id {
			return c.Properties
		}
	}
	return nil
}

// eventually polls cond every 50 ms until it holds or within passes. It logs how long each
// wait took, so a failed test's output shows which earlier step ran slow.
func eventually(t testing.TB, within time.Duration, cond func() bool, msg string, args ...any) {
	t.Helper()
	start := time.Now()
	deadline := start.Add(within)
	for {
		if cond() {
			t.Logf("held after %s: %s", time.Since(start).Round(time.Millisecond), traceMsg(msg, args))
			return
		}
		if time.Now().After(deadline) {
			for i, a := range args {
				if f, ok := a.(func() any); ok {
					args[i] = f() // late-bound details, read when the wait fails
				}
			}
			t.Fatalf("not within %s: "+msg, append([]any{within}, args...)...)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// traceMsg formats a wait's message for the log, leaving late-bound details unread.
func traceMsg(msg string, args []any) string {
	for _, a := range args {
		if _, ok := a.(func() any); ok {
			return msg
		}
	}
	return fmt.Sprintf(msg, args...)
}

// sfUser acts as an Acme rep through Salesforce's REST API.
type sfUser struct {
	t     testing.TB
	base  string
	token string
}

func (u *sfUser) do(method, path string, body any) (int, []byte) {
	u.t.Helper()
	if u.token == "" {
		form := url.Values{"grant_type": {"client_credentials"}, "client_id": {demo.SalesforceClientID}, "client_secret": {demo.SalesforceClientSecret}}
		resp, err := http.PostForm(u.base+"/services/oauth2/token", form)
		require.NoError(u.t, err)
		var tok struct {
			AccessToken string `json:"access_token"`
		}
		require.NoError(u.t, json.NewDecoder(resp.Body).Decode(&tok))
		resp.Body.Close()
		u.token = tok.AccessToken
	}
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(u.t, err)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, u.base+"/services/data/v63.0"+path, rd)
	require.NoError(u.t, err)
	req.Header.Set("Authorization", "Bearer "+u.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(u.t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode == http.StatusUnauthorized {
		u.token = ""
		return u.do(method, path, body)
	}
	return resp.StatusCode, b
}

// create creates a record and returns its id.
func (u *sfUser) create(object string, fields map[string]any) string {
	u.t.Helper()
	status, b := u.do(http.MethodPost, "/sobjects/"+object+"/", fields)
	require.Equal(u.t, http.StatusCreated, status, string(b))
	var r struct {
		ID string `json:"id"`
	}
	require.NoError(u.t, json.Unmarshal(b, &r))
	return r.ID
}

func (u *sfUser) update(object, id string, fields map[string]any) {
	u.t.Helper()
	status, b := u.do(http.MethodPatch, "/sobjects/"+object+"/"+id, fields)
	require.Equal(u.t, http.StatusNoContent, status, string(b))
}

func (u *sfUser) get(object, id string) map[string]any {
	u.t.Helper()
	status, b := u.do(http.MethodGet, "/sobjects/"+object+"/"+id, nil)
	require.Equal(u.t, http.StatusOK, status, string(b))
	var r map[string]any
	require.NoError(u.t, json.Unmarshal(b, &r))
	return r
}

// query runs SOQL and returns the records.
func (u *sfUser) query(soql string) []map[string]any {
	u.t.Helper()
	status, b := u.do(http.MethodGet, "/query?q="+url.QueryEscape(soql), nil)
	require.Equal(u.t, http.StatusOK, status, string(b))
	var r struct {
		Records []map[string]any `json:"records"`
	}
	require.NoError(u.t, json.Unmarshal(b, &r))
	return r.Records
}

func (u *sfUser) userID(email string) string {
	recs := u.query("SELECT Id FROM User WHERE Email = '" + email + "'")
	require.Len(u.t, recs, 1)
	return recs[0]["Id"].(string)
}

// hsUser acts as a Globex rep through HubSpot's CRM API.
type hsUser struct {
	t    testing.TB
	base string
}

func (u *hsUser) do(method, path string, body any) (int, []byte) {
	u.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(u.t, err)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, u.base+path, rd)
	require.NoError(u.t, err)
	req.Header.Set("Authorization", "Bearer "+demo.HubSpotToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(u.t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode == http.StatusTooManyRequests {
		// The rep shares the private app's rate limit with the worker; back off as any client must.
		time.Sleep(500 * time.Millisecond)
		return u.do(method, path, body)
	}
	return resp.StatusCode, b
}

func (u *hsUser) createDeal(props map[string]any) string {
	u.t.Helper()
	status, b := u.do(http.MethodPost, "/crm/v3/objects/deals", map[string]any{"properties": props})
	require.Equal(u.t, http.StatusCreated, status, string(b))
	var r struct {
		ID string `json:"id"`
	}
	require.NoError(u.t, json.Unmarshal(b, &r))
	return r.ID
}

// createCompany creates a company, as a rep adding the customer would, and returns its id.
func (u *hsUser) createCompany(props map[string]any) string {
	u.t.Helper()
	status, b := u.do(http.MethodPost, "/crm/v3/objects/companies", map[string]any{"properties": props})
	require.Equal(u.t, http.StatusCreated, status, string(b))
	var r struct {
		ID string `json:"id"`
	}
	require.NoError(u.t, json.Unmarshal(b, &r))
	return r.ID
}

// createDealAt creates a deal whose primary company is companyID (HubSpot's deal-to-primary-company
// association, type 5), as a deal created from the company's record is.
func (u *hsUser) createDealAt(companyID string, props map[string]any) string {
	u.t.Helper()
	status, b := u.do(http.MethodPost, "/crm/v3/objects/deals", map[string]any{"properties": props,
		"associations": []any{map[string]any{"to": map[string]any{"id": companyID},
			"types": []any{map[string]any{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 5}}}}})
	require.Equal(u.t, http.StatusCreated, status, string(b))
	var r struct {
		ID string `json:"id"`
	}
	require.NoError(u.t, json.Unmarshal(b, &r))
	return r.ID
}

func (u *hsUser) updateDeal(id string, props map[string]any) {
	u.t.Helper()
	status, b := u.do(http.MethodPatch, "/crm/v3/objects/deals/"+id, map[string]any{"properties": props})
	require.Equal(u.t, http.StatusOK, status, string(b))
}

func (u *hsUser) getDeal(id string) map[string]any {
	u.t.Helper()
	return u.getDealProps(id, "dealname,dealstage,amount,closedate,hubspot_owner_id,hs_next_step,cosell_id,cosell_enabled,cosell_partner_owner_name,cosell_partner_owner_email")
}

// getDealProps reads a deal's properties named in props (comma-separated), as HubSpot answers them.
func (u *hsUser) getDealProps(id, props string) map[string]any {
	u.t.Helper()
	status, b := u.do(http.MethodGet, "/crm/v3/objects/deals/"+id+"?properties="+props, nil)
	require.Equal(u.t, http.StatusOK, status, string(b))
	var r struct {
		Properties map[string]any `json:"properties"`
	}
	require.NoError(u.t, json.Unmarshal(b, &r))
	return r.Properties
}

func (u *hsUser) createNote(dealID, body string) string {
	u.t.Helper()
	status, b := u.do(http.MethodPost, "/crm/v3/objects/notes", map[string]any{
		"properties": map[string]any{"hs_note_body": body, "hs_timestamp": time.Now().UTC().Format(time.RFC3339Nano), "hubspot_owner_id": "71001"},
		"associations": []any{map[string]any{"to": map[string]any{"id": dealID},
			"types": []any{map[string]any{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 214}}}},
	})
	require.Equal(u.t, http.StatusCreated, status, string(b))
	var r struct {
		ID string `json:"id"`
	}
	require.NoError(u.t, json.Unmarshal(b, &r))
	return r.ID
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// recordHistory cancels a workflow, waits for it to close, and, when E2E_RECORD_HISTORY names a folder,
// writes its history there as JSON (the `temporal workflow show --output json` shape). Those files are
// committed under workflows/testdata/replay, where a replay test makes any non-deterministic change to
// the workflows fail `make test`.
func (s *stack) recordHistory(workflowID, name string) {
	s.t.Helper()
	dir := os.Getenv("E2E_RECORD_HISTORY")
	if dir == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	require.NoError(s.t, s.temporal.CancelWorkflow(ctx, workflowID, ""))
	_ = s.temporal.GetWorkflow(ctx, workflowID, "").Get(ctx, nil) // returns the cancellation
	var events []*historypb.HistoryEvent
	it := s.temporal.GetWorkflowHistory(ctx, workflowID, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		ev, err := it.Next()
		require.NoError(s.t, err)
		events = append(events, ev)
	}
	b, err := protojson.MarshalOptions{Multiline: true, Indent: "  "}.Marshal(&historypb.History{Events: events})
	require.NoError(s.t, err)
	require.NoError(s.t, os.MkdirAll(dir, 0o755))
	require.NoError(s.t, os.WriteFile(filepath.Join(dir, name+".json"), b, 0o644))
	s.t.Logf("recorded %d events of %s into %s", len(events), workflowID, filepath.Join(dir, name+".json"))
}

// traceOnFailure prints a workflow's history when the test fails: each event's offset from the
// first, its type, and its decoded payloads (cut to 600 bytes), so a failure in CI shows what the
// workflow did and when, not only which wait ran out.
func (s *stack) traceOnFailure(workflowID string) {
	s.t.Cleanup(func() {
		if !s.t.Failed() {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		dc := s.dataConverter
		var b strings.Builder
		var first time.Time
		it := s.temporal.GetWorkflowHistory(ctx, workflowID, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		for it.HasNext() {
			ev, err := it.Next()
			if err != nil {
				fmt.Fprintf(&b, "history: %v\n", err)
				break
			}
			at := ev.GetEventTime().AsTime()
			if first.IsZero() {
				first = at
			}
			fmt.Fprintf(&b, "%8s %3d %s", at.Sub(first).Round(time.Millisecond), ev.GetEventId(), ev.GetEventType())
			switch {
			case ev.GetActivityTaskScheduledEventAttributes() != nil:
				a := ev.GetActivityTaskScheduledEventAttributes()
				fmt.Fprintf(&b, " %s %s", a.GetActivityType().GetName(), decodeForTrace(dc, a.GetInput()))
			case ev.GetActivityTaskCompletedEventAttributes() != nil:
				fmt.Fprintf(&b, " %s", decodeForTrace(dc, ev.GetActivityTaskCompletedEventAttributes().GetResult()))
			case ev.GetActivityTaskFailedEventAttributes() != nil:
				fmt.Fprintf(&b, " %s", ev.GetActivityTaskFailedEventAttributes().GetFailure().GetMessage())
			case ev.GetWorkflowExecutionSignaledEventAttributes() != nil:
				a := ev.GetWorkflowExecutionSignaledEventAttributes()
				fmt.Fprintf(&b, " %s %s", a.GetSignalName(), decodeForTrace(dc, a.GetInput()))
			case ev.GetWorkflowExecutionUpdateAcceptedEventAttributes() != nil:
				a := ev.GetWorkflowExecutionUpdateAcceptedEventAttributes().GetAcceptedRequest().GetInput()
				fmt.Fprintf(&b, " %s %s", a.GetName(), decodeForTrace(dc, a.GetArgs()))
			case ev.GetTimerStartedEventAttributes() != nil:
				fmt.Fprintf(&b, " %s", ev.GetTimerStartedEventAttributes().GetStartToFireTimeout().AsDuration())
			}
			b.WriteByte('\n')
		}
		s.t.Logf("history of %s:\n%s", workflowID, b.String())
	})
}

func decodeForTrace(dc converter.DataConverter, p *commonpb.Payloads) string {
	var parts []string
	for _, one := range p.GetPayloads() {
		var v any
		if err := dc.FromPayload(one, &v); err != nil {
			parts = append(parts, "<"+err.Error()+">")
			continue
		}
		j, _ := json.Marshal(v)
		if len(j) > 600 {
			j = append(j[:600], "…"...)
		}
		parts = append(parts, string(j))
	}
	return strings.Join(parts, " ")
}
