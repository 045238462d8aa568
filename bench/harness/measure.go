package harness

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// errNoRequests: wrk completed no request in its window.
var errNoRequests = errors.New("wrk completed no request")

// Measurement is one wrk run against Caddy.
type Measurement struct {
	RPS        float64 // wrk's requests per second
	Requests   int     // requests wrk completed
	US         float64 // Caddy's CPU µs per request, by Options.CPUClock
	CPUSeconds float64 // Caddy's CPU time over the run, by schedstat
	Ticks      int     // the same by utime + stime, in clock ticks
	USNS       float64 // µs per request by schedstat
	USTicks    float64 // µs per request by ticks
}

// Measure runs wrk (one thread, Options.Conns connections,
// Options.Duration) with script against url while reading Caddy's CPU
// time before and after; µs per request is that CPU time over the
// requests wrk completed. It fails when wrk completed none and warns of
// socket errors.
func (h *H) Measure(caddy *Proc, url, script string) (Measurement, error) {
	ns0, tk0, err := h.cpu(caddy)
	if err != nil {
		return Measurement{}, err
	}
	out, err := h.wrk(1, h.Opt.Conns, script, url)
	if err != nil {
		return Measurement{}, err
	}
	ns1, tk1, err := h.cpu(caddy)
	if err != nil {
		return Measurement{}, err
	}
	w, err := parseWrk(out)
	if err != nil {
		return Measurement{}, fmt.Errorf("measure %s: %w", url, err)
	}
	if w.SocketErrors != "" {
		fmt.Fprintf(h.Err, "measure: %s: %s\n", url, w.SocketErrors)
	}
	return h.measurement(w, ns1-ns0, tk1-tk0, url)
}

// measurement turns a wrk result and Caddy's CPU deltas into per-request
// figures.
func (h *H) measurement(w wrkResult, ns int64, ticks int, url string) (Measurement, error) {
	if w.Requests <= 0 {
		return Measurement{}, fmt.Errorf("measure: %w against %s", errNoRequests, url)
	}
	if ns <= 0 {
		return Measurement{}, fmt.Errorf("measure: Caddy used no CPU time while serving %s?", url)
	}
	m := Measurement{
		RPS:        w.RPS,
		Requests:   w.Requests,
		CPUSeconds: float64(ns) / 1e9,
		Ticks:      ticks,
		USNS:       float64(ns) / 1e3 / float64(w.Requests),
		USTicks:    float64(ticks) / float64(h.clkTck) * 1e6 / float64(w.Requests),
	}
	m.US = m.USNS
	if h.Opt.CPUClock == "ticks" {
		m.US = m.USTicks
	}
	return m, nil
}

// wrk runs wrk with threads and conns for Options.Duration, its output
// returned.
func (h *H) wrk(threads, conns int, script, url string) (string, error) {
	out, err := h.wrkCmd(threads, conns, h.Opt.Duration, script, url).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("wrk failed: %v: %s", err, out)
	}
	return string(out), nil
}

// wrkCmd is wrk's command line (on the load core under Pin).
func (h *H) wrkCmd(threads, conns int, duration, script, url string) *exec.Cmd {
	argv := append(append([]string(nil), h.loadCPU...), "wrk",
		"-t"+strconv.Itoa(threads), "-c"+strconv.Itoa(conns), "-d"+duration, "-s", script, url)
	return exec.Command(argv[0], argv[1:]...)
}

// wrkResult is what the harness reads of wrk's report.
type wrkResult struct {
	Requests     int     // "N requests in 3.00s, …"
	RPS          float64 // "Requests/sec: …"
	Non2xx       string  // the "Non-2xx or 3xx responses" line
	SocketErrors string  // the "Socket errors" line
}

// parseWrk reads wrk's report.
func parseWrk(out string) (wrkResult, error) {
	var w wrkResult
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		switch {
		case strings.Contains(line, " requests in ") && len(f) > 0:
			n, err := strconv.Atoi(f[0])
			if err != nil {
				return w, fmt.Errorf("wrk's report: %q", line)
			}
			w.Requests = n
		case strings.HasPrefix(line, "Requests/sec") && len(f) > 1:
			r, err := strconv.ParseFloat(f[1], 64)
			if err != nil {
				return w, fmt.Errorf("wrk's report: %q", line)
			}
			w.RPS = r
		case strings.Contains(line, "Non-2xx"):
			w.Non2xx = strings.TrimSpace(line)
		case strings.Contains(line, "Socket errors"):
			w.SocketErrors = strings.TrimSpace(line)
		}
	}
	return w, nil
}

// cpu reads Caddy's CPU time two ways:
//   - ns: the sum over its threads of /proc/PID/task/*/schedstat's first
//     field, the scheduler's sum_exec_runtime;
//   - ticks: utime + stime of /proc/PID/stat, the same runtime truncated
//     to clock ticks (10 ms at CLK_TCK 100).
//
// The harness judges on ns by default: no resolution to think about,
// where two truncated tick readings per window can be off by up to 2
// ticks (0.8% of a 2.4 s window). Its blind spot, a thread that exits
// inside a window taking its time with it, does not arise here: Go ends
// a thread only when a goroutine locked to it exits.
func (h *H) cpu(p *Proc) (ns int64, ticks int, err error) {
	if !p.Alive() {
		return 0, 0, p.gone()
	}
	files, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/schedstat", p.Pid))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue // a thread that ended between the listing and now
		}
		if fs := strings.Fields(string(b)); len(fs) > 0 {
			n, _ := strconv.ParseInt(fs[0], 10, 64)
			ns += n
		}
	}
	st, err := procStat(p.Pid)
	if err != nil {
		return 0, 0, err
	}
	return ns, st.utime + st.stime, nil
}

// stat is what the harness reads of /proc/PID/stat, in clock ticks.
type stat struct{ utime, stime, cutime, cstime int }

// procStat reads /proc/PID/stat (fields 14 to 17: utime, stime, and the
// same for the process's waited-for children).
func procStat(pid int) (stat, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return stat{}, err
	}
	return parseStat(string(b))
}

// parseStat reads a /proc/PID/stat line; the fields are counted after the
// command name, which may hold spaces and parentheses.
func parseStat(s string) (stat, error) {
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return stat{}, fmt.Errorf("not a /proc/PID/stat line: %.40q", s)
	}
	f := strings.Fields(s[i+1:]) // f[0] is field 3, the state
	if len(f) < 15 {
		return stat{}, fmt.Errorf("short /proc/PID/stat line: %.40q", s)
	}
	var v [4]int
	for j := range v {
		v[j], _ = strconv.Atoi(f[11+j])
	}
	return stat{v[0], v[1], v[2], v[3]}, nil
}
