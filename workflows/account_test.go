package workflows

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"

	"github.com/cosellsync/cosell/account"
	"github.com/cosellsync/cosell/activities"
	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/connectors"
	"github.com/cosellsync/cosell/connectors/memory"
	"github.com/cosellsync/cosell/pairing"
	"github.com/cosellsync/cosell/registration"
	"github.com/cosellsync/cosell/vocab"
)

// accountEnv runs AccountWorkflow over the demo pairing's in-memory CRMs, in which each deal's records
// exist, so conflict notices land as tasks on them.
func accountEnv(t *testing.T) (*testsuite.TestWorkflowEnvironment, *memory.CRM, *memory.CRM, *pairing.Pairing) {
	p, err := pairing.Load("../examples/demo/pairing.yaml")
	require.NoError(t, err)
	clock := func() time.Time { return time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC) }
	sf, hs := memory.New("salesforce", p.DealFields(pairing.A), clock), memory.New("hubspot", p.DealFields(pairing.B), clock)
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	env.SetStartTime(clock())
	Register(env, &activities.Activities{Pairings: map[string]*activities.Connection{
		p.ID: {Pairing: p, CRM: map[pairing.Side]connectors.CRM{pairing.A: sf, pairing.B: hs}}}})
	return env, sf, hs, p
}

func conflictTasks(c *memory.CRM, record string) int {
	n := 0
	for _, t := range c.Tasks(record) {
		if strings.HasPrefix(t.Subject, "[Co-sell] Registration conflict on hooli.com") {
			n++
		}
	}
	return n
}

// TestAccountWorkflowRanksClaimsAndTellsEachConflictOnce: claims arrive as updates, some repeated; the
// first deal is primary, every other one a conflict pointing at it, told once on both sides; an admin
// settles one, and a second answer, a settlement of the primary and a bad resolution are refused.
func TestAccountWorkflowRanksClaimsAndTellsEachConflictOnce(t *testing.T) {
	env, sf, hs, p := accountEnv(t)
	key := account.Key("domain:hooli.com")
	var records [][]string
	for i := range 4 {
		records = append(records, []string{sf.Put("", map[string]any{"Name": fmt.Sprintf("deal %d", i)}), hs.Put("", map[string]any{"dealname": fmt.Sprintf("deal %d", i)})})
	}
	results := map[string]api.ClaimResult{}
	claim := func(at time.Duration, i int) {
		env.RegisterDelayedCallback(func() {
			c := registration.Claim{CoSellID: fmt.Sprintf("CS-%d", i), PairingID: p.ID, Partner: vocab.Side([]string{"a", "b"}[i%2]), Source: "crm",
				DealName: fmt.Sprintf("deal %d", i), RecordIDs: records[i]}
			env.UpdateWorkflow(api.ClaimUpdate, fmt.Sprintf("claim-%d-%v", i, at), &testsuite.TestUpdateCallback{
				OnReject:   func(err error) { t.Errorf("claim %d rejected: %v", i, err) },
				OnAccept:   func() {},
				OnComplete: func(v any, err error) { require.NoError(t, err); results[c.CoSellID+at.String()] = v.(api.ClaimResult) },
			}, api.ClaimInput{Claim: c})
		}, at)
	}
	for i, at := range []time.Duration{time.Second, 2 * time.Second, 3 * time.Second, 3 * time.Second, 4 * time.Second} {
		claim(at, min(i, 3)) // deal 3 claims twice
	}
	claim(5*time.Second, 1) // and deal 1 again, later
	resolve := func(at time.Duration, in api.ResolveInput, want string) {
		env.RegisterDelayedCallback(func() {
			env.UpdateWorkflow(api.ResolveUpdate, "resolve-"+at.String(), &testsuite.TestUpdateCallback{
				OnReject: func(err error) {
					if want == "" {
						t.Errorf("resolve rejected: %v", err)
					} else {
						assert.ErrorContains(t, err, want)
					}
				},
				OnAccept: func() {},
				OnComplete: func(_ any, err error) {
					if want == "" {
						assert.NoError(t, err)
					} else {
						assert.ErrorContains(t, err, want)
					}
				},
			}, in)
		}, at)
	}
	resolve(time.Minute, api.ResolveInput{CoSellID: "CS-2", Resolution: registration.Keep, By: "maria.manager@acme.example"}, "")
	resolve(2*time.Minute, api.ResolveInput{CoSellID: "CS-2", Resolution: registration.Reject, By: "maria.manager@acme.example"}, "already resolved")
	resolve(3*time.Minute, api.ResolveInput{CoSellID: "CS-0", Resolution: registration.Reject, By: "maria.manager@acme.example"}, "is the primary")
	resolve(4*time.Minute, api.ResolveInput{CoSellID: "CS-1", Resolution: "drop", By: "maria.manager@acme.example"}, "unknown resolution")
	var view api.AccountView
	env.RegisterDelayedCallback(func() {
		v, err := env.QueryWorkflow(api.AccountQuery)
		require.NoError(t, err)
		require.NoError(t, v.Get(&view))
		env.CancelWorkflow()
	}, time.Hour)
	env.ExecuteWorkflow(AccountWorkflow, api.AccountInput{Account: key})

	led := view.Ledger
	require.Len(t, led.Entries, 4, "four deals, each once")
	primary, ok := led.Primary()
	require.True(t, ok)
	assert.Equal(t, "CS-0", primary.CoSellID)
	assert.Equal(t, registration.Primary, results["CS-01s"].Entry.Role)
	for _, c := range led.Conflicts() {
		assert.Equal(t, "CS-0", c.Primary)
		assert.True(t, c.Told, "%s told", c.CoSellID)
	}
	assert.False(t, results["CS-15s"].New, "a repeated claim gets its first answer")
	assert.Equal(t, registration.Conflicting, results["CS-15s"].Entry.Role)
	assert.Equal(t, registration.Keep, led.Conflicts()[1].Resolution)
	for i, r := range records {
		want := 1
		if i == 0 {
			want = 0 // the primary is no conflict
		}
		assert.Equal(t, want, conflictTasks(sf, r[0]), "deal %d: tasks in Salesforce", i)
		assert.Equal(t, want, conflictTasks(hs, r[1]), "deal %d: tasks in HubSpot", i)
	}
	resolved := 0
	for _, t := range sf.Tasks(records[2][0]) {
		if strings.HasPrefix(t.Subject, "[Co-sell] Registration conflict resolved") {
			resolved++
		}
	}
	assert.Equal(t, 1, resolved, "both partners hear of the settlement")
}

// TestAMergeOrARejectIsCarriedToTheDeal: a merge and a reject are carried to their deals
// (SettleConflict), each once, with the account and the primary's pairing; a keep is not.
func TestAMergeOrARejectIsCarriedToTheDeal(t *testing.T) {
	env, sf, hs, p := accountEnv(t)
	key := account.Key("domain:hooli.com")
	var settled []api.SettleInput
	env.OnActivity("SettleConflict", mock.Anything, mock.Anything).Return(
		func(_ context.Context, in api.SettleInput) (activities.SettleConflictResult, error) {
			settled = append(settled, in)
			return activities.SettleConflictResult{Status: "declined"}, nil
		})
	for i := range 4 {
		rec := []string{sf.Put("", map[string]any{"Name": fmt.Sprintf("deal %d", i)}), hs.Put("", map[string]any{"dealname": fmt.Sprintf("deal %d", i)})}
		env.RegisterDelayedCallback(func() {
			c := registration.Claim{CoSellID: fmt.Sprintf("CS-%d", i), PairingID: p.ID, Partner: vocab.A, Source: "crm", DealName: "deal", RecordIDs: rec}
			env.UpdateWorkflow(api.ClaimUpdate, fmt.Sprintf("claim-%d", i), &testsuite.TestUpdateCallback{
				OnReject: func(err error) { t.Errorf("claim %d: %v", i, err) }, OnAccept: func() {}, OnComplete: func(any, error) {},
			}, api.ClaimInput{Claim: c})
		}, time.Duration(i+1)*time.Second)
	}
	for i, r := range []registration.Resolution{registration.Merge, registration.Keep, registration.Reject} {
		env.RegisterDelayedCallback(func() {
			env.UpdateWorkflow(api.ResolveUpdate, fmt.Sprintf("resolve-%d", i), &testsuite.TestUpdateCallback{
				OnReject: func(err error) { t.Errorf("resolve %d: %v", i, err) }, OnAccept: func() {},
				OnComplete: func(_ any, err error) { assert.NoError(t, err) },
			}, api.ResolveInput{CoSellID: fmt.Sprintf("CS-%d", i+1), Resolution: r, By: "maria.manager@acme.example", Note: "n"})
		}, time.Minute+time.Duration(i)*time.Second)
	}
	env.RegisterDelayedCallback(env.CancelWorkflow, time.Hour)
	env.ExecuteWorkflow(AccountWorkflow, api.AccountInput{Account: key})

	require.Len(t, settled, 2, "the merge and the reject, each once; not the keep")
	assert.Equal(t, "CS-1", settled[0].Entry.CoSellID)
	assert.Equal(t, registration.Merge, settled[0].Entry.Resolution)
	assert.Equal(t, "CS-3", settled[1].Entry.CoSellID)
	assert.Equal(t, registration.Reject, settled[1].Entry.Resolution)
	for _, in := range settled {
		assert.Equal(t, "hooli.com", in.Account)
		assert.Equal(t, p.ID, in.PrimaryPairing)
		assert.Equal(t, "CS-0", in.Entry.Primary)
		assert.Equal(t, "maria.manager@acme.example", in.Entry.ResolvedBy)
	}
}
