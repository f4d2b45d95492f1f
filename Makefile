# make run  — the whole API on http://localhost:3000 over an embedded DynamoDB (needs only Go)
# make test — every test (also needs Python 3; installs its tools, pinned, into .venv)

GO      ?= go
PYTHON  ?= python3
VENV    := $(CURDIR)/.venv
STAMP   := $(VENV)/.installed-$(shell cksum < requirements-dev.txt | cut -d' ' -f1)

export MOTO_SERVER := $(VENV)/bin/moto_server
export SAM_CLI_TELEMETRY := 0

.PHONY: run test vet gotest tools clean

run:
	$(GO) run ./cmd/local

test: vet tools gotest

vet:
	$(GO) vet ./...

gotest: tools
	$(GO) test -race -count=1 ./...

tools: $(STAMP)

$(STAMP): requirements-dev.txt
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

clean:
	rm -rf $(VENV) .aws-sam bin
