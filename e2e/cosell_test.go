//go:build e2e

package e2e

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/money"
)

// TestCoSellAttributionEndToEnd is issue #9's acceptance c: registered in Salesforce, accepted in HubSpot,
// touchpoints logged as activities in both CRMs (a Salesforce Event, a HubSpot meeting) and read by the
// change feeds, won in HubSpot; model, motion and lead, then the attribution fields and the calculation
// note, appear in both CRMs, and `cosell deal attribution --output json` matches them to the cent; the
// demo earns Globex technical validation, so the pool is the co-sell one. Then a dispute round-trips
// (item 6): Globex disputes with `cosell deal dispute`, an approver upholds it with a corrected split
// with `cosell deal dispute resolve`, and both CRMs show the split in force and the resolution note.
func TestCoSellAttributionEndToEnd(t *testing.T) {
	s := newStack(t, stackOptions{})
	base := s.withAPI() // registration_test.go: the partners' API tokens
	s.startWorker()
	s.waitAPI(base)

	opp := s.flagOpportunity("Initech rollout")
	coSellID, hsID := s.waitMirror(opp, 10*time.Second)
	// Globex accepts the registration in HubSpot, as its rep would: the status crosses to Salesforce
	// and the deal records who accepted.
	s.hsUser.updateDeal(hsID, map[string]any{"cosell_status": "accepted"})
	eventually(t, 15*time.Second, func() bool {
		v, err := s.deal(coSellID)
		return err == nil && v.Registration != nil && v.Registration.Status == "accepted" &&
			s.sfUser.get("Opportunity", opp)["CoSell_Status__c"] == "accepted"
	}, "Globex's acceptance in HubSpot reaches the deal and Salesforce")
	if v, err := s.deal(coSellID); assert.NoError(t, err) && assert.NotNil(t, v.Registration) {
		assert.Equal(t, "b", string(v.Registration.By), "accepted by Globex")
	}
	// Its account, so the deal claims it (account.go) in the same history as the updates below.
	acct := s.sfUser.create("Account", map[string]any{"Name": "Initech, Inc.", "Website": "https://www." + s.pairingID + ".example"})
	s.sfUser.update("Opportunity", opp, map[string]any{"AccountId": acct})
	eventually(t, 15*time.Second, func() bool {
		var v struct {
			Registration struct {
				Account struct {
					Role string `json:"role"`
				} `json:"account"`
			} `json:"registration"`
		}
		out, _, err := cosellErr(s, "deal", "show", coSellID, "--output", "json")
		return err == nil && json.Unmarshal([]byte(out), &v) == nil && v.Registration.Account.Role == "primary"
	}, "the deal claimed its account, first on it")
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

	// Touchpoints, as reps log them: Jane's kickoff meeting in Salesforce, Globex's demo in HubSpot.
	start := time.Now().UTC().Add(-time.Hour).Truncate(time.Minute)
	s.sfUser.create("Event", map[string]any{
		"WhatId": opp, "Subject": "Kickoff meeting with Initech", "OwnerId": s.sfUser.userID("jane.doe@acme.example"),
		"StartDateTime": start.Format("2006-01-02T15:04:05.000+0000"), "EndDateTime": start.Add(time.Hour).Format("2006-01-02T15:04:05.000+0000"),
	})
	status, b := s.hsUser.do("POST", "/crm/v3/objects/meetings", map[string]any{
		"properties": map[string]any{"hs_meeting_title": "Product demo for Initech IT", "hs_timestamp": start.Add(30 * time.Minute).Format(time.RFC3339),
			"hs_meeting_start_time": start.Add(30 * time.Minute).Format(time.RFC3339), "hubspot_owner_id": "71001"},
		"associations": []any{map[string]any{"to": map[string]any{"id": hsID},
			"types": []any{map[string]any{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 212}}}},
	})
	require.Equal(t, 201, status, string(b))
	var tps struct {
		Items []struct {
			Side, Kind, Source string
		} `json:"items"`
		Total int `json:"total"`
	}
	eventually(t, 20*time.Second, func() bool {
		out, _, err := cosellErr(s, "deal", "touchpoint", "list", coSellID, "--output", "json")
		return err == nil && json.Unmarshal([]byte(out), &tps) == nil && tps.Total == 2
	}, "both CRMs' activities are the deal's touchpoints")
	kinds := map[string]string{}
	for _, it := range tps.Items {
		kinds[it.Side] = it.Kind
	}
	assert.Equal(t, map[string]string{"a": "meeting", "b": "demo"}, kinds)

	// A touchpoint no CRM shows, logged through the partners' API with Globex's token: behind the same
	// token and pairing checks as registration, credited to the token's side.
	tpURL := base + "/api/v1/pairings/" + s.pairingID + "/deals/" + coSellID + "/touchpoints"
	poc := []byte(`{"touchpoints":[{"person":"kim@globex.example","kind":"technical_validation","at":"` +
		start.Add(40*time.Minute).Format(time.RFC3339) + `","id":"poc-1"}]}`)
	code, body := apiPost(t, tpURL, "", poc)
	assert.Equal(t, http.StatusUnauthorized, code, body)
	code, body = apiPost(t, tpURL, initechToken, poc)
	assert.Equal(t, http.StatusForbidden, code, "Initech is no partner of the pairing: %s", body)
	code, body = apiPost(t, tpURL, acmeToken, []byte(`{"touchpoints":[{"person":"kim@globex.example","kind":"demo","side":"b"}]}`))
	assert.Equal(t, http.StatusForbidden, code, "Acme logs its own work only: %s", body)
	code, body = apiPost(t, tpURL, globexToken, poc)
	require.Equal(t, http.StatusOK, code, body)
	assert.JSONEq(t, `{"outcomes":["added"],"total":3}`, body)
	code, body = apiPost(t, tpURL, globexToken, poc)
	require.Equal(t, http.StatusOK, code, body)
	assert.JSONEq(t, `{"outcomes":["duplicate"],"total":3}`, body, "a retried request counts once")
	out, _, err := cosellErr(s, "deal", "touchpoint", "list", coSellID, "--output", "json")
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal([]byte(out), &tps))
	assert.Equal(t, 3, tps.Total)
	sources := map[string]bool{}
	for _, it := range tps.Items {
		sources[it.Source] = true
	}
	assert.True(t, sources["api:poc-1"], "the API's touchpoint is the deal's: %v", sources)

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

	att := []byte(cosell(t, s, "deal", "attribution", coSellID, "--output", "json"))
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
	require.NoError(t, json.Unmarshal(att, &res), string(att))
	assert.Equal(t, "USD", res.Currency)
	assert.Equal(t, int64(12500000), res.AmountMinor, "USD 125,000.00")
	assert.Equal(t, int64(3125000), res.PoolMinor, "the co-sell pool, 25 %: Globex's demo earned it technical validation")
	require.Len(t, res.Parts, 2)
	assert.Equal(t, "a", res.Parts[0].Partner)
	assert.Equal(t, "b", res.Parts[1].Partner)
	assert.Equal(t, []string{"sourcing", "selling"}, res.Parts[0].Roles)
	assert.Equal(t, []string{"technical_validation"}, res.Parts[1].Roles, "the demo read from HubSpot and the POC from the API")
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

	// A dispute round-trips: Globex disputes through the API, the disputer cannot settle it, an approver
	// upholds it.
	dispURL := base + "/api/v1/pairings/" + s.pairingID + "/deals/" + coSellID + "/disputes"
	disp := []byte(`{"reason":"Globex ran the whole evaluation","by":"kim.manager@globex.example"}`)
	code, body = apiPost(t, dispURL, initechToken, disp)
	assert.Equal(t, http.StatusForbidden, code, body)
	code, body = apiPost(t, dispURL, globexToken, disp)
	require.Equal(t, http.StatusOK, code, body)
	var opened struct {
		Record struct {
			Disputes []struct {
				Partner, By, Reason string
			} `json:"disputes"`
		} `json:"record"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &opened), body)
	require.Len(t, opened.Record.Disputes, 1)
	assert.Equal(t, "b", opened.Record.Disputes[0].Partner, "the token's side disputes")
	assert.Equal(t, "kim.manager@globex.example", opened.Record.Disputes[0].By)
	code, body = apiPost(t, dispURL, acmeToken, []byte(`{"reason":"and we disagree"}`))
	assert.Equal(t, http.StatusUnprocessableEntity, code, body)
	assert.Contains(t, body, "still open; resolve it first", "the deal's own refusal")
	eventually(t, 15*time.Second, func() bool {
		return strings.Contains(sfField("CoSell_Attribution__c"), "disputed by Globex, open") && strings.Contains(hsProp("cosell_attribution"), "disputed by Globex, open")
	}, "the open dispute shows in both CRMs")
	half := money.Amount{Currency: "USD", Minor: res.PoolMinor / 2}.Major()
	amt := strconv.FormatFloat(half, 'f', 2, 64)
	_, stderr, err := cosellErr(s, "deal", "dispute", "resolve", coSellID, "--verdict", "upheld", "--approver", "kim.manager@globex.example",
		"--note", "mine", "--a", amt, "--b", amt)
	require.Error(t, err)
	assert.Contains(t, stderr, "cannot settle the dispute", "the disputer does not decide")
	cosell(t, s, "deal", "dispute", "resolve", coSellID, "--verdict", "upheld", "--approver", "maria.manager@acme.example",
		"--note", "the evaluation notes show it", "--a", amt, "--b", amt, "--b-roles", "technical_validation,selling")
	corrected := "Globex " + money.Amount{Currency: "USD", Minor: res.PoolMinor / 2}.String()
	eventually(t, 15*time.Second, func() bool {
		return strings.Contains(sfField("CoSell_Attribution__c"), "upheld") && strings.Contains(hsProp("cosell_attribution"), "upheld") &&
			strings.Contains(sfField("CoSell_Attribution__c"), corrected) && strings.Contains(hsProp("cosell_attribution"), corrected)
	}, "the corrected split is in force in both CRMs")
	resolution := func(bodies []string) int {
		n := 0
		for _, b := range bodies {
			if strings.Contains(b, "Upheld by maria.manager@acme.example") {
				n++
			}
		}
		return n
	}
	eventually(t, 15*time.Second, func() bool {
		var sfBodies []string
		for _, task := range s.sfTasks(opp) {
			d, _ := task["Description"].(string)
			sfBodies = append(sfBodies, d)
		}
		return resolution(sfBodies) == 1 && resolution(s.hsNotes(hsID)) == 1
	}, "the resolution note, once, in both CRMs")
	var view struct {
		CoSell struct {
			Parts []struct {
				Partner     string `json:"partner"`
				AmountMinor int64  `json:"amountMinor"`
			} `json:"parts"`
			Disputes []struct {
				Resolution struct {
					Verdict string `json:"verdict"`
				} `json:"resolution"`
			} `json:"disputes"`
		} `json:"cosell"`
	}
	require.NoError(t, json.Unmarshal([]byte(cosell(t, s, "deal", "show", coSellID, "--output", "json")), &view))
	require.Len(t, view.CoSell.Disputes, 1)
	assert.Equal(t, "upheld", view.CoSell.Disputes[0].Resolution.Verdict, "kept in the deal's audit trail")
	require.Len(t, view.CoSell.Parts, 2)
	assert.Equal(t, res.PoolMinor, view.CoSell.Parts[0].AmountMinor+view.CoSell.Parts[1].AmountMinor)

	// The history (the account claim, touchpoints from activities and the API, attribution, dispute and
	// resolution updates) is a replay test. deal-dispute.json is the same test before the claim and the API.
	s.recordHistory(api.DealWorkflowID(coSellID), "deal-claim-dispute")
}

// TestStageLeadOverrideReachesBothCRMs is issue #9's item 3 override: the partners agree that Globex
// leads discovery on one deal (`cosell deal lead`), over the partner-led playbook's Acme; both CRMs show
// the new lead, `deal show` marks the override, and the playbook's lead removes it again.
func TestStageLeadOverrideReachesBothCRMs(t *testing.T) {
	s := newStack(t, stackOptions{})
	s.startWorker()
	opp := s.flagOpportunity("Lead override")
	coSellID, hsID := s.waitMirror(opp, 10*time.Second)
	leads := func() (string, string) {
		sf, _ := s.sfUser.get("Opportunity", opp)["CoSell_Lead__c"].(string)
		hs, _ := s.hsDealNow(hsID)["cosell_lead"].(string)
		return sf, hs
	}
	eventually(t, 15*time.Second, func() bool { a, b := leads(); return a == "Acme" && b == "Acme" }, "the playbook's lead of discovery")

	out := cosell(t, s, "deal", "lead", coSellID, "--stage", "discovery", "--lead", "b", "--by", "maria.manager@acme.example", "--output", "json")
	var res api.LeadResult
	require.NoError(t, json.Unmarshal([]byte(out), &res), out)
	assert.Equal(t, "discovery", string(res.Current.Stage))
	assert.Equal(t, "b", string(res.Current.Lead))
	eventually(t, 15*time.Second, func() bool { a, b := leads(); return a == "Globex" && b == "Globex" }, "both CRMs show Globex leading discovery")
	assert.Contains(t, cosell(t, s, "deal", "lead", coSellID, "--stage", "discovery", "--lead", "b"), "(override)")

	_, stderr, err := cosellErr(s, "deal", "lead", coSellID, "--stage", "haggling", "--lead", "b")
	require.Error(t, err)
	assert.Contains(t, stderr, "haggling")

	cosell(t, s, "deal", "lead", coSellID, "--stage", "discovery", "--lead", "a")
	eventually(t, 15*time.Second, func() bool { a, b := leads(); return a == "Acme" && b == "Acme" }, "the playbook's lead again")
}
