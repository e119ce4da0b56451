//go:build e2e

package e2e

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/pairing"
)

// cosellWithCRMs runs the cosell binary with the stack's whole environment (Temporal, task queue, the
// pairing file and both CRM connections), as an admin's shell next to the worker would have it.
func cosellWithCRMs(s *stack, args ...string) (string, string, error) {
	env := os.Environ()
	for k, v := range s.env {
		env = append(env, k+"="+v)
	}
	return runCosell(env, args...)
}

// mappingPreviewJSON is the part of `cosell mapping preview --output json` the test reads.
type mappingPreviewJSON struct {
	Mapping string `json:"mapping"`
	Writes  int    `json:"writes"`
	Deals   []struct {
		CoSellID string `json:"coSellId"`
		Writes   []struct {
			Side     pairing.Side `json:"side"`
			RecordID string       `json:"recordId"`
			Fields   []struct {
				Field        string `json:"field"`
				CRMField     string `json:"crmField"`
				Old          string `json:"old"`
				New          string `json:"new"`
				NewCanonical string `json:"newCanonical"`
				ValueMap     string `json:"valueMap"`
				Remapped     bool   `json:"remapped"`
				Why          string `json:"why"`
			} `json:"fields"`
		} `json:"writes"`
	} `json:"deals"`
}

// TestMappingPreviewWritesNothingAndApplyWritesWhatItShowed: issue #11, item 3, acceptance b. A deal is
// mirrored; the admin edits the pairing file (Globex's stages for qualification and decision swap in
// the value map). `cosell mapping preview` shows the one write the deal needs (HubSpot's dealstage,
// qualifiedtobuy → decisionmakerboughtin, why, the value map entry) and neither fake records a write
// while it runs; `cosell mapping apply` without --yes applies nothing; with --yes, once the worker
// serves the file, the deal writes exactly that: one write to HubSpot, none to Salesforce, and the
// deal records the new mapping's version. Its history is the replay test's deal-remap.json.
func TestMappingPreviewWritesNothingAndApplyWritesWhatItShowed(t *testing.T) {
	s := newStack(t, stackOptions{})
	s.env["COSELL_RELOAD_INTERVAL"] = "500ms"
	s.startWorker()
	opp := s.flagOpportunity("Initech mapping")
	coSellID, hsID := s.waitMirror(opp, 30*time.Second)
	eventually(t, 30*time.Second, func() bool {
		v, err := s.deal(coSellID)
		if err != nil || v.Mapping == "" || len(v.Issues) > 0 {
			return false
		}
		before := writes(s.sf.Admin()) + writes(s.hs.Admin())
		time.Sleep(2 * time.Second)
		return writes(s.sf.Admin())+writes(s.hs.Admin()) == before
	}, "the deal is in sync and quiet")
	v, err := s.deal(coSellID)
	require.NoError(t, err)
	oldMapping := v.Mapping
	require.Equal(t, "qualifiedtobuy", s.hsDealsByCoSellID(coSellID)[0].Properties["dealstage"])

	path := s.env["COSELL_PAIRING_FILE"]
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	text := string(raw)
	for _, r := range [][2]string{{"b: qualifiedtobuy }", "b: QUALIFIED }"}, {"b: decisionmakerboughtin }", "b: qualifiedtobuy }"}, {"b: QUALIFIED }", "b: decisionmakerboughtin }"}} {
		require.Contains(t, text, r[0])
		text = strings.Replace(text, r[0], r[1], 1)
	}
	require.NoError(t, os.WriteFile(path, []byte(text), 0o644))

	sfW, hsW := writes(s.sf.Admin()), writes(s.hs.Admin())
	out, stderr, err := cosellWithCRMs(s, "mapping", "preview", path, "--output", "json")
	require.NoError(t, err, "preview: %s", stderr)
	assert.Equal(t, sfW, writes(s.sf.Admin()), "the preview wrote nothing to Salesforce")
	assert.Equal(t, hsW, writes(s.hs.Admin()), "the preview wrote nothing to HubSpot")
	var pv mappingPreviewJSON
	require.NoError(t, json.Unmarshal([]byte(out), &pv), out)
	assert.NotEqual(t, oldMapping, pv.Mapping, "the edit is a new mapping version")
	require.Equal(t, 1, pv.Writes, out)
	require.Len(t, pv.Deals, 1)
	require.Equal(t, coSellID, pv.Deals[0].CoSellID)
	w := pv.Deals[0].Writes[0]
	assert.Equal(t, pairing.B, w.Side)
	assert.Equal(t, hsID, w.RecordID)
	require.Len(t, w.Fields, 1, out)
	f := w.Fields[0]
	assert.Equal(t, "stage", f.Field)
	assert.Equal(t, "dealstage", f.CRMField)
	assert.Equal(t, "qualifiedtobuy", f.Old)
	assert.Equal(t, "decisionmakerboughtin", f.New)
	assert.Equal(t, "qualification", f.NewCanonical)
	assert.Equal(t, `qualification: a "Qualification" ↔ b "decisionmakerboughtin"`, f.ValueMap)
	assert.True(t, f.Remapped)
	assert.Contains(t, f.Why, "the mapping changed: Globex's record reads decision under it (was qualification)")

	text_, stderr, err := cosellWithCRMs(s, "mapping", "preview", path)
	require.NoError(t, err, stderr)
	t.Logf("cosell mapping preview:\n%s", text_)
	assert.Contains(t, text_, "qualifiedtobuy → decisionmakerboughtin")

	text_, stderr, err = cosellWithCRMs(s, "mapping", "apply", path)
	require.NoError(t, err, "apply without --yes: %s", stderr)
	assert.Contains(t, stderr, "Nothing applied: run again with --yes")
	assert.Contains(t, text_, "dealstage")
	assert.Equal(t, sfW, writes(s.sf.Admin()), "the text preview and apply without --yes wrote nothing to Salesforce")
	assert.Equal(t, hsW, writes(s.hs.Admin()), "apply without --yes wrote nothing to HubSpot")

	var applied struct {
		Applied bool `json:"applied"`
		Landed  int  `json:"landed"`
		Missed  int  `json:"missed"`
		Deals   []struct {
			Mapping string `json:"mapping"`
			Error   string `json:"error"`
		} `json:"deals"`
	}
	eventually(t, 20*time.Second, func() bool {
		out, stderr, err = cosellWithCRMs(s, "mapping", "apply", path, "--yes", "--output", "json")
		if err != nil && strings.Contains(out, "the worker serves mapping") {
			return false // the worker has not reloaded the file yet: the deal refused, nothing changed
		}
		return true
	}, "the worker serves the edited file")
	require.NoError(t, err, "apply: %s\n%s", out, stderr)
	if text, _, err := cosellWithCRMs(s, "deal", "show", coSellID); err == nil {
		t.Logf("cosell deal show:\n%s", text)
	}
	require.NoError(t, json.Unmarshal([]byte(out), &applied), out)
	assert.True(t, applied.Applied)
	assert.Equal(t, 1, applied.Landed)
	assert.Zero(t, applied.Missed)
	require.Len(t, applied.Deals, 1)
	assert.Equal(t, pv.Mapping, applied.Deals[0].Mapping)

	assert.Equal(t, "decisionmakerboughtin", s.hsDealsByCoSellID(coSellID)[0].Properties["dealstage"], "HubSpot holds what the preview said")
	assert.Equal(t, "Qualification", s.sfUser.get("Opportunity", opp)["StageName"], "Salesforce keeps its stage")
	assert.Equal(t, hsW+1, writes(s.hs.Admin()), "exactly the previewed write reached HubSpot")
	assert.Equal(t, sfW, writes(s.sf.Admin()), "and nothing reached Salesforce")
	v, err = s.deal(coSellID)
	require.NoError(t, err)
	assert.Equal(t, pv.Mapping, v.Mapping, "the deal records the mapping it synced with")
	assert.Empty(t, v.Conflicts, "a mapping change is no conflict")
	show := cosell(t, s, "deal", "show", coSellID)
	assert.Contains(t, show, "Mapping: "+pv.Mapping)

	// Nothing is left to re-sync: a second preview shows no write.
	out, stderr, err = cosellWithCRMs(s, "mapping", "preview", path, "--deal", coSellID, "--output", "json")
	require.NoError(t, err, stderr)
	require.NoError(t, json.Unmarshal([]byte(out), &pv))
	assert.Zero(t, pv.Writes, out)
	s.recordHistory(api.DealWorkflowID(coSellID), "deal-remap")
}
