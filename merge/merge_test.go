package merge

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/cosellsync/cosell/pairing"
)

var (
	t0 = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	t1 = t0.Add(time.Second)
)

func rules(policy pairing.Policy, dir pairing.Direction) []Rule {
	return []Rule{{Field: "stage", Direction: dir, Conflict: policy}, {Field: "amount", Direction: pairing.Both, Conflict: pairing.LastWriterWins}}
}

func obs(mod time.Time, kv ...string) Observation {
	o := Observation{Values: map[string]string{}, ModifiedAt: mod, Present: true}
	for i := 0; i+1 < len(kv); i += 2 {
		o.Values[kv[i]] = kv[i+1]
	}
	return o
}

func TestEchoOfOwnWriteWritesNothing(t *testing.T) {
	shadow := map[string]string{"stage": "qualification", "amount": "100"}
	res := Merge(Input{
		Rules: rules(pairing.LastWriterWins, pairing.Both), ShadowA: shadow, ShadowB: shadow,
		A: obs(t0, "stage", "qualification", "amount", "100"),
		B: obs(t1, "stage", "qualification", "amount", "100"),
	})
	assert.True(t, res.Empty())
	assert.Empty(t, res.Conflicts)
}

func TestOneSidedChangeFlowsAndUpdatesBothShadows(t *testing.T) {
	shadow := map[string]string{"stage": "qualification", "amount": "100"}
	res := Merge(Input{
		Rules: rules(pairing.LastWriterWins, pairing.Both), ShadowA: shadow, ShadowB: shadow,
		A: obs(t0, "stage", "qualification", "amount", "100"),
		B: obs(t1, "stage", "proposal", "amount", "100"),
	})
	assert.Equal(t, map[string]string{"stage": "proposal"}, res.WriteA)
	assert.Empty(t, res.WriteB)
	assert.Equal(t, "proposal", res.ShadowA["stage"])
	assert.Equal(t, "proposal", res.ShadowB["stage"])
}

func TestUnreadSideUsesItsShadow(t *testing.T) {
	shadow := map[string]string{"stage": "qualification", "amount": "100"}
	res := Merge(Input{
		Rules: rules(pairing.LastWriterWins, pairing.Both), ShadowA: shadow, ShadowB: shadow,
		A: obs(t0, "stage", "qualification", "amount", "250"),
	})
	assert.Equal(t, map[string]string{"amount": "250"}, res.WriteB)
	assert.Empty(t, res.WriteA)
}

func TestConcurrentEditsOfDifferentFieldsBothSurvive(t *testing.T) {
	shadow := map[string]string{"stage": "qualification", "amount": "100"}
	res := Merge(Input{
		Rules: rules(pairing.LastWriterWins, pairing.Both), ShadowA: shadow, ShadowB: shadow,
		A: obs(t0, "stage", "qualification", "amount", "250"),
		B: obs(t1, "stage", "proposal", "amount", "100"),
	})
	assert.Equal(t, map[string]string{"stage": "proposal"}, res.WriteA)
	assert.Equal(t, map[string]string{"amount": "250"}, res.WriteB)
	assert.Empty(t, res.Conflicts)
}

func TestConflictPolicies(t *testing.T) {
	shadow := map[string]string{"stage": "qualification", "amount": "100"}
	cases := []struct {
		name       string
		policy     pairing.Policy
		dir        pairing.Direction
		modA, modB time.Time
		winner     pairing.Side
	}{
		{"last writer B", pairing.LastWriterWins, pairing.Both, t0, t1, pairing.B},
		{"last writer A", pairing.LastWriterWins, pairing.Both, t1, t0, pairing.A},
		{"exact tie goes to A", pairing.LastWriterWins, pairing.Both, t0, t0, pairing.A},
		{"prefer a although B is later", pairing.PreferA, pairing.Both, t0, t1, pairing.A},
		{"prefer b although A is later", pairing.PreferB, pairing.Both, t1, t0, pairing.B},
		{"a_to_b keeps the source", pairing.LastWriterWins, pairing.AToB, t0, t1, pairing.A},
		{"b_to_a keeps the source", pairing.LastWriterWins, pairing.BToA, t1, t0, pairing.B},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := Merge(Input{
				Rules: rules(c.policy, c.dir), ShadowA: shadow, ShadowB: shadow,
				A: obs(c.modA, "stage", "presentation", "amount", "100"),
				B: obs(c.modB, "stage", "proposal", "amount", "100"),
			})
			if assert.Len(t, res.Conflicts, 1) {
				assert.Equal(t, c.winner, res.Conflicts[0].Winner)
				assert.Equal(t, "presentation", res.Conflicts[0].ValueA)
				assert.Equal(t, "proposal", res.Conflicts[0].ValueB)
			}
			want := map[pairing.Side]string{pairing.A: "presentation", pairing.B: "proposal"}[c.winner]
			assert.Equal(t, want, res.ShadowA["stage"])
			assert.Equal(t, want, res.ShadowB["stage"])
			if c.winner == pairing.A {
				assert.Equal(t, map[string]string{"stage": "presentation"}, res.WriteB)
				assert.Empty(t, res.WriteA)
			} else {
				assert.Equal(t, map[string]string{"stage": "proposal"}, res.WriteA)
				assert.Empty(t, res.WriteB)
			}
		})
	}
}

func TestSameValueOnBothSidesIsNoConflict(t *testing.T) {
	shadow := map[string]string{"stage": "qualification"}
	res := Merge(Input{
		Rules: rules(pairing.LastWriterWins, pairing.Both), ShadowA: shadow, ShadowB: shadow,
		A: obs(t0, "stage", "proposal"), B: obs(t1, "stage", "proposal"),
	})
	assert.True(t, res.Empty())
	assert.Empty(t, res.Conflicts)
	assert.Equal(t, "proposal", res.ShadowB["stage"])
}

func TestOneWayFieldIgnoresEditsOnTheReceivingSide(t *testing.T) {
	shadow := map[string]string{"stage": "qualification"}
	res := Merge(Input{
		Rules: rules(pairing.LastWriterWins, pairing.AToB), ShadowA: shadow, ShadowB: shadow,
		A: obs(t0, "stage", "qualification"), B: obs(t1, "stage", "proposal"),
	})
	assert.True(t, res.Empty())
	assert.Equal(t, "proposal", res.ShadowB["stage"], "the edit is acknowledged so it is not re-examined")
	assert.Equal(t, "qualification", res.ShadowA["stage"])
}

func TestUnreadableFieldCountsAsUnchanged(t *testing.T) {
	shadow := map[string]string{"stage": "qualification", "amount": "100"}
	res := Merge(Input{
		Rules: rules(pairing.LastWriterWins, pairing.Both), ShadowA: shadow, ShadowB: shadow,
		A: obs(t0, "amount", "300"), // stage unmapped on A this time
		B: obs(t1, "stage", "qualification", "amount", "100"),
	})
	assert.Equal(t, map[string]string{"amount": "300"}, res.WriteB)
	assert.Empty(t, res.WriteA)
}

func TestFirstSyncToAMissingSideWritesEverythingThatFlows(t *testing.T) {
	res := Merge(Input{
		Rules: []Rule{
			{Field: "stage", Direction: pairing.Both},
			{Field: "amount", Direction: pairing.BToA},
		},
		A: obs(t0, "stage", "qualification", "amount", "100"),
	})
	assert.Equal(t, map[string]string{"stage": "qualification"}, res.WriteB)
	assert.Equal(t, "qualification", res.ShadowB["stage"])
	_, hasAmount := res.ShadowB["amount"]
	assert.False(t, hasAmount)
}

func TestMergeDoesNotMutateItsInput(t *testing.T) {
	shadow := map[string]string{"stage": "qualification"}
	Merge(Input{Rules: rules(pairing.LastWriterWins, pairing.Both), ShadowA: shadow, ShadowB: shadow, A: obs(t0, "stage", "proposal")})
	assert.Equal(t, "qualification", shadow["stage"])
}
