package pairing_test

import (
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/pairing"
)

// variant is the demo pairing under another id and file name, with edits (old → new, applied in order).
func variant(t *testing.T, id, file string, edits ...string) *pairing.Pairing {
	t.Helper()
	raw, err := os.ReadFile("../examples/demo/pairing.yaml")
	require.NoError(t, err)
	text := strings.Replace(string(raw), "id: acme-globex", "id: "+id, 1)
	for i := 0; i+1 < len(edits); i += 2 {
		require.Contains(t, text, edits[i])
		text = strings.Replace(text, edits[i], edits[i+1], 1)
	}
	p, err := pairing.Parse(file, []byte(text))
	require.NoError(t, err)
	return p
}

// routed gives partner a (Salesforce, connection acme-sf) a route on field with values, on the line after
// the connection (the connection's comment moves two lines down).
func routed(field, values string) []string {
	return []string{"connection: acme-sf ", "connection: acme-sf\n    route: { field: " + field + ", values: [" + values + "] }\n    #"}
}

// otherHubSpot moves partner b to a HubSpot connection of its own, so only acme-sf is shared.
var otherHubSpot = []string{"connection: globex-hs", "connection: initech-hs"}

func lineOf(t *testing.T, text string) int {
	t.Helper()
	raw, err := os.ReadFile("../examples/demo/pairing.yaml")
	require.NoError(t, err)
	for i, l := range strings.Split(string(raw), "\n") {
		if strings.Contains(l, text) {
			return i + 1
		}
	}
	t.Fatalf("%q not in the demo pairing", text)
	return 0
}

func TestRouteIsReadAndMatchesWholeValuesIgnoringCase(t *testing.T) {
	p := variant(t, "acme-globex", "globex.yaml", routed("CoSell_Partner__c", "Globex, \" Globex Inc \"")...)
	require.NotNil(t, p.A.Route)
	assert.Equal(t, "CoSell_Partner__c", p.A.Route.Field)
	assert.Equal(t, []string{"Globex", "Globex Inc"}, p.A.Route.Values)
	assert.Nil(t, p.B.Route)
	assert.True(t, p.A.Route.Matches("globex"))
	assert.True(t, p.A.Route.Matches(" Globex Inc"))
	assert.False(t, p.A.Route.Matches("Globex Incorporated"))
	assert.False(t, p.A.Route.Matches(nil))
	assert.Contains(t, p.DealFields(pairing.A).Mapped, "CoSell_Partner__c", "the connector reads the route's field")
	assert.NotContains(t, p.DealFields(pairing.B).Mapped, "CoSell_Partner__c")
}

func TestRouteProblemsAreReportedAtTheirLine(t *testing.T) {
	raw, err := os.ReadFile("../examples/demo/pairing.yaml")
	require.NoError(t, err)
	line := lineOf(t, "connection: acme-sf") + 1
	for name, c := range map[string]struct{ route, msg string }{
		"no values":   {"route: { field: CoSell_Partner__c }", "partners › a › route › values is missing"},
		"bookkeeping": {"route: { field: CoSell_Enabled__c, values: [x] }", "partners › a › route › field is the enabled bookkeeping field"},
		"twice":       {"route: { field: P__c, values: [Globex, globex] }", `values has "globex" twice`},
		"unknown key": {"route: { fields: P__c, values: [x] }", "unknown key fields in partners › a › route"},
	} {
		t.Run(name, func(t *testing.T) {
			text := strings.Replace(string(raw), "connection: acme-sf ", "connection: acme-sf\n    "+c.route+"\n    #", 1)
			_, err := pairing.Parse("p.yaml", []byte(text))
			require.Error(t, err)
			assert.Contains(t, err.Error(), "p.yaml:"+itoa(line)+":")
			assert.Contains(t, err.Error(), c.msg)
		})
	}
}

func TestPairingsShareAConnectionWithDisjointRoutes(t *testing.T) {
	globex := variant(t, "acme-globex", "globex.yaml", routed("CoSell_Partner__c", "Globex")...)
	initech := variant(t, "acme-initech", "initech.yaml", append(routed("CoSell_Partner__c", "Initech, Initrode"), otherHubSpot...)...)
	assert.Empty(t, pairing.CheckShared(initech, []*pairing.Pairing{globex}))
	assert.Empty(t, pairing.CheckShared(globex, []*pairing.Pairing{initech}))

	unshared := variant(t, "umbrella", "umbrella.yaml", "connection: acme-sf", "connection: umbrella-sf", "connection: globex-hs", "connection: umbrella-hs")
	assert.Empty(t, pairing.CheckShared(unshared, []*pairing.Pairing{globex, initech}), "no connection in common: no route needed")
}

func TestSharedConnectionProblemsNameBothFiles(t *testing.T) {
	routeLine := lineOf(t, "connection: acme-sf") + 1
	connLine := lineOf(t, "connection: acme-sf")
	globex := variant(t, "acme-globex", "globex.yaml", routed("CoSell_Partner__c", "Globex")...)
	bare := variant(t, "acme-globex", "bare.yaml")
	cases := map[string]struct {
		p      *pairing.Pairing
		served *pairing.Pairing
		line   int
		msg    string
	}{
		"same id": {variant(t, "acme-globex", "copy.yaml", append(routed("CoSell_Partner__c", "Other"), otherHubSpot...)...), globex,
			lineOf(t, "id: acme-globex"), "pairing id acme-globex is already served from globex.yaml:" + itoa(lineOf(t, "id: acme-globex"))},
		"no route here": {variant(t, "acme-initech", "initech.yaml", otherHubSpot...), globex,
			connLine, "connection acme-sf is shared with pairing acme-globex (globex.yaml:" + itoa(connLine) + ", partner a), which routes by CoSell_Partner__c; this pairing has no route"},
		"no route there": {variant(t, "acme-initech", "initech.yaml", append(routed("CoSell_Partner__c", "Initech"), otherHubSpot...)...), bare,
			routeLine, "which has no route"},
		"no route at all": {variant(t, "acme-initech", "initech.yaml", otherHubSpot...), bare,
			connLine, "neither says which new deals are whose"},
		"overlap": {variant(t, "acme-initech", "initech.yaml", append(routed("CoSell_Partner__c", "Initech, GLOBEX"), otherHubSpot...)...), globex,
			routeLine, `route value "GLOBEX" also routes to pairing acme-globex`},
		"other field": {variant(t, "acme-initech", "initech.yaml", append(routed("Partner__c", "Initech"), otherHubSpot...)...), globex,
			routeLine, "route field Partner__c differs from CoSell_Partner__c"},
		"other kind": {variant(t, "acme-initech", "initech.yaml", "connection: globex-hs", "connection: acme-sf", "connection: acme-sf ", "connection: acme-hs "), globex,
			lineOf(t, "connection: globex-hs"), "connection acme-sf is a salesforce connection in pairing acme-globex"},
		"other fields": {variant(t, "acme-initech", "initech.yaml", append(append(routed("CoSell_Partner__c", "Initech"), otherHubSpot...),
			"# deal:", "deal: { cosell_id: Initech_Id__c }\n    #")...), globex,
			lineOf(t, "# deal:") + 2, "keeps its co-sell fields elsewhere in pairing acme-globex (globex.yaml:" + itoa(connLine) + ", partner a): cosell_id is Initech_Id__c here, CoSell_Id__c there"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			ps := pairing.CheckShared(c.p, []*pairing.Pairing{c.served})
			require.NotEmpty(t, ps)
			var msgs []string
			for _, p := range ps {
				msgs = append(msgs, p.String())
			}
			assert.Contains(t, strings.Join(msgs, "\n"), c.p.Path+":"+itoa(c.line)+":")
			assert.Contains(t, strings.Join(msgs, "\n"), c.msg)
		})
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
