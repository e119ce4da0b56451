package worker

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/sethvargo/go-envconfig"

	"github.com/cosellsync/cosell/activities"
	"github.com/cosellsync/cosell/connectors"
	"github.com/cosellsync/cosell/connectors/batch"
	"github.com/cosellsync/cosell/connectors/budget"
	"github.com/cosellsync/cosell/internal/config"
	"github.com/cosellsync/cosell/internal/telemetry"
	"github.com/cosellsync/cosell/notify"
	"github.com/cosellsync/cosell/pairing"
)

// SetCoalesce turns coalescing of each connection's deal reads and writes on (with the batch window
// and its longest wait) or off, for the connectors Load builds from then on.
func (ps *Pairings) SetCoalesce(on bool, window, maxWait time.Duration) {
	ps.coalesce = nil
	if on {
		ps.coalesce = &batch.Options{Window: window, MaxWait: maxWait}
	}
}

// Pairings is what a worker serves, loaded from its pairings directory (COSELL_PAIRINGS_DIR: every
// *.yaml or *.yml file in it, one pairing each, dot files skipped) or from one file
// (COSELL_PAIRING_FILE). Load reads the files again and serves what changed:
//   - a new or changed file that is valid, and fits beside the pairings served (pairing.CheckShared, and
//     the credentials of its connections), is served from then on;
//   - one that is not is refused, each problem with file:line; the pairing it had before, if any, keeps
//     running on its last valid version, and so do all the others;
//   - a removed file's pairing is no longer served: no feed routes to it, and its running deals wait
//     (see README, Ops guide).
//
// Files are compared by content, not by modification time, so an editor's save that changes nothing,
// a clock skew or a Kubernetes ConfigMap's symlink swap never confuses it. Each CRM connection gets one
// connector, shared by every pairing that uses it and built again only when what it must read changes.
type Pairings struct {
	dir, file  string
	env        envconfig.Lookuper
	httpClient *http.Client
	log        *slog.Logger
	served     *activities.Served

	files map[string]*pairingFile  // by path
	conns map[string]*connection   // by connection name
	creds map[string]credentialSet // by connection name: the environment does not change while running
	// coalesce, when set, wraps each connection's connector in a coalescer (connectors/batch) with
	// these options; nil makes one call per read and per write (COSELL_COALESCE=false).
	coalesce *batch.Options
	// configs are the settings of the connections served, for readers outside Load.
	configs atomic.Pointer[map[string]config.Connection]
	// metrics, when set (WithMetrics), counts every CRM call; guards are the budget guards of the
	// connections served, for the budget gauges read at each scrape.
	metrics *telemetry.Metrics
	guards  atomic.Pointer[[]*budget.Guard]
}

// pairingFile is what Load knows of one file: the content it last read, and the pairing it serves
// from the file (the last valid version), if any.
type pairingFile struct {
	sum     [32]byte
	read    bool
	pairing *pairing.Pairing
}

// connection is one CRM connection's connector and what it was built to read.
type connection struct {
	kind   string
	fields string // connectors.DealFields.All, joined: what the connector selects
	crm    connectors.CRM
}

type credentialSet struct {
	cfg config.Connection
	err error
	// guard is the connection's API budget guard, shared by every connector built for it.
	guard *budget.Guard
}

// Report is what one Load changed.
type Report struct {
	// Added, Changed and Removed name the pairings served, served in a new version, no longer served.
	Added, Changed, Removed []string
	// Refused lists each file refused by this load, with its problems (file:line: message).
	Refused []error
}

// Changed says the catalog served is a new one.
func (r Report) changed() bool { return len(r.Added)+len(r.Changed)+len(r.Removed) > 0 }

// NewPairings prepares the pairings of a directory (or, when dir is empty, of one file); Load reads them.
func NewPairings(dir, file string, env envconfig.Lookuper, httpClient *http.Client, log *slog.Logger) *Pairings {
	return &Pairings{dir: dir, file: file, env: env, httpClient: httpClient, log: log, served: &activities.Served{},
		coalesce: &batch.Options{Window: batch.DefaultWindow, MaxWait: batch.DefaultMaxWait},
		files:    map[string]*pairingFile{}, conns: map[string]*connection{}, creds: map[string]credentialSet{}}
}

// Served is the catalog the activities read; Load stores each new one in it.
func (ps *Pairings) Served() *activities.Served { return ps.served }

// connectionConfig returns the settings of a connection served now, read from the environment. It is
// safe to call while a Load runs (the webhook endpoints ask it on every request).
func (ps *Pairings) connectionConfig(name string) (config.Connection, bool) {
	m := ps.configs.Load()
	if m == nil {
		return config.Connection{}, false
	}
	c, ok := (*m)[name]
	return c, ok
}

// Catalog is the catalog served now (empty before the first Load).
func (ps *Pairings) Catalog() *activities.Catalog {
	if c := ps.served.Load(); c != nil {
		return c
	}
	return activities.NewCatalog(nil)
}

// Load reads the pairing files and serves what changed (see Pairings). Its error is for a directory
// that cannot be read at all; then nothing changes.
func (ps *Pairings) Load(ctx context.Context) (Report, error) {
	paths, err := ps.paths()
	if err != nil {
		return Report{}, err
	}
	var rep Report
	before := ps.servedByID()
	for path := range ps.files {
		if !slices.Contains(paths, path) {
			delete(ps.files, path)
		}
	}
	for _, path := range paths {
		data, err := os.ReadFile(path)
		if err != nil {
			rep.Refused = append(rep.Refused, fmt.Errorf("%s: %w", path, err))
			continue
		}
		f := ps.files[path]
		if f == nil {
			f = &pairingFile{}
			ps.files[path] = f
		}
		sum := sha256.Sum256(data)
		if f.read && sum == f.sum {
			continue // served, or refused and said so, as it is
		}
		f.sum, f.read = sum, true
		if err := ps.accept(ctx, path, data); err != nil {
			rep.Refused = append(rep.Refused, err)
		}
	}
	after := ps.servedByID()
	for id, p := range after {
		switch old, ok := before[id]; {
		case !ok:
			rep.Added = append(rep.Added, id)
		case old != p:
			rep.Changed = append(rep.Changed, id)
		}
	}
	for id := range before {
		if _, ok := after[id]; !ok {
			rep.Removed = append(rep.Removed, id)
		}
	}
	slices.Sort(rep.Added)
	slices.Sort(rep.Changed)
	slices.Sort(rep.Removed)
	if rep.changed() || ps.served.Load() == nil {
		ps.serve(after)
	}
	return rep, nil
}

// paths lists the pairing files, sorted.
func (ps *Pairings) paths() ([]string, error) {
	if ps.dir == "" {
		return []string{ps.file}, nil
	}
	entries, err := os.ReadDir(ps.dir)
	if err != nil {
		return nil, fmt.Errorf("read the pairings directory: %w", err)
	}
	var out []string
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") || (filepath.Ext(name) != ".yaml" && filepath.Ext(name) != ".yml") {
			continue
		}
		path := filepath.Join(ps.dir, name)
		if info, err := os.Stat(path); err != nil || !info.Mode().IsRegular() {
			continue // a directory, or a dangling link
		}
		out = append(out, path)
	}
	slices.Sort(out)
	return out, nil
}

// accept parses a new or changed file and serves its pairing if it fits beside the others; else the
// error lists the problems, and the file's last valid version, if any, stays.
func (ps *Pairings) accept(ctx context.Context, path string, data []byte) error {
	p, err := pairing.Parse(path, data)
	if err != nil {
		return err
	}
	var others []*pairing.Pairing
	for other, f := range ps.files {
		if other != path && f.pairing != nil {
			others = append(others, f.pairing)
		}
	}
	slices.SortFunc(others, func(x, y *pairing.Pairing) int { return strings.Compare(x.Path, y.Path) })
	problems := pairing.CheckShared(p, others)
	for _, s := range []pairing.Side{pairing.A, pairing.B} {
		partner := p.Partner(s)
		if err := ps.credentials(ctx, partner.Connection, partner.CRM, p.DealFields(s)); err != nil {
			problems = append(problems, pairing.Problem{File: path, Line: partner.At.Connection.Line, Column: partner.At.Connection.Column, Message: err.Error()})
		}
	}
	if len(problems) > 0 {
		return &pairing.Problems{List: problems}
	}
	ps.files[path].pairing = p
	return nil
}

// credentials checks a connection's credentials in the environment, and that a connector can be built
// from them; the answer is kept, as the environment does not change while the worker runs.
func (ps *Pairings) credentials(ctx context.Context, name, kind string, fields connectors.DealFields) error {
	c, ok := ps.creds[name]
	if !ok {
		c.cfg, c.err = config.LoadConnection(ctx, ps.env, name)
		if c.err == nil {
			c.err = c.cfg.Check(name, kind)
		}
		if c.err == nil {
			c.guard = NewGuard(kind, c.cfg)
			if _, err := Connect(kind, c.cfg, fields, ps.httpClient, ps.log, c.guard); err != nil {
				c.err = fmt.Errorf("connection %s: %w", name, err)
			}
		}
		ps.creds[name] = c
	}
	return c.err
}

func (ps *Pairings) servedByID() map[string]*pairing.Pairing {
	out := map[string]*pairing.Pairing{}
	for _, f := range ps.files {
		if f.pairing != nil {
			out[f.pairing.ID] = f.pairing
		}
	}
	return out
}

// serve builds the catalog of the pairings: one connector per connection, reading every field any of
// its pairings maps, reused while that set does not change.
func (ps *Pairings) serve(served map[string]*pairing.Pairing) {
	fields := map[string]connectors.DealFields{}
	kinds := map[string]string{}
	for _, id := range slices.Sorted(maps.Keys(served)) {
		p := served[id]
		for _, s := range []pairing.Side{pairing.A, pairing.B} {
			name := p.Partner(s).Connection
			kinds[name] = p.Partner(s).CRM
			fields[name] = union(fields[name], p.DealFields(s))
		}
	}
	conns := map[string]*connection{}
	urls := map[string]string{}
	for _, name := range slices.Sorted(maps.Keys(fields)) {
		want := strings.Join(fields[name].All(), ",")
		c := ps.conns[name]
		if c == nil || c.kind != kinds[name] || c.fields != want {
			crm, err := Connect(kinds[name], ps.creds[name].cfg, fields[name], ps.metrics.HTTPClient(kinds[name], name, ps.httpClient),
				ps.log.With("connection", name), ps.creds[name].guard)
			if err != nil { // checked when its first pairing was accepted; the environment has not changed
				ps.log.Error("cannot build the connector of a connection", "connection", name, "error", err)
				continue
			}
			if ps.coalesce != nil {
				crm = batch.Wrap(crm, *ps.coalesce)
			}
			c = &connection{kind: kinds[name], fields: want, crm: crm}
		}
		conns[name] = c
		if u := strings.TrimRight(ps.creds[name].cfg.URL, "/"); u != "" && kinds[name] == pairing.Salesforce {
			if other, dup := urls[u]; dup {
				ps.log.Warn("two connections reach the same Salesforce org, so it is polled twice; name one connection in both pairings",
					"connection", name, "other", other, "url", u)
			}
			urls[u] = name
		}
	}
	ps.conns = conns
	configs := map[string]config.Connection{}
	var guards []*budget.Guard
	for _, name := range slices.Sorted(maps.Keys(conns)) {
		configs[name] = ps.creds[name].cfg
		guards = append(guards, ps.creds[name].guard)
	}
	ps.configs.Store(&configs)
	ps.guards.Store(&guards)
	pairings := map[string]*activities.Connection{}
	for id, p := range served {
		c := &activities.Connection{Pairing: p, CRM: map[pairing.Side]connectors.CRM{}}
		for _, s := range []pairing.Side{pairing.A, pairing.B} {
			if conn := conns[p.Partner(s).Connection]; conn != nil {
				c.CRM[s] = conn.crm
			}
		}
		c.Slack = ps.slack(p)
		pairings[id] = c
	}
	ps.served.Store(activities.NewCatalog(pairings))
}

// slack builds a pairing's Slack notifier, nil when it sends nothing to Slack.
func (ps *Pairings) slack(p *pairing.Pairing) notify.Notifier {
	name := p.Notifications.SlackWebhookURLEnv
	if name == "" {
		return nil
	}
	url, ok := ps.env.Lookup(name)
	if !ok || url == "" {
		ps.log.Warn("the pairing sends notices to Slack, but its webhook variable is not set; Slack notices are off", "pairing", p.ID, "variable", name)
		return nil
	}
	return notify.NewSlack(url, ps.httpClient)
}

// union is what a connector must read for two pairings: their bookkeeping fields (the same, as
// CheckShared requires) and every field either maps or routes by.
func union(a, b connectors.DealFields) connectors.DealFields {
	if a.CoSellID == "" {
		return b
	}
	for _, f := range b.Mapped {
		if !slices.ContainsFunc(a.Mapped, func(m string) bool { return strings.EqualFold(m, f) }) {
			a.Mapped = append(a.Mapped, f)
		}
	}
	return a
}

// log logs what a load changed.
func (r Report) log(log *slog.Logger) {
	for _, err := range r.Refused {
		var ps *pairing.Problems
		if errors.As(err, &ps) {
			log.Error("pairing file refused; the pairings served keep running", "file", ps.List[0].File, "problems", "\n"+ps.Error())
			continue
		}
		var pe *fs.PathError
		if errors.As(err, &pe) {
			log.Error("pairing file unreadable; the pairings served keep running", "file", pe.Path, "error", err)
			continue
		}
		log.Error("pairing file refused; the pairings served keep running", "error", err)
	}
	if r.changed() {
		log.Info("pairings loaded", "added", r.Added, "changed", r.Changed, "removed", r.Removed)
	}
}
