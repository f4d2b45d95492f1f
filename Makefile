# make run  — the whole API on http://localhost:3000 over an embedded DynamoDB (needs only Go)
# make test — every test (also needs Python 3 and Node.js with npm; installs their tools,
#             pinned, into .venv, tools/dynalite/node_modules and tools/openapi/node_modules)
# make build, make deploy — need Go and Python 3, not Node.js

GO      ?= go
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

.PHONY: run test vet lint spec gotest fuzz bench build deploy tools pytools nodetools clean bootstrap

# Built, then exec'd: Ctrl-C reaches the server itself, which shuts down and
# exits 0, so make reports no error (`go run` would exit 1 in between).
run:
	$(GO) build -o bin/local ./cmd/local
	exec bin/local

test: vet lint spec gotest

vet:
	$(GO) vet ./...

# cfn-lint with informational checks on: any finding at all fails. checkov
# reads the template as written, then as SAM's translator hands it to
# CloudFormation (aliases, versions, permissions, deployment groups); a check
# it skips names its reason in template.yaml.
lint: pytools
	$(VENV)/bin/cfn-lint --include-checks I -- template.yaml
	$(VENV)/bin/sam validate --lint --region us-east-1
	$(CHECKOV) --quiet --compact --skip-download --framework cloudformation -f template.yaml
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

# sam build; sam deploy --guided after it. Plain `sam build` and `sam sync`
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

# make bootstrap PKG=./functions/get OUT=/tmp/bootstrap [GOOS_LAMBDA=linux GOARCH_LAMBDA=amd64]
GOOS_LAMBDA ?= linux
GOARCH_LAMBDA ?= arm64
bootstrap:
	@$(call lambda_build,$(PKG),$(GOOS_LAMBDA),$(GOARCH_LAMBDA),$(OUT))

deploy: build
	$(VENV)/bin/sam deploy --guided

tools: pytools nodetools

# Python tools (SAM CLI, cfn-lint, schemathesis, checkov): build, deploy and tests.
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
