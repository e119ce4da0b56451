package engine

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/cosellsync/cosell/vocab"
)

// benchDeal returns an engine over a linked 20-field deal whose parties agree.
func benchDeal(b *testing.B) (*Engine, *State, map[string]string) {
	b.Helper()
	pol := Policy{PairingID: "p", Parties: []PartyInfo{{vocab.A, "Acme"}, {vocab.B, "Globex"}}}
	vals := map[string]string{}
	for i := 0; i < 20; i++ {
		f := fmt.Sprintf("field_%02d", i)
		pol.Rules = append(pol.Rules, Rule{Field: f, Direction: vocab.Both, Conflict: vocab.LastWriterWins})
		vals[f] = fmt.Sprintf("value %d", i)
	}
	st := NewState("p", "CS-1")
	e := New(pol, &st)
	t0 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	for _, s := range []vocab.Side{vocab.A, vocab.B} {
		e.Receive(t0, Change{Side: s, Reading: &Reading{Found: true, RecordID: "r-" + string(s), CoSellID: "CS-1", Enabled: true, Values: vals, ModifiedAt: t0}})
	}
	for step := e.Next(t0); step.Kind == Run; step = e.Next(t0) {
		e.Done(t0, Result{Seq: step.Command.Seq, Written: &Written{RecordID: "r-" + string(step.Command.Side)}})
	}
	return e, &st, vals
}

// BenchmarkEngineRound is one edit through the engine: a reading with two changed fields, the planned
// read-before-write and write, and their acknowledgements, until the engine is idle again.
func BenchmarkEngineRound(b *testing.B) {
	e, _, vals := benchDeal(b)
	t := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		t = t.Add(time.Second)
		v := copyValues(vals)
		v["field_03"], v["field_11"] = fmt.Sprint("edit ", i), fmt.Sprint("other ", i)
		r := &Reading{Found: true, RecordID: "r-a", CoSellID: "CS-1", Enabled: true, Values: v, ModifiedAt: t}
		e.Receive(t, Change{Side: vocab.A, Reading: r})
		for step := e.Next(t); step.Kind == Run; step = e.Next(t) {
			c := step.Command
			res := Result{Seq: c.Seq}
			if c.Kind == Read {
				res.Reading = &Reading{Found: true, RecordID: "r-b", CoSellID: "CS-1", Enabled: true, Values: vals, ModifiedAt: t}
			} else {
				res.Written = &Written{RecordID: "r-b", ModifiedAt: t}
			}
			e.Done(t, res)
		}
		for f, x := range v {
			vals[f] = x
		}
	}
}

// BenchmarkStateRoundTrip is the reference: carrying the same deal's state across continue-as-new (JSON
// out and in), the cost a workflow pays once per run rather than per change.
func BenchmarkStateRoundTrip(b *testing.B) {
	_, st, _ := benchDeal(b)
	b.ReportAllocs()
	for b.Loop() {
		raw, err := json.Marshal(st)
		if err != nil {
			b.Fatal(err)
		}
		var out State
		if err := json.Unmarshal(raw, &out); err != nil {
			b.Fatal(err)
		}
	}
}

func copyValues(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
