package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/mappingdiff"
)

func TestMappingDiffTextAndJSON(t *testing.T) {
	raw, err := os.ReadFile("../../examples/demo/pairing.yaml")
	require.NoError(t, err)
	edited := filepath.Join(t.TempDir(), "edited.yaml")
	require.NoError(t, os.WriteFile(edited, []byte(strings.Replace(string(raw), "b: hs_next_step", "b: cosell_next_step", 1)), 0o644))
	demo := "../../examples/demo/pairing.yaml"

	var out bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"mapping", "diff", demo, edited}, &out, &bytes.Buffer{}))
	assert.Contains(t, out.String(), "crm_field  next_step  b     hs_next_step → cosell_next_step  APPLY")
	assert.Contains(t, out.String(), "side b keeps next_step in cosell_next_step instead of hs_next_step")

	out.Reset()
	require.NoError(t, run(context.Background(), []string{"mapping", "diff", demo, edited, "-o", "json"}, &out, &bytes.Buffer{}))
	var r mappingdiff.Report
	require.NoError(t, json.Unmarshal(out.Bytes(), &r))
	require.Len(t, r.Changes, 1)
	assert.Equal(t, mappingdiff.CRMField, r.Changes[0].Kind)
	assert.NotEqual(t, r.Old, r.New)

	out.Reset()
	require.NoError(t, run(context.Background(), []string{"mapping", "diff", demo, demo}, &out, &bytes.Buffer{}))
	assert.Contains(t, out.String(), "No change in sync behaviour.")

	bad := filepath.Join(t.TempDir(), "bad.yaml")
	require.NoError(t, os.WriteFile(bad, []byte("version: 1\n"), 0o644))
	err = run(context.Background(), []string{"mapping", "diff", demo, bad}, &bytes.Buffer{}, &bytes.Buffer{})
	assert.Equal(t, 2, exitCode(err), "a broken file is a usage error: %v", err)
}
