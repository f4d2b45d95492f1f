package functions_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestGuidedDeploy runs the first deploy as docs/first-deploy.md tells it,
// `sam deploy --guided` with samconfig.toml, answering every question with
// Enter (a public API) or with an issuer, up to where SAM CLI first calls
// AWS, which here is a closed port on loopback. Every question it asks is
// in docs/first-deploy.md, and none is "<function> has no authentication.
// Is this okay?", whose default answer (N) would end the deploy.
func TestGuidedDeploy(t *testing.T) {
	sam := samPath(t)
	doc, err := os.ReadFile("../docs/first-deploy.md")
	if err != nil {
		t.Fatal(err)
	}
	// The parameters in the order the template declares them, which is the
	// order the guided deploy asks for them.
	var params []string
	src, err := os.ReadFile("../template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	section := regexp.MustCompile(`(?ms)^Parameters:\n(.*?)\n\S`).FindSubmatch(src)
	for _, m := range regexp.MustCompile(`(?m)^  (\w+):$`).FindAllSubmatch(section[1], -1) {
		params = append(params, string(m[1]))
	}
	if len(params) != len(readTemplate(t).Parameters) {
		t.Fatalf("read parameters %v from template.yaml, want all %d", params, len(readTemplate(t).Parameters))
	}
	for _, tc := range []struct {
		name    string
		answers map[string]string // parameter → answer; Enter for the rest
	}{
		{"public", nil},
		{"with an issuer", map[string]string{"AuthIssuer": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Example", "AuthAudience": "app-client-1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for _, f := range []string{"template.yaml", "samconfig.toml"} {
				b, err := os.ReadFile("../" + f)
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			// Stack name and region, the parameters, then Enter for the rest.
			stdin := "\n\n"
			for _, p := range params {
				stdin += tc.answers[p] + "\n"
			}
			stdin += strings.Repeat("\n", 20)
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, sam, "deploy", "--guided", "--region", "us-east-1")
			cmd.Dir = dir
			cmd.Stdin = strings.NewReader(stdin)
			// No AWS account: credentials that sign nothing anyone checks and
			// an endpoint nothing listens on.
			for _, kv := range os.Environ() {
				if !strings.HasPrefix(kv, "AWS_") {
					cmd.Env = append(cmd.Env, kv)
				}
			}
			cmd.Env = append(cmd.Env, "SAM_CLI_TELEMETRY=0", "AWS_CONFIG_FILE="+filepath.Join(dir, "none"), "AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(dir, "none"),
				"AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test", "AWS_ENDPOINT_URL=http://127.0.0.1:9", "AWS_MAX_ATTEMPTS=1")
			out, _ := cmd.CombinedOutput()
			text := regexp.MustCompile(`\x1b\[[0-9;]*m`).ReplaceAllString(string(out), "")
			if strings.Contains(text, "has no authentication") || strings.Contains(text, "Security Constraints Not Satisfied") {
				t.Fatalf("the guided deploy asks about authentication:\n%s", text)
			}
			if !strings.Contains(text, "Looking for resources needed for deployment") || !strings.Contains(text, "127.0.0.1:9") {
				t.Fatalf("the guided deploy did not get through its questions to AWS:\n%s", text)
			}
			var asked []string
			for _, m := range regexp.MustCompile(`(?m)(?:^|\t)([A-Z][^\t\n\[]*?) \[[^\]\n]*\]: `).FindAllStringSubmatch(text, -1) {
				asked = append(asked, m[1])
			}
			if len(asked) < len(params)+2 {
				t.Fatalf("found only the questions %q in:\n%s", asked, text)
			}
			for _, q := range asked {
				if !strings.Contains(string(doc), "`"+q+"`") {
					t.Errorf("docs/first-deploy.md does not name the question %q", q)
				}
			}
			t.Logf("asked: %q", asked)
		})
	}
}
