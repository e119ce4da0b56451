package touchpoint

import (
	"fmt"
	"strings"
)

// Kind is what a partner did on a deal: the evidence types of the playbook ("meeting attended, demo
// delivered, e-mail sent, proposal reviewed").
type Kind string

// Touchpoint kinds.
const (
	Intro                Kind = "intro"                 // a warm introduction to the account
	Meeting              Kind = "meeting"               // a meeting with the customer
	DiscoveryCall        Kind = "discovery_call"        // a discovery or qualification call
	Demo                 Kind = "demo"                  // a product demo delivered
	TechnicalValidation  Kind = "technical_validation"  // a trial, proof of concept or technical review
	ProposalReview       Kind = "proposal_review"       // a proposal written or reviewed
	Email                Kind = "email"                 // an e-mail to the customer
	ExecutiveSponsorship Kind = "executive_sponsorship" // an executive engaged as sponsor
)

// Kinds lists every kind, roughly in the order a deal meets them.
var Kinds = []Kind{Intro, Meeting, DiscoveryCall, Demo, TechnicalValidation, ProposalReview, Email, ExecutiveSponsorship}

// ParseKind reads a kind as people and CRMs write it: case, spaces and hyphens do not matter
// ("Discovery call", "technical-validation"), and "e-mail" is email.
func ParseKind(s string) (Kind, error) {
	w := strings.Map(func(r rune) rune {
		switch r {
		case ' ', '-':
			return '_'
		}
		return r
	}, strings.ToLower(strings.TrimSpace(s)))
	if w == "e_mail" {
		w = "email"
	}
	for _, k := range Kinds {
		if string(k) == w {
			return k, nil
		}
	}
	return "", fmt.Errorf("unknown touchpoint kind %q: want one of %s", s, kindList())
}

// Valid reports whether k is one of Kinds.
func (k Kind) Valid() bool {
	for _, x := range Kinds {
		if k == x {
			return true
		}
	}
	return false
}

func kindList() string {
	names := make([]string, len(Kinds))
	for i, k := range Kinds {
		names[i] = string(k)
	}
	return strings.Join(names, ", ")
}
