package main

import (
	"fmt"

	"github.com/errorpages/caddy-errorpages/bench/harness"
)

// The bombs suite (issue 8): peak memory under compressed-body bombs. One
// fresh Caddy process per case (error_pages + reverse_proxy to the
// loopback upstream, whose /bomb/* answers are described in
// bench/upstream), Conns connections for Duration with wrk, then the
// process's peak RSS (VmHWM) against the plain JSON 400 case, with req/s
// and Caddy's CPU per request beside it.
//
// Bound: peak RSS <= plain + 32 MiB (-bound-mib). Why 32: at most
// GOMAXPROCS bodies decode at once, each with about 1 MiB of decoder
// state (a window of max_body + 128 KiB and three 128 KiB zstd block
// buffers), plus, per in-flight response, the buffered upstream body
// (max_body, as for plain) and the decoded bytes (at most 2 x max_body
// while growing): 50 x 128 KiB = 6.4 MiB. Doubled for the GC's headroom
// (GOGC=100), that is about 16 MiB; the bound leaves as much again for
// noise. Before the fix these cases reached 1.4 to 1.9 GB.
//
// Ports: PortBase + 1 the upstream, + 2 the site.

// bombCase is one row of the table: the first is the reference.
type bombCase struct{ id, title, path string }

var bombCases = []bombCase{
	{"plain", "plain JSON 400", "/bad"},
	{"br", "brotli: WBITS 24, 16 MiB meta-block, 40 bytes", "/bomb/br"},
	{"zstd", "zstd: 64 MiB window, 2 KiB", "/bomb/zstd"},
	{"zstd-single", "zstd: single segment, 64 MiB content size", "/bomb/zstd-single"},
	{"gzip-chain", "2600 nested gzip layers", "/bomb/gzip-chain"},
	{"zstd-chain", "3000 nested zstd layers", "/bomb/zstd-chain"},
}

// bombResult is what one case measured.
type bombResult struct {
	hwm int // KiB
	m   harness.Measurement
}

func runBombs(h *harness.H) error {
	base := h.Opt.PortBase
	up, port := addr(base+1), base+2
	if _, err := h.Prepare("standard modules + error_pages", up); err != nil {
		return err
	}
	site := harness.Site{Port: port, Body: "\terror_pages\n\treverse_proxy " + up}
	script, err := h.Script(jsonReq)
	if err != nil {
		return err
	}
	h.Printf("== %d connections for %s per case, one fresh Caddy each\n", h.Opt.Conns, h.Opt.Duration)
	results := map[string]bombResult{}
	for _, c := range bombCases {
		r, err := runBomb(h, c, site, script)
		if err != nil {
			return err
		}
		results[c.id] = r
	}

	plain := results[bombCases[0].id].hwm
	bound := plain + *boundMiB*1024
	h.Printf("\n%-50s %12s %10s %12s %14s %s\n", "case", "peak RSS", "req/s", "CPU µs/req", "bound", "")
	for i, c := range bombCases {
		r := results[c.id]
		if i == 0 {
			h.Printf("%-50s %8.1f MiB %10.0f %12.1f %14s\n", c.title, float64(r.hwm)/1024, r.m.RPS, r.m.US, "(reference)")
			continue
		}
		verdict := "met"
		if r.hwm > bound {
			verdict = "MISSED"
		}
		h.Printf("%-50s %8.1f MiB %10.0f %12.1f %10.1f MiB %s\n", c.title, float64(r.hwm)/1024, r.m.RPS, r.m.US, float64(bound)/1024, verdict)
	}
	h.Printf("\nbound: peak RSS <= plain + %d MiB; caddy %s\n", *boundMiB, h.Caddy)
	h.MachineNote()
	return nil
}

// runBomb measures one case on a fresh Caddy: its answer, CPU per
// request under load, then its peak RSS.
func runBomb(h *harness.H, c bombCase, site harness.Site, script string) (bombResult, error) {
	caddy, err := h.StartCaddy(c.id, h.Caddyfile("", site))
	if err != nil {
		return bombResult{}, err
	}
	defer h.Stop(caddy)
	url := fmt.Sprintf("http://127.0.0.1:%d%s", site.Port, c.path)
	a, err := harness.Send(url, jsonReq)
	if err != nil {
		return bombResult{}, err
	}
	h.Printf("   %s: %s -> %d\n", c.id, a.Body[:min(len(a.Body), 300)], a.Status)
	m, err := h.Measure(caddy, url, script)
	if err != nil {
		return bombResult{}, err
	}
	hwm, err := h.VmHWM(caddy)
	return bombResult{hwm, m}, err
}
