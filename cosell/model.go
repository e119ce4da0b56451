package cosell

import (
	"fmt"
	"strings"
)

// Model is how two partners run one deal: who owns the sale and who supports it.
type Model string

// The playbook's three models.
const (
	// PartnerLed: the partner brought the deal and owns the relationship (discovery, qualification,
	// meetings, commercial terms, contract and close); the vendor supplies product expertise, the demo,
	// technical validation, competitive positioning and deal-desk help.
	PartnerLed Model = "partner_led"
	// VendorLed: the vendor owns the sale; the partner brings implementation and integration knowledge
	// and joins meetings on its topics.
	VendorLed Model = "vendor_led"
	// TrueCoSell: neither has the stronger claim; one outreach plan, meeting leadership alternating by
	// topic, joint discovery, one joint proposal, coordinated negotiation.
	TrueCoSell Model = "true_cosell"
)

// Models lists the models in the playbook's order.
var Models = []Model{PartnerLed, VendorLed, TrueCoSell}

// ParseModel reads a model as the pairing file, the CLI or an API caller writes it. Case, hyphens and
// spaces do not matter, so "partner-led", "Partner led" and partner_led are one model; "co_sell" and
// "co-sell" are accepted for true co-selling.
func ParseModel(s string) (Model, error) {
	switch word(s) {
	case "partner_led", "partner_led_vendor_supported":
		return PartnerLed, nil
	case "vendor_led", "vendor_led_partner_supported":
		return VendorLed, nil
	case "true_cosell", "true_co_sell", "cosell", "co_sell", "joint":
		return TrueCoSell, nil
	}
	return "", fmt.Errorf("unknown model %q: want partner_led, vendor_led or true_cosell", s)
}

// Motion is how credit usually flows on a deal (the playbook's motions).
type Motion string

// The playbook's three motions.
const (
	// SellWith: both partners in the room; credit by role split.
	SellWith Motion = "sell_with"
	// SellThrough: the selling partner resells; the selling partner gets 60–80 %, the technology
	// partner 20–40 % as influence.
	SellThrough Motion = "sell_through"
	// SellTo: account mapping and warm introductions; the sourcing partner gets referral credit, the
	// closing partner sales credit.
	SellTo Motion = "sell_to"
)

// Motions lists the motions in the playbook's order.
var Motions = []Motion{SellWith, SellThrough, SellTo}

// ParseMotion reads a motion; case, hyphens and spaces do not matter ("sell-through").
func ParseMotion(s string) (Motion, error) {
	switch w := word(s); w {
	case string(SellWith), string(SellThrough), string(SellTo):
		return Motion(w), nil
	}
	return "", fmt.Errorf("unknown motion %q: want sell_with, sell_through or sell_to", s)
}

// Party is a role in the playbook's stage table: the vendor (whose product is sold), the partner
// (who holds the customer relationship), or both together.
type Party string

// Parties of the stage table.
const (
	Vendor  Party = "vendor"
	Partner Party = "partner"
	Joint   Party = "joint"
)

// word normalizes a value for parsing: lower case, spaces, hyphens and slashes as underscores, runs
// of them as one.
func word(s string) string {
	s = strings.Map(func(r rune) rune {
		switch r {
		case ' ', '-', '/', ',', '\t':
			return '_'
		}
		return r
	}, strings.ToLower(strings.TrimSpace(s)))
	for strings.Contains(s, "__") {
		s = strings.ReplaceAll(s, "__", "_")
	}
	return strings.Trim(s, "_")
}
