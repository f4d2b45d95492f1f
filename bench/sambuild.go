package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// samSizes is what `sam build` writes for each function: plainly, and with
// the environment `make build` gives it.
type samSizes struct {
	plain, flagged map[string]int64 // by target name
}

// samBuild runs `sam build` twice into tmp and reads the bootstraps' sizes.
// SAM's go1.x builder takes no build flags from the template but -trimpath
// (TrimGoPath); it passes its environment to `go build`, so GOFLAGS is how
// the others reach it.
func samBuild(tmp string) (*samSizes, error) {
	sam, err := filepath.Abs(".venv/bin/sam")
	if err == nil {
		_, err = os.Stat(sam)
	}
	if err != nil {
		return nil, fmt.Errorf("sam not installed (%v): run `make tools` first", err)
	}
	out := &samSizes{plain: map[string]int64{}, flagged: map[string]int64{}}
	for _, run := range []struct {
		dir   string
		env   []string
		sizes map[string]int64
	}{
		{filepath.Join(tmp, "sam-plain"), []string{"GOFLAGS=-buildvcs=false"}, out.plain},
		{filepath.Join(tmp, "sam-flags"), nil, out.flagged},
	} {
		cmd := exec.Command(sam, "build", "--template-file", "template.yaml", "--build-dir", run.dir, "--cache-dir", run.dir+"-cache")
		cmd.Env = append(os.Environ(), append(run.env, "SAM_CLI_TELEMETRY=0")...)
		if b, err := cmd.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("sam build: %v\n%s", err, b)
		}
		for _, t := range targets {
			if t.route == nil {
				continue
			}
			info, err := os.Stat(filepath.Join(run.dir, t.route.Function, "bootstrap"))
			if err != nil {
				return nil, err
			}
			run.sizes[t.name] = info.Size()
		}
	}
	return out, nil
}
