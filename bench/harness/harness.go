package harness

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
)

// Options are a run's settings; a suite gives the defaults of its own
// (rounds, duration) before the command line overrides them.
type Options struct {
	Rounds   int    // alternating rounds of every pair
	Duration string // one wrk run, as wrk reads it ("3s")
	Conns    int    // wrk's connections when measuring CPU per request
	MemConns int    // wrk's connections in the peak RSS runs
	// Pin puts Caddy alone on core 0 and wrk and the upstream on core 1
	// (taskset); the pairs then have their PIN targets.
	Pin bool
	// PortBase: the suite's ports are offsets from it.
	PortBase int
	// Pairs selects pairs by ID; empty runs them all.
	Pairs []string
	// Profile names a pair whose side B is profiled after the rounds,
	// for ProfileSeconds, through Caddy's admin endpoint.
	Profile        string
	ProfileSeconds int
	SkipRSS        bool   // no peak RSS runs
	SkipGo         bool   // no Go benchmarks
	CaddyBin       string // measure this Caddy instead of building cmd/caddy
	LogLevel       string // Caddy's log level (default WARN)
	CPUClock       string // "ns" (schedstat, default) or "ticks" (stat)
	Out            string // where binaries, Caddyfiles, scripts and logs go
}

// H is one run of a suite: the binaries, the processes it started (all
// ended by Close) and where its output goes.
type H struct {
	Opt      Options
	Root     string // the repository
	Caddy    string // the Caddy binary measured
	Upstream string // bench/upstream's binary
	Out      io.Writer
	Err      io.Writer

	caddyCPU, loadCPU []string // taskset prefixes under Pin
	clkTck            int
	upstream          *Proc

	mu    sync.Mutex
	procs []*Proc
}

// New finds the repository from the working directory, creates opt.Out
// inside it and checks that wrk is installed.
func New(opt Options) (*H, error) {
	root, err := findRoot()
	if err != nil {
		return nil, err
	}
	if opt.LogLevel == "" {
		opt.LogLevel = "WARN"
	}
	if opt.CPUClock == "" {
		opt.CPUClock = "ns"
	}
	if opt.ProfileSeconds == 0 {
		opt.ProfileSeconds = 10
	}
	if !filepath.IsAbs(opt.Out) {
		opt.Out = filepath.Join(root, opt.Out)
	}
	if err := os.MkdirAll(opt.Out, 0o755); err != nil {
		return nil, err
	}
	h := &H{Opt: opt, Root: root, Out: os.Stdout, Err: os.Stderr, clkTck: clockTicks()}
	if _, err := exec.LookPath("wrk"); err != nil {
		return nil, errors.New("wrk is needed: apt-get install wrk")
	}
	if opt.Pin {
		if _, err := exec.LookPath("taskset"); err == nil && numCPU() >= 2 {
			h.caddyCPU = []string{"taskset", "-c", "0"}
			h.loadCPU = []string{"taskset", "-c", "1"}
		} else {
			fmt.Fprintln(h.Err, "pin needs taskset and 2 cores: running unpinned")
			h.Opt.Pin = false
		}
	}
	return h, nil
}

// Prepare is a suite's start: the binaries built, how busy the machine
// is, and the upstream listening on up. what names what this Caddy is
// built with.
func (h *H) Prepare(what, up string) (*Proc, error) {
	fmt.Fprintf(h.Out, "== building caddy (cmd/caddy: %s) and the upstream\n", what)
	if err := h.Build(); err != nil {
		return nil, err
	}
	h.BusyNote()
	return h.StartUpstream(up)
}

// Selected reports whether the pair id is among Options.Pairs (all when
// none is named).
func (h *H) Selected(id string) bool {
	if len(h.Opt.Pairs) == 0 {
		return true
	}
	for _, p := range h.Opt.Pairs {
		if p == id {
			return true
		}
	}
	return false
}

// Printf writes to the run's output.
func (h *H) Printf(format string, args ...any) { fmt.Fprintf(h.Out, format, args...) }

// findRoot walks up from the working directory to this module's go.mod.
func findRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && bytes.Contains(b, []byte("module github.com/errorpages/caddy-errorpages\n")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("run the harness inside the caddy-errorpages repository")
		}
		dir = parent
	}
}

// clockTicks is CLK_TCK, the unit of /proc's utime and stime (100 on
// Linux unless getconf says otherwise).
func clockTicks() int {
	out, err := exec.Command("getconf", "CLK_TCK").Output()
	if err == nil {
		if n, err := strconv.Atoi(strings.TrimSpace(string(out))); err == nil && n > 0 {
			return n
		}
	}
	return 100
}
