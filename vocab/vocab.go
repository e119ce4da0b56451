// Package vocab is the vocabulary every layer of CoSell Sync shares: parties, field directions and
// conflict policies, the canonical field names, owners, translation issues and sync-issue kinds. It sits
// at the bottom of the import graph and has no behaviour worth testing, so the pure deal engine, the
// merge, the contract and the workflows can speak of a deal without importing the pairing file's YAML
// parser or the Slack client.
package vocab

// Side is one party of a pairing, as its pairing file names it ("a", "b"). A pairing has two parties
// today; the deal engine keys its state by party, so a deal with three or more partners (a vendor, an SI
// and an ISV, each in its own CRM) needs no new shape.
type Side string

// The two parties of every pairing today.
const (
	A Side = "a"
	B Side = "b"
)

// Other returns the partner across a two-party deal.
func (s Side) Other() Side {
	if s == A {
		return B
	}
	return A
}

// Direction says which way a field flows.
type Direction string

// Field directions.
const (
	Both Direction = "both"
	AToB Direction = "a_to_b"
	BToA Direction = "b_to_a"
)

// Source returns the only party a one-way field flows from, or "" for a field that flows both ways.
func (d Direction) Source() Side {
	switch d {
	case AToB:
		return A
	case BToA:
		return B
	}
	return ""
}

// Policy settles a field changed on two parties since they last agreed.
type Policy string

// Conflict policies.
const (
	LastWriterWins Policy = "last_writer_wins"
	PreferA        Policy = "prefer_a"
	PreferB        Policy = "prefer_b"
)

// OnDelete says what a deal does when a partner deletes its record of the deal.
type OnDelete string

// Delete policies.
const (
	// Unlink stops mirroring to and from the party that deleted its record; both partners are told.
	Unlink OnDelete = "unlink"
	// Recreate writes the whole mapped record again.
	Recreate OnDelete = "recreate"
)

// Canonical field names the product itself reads (notices, the pilot, the stage SLA). A pairing may map
// more fields; these are the ones with a meaning beyond being mirrored.
const (
	FieldName      = "name"
	FieldStage     = "stage"
	FieldAmount    = "amount"
	FieldCloseDate = "close_date"
	FieldNextStep  = "next_step"
	// FieldCurrency, when a pairing maps it, is the ISO 4217 code of the deal's amount; without it a
	// deal's amount is in the pairing's currency (cosell › currency, else the pilot's).
	FieldCurrency = "currency"
	// FieldLossReason, when a pairing maps it, is why a deal was lost: what a close-lost records.
	FieldLossReason = "loss_reason"
	// FieldDispute, when a pairing maps it, is where a partner disputes a won deal's attribution from
	// its CRM: the reason typed in it opens a dispute from that side. It mirrors like any field, so both
	// partners see the reason.
	FieldDispute = "cosell_dispute"
)

// Canonical fields the deal engine writes itself (issue #9): the deal's co-sell model, its motion, the
// lead of its current stage, and its attribution at close-won. A pairing maps them to CRM fields like
// any other, but no partner is their source: the engine writes them to both parties, and a user's edit
// is reverted as a one-way field's is.
const (
	FieldCoSellModel       = "cosell_model"
	FieldCoSellMotion      = "cosell_motion"
	FieldCoSellLead        = "cosell_lead"
	FieldCoSellAttribution = "cosell_attribution"
)

// EngineFields lists the fields the deal engine writes.
var EngineFields = []string{FieldCoSellModel, FieldCoSellMotion, FieldCoSellLead, FieldCoSellAttribution}

// Owner is a deal owner as both partners see it.
type Owner struct {
	Email string `json:"email,omitempty"`
	Name  string `json:"name,omitempty"`
}

// Issue is a value that could not be translated between a CRM and its canonical form; the rest of the
// deal still syncs.
type Issue struct {
	Field   string `json:"field"`
	Side    Side   `json:"side"`
	Message string `json:"message"`
	// Raw is the CRM's own value that could not be translated, when there was one.
	Raw string `json:"raw,omitempty"`
}

// Kinds of sync issue shown on a deal.
const (
	IssueUnmapped     = "unmapped_value" // a value outside the field's value map
	IssueRejected     = "rejected"       // the CRM refused a write, with its own message
	IssueUnavailable  = "unavailable"    // the CRM could not be reached or its budget is spent
	IssueRegistration = "registration"   // a registration refused, or a create the CRM refused
	IssueNote         = "note"           // a note the CRM refused
	IssueNotice       = "notice"         // a notice a channel refused
	IssueCoSellID     = "cosell_id"      // a user edited the co-sell id field; it was restored
	IssueDeleted      = "deleted"        // a partner deleted its record of the deal
	IssueUnflagged    = "unflagged"      // a partner took the deal out of co-sell
	IssueBudget       = "budget"         // the product's share of a CRM's API budget is used; the deal waits
	IssueAttribution  = "attribution"    // attribution at close-won was refused (a currency, an amount)
)
