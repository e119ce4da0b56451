// Package merge is the three-way merge at the heart of the mirror. For each side it compares what the
// CRM holds now with the shadow (the last value the sync saw there or wrote there):
//
//   - a value equal to its shadow has not changed; in particular the echo of our own write is dropped
//     here, which is what keeps the mirror from looping;
//   - a value changed on one side flows to the other, if the field's direction allows;
//   - a value changed on both sides to different values is a conflict, settled by the field's policy and
//     reported so it can be logged on the deal.
//
// It is pure: no clocks, no I/O, deterministic iteration, so the deal workflow can run it inline.
package merge

import (
	"maps"
	"time"

	"github.com/cosellsync/cosell/pairing"
)

// Rule is how one canonical field syncs.
type Rule struct {
	Field     string
	Direction pairing.Direction
	Conflict  pairing.Policy
}

// Flows reports whether the rule lets a change on from reach the other side.
func (r Rule) Flows(from pairing.Side) bool {
	switch r.Direction {
	case pairing.AToB:
		return from == pairing.A
	case pairing.BToA:
		return from == pairing.B
	default:
		return true
	}
}

// Observation is one side's current canonical values. A field absent from Values was not readable this
// time (unmapped, say) and counts as unchanged.
type Observation struct {
	Values     map[string]string
	ModifiedAt time.Time
	// Present is false when the side was not read this round; its shadow stands in for it.
	Present bool
}

// Input is the state a merge starts from.
type Input struct {
	Rules   []Rule
	ShadowA map[string]string
	ShadowB map[string]string
	A, B    Observation
}

// Conflict is a field changed on both sides to different values.
type Conflict struct {
	Field  string
	ValueA string
	ValueB string
	Winner pairing.Side
	Policy pairing.Policy
	// ByDirection is true when a one-way field settled it rather than the policy.
	ByDirection bool
}

// Result is what the merge decided.
type Result struct {
	// WriteA and WriteB hold the fields to write on each side; only changed fields appear.
	WriteA, WriteB map[string]string
	// ShadowA and ShadowB are the shadows once the writes succeed.
	ShadowA, ShadowB map[string]string
	Conflicts        []Conflict
}

// Empty reports whether the merge writes nothing.
func (r Result) Empty() bool { return len(r.WriteA) == 0 && len(r.WriteB) == 0 }

// Merge runs the three-way merge over every rule, in rule order.
func Merge(in Input) Result {
	res := Result{
		WriteA:  map[string]string{},
		WriteB:  map[string]string{},
		ShadowA: clone(in.ShadowA),
		ShadowB: clone(in.ShadowB),
	}
	for _, r := range in.Rules {
		curA, okA := current(in.A, in.ShadowA, r.Field)
		curB, okB := current(in.B, in.ShadowB, r.Field)
		changedA := okA && changed(in.ShadowA, r.Field, curA)
		changedB := okB && changed(in.ShadowB, r.Field, curB)

		switch {
		case changedA && changedB:
			if curA == curB {
				res.ShadowA[r.Field], res.ShadowB[r.Field] = curA, curB
				continue
			}
			winner, byDirection := settle(r, in.A.ModifiedAt, in.B.ModifiedAt)
			res.Conflicts = append(res.Conflicts, Conflict{
				Field: r.Field, ValueA: curA, ValueB: curB, Winner: winner, Policy: r.Conflict, ByDirection: byDirection,
			})
			if winner == pairing.A {
				res.WriteB[r.Field] = curA
				res.ShadowA[r.Field], res.ShadowB[r.Field] = curA, curA
			} else {
				res.WriteA[r.Field] = curB
				res.ShadowA[r.Field], res.ShadowB[r.Field] = curB, curB
			}
		case changedA:
			res.ShadowA[r.Field] = curA
			if r.Flows(pairing.A) && !(okB && curB == curA) {
				res.WriteB[r.Field] = curA
			}
			if r.Flows(pairing.A) {
				res.ShadowB[r.Field] = curA
			}
		case changedB:
			res.ShadowB[r.Field] = curB
			if r.Flows(pairing.B) && !(okA && curA == curB) {
				res.WriteA[r.Field] = curB
			}
			if r.Flows(pairing.B) {
				res.ShadowA[r.Field] = curB
			}
		}
	}
	return res
}

// settle picks the winner of a conflict. A one-way field always keeps its source's value; otherwise the
// policy decides, and last-writer-wins breaks an exact tie in favour of side A so replays agree.
func settle(r Rule, modA, modB time.Time) (pairing.Side, bool) {
	switch r.Direction {
	case pairing.AToB:
		return pairing.A, true
	case pairing.BToA:
		return pairing.B, true
	}
	switch r.Conflict {
	case pairing.PreferA:
		return pairing.A, false
	case pairing.PreferB:
		return pairing.B, false
	default:
		if modB.After(modA) {
			return pairing.B, false
		}
		return pairing.A, false
	}
}

// current returns the side's value for field: the observation when the side was read, else the shadow.
func current(o Observation, shadow map[string]string, field string) (string, bool) {
	if o.Present {
		v, ok := o.Values[field]
		return v, ok
	}
	v, ok := shadow[field]
	return v, ok
}

// changed reports whether v differs from the shadow; a field never seen before counts as changed.
func changed(shadow map[string]string, field, v string) bool {
	s, ok := shadow[field]
	return !ok || s != v
}

// clone copies a shadow. maps.Clone does not iterate in Go code, so the copy is order-free by
// construction (and workflowcheck agrees).
func clone(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return maps.Clone(m)
}
