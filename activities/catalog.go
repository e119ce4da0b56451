package activities

import (
	"crypto/sha256"
	"encoding/base32"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"go.temporal.io/sdk/temporal"

	"github.com/cosellsync/cosell/connectors"
	"github.com/cosellsync/cosell/pairing"
)

// Catalog is what a worker serves at one moment: its pairings, and the CRM connections they use, each
// with the pairings that use it. The worker swaps in a new catalog when its pairings directory changes
// (Activities.Serve); an activity reads the catalog once, so it works with one consistent set.
type Catalog struct {
	// Pairings by pairing id.
	Pairings map[string]*Connection
	// Feeds by connection name: what each connection's change feed reads, and for whom.
	Feeds map[string]*Feed
}

// Feed is one CRM connection as its change feed sees it: one connector, polled once per interval, and
// the pairings its changes are routed to.
type Feed struct {
	// Connection is the connection's name, as the pairing files write it.
	Connection string
	CRM        connectors.CRM
	// Uses lists the pairings that use the connection and on which side, by pairing id.
	Uses []Use
}

// Use is one pairing's use of a connection: the pairing, and the side the connection is on in it.
type Use struct {
	Pairing *pairing.Pairing
	Side    pairing.Side
}

// NewCatalog groups pairings by the connections they use. The connector of a connection is the one its
// first pairing (by id) holds for that side: the worker builds one per connection and hands it to every
// pairing that uses it.
func NewCatalog(pairings map[string]*Connection) *Catalog {
	c := &Catalog{Pairings: pairings, Feeds: map[string]*Feed{}}
	ids := make([]string, 0, len(pairings))
	for id := range pairings {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		pc := pairings[id]
		for _, s := range []pairing.Side{pairing.A, pairing.B} {
			crm, ok := pc.CRM[s]
			if !ok {
				continue
			}
			name := pc.Pairing.Partner(s).Connection
			f := c.Feeds[name]
			if f == nil {
				f = &Feed{Connection: name, CRM: crm}
				c.Feeds[name] = f
			}
			f.Uses = append(f.Uses, Use{Pairing: pc.Pairing, Side: s})
		}
	}
	return c
}

// use returns the pairing's use of the feed's connection.
func (f *Feed) use(pairingID string) (Use, bool) {
	for _, u := range f.Uses {
		if u.Pairing.ID == pairingID {
			return u, true
		}
	}
	return Use{}, false
}

// claim returns the use a newly flagged deal starts in: the one whose route its field matches, or the
// only use when it has no route. Pairings that share a connection all have disjoint routes (the worker
// refuses others), so at most one matches.
func (f *Feed) claim(d connectors.Deal) (Use, bool) {
	for _, u := range f.Uses {
		r := u.Pairing.Partner(u.Side).Route
		if r == nil && len(f.Uses) == 1 {
			return u, true
		}
		if r != nil && r.Matches(fieldValue(d.Fields, r.Field)) {
			return u, true
		}
	}
	return Use{}, false
}

// fieldValue reads a CRM field of a deal, matching its name in any case as Salesforce does.
func fieldValue(fields map[string]any, name string) any {
	if v, ok := fields[name]; ok {
		return v
	}
	for k, v := range fields {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return nil
}

// Served holds the catalog a worker serves. The worker stores a new one when its pairings directory
// changes; each activity loads the catalog once, so it works with one consistent set.
type Served struct{ p atomic.Pointer[Catalog] }

// Store makes c the catalog served from now on.
func (s *Served) Store(c *Catalog) { s.p.Store(c) }

// Load returns the catalog served now, nil before the first Store.
func (s *Served) Load() *Catalog { return s.p.Load() }

// catalog returns the catalog being served, else one built from Pairings (tests and fixed setups).
func (a *Activities) catalog() *Catalog {
	if a.Served != nil {
		if c := a.Served.Load(); c != nil {
			return c
		}
	}
	return NewCatalog(a.Pairings)
}

// feed returns what one poll reads: a connection's feed, or for a feed started per pairing side (the
// one workers ran before connections had feeds, and that running histories still poll) that side alone.
func (a *Activities) feed(in PollInput) (*Feed, error) {
	if in.Connection == "" {
		p, crm, err := a.crm(in.PairingID, in.Side)
		if err != nil {
			return nil, err
		}
		return &Feed{Connection: p.Partner(in.Side).Connection, CRM: crm, Uses: []Use{{Pairing: p, Side: in.Side}}}, nil
	}
	f, ok := a.catalog().Feeds[in.Connection]
	if !ok {
		return nil, temporal.NewNonRetryableApplicationError(fmt.Sprintf("connection %q is used by no pairing this worker serves", in.Connection), ErrTypeConfig, nil)
	}
	return f, nil
}

// policyVersion names the content of a pairing's policy (a hash of what LoadPolicy returns): the feeds
// stamp it on every change event, and a deal whose policy is older loads it again.
type policyVersion struct {
	once    sync.Once
	version string
}

func (v *policyVersion) of(build func() Policy) string {
	v.once.Do(func() {
		p := build()
		p.Version = ""
		b, err := json.Marshal(p)
		if err != nil {
			return // a policy is plain data; an empty version never asks a deal to reload
		}
		sum := sha256.Sum256(b)
		v.version = strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:])[:16])
	})
	return v.version
}
