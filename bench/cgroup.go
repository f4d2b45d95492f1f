package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// Lambda gives a function CPU in proportion to its memory: 1,769 MB is one
// full vCPU.
const (
	mbPerVCPU = 1769
	cpuRoot   = "/sys/fs/cgroup/cpu" // the cgroup v1 cpu controller
	// µs: short, so that a small share comes in small slices rather than
	// one burst and a long wait, and long enough that 128 MB's quota stays
	// above the kernel's 1 ms minimum.
	cfsPeriod = 20000
)

// cpuGroup is a child group of the cpu controller, made by this run alone,
// whose quota emulates the CPU share of one memory size.
type cpuGroup struct {
	dir   string
	quota int // µs of CPU per cfsPeriod
}

// newCPUGroup creates the group for memoryMB, or says why it cannot.
func newCPUGroup(memoryMB int) (*cpuGroup, error) {
	g := &cpuGroup{
		dir:   filepath.Join(cpuRoot, fmt.Sprintf("clientes-bench-%d-%dmb", os.Getpid(), memoryMB)),
		quota: cfsPeriod * memoryMB / mbPerVCPU,
	}
	if err := os.Mkdir(g.dir, 0o755); err != nil {
		return nil, fmt.Errorf("cannot create a cgroup under %s (%v): the memory sizes are not emulated; run as root on a machine with the cgroup v1 cpu controller mounted there", cpuRoot, err)
	}
	for file, v := range map[string]int{"cpu.cfs_period_us": cfsPeriod, "cpu.cfs_quota_us": g.quota} {
		if err := os.WriteFile(filepath.Join(g.dir, file), []byte(strconv.Itoa(v)), 0o644); err != nil {
			g.remove()
			return nil, fmt.Errorf("%s/%s: %v", g.dir, file, err)
		}
	}
	return g, nil
}

// add moves a process into the group; the processes it starts from then on
// are born in it.
func (g *cpuGroup) add(pid int) error {
	return os.WriteFile(filepath.Join(g.dir, "cgroup.procs"), []byte(strconv.Itoa(pid)), 0o644)
}

// remove deletes the group once the processes in it have exited.
func (g *cpuGroup) remove() error {
	var err error
	for range 50 {
		if err = os.Remove(g.dir); err == nil || os.IsNotExist(err) {
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("remove %s: %v", g.dir, err)
}
