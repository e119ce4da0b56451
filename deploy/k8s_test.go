package deploy

import (
	"maps"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sethvargo/go-envconfig"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/kustomize/api/krusty"
	kustypes "sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"

	"github.com/cosellsync/cosell/internal/config"
	"github.com/cosellsync/cosell/internal/worker"
)

// manifests is a built kustomization, each object strictly decoded into its Kubernetes API type.
type manifests struct {
	deployment appsv1.Deployment
	job        batchv1.Job
	hpa        autoscalingv2.HorizontalPodAutoscaler
	pdb        policyv1.PodDisruptionBudget
	service    corev1.Service
	configMaps map[string]corev1.ConfigMap
	kinds      []string
}

// strict decodes YAML into a Kubernetes object, refusing any field the type does not have (a
// misspelled or misplaced key would otherwise be dropped silently by the API server's older clients).
func strict(t *testing.T, where string, data []byte, into any) {
	t.Helper()
	require.NoError(t, yaml.UnmarshalStrict(data, into), "%s does not decode strictly into %T", where, into)
}

// build runs kustomize over a directory under deploy/k8s, as `kubectl kustomize` does.
func build(t *testing.T, dir string) manifests {
	t.Helper()
	res, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(filesys.MakeFsOnDisk(), filepath.Join("k8s", dir))
	require.NoError(t, err, "kustomize build deploy/k8s/%s", dir)
	m := manifests{configMaps: map[string]corev1.ConfigMap{}}
	for _, r := range res.Resources() {
		data, err := r.AsYAML()
		require.NoError(t, err)
		where := dir + ": " + r.GetKind() + "/" + r.GetName()
		m.kinds = append(m.kinds, r.GetKind())
		assert.Equal(t, "cosell-sync", r.GetLabels()["app.kubernetes.io/part-of"], where)
		switch r.GetKind() {
		case "Deployment":
			strict(t, where, data, &m.deployment)
		case "Job":
			strict(t, where, data, &m.job)
		case "HorizontalPodAutoscaler":
			strict(t, where, data, &m.hpa)
		case "PodDisruptionBudget":
			strict(t, where, data, &m.pdb)
		case "Service":
			strict(t, where, data, &m.service)
		case "ConfigMap":
			var cm corev1.ConfigMap
			strict(t, where, data, &cm)
			m.configMaps[cm.Name] = cm
		case "Namespace":
			strict(t, where, data, &corev1.Namespace{})
		case "ServiceAccount":
			var sa corev1.ServiceAccount
			strict(t, where, data, &sa)
			assert.False(t, *sa.AutomountServiceAccountToken, "the worker calls no Kubernetes API")
		default:
			t.Errorf("%s: no API type to check this kind against; add it to build", where)
		}
		if r.GetKind() != "Namespace" {
			assert.Equal(t, "cosell", r.GetNamespace(), where)
		}
	}
	return m
}

func TestKustomizationListsEveryFile(t *testing.T) {
	for _, dir := range []string{"base", "overlays/mtls"} {
		data, err := os.ReadFile(filepath.Join("k8s", dir, "kustomization.yaml"))
		require.NoError(t, err)
		var k kustypes.Kustomization
		strict(t, dir+"/kustomization.yaml", data, &k)
		listed := slices.Clone(k.Resources)
		for _, p := range k.Patches {
			listed = append(listed, p.Path)
		}
		files, err := filepath.Glob(filepath.Join("k8s", dir, "*.yaml"))
		require.NoError(t, err)
		var want []string
		for _, f := range files {
			if filepath.Base(f) != "kustomization.yaml" {
				want = append(want, filepath.Base(f))
			}
		}
		var local []string
		for _, l := range listed {
			if !strings.HasPrefix(l, "..") {
				local = append(local, l)
			}
		}
		assert.ElementsMatch(t, want, local, "deploy/k8s/%s/kustomization.yaml lists every manifest beside it, and only those", dir)
	}
}

func TestKubernetesBase(t *testing.T) {
	m := build(t, "base")
	assert.ElementsMatch(t, []string{"Namespace", "ServiceAccount", "ConfigMap", "Deployment", "Service", "PodDisruptionBudget", "HorizontalPodAutoscaler", "Job"}, m.kinds)
	d := m.deployment
	pod := d.Spec.Template
	require.Len(t, pod.Spec.Containers, 1)
	c := pod.Spec.Containers[0]
	e := plainEnv(t, c)

	assert.Equal(t, "cosell-sync:local", c.Image, "the image kustomize's images transformer sets; never :latest")
	assert.Equal(t, []string{"worker"}, c.Args)
	assert.Equal(t, d.Spec.Selector.MatchLabels, subset(pod.Labels, d.Spec.Selector.MatchLabels), "the selector matches the pods")

	// Probes: the worker's real endpoints, on the port it listens on.
	_, addrPort, err := net.SplitHostPort(e["COSELL_HTTP_ADDR"])
	require.NoError(t, err)
	port := containerPort(t, c, "http")
	assert.Equal(t, addrPort, strconv.Itoa(int(port)), "containerPort http is COSELL_HTTP_ADDR's port")
	for name, p := range map[string]*corev1.Probe{"liveness": c.LivenessProbe, "readiness": c.ReadinessProbe, "startup": c.StartupProbe} {
		require.NotNil(t, p, "%s probe", name)
		require.NotNil(t, p.HTTPGet, "%s probe is an HTTP GET", name)
		assert.Equal(t, intstr.FromString("http"), p.HTTPGet.Port, "%s probe port", name)
		want := worker.LivenessPath
		if name == "readiness" {
			want = worker.ReadinessPath // reflects the Temporal connection
		}
		assert.Equal(t, want, p.HTTPGet.Path, "%s probe path", name)
	}

	// Resources: requests for scheduling and the HPA's utilization, a memory limit.
	assert.False(t, c.Resources.Requests.Cpu().IsZero(), "CPU request (the HPA's utilization is relative to it)")
	assert.False(t, c.Resources.Requests.Memory().IsZero(), "memory request")
	assert.False(t, c.Resources.Limits.Memory().IsZero(), "memory limit")
	assert.True(t, *c.SecurityContext.ReadOnlyRootFilesystem)
	assert.False(t, *c.SecurityContext.AllowPrivilegeEscalation)
	assert.True(t, *pod.Spec.SecurityContext.RunAsNonRoot)
	assert.EqualValues(t, 65532, *pod.Spec.SecurityContext.RunAsUser, "distroless's nonroot user")
	assert.Greater(t, time.Duration(*pod.Spec.TerminationGracePeriodSeconds)*time.Second, shutdownGrace(t, withSecrets(e, secretRefs(c)))+5*time.Second,
		"terminationGracePeriodSeconds exceeds COSELL_SHUTDOWN_GRACE (the SIGTERM drain) with room for the HTTP server's 5 s")
	assert.Equal(t, intstr.FromInt32(0), *d.Spec.Strategy.RollingUpdate.MaxUnavailable, "a rollout starts a ready pod before stopping one")

	// The pairings: a ConfigMap mounted as the directory COSELL_PAIRINGS_DIR, holding the demo pairing.
	cmName := volumeSource(t, pod.Spec, c, e["COSELL_PAIRINGS_DIR"]).ConfigMap.Name
	cm, ok := m.configMaps[cmName]
	require.True(t, ok, "ConfigMap %s is in the kustomization", cmName)
	dir := t.TempDir()
	for key, body := range cm.Data {
		require.NoError(t, os.WriteFile(filepath.Join(dir, key), []byte(body), 0o600))
	}
	demo, err := os.ReadFile(repo(t, "examples", "demo", "pairing.yaml"))
	require.NoError(t, err)
	assert.Equal(t, string(demo), cm.Data["acme-globex.yaml"], "the ConfigMap's pairing is examples/demo/pairing.yaml")

	// The payload keys: a file of a mounted Secret.
	keysDir := filepath.Dir(e[payloadKeysFileEnv])
	assert.Equal(t, "cosell-payload-keys", volumeSource(t, pod.Spec, c, keysDir).Secret.SecretName)

	// Secrets: CRM credentials and Slack are required references; the Temporal API key is optional
	// (self-hosted without auth, or mTLS through the overlay).
	refs := secretRefs(c)
	for name, ref := range refs {
		switch {
		case name == "TEMPORAL_API_KEY":
			assert.Equal(t, "cosell-temporal", ref.Name)
			assert.True(t, *ref.Optional, "TEMPORAL_API_KEY is optional")
		case strings.HasPrefix(name, "COSELL_CONN_"):
			assert.Equal(t, "cosell-crm", ref.Name, name)
			assert.True(t, ref.Optional == nil || !*ref.Optional, "%s is required", name)
		}
	}
	assert.Contains(t, refs, "TEMPORAL_API_KEY")
	for _, name := range []string{"COSELL_CONN_ACME_SF_CLIENT_SECRET", "COSELL_CONN_GLOBEX_HS_TOKEN", "COSELL_CONN_GLOBEX_HS_APP_SECRET"} {
		assert.Contains(t, refs, name, "a credential comes from a Secret")
		assert.NotContains(t, e, name, "a credential is never a plain value in the manifest")
	}
	checkWorkerEnv(t, workerEnv{where: "deploy/k8s/base Deployment", env: withSecrets(e, refs), pairingsDir: dir})

	// PDB and HPA: over the same pods; the HPA never goes below what lets a drain evict one pod.
	assert.Equal(t, d.Spec.Selector.MatchLabels, m.pdb.Spec.Selector.MatchLabels)
	assert.Equal(t, autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: d.Name}, m.hpa.Spec.ScaleTargetRef)
	require.NotNil(t, m.pdb.Spec.MinAvailable)
	assert.Greater(t, int(*m.hpa.Spec.MinReplicas), m.pdb.Spec.MinAvailable.IntValue(), "minReplicas > minAvailable, or no node could drain")
	assert.Equal(t, *d.Spec.Replicas, *m.hpa.Spec.MinReplicas)
	require.NotEmpty(t, m.hpa.Spec.Metrics)
	assert.Equal(t, corev1.ResourceCPU, m.hpa.Spec.Metrics[0].Resource.Name)

	// The Service reaches the worker's http port.
	assert.Equal(t, d.Spec.Selector.MatchLabels, m.service.Spec.Selector)
	assert.Equal(t, intstr.FromString("http"), m.service.Spec.Ports[0].TargetPort)

	// The Job registers the search attributes in the worker's namespace, on the worker's image.
	j := m.job.Spec.Template.Spec.Containers[0]
	je := plainEnv(t, j)
	assert.Equal(t, []string{"search-attributes", "register"}, j.Args)
	assert.Equal(t, c.Image, j.Image)
	assert.Equal(t, e["TEMPORAL_ADDRESS"], je["TEMPORAL_ADDRESS"])
	assert.Equal(t, e["TEMPORAL_NAMESPACE"], je["TEMPORAL_NAMESPACE"])
	assert.Equal(t, refs["TEMPORAL_API_KEY"], secretRefs(j)["TEMPORAL_API_KEY"])
	assert.Equal(t, corev1.RestartPolicyOnFailure, m.job.Spec.Template.Spec.RestartPolicy)
	_, err = config.Load(t.Context(), mapLookuper(standIn(t, withSecrets(je, secretRefs(j)))))
	require.NoError(t, err, "the Job's environment is one config.Load accepts")
}

func TestKubernetesMTLSOverlay(t *testing.T) {
	m := build(t, "overlays/mtls")
	for _, spec := range []corev1.PodSpec{m.deployment.Spec.Template.Spec, m.job.Spec.Template.Spec} {
		c := spec.Containers[0]
		e := plainEnv(t, c)
		cert, key := e["TEMPORAL_TLS_CLIENT_CERT_PATH"], e["TEMPORAL_TLS_CLIENT_KEY_PATH"]
		require.NotEmpty(t, cert, c.Name)
		require.NotEmpty(t, key, c.Name)
		assert.Equal(t, filepath.Dir(cert), filepath.Dir(key))
		assert.Equal(t, "cosell-temporal-mtls", volumeSource(t, spec, c, filepath.Dir(cert)).Secret.SecretName, c.Name)
		assert.Equal(t, []string{"tls.crt", "tls.key"}, []string{filepath.Base(cert), filepath.Base(key)}, "the keys of a kubernetes.io/tls Secret")
		_, err := config.Load(t.Context(), mapLookuper(standIn(t, withSecrets(e, secretRefs(c)))))
		require.NoError(t, err)
	}
	// The base's settings survive the patch.
	assert.Contains(t, plainEnv(t, m.deployment.Spec.Template.Spec.Containers[0]), "COSELL_PAIRINGS_DIR")
	assert.NotNil(t, m.deployment.Spec.Template.Spec.Containers[0].ReadinessProbe)
}

// plainEnv is a container's literal environment; a variable set twice is an error.
func plainEnv(t *testing.T, c corev1.Container) map[string]string {
	t.Helper()
	out := map[string]string{}
	seen := map[string]bool{}
	for _, v := range c.Env {
		assert.False(t, seen[v.Name], "container %s sets %s twice", c.Name, v.Name)
		seen[v.Name] = true
		if v.ValueFrom == nil {
			out[v.Name] = v.Value
		}
	}
	assert.Empty(t, c.EnvFrom, "container %s: every variable is listed by name, so it can be checked", c.Name)
	return out
}

func secretRefs(c corev1.Container) map[string]*corev1.SecretKeySelector {
	out := map[string]*corev1.SecretKeySelector{}
	for _, v := range c.Env {
		if v.ValueFrom != nil && v.ValueFrom.SecretKeyRef != nil {
			out[v.Name] = v.ValueFrom.SecretKeyRef
		}
	}
	return out
}

// withSecrets adds the Secret-backed variables with a stand-in value, as the kubelet would with real
// ones: optional references are left out (the Secret may not exist).
func withSecrets(plain map[string]string, refs map[string]*corev1.SecretKeySelector) map[string]string {
	out := maps.Clone(plain)
	for name, ref := range refs {
		if ref.Optional != nil && *ref.Optional {
			continue
		}
		v := "secret-" + ref.Name + "-" + ref.Key
		if strings.HasSuffix(name, "_ORG_ID") {
			v = "00D5g0000000C0SEAU" // a Salesforce org id's shape, which the worker checks
		}
		if strings.HasSuffix(name, "_URL") {
			v = "https://hooks.slack.example/" + ref.Key
		}
		out[name] = v
	}
	return out
}

func containerPort(t *testing.T, c corev1.Container, name string) int32 {
	t.Helper()
	i := slices.IndexFunc(c.Ports, func(p corev1.ContainerPort) bool { return p.Name == name })
	require.GreaterOrEqual(t, i, 0, "container %s has a port named %s", c.Name, name)
	return c.Ports[i].ContainerPort
}

// volumeSource is the volume mounted at path in the container.
func volumeSource(t *testing.T, spec corev1.PodSpec, c corev1.Container, path string) corev1.VolumeSource {
	t.Helper()
	i := slices.IndexFunc(c.VolumeMounts, func(m corev1.VolumeMount) bool { return m.MountPath == path })
	require.GreaterOrEqual(t, i, 0, "container %s mounts a volume at %s", c.Name, path)
	assert.True(t, c.VolumeMounts[i].ReadOnly, "%s is mounted read-only", path)
	assert.Empty(t, c.VolumeMounts[i].SubPath, "%s is a whole volume, so updates reach the pod", path)
	j := slices.IndexFunc(spec.Volumes, func(v corev1.Volume) bool { return v.Name == c.VolumeMounts[i].Name })
	require.GreaterOrEqual(t, j, 0, "volume %s is declared", c.VolumeMounts[i].Name)
	return spec.Volumes[j].VolumeSource
}

func subset(m, keys map[string]string) map[string]string {
	out := map[string]string{}
	for k := range keys {
		if v, ok := m[k]; ok {
			out[k] = v
		}
	}
	return out
}

func mapLookuper(m map[string]string) envconfig.Lookuper { return envconfig.MapLookuper(m) }
