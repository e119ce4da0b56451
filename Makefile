# CoSell Sync. `make run` starts the demo; `make test` runs every test. Tools are built from the Go module
# proxy at pinned versions into .tools/ (git-ignored) and reused.

TEMPORAL_VERSION      := v1.5.1
WORKFLOWCHECK_VERSION := v0.6.0
TOOLS                 := $(CURDIR)/.tools
TEMPORAL              := $(TOOLS)/temporal-$(TEMPORAL_VERSION)/temporal
WORKFLOWCHECK         := $(TOOLS)/workflowcheck-$(WORKFLOWCHECK_VERSION)/workflowcheck
COSELL                := $(CURDIR)/bin/cosell

export COSELL_TEMPORAL_BIN := $(TEMPORAL)

GO_TEST_FLAGS ?= -count=1 -timeout 20m
# E2E_TIMEOUT bounds the end-to-end package, a single test binary that runs about 17 minutes on this
# machine's 2 cores: 20m left it too thin a margin on a loaded runner, and a timeout loses the whole run.
E2E_TIMEOUT   ?= 26m
# FUZZ_TIME bounds each fuzz target in make test (make fuzz FUZZ_TIME=5m for a longer hunt).
FUZZ_TIME     ?= 10s

.PHONY: run test unit fuzz e2e lint bench build tools clean

## run: dev Temporal, both mock CRMs seeded with the demo pairing, and the worker
run: build $(TEMPORAL)
	$(COSELL) dev

## test: vet, unit and contract tests, the parsers' fuzz targets for a bounded time, the end-to-end
## tests against a real Temporal dev server, and the load benchmark once at a tiny size (bench-smoke)
test: build $(TEMPORAL) tools-chromium
	go vet ./...
	go test $(GO_TEST_FLAGS) ./...
	$(MAKE) --no-print-directory fuzz
	go test $(GO_TEST_FLAGS) -timeout $(E2E_TIMEOUT) -tags e2e -p 1 ./e2e/...
	$(MAKE) --no-print-directory bench-smoke

## bench-smoke: cosell bench at a tiny size, every feed and mode, as a smoke test: it fails only when a
## run does not start or does not converge; no figure is asserted (JSON in .dev/bench-smoke.json)
.PHONY: bench-smoke
bench-smoke: build $(TEMPORAL)
	@mkdir -p .dev
	$(COSELL) bench --deals 4 --edits 2 --latency 20ms --timeout 2m --markdown '' --json .dev/bench-smoke.json --require-converged

## fuzz: the parsers of what the CRMs send the worker (HubSpot webhooks, Salesforce Outbound Messages),
## each fuzzed for FUZZ_TIME; a failing input is saved under the package's testdata/fuzz
fuzz:
	go test -run '^$$' -fuzz '^FuzzHubSpotWebhook$$' -fuzztime $(FUZZ_TIME) ./connectors/hubspot
	go test -run '^$$' -fuzz '^FuzzOutboundMessage$$' -fuzztime $(FUZZ_TIME) ./connectors/salesforce

## unit: the tests that need no Temporal server
unit:
	go test $(GO_TEST_FLAGS) ./...

## e2e: only the end-to-end tests
e2e: build $(TEMPORAL)
	go test $(GO_TEST_FLAGS) -timeout $(E2E_TIMEOUT) -tags e2e -p 1 -v ./e2e/...

## model: explore from random seeds, with many more histories than make test runs: the deal engine's
## model test (MODEL_CHECKS, default 200000), the workflow model's full-vocabulary search
## (WORKFLOW_MODEL_CHECKS, default 20000) and its dev-server search with worker crashes (model tag); a
## failure prints its seed and the shrunk history
MODEL_CHECKS          ?= 200000
WORKFLOW_MODEL_CHECKS ?= 20000
.PHONY: model
model: $(TEMPORAL)
	RAPID_SEED=0 go test -count=1 -timeout 60m -run Model ./engine/ -rapid.checks=$(MODEL_CHECKS)
	RAPID_SEED=0 go test -count=1 -timeout 60m -run 'TestWorkflowModel$$' ./workflows/ -rapid.checks=$(WORKFLOW_MODEL_CHECKS)
	go test -count=1 -timeout 60m -tags model -run 'TestWorkflowModelCrashesSearch' ./workflows/

## make test runs both model tests from fixed seeds: the engine's 20,000 histories per property, and the
## workflow model's control histories, broken-rule check, full-vocabulary search (1,000 histories,
## workflows/model_search_test.go) and dev-server crash-and-replay half.

## lint: formatting, vet, and workflowcheck over the workflows
lint: $(WORKFLOWCHECK)
	@out=$$(gofmt -l $$(git ls-files -co --exclude-standard '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	go vet ./...
	go vet -tags e2e ./e2e/...
	go vet -tags model ./workflows/
	$(WORKFLOWCHECK) ./workflows/...

## bench: the performance targets (figures in docs/BENCHMARKS.md): the Go benchmarks, then the load
## benchmark at each target's size, naive beside coalesced, every table appended to docs/BENCHMARKS.md.
## BENCH_SIZES=small runs the sizes a shared 2-core machine finishes in minutes; BENCH_FLAGS adds flags
## to every cosell bench run (e.g. --temporal 127.0.0.1:7233 to reuse a running server).
BENCH_SIZES ?= targets
BENCH_FLAGS ?=
bench: build $(TEMPORAL)
	go test -run '^$$' -bench . -benchmem -count=1 ./...
	go test -run '^$$' -bench . -benchtime 20x -count=1 -tags e2e ./e2e/...
	@mkdir -p .dev
ifeq ($(BENCH_SIZES),small)
	$(COSELL) bench --deals 1 --edits 3 $(BENCH_FLAGS) > .dev/bench-single.json
	$(COSELL) bench --deals 40 --edits 2 --rate 50 --feeds webhook $(BENCH_FLAGS) > .dev/bench-rate50.json
	$(COSELL) bench --deals 50 --edits 1 $(BENCH_FLAGS) > .dev/bench-burst50.json
else
# an isolated single change: ≤ 2 calls
	$(COSELL) bench --deals 1 --edits 3 --timeout 3m $(BENCH_FLAGS) > .dev/bench-single.json
# a 1,000-change burst over 1,000 deals: ≤ 0.05 calls per change, converged in ≤ 20 s; ≥ 200 changes/s
	$(COSELL) bench --deals 1000 --edits 1 --timeout 15m --naive-timeout 5m $(BENCH_FLAGS) > .dev/bench-burst1000.json
# webhook mode at 50 changes/s: p99 ≤ 1 s, p50 ≤ 250 ms (1,000 edits offered at 50 a second)
	$(COSELL) bench --deals 200 --edits 5 --rate 50 --feeds webhook --timeout 10m --naive-timeout 6m $(BENCH_FLAGS) > .dev/bench-rate50.json
# a 10,000-change burst over 10,000 open deal workflows: < 60 s, worker RSS ≤ 300 MB, ≤ 3 actions per change
	$(COSELL) bench --deals 10000 --edits 1 --feeds polling --timeout 40m --naive-timeout 5m $(BENCH_FLAGS) > .dev/bench-burst10000.json
endif

build:
	go build -o $(COSELL) ./cmd/cosell

tools: $(TEMPORAL) $(WORKFLOWCHECK)

$(TEMPORAL):
	@echo "building the Temporal CLI $(TEMPORAL_VERSION) from the Go module proxy (a few minutes, once)"
	GOBIN=$(dir $@) go install github.com/temporalio/cli/cmd/temporal@$(TEMPORAL_VERSION)

$(WORKFLOWCHECK):
	GOBIN=$(dir $@) go install go.temporal.io/sdk/contrib/tools/workflowcheck@$(WORKFLOWCHECK_VERSION)

## k8s-configmap: write the demo pairing (examples/demo/pairing.yaml) into the Kubernetes base's
## ConfigMap after an edit of the pairing; go test ./deploy fails until the two match
.PHONY: k8s-configmap
k8s-configmap:
	@cm=deploy/k8s/base/pairings-configmap.yaml; \
	{ sed -n '1,/^  acme-globex.yaml: |$$/p' $$cm; sed '/^$$/!s/^/    /' examples/demo/pairing.yaml; } > $$cm.tmp && mv $$cm.tmp $$cm
	@echo "deploy/k8s/base/pairings-configmap.yaml holds examples/demo/pairing.yaml"

## tools-chromium: Debian's chromium, for the tests that render a page (internal/chromium); skipped when
## chromium is on PATH or COSELL_CHROMIUM names another binary. apt-get runs through sudo unless root.
.PHONY: tools-chromium
tools-chromium:
	@if [ -n "$$COSELL_CHROMIUM" ] || command -v chromium >/dev/null; then exit 0; fi; \
	sudo=; [ "$$(id -u)" = 0 ] || sudo=sudo; \
	echo "installing Debian's chromium with apt-get (the rendering tests need it)"; \
	$$sudo apt-get update && $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium

clean:
	rm -rf bin .dev
