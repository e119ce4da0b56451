//go:build e2e

package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/money"
)

// TestCoSellAttributionEndToEnd is issue #9's acceptance c without touchpoints or accept: registered in
// Salesforce, won in HubSpot; model, motion and lead, then the attribution fields and the calculation
// note, appear in both CRMs, and `cosell deal attribution --output json` matches them to the cent.
func TestCoSellAttributionEndToEnd(t *testing.T) {
	s := newStack(t, stackOptions{})
	s.startWorker()

	opp := s.flagOpportunity("Initech rollout")
	coSellID, hsID := s.waitMirror(opp, 10*time.Second)
	hsProp := func(name string) string {
		for _, r := range s.hsDealsByCoSellID(coSellID) {
			if r.ID == hsID {
				return r.Properties[name]
			}
		}
		return ""
	}
	sfField := func(name string) string { v, _ := s.sfUser.get("Opportunity", opp)[name].(string); return v }
	eventually(t, 10*time.Second, func() bool {
		return sfField("CoSell_Lead__c") == "Acme" && hsProp("cosell_lead") == "Acme"
	}, "the partner (Acme) leads discovery in both CRMs")
	assert.Equal(t, "partner_led", sfField("CoSell_Model__c"))
	assert.Equal(t, "partner_led", hsProp("cosell_model"))
	assert.Equal(t, "sell_with", sfField("CoSell_Motion__c"))
	assert.Equal(t, "sell_with", hsProp("cosell_motion"))

	s.hsUser.updateDeal(hsID, map[string]any{"dealstage": "closedwon"})
	eventually(t, 15*time.Second, func() bool {
		return sfField("CoSell_Attribution__c") != "" && hsProp("cosell_attribution") != ""
	}, "the attribution reaches both CRMs")
	summary := sfField("CoSell_Attribution__c")
	assert.Equal(t, summary, hsProp("cosell_attribution"))

	var sfNotes, hsNotes []string
	notes := func() bool {
		sfNotes, hsNotes = nil, nil
		for _, task := range s.sfTasks(opp) {
			if d, _ := task["Description"].(string); strings.Contains(d, "Attribution of "+coSellID) {
				sfNotes = append(sfNotes, d)
			}
		}
		for _, body := range s.hsNotes(hsID) {
			if strings.Contains(body, "Attribution of "+coSellID) {
				hsNotes = append(hsNotes, body)
			}
		}
		return len(sfNotes) > 0 && len(hsNotes) > 0
	}
	eventually(t, 10*time.Second, notes, "the calculation note in both CRMs")

	cmd := exec.Command(cosellBin, "deal", "attribution", coSellID, "--output", "json")
	cmd.Env = append(os.Environ(), "TEMPORAL_ADDRESS="+temporalAddr)
	out, err := cmd.Output()
	require.NoError(t, err, string(out))
	var res struct {
		Currency    string `json:"currency"`
		AmountMinor int64  `json:"amountMinor"`
		PoolMinor   int64  `json:"poolMinor"`
		Parts       []struct {
			Partner     string   `json:"partner"`
			Roles       []string `json:"roles"`
			AmountMinor int64    `json:"amountMinor"`
		} `json:"parts"`
	}
	require.NoError(t, json.Unmarshal(out, &res), string(out))
	assert.Equal(t, "USD", res.Currency)
	assert.Equal(t, int64(12500000), res.AmountMinor, "USD 125,000.00")
	assert.Equal(t, int64(2500000), res.PoolMinor, "the solo pool: only Acme earned a role without touchpoints")
	require.Len(t, res.Parts, 2)
	assert.Equal(t, "a", res.Parts[0].Partner)
	assert.Equal(t, "b", res.Parts[1].Partner)
	assert.Equal(t, []string{"sourcing", "selling"}, res.Parts[0].Roles)
	assert.Equal(t, res.PoolMinor, res.Parts[0].AmountMinor+res.Parts[1].AmountMinor)
	for i, name := range []string{"Acme", "Globex"} {
		cents := money.Amount{Currency: res.Currency, Minor: res.Parts[i].AmountMinor}.String()
		assert.Contains(t, summary, name+" "+cents, "the CRM field matches the CLI to the cent")
		if res.Parts[i].AmountMinor > 0 { // a partner with no part reads "no part of the pool"
			assert.Contains(t, sfNotes[0], name+" ("+res.Parts[i].Partner+"): ", "the note explains the part")
			assert.Contains(t, sfNotes[0], "of the pool → "+cents)
			assert.Contains(t, hsNotes[0], "of the pool → "+cents)
		}
	}
	assert.Contains(t, summary, "pool "+money.Amount{Currency: "USD", Minor: res.PoolMinor}.String())

	// Seen again by both feeds: still one note each.
	s.waitFeedPolls(2, 15*time.Second)
	notes()
	assert.Len(t, sfNotes, 1, "one note on Salesforce")
	assert.Len(t, hsNotes, 1, "one note on HubSpot")
}
