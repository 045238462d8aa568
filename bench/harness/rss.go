package harness

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// PeakRSS runs a fresh Caddy serving site on port, loads it with wrk (two
// threads, Options.MemConns connections, Options.Duration) sending r to
// each path in turn, and returns its peak RSS (VmHWM) in KiB. wrk's req/s
// and non-2xx count go to the error output.
func (h *H) PeakRSS(name, site string, port int, r Request, paths ...string) (int, error) {
	script, err := h.Script(r)
	if err != nil {
		return 0, err
	}
	caddy, err := h.StartCaddy(name, h.Caddyfile("", Site{Port: port, Body: site}))
	if err != nil {
		return 0, err
	}
	defer h.Stop(caddy)
	for _, path := range paths {
		out, err := h.wrk(2, h.Opt.MemConns, script, fmt.Sprintf("http://127.0.0.1:%d%s", port, path))
		if err != nil {
			return 0, err
		}
		for _, line := range strings.Split(out, "\n") {
			if strings.Contains(line, "Requests/sec") || strings.Contains(line, "Non-2xx") || strings.Contains(line, "Socket errors") {
				fmt.Fprintf(h.Err, "   %s %s: %s\n", name, path, line)
			}
		}
	}
	return h.VmHWM(caddy)
}

// VmHWM is p's peak resident set size so far, in KiB.
func (h *H) VmHWM(p *Proc) (int, error) {
	if !p.Alive() {
		return 0, p.gone()
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.Pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) > 1 && f[0] == "VmHWM:" {
			return strconv.Atoi(f[1])
		}
	}
	return 0, fmt.Errorf("no VmHWM in /proc/%d/status", p.Pid)
}
