# make run  — the whole API on http://localhost:3000 over an embedded DynamoDB (needs only Go)
# make test — every test (also needs Python 3; installs its tools, pinned, into .venv)

GO      ?= go
PYTHON  ?= python3
VENV    := $(CURDIR)/.venv
STAMP   := $(VENV)/.installed-$(shell cksum < requirements-dev.txt | cut -d' ' -f1)

export MOTO_SERVER := $(VENV)/bin/moto_server
export SAM_CLI_TELEMETRY := 0

# What SAM's go1.x builder honours: it runs `go build` with this environment
# (TrimGoPath in the template adds -trimpath). internal/lambdatest keeps the same.
SAM_GO_ENV := CGO_ENABLED=0 GOFLAGS="-buildvcs=false -tags=lambda.norpc '-ldflags=-s -w'"

FUZZTIME ?= 60s
FUZZ := internal/cliente:FuzzDecodeUpdate internal/cliente:FuzzDecodeCreate internal/cliente:FuzzParseID \
        internal/api:FuzzDecodeCursor internal/api:FuzzReadPaging

.PHONY: run test vet lint gotest fuzz build deploy tools clean

run:
	$(GO) run ./cmd/local

test: vet lint gotest

vet:
	$(GO) vet ./...

# cfn-lint with informational checks on: any finding at all fails.
lint: tools
	$(VENV)/bin/cfn-lint --include-checks I -- template.yaml
	$(VENV)/bin/sam validate --lint --region us-east-1

gotest: tools
	$(GO) test -race -count=1 ./...

# Each fuzz target for FUZZTIME; a finding lands in testdata/fuzz/ as a seed
# that every `make test` runs from then on.
fuzz:
	@set -e; for t in $(FUZZ); do \
	  echo "== $${t#*:}"; $(GO) test -run '^$$' -fuzz "^$${t#*:}$$" -fuzztime $(FUZZTIME) ./$${t%%:*}; \
	done

# sam build with the build flags; sam deploy --guided after it.
build: tools
	env $(SAM_GO_ENV) $(VENV)/bin/sam build

deploy: build
	$(VENV)/bin/sam deploy --guided

tools: $(STAMP)

$(STAMP): requirements-dev.txt
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

clean:
	rm -rf $(VENV) .aws-sam bin
