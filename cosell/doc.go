// Package cosell holds the playbook's co-selling models as pure rules (issue #9, "model and stage
// leads"): the three models (partner-led, vendor-led, true co-sell), the three motions (sell-with,
// sell-through, sell-to), the six stages, and who leads each stage of a deal.
//
// # Who is the vendor
//
// The playbook speaks of the vendor (whose product is sold: product expertise, the demo, technical
// validation, deal desk) and the partner (who holds the customer relationship). A pairing names which
// of its sides plays the vendor (cosell › vendor in the pairing file); a pairing of two peers leaves it
// out, and each deal then reads it from who registered: in a partner-led deal "the partner brought the
// deal", so the registering side is the partner; in a vendor-led deal it is the vendor.
//
// # Who leads each stage
//
// From the playbook's stage table (PLAYBOOK.md, "The six stages" and "Models and who leads"):
//
//	stage                  partner-led   vendor-led   true co-sell
//	1 identification       partner       vendor       joint
//	2 discovery            partner       vendor       joint
//	3 presentation (demo)  vendor        vendor       joint
//	4 evaluation           vendor        vendor       joint
//	5 proposal/negotiation partner       vendor       joint
//	6 close                partner       vendor       joint
//
// Partner-led is the playbook's example: the partner runs discovery and negotiation, the vendor gives
// the demo and the technical validation. Vendor-led is its mirror in ownership: the vendor owns the
// sale, and since demo and validation are the vendor's anyway, it leads every stage. In true co-selling
// neither has the stronger claim and leadership alternates by topic, so every stage is joint. The
// partners may override any stage's lead on a deal (Plan.WithOverride); an override equal to the
// playbook's is dropped.
//
// A pairing's stage values map to the six stages by their usual CRM names (StageOf: prospecting is
// identification, qualification discovery, decision evaluation, …), or by cosell › stages.
//
// # Using it
//
//	plan, err := cosell.NewPlan(pairing.CoSell, registrant, model, motion) // at registration
//	stage, ok := pairing.CoSell.Stage(canonicalStage)                    // on a stage change
//	lead := plan.Lead(stage)                                             // tell the new lead
//	plan.Leads()                                                         // cosell deal show, both CRMs
//
// Pure: no I/O, no clock, no Temporal; Plan is what the deal's state carries.
package cosell
