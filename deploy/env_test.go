// Package deploy holds the deployment files (Dockerfile, kustomize base under k8s/, the compose file's
// scripts under compose/) and the tests that check them without a Docker engine or a cluster: the compose
// file loaded with compose-go, the manifests strictly decoded into the Kubernetes API types, and the
// worker's environment in both checked against the config structs it is read into.
package deploy

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"log/slog"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sethvargo/go-envconfig"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/internal/config"
	"github.com/cosellsync/cosell/internal/worker"
	"github.com/cosellsync/cosell/pairing"
)

// payloadKeysFileEnv is the variable the Kubernetes Deployment points at the mounted payload-key Secret,
// which the AES-GCM payload codec reads (internal/codec). The check that every variable set is one
// config.Config reads fails if the codec renames it; rename it here and in deploy/k8s/base/deployment.yaml.
const payloadKeysFileEnv = "COSELL_PAYLOAD_KEYS_FILE"

// envNames returns every variable a struct read by go-envconfig reads, from its `env` tags: "NAME,
// options" names a variable, ", prefix=P" a nested struct whose names P prefixes.
func envNames(t reflect.Type, prefix string) []string {
	var names []string
	for f := range t.Fields() {
		tag, ok := f.Tag.Lookup("env")
		if !ok {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		name = strings.TrimSpace(name)
		if name == "" {
			p := ""
			for _, o := range strings.Split(opts, ",") {
				if v, ok := strings.CutPrefix(strings.TrimSpace(o), "prefix="); ok {
					p = v
				}
			}
			names = append(names, envNames(f.Type, prefix+p)...)
			continue
		}
		names = append(names, prefix+name)
	}
	return names
}

// workerEnv is what a deployment gives the worker, and where its pairings directory is on this machine.
type workerEnv struct {
	// where names the deployment file, for messages.
	where string
	env   map[string]string
	// pairingsDir is the host (repository) directory the deployment mounts at COSELL_PAIRINGS_DIR.
	pairingsDir string
}

// checkWorkerEnv checks a deployment's worker environment both ways against the worker's config: every
// variable it sets is one the worker reads (config.Config, a served connection's COSELL_CONN_<NAME>_*,
// or a variable a pairing names), and what the worker needs is there: config.Load accepts it, it names a
// pairings directory, and every pairing file in it loads with its connections' credentials.
func checkWorkerEnv(t *testing.T, w workerEnv) {
	t.Helper()
	ctx := context.Background()
	known := map[string]bool{}
	for _, n := range envNames(reflect.TypeFor[config.Config](), "") {
		known[n] = true
	}
	files, err := filepath.Glob(filepath.Join(w.pairingsDir, "*.y*ml"))
	require.NoError(t, err)
	require.NotEmpty(t, files, "%s mounts %s as the pairings directory, which has no pairing file", w.where, w.pairingsDir)
	connections := map[string]string{}
	for _, f := range files {
		p, err := pairing.Load(f)
		require.NoError(t, err)
		for _, side := range []pairing.Partner{p.A, p.B} {
			connections[side.Connection] = side.CRM
			for _, n := range envNames(reflect.TypeFor[config.Connection](), config.ConnectionPrefix(side.Connection)) {
				known[n] = true
			}
		}
		if n := p.Notifications.SlackWebhookURLEnv; n != "" {
			known[n] = true
			assert.Contains(t, w.env, n, "%s: pairing %s sends SLA notices to Slack through %s, which is not set", w.where, p.ID, n)
		}
	}
	for name := range w.env {
		if strings.HasPrefix(name, "COSELL_") || strings.HasPrefix(name, "TEMPORAL_") {
			assert.True(t, known[name], "%s sets %s, which the worker does not read (config.Config, a served connection's %s*, or a variable a pairing names)",
				w.where, name, "COSELL_CONN_<NAME>_")
		}
	}

	// The worker's own checks, on the deployment's values.
	env := standIn(t, w.env)
	env["COSELL_PAIRINGS_DIR"] = w.pairingsDir
	l := envconfig.MapLookuper(env)
	cfg, err := config.Load(ctx, l)
	require.NoError(t, err, "%s: the worker refuses its environment", w.where)
	require.NoError(t, cfg.RequirePairing(), w.where)
	ps := worker.NewPairings(cfg.PairingsDir, cfg.PairingFile, l, &http.Client{}, slog.New(slog.DiscardHandler))
	rep, err := ps.Load(ctx)
	require.NoError(t, err)
	for _, e := range rep.Refused {
		t.Errorf("%s: the worker refuses a pairing with this environment: %v", w.where, e)
	}
	for conn, crm := range connections {
		c, err := config.LoadConnection(ctx, l, conn)
		require.NoError(t, err)
		assert.NotEmpty(t, c.URL, "%s: connection %s has no %sURL", w.where, conn, config.ConnectionPrefix(conn))
		switch crm {
		case pairing.Salesforce:
			assert.True(t, c.ClientID != "" && c.ClientSecret != "" || c.Username != "" && c.Password != "",
				"%s: Salesforce connection %s needs a client id and secret (or a username and password)", w.where, conn)
		case pairing.HubSpot:
			assert.True(t, c.Token != "" || c.RefreshToken != "", "%s: HubSpot connection %s needs a token or a refresh token", w.where, conn)
		}
	}
	assert.Len(t, ps.Catalog().Pairings, len(files), "%s: every pairing file is served", w.where)
}

// TestEnvNamesSeeEveryConfigField guards envNames itself: it finds the nested Temporal settings and a
// plain one, and as many names as the struct has tagged fields.
func TestEnvNamesSeeEveryConfigField(t *testing.T) {
	names := envNames(reflect.TypeFor[config.Config](), "")
	assert.Contains(t, names, "TEMPORAL_ADDRESS")
	assert.Contains(t, names, "TEMPORAL_API_KEY")
	assert.Contains(t, names, "COSELL_PAIRINGS_DIR")
	tagged := 0
	for f := range reflect.TypeFor[config.Config]().Fields() {
		if _, ok := f.Tag.Lookup("env"); ok && f.Type.Kind() != reflect.Struct {
			tagged++
		}
	}
	for f := range reflect.TypeFor[config.Temporal]().Fields() {
		if _, ok := f.Tag.Lookup("env"); ok {
			tagged++
		}
	}
	assert.Len(t, names, tagged)
	assert.False(t, slices.ContainsFunc(names, func(n string) bool { return strings.Contains(n, " ") || strings.Contains(n, ",") }), names)
	conn := envNames(reflect.TypeFor[config.Connection](), config.ConnectionPrefix("acme-sf"))
	assert.Contains(t, conn, "COSELL_CONN_ACME_SF_CLIENT_SECRET")
}

// repo is the repository root, where docker-compose.yml and examples/ are.
func repo(t *testing.T, rel ...string) string {
	t.Helper()
	wd, err := os.Getwd()
	require.NoError(t, err)
	return filepath.Join(append([]string{filepath.Dir(wd)}, rel...)...)
}

// shutdownGrace is the worker's SIGTERM drain (COSELL_SHUTDOWN_GRACE) with a deployment's environment.
func shutdownGrace(t *testing.T, env map[string]string) time.Duration {
	t.Helper()
	cfg, err := config.Load(context.Background(), envconfig.MapLookuper(standIn(t, env)))
	require.NoError(t, err)
	return cfg.ShutdownGrace
}

// standIn copies a deployment's environment with its mounted payload-key file (the Secret, in the
// container) replaced by a file holding a fresh key, so config.Load reads and checks it as the worker does.
func standIn(t *testing.T, env map[string]string) map[string]string {
	t.Helper()
	out := maps.Clone(env)
	if _, ok := out[payloadKeysFileEnv]; ok {
		key := make([]byte, 32)
		_, err := rand.Read(key)
		require.NoError(t, err)
		f := filepath.Join(t.TempDir(), "keys")
		require.NoError(t, os.WriteFile(f, []byte("test:"+base64.StdEncoding.EncodeToString(key)+"\n"), 0o600))
		out[payloadKeysFileEnv] = f
	}
	return out
}
