package worker

// The worker's health endpoints on COSELL_HTTP_ADDR. Deployments point their probes here (docker-compose.yml,
// deploy/k8s), and go test ./deploy checks that they do.
const (
	// LivenessPath answers 200 while the process serves HTTP: a restart cannot help otherwise.
	LivenessPath = "/healthz"
	// ReadinessPath answers 200 once the Temporal worker polls its task queue and the Temporal service
	// answers a health check (2 s timeout), and 503 before that, while stopping, or while Temporal is
	// unreachable: traffic (webhooks) and rollouts wait for it.
	ReadinessPath = "/readyz"
)
