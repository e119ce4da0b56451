package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/backfill"
)

// TestBackfillRefusesBadInputBeforeDialing: every mistake on the command line is a usage error (exit
// 2) that says what is wrong, and nothing is started.
func TestBackfillRefusesBadInputBeforeDialing(t *testing.T) {
	dir := t.TempDir()
	review := func(name string, confirm bool) string {
		amt := 100.0
		g := backfill.Group{A: []backfill.Record{{ID: "006A", Amount: &amt}}, B: []backfill.Record{{ID: "1"}, {ID: "2"}},
			Candidates: []backfill.Candidate{{A: "006A", B: "1"}, {A: "006A", B: "2"}}}
		b, err := backfill.NewReview("acme-globex", "2026-01-01", []backfill.Group{g}).Marshal()
		require.NoError(t, err)
		if confirm {
			b = []byte(strings.Replace(string(b), "confirm: false", "confirm: true", 1))
		}
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, b, 0o644))
		return p
	}
	unconfirmed, confirmed := review("none.yaml", false), review("one.yaml", true)
	t.Setenv("TEMPORAL_ADDRESS", "127.0.0.1:1") // never reached: each case fails first
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"backfill", "acme-globex"}, "needs --since DATE"},
		{[]string{"backfill", "acme-globex", "--since", "last tuesday"}, "neither a date"},
		{[]string{"backfill", "acme-globex", "--since", "2026-01-01", "--close-days", "-1"}, "close-date tolerance"},
		{[]string{"backfill", "acme-globex", "--since", "2026-01-01", "--amount-pct", "300"}, "amount tolerance"},
		{[]string{"backfill", "acme-globex", "--since", "2026-01-01", "--attach"}, "one of --since, --confirm and --attach"},
		{[]string{"backfill", "acme-globex", "--detach", "--attach"}, "--detach or --attach"},
		{[]string{"backfill", "acme-globex", "--confirm", filepath.Join(dir, "missing.yaml")}, "no such file"},
		{[]string{"backfill", "acme-globex", "--confirm", unconfirmed}, "confirms no pair"},
		{[]string{"backfill", "other-pairing", "--confirm", confirmed}, "review file of pairing acme-globex, not other-pairing"},
		{[]string{"backfill"}, "takes one PAIRING"},
		{[]string{"backfill", "status"}, "takes one PAIRING"},
	} {
		t.Run(strings.Join(tc.args[1:], " "), func(t *testing.T) {
			var out, errb bytes.Buffer
			err := run(context.Background(), tc.args, &out, &errb)
			require.Error(t, err)
			assert.Equal(t, exitUsage, exitCode(err), "%v", err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}
