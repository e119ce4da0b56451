package touchpoint

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/cosellsync/cosell/vocab"
)

func TestClassify(t *testing.T) {
	cases := []struct {
		name string
		a    Activity
		kind Kind
		ok   bool
	}{
		{"type names a kind", Activity{Object: HubSpotMeeting, Type: "Technical validation", Subject: "Weekly sync"}, TechnicalValidation, true},
		{"salesforce picklist", Activity{Object: SalesforceEvent, Type: "Demo"}, Demo, true},
		{"poc in subject beats meeting", Activity{Object: SalesforceEvent, Subject: "Globex – POC kickoff"}, TechnicalValidation, true},
		{"validation before demo", Activity{Object: HubSpotMeeting, Subject: "Demo of the trial sandbox"}, TechnicalValidation, true},
		{"demo", Activity{Object: HubSpotMeeting, Subject: "Product demo for IT"}, Demo, true},
		{"proposal", Activity{Object: SalesforceTask, Type: "Email", Subject: "Proposal v2 sent"}, ProposalReview, true},
		{"executive", Activity{Object: HubSpotCall, Subject: "Exec sponsor call with the CIO"}, ExecutiveSponsorship, true},
		{"discovery", Activity{Object: HubSpotCall, Subject: "Discovery"}, DiscoveryCall, true},
		{"intro", Activity{Object: HubSpotEmail, Subject: "Intro: Acme <> Globex"}, Intro, true},
		{"whole words only", Activity{Object: HubSpotNote, Subject: "Reproduce the issue, then decide"}, "", false},
		{"plain event is a meeting", Activity{Object: SalesforceEvent, Subject: "Weekly sync"}, Meeting, true},
		{"task of type call", Activity{Object: SalesforceTask, Type: "Call", Subject: "Follow-up"}, DiscoveryCall, true},
		{"task of subtype email", Activity{Object: SalesforceTask, Type: "Email", Subject: "Follow-up"}, Email, true},
		{"hubspot email", Activity{Object: HubSpotEmail, Subject: "Re: next steps"}, Email, true},
		{"plain to-do is not evidence", Activity{Object: SalesforceTask, Subject: "Update the forecast"}, "", false},
		{"plain note is not evidence", Activity{Object: HubSpotNote, Subject: "Customer prefers Tuesdays"}, "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			k, ok := Classify(c.a)
			assert.Equal(t, c.ok, ok)
			assert.Equal(t, c.kind, k)
		})
	}
}

func TestFromActivity(t *testing.T) {
	at := time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC)
	a := Activity{Side: vocab.B, Object: HubSpotMeeting, ID: "901", Subject: "Demo", Person: "kim@globex.example", At: at}
	tp, ok := FromActivity("CS-1", a)
	require.True(t, ok)
	assert.Equal(t, Touchpoint{Side: vocab.B, Person: "kim@globex.example", Kind: Demo, At: at, Deal: "CS-1", Source: "b:meeting:901"}, tp)
	require.NoError(t, tp.Validate())

	// No owner or no time: not evidence, whatever its kind.
	_, ok = FromActivity("CS-1", Activity{Side: vocab.B, Object: HubSpotMeeting, ID: "902", Subject: "Demo", At: at})
	assert.False(t, ok)
	_, ok = FromActivity("CS-1", Activity{Side: vocab.B, Object: HubSpotMeeting, ID: "903", Subject: "Demo", Person: "kim@globex.example"})
	assert.False(t, ok)

	// The same meeting read twice, the second time rescheduled, is one touchpoint at the new time.
	s := NewSet("CS-1", 0)
	first, _ := FromActivity("CS-1", Activity{Side: vocab.A, Object: SalesforceEvent, ID: "00U1", Subject: "POC review", Person: "ann@acme.example", At: at, Modified: at})
	moved, _ := FromActivity("CS-1", Activity{Side: vocab.A, Object: SalesforceEvent, ID: "00U1", Subject: "POC review", Person: "ann@acme.example", At: at.Add(time.Hour), Modified: at.Add(time.Minute)})
	o, err := s.Add(first)
	require.NoError(t, err)
	assert.Equal(t, Added, o)
	o, err = s.Add(moved)
	require.NoError(t, err)
	assert.Equal(t, Updated, o)
	o, err = s.Add(first)
	require.NoError(t, err)
	assert.Equal(t, Duplicate, o)
	assert.Equal(t, 1, s.Total())
	assert.Equal(t, 1, s.Tally(time.Time{}).N(vocab.A, TechnicalValidation))
}

// Classification reads words, not their spelling: case and punctuation around them do not matter, and it
// never depends on who or when.
func TestClassifyIgnoresCaseAndPunctuation(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		objects := []Object{SalesforceTask, SalesforceEvent, HubSpotMeeting, HubSpotCall, HubSpotEmail, HubSpotNote}
		words := []string{"demo", "POC", "proposal", "intro", "discovery", "sync", "recap", "executive", "sponsor", "trial", "call", "email"}
		obj := rapid.SampledFrom(objects).Draw(t, "object")
		subj := rapid.SliceOfN(rapid.SampledFrom(words), 0, 4).Draw(t, "subject")
		a := Activity{Object: obj, Subject: strings.Join(subj, " ")}
		k, ok := Classify(a)
		b := a
		b.Subject = "«" + strings.ToUpper(strings.Join(subj, " — ")) + "»!"
		b.Person, b.At, b.ID = "someone", time.Unix(rapid.Int64Range(0, 1<<32).Draw(t, "at"), 0), "x"
		k2, ok2 := Classify(b)
		if k != k2 || ok != ok2 {
			t.Fatalf("%q → %s %v but %q → %s %v", a.Subject, k, ok, b.Subject, k2, ok2)
		}
		if ok && !k.Valid() {
			t.Fatalf("unknown kind %q", k)
		}
	})
}
