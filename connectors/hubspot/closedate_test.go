package hubspot_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/connectors/hubspot"
	fake "github.com/cosellsync/cosell/mocks/hubspot"
	"github.com/cosellsync/cosell/pairing"
)

// TestDatesRoundTripThroughThePortal writes canonical dates to a HubSpot datetime property (closedate)
// and a date property through the connector, reads the deal back the way the sync does and translates
// it again: the date must come back unchanged in every zone, west of UTC included, where reading
// HubSpot's midnight UTC in the partner's zone used to give the day before.
func TestDatesRoundTripThroughThePortal(t *testing.T) {
	const src = `
version: 1
pairing: { id: dates, name: Dates }
partners:
  a: { name: Initech, crm: hubspot, connection: initech-hs, timezone: TZ }
  b: { name: Umbrella, crm: salesforce, connection: umbrella-sf, timezone: TZ }
fields:
  - { name: close_date, type: date, a: closedate, b: CloseDate }
  - { name: go_live, type: date, a: go_live_date, b: Go_Live__c }
owners:
  fallback: { a: ops@initech.example, b: ops@umbrella.example }
`
	dates := []string{"2026-01-01", "2026-03-08", "2026-11-01", "2026-12-31", "2028-02-29"}
	for _, zone := range []string{"Etc/GMT+12", "America/Los_Angeles", "UTC", "Asia/Tokyo", "Pacific/Kiritimati"} {
		t.Run(zone, func(t *testing.T) {
			p, err := pairing.Parse("dates.yaml", []byte(strings.ReplaceAll(src, "TZ", zone)))
			require.NoError(t, err)
			e := newEnv(t)
			require.NoError(t, e.portal.Seed(fake.SeedData{Properties: map[string][]fake.Property{"deals": {{
				Name: "go_live_date", Label: "Go-live date", Type: "date", FieldType: "date", GroupName: "cosell",
				Options: []fake.PropertyOption{}, FormField: true,
			}}}}))
			fields := dealFields()
			fields.Mapped = append(fields.Mapped, "go_live_date")
			e.client = e.connect(hubspot.Config{PrivateAppToken: privateToken, DealFields: fields})
			for i, day := range dates {
				want := map[string]string{"close_date": day, "go_live": day}
				raw, issues := p.FromCanonical(pairing.A, want)
				require.Empty(t, issues)
				raw["dealname"] = "deal " + day
				res, err := e.client.UpsertDeal(context.Background(), "CS-"+day, raw)
				require.NoError(t, err, "write %s", day)
				d, err := e.client.GetDeal(context.Background(), res.RecordID)
				require.NoError(t, err)
				if i == 0 {
					require.Equal(t, day+"T00:00:00Z", d.Fields["closedate"], "closedate is a datetime: midnight UTC")
					require.Equal(t, day, d.Fields["go_live_date"], "a date property comes back as the date")
				}
				got, issues := p.ToCanonical(pairing.A, d.Fields)
				require.Empty(t, issues)
				assert.Equal(t, want, got, "%s read back as %v", day, got)
			}
		})
	}
}
