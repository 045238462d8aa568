// Command load measures Caddy under load from wrk, one suite at a time
// (bench/harness does the work; each suite is a table of what it
// compares):
//
//	go run ./bench/cmd/load -suite load         # error_pages (issue 12): 9 rounds of 3 s
//	go run ./bench/cmd/load -suite validation   # request_validation (issue 9): 7 rounds of 3 s
//	go run ./bench/cmd/load -suite bombs        # peak memory under compressed-body bombs (issue 8): 10 s per case
//
// Common flags:
//
//	-rounds 3 -duration 3s -conns 50   fewer or shorter rounds, other load
//	-pairs "2 3" -skip-rss -skip-go    a subset
//	-pin                               Caddy on core 0, wrk and the upstream on core 1
//	-profile 3                         + a CPU profile of side B of pair 3 (-profile-seconds 10)
//	-port-base 9400                    other ports
//	-caddy /tmp/old/caddy              measure another build
//
// To add a pair, add an entry to the suite's pairs table (load.go,
// validation.go): its title, the two site configurations, the request
// each gets and the answer each must give. Needs wrk (Debian package
// "wrk").
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/errorpages/caddy-errorpages/bench/harness"
)

// suite is one harness run: its defaults and what it measures.
type suite struct {
	defaults harness.Options // Rounds, Duration, PortBase, Out, LogLevel
	run      func(h *harness.H) error
}

var suites = map[string]suite{
	"load":       {harness.Options{Rounds: 9, Duration: "3s", PortBase: 9300, Out: "bench/out"}, runLoad},
	"validation": {harness.Options{Rounds: 7, Duration: "3s", PortBase: 9330, Out: "bench/out/validation", LogLevel: "ERROR"}, runValidation},
	"bombs":      {harness.Options{Duration: "10s", PortBase: 9330, Out: "bench/out/bombs"}, runBombs},
}

// boundMiB is the bombs suite's bound over the plain case's peak RSS.
var boundMiB = flag.Int("bound-mib", 32, "bombs: peak RSS bound over the plain case, in MiB")

func main() {
	name := flag.String("suite", "load", "load, validation or bombs")
	var o harness.Options
	flag.IntVar(&o.Rounds, "rounds", 0, "alternating rounds of every pair (default: the suite's)")
	flag.StringVar(&o.Duration, "duration", "", "one wrk run, as wrk reads it (default: the suite's)")
	flag.IntVar(&o.Conns, "conns", 50, "wrk connections when measuring CPU per request")
	flag.IntVar(&o.MemConns, "memconns", 200, "wrk connections in the peak RSS runs")
	flag.BoolVar(&o.Pin, "pin", false, "Caddy on core 0, wrk and the upstream on core 1")
	pairs := flag.String("pairs", "", "the pairs to run, by ID (\"2 3\"; default all)")
	flag.StringVar(&o.Profile, "profile", "", "a CPU profile of side B of this pair after the rounds")
	flag.IntVar(&o.ProfileSeconds, "profile-seconds", 10, "the profile's length")
	flag.BoolVar(&o.SkipRSS, "skip-rss", false, "no peak RSS runs")
	flag.BoolVar(&o.SkipGo, "skip-go", false, "no Go benchmarks")
	flag.IntVar(&o.PortBase, "port-base", 0, "the suite's ports are offsets from this (default: the suite's)")
	flag.StringVar(&o.CaddyBin, "caddy", "", "measure this Caddy binary instead of building cmd/caddy")
	flag.StringVar(&o.LogLevel, "log-level", "", "Caddy's log level (default: WARN, ERROR for validation)")
	flag.StringVar(&o.CPUClock, "cpu-clock", "ns", "judge on ns (schedstat) or ticks (utime+stime)")
	flag.Parse()
	s, ok := suites[*name]
	if !ok {
		fmt.Fprintf(os.Stderr, "load: no suite %q (load, validation, bombs)\n", *name)
		os.Exit(2)
	}
	o.Pairs = strings.FieldsFunc(*pairs, func(r rune) bool { return r == ' ' || r == ',' })
	o.Out = s.defaults.Out
	if o.Rounds == 0 {
		o.Rounds = s.defaults.Rounds
	}
	if o.Duration == "" {
		o.Duration = s.defaults.Duration
	}
	if o.PortBase == 0 {
		o.PortBase = s.defaults.PortBase
	}
	if o.LogLevel == "" {
		o.LogLevel = s.defaults.LogLevel
	}
	h, err := harness.New(o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
	// Every process started here is ended on the way out, interrupted
	// or not.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sig
		h.Close()
		os.Exit(1)
	}()
	err = s.run(h)
	h.Close()
	if err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
}

// addr is 127.0.0.1:port.
func addr(port int) string { return fmt.Sprintf("127.0.0.1:%d", port) }
