package main

import (
	"debug/elf"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
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
// tmp/linux-<arch>/<name>/bootstrap, with lambdatest.Build (BuildFlags,
// CGO_ENABLED=0), and measures them.
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

// breakdown is where the bytes of an arm64 binary go, from the ELF symbol
// table of an unstripped build (the same flags but -s -w; the same symbols
// `go tool nm -size` lists). Only what is loaded counts: no DWARF, symbol
// table or BSS. Code and data are attributed to their package exactly; the
// read-only data and the function tables (.rodata, .gopclntab) are mostly
// not symbolised and grow with the code, so they get a row of their own.
type breakdown struct {
	names  []string                    // the binaries compared
	groups map[string]map[string]int64 // binary → group → bytes
	pkgs   map[string]map[string]int64 // binary → package → bytes
	total  map[string]int64            // binary → loaded bytes
}

const tablesGroup = "read-only data and function tables (.rodata, .gopclntab)"

// sizeBreakdown builds hello, sdkfloor and get for linux/arm64 without
// stripping and adds up their symbols by package.
func sizeBreakdown(tmp string) (*breakdown, error) {
	b := &breakdown{names: []string{"hello", "sdkfloor", "get"},
		groups: map[string]map[string]int64{}, pkgs: map[string]map[string]int64{}, total: map[string]int64{}}
	for _, name := range b.names {
		bin := filepath.Join(tmp, "nm", name)
		cmd := exec.Command("go", "build", "-o", bin, "-trimpath", "-tags", "lambda.norpc", find(name).pkg)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=arm64")
		if out, err := cmd.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("go build %s: %v\n%s", name, err, out)
		}
		f, err := elf.Open(bin)
		if err != nil {
			return nil, err
		}
		syms, err := f.Symbols()
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("symbols of %s: %v", name, err)
		}
		groups, pkgs := map[string]int64{}, map[string]int64{}
		for _, sec := range f.Sections {
			if sec.Flags&elf.SHF_ALLOC == 0 || sec.Type == elf.SHT_NOBITS {
				continue
			}
			b.total[name] += int64(sec.Size)
			if sec.Name == ".rodata" || sec.Name == ".gopclntab" {
				groups[tablesGroup] += int64(sec.Size)
			}
		}
		for _, s := range syms {
			if int(s.Section) >= len(f.Sections) || s.Section == elf.SHN_UNDEF {
				continue
			}
			sec := f.Sections[s.Section]
			if sec.Flags&elf.SHF_ALLOC == 0 || sec.Type == elf.SHT_NOBITS || sec.Name == ".rodata" || sec.Name == ".gopclntab" {
				continue
			}
			pkg := symbolPackage(s.Name)
			pkgs[pkg] += int64(s.Size)
			groups[packageGroup(pkg)] += int64(s.Size)
		}
		f.Close()
		b.groups[name], b.pkgs[name] = groups, pkgs
	}
	return b, nil
}

// symbolPackage is the import path a symbol belongs to.
func symbolPackage(sym string) string {
	sym = strings.TrimPrefix(sym, "type:")
	sym = strings.TrimLeft(sym, "*")
	if strings.HasPrefix(sym, "go:") {
		return "(linker data)"
	}
	if i := strings.IndexAny(sym, "[("); i >= 0 {
		sym = sym[:i]
	}
	slash := strings.LastIndexByte(sym, '/')
	dot := strings.IndexByte(sym[slash+1:], '.')
	if dot < 0 {
		return "(linker data)"
	}
	return sym[:slash+1+dot]
}

func packageGroup(pkg string) string {
	switch {
	case strings.HasPrefix(pkg, "("):
		return "linker data (go:*)"
	case strings.HasPrefix(pkg, "github.com/aws/aws-sdk-go-v2/service/dynamodb"):
		return "AWS SDK: service/dynamodb"
	case strings.HasPrefix(pkg, "github.com/aws/aws-sdk-go-v2"):
		return "AWS SDK: core (aws, signer, retry, credentials)"
	case strings.HasPrefix(pkg, "github.com/aws/smithy-go"):
		return "AWS SDK: smithy-go"
	case strings.HasPrefix(pkg, "github.com/aws/aws-lambda-go"):
		return "aws-lambda-go"
	case strings.HasPrefix(pkg, "github.com/awslabs/aws-lambda-go-api-proxy"):
		return "aws-lambda-go-api-proxy"
	case strings.HasPrefix(pkg, "github.com/clientes-api/clientes"):
		return "this project (internal/...)"
	case strings.HasPrefix(pkg, "net/http"), strings.HasPrefix(pkg, "vendor/golang.org/x/net/http"):
		return "std: net/http"
	case strings.HasPrefix(pkg, "crypto"), strings.HasPrefix(pkg, "vendor/golang.org/x/crypto"):
		return "std: crypto, TLS"
	case !strings.Contains(strings.SplitN(pkg, "/", 2)[0], "."):
		return "std: the rest (runtime, reflect, encoding/json, ...)"
	}
	return "other modules"
}

// machine is what the report says about where it ran.
type machine struct {
	nproc     int
	cpu       string
	goVersion string
	kernel    string
	date      time.Time
}

func describeMachine() machine {
	m := machine{nproc: runtime.NumCPU(), date: time.Now().UTC()}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.cpu = strings.TrimSpace(v)
				break
			}
		}
	}
	if out, err := exec.Command("nproc").Output(); err == nil {
		if n, err := strconv.Atoi(strings.TrimSpace(string(out))); err == nil {
			m.nproc = n
		}
	}
	if out, err := exec.Command("go", "version").Output(); err == nil {
		m.goVersion = strings.TrimSpace(string(out))
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.kernel = strings.TrimSpace(string(b))
	}
	return m
}

// topDeltas lists the packages that grow most from binary a to binary b.
func (bd *breakdown) topDeltas(a, b string, n int) []string {
	seen := map[string]bool{}
	var pkgs []string
	for _, m := range []map[string]int64{bd.pkgs[a], bd.pkgs[b]} {
		for p := range m {
			if !seen[p] {
				seen[p] = true
				pkgs = append(pkgs, p)
			}
		}
	}
	sort.Slice(pkgs, func(i, j int) bool {
		di := bd.pkgs[b][pkgs[i]] - bd.pkgs[a][pkgs[i]]
		dj := bd.pkgs[b][pkgs[j]] - bd.pkgs[a][pkgs[j]]
		if di != dj {
			return di > dj
		}
		return pkgs[i] < pkgs[j]
	})
	if len(pkgs) > n {
		pkgs = pkgs[:n]
	}
	return pkgs
}
