package merge

import (
	"strconv"
	"testing"

	"github.com/cosellsync/cosell/pairing"
)

// BenchmarkMerge measures one round's merge over a 20-field deal where two fields changed on one side
// and one field conflicts: the work the deal workflow does inline on every sync round.
func BenchmarkMerge(b *testing.B) {
	var rules []Rule
	shadow := map[string]string{}
	a := map[string]string{}
	bb := map[string]string{}
	for i := 0; i < 20; i++ {
		f := "field_" + strconv.Itoa(i)
		rules = append(rules, Rule{Field: f, Direction: pairing.Both, Conflict: pairing.LastWriterWins})
		shadow[f], a[f], bb[f] = "v", "v", "v"
	}
	a["field_1"], a["field_2"] = "changed", "changed"
	a["field_3"], bb["field_3"] = "mine", "theirs"
	in := Input{Rules: rules, ShadowA: shadow, ShadowB: shadow,
		A: Observation{Values: a, ModifiedAt: t0, Present: true}, B: Observation{Values: bb, ModifiedAt: t1, Present: true}}
	b.ReportAllocs()
	for b.Loop() {
		res := Merge(in)
		if len(res.WriteB) != 2 || len(res.Conflicts) != 1 {
			b.Fatalf("unexpected merge: %+v", res)
		}
	}
}
