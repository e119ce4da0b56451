package deploy

import (
	"context"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/internal/demo"
	"github.com/cosellsync/cosell/internal/worker"
	sfmock "github.com/cosellsync/cosell/mocks/salesforce"
	slackmock "github.com/cosellsync/cosell/mocks/slack"
)

// publishedImages are the third-party images the compose file may use, each with where its project
// publishes the tag. A new image or tag fails the test until it is added here with its source, so no
// tag reaches the file unchecked.
var publishedImages = map[string]string{
	"postgres:16":                   "docker-library/official-images, library/postgres (Tags: 16.x, 16)",
	"temporalio/server:1.30.1":      "temporalio/samples-server, compose/.env TEMPORAL_VERSION=1.30.1",
	"temporalio/admin-tools:1.30.1": "temporalio/samples-server, compose/.env TEMPORAL_ADMINTOOLS_VERSION=1.30.1",
	"temporalio/ui:2.34.0":          "temporalio/samples-server, compose/.env TEMPORAL_UI_VERSION=2.34.0",
}

// oneShots are the services that run once per `up` and exit: schema setup, namespace, search attributes.
var oneShots = []string{"temporal-schema", "temporal-namespace", "search-attributes"}

func loadCompose(t *testing.T, profiles ...string) *types.Project {
	t.Helper()
	root := repo(t)
	p, err := loader.LoadWithContext(context.Background(), types.ConfigDetails{
		WorkingDir:  root,
		ConfigFiles: []types.ConfigFile{{Filename: filepath.Join(root, "docker-compose.yml")}},
		// No variable from the machine running the test: the file's defaults are what is checked.
		Environment: types.Mapping{},
	}, loader.WithProfiles(profiles))
	require.NoError(t, err, "compose-go refuses docker-compose.yml")
	return p
}

func TestComposeFileServices(t *testing.T) {
	base := loadCompose(t)
	assert.ElementsMatch(t, []string{"postgresql", "temporal-schema", "temporal", "temporal-namespace", "search-attributes", "temporal-ui", "worker"},
		base.ServiceNames(), "without a profile: Temporal on PostgreSQL, its UI and the worker")
	p := loadCompose(t, "demo")
	assert.ElementsMatch(t, append(base.ServiceNames(), "salesforce", "hubspot", "slack"), p.ServiceNames(), "the demo profile adds the fakes")

	for name, s := range p.Services {
		t.Run(name, func(t *testing.T) {
			// Images: a third-party tag is one its project publishes; the product's own image is built here.
			switch {
			case s.Build != nil:
				assert.Equal(t, "deploy/Dockerfile", s.Build.Dockerfile)
				assert.Equal(t, "cosell-sync:local", s.Image, "the built image has one name, so every service runs the same build")
			default:
				_, ok := publishedImages[s.Image]
				assert.True(t, ok, "image %q is pinned to a tag whose source is not recorded in publishedImages", s.Image)
			}
			assert.NotEmpty(t, s.Restart, "every service has a restart policy")
			if slices.Contains(oneShots, name) {
				assert.True(t, strings.HasPrefix(s.Restart, "on-failure"), "a one-shot restarts only on failure, got %q", s.Restart)
				assert.Nil(t, s.HealthCheck, "a one-shot is waited for by completion, not health")
			} else {
				assert.Equal(t, "unless-stopped", s.Restart)
				require.NotNil(t, s.HealthCheck, "a long-running service has a health check")
				assert.False(t, s.HealthCheck.Disable)
				assert.NotEmpty(t, s.HealthCheck.Test)
				assert.NotNil(t, s.HealthCheck.Interval)
				assert.NotNil(t, s.HealthCheck.Retries)
			}
			for dep, d := range s.DependsOn {
				target, ok := p.Services[dep]
				require.True(t, ok, "depends on unknown service %s", dep)
				switch d.Condition {
				case types.ServiceConditionHealthy:
					assert.NotNil(t, target.HealthCheck, "waits for %s to be healthy, which has no health check", dep)
				case types.ServiceConditionCompletedSuccessfully:
					assert.Contains(t, oneShots, dep, "waits for %s to complete, which is not a one-shot", dep)
				default:
					t.Errorf("depends on %s with condition %q: wait for health or completion, not mere start", dep, d.Condition)
				}
				if len(target.Profiles) > 0 && len(s.Profiles) == 0 {
					assert.False(t, d.Required, "depends on %s of profile %v, which must be required: false", dep, target.Profiles)
				}
			}
			for _, v := range s.Volumes {
				if v.Type == types.VolumeTypeBind {
					_, err := os.Stat(v.Source)
					assert.NoError(t, err, "bind mount source %s", v.Source)
					assert.True(t, v.ReadOnly, "bind mount %s is read-only", v.Source)
				}
			}
		})
	}

	pg := p.Services["postgresql"]
	i := slices.IndexFunc(pg.Volumes, func(v types.ServiceVolumeConfig) bool { return v.Target == "/var/lib/postgresql/data" })
	require.GreaterOrEqual(t, i, 0, "PostgreSQL keeps its data in a volume")
	assert.Equal(t, types.VolumeTypeVolume, pg.Volumes[i].Type, "a named volume, which outlives `docker compose down`")
	assert.Contains(t, p.Volumes, pg.Volumes[i].Source)

	// Temporal's server and its schema tool are one release: a schema newer or older than the server
	// is what an upgrade must never run.
	assert.Equal(t, tag(p.Services["temporal"].Image), tag(p.Services["temporal-schema"].Image))
	assert.Equal(t, tag(p.Services["temporal"].Image), tag(p.Services["temporal-namespace"].Image))
	assert.Equal(t, []string{"search-attributes", "register"}, []string(p.Services["search-attributes"].Command))
	assert.Equal(t, "cosell", env(p.Services["search-attributes"])["TEMPORAL_NAMESPACE"])
	assert.Equal(t, env(p.Services["worker"])["TEMPORAL_NAMESPACE"], env(p.Services["temporal-namespace"])["TEMPORAL_NAMESPACE"])
}

func TestComposeWorker(t *testing.T) {
	p := loadCompose(t, "demo")
	w := p.Services["worker"]
	e := env(w)

	// Its pairings come from a mounted directory.
	i := slices.IndexFunc(w.Volumes, func(v types.ServiceVolumeConfig) bool { return v.Target == e["COSELL_PAIRINGS_DIR"] })
	require.GreaterOrEqual(t, i, 0, "COSELL_PAIRINGS_DIR %s is a mounted directory", e["COSELL_PAIRINGS_DIR"])
	assert.True(t, w.Volumes[i].ReadOnly)
	checkWorkerEnv(t, workerEnv{where: "docker-compose.yml worker", env: e, pairingsDir: w.Volumes[i].Source})

	// The health check probes the worker's readiness endpoint on the port it listens on.
	_, port, err := net.SplitHostPort(e["COSELL_HTTP_ADDR"])
	require.NoError(t, err)
	assert.Equal(t, []string{"CMD", "/usr/local/bin/cosell", "probe", "http://127.0.0.1:" + port + worker.ReadinessPath}, []string(w.HealthCheck.Test))
	assert.True(t, slices.ContainsFunc(w.Ports, func(pc types.ServicePortConfig) bool { return pc.Target == uint32(atoi(t, port)) }), "the worker's port is published")
	require.NotNil(t, w.StopGracePeriod, "the worker drains on SIGTERM: Docker must wait longer than the drain before SIGKILL")
	assert.Greater(t, time.Duration(*w.StopGracePeriod), shutdownGrace(t, e)+5*time.Second, "stop_grace_period exceeds COSELL_SHUTDOWN_GRACE with room for the HTTP server's 5 s")

	// The demo's connections point at the fakes with the credentials `cosell dev` uses.
	assert.Equal(t, "http://salesforce:8701", e["COSELL_CONN_ACME_SF_URL"])
	assert.Equal(t, "http://hubspot:8702", e["COSELL_CONN_GLOBEX_HS_URL"])
	assert.Equal(t, demo.SalesforceClientID, e["COSELL_CONN_ACME_SF_CLIENT_ID"])
	assert.Equal(t, demo.SalesforceClientSecret, e["COSELL_CONN_ACME_SF_CLIENT_SECRET"])
	assert.Equal(t, demo.HubSpotToken, e["COSELL_CONN_GLOBEX_HS_TOKEN"])
	assert.Equal(t, demo.HubSpotAppSecret, e["COSELL_CONN_GLOBEX_HS_APP_SECRET"])
	assert.Equal(t, sfmock.New(demo.SalesforceOptions()).OrgID(), e["COSELL_CONN_ACME_SF_ORG_ID"], "Outbound Messages from the fake carry this org id")
	assert.Equal(t, "http://slack:8703"+slackmock.DefaultWebhookPath, e["COSELL_SLACK_WEBHOOK_URL"])
}

func TestComposeDemoFakes(t *testing.T) {
	p := loadCompose(t, "demo")
	hsHooks, sfHooks := demo.Webhooks("worker:8080")
	for name, hook := range map[string]string{"salesforce": sfHooks.URL, "hubspot": hsHooks.URL, "slack": ""} {
		s := p.Services[name]
		assert.Equal(t, []string{"demo"}, s.Profiles)
		cmd := []string(s.Command)
		require.GreaterOrEqual(t, len(cmd), 4, name)
		assert.Equal(t, []string{"mock", name}, cmd[:2])
		addr := flagValue(cmd, "--addr")
		_, port, err := net.SplitHostPort(addr)
		require.NoError(t, err, "%s --addr %q", name, addr)
		if name != "slack" {
			assert.Contains(t, cmd, "--demo", "%s is seeded with the demo pairing", name)
			want, err := url.Parse(hook)
			require.NoError(t, err)
			want.Host = "worker:8080"
			assert.Equal(t, want.String(), flagValue(cmd, "--webhooks"), "%s sends its webhooks to the worker's endpoint for its connection", name)
		}
		probe := s.HealthCheck.Test
		require.Len(t, probe, 4)
		assert.True(t, strings.HasPrefix(probe[3], "http://127.0.0.1:"+port+"/"), "%s's health check probes its own port: %v", name, probe)
	}
}

func env(s types.ServiceConfig) map[string]string {
	out := map[string]string{}
	for k, v := range s.Environment {
		if v != nil {
			out[k] = *v
		}
	}
	return out
}

func tag(image string) string {
	_, t, _ := strings.Cut(image, ":")
	return t
}

func flagValue(args []string, flag string) string {
	i := slices.Index(args, flag)
	if i < 0 || i+1 >= len(args) {
		return ""
	}
	return args[i+1]
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	require.NoError(t, err)
	return n
}

// TestComposeImagesSaySource checks that each third-party image line has a comment right above it
// saying where its tag is published.
func TestComposeImagesSaySource(t *testing.T) {
	data, err := os.ReadFile(repo(t, "docker-compose.yml"))
	require.NoError(t, err)
	lines := strings.Split(string(data), "\n")
	seen := 0
	for i, l := range lines {
		image, ok := strings.CutPrefix(strings.TrimSpace(l), "image: ")
		if !ok || strings.HasPrefix(image, "cosell-sync:") {
			continue
		}
		seen++
		_, known := publishedImages[image]
		assert.True(t, known, "line %d: image %s", i+1, image)
		comment := i > 0 && strings.HasPrefix(strings.TrimSpace(lines[i-1]), "#")
		assert.True(t, comment, "docker-compose.yml:%d: image %s has no comment above it saying where the tag is published", i+1, image)
	}
	assert.Equal(t, 5, seen, "postgres, server, UI and admin-tools twice")
}
