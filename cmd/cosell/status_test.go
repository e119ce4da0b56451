package main

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/cosellsync/cosell/connectors/budget"
	"github.com/cosellsync/cosell/pairing"
)

func TestStatusShowsEachConnectionsBudgetAndWhatWaits(t *testing.T) {
	at := time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC)
	rep := statusReport{Pairings: []string{"acme-globex"}, Running: 3, Checked: 3,
		Connections: []connectionStatus{
			{CRM: "salesforce", Connection: "acme-sf", UsedBy: []string{"Acme in acme-globex"}, Paused: true, Polls: 12, LastPoll: at,
				LastError: "salesforce connection acme-sf: API budget guard: the product's 50% share of the daily API budget is used",
				Budget: &budget.Snapshot{CRM: "salesforce", Connection: "acme-sf", At: at, PausedSince: at, NextProbe: at.Add(5 * time.Minute),
					Daily: &budget.WindowState{Used: 47, Limit: 100, Share: 0.5, Line: 50, Stop: 47, Refused: 9}}},
			{CRM: "hubspot", Connection: "globex-hs", UsedBy: []string{"Globex in acme-globex"}, Polls: 12, LastPoll: at,
				Budget: &budget.Snapshot{CRM: "hubspot", At: at,
					Daily: &budget.WindowState{Used: 1200, Limit: 250000, Share: 0.5, Line: 125000, Stop: 123750},
					Short: &budget.WindowState{Used: 7, Limit: 100, Share: 0.5, Line: 50, Interval: 10 * time.Second}}},
		},
		Waiting: []waitingDeal{{PairingID: "acme-globex", CoSellID: "CS-ABC", Side: pairing.A, Since: at, Message: "waits"}},
	}
	var out bytes.Buffer
	printStatus(&out, rep)
	s := out.String()
	assert.Contains(t, s, "Pairings: acme-globex")
	assert.Contains(t, s, "acme-sf (Acme in acme-globex): feed 12 polls")
	assert.Contains(t, s, "47/100 used, 50% share: line 50 (work pauses at 47), 9 refused")
	assert.Contains(t, s, "PAUSED on the daily budget, next look 2026-05-04T09:05:00Z")
	assert.Contains(t, s, "7/100 per 10s used, 50% share: line 50")
	assert.Contains(t, s, "last error: salesforce connection acme-sf: API budget guard")
	assert.Contains(t, s, "Waiting on an API budget: 1 deals (3 of 3 running deals checked)")
	assert.Contains(t, s, "CS-ABC  acme-globex side a  since 2026-05-04T09:00:00Z: waits")
}
