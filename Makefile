# The two commands a newcomer needs:
#   make run    the whole stack on this machine (embedded Temporal, its Web UI, Postgres, API, worker)
#   make test   the linters (go vet among them), then every test, against real Postgres and a real Temporal server
# Both install PostgreSQL's server binaries from apt when the machine lacks them;
# make test also installs Chromium, for the report pages' browser test, and golangci-lint.
#
# The parts of make test, each on its own:
#   make lint       golangci-lint (the version below, installed with go install when missing; .golangci.yml)
#   make test-unit  the tests of every package whose test binary does not link the embedded
#                   Temporal server: pure Go, and store/API/engine tests on real Postgres; and the
#                   tests of deploy/ (the Helm chart, alert rules and dashboard), a Go module of its
#                   own so that Helm's and Kubernetes' modules stay out of the binary's go.mod
#   make test-e2e   the rest (tests/, cli/, devtemporal/, the binary): the embedded Temporal server, slow to link
#   make vet        go vet ./... alone (lint runs the same analyzers)

GO ?= go

GOLANGCI_LINT_VERSION := v2.15.0
GOBIN := $(or $(shell $(GO) env GOBIN),$(firstword $(subst :, ,$(shell $(GO) env GOPATH)))/bin)
GOLANGCI_LINT := $(GOBIN)/golangci-lint

# The packages whose test binaries link devtemporal (the embedded Temporal server), read from
# `go list -test` so a new package lands on the right side by itself.
DEVTEMPORAL := github.com/tabiji/tabiji/devtemporal
E2E_PKGS = $(shell $(GO) list -test -f '{{if not .ForTest}}{{.ImportPath}} {{join .Deps " "}}{{end}}' ./... | \
	awk '{ p = $$1; sub(/\.test$$/, "", p); if (p == "$(DEVTEMPORAL)") { print p; next } \
	for (i = 2; i <= NF; i++) if ($$i == "$(DEVTEMPORAL)") { print p; break } }' | sort -u)
UNIT_PKGS = $(filter-out $(E2E_PKGS),$(shell $(GO) list ./...))

.PHONY: run test vet lint test-unit test-e2e build postgres chromium

run: postgres
	$(GO) run . dev

test: lint test-unit test-e2e

vet:
	$(GO) vet ./...

lint:
	@$(GOLANGCI_LINT) version 2>/dev/null | grep -q 'version $(GOLANGCI_LINT_VERSION:v%=%) ' || \
		$(GO) install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION)
	$(GOLANGCI_LINT) run --allow-parallel-runners ./...
	cd deploy && $(GOLANGCI_LINT) run --allow-parallel-runners ./...

test-unit: postgres
	$(GO) test -count=1 -timeout 30m $(UNIT_PKGS)
	cd deploy && $(GO) test -count=1 -timeout 10m ./...

test-e2e: postgres chromium
	$(GO) test -count=1 -timeout 45m $(E2E_PKGS)

build:
	CGO_ENABLED=0 $(GO) build -trimpath -o bin/tabiji .

postgres:
	@bash deploy/install-postgres.sh

chromium:
	@bash deploy/install-chromium.sh
