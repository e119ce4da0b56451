//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/cosellsync/cosell/account"
	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/pairing"
	"github.com/cosellsync/cosell/pilot"
	"github.com/cosellsync/cosell/registration"
	"github.com/cosellsync/cosell/vocab"
)

const (
	acmeToken    = "acme-api-token-0123456789"
	globexToken  = "globex-api-token-0123456789"
	initechToken = "initech-api-token-0123456789"
)

// withAPI gives the stack's worker a fixed HTTP address and the partners' API tokens, and returns the
// API's base URL.
func (s *stack) withAPI() string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(s.t, err)
	addr := ln.Addr().String()
	require.NoError(s.t, ln.Close())
	s.env["COSELL_HTTP_ADDR"] = addr
	s.env["COSELL_API_TOKENS"] = "Acme=" + acmeToken + ",Globex=" + globexToken + ",Initech=" + initechToken
	return "http://" + addr
}

// waitAPI waits for the worker to be ready behind base.
func (s *stack) waitAPI(base string) {
	eventually(s.t, 60*time.Second, func() bool {
		res, err := http.Get(base + "/readyz")
		if err != nil {
			return false
		}
		res.Body.Close()
		return res.StatusCode == http.StatusOK
	}, "the worker is ready")
}

// apiRegister posts a registration to the worker's API with a token ("" sends none).
func apiRegister(t testing.TB, base, token, pairingID string, req registration.Request) (int, string) {
	body, err := json.Marshal(req)
	require.NoError(t, err)
	return apiPost(t, base+"/api/v1/pairings/"+pairingID+"/registrations", token, body)
}

// apiPost posts JSON to the worker's API with a token ("" sends none).
func apiPost(t testing.TB, url, token string, body []byte) (int, string) {
	r, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	require.NoError(t, err)
	r.Header.Set("Content-Type", "application/json")
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := (&http.Client{Timeout: 90 * time.Second}).Do(r)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res.StatusCode, string(b)
}

func (s *stack) ledger(key account.Key) (registration.Ledger, bool) {
	v, err := s.temporal.QueryWorkflow(context.Background(), api.AccountWorkflowID(key), "", api.AccountQuery)
	if err != nil {
		return registration.Ledger{}, false
	}
	var view api.AccountView
	if v.Get(&view) != nil {
		return registration.Ledger{}, false
	}
	return view.Ledger, true
}

// conflictTasks counts the conflict tasks on a record: in Salesforce by WhatId, in a HubSpot portal by
// association.
func (s *stack) conflictTasksSF(oppID string) int {
	return len(s.sfUser.query("SELECT Id FROM Task WHERE WhatId = '" + oppID + "' AND Subject LIKE '[Co-sell] Registration conflict on%'"))
}

func conflictTasksHS(tasks []map[string]string, assoc [][]string, dealID string) int {
	n := 0
	for i, t := range tasks {
		if strings.HasPrefix(t["hs_task_subject"], "[Co-sell] Registration conflict on") {
			for _, d := range assoc[i] {
				if d == dealID {
					n++
				}
			}
		}
	}
	return n
}

// TestRegistrationRaceOnOneDomain is issue #9's acceptance (b): 20 registrations of one customer domain
// at once, through the CLI, the API and CRM flags, across two pairings (Acme × Globex and Acme × Initech,
// sharing Acme's Salesforce): exactly one primary, 19 conflicts pointing at it, and both partners of
// each conflicting deal told once (one task on its record in each CRM), the primary's partners not.
func TestRegistrationRaceOnOneDomain(t *testing.T) {
	s := newStack(t, stackOptions{pairingMod: routeTo("Globex")})
	initech, initechURL, initechID, initechText := s.initechPortal()
	initechText = strings.Replace(initechText, "    name: Globex\n", "    name: Initech\n", 1) // side b of this pairing is Initech
	dir := s.pairingsDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "initech.yaml"), []byte(initechText), 0o644))
	base := s.withAPI()
	s.startWorker()
	s.waitAPI(base)

	domain := fmt.Sprintf("race-%d-%d.example", os.Getpid(), seq.Add(1))
	spellings := []string{domain, "https://www." + domain + "/about", strings.ToUpper(domain), "http://" + domain + ":8080/", "www." + domain}
	key := account.Key("domain:" + domain)
	jane := s.sfUser.userID("jane.doe@acme.example")
	pairings := []string{s.pairingID, initechID}
	partnerOf := map[string]string{s.pairingID: "Globex", initechID: "Initech"}
	hsBase := map[string]string{s.pairingID: s.hsURL, initechID: initechURL}
	tokenB := map[string]string{s.pairingID: globexToken, initechID: initechToken}

	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := range 20 {
		pid := pairings[i%2]
		dom := spellings[i%len(spellings)]
		name := fmt.Sprintf("Race deal %02d", i)
		req := registration.Request{DealName: name, AccountName: "Race Corp", Domain: dom, Amount: "50000", Currency: "USD", CloseDate: "2027-06-30"}
		wg.Add(1)
		go func() {
			defer wg.Done()
			switch i % 5 {
			case 0: // flagged in Acme's Salesforce, on an Account the rep entered with its website (each
				// rep its own: duplicate accounts of one customer, spelled apart, are one account key)
				acct := s.sfUser.create("Account", map[string]any{"Name": "Race Corp", "Website": dom})
				s.sfUser.create("Opportunity", map[string]any{"Name": name, "StageName": "Qualification", "CloseDate": "2027-06-30",
					"Amount": 50000, "OwnerId": jane, "CoSell_Enabled__c": true, "CoSell_Partner__c": partnerOf[pid], "AccountId": acct})
			case 1: // flagged in the partner's HubSpot, on a company of that domain
				hs := &hsUser{t: t, base: hsBase[pid]}
				company := hs.createCompany(map[string]any{"name": "Race Corp", "domain": dom})
				hs.createDealAt(company, map[string]any{"dealname": name, "dealstage": "qualifiedtobuy", "pipeline": "default",
					"amount": "50000", "closedate": "2027-06-30", "hubspot_owner_id": "71001", "cosell_enabled": "true"})
			case 2: // Acme through the API
				if code, body := apiRegister(t, base, acmeToken, pid, req); code != http.StatusCreated {
					errs <- fmt.Errorf("API as Acme: %d %s", code, body)
				}
			case 3: // the partner through the API
				if code, body := apiRegister(t, base, tokenB[pid], pid, req); code != http.StatusCreated {
					errs <- fmt.Errorf("API as %s: %d %s", partnerOf[pid], code, body)
				}
			case 4: // Acme's admin through the CLI
				if out, stderr, err := cosellErr(s, "deal", "register", "--pairing", pid, "--partner", "a", "--name", name, "--account", "Race Corp",
					"--domain", dom, "--amount", "50000", "--currency", "USD", "--close-date", "2027-06-30", "--output", "json"); err != nil {
					errs <- fmt.Errorf("CLI: %v: %s %s", err, out, stderr)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}

	var led registration.Ledger
	eventually(t, 120*time.Second, func() bool {
		l, ok := s.ledger(key)
		led = l
		if !ok || len(l.Entries) < 20 {
			return false
		}
		for _, e := range l.Conflicts() {
			if !e.Told {
				return false
			}
		}
		return true
	}, "20 claims on %s, every conflict told (have %d)", key, len(led.Entries))
	require.Len(t, led.Entries, 20, "no deal claims twice, none is lost")
	primary, ok := led.Primary()
	require.True(t, ok)
	conflicts := led.Conflicts()
	assert.Len(t, conflicts, 19, "every other registration is a conflict")
	sources := map[string]int{}
	for _, e := range led.Entries {
		sources[e.Source]++
	}
	assert.Equal(t, map[string]int{"crm": 8, "api": 8, "cli": 4}, sources, "the three ways in, one path")
	for _, c := range conflicts {
		assert.Equal(t, primary.CoSellID, c.Primary, "conflict %s points at the primary", c.CoSellID)
	}

	// Both partners of each conflicting deal are told once: one task on its record in each CRM.
	hsTasks := func(pid string) ([]map[string]string, [][]string) {
		srv := s.hs
		if pid == initechID {
			srv = initech
		}
		var props []map[string]string
		var assoc [][]string
		for _, r := range srv.Tasks() {
			props, assoc = append(props, r.Properties), append(assoc, r.Associated)
		}
		return props, assoc
	}
	eventually(t, 60*time.Second, func() bool {
		for _, c := range conflicts {
			if len(c.RecordIDs) < 2 || c.RecordIDs[0] == "" || c.RecordIDs[1] == "" {
				return false
			}
			props, assoc := hsTasks(c.PairingID)
			if s.conflictTasksSF(c.RecordIDs[0]) != 1 || conflictTasksHS(props, assoc, c.RecordIDs[1]) != 1 {
				return false
			}
		}
		return true
	}, "one conflict task on each side of every conflicting deal")
	for _, c := range conflicts {
		props, assoc := hsTasks(c.PairingID)
		assert.Equal(t, 1, s.conflictTasksSF(c.RecordIDs[0]), "%s: one task in Salesforce", c.CoSellID)
		assert.Equal(t, 1, conflictTasksHS(props, assoc, c.RecordIDs[1]), "%s: one task in HubSpot", c.CoSellID)
	}
	if len(primary.RecordIDs) == 2 && primary.RecordIDs[0] != "" {
		assert.Zero(t, s.conflictTasksSF(primary.RecordIDs[0]), "the primary is no conflict")
	}

	// An admin lists and settles one; a second answer is refused.
	out := cosell(t, s, "conflict", "list", "--output", "json")
	var rows []struct {
		Account string             `json:"account"`
		Entry   registration.Entry `json:"entry"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &rows), out)
	n := 0
	for _, r := range rows {
		if r.Account == key.String() {
			n++
		}
	}
	assert.Equal(t, 19, n, "conflict list shows the 19 open conflicts")
	cosell(t, s, "conflict", "resolve", conflicts[0].CoSellID, "--resolution", "merge", "--by", "maria.manager@acme.example", "--note", "same opportunity")
	_, stderr, err := cosellErr(s, "conflict", "resolve", conflicts[0].CoSellID, "--resolution", "keep", "--by", "maria.manager@acme.example")
	require.Error(t, err)
	assert.Contains(t, stderr, "already resolved")
	l, _ := s.ledger(key)
	assert.Equal(t, registration.Merge, l.Conflicts()[0].Resolution)

	// The merge, a reject and a keep reach the deals: the merged and the rejected deal are closed in
	// both CRMs, declined with a reason naming the primary and who settled it; the kept one goes on.
	cosell(t, s, "conflict", "resolve", conflicts[1].CoSellID, "--resolution", "reject", "--by", "maria.manager@acme.example")
	cosell(t, s, "conflict", "resolve", conflicts[2].CoSellID, "--resolution", "keep", "--by", "maria.manager@acme.example")
	// Read straight from the fakes, uncounted: the test's own API reads would spend the HubSpot portal's
	// 100 calls per 10 s that the worker's closing writes need.
	closedIn := func(c registration.Entry) (sfStatus, sfReason, hsStatus, hsReason string) {
		if opp, ok := s.sf.Get(c.RecordIDs[0]); ok {
			sfStatus, _ = opp["CoSell_Status__c"].(string)
			sfReason, _ = opp["CoSell_Decline_Reason__c"].(string)
		}
		srv := s.hs
		if c.PairingID == initechID {
			srv = initech
		}
		if d, ok := srv.Deal(c.RecordIDs[1]); ok {
			hsStatus, hsReason = d.Properties["cosell_status"], d.Properties["cosell_decline_reason"]
		}
		return sfStatus, sfReason, hsStatus, hsReason
	}
	for _, c := range conflicts[:2] {
		eventually(t, 60*time.Second, func() bool {
			a, _, b, _ := closedIn(c)
			return a == "declined" && b == "declined"
		}, "%s (%s) declined in both CRMs", c.CoSellID, c.Source)
		_, sfReason, _, hsReason := closedIn(c)
		for _, reason := range []string{sfReason, hsReason} {
			assert.Contains(t, reason, primary.CoSellID, "%s: the reason names the primary", c.CoSellID)
			assert.Contains(t, reason, "maria.manager@acme.example", "%s: and who settled it", c.CoSellID)
		}
		v, err := s.deal(c.CoSellID)
		require.NoError(t, err)
		require.NotNil(t, v.Registration)
		assert.Equal(t, "declined", v.Registration.Status, "%s", c.CoSellID)
	}
	_, sfMerged, _, _ := closedIn(conflicts[0])
	assert.Contains(t, sfMerged, "merged into "+primary.CoSellID)
	v, err := s.deal(conflicts[2].CoSellID)
	require.NoError(t, err)
	require.NotNil(t, v.Registration)
	assert.NotEqual(t, "declined", v.Registration.Status, "a kept conflict goes on as a deal of its own")
}

// TestRegistrationRefusals is issue #9's acceptance (d): a registration for a killed pairing, or with a
// malformed domain, amount, currency or date, is refused with a clear message and leaves nothing in
// either CRM; the API refuses a missing token (401) and another partner's pairing (403).
func TestRegistrationRefusals(t *testing.T) {
	s := newStack(t, stackOptions{pairingMod: routeTo("Globex")})
	_, _, initechID, initechText := s.initechPortal()
	dir := s.pairingsDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "initech.yaml"), []byte(initechText), 0o644))
	base := s.withAPI()
	s.startWorker()
	s.waitAPI(base)
	opps0, deals0 := len(s.sf.Opportunities()), len(s.hs.Deals())
	accts0, companies0 := len(s.sf.Accounts()), len(s.hs.Companies())

	// An account of its own: the account's entity workflow outlives the test on the shared dev server.
	goodDomain := "refusal-" + s.pairingID + ".example"
	good := registration.Request{DealName: "Refused deal", AccountName: "Refusal Corp", Domain: goodDomain, Amount: "1000", Currency: "USD", CloseDate: "2027-06-30"}
	bad := func(mod func(*registration.Request)) registration.Request { r := good; mod(&r); return r }
	cases := []struct {
		name string
		req  registration.Request
		want string
	}{
		{"domain", bad(func(r *registration.Request) { r.Domain = "refusal..example" }), "malformed domain"},
		{"amount", bad(func(r *registration.Request) { r.Amount = "12,000" }), "amount"},
		{"currency", bad(func(r *registration.Request) { r.Currency = "DOLLARS" }), "currency"},
		{"date", bad(func(r *registration.Request) { r.CloseDate = "30/06/2027" }), "closeDate"},
	}
	for _, c := range cases {
		code, body := apiRegister(t, base, acmeToken, s.pairingID, c.req)
		assert.Equal(t, http.StatusBadRequest, code, "%s: %s", c.name, body)
		assert.Contains(t, body, c.want, c.name)
		_, stderr, err := cosellErr(s, "deal", "register", "--pairing", s.pairingID, "--partner", "a", "--name", c.req.DealName,
			"--domain", c.req.Domain, "--amount", c.req.Amount, "--currency", c.req.Currency, "--close-date", c.req.CloseDate)
		require.Error(t, err, c.name)
		assert.Contains(t, stderr, c.want, c.name)
	}

	// Auth: no token, an unknown one, another partner's pairing, another partner's side.
	code, body := apiRegister(t, base, "", s.pairingID, good)
	assert.Equal(t, http.StatusUnauthorized, code, body)
	code, body = apiRegister(t, base, "not-a-token-of-anyone-here", s.pairingID, good)
	assert.Equal(t, http.StatusUnauthorized, code, body)
	code, body = apiRegister(t, base, initechToken, s.pairingID, good)
	assert.Equal(t, http.StatusForbidden, code, body)
	assert.Contains(t, body, "Initech is not a partner of pairing "+s.pairingID)
	code, body = apiRegister(t, base, globexToken, s.pairingID, bad(func(r *registration.Request) { r.Partner = pairing.A }))
	assert.Equal(t, http.StatusForbidden, code, body)

	// A killed pairing: its pilot, carried over in its killed state (as continue-as-new carries it),
	// refuses through the API and the CLI. The worker started the pilot running; it is replaced.
	_ = s.temporal.TerminateWorkflow(context.Background(), api.PilotWorkflowID(initechID), "", "replaced by a killed pilot")
	_, err := s.temporal.ExecuteWorkflow(context.Background(), client.StartWorkflowOptions{ID: api.PilotWorkflowID(initechID), TaskQueue: s.env["COSELL_TASK_QUEUE"]},
		api.PilotWorkflowName, api.PilotInput{PairingID: initechID, State: &api.PilotState{
			Status: api.PilotKilled, KilledAt: time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC), PairingName: "Acme × Initech", Start: time.Now().Add(-91 * 24 * time.Hour),
			Config: pilot.Config{Length: 90, Day: 24 * time.Hour}, Quarter: 1, Summary: pilot.NewSummary(1, time.Now().Add(-91*24*time.Hour)),
			Decisions: []api.DecisionRecord{{Decision: pilot.Kill, By: "kim.manager@initech.example", Why: "nothing registered in 90 days"}},
		}})
	require.NoError(t, err)
	t.Cleanup(func() {
		_ = s.temporal.TerminateWorkflow(context.Background(), api.PilotWorkflowID(initechID), "", "test over")
	})
	eventually(t, 20*time.Second, func() bool {
		v, err := s.temporal.QueryWorkflow(context.Background(), api.PilotWorkflowID(initechID), "", api.PilotQuery)
		var view api.PilotView
		return err == nil && v.Get(&view) == nil && view.State.Status == api.PilotKilled
	}, "the pilot is killed")
	code, body = apiRegister(t, base, acmeToken, initechID, good)
	assert.Equal(t, http.StatusUnprocessableEntity, code, body)
	assert.Contains(t, body, "pilot was killed on 2026-11-30 (nothing registered in 90 days)")
	_, stderr, err := cosellErr(s, "deal", "register", "--pairing", initechID, "--partner", "a", "--name", good.DealName,
		"--domain", good.Domain, "--amount", good.Amount, "--currency", good.Currency, "--close-date", good.CloseDate)
	require.Error(t, err)
	assert.Contains(t, stderr, "pilot was killed")

	// Nothing half-created: neither CRM holds a record of any refused registration.
	assert.Len(t, s.sf.Opportunities(), opps0, "no opportunity created in Salesforce")
	assert.Len(t, s.hs.Deals(), deals0, "no deal created in HubSpot")
	assert.Len(t, s.sf.Accounts(), accts0, "no account created in Salesforce")
	assert.Len(t, s.hs.Companies(), companies0, "no company created in HubSpot")

	// And a good one goes through, so the refusals above were the values', not the path's.
	code, body = apiRegister(t, base, acmeToken, s.pairingID, good)
	require.Equal(t, http.StatusCreated, code, body)
	var res api.RegisterResult
	require.NoError(t, json.Unmarshal([]byte(body), &res))
	eventually(t, 60*time.Second, func() bool { return len(s.hsDealsByCoSellID(res.CoSellID)) == 1 }, "the registered deal is mirrored to Globex")
	// The registered opportunity is on an Account of that domain, and its mirror on a company of it.
	regAcct, _ := s.sfUser.get("Opportunity", res.RecordID)["AccountId"].(string)
	require.NotEmpty(t, regAcct, "the registered opportunity is linked to an account")
	assert.Equal(t, goodDomain, s.sfUser.get("Account", regAcct)["Website"])
	eventually(t, 30*time.Second, func() bool { // the mirror is created, then linked
		mirror := s.hsDealsByCoSellID(res.CoSellID)[0]
		return mirror.PrimaryCompany != "" && s.hsCompany(mirror.PrimaryCompany)["domain"] == goodDomain
	}, "the mirror's primary company has the domain")

	// The registrant cannot answer its own registration; the other partner declines it through the API
	// with a reason: both CRMs show it declined and closed lost, and nothing more mirrors.
	_, stderr, err = cosellErr(s, "deal", "accept", res.CoSellID, "--partner", "a")
	require.Error(t, err)
	assert.Contains(t, stderr, "the other partner accepts or declines it")
	answer := func(token, verb, body string) (int, string) {
		return apiPost(t, base+"/api/v1/pairings/"+s.pairingID+"/deals/"+res.CoSellID+"/"+verb, token, []byte(body))
	}
	code, body = answer(globexToken, "decline", `{}`)
	assert.Equal(t, http.StatusBadRequest, code, "a decline needs a reason: %s", body)
	code, body = answer(globexToken, "decline", `{"reason": "Globex already works this account"}`)
	require.Equal(t, http.StatusOK, code, body)
	hsID := s.hsDealsByCoSellID(res.CoSellID)[0].ID
	defer func() {
		if t.Failed() {
			dv, _ := s.deal(res.CoSellID)
			b, _ := json.MarshalIndent(dv, "", " ")
			t.Logf("deal: %s", b)
		}
	}()
	eventually(t, 60*time.Second, func() bool {
		opp, deal := s.sfUser.get("Opportunity", res.RecordID), s.hsDealsByCoSellID(res.CoSellID)[0].Properties
		return opp["StageName"] == "Closed Lost" && deal["dealstage"] == "closedlost" && opp["CoSell_Status__c"] == "declined" && deal["cosell_status"] == "declined"
	}, "the declined deal is closed lost on both sides")
	assert.Equal(t, "Globex already works this account", s.sfUser.get("Opportunity", res.RecordID)["CoSell_Decline_Reason__c"])
	assert.Equal(t, "Globex already works this account", s.hsDealsByCoSellID(res.CoSellID)[0].Properties["cosell_decline_reason"])
	var view api.DealView
	eventually(t, 30*time.Second, func() bool {
		v, err := s.deal(res.CoSellID)
		view = v
		return err == nil && v.Registration != nil && v.Registration.Closed
	}, "the deal is closed")
	assert.Equal(t, "Globex already works this account", view.Registration.Reason)
	code, body = answer(globexToken, "accept", ``)
	assert.Equal(t, http.StatusUnprocessableEntity, code, body)
	assert.Contains(t, body, "already declined")
	s.sfUser.update("Opportunity", res.RecordID, map[string]any{"NextStep": "try again"})
	s.waitFeedPolls(3, 30*time.Second) // the edit is read, and a mirror would follow within a poll
	assert.NotEqual(t, "try again", s.hsUser.getDeal(hsID)["hs_next_step"], "a declined deal mirrors nothing more")

	// A deal flagged in a CRM cannot be refused before the rep saved it, but an account website that
	// cannot be read is a sync issue naming it, and the deal claims its account once a rep corrects it.
	badOpp := s.sfUser.create("Opportunity", map[string]any{"Name": "Bad website", "StageName": "Qualification", "CloseDate": "2027-06-30",
		"Amount": 1000, "OwnerId": s.sfUser.userID("jane.doe@acme.example"), "CoSell_Enabled__c": true, "CoSell_Partner__c": "Globex"})
	badID, _ := s.waitMirror(badOpp, 15*time.Second)
	badAcct := s.sfUser.create("Account", map[string]any{"Name": "Bad Website Ltd", "Website": "not a website!"})
	s.sfUser.update("Opportunity", badOpp, map[string]any{"AccountId": badAcct})
	eventually(t, 30*time.Second, func() bool {
		v, err := s.deal(badID)
		if err != nil {
			return false
		}
		for _, is := range v.Issues {
			if is.Field == vocab.FieldAccountDomain && strings.Contains(is.Message, "not a website!") {
				return true
			}
		}
		return false
	}, "the unreadable website is a sync issue on the deal")
	// An Account's edit changes none of its opportunities (Salesforce stamps only the record edited):
	// the deal reads it with its opportunity's next change, here the rep's next step.
	s.sfUser.update("Account", badAcct, map[string]any{"Website": "https://bad-website-" + s.pairingID + ".example"})
	s.sfUser.update("Opportunity", badOpp, map[string]any{"NextStep": "Website fixed"})
	eventually(t, 30*time.Second, func() bool {
		v, err := s.deal(badID)
		if err != nil || v.Registration == nil || v.Registration.Account == nil {
			return false
		}
		for _, is := range v.Issues {
			if is.Field == vocab.FieldAccountDomain {
				return false
			}
		}
		return v.Registration.Account.Role == registration.Primary
	}, "corrected, the deal claims its account and the issue ends")
}
