package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// samBuild runs plain `sam build`, as a user or a CI pipeline would, into
// tmp and reads each function's bootstrap size.
func samBuild(tmp string) (map[string]int64, error) {
	sam, err := filepath.Abs(".venv/bin/sam")
	if err == nil {
		_, err = os.Stat(sam)
	}
	if err != nil {
		return nil, fmt.Errorf("sam not installed (%v): run `make tools` first", err)
	}
	dir := filepath.Join(tmp, "sam")
	cmd := exec.Command(sam, "build", "--template-file", "template.yaml", "--build-dir", dir, "--cache-dir", dir+"-cache")
	cmd.Env = append(os.Environ(), "SAM_CLI_TELEMETRY=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("sam build: %v\n%s", err, b)
	}
	out := map[string]int64{}
	for _, t := range functions() {
		info, err := os.Stat(filepath.Join(dir, t.function, "bootstrap"))
		if err != nil {
			return nil, err
		}
		out[t.name] = info.Size()
	}
	return out, nil
}
