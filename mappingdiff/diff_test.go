package mappingdiff

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/pairing"
	"github.com/cosellsync/cosell/vocab"
)

func demo(t *testing.T) string {
	raw, err := os.ReadFile("../examples/demo/pairing.yaml")
	require.NoError(t, err)
	return string(raw)
}

func parse(t *testing.T, text string) *pairing.Pairing {
	p, err := pairing.Parse("pairing.yaml", []byte(text))
	require.NoError(t, err)
	return p
}

// edit replaces old by new in the demo pairing, once, and fails when old is not there.
func edit(t *testing.T, text string, pairs ...string) string {
	for i := 0; i < len(pairs); i += 2 {
		require.Contains(t, text, pairs[i])
		text = strings.Replace(text, pairs[i], pairs[i+1], 1)
	}
	return text
}

func TestDiff(t *testing.T) {
	base := demo(t)
	for _, tc := range []struct {
		name string
		// oldEdits make the old file, edits the new one, from the demo pairing.
		oldEdits []string
		edits    []string
		want     []Change // Effect is checked for the words in it below, not whole
		words    []string
	}{
		{name: "the same file", edits: nil, want: nil},
		{name: "a value map entry's side b value", edits: []string{"b: qualifiedtobuy }", "b: decisionmakerboughtin }", "b: decisionmakerboughtin }\n      - { canonical: proposal", "b: qualifiedtobuy }\n      - { canonical: proposal"},
			want: []Change{
				{Kind: ValueChanged, Field: "stage", Side: vocab.B, Value: "qualification", Old: "qualifiedtobuy", New: "decisionmakerboughtin", Apply: true},
				{Kind: ValueChanged, Field: "stage", Side: vocab.B, Value: "decision", Old: "decisionmakerboughtin", New: "qualifiedtobuy", Apply: true},
			},
			words: []string{`a record still holding "qualifiedtobuy" reads as decision until`}},
		{name: "a value map entry added and one removed",
			oldEdits: []string{"      - { canonical: closed_won,", "      - { canonical: perception, a: Perception Analysis, b: perception }\n      - { canonical: closed_won,"},
			edits:    []string{"      - { canonical: closed_won,", "      - { canonical: needs_analysis, a: Needs Analysis, b: needsanalysis }\n      - { canonical: closed_won,"},
			want: []Change{
				{Kind: ValueAdded, Field: "stage", Value: "needs_analysis", New: "a: Needs Analysis, b: needsanalysis", Apply: true},
				{Kind: ValueRemoved, Field: "stage", Value: "perception", Old: "a: Perception Analysis, b: perception"},
			},
			words: []string{"is mapped", "no longer mapped"}},
		{name: "a field added, one removed, another's CRM field", edits: []string{
			"  - name: next_step\n    type: text\n    a: NextStep\n    b: hs_next_step\n", "  - name: next_step\n    type: text\n    a: NextStep\n    b: cosell_next_step\n",
			"  - name: loss_reason\n    a: CoSell_Loss_Reason__c\n    b: cosell_loss_reason\n", "  - name: description\n    a: Description\n    b: description\n"},
			want: []Change{
				{Kind: CRMField, Field: "next_step", Side: vocab.B, Old: "hs_next_step", New: "cosell_next_step", Apply: true},
				{Kind: FieldAdded, Field: "description", New: "a: Description, b: description, both", Apply: true},
				{Kind: FieldRemoved, Field: "loss_reason", Old: "a: CoSell_Loss_Reason__c, b: cosell_loss_reason"},
			},
			words: []string{"instead of hs_next_step", "starts to sync", "stops syncing"}},
		{name: "direction and conflict policy", edits: []string{"    a: Amount\n    b: amount\n", "    a: Amount\n    b: amount\n    direction: b_to_a\n    conflict: prefer_b\n"},
			want: []Change{
				{Kind: DirectionChanged, Field: "amount", Old: "both", New: "b_to_a"},
				{Kind: PolicyChanged, Field: "amount", Old: "last_writer_wins", New: "prefer_b"},
			},
			words: []string{"an edit on side a is reverted", "side b's value wins"}},
		{name: "owners", edits: []string{
			"    - { a: sam.lee@acme.example,  b: slee@globex.example }", "    - { a: sam.lee@acme.example,  b: sam@globex.example }\n    - { a: kim@acme.example, b: kim@globex.example }",
			"    - { a: jane.doe@acme.example, b: jdoe@globex.example }\n", "",
			"    b: ops@globex.example", "    b: sales-ops@globex.example"},
			want: []Change{
				{Kind: OwnerChanged, Value: "sam.lee@acme.example", Old: "slee@globex.example", New: "sam@globex.example"},
				{Kind: OwnerAdded, Value: "kim@acme.example", New: "kim@globex.example"},
				{Kind: OwnerRemoved, Value: "jane.doe@acme.example", Old: "jdoe@globex.example"},
				{Kind: FallbackChanged, Side: vocab.B, Old: "ops@globex.example", New: "sales-ops@globex.example"},
			},
			words: []string{"existing mirrors keep their owner", "fallback owner"}},
		{name: "a bookkeeping field and on_delete", edits: []string{
			"    connection: globex-hs\n", "    connection: globex-hs\n    deal:\n      cosell_id: cosell_id_v2\n",
			"notes:\n", "sync:\n  on_delete: recreate\n\nnotes:\n"},
			want: []Change{
				{Kind: BookkeepingChange, Side: vocab.B, Value: "co-sell id", Old: "cosell_id", New: "cosell_id_v2"},
				{Kind: OnDeleteChanged, Old: "unlink", New: "recreate"},
			},
			words: []string{"taken for new registrations", "recreates"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			old, new := parse(t, edit(t, base, tc.oldEdits...)), parse(t, edit(t, base, tc.edits...))
			r := Diff(old, new)
			var got []Change
			for _, c := range r.Changes {
				assert.NotEmpty(t, c.Effect, "every change says what it does")
				c.Effect = ""
				got = append(got, c)
			}
			assert.Equal(t, tc.want, got)
			var effects []string
			for _, c := range r.Changes {
				effects = append(effects, c.Effect)
			}
			for _, w := range tc.words {
				assert.Contains(t, strings.Join(effects, "\n"), w)
			}
			assert.Equal(t, len(tc.want) == 0, r.Same())
			assert.Equal(t, len(tc.want) == 0, r.Old == r.New, "the mapping version changes with the mapping")
			assert.Equal(t, Diff(old, new), r, "a diff is a function of the files")
		})
	}
}

func TestDiffNamesAnotherPairing(t *testing.T) {
	base := demo(t)
	r := Diff(parse(t, base), parse(t, edit(t, base, "id: acme-globex", "id: acme-initech")))
	require.Len(t, r.Changes, 1)
	assert.Equal(t, Change{Kind: Pairing, Old: "acme-globex", New: "acme-initech", Effect: r.Changes[0].Effect}, r.Changes[0])
	assert.False(t, r.NeedsApply())
}

func TestNamesAndSLAsAreNoMappingChange(t *testing.T) {
	base := demo(t)
	r := Diff(parse(t, base), parse(t, edit(t, base, `name: "Acme × Globex"`, `name: "Acme and Globex"`, "registration_acceptance: 24h", "registration_acceptance: 48h")))
	assert.True(t, r.Same())
	assert.Equal(t, r.Old, r.New)
}
