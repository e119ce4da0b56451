package touchpoint

import (
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/cosellsync/cosell/vocab"
)

// Object is the kind of CRM record an activity is: the Salesforce and HubSpot objects the change feed
// reads on a deal.
type Object string

// Activity objects.
const (
	SalesforceTask  Object = "task"    // Salesforce Task (a logged call, e-mail or to-do)
	SalesforceEvent Object = "event"   // Salesforce Event (a calendar meeting)
	HubSpotMeeting  Object = "meeting" // HubSpot meeting engagement
	HubSpotCall     Object = "call"    // HubSpot call engagement
	HubSpotEmail    Object = "email"   // HubSpot e-mail engagement
	HubSpotNote     Object = "note"    // HubSpot note engagement
)

// Activity is a CRM activity on a deal, as a connector reads it, before it is known to be evidence.
type Activity struct {
	Side vocab.Side `json:"side"`
	// Object and ID identify the record in its CRM; Source (side, object and id) is derived from them.
	Object Object `json:"object"`
	ID     string `json:"id"`
	// Type is the CRM's own classification: Salesforce's Type or TaskSubtype, HubSpot's
	// hs_activity_type (the meeting and call types an admin defines).
	Type string `json:"type,omitempty"`
	// Subject is the title (Task and Event Subject, hs_meeting_title, hs_call_title, hs_email_subject,
	// the note's first line).
	Subject string `json:"subject,omitempty"`
	// Person is the e-mail (else the name) of the activity's owner: whose work it was.
	Person string `json:"person"`
	// At is when it happened: a meeting's or event's start, a call's or e-mail's timestamp, a task's
	// completion (else its due date).
	At       time.Time `json:"at"`
	Modified time.Time `json:"modified,omitzero"`
}

// Source is the activity's touchpoint source id: "a:event:00U…".
func (a Activity) Source() string { return fmt.Sprintf("%s:%s:%s", a.Side, a.Object, a.ID) }

// keyword rules, in priority order: the first whose words appear in an activity's type or subject
// decides its kind. Technical validation comes before demo ("POC demo" is validation work), and
// executive sponsorship before meeting-like words, because a specific word says more than a general
// one. Words are matched as whole words after folding case and punctuation.
var keywords = []struct {
	kind  Kind
	words []string
}{
	{TechnicalValidation, []string{"technical validation", "poc", "proof of concept", "proof of value", "pov", "trial", "security review", "technical review", "architecture review", "sandbox"}},
	{Demo, []string{"demo", "demonstration", "product tour", "walkthrough"}},
	{ProposalReview, []string{"proposal", "quote", "pricing review", "sow", "contract review", "rfp"}},
	{ExecutiveSponsorship, []string{"executive sponsor", "exec sponsor", "executive briefing", "ebc", "executive", "cxo", "ceo", "cio", "cto"}},
	{DiscoveryCall, []string{"discovery", "qualification", "needs analysis"}},
	{Intro, []string{"intro", "introduction", "warm intro", "introduce", "introducing"}},
}

// Classify says what kind of touchpoint an activity is, and whether it is one at all:
//
//  1. A type that names a specific kind ("Demo", "Technical validation", an admin's meeting type in
//     HubSpot or a Salesforce Type picklist value) decides. Email and Meeting are what CRMs call most
//     activities, so they decide only after the keywords.
//  2. Else the first keyword rule matching the type or subject ("Acme – POC kickoff" is technical
//     validation, "Proposal walkthrough" a proposal review).
//  3. Else the object: a Salesforce Event or HubSpot meeting is a meeting, a call (a HubSpot call, a
//     Task of subtype or type Call) a discovery call, an e-mail (a HubSpot e-mail, a Task of subtype or
//     type Email) an e-mail.
//
// A plain Task or a HubSpot note with no such word is a to-do or a remark, not a contribution the
// customer saw, so it is not evidence (ok false).
func Classify(a Activity) (Kind, bool) {
	k, err := ParseKind(a.Type)
	if err == nil && k != Email && k != Meeting {
		return k, true
	}
	text := " " + fold(a.Type+" "+a.Subject) + " "
	for _, r := range keywords {
		for _, w := range r.words {
			if strings.Contains(text, " "+w+" ") {
				return r.kind, true
			}
		}
	}
	t := fold(a.Type)
	switch {
	case a.Object == SalesforceEvent || a.Object == HubSpotMeeting || t == "meeting":
		return Meeting, true
	case a.Object == HubSpotCall || t == "call":
		return DiscoveryCall, true
	case a.Object == HubSpotEmail || t == "email" || t == "e mail" || t == "list email":
		return Email, true
	}
	return "", false
}

// FromActivity is the touchpoint an activity is evidence of, for a deal; ok is false when it is none
// (see Classify) or lacks a person or time.
func FromActivity(deal string, a Activity) (Touchpoint, bool) {
	k, ok := Classify(a)
	if !ok || strings.TrimSpace(a.Person) == "" || a.At.IsZero() {
		return Touchpoint{}, false
	}
	return Touchpoint{Side: a.Side, Person: a.Person, Kind: k, At: a.At, Deal: deal, Source: a.Source(), Modified: a.Modified}, true
}

// fold lowers case and turns every run of non-letters and non-digits into one space.
func fold(s string) string {
	var b strings.Builder
	space := true
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
			space = false
			continue
		}
		if !space {
			b.WriteByte(' ')
			space = true
		}
	}
	return strings.TrimSpace(b.String())
}
