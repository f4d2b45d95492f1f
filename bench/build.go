package main

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/clientes-api/clientes/internal/lambdatest"
)

// sizes maps a target to its bootstrap's size in bytes, by GOARCH.
type sizes map[string]map[string]int64

var arches = func() []string {
	if runtime.GOARCH == "arm64" {
		return []string{"arm64"}
	}
	return []string{"arm64", runtime.GOARCH}
}()

// buildAll builds every target for linux/arm64 and linux/GOARCH under
// tmp/linux-<arch>/<name>/bootstrap with lambdatest.Build (the Makefile's
// one recipe), and measures them.
func buildAll(tmp string) (sizes, error) {
	out := sizes{}
	for _, t := range targets {
		out[t.name] = map[string]int64{}
		for _, arch := range arches {
			bin := filepath.Join(tmp, "linux-"+arch, t.name, "bootstrap")
			if err := lambdatest.Build(".", t.pkg, bin, "linux", arch); err != nil {
				return nil, err
			}
			st, err := os.Stat(bin)
			if err != nil {
				return nil, err
			}
			out[t.name][arch] = st.Size()
		}
	}
	return out, nil
}

func buildEmulator(out string) error { return lambdatest.BuildEmulator(".", out) }

// machine is what the report says about where it ran.
type machine struct {
	NProc     int
	CPU       string
	GoVersion string
	Kernel    string
	Date      string
}

func describeMachine() machine {
	m := machine{NProc: runtime.NumCPU(), Date: time.Now().UTC().Format("2006-01-02 15:04")}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
	}
	if out, err := exec.Command("nproc").Output(); err == nil {
		if n, err := strconv.Atoi(strings.TrimSpace(string(out))); err == nil {
			m.NProc = n
		}
	}
	if out, err := exec.Command("go", "version").Output(); err == nil {
		m.GoVersion = strings.TrimSpace(string(out))
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	return m
}

// lines counts the non-test Go lines of the product (internal/, cmd/,
// functions/) and of bench/, and bench's longest file.
type lines struct {
	Product, Bench, Longest int
	LongestFile             string
}

func countLines() (lines, error) {
	var l lines
	for _, root := range []string{"internal", "cmd", "functions", "bench"} {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			n := bytes.Count(b, []byte("\n"))
			if root != "bench" {
				l.Product += n
				return nil
			}
			l.Bench += n
			if n > l.Longest {
				l.Longest, l.LongestFile = n, path
			}
			return nil
		})
		if err != nil {
			return l, err
		}
	}
	return l, nil
}
