// Package synchealth is the sync-health page the worker serves (issue #11, item 6): per pairing, the
// deals with their values on both sides and whether they agree, open sync issues with the CRM's own
// message and a resync button, engine and registration conflicts, running SLAs with their deadlines,
// the API budget of each CRM connection, and for one deal its decision log (every write with the side
// and rule behind each value, the echoes recognised, conflicts, refusals). It is server-rendered
// html/template with no script, read-only except the resync, which signals the deal's workflow to read
// both sides again (the change signal, as a feed or a webhook does).
//
// Access: without a token (Server.Token empty) anyone who can reach the address can use the page, so the
// worker serves it that way only on a loopback address (config refuses COSELL_HTTP_ADDR beyond
// localhost without COSELL_HEALTH_TOKEN). With a token, a request carries it as "Authorization: Bearer
// TOKEN" (scripts) or in the session cookie the login form sets (browsers; HttpOnly, SameSite=Strict).
// The resync is a POST carrying a CSRF token derived from the page's secret (an HMAC, so every worker
// behind one address accepts it), and a POST whose Origin or Sec-Fetch-Site says another site is
// refused; responses forbid framing and are not cached.
package synchealth

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/pairing"
	"github.com/cosellsync/cosell/vocab"
)

// Paths of the page.
const (
	// Prefix is where the page lives on the worker's HTTP server.
	Prefix = "/health"
	// CookieName is the session cookie the login form sets when a token guards the page.
	CookieName = "cosell_health"
)

//go:embed templates/*.html
var templateFS embed.FS

var pages = template.Must(template.New("").Funcs(template.FuncMap{
	"ts":       formatTime,
	"ago":      ago,
	"dash":     dash,
	"side":     sideName,
	"deadline": deadline,
	"waiting":  waiting,
	"pct":      pct,
}).ParseFS(templateFS, "templates/*.html"))

// Server serves the page.
type Server struct {
	Source Source
	// Token guards the page when set; empty serves it to anyone who reaches it (loopback only).
	Token string
	Log   *slog.Logger
	// Timeout bounds the queries behind one page; zero is 20 s.
	Timeout time.Duration
	// Now is the clock the page measures SLAs and ages against; nil is time.Now.
	Now func() time.Time

	secret []byte // signs the CSRF token and the session cookie; see key
}

// key is the page's signing secret: derived from the token, so every worker of a deployment accepts the
// others' CSRF tokens and cookies; random per process without one (a loopback page).
func (s *Server) key() []byte {
	if s.secret == nil {
		if s.Token != "" {
			m := hmac.New(sha256.New, []byte(s.Token))
			m.Write([]byte("cosell sync-health page"))
			s.secret = m.Sum(nil)
		} else {
			s.secret = make([]byte, 32)
			_, _ = rand.Read(s.secret) // crypto/rand.Read never fails on supported platforms
		}
	}
	return s.secret
}

func (s *Server) sign(purpose string) string {
	m := hmac.New(sha256.New, s.key())
	m.Write([]byte(purpose))
	return hex.EncodeToString(m.Sum(nil))
}

// CSRFToken is the token a resync form must carry.
func (s *Server) CSRFToken() string { return s.sign("csrf") }

func (s *Server) session() string { return s.sign("session") }

// Mount adds the page's routes to mux.
//
//	GET  /health                                        the pairings
//	GET  /health/pairings/{id}                          a pairing: connections, deals, issues, conflicts, SLAs
//	GET  /health/pairings/{id}/deals/{coSellID}         a deal: both sides per field, issues, decision log
//	POST /health/pairings/{id}/deals/{coSellID}/resync  read both sides again (form: csrf)
//	GET  /health/login, POST /health/login              the token form, when a token guards the page
func (s *Server) Mount(mux *http.ServeMux) {
	s.key()
	mux.Handle("GET "+Prefix, s.guard(s.home))
	mux.Handle("GET "+Prefix+"/{$}", s.guard(s.home))
	mux.Handle("GET "+Prefix+"/pairings/{id}", s.guard(s.pairingPage))
	mux.Handle("GET "+Prefix+"/pairings/{id}/deals/{coSellID}", s.guard(s.dealPage))
	mux.Handle("POST "+Prefix+"/pairings/{id}/deals/{coSellID}/resync", s.guard(s.resync))
	mux.Handle("GET "+Prefix+"/login", s.headers(http.HandlerFunc(s.loginForm)))
	mux.Handle("POST "+Prefix+"/login", s.headers(http.HandlerFunc(s.login)))
}

// headers sets what every answer of the page carries: no framing (the resync button cannot be
// clickjacked), no caching of deal values, no referrer, and a policy that runs no script at all.
func (s *Server) headers(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		h.Set("X-Frame-Options", "DENY")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

// guard lets an authorised request through and answers a POST from another site 403.
func (s *Server) guard(next http.HandlerFunc) http.Handler {
	return s.headers(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.authorised(r) {
			if r.Method == http.MethodGet && !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ") {
				http.Redirect(w, r, Prefix+"/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			w.Header().Set("WWW-Authenticate", `Bearer realm="cosell sync health"`)
			s.fail(w, http.StatusUnauthorized, "this page needs the sync-health token (COSELL_HEALTH_TOKEN): log in at "+Prefix+"/login or send Authorization: Bearer <token>")
			return
		}
		if r.Method != http.MethodGet && !sameSite(r) {
			s.fail(w, http.StatusForbidden, "a request from another site is refused")
			return
		}
		next(w, r)
	}))
}

func (s *Server) authorised(r *http.Request) bool {
	if s.Token == "" {
		return true
	}
	if got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		return subtle.ConstantTimeCompare([]byte(got), []byte(s.Token)) == 1
	}
	if c, err := r.Cookie(CookieName); err == nil {
		return subtle.ConstantTimeCompare([]byte(c.Value), []byte(s.session())) == 1
	}
	return false
}

// sameSite reports whether a state-changing request comes from the page itself: browsers say so in
// Sec-Fetch-Site and Origin; a client that sends neither (curl with the bearer token) is no browser
// another site could drive.
func sameSite(r *http.Request) bool {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "", "same-origin", "none":
	default:
		return false
	}
	if o := r.Header.Get("Origin"); o != "" {
		u, err := url.Parse(o)
		if err != nil || u.Host != r.Host {
			return false
		}
	}
	return true
}

func (s *Server) timeout() time.Duration {
	if s.Timeout == 0 {
		return 20 * time.Second
	}
	return s.Timeout
}

func (s *Server) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

// pairingSummary is one pairing on the home page.
type pairingSummary struct {
	ID, Name     string
	A, B         pairing.Partner
	Deals        int
	OutOfSync    int
	Issues       int
	Conflicts    int
	SLAs         int
	DealsPartial bool
}

func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), s.timeout())
	defer cancel()
	ps := s.Source.Pairings()
	deals, err := s.Source.Deals(ctx, "")
	data := map[string]any{"Title": "Sync health", "Now": s.now(), "Deals": deals}
	if err != nil {
		data["Error"] = "the deals could not be read: " + err.Error()
	}
	var rows []pairingSummary
	for _, id := range slices.Sorted(maps.Keys(ps)) {
		p := ps[id]
		row := pairingSummary{ID: id, Name: p.Name, A: p.A, B: p.B}
		for _, v := range deals.Deals {
			if v.PairingID != id {
				continue
			}
			row.Deals++
			if dr := dealRowOf(p, v); dr.Differ > 0 {
				row.OutOfSync++
			}
			row.Issues += len(v.Issues)
			row.Conflicts += len(v.Conflicts)
			row.SLAs += len(v.SLAs)
		}
		rows = append(rows, row)
	}
	data["Pairings"] = rows
	data["Partial"] = deals.Asked < deals.Running || deals.Unanswered > 0
	s.render(w, http.StatusOK, "home", data)
}

func (s *Server) pairingOf(w http.ResponseWriter, r *http.Request) (*pairing.Pairing, bool) {
	id := r.PathValue("id")
	p, ok := s.Source.Pairings()[id]
	if !ok {
		s.fail(w, http.StatusNotFound, fmt.Sprintf("no pairing %q is served here", id))
	}
	return p, ok
}

func (s *Server) pairingPage(w http.ResponseWriter, r *http.Request) {
	p, ok := s.pairingOf(w, r)
	if !ok {
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.timeout())
	defer cancel()
	now := s.now()
	data := map[string]any{"Title": p.Name, "P": p, "Now": now, "CSRF": s.CSRFToken()}
	var errs []string
	deals, err := s.Source.Deals(ctx, p.ID)
	if err != nil {
		errs = append(errs, "the deals could not be read: "+err.Error())
	}
	var rows []dealRow
	var issues []issueRow
	var conflicts []conflictRow
	var slas []slaRow
	for _, v := range deals.Deals {
		rows = append(rows, dealRowOf(p, v))
		for _, is := range v.Issues {
			issues = append(issues, issueRow{CoSellID: v.CoSellID, SyncIssue: is})
		}
		for _, c := range v.Conflicts {
			conflicts = append(conflicts, conflictRow{CoSellID: v.CoSellID, Conflict: c})
		}
		slas = append(slas, slaRows(v.CoSellID, v.SLAs, now)...)
	}
	slices.SortStableFunc(conflicts, func(a, b conflictRow) int { return b.At.Compare(a.At) })
	if len(conflicts) > 50 {
		conflicts = conflicts[:50]
	}
	slices.SortStableFunc(slas, func(a, b slaRow) int { return a.Deadline.Compare(b.Deadline) })
	regs, err := s.Source.RegistrationConflicts(ctx, p.ID)
	if err != nil {
		errs = append(errs, "the registration conflicts could not be read: "+err.Error())
	}
	data["Deals"], data["Issues"], data["Conflicts"], data["SLAs"] = rows, issues, conflicts, slas
	data["Registrations"], data["Connections"] = regs, s.Source.Connections(ctx, p)
	data["Counts"], data["Partial"] = deals, deals.Asked < deals.Running || deals.Unanswered > 0
	data["Errors"] = errs
	s.render(w, http.StatusOK, "pairing", data)
}

// dealOf resolves {id} and {coSellID}: the pairing, and its deal's query.
func (s *Server) dealOf(w http.ResponseWriter, r *http.Request) (*pairing.Pairing, api.DealView, bool) {
	p, ok := s.pairingOf(w, r)
	if !ok {
		return nil, api.DealView{}, false
	}
	v, ok := s.dealIn(w, r, p)
	return p, v, ok
}

func (s *Server) dealIn(w http.ResponseWriter, r *http.Request, p *pairing.Pairing) (api.DealView, bool) {
	ctx, cancel := context.WithTimeout(r.Context(), s.timeout())
	defer cancel()
	id := r.PathValue("coSellID")
	v, err := s.Source.Deal(ctx, id)
	switch {
	case errors.Is(err, ErrNoDeal):
		s.fail(w, http.StatusNotFound, fmt.Sprintf("no running deal %s", id))
		return v, false
	case err != nil:
		if s.Log != nil {
			s.Log.Error("sync-health page: cannot read a deal", "deal", id, "error", err)
		}
		s.fail(w, http.StatusServiceUnavailable, fmt.Sprintf("deal %s could not be read now: %v", id, err))
		return v, false
	case v.PairingID != p.ID:
		s.fail(w, http.StatusNotFound, fmt.Sprintf("deal %s is not a deal of pairing %s", id, p.ID))
		return v, false
	}
	return v, true
}

func (s *Server) dealPage(w http.ResponseWriter, r *http.Request) {
	p, v, ok := s.dealOf(w, r)
	if !ok {
		return
	}
	now := s.now()
	var issues []issueRow
	for _, is := range v.Issues {
		issues = append(issues, issueRow{CoSellID: v.CoSellID, SyncIssue: is})
	}
	var conflicts []conflictRow
	for i := len(v.Conflicts) - 1; i >= 0; i-- {
		conflicts = append(conflicts, conflictRow{CoSellID: v.CoSellID, Conflict: v.Conflicts[i]})
	}
	fields := fieldRows(p, v)
	differ := 0
	var empty []string
	for _, f := range fields {
		switch {
		case !f.HasA && !f.HasB:
			empty = append(empty, f.Field)
		case !f.InSync:
			differ++
		}
	}
	name := ""
	for _, side := range []vocab.Side{vocab.A, vocab.B} {
		if n := v.Sides[side].Values[vocab.FieldName]; n != "" && name == "" {
			name = n
		}
	}
	s.render(w, http.StatusOK, "deal", map[string]any{
		"Title": v.CoSellID + " · " + p.Name, "P": p, "D": v, "Now": now, "CSRF": s.CSRFToken(),
		"Fields": fields, "Differ": differ, "Empty": strings.Join(empty, ", "), "Name": name, "Owners": ownerRows(v), "Issues": issues, "Conflicts": conflicts,
		"SLAs": slaRows(v.CoSellID, v.SLAs, now), "Decisions": decisionRows(p, v.Decisions),
		"RecordA": recordOf(v, vocab.A), "RecordB": recordOf(v, vocab.B),
		"Resynced": r.URL.Query().Get("resynced"),
	})
}

// resync asks the deal to read both sides again: a bare change event per linked side, with the
// record id, through the change signal. The engine reads each and decides as after any change.
func (s *Server) resync(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.fail(w, http.StatusBadRequest, "the form could not be read: "+err.Error())
		return
	}
	if subtle.ConstantTimeCompare([]byte(r.PostForm.Get("csrf")), []byte(s.CSRFToken())) != 1 {
		s.fail(w, http.StatusForbidden, "the form's CSRF token is missing or stale: reload the page and press resync again")
		return
	}
	p, v, ok := s.dealOf(w, r)
	if !ok {
		return
	}
	var events []api.ChangeEvent
	var sides []string
	for _, side := range []vocab.Side{vocab.A, vocab.B} {
		if sh, ok := v.Sides[side]; ok && sh.RecordID != "" && !sh.Unlinked {
			events = append(events, api.ChangeEvent{Side: side, RecordID: sh.RecordID, Source: "resync"})
			sides = append(sides, string(side))
		}
	}
	if len(events) == 0 {
		s.fail(w, http.StatusConflict, fmt.Sprintf("deal %s has no linked record to read", v.CoSellID))
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.timeout())
	defer cancel()
	if err := s.Source.Resync(ctx, p.ID, v.CoSellID, events); err != nil {
		if errors.Is(err, ErrNoDeal) {
			s.fail(w, http.StatusNotFound, err.Error())
			return
		}
		if s.Log != nil {
			s.Log.Error("sync-health page: resync failed", "deal", v.CoSellID, "pairing", p.ID, "error", err)
		}
		s.fail(w, http.StatusServiceUnavailable, "the resync could not be sent now; press it again: "+err.Error())
		return
	}
	if s.Log != nil {
		s.Log.Info("resync requested from the sync-health page", "deal", v.CoSellID, "pairing", p.ID, "sides", strings.Join(sides, ","))
	}
	http.Redirect(w, r, Prefix+"/pairings/"+url.PathEscape(p.ID)+"/deals/"+url.PathEscape(v.CoSellID)+"?resynced="+strings.Join(sides, "+"), http.StatusSeeOther)
}

func (s *Server) loginForm(w http.ResponseWriter, r *http.Request) {
	s.render(w, http.StatusOK, "login", map[string]any{"Title": "Sync health: log in", "Next": safeNext(r.URL.Query().Get("next")),
		"CSRF": s.CSRFToken(), "Open": s.Token == ""})
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	if !sameSite(r) {
		s.fail(w, http.StatusForbidden, "a request from another site is refused")
		return
	}
	if err := r.ParseForm(); err != nil {
		s.fail(w, http.StatusBadRequest, "the form could not be read: "+err.Error())
		return
	}
	next := safeNext(r.PostForm.Get("next"))
	if s.Token == "" {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	if subtle.ConstantTimeCompare([]byte(r.PostForm.Get("csrf")), []byte(s.CSRFToken())) != 1 ||
		subtle.ConstantTimeCompare([]byte(r.PostForm.Get("token")), []byte(s.Token)) != 1 {
		s.render(w, http.StatusUnauthorized, "login", map[string]any{"Title": "Sync health: log in", "Next": next,
			"CSRF": s.CSRFToken(), "Failed": true})
		return
	}
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: s.session(), Path: Prefix, HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https", MaxAge: 12 * 3600})
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// safeNext keeps a redirect after login on the page itself.
func safeNext(next string) string {
	if next == Prefix || strings.HasPrefix(next, Prefix+"/") && !strings.HasPrefix(next, "//") && !strings.Contains(next, "\\") {
		return next
	}
	return Prefix
}

func (s *Server) render(w http.ResponseWriter, status int, name string, data map[string]any) {
	var buf bytes.Buffer
	if err := pages.ExecuteTemplate(&buf, name, data); err != nil {
		if s.Log != nil {
			s.Log.Error("sync-health page: template failed", "page", name, "error", err)
		}
		http.Error(w, "the page could not be rendered", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// fail answers an error as a small page with the clear message.
func (s *Server) fail(w http.ResponseWriter, status int, msg string) {
	s.render(w, status, "error", map[string]any{"Title": http.StatusText(status), "Status": status, "Message": msg})
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

// ago says how long before now t was, roughly.
func ago(now, t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	d := now.Sub(t)
	if d < 0 {
		return "in " + roughly(-d)
	}
	return roughly(d) + " ago"
}

// deadline says how far a deadline is: "in 3h", or "overdue by 2d".
func deadline(now, t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	if d := t.Sub(now); d >= 0 {
		return "in " + roughly(d)
	}
	return "overdue by " + roughly(now.Sub(t))
}

func roughly(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	}
	return fmt.Sprintf("%dd", int(d.Hours()/24))
}

func dash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}
