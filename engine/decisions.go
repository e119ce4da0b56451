package engine

import (
	"fmt"
	"strconv"
	"time"

	"github.com/cosellsync/cosell/vocab"
)

// The decision log answers "why did this field change?" for one deal (issue #11, item 6): every write
// the engine had acknowledged, with the party whose edit set each value and the rule that let it flow;
// each echo of such a write it recognised and did not write back; each conflict and how it was settled;
// each value a CRM refused. It is a ring of the last maxDecisions entries in the State, so it rides
// continue-as-new and stays small (values are cut to maxDecisionValue characters, a CRM's message to maxDecisionNote). It only records what
// the engine decided on other grounds: nothing in it is read back by a rule.
const (
	maxDecisions     = 32
	maxDecisionValue = 80
	maxDecisionNote  = 300
)

// DecisionKind says what a logged decision was.
type DecisionKind string

// Decision kinds.
const (
	// DecidedCreate: the party's mirror was created with these values.
	DecidedCreate DecisionKind = "create"
	// DecidedWrite: these values were written to the party's record and acknowledged.
	DecidedWrite DecisionKind = "write"
	// DecidedEcho: a reading of the party carried back the deal's own last write there; it was taken
	// for the echo it is, so nothing was written back to where the values came from.
	DecidedEcho DecisionKind = "echo"
	// DecidedConflict: two parties edited a field before either saw the other's edit; Side won.
	DecidedConflict DecisionKind = "conflict"
	// DecidedRefused: the party's CRM refused these values; they are set aside until they change.
	DecidedRefused DecisionKind = "refused"
)

// Decision is one entry of a deal's decision log.
type Decision struct {
	At   time.Time    `json:"at"`
	Kind DecisionKind `json:"kind"`
	// Side is the party written to (create, write, refused), whose reading echoed (echo), or the winner
	// of a conflict.
	Side vocab.Side `json:"side"`
	// Seq is the command the entry is about: the write, or for an echo the write it echoed.
	Seq    int64         `json:"seq,omitempty"`
	Fields []FieldReason `json:"fields,omitempty"`
	// Note is the CRM's own message for a refusal, and how a conflict was settled.
	Note string `json:"note,omitempty"`
	// Echoed marks a write whose echo has been seen (and logged as its own entry).
	Echoed bool `json:"echoed,omitempty"`
}

// FieldReason is one field of a decision: the canonical value and why it went where it went.
type FieldReason struct {
	Field string `json:"field"`
	Value string `json:"value"`
	// Stored is the value as the CRM stored it, when it differs from Value (a trimmed space, a rounded
	// amount).
	Stored string `json:"stored,omitempty"`
	// From is the party whose edit set the value; empty for a value the engine derives.
	From vocab.Side `json:"from,omitempty"`
	// Rule is the field's direction and conflict policy ("both, last_writer_wins"); Reason says in
	// words why this value was the one to write.
	Rule   string `json:"rule,omitempty"`
	Reason string `json:"reason"`
}

// Decisions returns the deal's decision log, oldest first.
func (e *Engine) Decisions() []Decision { return e.st.Decisions }

// decide appends an entry to the ring, dropping the oldest past maxDecisions.
func (e *Engine) decide(d Decision) {
	e.st.Decisions = append(e.st.Decisions, d)
	if n := len(e.st.Decisions); n > maxDecisions {
		e.st.Decisions = append([]Decision(nil), e.st.Decisions[n-maxDecisions:]...)
	}
}

// decideWrite logs an acknowledged write (or create) to cmd.Side: the fields it carried that the CRM
// took, each with the edit it came from.
func (e *Engine) decideWrite(now time.Time, cmd Command, w *Written) {
	kind := DecidedWrite
	if cmd.Write.Create {
		kind = DecidedCreate
	}
	d := Decision{At: now, Kind: kind, Side: cmd.Side, Seq: cmd.Seq}
	for _, f := range sortedKeys(cmd.Write.Values) {
		if _, refused := w.Refused[f]; refused {
			continue
		}
		fr := e.writeReason(cmd.Side, f, cmd.Write.Values[f]) // remap.go: a remap's write says so
		if stored, ok := w.Stored[f]; ok && stored != cmd.Write.Values[f] && storedAs(f, cmd.Write.Values[f], stored) {
			fr.Stored = clip(stored) // a read-back showing another value is a save racing it, not our write
		}
		d.Fields = append(d.Fields, fr)
	}
	if cmd.Write.Enabled != nil {
		d.Fields = append(d.Fields, e.reason(FlagField, strconv.FormatBool(*cmd.Write.Enabled)))
	}
	if o := cmd.Write.PartnerOwner; o != nil {
		d.Fields = append(d.Fields, FieldReason{Field: "@partner_owner", Value: clip(o.Name + " <" + o.Email + ">"),
			Reason: "the partner's record owner, shown on this side"})
	}
	if len(d.Fields) == 0 && !cmd.Write.Create {
		return // every field refused: logged as refusals
	}
	e.decide(d)
}

// reason explains why v is the value of field written to the other parties: whose edit set it, and
// the rule (direction, conflict policy) under which it flowed.
func (e *Engine) reason(field, v string) FieldReason {
	fr := FieldReason{Field: field, Value: clip(Display(v))}
	rule, ok := e.pol.rule(field)
	if !ok {
		fr.Reason = "not a mapped field"
		return fr
	}
	fr.Rule = ruleText(rule)
	w := e.st.Fields[field]
	switch {
	case rule.Derived:
		fr.Reason = "derived by the engine from the co-sell plan"
	case w == nil || w.Value != v:
		fr.Reason = "the value to write when the write was planned"
	case w.From == "":
		fr.Reason = "set by the engine"
	default:
		fr.From = w.From
		fr.Reason = e.pol.Name(w.From) + " changed it"
		if c, ok := e.wonConflict(field, w); ok {
			fr.Reason += "; it won a conflict (" + c.Details + ")"
		} else if src := rule.Direction.Source(); src != "" {
			fr.Reason += "; the field flows one way, from " + e.pol.Name(src)
		}
	}
	return fr
}

// wonConflict finds the conflict that made w the wanted value, if one did: logged when its winner's
// edit was learnt.
func (e *Engine) wonConflict(field string, w *Want) (Conflict, bool) {
	for i := len(e.st.Conflicts) - 1; i >= 0; i-- {
		c := e.st.Conflicts[i]
		if c.Field == field && c.Winner == w.From && c.At.Equal(w.Known) {
			return c, true
		}
	}
	return Conflict{}, false
}

// decideEcho logs a delivered reading of a party that carries back the deal's last write there, once
// per write: every field it wrote reads as the CRM stored it.
func (e *Engine) decideEcho(now time.Time, r Reading) {
	i := len(e.st.Decisions) - 1
	for ; i >= 0; i-- {
		if d := e.st.Decisions[i]; d.Side == r.Side && (d.Kind == DecidedWrite || d.Kind == DecidedCreate) {
			break
		}
	}
	if i < 0 || e.st.Decisions[i].Echoed {
		return
	}
	w := &e.st.Decisions[i]
	var fields []FieldReason
	for _, f := range w.Fields {
		want := f.Stored
		if want == "" {
			want = f.Value
		}
		switch f.Field {
		case "@partner_owner":
			continue
		case FlagField:
			if strconv.FormatBool(r.Enabled) != f.Value {
				return
			}
		default:
			if got, ok := r.Values[f.Field]; !ok || clip(Display(got)) != want {
				return
			}
		}
		fields = append(fields, FieldReason{Field: f.Field, Value: want, From: f.From,
			Reason: "the deal's own write, read back: no edit of " + e.pol.Name(r.Side) + "'s, not written back"})
	}
	if len(fields) == 0 {
		return
	}
	w.Echoed = true
	e.decide(Decision{At: now, Kind: DecidedEcho, Side: r.Side, Seq: w.Seq, Fields: fields,
		Note: fmt.Sprintf("a reading of %s's record showed write #%d as stored; recognised as its echo", e.pol.Name(r.Side), w.Seq)})
}

// decideConflict logs a conflict and its settlement.
func (e *Engine) decideConflict(now time.Time, r Rule, winner vocab.Side, v, loser, details string) {
	e.decide(Decision{At: now, Kind: DecidedConflict, Side: winner, Note: details,
		Fields: []FieldReason{{Field: r.Field, Value: clip(Display(v)), From: winner, Rule: ruleText(r),
			Reason: e.pol.Name(winner) + "'s edit won over " + clip(Display(loser))}}})
}

// decideRefused logs values a party's CRM refused, with the CRM's message.
func (e *Engine) decideRefused(now time.Time, cmd Command, fields []string, msg string) {
	d := Decision{At: now, Kind: DecidedRefused, Side: cmd.Side, Seq: cmd.Seq, Note: clipTo(msg, maxDecisionNote)}
	for _, f := range fields {
		fr := e.reason(f, cmd.Write.Values[f])
		fr.Reason = "refused by the CRM; set aside until the value changes (" + fr.Reason + ")"
		d.Fields = append(d.Fields, fr)
	}
	e.decide(d)
}

func ruleText(r Rule) string {
	if r.Derived {
		return "derived"
	}
	dir := string(r.Direction)
	if dir == "" {
		dir = string(vocab.Both)
	}
	return dir + ", " + string(r.Conflict)
}

// clip keeps a logged value short: the log is carried in the state.
func clip(s string) string { return clipTo(s, maxDecisionValue) }

func clipTo(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
