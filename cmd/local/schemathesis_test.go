package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/clientes-api/clientes/internal/gateway"
	"github.com/clientes-api/clientes/internal/store"
)

// TestSchemathesis lets schemathesis loose on the server `make run` starts,
// with openapi.yaml, its default checks and the spec's links for stateful
// sequences. unsupported_method is left out: for a method a path lacks, the
// contract wants API Gateway's 404, where that check wants a 405.
func TestSchemathesis(t *testing.T) {
	st, err := filepath.Abs("../../.venv/bin/schemathesis")
	if err == nil {
		_, err = os.Stat(st)
	}
	if err != nil {
		t.Fatalf("schemathesis not found (%v): run the tests with `make test`, which installs it", err)
	}
	spec, err := filepath.Abs("../../openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	maxTime := os.Getenv("SCHEMATHESIS_MAX_TIME")
	if maxTime == "" {
		maxTime = "60"
	}
	base := serve(t, store.Config{Table: "schemathesis", Region: "us-east-1"}, gateway.Throttle{})

	config, err := filepath.Abs("testdata/schemathesis.toml")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(st, "--config-file", config, "run", spec,
		"--url", base,
		"--max-time", maxTime,
		"--warnings", "off",
		"--no-color")
	cmd.Dir = t.TempDir() // it writes a cache there
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("schemathesis found problems (%v):\n%s", err, out)
	}
	m := regexp.MustCompile(`(\d+) generated, (\d+) passed`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("no summary in schemathesis' output:\n%s", out)
	}
	t.Logf("schemathesis: %s cases generated, %s passed", m[1], m[2])
}
