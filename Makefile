# make run  — the whole API on http://localhost:3000 over an embedded DynamoDB (needs only Go);
#             make run PORT=8080 for another port, still on 127.0.0.1 only
# make e2e BASE_URL=<url> [TOKEN=<jwt>] [READ_TOKEN=<jwt>] [ORIGIN=<origin>]
#           — the black-box suite against a deployment (needs only Go; docs/after-deploy.md)
# make test — every test (also needs Python 3.11+ and Node.js 20.19+ or 22.12+ with npm; installs their tools,
#             pinned, into .venv, tools/dynalite/node_modules and tools/openapi/node_modules)
# make build, make deploy-guided, make deploy — need Go and Python 3.11+, not Node.js

GO      ?= go
PORT    ?= 3000
PYTHON  ?= python3
VENV    := $(CURDIR)/.venv
STAMP   := $(VENV)/.installed-$(shell cksum < requirements-dev.txt | cut -d' ' -f1)
CHECKOV := $(VENV)/checkov/bin/checkov

DYNALITE_DIR := $(CURDIR)/tools/dynalite
DYNALITE_STAMP := $(DYNALITE_DIR)/node_modules/.installed-$(shell cksum < tools/dynalite/package-lock.json | cut -d' ' -f1)
OPENAPI_DIR := $(CURDIR)/tools/openapi
OPENAPI_STAMP := $(OPENAPI_DIR)/node_modules/.installed-$(shell cksum < tools/openapi/package-lock.json | cut -d' ' -f1)
NODE_BIN := $(OPENAPI_DIR)/node_modules/.bin

export DYNALITE := $(DYNALITE_DIR)/node_modules/dynalite/cli.js
export SAM_CLI_TELEMETRY := 0
export REDOCLY_TELEMETRY := off
export REDOCLY_SUPPRESS_UPDATE_NOTICE := true

# The one recipe that builds a function's bootstrap, with the one set of build
# flags: a static, stripped binary without the RPC mode provided.al2023 never
# uses. `sam build` comes here through the build-<LogicalId> targets below
# (BuildMethod: makefile), internal/lambdatest and the benchmark through
# `make bootstrap`.
lambda_build = CGO_ENABLED=0 GOOS=$(2) GOARCH=$(3) $(GO) build -trimpath -buildvcs=false \
	-tags lambda.norpc -ldflags '-s -w' -o $(4) $(1)

FUZZTIME ?= 60s
FUZZ := internal/cliente:FuzzDecodeUpdate internal/cliente:FuzzDecodeCreate internal/cliente:FuzzParseID \
        internal/api:FuzzDecodeCursor internal/api:FuzzReadPaging internal/api:FuzzParseTagList internal/api:FuzzIdempotencyKey \
        internal/api:FuzzPreconditions

.PHONY: run e2e test vet lint spec gotest fuzz bench build deploy deploy-guided tools pytools nodetools clean bootstrap

# Built, then exec'd: Ctrl-C reaches the server itself, which shuts down and
# exits 0, so make reports no error (`go run` would exit 1 in between).
# Quiet (@): its standard output is the server's JSON log alone.
run:
	@$(GO) build -o bin/local ./cmd/local
	@exec bin/local -port $(PORT)

# Built, then exec'd, as run is: a Ctrl-C reaches the suite, which deletes
# what it created before it exits. BASE_URL, TOKEN, READ_TOKEN and ORIGIN
# reach it through the environment (make exports what its command line
# sets), so no token is echoed here.
e2e:
	$(GO) build -o bin/e2e ./cmd/e2e
	exec bin/e2e

test: vet lint spec gotest

vet:
	$(GO) vet ./...

# cfn-lint with informational checks on: any finding at all fails. checkov
# reads the template as SAM's translator hands it to CloudFormation, loops
# expanded (checkov expands no Fn::ForEach itself): every resource as
# written, plus the aliases, versions, permissions and deployment groups; a
# check it skips names its reason in template.yaml.
lint: pytools
	$(VENV)/bin/cfn-lint --include-checks I -- template.yaml
	$(VENV)/bin/sam validate --lint --region us-east-1
	$(VENV)/bin/python tools/samtranslate.py template.yaml > $(VENV)/translated.json
	$(CHECKOV) --quiet --compact --skip-download --framework cloudformation -f $(VENV)/translated.json

# OpenAPI: Redocly's recommended rules (0 errors) and Spectral's spectral:oas
# (0 warnings), then the TypeScript types openapi-typescript makes of it,
# type-checked by tsc against tools/openapi/check.ts. The Go client is checked
# by the Go tests (cmd/local).
spec: nodetools
	$(NODE_BIN)/redocly lint --config $(OPENAPI_DIR)/redocly.yaml openapi.yaml
	$(NODE_BIN)/spectral lint --ruleset $(OPENAPI_DIR)/spectral.yaml --fail-severity warn openapi.yaml
	$(NODE_BIN)/openapi-typescript openapi.yaml -o $(OPENAPI_DIR)/generated/clientes.ts
	$(NODE_BIN)/tsc -p $(OPENAPI_DIR)/tsconfig.json

# The Go benchmarks run once here, and the benchmark program makes a -quick
# smoke run into a temporary folder, so they keep compiling and working; no
# test asserts a timing.
gotest: tools
	$(GO) test -race -shuffle=on -count=1 ./...
	$(GO) test -run '^$$' -bench . -benchtime=1x ./internal/api
	@d=$$(mktemp -d) && $(GO) run ./bench -quick -out $$d/bench.md && rm -rf $$d

# Cold start, footprint, overhead, and each memory size's latency and cost,
# against two baselines side by side in one run; rewrites BENCHMARKS.md and
# BENCHMARKS.svg. It needs the Python tools (sam), not dynalite.
bench: pytools
	$(GO) run ./bench

# Each fuzz target for FUZZTIME; a finding lands in testdata/fuzz/ as a seed
# that every `make test` runs from then on.
fuzz:
	@set -e; for t in $(FUZZ); do \
	  echo "== $${t#*:}"; $(GO) test -run '^$$' -fuzz "^$${t#*:}$$" -fuzztime $(FUZZTIME) ./$${t%%:*}; \
	done

# sam build; make deploy-guided (or deploy) after it. Plain `sam build` and `sam sync`
# build the same bootstraps: the template sends each function here.
build: pytools
	$(VENV)/bin/sam build

# SAM runs these in the repository root (the template's WorkingDirectory) with
# ARTIFACTS_DIR set to the function's build folder.
build-CreateClienteFunction: ; $(call lambda_build,./functions/create,linux,arm64,$(ARTIFACTS_DIR)/bootstrap)
build-ListClientesFunction:  ; $(call lambda_build,./functions/list,linux,arm64,$(ARTIFACTS_DIR)/bootstrap)
build-GetClienteFunction:    ; $(call lambda_build,./functions/get,linux,arm64,$(ARTIFACTS_DIR)/bootstrap)
build-UpdateClienteFunction: ; $(call lambda_build,./functions/update,linux,arm64,$(ARTIFACTS_DIR)/bootstrap)
build-DeleteClienteFunction: ; $(call lambda_build,./functions/delete,linux,arm64,$(ARTIFACTS_DIR)/bootstrap)
build-BackfillFunction:      ; $(call lambda_build,./functions/backfill,linux,arm64,$(ARTIFACTS_DIR)/bootstrap)
build-PreTrafficHookFunction: ; $(call lambda_build,./functions/pretraffic,linux,arm64,$(ARTIFACTS_DIR)/bootstrap)

# make bootstrap PKG=./functions/get OUT=/tmp/bootstrap [GOOS_LAMBDA=linux GOARCH_LAMBDA=amd64]
GOOS_LAMBDA ?= linux
GOARCH_LAMBDA ?= arm64
bootstrap:
	@$(call lambda_build,$(PKG),$(GOOS_LAMBDA),$(GOARCH_LAMBDA),$(OUT))

# The first deploy: sam deploy --guided asks for the stack's name, region
# and parameters and saves the answers in samconfig.toml (docs/first-deploy.md).
deploy-guided: build
	$(VENV)/bin/sam deploy --guided

# Every deploy after it: the answers come from samconfig.toml, and the only
# question is the change set's confirmation (confirm_changeset).
deploy: build
	$(VENV)/bin/sam deploy

tools: pytools nodetools

# Python tools (SAM CLI, cfn-lint, schemathesis, openapi-python-client,
# checkov): build, deploy and tests.
pytools: $(STAMP)

# npm packages: only the tests use them.
nodetools: $(DYNALITE_STAMP) $(OPENAPI_STAMP)

$(STAMP): requirements-dev.txt
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	grep -v '^checkov==' requirements-dev.txt > $(VENV)/requirements.txt
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r $(VENV)/requirements.txt
	$(PYTHON) -m venv $(VENV)/checkov
	$(VENV)/checkov/bin/pip install --quiet --disable-pip-version-check "$$(grep '^checkov==' requirements-dev.txt)"
	touch $@

$(DYNALITE_STAMP): tools/dynalite/package.json tools/dynalite/package-lock.json
	rm -rf $(DYNALITE_DIR)/node_modules
	npm ci --prefix $(DYNALITE_DIR) --ignore-scripts --no-audit --no-fund
	touch $@

$(OPENAPI_STAMP): tools/openapi/package.json tools/openapi/package-lock.json
	rm -rf $(OPENAPI_DIR)/node_modules
	npm ci --prefix $(OPENAPI_DIR) --ignore-scripts --no-audit --no-fund
	touch $@

clean:
	rm -rf $(VENV) $(DYNALITE_DIR)/node_modules $(OPENAPI_DIR)/node_modules $(OPENAPI_DIR)/generated .aws-sam bin
