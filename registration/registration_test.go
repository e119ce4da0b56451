package registration_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/cosellsync/cosell/account"
	"github.com/cosellsync/cosell/cosell"
	"github.com/cosellsync/cosell/registration"
	"github.com/cosellsync/cosell/vocab"
)

var today = time.Date(2026, 12, 2, 15, 0, 0, 0, time.UTC)

func good() registration.Request {
	return registration.Request{PairingID: "acme-globex", Partner: vocab.A, DealName: "Hooli rollout", AccountName: "Hooli, Inc.",
		Domain: "https://www.Hooli.com/about", Amount: "125000.50", Currency: "USD", CloseDate: "2027-03-31", Model: "partner_led"}
}

func TestCheckNormalizes(t *testing.T) {
	r, err := registration.Check(good(), today)
	require.NoError(t, err)
	assert.Equal(t, "hooli.com", r.Domain)
	assert.Equal(t, account.Key("domain:hooli.com"), r.Account, "the domain is the account's identity")
	assert.Equal(t, int64(12500050), r.Amount.Minor)
	assert.Equal(t, "USD", r.Amount.Currency)
	assert.Equal(t, "2027-03-31", r.CloseDate)
	assert.Equal(t, cosell.PartnerLed, r.Model)

	noDomain := good()
	noDomain.Domain = ""
	r, err = registration.Check(noDomain, today)
	require.NoError(t, err)
	assert.Equal(t, account.Key("name:hooli"), r.Account, "no domain: the company name, legal suffix stripped")

	sameDay := good()
	sameDay.CloseDate = "2026-12-02"
	_, err = registration.Check(sameDay, today)
	assert.NoError(t, err, "closing today is not in the past")
}

func TestCheckRefusesEachMalformedValueByName(t *testing.T) {
	cases := []struct {
		mod  func(*registration.Request)
		want string
	}{
		{func(r *registration.Request) { r.Domain = "hooli..com" }, "domain: malformed domain"},
		{func(r *registration.Request) { r.Domain = "192.168.0.1" }, "an IP address"},
		{func(r *registration.Request) { r.Domain, r.AccountName = "", "" }, "account: "},
		{func(r *registration.Request) { r.Amount = "12,000" }, "amount: "},
		{func(r *registration.Request) { r.Amount = "10.005" }, "more than USD's 2"},
		{func(r *registration.Request) { r.Amount = "0" }, "must be more than zero"},
		{func(r *registration.Request) { r.Amount = "-5" }, "must be more than zero"},
		{func(r *registration.Request) { r.Amount = "" }, "amount: is required"},
		{func(r *registration.Request) { r.Currency = "DOLLARS" }, `currency: "DOLLARS" is not an ISO 4217`},
		{func(r *registration.Request) { r.Currency = "" }, "currency: is required"},
		{func(r *registration.Request) { r.CloseDate = "31/03/2027" }, "closeDate: \"31/03/2027\" is not a date"},
		{func(r *registration.Request) { r.CloseDate = "2027-02-30" }, "is not a date"},
		{func(r *registration.Request) { r.CloseDate = "2026-12-01" }, "is in the past"},
		{func(r *registration.Request) { r.Model = "solo" }, "model: unknown model"},
		{func(r *registration.Request) { r.Partner = "c" }, "partner: "},
		{func(r *registration.Request) { r.PairingID = " " }, "pairing: is required"},
		{func(r *registration.Request) { r.DealName = "" }, "dealName: is required"},
	}
	for _, c := range cases {
		r := good()
		c.mod(&r)
		_, err := registration.Check(r, today)
		require.Error(t, err, c.want)
		assert.Contains(t, err.Error(), c.want)
		assert.True(t, registration.IsInvalid(err))
	}
	r := good()
	r.Domain, r.Amount, r.CloseDate = "x", "abc", "soon"
	_, err := registration.Check(r, today)
	require.Error(t, err)
	for _, field := range []string{"domain:", "amount:", "closeDate:"} {
		assert.Contains(t, err.Error(), field, "every problem at once")
	}
}

func claim(id, pairingID string, side vocab.Side) registration.Claim {
	return registration.Claim{CoSellID: id, PairingID: pairingID, Partner: side, Source: "crm", RecordIDs: []string{"r-" + id, ""}}
}

func TestLedgerFirstIsPrimaryLaterOnesConflicts(t *testing.T) {
	l := registration.Ledger{Account: "domain:hooli.com"}
	first := l.Add(claim("CS-1", "p1", vocab.A))
	assert.Equal(t, registration.Primary, first.Entry.Role)
	assert.False(t, first.Tell, "the primary is told nothing")
	for _, c := range []registration.Claim{claim("CS-2", "p1", vocab.B), claim("CS-3", "p2", vocab.A)} {
		out := l.Add(c)
		assert.Equal(t, registration.Conflicting, out.Entry.Role)
		assert.Equal(t, "CS-1", out.Entry.Primary)
		assert.True(t, out.Tell && out.New)
	}
	again := l.Add(registration.Claim{CoSellID: "CS-2", PairingID: "p1", RecordIDs: []string{"", "r-mirror"}})
	assert.False(t, again.New || again.Tell, "a repeated claim is told nothing twice")
	assert.Equal(t, []string{"r-CS-2", "r-mirror"}, again.Entry.RecordIDs, "a record id learnt later is filled in")
	assert.Len(t, l.Entries, 3)

	_, err := l.Resolve("CS-1", registration.Keep, "admin@acme.example", "", today)
	assert.ErrorContains(t, err, "is the primary")
	_, err = l.Resolve("CS-2", registration.Merge, "", "", today)
	assert.ErrorContains(t, err, "--by")
	_, err = l.Resolve("CS-2", "drop", "admin@acme.example", "", today)
	assert.ErrorContains(t, err, "unknown resolution")
	e, err := l.Resolve("CS-2", registration.Merge, "admin@acme.example", "same deal", today)
	require.NoError(t, err)
	assert.Equal(t, registration.Merge, e.Resolution)
	_, err = l.Resolve("CS-2", registration.Keep, "admin@acme.example", "", today)
	assert.ErrorContains(t, err, "already resolved", "a second answer never overwrites the first")
	_, err = l.Resolve("CS-9", registration.Keep, "admin@acme.example", "", today)
	assert.ErrorContains(t, err, "no claim")
	open := 0
	for _, c := range l.Conflicts() {
		if c.Open() {
			open++
		}
	}
	assert.Equal(t, 1, open)
}

// TestLedgerProperties: whatever the order and repetition of claims, exactly one primary (the first
// distinct deal to arrive), every other deal one conflict pointing at it, and each conflict told once.
func TestLedgerProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(1, 12).Draw(t, "deals")
		seq := rapid.SliceOfN(rapid.IntRange(0, n-1), 1, 60).Draw(t, "claims")
		l := registration.Ledger{Account: "domain:hooli.com"}
		tells := map[string]int{}
		var firstID string
		for _, i := range seq {
			id := fmt.Sprintf("CS-%d", i)
			if firstID == "" {
				firstID = id
			}
			out := l.Add(claim(id, fmt.Sprintf("p%d", i%2), vocab.Side([]string{"a", "b"}[i%2])))
			if out.Tell {
				tells[id]++
			}
		}
		p, ok := l.Primary()
		if !ok || p.CoSellID != firstID {
			t.Fatalf("primary %v, want %s", p, firstID)
		}
		distinct := map[string]bool{}
		for _, e := range l.Entries {
			if distinct[e.CoSellID] {
				t.Fatalf("%s holds two entries", e.CoSellID)
			}
			distinct[e.CoSellID] = true
		}
		if got := len(l.Conflicts()); got != len(distinct)-1 {
			t.Fatalf("%d conflicts for %d deals", got, len(distinct))
		}
		for _, c := range l.Conflicts() {
			if c.Primary != firstID || tells[c.CoSellID] != 1 {
				t.Fatalf("conflict %s: primary %s, told %d times", c.CoSellID, c.Primary, tells[c.CoSellID])
			}
		}
		if tells[firstID] != 0 {
			t.Fatalf("the primary was told")
		}
	})
}
