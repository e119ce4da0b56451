//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/pairing"
)

// cosell runs the CLI with the stack's settings and returns its stdout and exit code.
func (s *stack) cosell(args ...string) (string, int) {
	s.t.Helper()
	cmd := exec.Command(cosellBin, args...)
	cmd.Env = os.Environ()
	for k, v := range s.env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else {
		require.NoError(s.t, err)
	}
	s.t.Logf("cosell %v: exit %d\n%s%s", args, code, out.String(), errb.String())
	return out.String(), code
}

// driftBehindTheWorkersBack changes a HubSpot deal as nobody tells the worker of: the edit keeps the
// record's previous modification stamp (a webhook lost and a poll cursor already past the record, or
// an import that keeps audit stamps). First another co-sold deal, mirrored a few seconds later, moves
// the HubSpot feed's cursor more than its overlap (COSELL_POLL_OVERLAP, 2 s) past the record's stamp,
// so no poll reads the record again (a poll does deliver a record whose content changed under the
// same stamp, while it is inside the overlap). It returns the other deal's co-sell id.
func (s *stack) driftBehindTheWorkersBack(hsID string, props map[string]any) string {
	s.t.Helper()
	rec, ok := s.hs.Deal(hsID)
	require.True(s.t, ok)
	time.Sleep(3 * time.Second)
	_, later, laterHS := s.syncedDeal("Later deal " + hsID)
	laterRec, _ := s.hs.Deal(laterHS)
	require.Greater(s.t, laterRec.UpdatedAt.Sub(rec.UpdatedAt), 2*time.Second, "the later deal is stamped past the overlap")
	eventually(s.t, 10*time.Second, func() bool {
		v, ok := s.feedView(pairing.B)
		return ok && !v.State.Deals.ModifiedAt.Before(laterRec.UpdatedAt)
	}, "the HubSpot feed's cursor passes the later deal")
	require.NoError(s.t, s.hs.Update("deals", hsID, props))
	require.NoError(s.t, s.hs.SetModified("deals", hsID, rec.UpdatedAt))
	return later
}

// syncedDeal flags an opportunity and waits until the deal is mirrored and at rest.
func (s *stack) syncedDeal(name string) (oppID, coSellID, hsID string) {
	s.t.Helper()
	oppID = s.flagOpportunity(name)
	coSellID, hsID = s.waitMirror(oppID, 30*time.Second)
	eventually(s.t, 30*time.Second, func() bool {
		v, err := s.deal(coSellID)
		return err == nil && !v.LastSyncAt.IsZero() && v.Sides["b"].RecordID == hsID &&
			s.hsNextStep(hsID) == "Joint discovery call"
	}, "deal %s synced", coSellID)
	return oppID, coSellID, hsID
}

func (s *stack) hsNextStep(hsID string) string {
	rec, _ := s.hs.Deal(hsID)
	return rec.Properties["hs_next_step"]
}

func TestVerifyFindsAndReconcileHealsDrift(t *testing.T) {
	s := newStack(t, stackOptions{})
	s.env["COSELL_RECONCILE_INTERVAL"] = "0" // only the commands heal here
	s.startWorker()
	oppID, coSellID, hsID := s.syncedDeal("Initech drift")
	_, code := s.cosell("verify", s.pairingID)
	require.Equal(t, 0, code, "a synced deal does not drift")

	later := s.driftBehindTheWorkersBack(hsID, map[string]any{"hs_next_step": "Send the security questionnaire"})
	time.Sleep(3 * time.Second) // several polls: none of them sees the edit
	require.Equal(t, "Joint discovery call", s.sfUser.get("Opportunity", oppID)["NextStep"], "nothing told the worker")

	out, code := s.cosell("verify", s.pairingID)
	assert.Equal(t, 1, code, "verify exits 1 on drift")
	assert.Contains(t, out, "next_step")
	assert.Contains(t, out, "Send the security questionnaire")
	assert.Contains(t, out, coSellID)
	js, code := s.cosell("verify", s.pairingID, "--output", "json")
	assert.Equal(t, 1, code)
	var rep struct {
		Drifting int `json:"drifting"`
		Fields   int `json:"fields"`
		Deals    []struct {
			CoSellID string `json:"coSellId"`
			Status   string `json:"status"`
			Fields   []struct {
				Field string `json:"field"`
				A, B  string
			} `json:"fields"`
		} `json:"deals"`
	}
	require.NoError(t, json.Unmarshal([]byte(js), &rep))
	require.Equal(t, 1, rep.Drifting)
	require.Len(t, rep.Deals, 2)
	assert.Equal(t, coSellID, rep.Deals[0].CoSellID, "the drifting deal is listed first")
	assert.Equal(t, "agree", rep.Deals[1].Status, "the other deal %s agrees", later)
	require.Len(t, rep.Deals[0].Fields, 1, "only the field edited drifts: value maps and stored forms are no drift")
	assert.Equal(t, "next_step", rep.Deals[0].Fields[0].Field)
	assert.Equal(t, "Joint discovery call", rep.Deals[0].Fields[0].A)
	assert.Equal(t, "Send the security questionnaire", rep.Deals[0].Fields[0].B)

	out, code = s.cosell("reconcile", s.pairingID, "--wait", "1m")
	assert.Equal(t, 0, code, "reconcile heals the drift")
	assert.Contains(t, out, "healed  next_step")
	assert.Contains(t, out, "both Send the security questionnaire", "the edit nobody was told of flows by the normal rules")

	_, code = s.cosell("verify", s.pairingID)
	assert.Equal(t, 0, code, "verify exits 0 afterwards")
	assert.Equal(t, "Send the security questionnaire", s.sfUser.get("Opportunity", oppID)["NextStep"])
	assert.Equal(t, "Send the security questionnaire", s.hsNextStep(hsID))
	v, err := s.deal(coSellID)
	require.NoError(t, err)
	assert.Empty(t, v.Conflicts, "HubSpot held the wanted value before its edit: no conflict")
}

func TestPeriodicReconcileHealsDriftWithNoCommand(t *testing.T) {
	s := newStack(t, stackOptions{})
	s.env["COSELL_RECONCILE_INTERVAL"] = "2s"
	s.env["COSELL_RECONCILE_DEALS"] = "5"
	s.startWorker()
	oppID, coSellID, hsID := s.syncedDeal("Hooli drift")
	s.driftBehindTheWorkersBack(hsID, map[string]any{"hs_next_step": "Book the architecture review"})
	eventually(t, 30*time.Second, func() bool {
		return s.sfUser.get("Opportunity", oppID)["NextStep"] == "Book the architecture review"
	}, "the periodic reconcile heals deal %s", coSellID)

	res, err := s.temporal.QueryWorkflow(context.Background(), api.ReconcileWorkflowID(s.env["COSELL_TASK_QUEUE"]), "", api.ReconcileQuery)
	require.NoError(t, err)
	var view api.ReconcileView
	require.NoError(t, res.Get(&view))
	assert.Equal(t, api.ReconcileSettings{Interval: 2 * time.Second, Deals: 5}, view.Settings)
	assert.GreaterOrEqual(t, view.Totals.Drifting, 1, "the reconcile found the drift")
	assert.GreaterOrEqual(t, view.Totals.Signalled, 1, "and asked the deal to reconcile")
	_, code := s.cosell("verify", s.pairingID)
	assert.Equal(t, 0, code)
}
