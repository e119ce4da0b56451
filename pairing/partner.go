package pairing

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	// Embedded zone data, so a pairing's time zone validates and converts the same on every host,
	// including minimal containers without /usr/share/zoneinfo.
	_ "time/tzdata"

	"gopkg.in/yaml.v3"

	"github.com/cosellsync/cosell/connectors"
)

// crmKinds lists the CRMs a partner can use, in the order hints name them.
var crmKinds = []string{Salesforce, HubSpot}

// DefaultDealFields returns the bookkeeping field names a CRM kind uses unless a pairing file renames
// them: the ones the CoSell Sync install package creates in that CRM. Unknown kinds get none.
func DefaultDealFields(crm string) connectors.DealFields {
	switch crm {
	case Salesforce:
		return connectors.DealFields{
			CoSellID:          "CoSell_Id__c",
			Enabled:           "CoSell_Enabled__c",
			Owner:             "OwnerId",
			PartnerOwnerName:  "CoSell_Partner_Owner_Name__c",
			PartnerOwnerEmail: "CoSell_Partner_Owner_Email__c",
		}
	case HubSpot:
		return connectors.DealFields{
			CoSellID:          "cosell_id",
			Enabled:           "cosell_enabled",
			Owner:             "hubspot_owner_id",
			PartnerOwnerName:  "cosell_partner_owner_name",
			PartnerOwnerEmail: "cosell_partner_owner_email",
		}
	}
	return connectors.DealFields{}
}

// Partner returns one side's partner, so callers can stay generic over the side they work on.
func (p *Pairing) Partner(s Side) Partner {
	if s == B {
		return p.B
	}
	return p.A
}

// DealFields names every field a connector must read on side s: the bookkeeping fields plus, as Mapped,
// each mapped field of that side in file order. It is what a connector for that side is configured with.
func (p *Pairing) DealFields(s Side) connectors.DealFields {
	df := p.Partner(s).Deal
	df.Mapped = make([]string, 0, len(p.Fields))
	for _, f := range p.Fields {
		if name := f.On(s); name != "" {
			df.Mapped = append(df.Mapped, name)
		}
	}
	// The route's field is read on every deal too: the feed picks a new deal's pairing by it.
	if r := p.Partner(s).Route; r != nil && !slices.ContainsFunc(df.Mapped, func(m string) bool { return strings.EqualFold(m, r.Field) }) {
		df.Mapped = append(df.Mapped, r.Field)
	}
	return df
}

// Location is the time zone in which side s's genuine date-times are read as calendar dates (HubSpot's
// midnight-UTC dates are not shifted by it; see canonicalDate). An empty or unknown zone (a Pairing built
// by hand) reads as UTC rather than failing a sync.
func (p *Pairing) Location(s Side) *time.Location {
	return location(p.Partner(s).Timezone)
}

// locations caches loaded zones: a Pairing travels as JSON (workflow payloads), so it carries the zone
// name, and each translation looks the zone up again.
var locations sync.Map

func location(name string) *time.Location {
	if name == "" || name == "UTC" {
		return time.UTC
	}
	if l, ok := locations.Load(name); ok {
		return l.(*time.Location)
	}
	l, err := loadZone(name)
	if err != nil {
		return time.UTC
	}
	locations.Store(name, l)
	return l
}

// loadZone loads an IANA zone by name, refusing "Local", which would make the result depend on the host.
func loadZone(name string) (*time.Location, error) {
	if name == "Local" {
		return nil, fmt.Errorf("Local is the host's zone, not an IANA zone")
	}
	return time.LoadLocation(name)
}

// connectionName matches the credential set names the worker looks up in its environment.
var connectionName = regexp.MustCompile(`^[a-z0-9_-]+$`)

// partnerKeys are the keys of partners › a and partners › b.
var partnerKeys = []string{"name", "crm", "connection", "timezone", "deal", "route"}

// dealKeys are the keys of partners › x › deal, each naming one bookkeeping field.
var dealKeys = []string{"cosell_id", "enabled", "owner", "partner_owner_name", "partner_owner_email"}

func decodePartners(d *decoder, at, n *yaml.Node, p *Pairing) {
	o := d.object(at, n, "partners", "a", "b")
	if o == nil {
		return
	}
	var conn [2]*yaml.Node
	for i, s := range []Side{A, B} {
		if o.keys[string(s)] == nil {
			d.missing(o, string(s), fmt.Sprintf("describe partner %s with name, crm and connection", s))
			continue
		}
		part, c := d.partner(o.keys[string(s)], o.node(string(s)), s)
		conn[i] = c
		if s == A {
			p.A = part
		} else {
			p.B = part
		}
	}
	if conn[0] != nil && conn[1] != nil && p.A.Connection == p.B.Connection {
		d.report(conn[1], fmt.Sprintf("both partners use connection %s", p.B.Connection),
			"each partner's CRM needs a credential set of its own; name a different connection for partner b")
	}
}

// partner decodes one partner and returns, besides it, the node of its connection name (nil when it
// has none) so the caller can check the two partners do not share one.
func (d *decoder) partner(at, n *yaml.Node, s Side) (Partner, *yaml.Node) {
	path := "partners › " + string(s)
	var part Partner
	o := d.object(at, n, path, partnerKeys...)
	if o == nil {
		return part, nil
	}
	part.Name = d.str(o, "name", true, "give the partner's display name, e.g. Acme")

	part.CRM = d.str(o, "crm", true, "use "+quoteList(crmKinds))
	crmOK := slices.Contains(crmKinds, part.CRM)
	if part.CRM != "" && !crmOK {
		hint := "use " + quoteList(crmKinds)
		if k := strings.ToLower(part.CRM); slices.Contains(crmKinds, k) {
			hint = "write it in lower case: " + k
		}
		d.report(o.pos("crm"), fmt.Sprintf("unknown crm %q", part.CRM), hint)
	}

	part.Connection = d.str(o, "connection", true, "name the credential set the worker reads for this partner, e.g. acme-sf")
	var conn *yaml.Node
	part.At.Connection = posOf(o.pos("connection"))
	part.At.Deal = part.At.Connection
	if o.keys["deal"] != nil {
		part.At.Deal = posOf(o.keys["deal"])
	}
	if part.Connection != "" {
		if connectionName.MatchString(part.Connection) {
			conn = o.pos("connection")
		} else {
			d.report(o.pos("connection"), fmt.Sprintf("invalid connection name %q", part.Connection),
				"use lower-case letters, digits, - and _ only; the worker turns it into environment variable names")
		}
	}

	part.Timezone = d.str(o, "timezone", false, "")
	if part.Timezone == "" {
		part.Timezone = "UTC"
	} else if _, err := loadZone(part.Timezone); err != nil {
		d.report(o.pos("timezone"), fmt.Sprintf("unknown time zone %q", part.Timezone),
			"use an IANA zone name such as America/New_York, Europe/Berlin or UTC")
	}

	part.Deal = DefaultDealFields(part.CRM)
	d.deal(o, &part.Deal)
	if o.keys["route"] != nil {
		part.At.Route = posOf(o.keys["route"])
		part.Route = d.route(o, part.Deal)
	}
	return part, conn
}

// routeKeys are the keys of partners › x › route.
var routeKeys = []string{"field", "values"}

// route decodes a partner's route: the field that picks a newly flagged deal's pairing, and the values
// that pick this one.
func (d *decoder) route(parent *object, df connectors.DealFields) *Route {
	o := d.object(parent.keys["route"], parent.node("route"), parent.path+" › route", routeKeys...)
	if o == nil {
		return nil
	}
	r := &Route{Field: d.str(o, "field", true, "name the CRM field that says which partner a deal is co-sold with, e.g. CoSell_Partner__c")}
	if key, ok := bookkeeping(df, r.Field); ok {
		d.report(o.pos("field"), fmt.Sprintf("%s › field is the %s bookkeeping field", o.path, key),
			"route by a field of its own that names the partner, e.g. CoSell_Partner__c")
	}
	seen := map[string]*yaml.Node{}
	for _, n := range d.list(o, "values", true, "list the field's values that select this pairing, e.g. [Globex]") {
		if n.Kind != yaml.ScalarNode || strings.TrimSpace(n.Value) == "" {
			d.report(n, o.path+" › values holds an entry that is not a single value", "write each value as text, e.g. [Globex, \"Globex Inc\"]")
			continue
		}
		v := strings.TrimSpace(n.Value)
		if first, dup := seen[strings.ToLower(v)]; dup {
			d.report(n, fmt.Sprintf("%s › values has %q twice (first on line %d)", o.path, v, first.Line), "remove one of them")
			continue
		}
		seen[strings.ToLower(v)] = n
		r.Values = append(r.Values, v)
	}
	if r.Field == "" || len(r.Values) == 0 {
		return nil
	}
	return r
}

// Matches reports whether a deal whose route field holds v belongs to the route's pairing.
func (r *Route) Matches(v any) bool {
	if r == nil || v == nil {
		return false
	}
	s := strings.TrimSpace(fmt.Sprint(v))
	return slices.ContainsFunc(r.Values, func(want string) bool { return strings.EqualFold(want, s) })
}

// posOf is where a node sits.
func posOf(n *yaml.Node) Position {
	if n == nil {
		return Position{}
	}
	return Position{Line: n.Line, Column: n.Column}
}

// deal applies a partner's deal: overrides to the defaults of its CRM kind.
func (d *decoder) deal(parent *object, df *connectors.DealFields) {
	if parent.keys["deal"] == nil {
		return
	}
	o := d.object(parent.keys["deal"], parent.node("deal"), parent.path+" › deal", dealKeys...)
	if o == nil {
		return
	}
	targets := []*string{&df.CoSellID, &df.Enabled, &df.Owner, &df.PartnerOwnerName, &df.PartnerOwnerEmail}
	written := map[string]*yaml.Node{}
	for i, key := range dealKeys {
		if o.keys[key] == nil {
			continue
		}
		if v := d.str(o, key, true, "name the CRM field, or remove the line to use the default"); v != "" {
			*targets[i] = v
			written[key] = o.pos(key)
		}
	}
	// Two bookkeeping roles on one CRM field would have the sync overwrite its own state.
	seen := map[string]string{}
	for i, key := range dealKeys {
		v := strings.ToLower(*targets[i])
		if v == "" {
			continue
		}
		if first, dup := seen[v]; dup {
			at := written[key]
			if at == nil {
				at = written[first]
			}
			d.report(at, fmt.Sprintf("%s › %s and %s are both %s", o.path, first, key, *targets[i]),
				"each bookkeeping field needs a CRM field of its own")
			continue
		}
		seen[v] = key
	}
}

// bookkeeping names the deal: key under which side s keeps CRM field name, if it is one of its
// bookkeeping fields.
func bookkeeping(df connectors.DealFields, name string) (string, bool) {
	for i, v := range bookkeepingFields(df) {
		if v != "" && strings.EqualFold(v, name) {
			return dealKeys[i], true
		}
	}
	return "", false
}

// bookkeepingFields lists a partner's bookkeeping fields in the order of dealKeys.
func bookkeepingFields(df connectors.DealFields) []string {
	return []string{df.CoSellID, df.Enabled, df.Owner, df.PartnerOwnerName, df.PartnerOwnerEmail}
}
