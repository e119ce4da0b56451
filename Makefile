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
# FUZZ_TIME bounds each fuzz target in make test (make fuzz FUZZ_TIME=5m for a longer hunt).
FUZZ_TIME     ?= 10s

.PHONY: run test unit fuzz e2e lint bench build tools clean

## run: dev Temporal, both mock CRMs seeded with the demo pairing, and the worker
run: build $(TEMPORAL)
	$(COSELL) dev

## test: vet, unit and contract tests, the parsers' fuzz targets for a bounded time, then the end-to-end
## tests against a real Temporal dev server
test: build $(TEMPORAL) tools-chromium
	go vet ./...
	go test $(GO_TEST_FLAGS) ./...
	$(MAKE) --no-print-directory fuzz
	go test $(GO_TEST_FLAGS) -tags e2e -p 1 ./e2e/...

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
	go test $(GO_TEST_FLAGS) -tags e2e -p 1 -v ./e2e/...

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

## bench: the performance targets (figures in docs/BENCHMARKS.md)
bench: build $(TEMPORAL)
	go test -run '^$$' -bench . -benchmem -count=1 ./...
	go test -run '^$$' -bench . -benchtime 20x -count=1 -tags e2e ./e2e/...

build:
	go build -o $(COSELL) ./cmd/cosell

tools: $(TEMPORAL) $(WORKFLOWCHECK)

$(TEMPORAL):
	@echo "building the Temporal CLI $(TEMPORAL_VERSION) from the Go module proxy (a few minutes, once)"
	GOBIN=$(dir $@) go install github.com/temporalio/cli/cmd/temporal@$(TEMPORAL_VERSION)

$(WORKFLOWCHECK):
	GOBIN=$(dir $@) go install go.temporal.io/sdk/contrib/tools/workflowcheck@$(WORKFLOWCHECK_VERSION)

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
