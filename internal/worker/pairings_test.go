package worker

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sethvargo/go-envconfig"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/connectors"
	"github.com/cosellsync/cosell/internal/config"
	"github.com/cosellsync/cosell/pairing"
)

// pairingText is the demo pairing under id, its Salesforce side (acme-sf) routed by CoSell_Partner__c
// = partner, its HubSpot side on connection hs.
func pairingText(t *testing.T, id, partner, hs string) string {
	t.Helper()
	raw, err := os.ReadFile("../../examples/demo/pairing.yaml")
	require.NoError(t, err)
	text := strings.Replace(string(raw), "id: acme-globex", "id: "+id, 1)
	text = strings.Replace(text, "connection: acme-sf ", "connection: acme-sf\n    route: { field: CoSell_Partner__c, values: ["+partner+"] }\n    #", 1)
	return strings.Replace(text, "connection: globex-hs", "connection: "+hs, 1)
}

// routeLine is the line of the route pairingText adds.
func routeLine(t *testing.T) int {
	raw, err := os.ReadFile("../../examples/demo/pairing.yaml")
	require.NoError(t, err)
	for i, l := range strings.Split(string(raw), "\n") {
		if strings.Contains(l, "connection: acme-sf") {
			return i + 2
		}
	}
	t.Fatal("no acme-sf line")
	return 0
}

func credentials(names ...string) map[string]string {
	env := map[string]string{}
	for _, n := range names {
		p := config.ConnectionPrefix(n)
		if strings.HasSuffix(n, "-sf") {
			env[p+"URL"], env[p+"CLIENT_ID"], env[p+"CLIENT_SECRET"] = "https://acme.my.salesforce.com", "id", "secret"
		} else {
			env[p+"URL"], env[p+"TOKEN"] = "https://api.hubapi.com", "token"
		}
	}
	return env
}

type dirFixture struct {
	t   *testing.T
	dir string
	ps  *Pairings
}

func newDirFixture(t *testing.T, env map[string]string) *dirFixture {
	dir := t.TempDir()
	return &dirFixture{t: t, dir: dir, ps: NewPairings(dir, "", envconfig.MapLookuper(env), http.DefaultClient, slog.New(slog.DiscardHandler))}
}

func (f *dirFixture) write(name, text string) {
	require.NoError(f.t, os.WriteFile(filepath.Join(f.dir, name), []byte(text), 0o644))
}

func (f *dirFixture) load() Report {
	f.t.Helper()
	rep, err := f.ps.Load(context.Background())
	require.NoError(f.t, err)
	return rep
}

func refusals(rep Report) string {
	var out []string
	for _, err := range rep.Refused {
		out = append(out, err.Error())
	}
	return strings.Join(out, "\n")
}

func TestPairingsDirectoryPicksUpAddedChangedAndRemovedFiles(t *testing.T) {
	f := newDirFixture(t, credentials("acme-sf", "globex-hs", "initech-hs"))
	f.write("globex.yaml", pairingText(t, "acme-globex", "Globex", "globex-hs"))
	f.write("README.md", "not a pairing")
	f.write(".globex.yaml.swp", "an editor's swap file")
	rep := f.load()
	assert.Equal(t, []string{"acme-globex"}, rep.Added)
	assert.Empty(t, rep.Refused)
	first := f.ps.Catalog()
	require.Len(t, first.Pairings, 1)

	f.write("initech.yml", pairingText(t, "acme-initech", "Initech", "initech-hs"))
	rep = f.load()
	assert.Equal(t, []string{"acme-initech"}, rep.Added)
	assert.Empty(t, rep.Changed)
	cat := f.ps.Catalog()
	require.Len(t, cat.Pairings, 2)
	sf := cat.Feeds["acme-sf"]
	require.NotNil(t, sf)
	require.Len(t, sf.Uses, 2, "one feed for the connection both pairings use")
	assert.Same(t, cat.Pairings["acme-globex"].CRM[pairing.A], cat.Pairings["acme-initech"].CRM[pairing.A], "one connector for acme-sf")
	assert.Same(t, first.Pairings["acme-globex"].Pairing, cat.Pairings["acme-globex"].Pairing, "the unchanged file is not read into a new pairing")

	rep = f.load()
	assert.Equal(t, Report{}, rep, "nothing changed")
	assert.Same(t, cat, f.ps.Catalog(), "and the catalog served is the same")

	f.write("initech.yml", strings.Replace(pairingText(t, "acme-initech", "Initech", "initech-hs"), `name: "Acme × Globex"`, `name: "Acme × Initech"`, 1))
	rep = f.load()
	assert.Equal(t, []string{"acme-initech"}, rep.Changed)
	assert.Equal(t, "Acme × Initech", f.ps.Catalog().Pairings["acme-initech"].Pairing.Name)
	assert.Same(t, cat.Pairings["acme-globex"].CRM[pairing.A], f.ps.Catalog().Pairings["acme-globex"].CRM[pairing.A],
		"the connector is kept while what it reads is the same")

	require.NoError(t, os.Remove(filepath.Join(f.dir, "initech.yml")))
	rep = f.load()
	assert.Equal(t, []string{"acme-initech"}, rep.Removed)
	cat = f.ps.Catalog()
	assert.NotContains(t, cat.Pairings, "acme-initech")
	assert.NotContains(t, cat.Feeds, "initech-hs", "its own connection has no feed any more")
	assert.Len(t, cat.Feeds["acme-sf"].Uses, 1, "the shared one routes to the pairing left")
}

func TestPairingsDirectoryRefusesAnInvalidFileAndKeepsTheOthers(t *testing.T) {
	f := newDirFixture(t, credentials("acme-sf", "globex-hs", "initech-hs"))
	globex := pairingText(t, "acme-globex", "Globex", "globex-hs")
	f.write("globex.yaml", globex)
	f.write("broken.yaml", "version: 1\npairing:\n  id: broken\n  name: [unclosed\n")
	rep := f.load()
	assert.Equal(t, []string{"acme-globex"}, rep.Added, "the valid file is served beside the broken one")
	require.Len(t, rep.Refused, 1)
	assert.Regexp(t, `broken\.yaml:\d+: YAML syntax`, refusals(rep), "refused with file:line")
	assert.Empty(t, f.load().Refused, "a file refused as it is is said once")

	// A change that breaks a served pairing is refused; its last valid version keeps running.
	served := f.ps.Catalog().Pairings["acme-globex"]
	f.write("globex.yaml", strings.Replace(globex, "crm: hubspot", "crm: dynamics", 1))
	rep = f.load()
	assert.Regexp(t, `globex\.yaml:\d+:\d+: unknown crm "dynamics"`, refusals(rep))
	assert.Empty(t, rep.Changed)
	assert.Same(t, served, f.ps.Catalog().Pairings["acme-globex"], "still served as it was")

	// Fixed, it is served again, changed or not.
	f.write("globex.yaml", strings.Replace(globex, `name: "Acme × Globex"`, `name: "Acme and Globex"`, 1))
	rep = f.load()
	assert.Equal(t, []string{"acme-globex"}, rep.Changed)
	assert.Empty(t, rep.Refused)
}

func TestPairingsDirectoryRefusesAFileThatCannotShareAConnection(t *testing.T) {
	f := newDirFixture(t, credentials("acme-sf", "globex-hs", "initech-hs"))
	f.write("a-globex.yaml", pairingText(t, "acme-globex", "Globex", "globex-hs"))
	f.write("b-initech.yaml", pairingText(t, "acme-initech", "Initech, Globex", "initech-hs"))
	rep := f.load()
	assert.Equal(t, []string{"acme-globex"}, rep.Added)
	assert.Contains(t, refusals(rep), filepath.Join(f.dir, "b-initech.yaml")+":"+itoa(routeLine(t))+":")
	assert.Contains(t, refusals(rep), `route value "Globex" also routes to pairing acme-globex (`+filepath.Join(f.dir, "a-globex.yaml"))

	// The refused file is served once its own edit resolves the conflict.
	f.write("b-initech.yaml", pairingText(t, "acme-initech", "Initech", "initech-hs"))
	rep = f.load()
	assert.Equal(t, []string{"acme-initech"}, rep.Added)
}

func TestPairingsDirectoryRefusesAConnectionWithoutCredentials(t *testing.T) {
	f := newDirFixture(t, credentials("acme-sf", "globex-hs"))
	f.write("globex.yaml", pairingText(t, "acme-globex", "Globex", "globex-hs"))
	f.write("initech.yaml", pairingText(t, "acme-initech", "Initech", "initech-hs"))
	rep := f.load()
	assert.Equal(t, []string{"acme-globex"}, rep.Added)
	require.Len(t, rep.Refused, 1)
	var ps *pairing.Problems
	require.True(t, errors.As(rep.Refused[0], &ps))
	assert.Equal(t, filepath.Join(f.dir, "initech.yaml"), ps.List[0].File)
	assert.Positive(t, ps.List[0].Line, "at the connection's line")
	assert.Contains(t, ps.List[0].Message, "COSELL_CONN_INITECH_HS_")
}

func TestPairingsDirectoryReadsEveryFieldOfASharedConnection(t *testing.T) {
	f := newDirFixture(t, credentials("acme-sf", "globex-hs", "initech-hs"))
	f.write("globex.yaml", pairingText(t, "acme-globex", "Globex", "globex-hs"))
	f.load()
	before := f.ps.Catalog().Feeds["acme-sf"].CRM
	// acme-initech maps one more Salesforce field (Description): the shared connector must read it.
	text := pairingText(t, "acme-initech", "Initech", "initech-hs")
	text = strings.Replace(text, "fields:\n", "fields:\n  - name: description\n    a: Description\n    b: description\n", 1)
	f.write("initech.yaml", text)
	rep := f.load()
	require.Empty(t, rep.Refused)
	after := f.ps.Catalog().Feeds["acme-sf"].CRM
	assert.NotSame(t, before, after, "built again to read the new field")
	assert.Contains(t, f.ps.conns["acme-sf"].fields, "Description")
	assert.Contains(t, f.ps.conns["acme-sf"].fields, "CoSell_Partner__c", "and the routes' field")
}

func TestPairingFileAloneIsServedAndRefusalIsAConfigError(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "pairing.yaml")
	require.NoError(t, os.WriteFile(path, []byte(strings.Replace(pairingText(t, "acme-globex", "Globex", "globex-hs"), "crm: hubspot", "crm: dynamics", 1)), 0o644))
	cfg := config.Config{PairingFile: path}
	_, err := Prepare(context.Background(), cfg, envconfig.MapLookuper(credentials("acme-sf", "globex-hs")), http.DefaultClient, slog.New(slog.DiscardHandler))
	require.ErrorIs(t, err, ErrConfig)
	assert.Contains(t, err.Error(), "pairing.yaml:")

	_, err = Prepare(context.Background(), config.Config{PairingFile: dir}, envconfig.MapLookuper(nil), http.DefaultClient, slog.New(slog.DiscardHandler))
	require.ErrorIs(t, err, ErrConfig)
	assert.Contains(t, err.Error(), "set COSELL_PAIRINGS_DIR="+dir)
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestAConnectionFeedTakesOverFromTheEarliestPairingSideFeed(t *testing.T) {
	assert.Nil(t, takeOver(nil), "no feed ran: read from the start")
	at := func(sec int64, id string) connectors.Cursor {
		return connectors.Cursor{ModifiedAt: time.Unix(sec, 0).UTC(), ID: id}
	}
	st := takeOver([]api.FeedState{
		{Deals: at(20, "b"), Notes: at(5, "n"), Polls: 7, Seen: map[string]time.Time{"x": time.Unix(19, 0)}},
		{Deals: at(20, "a"), Notes: at(9, "n"), Polls: 3},
	})
	require.NotNil(t, st)
	assert.Equal(t, at(20, "a"), st.Deals, "the earliest deal cursor")
	assert.Equal(t, at(5, "n"), st.Notes, "the earliest note cursor, of whichever feed")
	assert.Equal(t, 7, st.Polls)
	assert.Nil(t, st.Seen, "what is read again is delivered again")
}
