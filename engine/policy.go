package engine

import (
	"slices"

	"github.com/cosellsync/cosell/sla"
	"github.com/cosellsync/cosell/vocab"
)

// Rule is how one canonical field syncs.
type Rule struct {
	Field     string          `json:"field"`
	Direction vocab.Direction `json:"direction"`
	Conflict  vocab.Policy    `json:"conflict"`
	// Derived marks a field the engine writes itself (vocab.EngineFields): it flows into every party
	// and from none, so a user's edit of it is reverted.
	Derived bool `json:"derived,omitempty"`
	// Values are the canonical values of a picklist's value map; empty for other fields. A remap
	// (Remap) keeps a deal's wanted value only while the mapping still has it.
	Values []string `json:"values,omitempty"`
	// ReadOnly lists the parties that keep the field on a related record (a Salesforce Account, a HubSpot
	// company): their edits flow as the direction says, but nothing is ever written into them, except
	// that a mirror created there is linked to the account its value names. Empty in a policy recorded
	// before it existed, and for every plain field.
	ReadOnly []vocab.Side `json:"readOnly,omitempty"`
}

// writable reports whether a write to party p may carry the field: never into a party that keeps it on
// a related record, but a new mirror's create carries it, so that the mirror is linked to its account.
func (r Rule) writable(p vocab.Side, create bool) bool {
	return create || !slices.Contains(r.ReadOnly, p)
}

// has reports whether the mapping can still write v: a value outside the value map never can, and a
// picklist value only while its value map lists it.
func (r Rule) has(v string) bool {
	if isUnmapped(v) {
		return false
	}
	return len(r.Values) == 0 || slices.Contains(r.Values, v)
}

// FlowsFrom reports whether an edit on party p reaches the other parties.
func (r Rule) FlowsFrom(p vocab.Side) bool {
	if r.Derived {
		return false
	}
	src := r.Direction.Source()
	return src == "" || src == p
}

// FlowsInto reports whether party p receives the field's value from the others.
func (r Rule) FlowsInto(p vocab.Side) bool {
	if r.Derived {
		return true
	}
	src := r.Direction.Source()
	return src == "" || src != p
}

// PartyInfo names one party of the pairing.
type PartyInfo struct {
	Side vocab.Side `json:"side"`
	Name string     `json:"name"`
}

// Policy is the part of a pairing a deal decides with. It is read once per workflow run.
type Policy struct {
	PairingID string `json:"pairingId"`
	// Parties lists the pairing's parties in their order; ties are settled in favour of the first.
	Parties []PartyInfo `json:"parties"`
	Rules   []Rule      `json:"rules"`
	// StageField is the canonical field the stage SLA watches, empty when none is mapped.
	StageField string `json:"stageField,omitempty"`
	// SLA is the pairing's SLA policy, already scaled for demos.
	SLA sla.Policy `json:"sla"`
	// Slack says notices go to Slack; CRMTasks that actionable notices become tasks in every CRM.
	Slack    bool `json:"slack"`
	CRMTasks bool `json:"crmTasks"`
	// OnDelete says what happens when a party deletes its record (default unlink).
	OnDelete vocab.OnDelete `json:"onDelete,omitempty"`
	// Pilot says the deal reports to its pairing's pilot and asks it before a registration.
	Pilot bool `json:"pilot"`
	// Version names this policy's content, so a deal can tell a change event sent under another one
	// (the pairing file was edited) and load the policy again; empty when unknown.
	Version string `json:"version,omitempty"`
	// Mapping is the content hash of the pairing's mapping (pairing.Pairing.MappingVersion): a deal
	// records it in State.Mapping when it completes a round, so an admin can tell which deals synced
	// with an edited mapping. Empty in a policy recorded before it existed.
	Mapping string `json:"mapping,omitempty"`
	// CoSell is the pairing's co-sell section (models, stage leads, attribution). Nil in a policy
	// recorded before it existed: such a run plans, writes and attributes nothing of it.
	CoSell *CoSellPolicy `json:"cosell,omitempty"`
}

// Name returns a party's display name.
func (p Policy) Name(s vocab.Side) string {
	for _, i := range p.Parties {
		if i.Side == s {
			return i.Name
		}
	}
	return string(s)
}

// sides returns the parties in order.
func (p Policy) sides() []vocab.Side {
	out := make([]vocab.Side, len(p.Parties))
	for i, info := range p.Parties {
		out[i] = info.Side
	}
	return out
}

func (p Policy) rule(field string) (Rule, bool) {
	if field == FlagField {
		return Rule{Field: FlagField, Direction: vocab.Both, Conflict: vocab.LastWriterWins}, true
	}
	for _, r := range p.Rules {
		if r.Field == field {
			return r, true
		}
	}
	return Rule{}, false
}

// rules returns the mapped fields' rules followed by the co-sell flag's.
func (p Policy) rules() []Rule {
	out := append([]Rule(nil), p.Rules...)
	return append(out, Rule{Field: FlagField, Direction: vocab.Both, Conflict: vocab.LastWriterWins})
}
