package pairing_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/pairing"
)

// testPairing is a Salesforce (a) × HubSpot (b) pairing with the given time zones.
func testPairing(t *testing.T, tzA, tzB string) *pairing.Pairing {
	t.Helper()
	src := `
version: 1
pairing: { id: acme-globex, name: Acme × Globex }
partners:
  a: { name: Acme, crm: salesforce, connection: acme-sf, timezone: TZA }
  b: { name: Globex, crm: hubspot, connection: globex-hs, timezone: TZB }
fields:
  - { name: name, a: Name, b: dealname }
  - name: stage
    type: picklist
    a: StageName
    b: dealstage
    values:
      - { canonical: qualification, a: Qualification, b: qualifiedtobuy }
      - { canonical: closed_won, a: Closed Won, b: closedwon }
  - { name: amount, type: number, a: Amount, b: amount }
  - { name: close_date, type: date, a: CloseDate, b: closedate }
  - { name: forecast, a: Forecast__c, b: forecast, direction: a_to_b }
owners:
  fallback: { a: ops@acme.example, b: ops@globex.example }
`
	src = strings.NewReplacer("TZA", tzA, "TZB", tzB).Replace(src)
	p, err := pairing.Parse("test.yaml", []byte(src))
	require.NoError(t, err)
	return p
}

func TestToCanonicalNumbers(t *testing.T) {
	p := testPairing(t, "UTC", "UTC")
	cases := []struct {
		side pairing.Side
		raw  any
		want string
	}{
		{pairing.A, 125000.0, "125000"},
		{pairing.A, 99.5, "99.5"},
		{pairing.A, nil, ""},
		{pairing.A, 0.0, "0"},
		{pairing.B, "125000.00", "125000"},
		{pairing.B, "125000", "125000"},
		{pairing.B, "99.50", "99.5"},
		{pairing.B, " 42 ", "42"},
		{pairing.B, "-0.0", "0"},
		{pairing.B, "1e3", "1000"},
		{pairing.B, "", ""},
		{pairing.B, nil, ""},
	}
	for _, c := range cases {
		field := map[pairing.Side]string{pairing.A: "Amount", pairing.B: "amount"}[c.side]
		got, issues := p.ToCanonical(c.side, map[string]any{field: c.raw})
		assert.Empty(t, issues, "%v", c.raw)
		assert.Equal(t, map[string]string{"amount": c.want}, got, "%s %#v", c.side, c.raw)
	}
}

func TestToCanonicalBadNumber(t *testing.T) {
	p := testPairing(t, "UTC", "UTC")
	for _, raw := range []any{"12k", "125,000", "NaN", "Inf", "0x10", true} {
		got, issues := p.ToCanonical(pairing.B, map[string]any{"amount": raw, "dealname": "Big deal"})
		assert.Equal(t, map[string]string{"name": "Big deal"}, got, "the rest of the deal still translates")
		require.Len(t, issues, 1, "%#v", raw)
		assert.Equal(t, pairing.Issue{Field: "amount", Side: pairing.B, Message: issues[0].Message, Raw: fmt.Sprint(raw)}, issues[0])
		assert.Contains(t, issues[0].Message, "amount")
		assert.Contains(t, issues[0].Message, "is not a number")
	}
}

func TestToCanonicalDates(t *testing.T) {
	cases := []struct {
		name string
		tz   string
		raw  string
		want string
	}{
		{"plain date never shifts west", "America/Los_Angeles", "2026-12-31", "2026-12-31"},
		{"plain date never shifts east", "Asia/Tokyo", "2026-12-31", "2026-12-31"},
		{"UTC morning is the evening before in LA", "America/Los_Angeles", "2026-12-31T07:30:00Z", "2026-12-30"},
		{"just after LA midnight", "America/Los_Angeles", "2026-12-31T08:00:00Z", "2026-12-31"},
		{"UTC afternoon is past midnight in Tokyo", "Asia/Tokyo", "2026-12-30T15:30:00Z", "2026-12-31"},
		{"just before Tokyo midnight", "Asia/Tokyo", "2026-12-30T14:59:59.999Z", "2026-12-30"},
		{"offset in the value is honoured", "Asia/Tokyo", "2026-12-31T23:30:00-08:00", "2027-01-01"},
		{"Salesforce date-time form", "America/Los_Angeles", "2026-12-31T06:59:59.000+0000", "2026-12-30"},
		{"UTC zone", "UTC", "2026-12-31T23:59:59Z", "2026-12-31"},
		{"HubSpot epoch ms, date-time, LA", "America/Los_Angeles", "1798686000000", "2026-12-30"}, // 2026-12-31T03:00Z
		{"HubSpot epoch ms, date-time, Tokyo", "Asia/Tokyo", "1798686000000", "2026-12-31"},
		{"HubSpot date property (midnight UTC) not shifted in LA", "America/Los_Angeles", "1798675200000", "2026-12-31"},
		{"HubSpot date property (midnight UTC) not shifted in Tokyo", "Asia/Tokyo", "1798675200000", "2026-12-31"},
		{"HubSpot closedate (midnight UTC) not shifted in LA", "America/Los_Angeles", "2026-12-31T00:00:00Z", "2026-12-31"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := testPairing(t, c.tz, c.tz)
			sides := []pairing.Side{pairing.A, pairing.B}
			if strings.HasPrefix(c.name, "HubSpot") {
				sides = []pairing.Side{pairing.B} // b is the HubSpot side
			}
			for _, s := range sides {
				field := map[pairing.Side]string{pairing.A: "CloseDate", pairing.B: "closedate"}[s]
				got, issues := p.ToCanonical(s, map[string]any{field: c.raw})
				assert.Empty(t, issues)
				assert.Equal(t, c.want, got["close_date"], "side %s", s)
			}
		})
	}
}

func TestToCanonicalDateZoneIsPerSide(t *testing.T) {
	p := testPairing(t, "America/Los_Angeles", "Asia/Tokyo")
	const instant = "2026-12-31T07:30:00Z" // 23:30 on the 30th in LA, 16:30 on the 31st in Tokyo
	a, _ := p.ToCanonical(pairing.A, map[string]any{"CloseDate": instant})
	b, _ := p.ToCanonical(pairing.B, map[string]any{"closedate": instant})
	assert.Equal(t, "2026-12-30", a["close_date"])
	assert.Equal(t, "2026-12-31", b["close_date"])
}

func TestToCanonicalBadDate(t *testing.T) {
	p := testPairing(t, "UTC", "UTC")
	for _, raw := range []any{"31/12/2026", "2026-02-30", "tomorrow", 1798675200000.0} {
		got, issues := p.ToCanonical(pairing.A, map[string]any{"CloseDate": raw})
		assert.Empty(t, got)
		require.Len(t, issues, 1, "%#v", raw)
		assert.Contains(t, issues[0].Message, "CloseDate")
		assert.Contains(t, issues[0].Message, "is not a date")
	}
	got, issues := p.ToCanonical(pairing.B, map[string]any{"closedate": ""})
	assert.Empty(t, issues)
	assert.Equal(t, map[string]string{"close_date": ""}, got, "an empty date is a cleared date")
}

func TestToCanonicalPicklist(t *testing.T) {
	p := testPairing(t, "UTC", "UTC")
	got, issues := p.ToCanonical(pairing.A, map[string]any{"StageName": "Closed Won"})
	assert.Empty(t, issues)
	assert.Equal(t, map[string]string{"stage": "closed_won"}, got)

	got, issues = p.ToCanonical(pairing.B, map[string]any{"dealstage": "qualifiedtobuy"})
	assert.Empty(t, issues)
	assert.Equal(t, map[string]string{"stage": "qualification"}, got)

	got, _ = p.ToCanonical(pairing.A, map[string]any{"StageName": "closed won"})
	assert.Equal(t, map[string]string{"stage": "closed_won"}, got, "a unique case-insensitive match is accepted")

	got, issues = p.ToCanonical(pairing.A, map[string]any{"StageName": "Negotiation/Review", "Name": "Big deal"})
	assert.Equal(t, map[string]string{"name": "Big deal"}, got, "an unmapped value is omitted, the rest syncs")
	assert.Equal(t, []pairing.Issue{{Field: "stage", Side: pairing.A,
		Message: `StageName "Negotiation/Review" has no entry in the stage value map; add it under fields › stage › values`,
		Raw:     "Negotiation/Review"}}, issues, "the raw value is kept, so an edit to it takes part in conflicts")

	got, issues = p.ToCanonical(pairing.B, map[string]any{"dealstage": nil})
	assert.Empty(t, issues)
	assert.Equal(t, map[string]string{"stage": ""}, got)
}

func TestToCanonicalTextAndAbsentFields(t *testing.T) {
	p := testPairing(t, "UTC", "UTC")
	got, issues := p.ToCanonical(pairing.A, map[string]any{"Name": nil, "Unrelated__c": "x", "CoSell_Id__c": "CS-1"})
	assert.Empty(t, issues)
	assert.Equal(t, map[string]string{"name": ""}, got, "nil is \"\"; absent and unmapped fields are left out")

	got, _ = p.ToCanonical(pairing.A, map[string]any{"name": "Lower-case key"})
	assert.Equal(t, map[string]string{"name": "Lower-case key"}, got, "Salesforce field names are case-insensitive")

	got, issues = p.ToCanonical(pairing.A, map[string]any{})
	assert.Empty(t, issues)
	assert.Empty(t, got)

	got, _ = p.ToCanonical(pairing.B, map[string]any{"forecast": "commit"})
	assert.Equal(t, map[string]string{"forecast": "commit"}, got, "reads ignore direction: the merge decides what flows")
}

func TestFromCanonicalSalesforce(t *testing.T) {
	p := testPairing(t, "America/Los_Angeles", "UTC")
	raw, issues := p.FromCanonical(pairing.A, map[string]string{
		"name": "Big deal", "stage": "closed_won", "amount": "125000", "close_date": "2026-12-31",
	})
	assert.Empty(t, issues)
	assert.Equal(t, map[string]any{"Name": "Big deal", "StageName": "Closed Won", "Amount": 125000.0, "CloseDate": "2026-12-31"}, raw)

	raw, issues = p.FromCanonical(pairing.A, map[string]string{"name": "", "stage": "", "amount": "", "close_date": ""})
	assert.Empty(t, issues)
	assert.Equal(t, map[string]any{"Name": nil, "StageName": nil, "Amount": nil, "CloseDate": nil}, raw, "\"\" clears a Salesforce field")

	raw, _ = p.FromCanonical(pairing.A, map[string]string{"amount": "99.5"})
	assert.Equal(t, map[string]any{"Amount": 99.5}, raw)
}

func TestFromCanonicalHubSpot(t *testing.T) {
	p := testPairing(t, "UTC", "Asia/Tokyo")
	raw, issues := p.FromCanonical(pairing.B, map[string]string{
		"name": "Big deal", "stage": "qualification", "amount": "99.5", "close_date": "2026-12-31", "forecast": "commit",
	})
	assert.Empty(t, issues)
	assert.Equal(t, map[string]any{"dealname": "Big deal", "dealstage": "qualifiedtobuy", "amount": "99.5",
		"closedate": "2026-12-31", "forecast": "commit"}, raw, "every HubSpot value is a string; dates are never shifted")

	raw, issues = p.FromCanonical(pairing.B, map[string]string{"name": "", "amount": "", "stage": ""})
	assert.Empty(t, issues)
	assert.Equal(t, map[string]any{"dealname": "", "amount": "", "dealstage": ""}, raw)
}

func TestFromCanonicalProblems(t *testing.T) {
	p := testPairing(t, "UTC", "UTC")
	raw, issues := p.FromCanonical(pairing.A, map[string]string{
		"name": "Big deal", "stage": "negotiation", "amount": "lots", "close_date": "31/12/2026", "region": "emea",
	})
	assert.Equal(t, map[string]any{"Name": "Big deal"}, raw)
	require.Len(t, issues, 4)
	assert.Equal(t, pairing.Issue{Field: "stage", Side: pairing.A,
		Message: `stage "negotiation" is not a canonical value of the stage value map; add it under fields › stage › values`}, issues[0])
	assert.Contains(t, issues[1].Message, `amount value "lots" is not a number`)
	assert.Contains(t, issues[2].Message, `close_date value "31/12/2026" is not a YYYY-MM-DD date`)
	assert.Equal(t, pairing.Issue{Field: "region", Side: pairing.A, Message: "region is not a field of pairing acme-globex"}, issues[3])
}

func TestFromCanonicalNeverWritesAOneWayFieldBack(t *testing.T) {
	p := testPairing(t, "UTC", "UTC")
	raw, issues := p.FromCanonical(pairing.A, map[string]string{"forecast": "commit"})
	assert.Empty(t, issues)
	assert.Empty(t, raw, "forecast flows a_to_b, so it is never written on a")

	raw, _ = p.FromCanonical(pairing.B, map[string]string{"forecast": "commit"})
	assert.Equal(t, map[string]any{"forecast": "commit"}, raw)
}

func TestRoundTrip(t *testing.T) {
	p := testPairing(t, "America/Los_Angeles", "Asia/Tokyo")
	sf := map[string]any{"Name": "Big deal", "StageName": "Qualification", "Amount": 125000.0, "CloseDate": "2026-12-31"}
	canonical, issues := p.ToCanonical(pairing.A, sf)
	require.Empty(t, issues)
	hs, issues := p.FromCanonical(pairing.B, canonical)
	require.Empty(t, issues)
	assert.Equal(t, map[string]any{"dealname": "Big deal", "dealstage": "qualifiedtobuy", "amount": "125000", "closedate": "2026-12-31"}, hs)
	back, issues := p.ToCanonical(pairing.B, hs)
	require.Empty(t, issues)
	assert.Equal(t, canonical, back)
}
