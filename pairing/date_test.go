package pairing_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/pairing"
)

// zones spans every UTC offset in use, from Etc/GMT+12 (UTC−12) to Pacific/Kiritimati (UTC+14), with the
// half- and quarter-hour offsets and zones that observe daylight saving on either hemisphere.
var zones = []string{
	"Etc/GMT+12", "Pacific/Pago_Pago", "Pacific/Honolulu", "Pacific/Marquesas", "America/Anchorage",
	"America/Los_Angeles", "America/Denver", "America/Chicago", "America/New_York", "America/Caracas",
	"America/St_Johns", "America/Sao_Paulo", "America/Noronha", "Atlantic/Azores", "UTC", "Europe/London",
	"Europe/Berlin", "Africa/Cairo", "Europe/Moscow", "Asia/Tehran", "Asia/Dubai", "Asia/Kabul",
	"Asia/Karachi", "Asia/Kolkata", "Asia/Kathmandu", "Asia/Dhaka", "Asia/Yangon", "Asia/Bangkok",
	"Asia/Shanghai", "Australia/Eucla", "Asia/Tokyo", "Australia/Adelaide", "Australia/Sydney",
	"Australia/Lord_Howe", "Pacific/Noumea", "Pacific/Auckland", "Pacific/Chatham", "Pacific/Tongatapu",
	"Pacific/Kiritimati",
}

// days returns every calendar day of 2026 to 2028 (year ends, a leap day, every daylight-saving switch)
// and a few far ones, so the dates that tend to break are all in.
func days() []time.Time {
	var out []time.Time
	for d := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC); d.Year() < 2029; d = d.AddDate(0, 0, 1) {
		out = append(out, d)
	}
	return append(out, time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(1999, 12, 31, 0, 0, 0, 0, time.UTC),
		time.Date(2038, 1, 19, 0, 0, 0, 0, time.UTC), time.Date(2100, 2, 28, 0, 0, 0, 0, time.UTC))
}

// hubspotStored is what HubSpot gives back for a date written as YYYY-MM-DD, or picked in its UI: midnight
// UTC of that day, returned by the CRM API as an RFC 3339 string (with or without milliseconds) for a
// datetime property such as closedate, as the plain date for a date property, and as epoch
// milliseconds by older APIs and webhooks.
func hubspotStored(t *testing.T, written string) []string {
	t.Helper()
	d, err := time.Parse(time.DateOnly, written)
	require.NoError(t, err, "HubSpot is written a YYYY-MM-DD date")
	return []string{
		d.Format("2006-01-02T15:04:05Z"),
		d.Format("2006-01-02T15:04:05.000Z"),
		d.Format(time.DateOnly),
		strconv.FormatInt(d.UnixMilli(), 10),
	}
}

// withZone sets both partners' time zone, the one setting that decides how date-times read.
func withZone(p *pairing.Pairing, zone string) *pairing.Pairing {
	q := *p
	q.A.Timezone, q.B.Timezone = zone, zone
	return &q
}

// TestCloseDateInEveryZone reads a date the way each CRM stores it, in every zone: a Salesforce date
// field, HubSpot's midnight-UTC datetime and date properties, and a genuine date-time picked in the
// partner's zone.
func TestCloseDateInEveryZone(t *testing.T) {
	base := testPairing(t, "UTC", "UTC") // a is Salesforce (CloseDate), b is HubSpot (closedate)
	read := func(p *pairing.Pairing, s pairing.Side, raw string) string {
		field := map[pairing.Side]string{pairing.A: "CloseDate", pairing.B: "closedate"}[s]
		got, issues := p.ToCanonical(s, map[string]any{field: raw})
		require.Empty(t, issues, "%s %q", field, raw)
		return got["close_date"]
	}
	for _, zone := range zones {
		t.Run(zone, func(t *testing.T) {
			p := withZone(base, zone)
			loc, err := time.LoadLocation(zone)
			require.NoError(t, err)
			for _, d := range days() {
				want := d.Format(time.DateOnly)
				if got := read(p, pairing.A, want); got != want {
					t.Fatalf("Salesforce date %s read as %s", want, got)
				}
				for _, stored := range hubspotStored(t, want) {
					if got := read(p, pairing.B, stored); got != want {
						t.Fatalf("HubSpot stores the picked date %s as %s, read as %s", want, stored, got)
					}
				}
				// A genuine date-time keeps the date it has where the partner works, at any hour.
				for h := 0; h < 24; h += 5 {
					local := time.Date(d.Year(), d.Month(), d.Day(), h, 30, 0, 0, loc)
					if local.Hour() != h {
						continue // a wall time skipped by a daylight-saving switch
					}
					at := local.UTC()
					sf := at.Format("2006-01-02T15:04:05.000-0700")
					if got := read(p, pairing.A, sf); got != want {
						t.Fatalf("Salesforce date-time %s (%02d:30 on %s in %s) read as %s", sf, h, want, zone, got)
					}
					hs, hsWant := at.Format(time.RFC3339Nano), want
					if at.Equal(at.Truncate(24 * time.Hour)) {
						// HubSpot's picked dates are stored at this instant: it is their day, so a
						// date-time that lands exactly there reads as the UTC day (documented).
						hsWant = at.Format(time.DateOnly)
					}
					if got := read(p, pairing.B, hs); got != hsWant {
						t.Fatalf("HubSpot date-time %s (%02d:30 on %s in %s) read as %s, not %s", hs, h, want, zone, got, hsWant)
					}
				}
			}
		})
	}
}

// TestExamplePairingCloseDateRoundTrip runs examples/hubspot-salesforce (HubSpot in Los Angeles on a,
// Salesforce in Berlin on b) through both translations and HubSpot's storage: a date picked in either CRM
// arrives in the other as that date, and the echo changes nothing. It runs the file's own zones, then
// every zone on both sides.
func TestExamplePairingCloseDateRoundTrip(t *testing.T) {
	example, err := pairing.Load("../examples/hubspot-salesforce/pairing.yaml")
	require.NoError(t, err)
	require.Equal(t, pairing.HubSpot, example.A.CRM)
	require.Equal(t, "America/Los_Angeles", example.A.Timezone)
	require.Equal(t, pairing.Salesforce, example.B.CRM)

	check := func(t *testing.T, p *pairing.Pairing) {
		toSalesforce := func(stored string) string {
			c, issues := p.ToCanonical(pairing.A, map[string]any{"closedate": stored})
			require.Empty(t, issues)
			raw, issues := p.FromCanonical(pairing.B, c)
			require.Empty(t, issues)
			return raw["CloseDate"].(string)
		}
		for _, d := range days() {
			want := d.Format(time.DateOnly)
			// Picked in Salesforce: mirrored to HubSpot, read back there, echoed to Salesforce.
			c, issues := p.ToCanonical(pairing.B, map[string]any{"CloseDate": want})
			require.Empty(t, issues)
			raw, issues := p.FromCanonical(pairing.A, c)
			require.Empty(t, issues)
			for _, stored := range hubspotStored(t, raw["closedate"].(string)) {
				back, issues := p.ToCanonical(pairing.A, map[string]any{"closedate": stored})
				require.Empty(t, issues)
				if back["close_date"] != c["close_date"] {
					t.Fatalf("Salesforce %s → HubSpot %s → canonical %s, not %s", want, stored, back["close_date"], c["close_date"])
				}
				if echo := toSalesforce(stored); echo != want {
					t.Fatalf("Salesforce %s echoes back as %s (HubSpot stored %s)", want, echo, stored)
				}
			}
			// Picked in HubSpot's date picker: Salesforce gets the same day.
			for _, stored := range hubspotStored(t, want) {
				if got := toSalesforce(stored); got != want {
					t.Fatalf("HubSpot picked %s (stored %s) reaches Salesforce as %s", want, stored, got)
				}
			}
		}
	}
	t.Run("file zones", func(t *testing.T) { check(t, example) })
	for _, zone := range zones {
		t.Run(zone, func(t *testing.T) { check(t, withZone(example, zone)) })
	}
}

// TestHubSpotDateTimeKeepsThePartnersDay pins the documented intent with the example's own words: a deal
// closing at 6 pm on the 30th in Los Angeles is dated the 30th, although it is the 31st in UTC.
func TestHubSpotDateTimeKeepsThePartnersDay(t *testing.T) {
	p, err := pairing.Load("../examples/hubspot-salesforce/pairing.yaml")
	require.NoError(t, err)
	c, issues := p.ToCanonical(pairing.A, map[string]any{"closedate": "2026-12-31T02:00:00Z"})
	require.Empty(t, issues)
	assert.Equal(t, "2026-12-30", c["close_date"])
	c, _ = p.ToCanonical(pairing.A, map[string]any{"closedate": "2026-12-31T00:00:00Z"})
	assert.Equal(t, "2026-12-31", c["close_date"], "midnight UTC is HubSpot's date, never shifted")
}
