package synchealth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/connectors/budget"
	"github.com/cosellsync/cosell/engine"
	"github.com/cosellsync/cosell/pairing"
	"github.com/cosellsync/cosell/registration"
	"github.com/cosellsync/cosell/sla"
	"github.com/cosellsync/cosell/vocab"
)

var now = time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)

// fakeSource serves fixed deals and records what a resync sends.
type fakeSource struct {
	p     *pairing.Pairing
	deals []api.DealView
	regs  []RegistrationConflict
	conns []Connection

	mu      sync.Mutex
	resyncs []resyncCall
	fail    error
}

type resyncCall struct {
	pairingID, coSellID string
	events              []api.ChangeEvent
}

func (f *fakeSource) Pairings() map[string]*pairing.Pairing {
	return map[string]*pairing.Pairing{f.p.ID: f.p}
}

func (f *fakeSource) Deals(_ context.Context, pairingID string) (Deals, error) {
	out := Deals{Running: len(f.deals), Asked: len(f.deals)}
	for _, v := range f.deals {
		if pairingID == "" || v.PairingID == pairingID {
			out.Deals = append(out.Deals, v)
		}
	}
	return out, nil
}

func (f *fakeSource) Deal(_ context.Context, id string) (api.DealView, error) {
	for _, v := range f.deals {
		if v.CoSellID == id {
			return v, nil
		}
	}
	return api.DealView{}, fmt.Errorf("deal %s: %w", id, ErrNoDeal)
}

func (f *fakeSource) Connections(context.Context, *pairing.Pairing) []Connection { return f.conns }

func (f *fakeSource) RegistrationConflicts(context.Context, string) ([]RegistrationConflict, error) {
	return f.regs, nil
}

func (f *fakeSource) Resync(_ context.Context, pairingID, coSellID string, events []api.ChangeEvent) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return f.fail
	}
	f.resyncs = append(f.resyncs, resyncCall{pairingID, coSellID, events})
	return nil
}

func (f *fakeSource) sent() []resyncCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]resyncCall(nil), f.resyncs...)
}

func demoPairing(t *testing.T) *pairing.Pairing {
	t.Helper()
	p, err := pairing.Load("../examples/demo/pairing.yaml")
	require.NoError(t, err)
	return p
}

// world is a pairing with two deals: one in sync, one with a refused stage, a conflict, an SLA and a
// decision log.
func world(t *testing.T) *fakeSource {
	p := demoPairing(t)
	synced := api.DealView{PairingID: p.ID, CoSellID: "CS-SYNCED", LastSyncAt: now.Add(-time.Minute), Registered: true,
		Sides: map[vocab.Side]api.SideShadow{
			vocab.A: {RecordID: "006A", Values: map[string]string{"name": "Initech", "stage": "qualification", "amount": "1000"}},
			vocab.B: {RecordID: "901", Values: map[string]string{"name": "Initech", "stage": "qualification", "amount": "1000"}},
		}}
	broken := api.DealView{PairingID: p.ID, CoSellID: "CS-BROKEN", LastSyncAt: now.Add(-2 * time.Hour), Registered: true, Stage: "qualification",
		Sides: map[vocab.Side]api.SideShadow{
			vocab.A: {RecordID: "006B", Values: map[string]string{"name": "Stark pilot", "stage": "qualification", "amount": "175000",
				"@owner_email": "jane.doe@acme.example", "@owner_name": "Jane Doe"}},
			vocab.B: {RecordID: "902", Values: map[string]string{"name": "Stark pilot", "stage": "proposal", "amount": "175000"}},
		},
		Issues: []api.SyncIssue{{Side: vocab.A, Field: "stage", Kind: vocab.IssueRejected, Since: now.Add(-time.Hour),
			Message: "salesforce: INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST: bad value for restricted picklist field: Proposal"}},
		Conflicts: []api.Conflict{{Field: "next_step", ValueA: "legal review", ValueB: "send quote", Winner: vocab.A,
			Policy: vocab.LastWriterWins, At: now.Add(-3 * time.Hour), Details: "settled by policy last_writer_wins"}},
		SLAs: []api.SLAState{{Clock: sla.Clock{ID: "registration", Kind: sla.Registration, Subject: "registration", Waiting: "b",
			Started: now.Add(-50 * time.Hour), Deadline: now.Add(-2 * time.Hour)}, Level: 1}},
		Decisions: []api.Decision{
			{At: now.Add(-2 * time.Hour), Kind: engine.DecidedWrite, Side: vocab.B, Seq: 7, Echoed: true, Fields: []engine.FieldReason{
				{Field: "stage", Value: "proposal", From: vocab.A, Rule: "both, last_writer_wins", Reason: "Acme changed it"}}},
			{At: now.Add(-time.Hour), Kind: engine.DecidedEcho, Side: vocab.B, Seq: 7, Note: "a reading of Globex's record showed write #7 as stored",
				Fields: []engine.FieldReason{{Field: "stage", Value: "proposal", From: vocab.A, Reason: "the deal's own write, read back"}}},
		}}
	other := api.DealView{PairingID: "another-pairing", CoSellID: "CS-OTHER", Sides: map[vocab.Side]api.SideShadow{
		vocab.A: {RecordID: "006Z", Values: map[string]string{"name": "Not ours"}}}}
	used := 9_500
	return &fakeSource{p: p, deals: []api.DealView{synced, broken, other},
		regs: []RegistrationConflict{{Account: "domain:stark.example", PrimaryPairing: p.ID, Entry: registration.Entry{
			Claim: registration.Claim{CoSellID: "CS-LATER", PairingID: p.ID, Partner: vocab.B, Source: "api", At: now.Add(-time.Hour)},
			Role:  registration.Conflicting, Primary: "CS-BROKEN"}}},
		conns: []Connection{
			{Side: vocab.A, Partner: "Acme", Name: "acme-sf", CRM: "salesforce", Polls: 42, LastPoll: now.Add(-5 * time.Second),
				Budget: &budget.Snapshot{CRM: "salesforce", At: now, Daily: &budget.WindowState{Used: used, Limit: 15000, Line: 7500, Stop: 7400, Refused: 3}}},
			{Side: vocab.B, Partner: "Globex", Name: "globex-hs", CRM: "hubspot", QueryError: "workflow not found"},
		}}
}

func serve(t *testing.T, src Source, token string) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	(&Server{Source: src, Token: token, Now: func() time.Time { return now }}).Mount(mux)
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	return ts
}

// noRedirect is a client that shows redirects instead of following them.
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func get(t *testing.T, ts *httptest.Server, path string, hdr ...string) (int, string, http.Header) {
	t.Helper()
	return do(t, ts, http.MethodGet, path, nil, hdr...)
}

func post(t *testing.T, ts *httptest.Server, path string, form url.Values, hdr ...string) (int, string, http.Header) {
	t.Helper()
	return do(t, ts, http.MethodPost, path, form, hdr...)
}

func do(t *testing.T, ts *httptest.Server, method, path string, form url.Values, hdr ...string) (int, string, http.Header) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, ts.URL+path, body)
	require.NoError(t, err)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := noRedirect.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b), resp.Header
}

var csrfField = regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`)

func csrfOf(t *testing.T, page string) string {
	t.Helper()
	m := csrfField.FindStringSubmatch(page)
	require.NotNil(t, m, "the page carries a CSRF token")
	return m[1]
}

// text strips tags, so assertions read what a person reads.
func text(html string) string {
	s := regexp.MustCompile(`(?s)<style.*?</style>|<[^>]+>`).ReplaceAllString(html, " ")
	s = strings.NewReplacer("&#39;", "'", "&lt;", "<", "&gt;", ">", "&amp;", "&", "&#43;", "+", "&quot;", `"`).Replace(s)
	return strings.Join(strings.Fields(s), " ")
}

func TestHomeListsEveryPairingWithItsCounts(t *testing.T) {
	src := world(t)
	ts := serve(t, src, "")
	code, body, hdr := get(t, ts, "/health")
	require.Equal(t, http.StatusOK, code, body)
	assert.Equal(t, "text/html; charset=utf-8", hdr.Get("Content-Type"))
	page := text(body)
	assert.Contains(t, page, "Acme × Globex")
	assert.Contains(t, page, "Acme (salesforce, acme-sf)")
	// 2 deals of the pairing, 1 out of sync, 1 issue, 1 conflict, 1 SLA.
	assert.Contains(t, page, "acme-globex Acme (salesforce, acme-sf) Globex (hubspot, globex-hs) 2 1 1 1 1")
	assert.NotContains(t, page, "Not ours")
}

func TestPairingPageShowsDealsIssuesConflictsSLAsAndBudgets(t *testing.T) {
	src := world(t)
	ts := serve(t, src, "")
	code, body, _ := get(t, ts, "/health/pairings/acme-globex")
	require.Equal(t, http.StatusOK, code, body)
	page := text(body)
	assert.Contains(t, page, "CS-SYNCED Initech qualification 006A 901 in sync")
	assert.Contains(t, page, "CS-BROKEN Stark pilot qualification 006B 902 1 of 3 differ")
	assert.NotContains(t, page, "CS-OTHER", "another pairing's deal is not listed")
	assert.Contains(t, page, "CS-BROKEN Acme stage rejected salesforce: INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST: bad value for restricted picklist field: Proposal 1h ago Resync",
		"the issue carries the CRM's own message and a resync button")
	assert.Contains(t, body, `action="/health/pairings/acme-globex/deals/CS-BROKEN/resync"`)
	assert.Contains(t, page, "next_step legal review send quote Acme settled by policy last_writer_wins")
	assert.Contains(t, page, "domain:stark.example CS-LATER b api CS-BROKEN acme-globex", "the open registration conflict")
	assert.Contains(t, page, "registration: registration Globex")
	assert.Contains(t, page, "overdue by 2h")
	assert.Contains(t, page, "Daily: 9500 of 15000 calls (the product's line 7500, pauses at 7400) · 3 refused")
	assert.Contains(t, body, `class="hot" style="width: 63%"`, "the budget bar is past the line")
	assert.Contains(t, page, "The connection's change feed did not answer: workflow not found")

	code, _, _ = get(t, ts, "/health/pairings/nope")
	assert.Equal(t, http.StatusNotFound, code)
}

func TestDealPageShowsBothSidesAndTheDecisionLog(t *testing.T) {
	src := world(t)
	ts := serve(t, src, "")
	code, body, _ := get(t, ts, "/health/pairings/acme-globex/deals/CS-BROKEN")
	require.Equal(t, http.StatusOK, code, body)
	page := text(body)
	assert.Contains(t, page, "Stark pilot · CS-BROKEN")
	assert.Contains(t, page, "1 field differs")
	assert.Contains(t, page, "name Stark pilot Name Stark pilot dealname in sync")
	assert.Contains(t, page, "stage (value map) qualification StageName proposal dealstage differs")
	assert.Contains(t, page, "amount 175000 Amount 175000 amount in sync")
	assert.Contains(t, page, "owner, side a Jane Doe <jane.doe@acme.example>")
	assert.Contains(t, page, "Acme stage rejected salesforce: INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST")
	// Newest first: the echo, then the write with the value map's translation to HubSpot's stage id.
	echo := strings.Index(page, "of write #7 echo a reading of Globex's record showed write #7 as stored Globex stage proposal the deal's own write, read back")
	write := strings.Index(page, "command #7 write echo seen Globex stage proposal dealstage = contractsent (value map) Acme changed it · rule: both, last_writer_wins")
	require.GreaterOrEqual(t, echo, 0, page)
	require.GreaterOrEqual(t, write, 0, page)
	assert.Less(t, echo, write, "newest first")
	assert.Contains(t, page, "Empty on both sides: close_date, next_step, loss_reason,", "a field neither side holds is listed once")

	code, _, _ = get(t, ts, "/health/pairings/acme-globex/deals/CS-NONE")
	assert.Equal(t, http.StatusNotFound, code)
	code, _, _ = get(t, ts, "/health/pairings/acme-globex/deals/CS-OTHER")
	assert.Equal(t, http.StatusNotFound, code, "a deal of another pairing is not shown under this one")
}

func TestEveryAnswerForbidsFramingCachingAndScripts(t *testing.T) {
	ts := serve(t, world(t), "")
	for _, path := range []string{"/health", "/health/pairings/acme-globex", "/health/pairings/acme-globex/deals/CS-BROKEN", "/health/pairings/nope", "/health/login"} {
		_, _, hdr := get(t, ts, path)
		assert.Equal(t, "DENY", hdr.Get("X-Frame-Options"), path)
		assert.Equal(t, "no-store", hdr.Get("Cache-Control"), path)
		assert.Contains(t, hdr.Get("Content-Security-Policy"), "default-src 'none'", path)
		assert.Contains(t, hdr.Get("Content-Security-Policy"), "frame-ancestors 'none'", path)
	}
}

func TestResyncSignalsEachLinkedSideOnce(t *testing.T) {
	src := world(t)
	ts := serve(t, src, "")
	_, body, _ := get(t, ts, "/health/pairings/acme-globex/deals/CS-BROKEN")
	csrf := csrfOf(t, body)

	code, _, hdr := post(t, ts, "/health/pairings/acme-globex/deals/CS-BROKEN/resync", url.Values{"csrf": {csrf}},
		"Origin", ts.URL, "Sec-Fetch-Site", "same-origin")
	require.Equal(t, http.StatusSeeOther, code)
	assert.Equal(t, "/health/pairings/acme-globex/deals/CS-BROKEN?resynced=a+b", hdr.Get("Location"))
	require.Equal(t, []resyncCall{{pairingID: "acme-globex", coSellID: "CS-BROKEN", events: []api.ChangeEvent{
		{Side: vocab.A, RecordID: "006B", Source: "resync"}, {Side: vocab.B, RecordID: "902", Source: "resync"}}}}, src.sent())

	_, body, _ = get(t, ts, "/health/pairings/acme-globex/deals/CS-BROKEN?resynced=a+b")
	assert.Contains(t, text(body), "Resync sent: the deal reads side a b again")
}

func TestResyncRefusesForgedAndCrossSiteRequests(t *testing.T) {
	src := world(t)
	ts := serve(t, src, "")
	_, body, _ := get(t, ts, "/health/pairings/acme-globex")
	csrf := csrfOf(t, body)
	path := "/health/pairings/acme-globex/deals/CS-BROKEN/resync"
	for name, c := range map[string]struct {
		form url.Values
		hdr  []string
		want int
	}{
		"no token":           {url.Values{}, nil, http.StatusForbidden},
		"a wrong token":      {url.Values{"csrf": {strings.Repeat("0", len(csrf))}}, nil, http.StatusForbidden},
		"another origin":     {url.Values{"csrf": {csrf}}, []string{"Origin", "https://evil.example"}, http.StatusForbidden},
		"a cross-site fetch": {url.Values{"csrf": {csrf}}, []string{"Sec-Fetch-Site", "cross-site"}, http.StatusForbidden},
	} {
		code, body, _ := post(t, ts, path, c.form, c.hdr...)
		assert.Equal(t, c.want, code, "%s: %s", name, text(body))
	}
	assert.Empty(t, src.sent(), "nothing reached the deal")

	code, _, _ := post(t, ts, "/health/pairings/acme-globex/deals/CS-OTHER/resync", url.Values{"csrf": {csrf}})
	assert.Equal(t, http.StatusNotFound, code, "a deal of another pairing")
	code, _, _ = post(t, ts, "/health/pairings/acme-globex/deals/CS-NONE/resync", url.Values{"csrf": {csrf}})
	assert.Equal(t, http.StatusNotFound, code)
	assert.Empty(t, src.sent())

	src.fail = errors.New("temporal unreachable")
	code, body, _ = post(t, ts, path, url.Values{"csrf": {csrf}})
	assert.Equal(t, http.StatusServiceUnavailable, code)
	assert.Contains(t, text(body), "press it again: temporal unreachable")
}

func TestATokenGuardsThePageAndItsResync(t *testing.T) {
	const token = "health-token-0123456789"
	src := world(t)
	ts := serve(t, src, token)

	code, _, hdr := get(t, ts, "/health/pairings/acme-globex")
	require.Equal(t, http.StatusSeeOther, code, "a browser without the cookie is sent to the login form")
	assert.Equal(t, "/health/login?next=%2Fhealth%2Fpairings%2Facme-globex", hdr.Get("Location"))
	code, _, _ = get(t, ts, "/health", "Authorization", "Bearer wrong-token-0123456789")
	assert.Equal(t, http.StatusUnauthorized, code)
	code, body, _ := get(t, ts, "/health", "Authorization", "Bearer "+token)
	assert.Equal(t, http.StatusOK, code)
	assert.Contains(t, text(body), "Acme × Globex")
	code, _, _ = post(t, ts, "/health/pairings/acme-globex/deals/CS-BROKEN/resync", url.Values{})
	assert.Equal(t, http.StatusUnauthorized, code, "a resync without the token")

	_, login, _ := get(t, ts, "/health/login?next=/health/pairings/acme-globex")
	csrf := csrfOf(t, login)
	code, body, _ = post(t, ts, "/health/login", url.Values{"csrf": {csrf}, "token": {"nope"}, "next": {"/health/pairings/acme-globex"}})
	assert.Equal(t, http.StatusUnauthorized, code)
	assert.Contains(t, text(body), "That is not the sync-health token.")
	code, _, hdr = post(t, ts, "/health/login", url.Values{"csrf": {csrf}, "token": {token}, "next": {"//evil.example/x"}})
	require.Equal(t, http.StatusSeeOther, code)
	assert.Equal(t, "/health", hdr.Get("Location"), "a redirect off the page is not followed")
	code, _, hdr = post(t, ts, "/health/login", url.Values{"csrf": {csrf}, "token": {token}, "next": {"/health/pairings/acme-globex"}})
	require.Equal(t, http.StatusSeeOther, code)
	assert.Equal(t, "/health/pairings/acme-globex", hdr.Get("Location"))
	cookie := hdr.Get("Set-Cookie")
	assert.Contains(t, cookie, "HttpOnly")
	assert.Contains(t, cookie, "SameSite=Strict")
	assert.NotContains(t, cookie, token, "the cookie is not the token")
	session := strings.SplitN(strings.SplitN(cookie, ";", 2)[0], "=", 2)[1]

	code, body, _ = get(t, ts, "/health/pairings/acme-globex/deals/CS-BROKEN", "Cookie", CookieName+"="+session)
	require.Equal(t, http.StatusOK, code)
	code, _, _ = post(t, ts, "/health/pairings/acme-globex/deals/CS-BROKEN/resync", url.Values{"csrf": {csrfOf(t, body)}}, "Cookie", CookieName+"="+session)
	assert.Equal(t, http.StatusSeeOther, code)
	assert.Len(t, src.sent(), 1)
	code, _, _ = get(t, ts, "/health", "Cookie", CookieName+"=forged")
	assert.Equal(t, http.StatusSeeOther, code, "a forged cookie is no session")

	// Another worker with the same token accepts this one's session and CSRF token.
	other := serve(t, src, token)
	code, _, _ = get(t, other, "/health", "Cookie", CookieName+"="+session)
	assert.Equal(t, http.StatusOK, code)
}

func TestFieldRowsTellAClearedFieldFromAnAgreedOne(t *testing.T) {
	p := demoPairing(t)
	v := api.DealView{Sides: map[vocab.Side]api.SideShadow{
		vocab.A: {Values: map[string]string{"name": "Initech", "next_step": "", "amount": "10", "extra": "x"}},
		vocab.B: {Values: map[string]string{"name": "Initech", "next_step": "call", "close_date": ""}},
	}}
	rows := map[string]fieldRow{}
	for _, r := range fieldRows(p, v) {
		rows[r.Field] = r
	}
	assert.True(t, rows["name"].InSync)
	assert.False(t, rows["next_step"].InSync, "cleared on one side, set on the other")
	assert.False(t, rows["next_step"].HasA)
	assert.False(t, rows["amount"].InSync, "missing on one side")
	assert.False(t, rows["close_date"].InSync || rows["close_date"].HasA || rows["close_date"].HasB, "empty on both: no value anywhere")
	assert.Equal(t, "x", rows["extra"].A, "a field the deal holds beyond the mapping is shown too")
	assert.Equal(t, "dealname", rows["name"].CRMB)
	assert.True(t, rows["stage"].ValueMap)
	r := dealRowOf(p, v)
	assert.Equal(t, 4, r.Fields)
	assert.Equal(t, 3, r.Differ)
}
