# The two commands a newcomer needs:
#   make run    the whole stack on this machine (embedded Temporal, its Web UI, Postgres, API, worker)
#   make test   every test, against real Postgres and a real Temporal server
# Both install PostgreSQL's server binaries from apt when the machine lacks them;
# make test also installs Chromium, for the report pages' browser test.

GO ?= go

.PHONY: run test build postgres chromium

run: postgres
	$(GO) run . dev

test: postgres chromium
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 45m ./...

build:
	CGO_ENABLED=0 $(GO) build -trimpath -o bin/tabiji .

postgres:
	@bash deploy/install-postgres.sh

chromium:
	@bash deploy/install-chromium.sh
