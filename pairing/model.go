package pairing

import (
	"github.com/cosellsync/cosell/attribution"
	"github.com/cosellsync/cosell/connectors"
	"github.com/cosellsync/cosell/cosell"
	"github.com/cosellsync/cosell/pilot"
	"github.com/cosellsync/cosell/sla"
	"github.com/cosellsync/cosell/vocab"
)

// Side is one party of a pairing (see vocab.Side).
type Side = vocab.Side

// The two sides of every pairing.
const (
	A = vocab.A
	B = vocab.B
)

// Direction says which way a field flows.
type Direction = vocab.Direction

// Field directions.
const (
	Both = vocab.Both
	AToB = vocab.AToB
	BToA = vocab.BToA
)

// Policy resolves a field changed on both sides since the last sync.
type Policy = vocab.Policy

// Conflict policies.
const (
	LastWriterWins = vocab.LastWriterWins
	PreferA        = vocab.PreferA
	PreferB        = vocab.PreferB
)

// FieldType is the canonical type of a mapped field; it decides how values are normalized.
type FieldType string

// Field types.
const (
	Text     FieldType = "text"     // compared and written as is
	Number   FieldType = "number"   // decimal, normalized without trailing zeros ("125000", "99.5")
	Date     FieldType = "date"     // a calendar date, "2026-12-31", never shifted by a time zone
	Picklist FieldType = "picklist" // translated through the field's value map
)

// CRM kinds a partner can use.
const (
	Salesforce = "salesforce"
	HubSpot    = "hubspot"
)

// Pairing is a validated pairing file.
type Pairing struct {
	ID     string  `json:"id"`
	Name   string  `json:"name"`
	A      Partner `json:"a"`
	B      Partner `json:"b"`
	Fields []Field `json:"fields"`
	Owners Owners  `json:"owners"`
	Notes  Notes   `json:"notes"`
	// SLA is the pairing's SLA policy and escalation ladder (sections sla and escalation), always with
	// its defaults filled in, so a pairing file without the sections gets the playbook's.
	SLA sla.Policy `json:"sla"`
	// Notifications says where SLA notices go besides the deal workflow's log.
	Notifications Notifications `json:"notifications"`
	// Pilot is the pairing's 90-day pilot review (section pilot), always with its defaults filled in.
	// Pilot.Enabled is true only when the section says `enabled: true`: then the worker starts the
	// pairing's pilot on boot.
	Pilot pilot.Config `json:"pilot"`
	// CoSell holds the pairing's co-sell defaults (section cosell): the model and motion a new deal
	// gets, which side plays the vendor, and how stage values map to the playbook's stages; always with
	// the playbook's defaults filled in.
	CoSell cosell.Defaults `json:"cosell"`
	// Attribution holds the published attribution rules (section cosell): currency, role split,
	// commission pool and role rules; always with the playbook's defaults filled in.
	Attribution attribution.Rules `json:"attribution"`
	// OnDelete says what a deal does when a partner deletes its record (section sync; default unlink).
	OnDelete vocab.OnDelete `json:"onDelete"`
	// Path is the file the pairing was loaded from, for messages.
	Path string `json:"path,omitempty"`
	// IDAt is where the pairing's id is written, for problems found across files (CheckShared).
	IDAt Position `json:"-"`
}

// Position is where a key sits in a pairing file. Problems found across files (two pairings sharing a
// connection) are reported at the position of the file that is refused and name the other's.
type Position struct {
	Line   int
	Column int
}

// Partner is one company in the pairing and its CRM connection.
type Partner struct {
	Name string `json:"name"`
	// CRM is Salesforce or HubSpot.
	CRM string `json:"crm"`
	// Connection names the credential set the worker reads from its environment.
	Connection string `json:"connection"`
	// Timezone (IANA) in which this CRM's date-time values are read as calendar dates; default UTC.
	// HubSpot's dates (midnight UTC, in date and datetime properties alike) are never shifted by it.
	Timezone string `json:"timezone"`
	// Deal names the co-sell bookkeeping fields, with defaults per CRM kind.
	Deal connectors.DealFields `json:"deal"`
	// Route, when set, says which newly flagged deals of this partner's connection start a deal in this
	// pairing: those whose Field holds one of Values. Pairings that share a connection must each have
	// one, on one field, with no value in common (CheckShared), so a new deal starts in exactly one.
	Route *Route `json:"route,omitempty"`
	// At is where the partner's keys are written, for problems found across files.
	At PartnerPositions `json:"-"`
}

// PartnerPositions are the positions of a partner's keys that cross-file checks point at.
type PartnerPositions struct {
	Connection Position
	// Deal is the deal: key, or the connection when the partner keeps the default bookkeeping fields.
	Deal  Position
	Route Position
}

// Route picks the newly flagged deals of a CRM connection that belong to one pairing, by the value of
// one field of the deal (for example a picklist naming the partner).
type Route struct {
	// Field is the CRM field, read on every deal of the connection.
	Field string `json:"field"`
	// Values are the field's values that select this pairing, matched whole, ignoring case and the
	// spaces around them.
	Values []string `json:"values"`
}

// Field maps one canonical deal field to a field on each side.
type Field struct {
	Name      string         `json:"name"`
	Type      FieldType      `json:"type"`
	A         string         `json:"a"`
	B         string         `json:"b"`
	Direction Direction      `json:"direction"`
	Conflict  Policy         `json:"conflict"`
	Values    []ValueMapping `json:"values,omitempty"`
}

// ValueMapping ties one canonical picklist value to each side's value.
type ValueMapping struct {
	Canonical string `json:"canonical"`
	A         string `json:"a"`
	B         string `json:"b"`
}

// Owners says who owns a new mirror: a pair list of e-mails, and a fallback owner e-mail per side.
type Owners struct {
	Map       []OwnerPair `json:"map,omitempty"`
	FallbackA string      `json:"fallbackA"`
	FallbackB string      `json:"fallbackB"`
}

// OwnerPair maps a user on side A to a user on side B by e-mail, both ways.
type OwnerPair struct {
	A string `json:"a"`
	B string `json:"b"`
}

// Notes says which notes cross to the partner.
type Notes struct {
	// Share is "all" or "tagged".
	Share string `json:"share"`
	// Tag marks a shared note when Share is "tagged", e.g. "#partner".
	Tag string `json:"tag,omitempty"`
}

// Issue is a value that could not be translated (see vocab.Issue).
type Issue = vocab.Issue

// Notifications says which channels carry SLA notices (warnings, breaches, escalations).
type Notifications struct {
	// SlackWebhookURLEnv names the environment variable that holds the Slack incoming-webhook URL; ""
	// means no Slack. The URL is a secret, so the pairing file, kept in git, names the variable only.
	SlackWebhookURLEnv string `json:"slackWebhookUrlEnv,omitempty"`
	// CRMTasks creates a task in the CRM of the side that must act, true by default: reps already work
	// from their CRM's task list.
	CRMTasks bool `json:"crmTasks"`
}
