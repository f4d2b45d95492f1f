package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/clientes-api/clientes/internal/gateway"
	"github.com/clientes-api/clientes/internal/store"
)

// TestOpenAPIPythonClient generates a client from openapi.yaml with
// openapi-python-client, which must do so without a warning, and drives the
// server `make run` starts through it (tools/clients): a create with an
// email, a get and a conditional get, a list paged to its null next_cursor,
// an update with If-Match and a stale one's 412, null clearing telefono, a
// keyed create replayed, a delete.
func TestOpenAPIPythonClient(t *testing.T) {
	venv, err := filepath.Abs("../../.venv/bin")
	if err != nil {
		t.Fatal(err)
	}
	gen := filepath.Join(venv, "openapi-python-client")
	if _, err := os.Stat(gen); err != nil {
		t.Fatalf("openapi-python-client not found (%v): run the tests with `make test`, which installs it", err)
	}
	spec, err := filepath.Abs("../../openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	script, err := filepath.Abs("../../tools/clients/openapi_python_client_cycle.py")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	// PATH: it formats what it generates with the ruff installed beside it.
	env := append(os.Environ(), "PATH="+venv+string(os.PathListSeparator)+os.Getenv("PATH"))
	cmd := exec.Command(gen, "generate", "--path", spec, "--output-path", filepath.Join(dir, "clientes_api"), "--meta", "none")
	cmd.Dir, cmd.Env = dir, env
	out, err := cmd.CombinedOutput()
	if err != nil || strings.Contains(strings.ToLower(string(out)), "warning") {
		t.Fatalf("openapi-python-client generate (%v):\n%s", err, out)
	}

	base := serve(t, store.Config{Table: "python-client", Region: "us-east-1"}, gateway.DefaultThrottle)
	cmd = exec.Command(filepath.Join(venv, "python"), script, base, "clientes_api")
	cmd.Dir, cmd.Env = dir, append(env, "PYTHONPATH="+dir)
	out, err = cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "cycle: ok") {
		t.Fatalf("the cycle through the generated client failed (%v):\n%s", err, out)
	}
}
