package workflows

import (
	"time"

	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/connectors"
	"github.com/cosellsync/cosell/engine"
	"github.com/cosellsync/cosell/notify"
	"github.com/cosellsync/cosell/pairing"
	"github.com/cosellsync/cosell/vocab"
)

// TestCoSellLeadsAndAttribution: issue #9, items 3 and 5, through the interpreter and the real
// activities over the in-memory CRMs. A deal flagged in Acme's Salesforce gets the demo pairing's plan
// (partner-led, Globex the vendor); model, motion and lead reach both CRMs; the demo's stage tells
// Globex it leads; close-won in HubSpot writes the attribution to both CRMs, field and note, once.
func (s *dealSuite) TestCoSellLeadsAndAttribution() {
	rec := s.flagOnSalesforce()
	id := api.NewCoSellID(s.p.ID, pairing.A, rec)
	var registered, presented api.DealView
	s.at(time.Second, func() { s.trigger(pairing.A, rec) })
	s.at(2*time.Second, func() {
		registered = s.view()
		m := s.mirror(id)
		s.hs.Put(m.RecordID, map[string]any{"dealstage": "presentationscheduled"})
		s.trigger(pairing.B, m.RecordID)
	})
	s.at(3*time.Second, func() {
		presented = s.view()
		m := s.mirror(id)
		s.hs.Put(m.RecordID, map[string]any{"dealstage": "closedwon"})
		s.trigger(pairing.B, m.RecordID)
	})
	s.at(4*time.Second, func() { s.trigger(pairing.A, rec); s.trigger(pairing.B, s.mirror(id).RecordID) }) // seen again
	var won api.DealView
	s.at(5*time.Second, func() { won = s.view() })
	s.run(id, 6*time.Second)

	s.Require().NotNil(registered.CoSell, "the deal has a plan from registration")
	s.Equal("partner_led", string(registered.CoSell.Model))
	s.Equal("Acme", registered.CoSell.LeadName, "the partner leads discovery")
	s.Require().NotNil(presented.CoSell)
	s.Equal("Globex", presented.CoSell.LeadName, "the vendor gives the demo")

	m := s.mirror(id)
	src, _ := s.sf.Deal(rec)
	s.Equal("partner_led", src.Fields["CoSell_Model__c"])
	s.Equal("partner_led", m.Fields["cosell_model"])
	s.Equal("sell_with", src.Fields["CoSell_Motion__c"])
	s.Equal("sell_with", m.Fields["cosell_motion"])
	s.Equal("Globex", src.Fields["CoSell_Lead__c"])
	s.Equal("Globex", m.Fields["cosell_lead"])

	var leads []notify.Notice
	s.slack.mu.Lock()
	for _, n := range s.slack.notices {
		if n.Event == vocab.LeadChanged {
			leads = append(leads, n)
		}
	}
	s.slack.mu.Unlock()
	s.Require().Len(leads, 1, "the new lead is told once")
	s.Equal("presentation", leads[0].Subject)
	for _, r := range leads[0].Recipients {
		s.Equal("b", r.Side, "only the new lead")
	}
	tasks := s.hs.Tasks(m.RecordID)
	s.Require().NotEmpty(tasks, "a CRM task for the new lead")
	s.Empty(s.sf.Tasks(rec), "none for the partner that no longer leads")

	s.Require().NotNil(won.CoSell)
	res := won.CoSell.Attribution
	s.Require().NotNil(res, "attributed at close-won")
	s.Equal("USD", res.Currency)
	s.Equal(int64(12500000), res.AmountMinor)
	s.Equal(int64(2500000), res.PoolMinor, "only Acme earned a role without touchpoints: the solo pool, 20%")
	s.Require().Len(res.Parts, 2)
	s.Equal(res.PoolMinor, res.Parts[0].AmountMinor+res.Parts[1].AmountMinor)
	summary := engine.AttributionSummary(*res, names{vocab.A: "Acme", vocab.B: "Globex"}.get)
	s.Equal(summary, src.Fields["CoSell_Attribution__c"])
	s.Equal(summary, m.Fields["cosell_attribution"])
	for side, notes := range map[string]int{"salesforce": count(s.sf.Notes(rec), res.Note()), "hubspot": count(s.hs.Notes(m.RecordID), res.Note())} {
		s.Equal(1, notes, "%s has the calculation note once", side)
	}
	s.Empty(won.Issues)
}

type names map[vocab.Side]string

func (n names) get(s vocab.Side) string { return n[s] }

func count(notes []connectors.Note, body string) int {
	n := 0
	for _, x := range notes {
		if x.Body == "[CoSell Sync] "+body {
			n++
		}
	}
	return n
}
