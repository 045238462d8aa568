package main

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/errorpages/caddy-errorpages/bench/harness"
)

// The error_pages suite (issue 12). Each pair A/B is judged on A/B >=
// target; a ratio below 1 means B costs more:
//
//	(1) 200 pass-through: reverse_proxy vs reverse_proxy + error_pages   0.98
//	(2) upstream 400 JSON: proxied untouched vs the rewritten envelope   0.95 (pinned: 0.90)
//	(3) upstream 400 with a browser's Accept and Accept-Language: the
//	    upstream's own HTML error page (bench/upstream answers /bad with
//	    it when Accept names text/html) proxied untouched vs the page
//	    error_pages renders                                              0.90 (pinned: 0.85)
//	(4) local error (JSON): respond of a same-sized static body vs
//	    error 404 rendered by error_pages                                0.90
//	(5) local error (JSON): error 404 + handle_errors { respond } (stock
//	    Caddy) vs error_pages                                            1.10
//	(6) upstream 400 (JSON): the stock recipe (handle_response + error +
//	    handle_errors) vs error_pages                                    1.7
//	(8), (9) reference pairs without a target: (2) and (4) with side A
//	    sending the headers and request ID every error_pages answer
//	    carries through Caddy's header directive, so B/A shows what
//	    error_pages costs beyond them
//	(7) peak RSS of a fresh process under 200 connections: reverse_proxy
//	    vs reverse_proxy + error_pages                                  <= 1.10
//
// What each part of a rewrite costs (request ID, headers, rendering,
// parsing, the interception itself) is measured by Go benchmarks, one per
// part: docs/performance.md names them.
//
// Ports: PortBase + 1 the upstream, + 9 the admin endpoint (-profile
// only), + 11… the sites, + 20 the RSS runs.

var (
	jsonReq    = harness.Request{Name: "json", Headers: []string{"Accept: application/json"}}
	browserReq = harness.Request{Name: "browser", Headers: []string{
		"Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
		"Accept-Language: en-US,en;q=0.9",
	}}
)

// staticBody is pair 4's same-sized static body: the JSON error_pages
// renders for `error 404` (request ID included) is about this long.
const staticBody = `{"error":{"code":404,"type":"not_found","message":"Not Found","details":"The page you are looking for doesn't exist or has moved. Check the address or go back to the home page.","request_id":"00000000-0000-0000-0000-000000000000"}}`

// stockErrors is stock Caddy's way to a JSON or text error:
// handle_errors, reached by `error` (pairs 5 and 6) or by
// handle_response turning an upstream error into one (pair 6).
const stockErrors = "\thandle_errors {\n" +
	"\t\t@json header Accept *application/json*\n" +
	"\t\thandle @json {\n" +
	"\t\t\theader Content-Type application/json\n" +
	"\t\t\trespond `{\"error\":{\"code\":{err.status_code},\"message\":\"{err.status_text}\"}}`\n" +
	"\t\t}\n" +
	"\t\thandle {\n" +
	"\t\t\trespond \"{err.status_code} {err.status_text}\"\n" +
	"\t\t}\n" +
	"\t}"

// contractHeaders are what every error_pages answer carries: nosniff,
// Cache-Control, Vary, Content-Language and Caddy's request UUID as
// X-Request-Id (the reference pairs 8 and 9).
const contractHeaders = "\theader X-Content-Type-Options nosniff\n" +
	"\theader Cache-Control no-store\n" +
	"\theader Vary Accept\n" +
	"\theader Content-Language en\n" +
	"\theader X-Request-Id {http.request.uuid}"

// loadPairs is the suite's table; up is the upstream's address.
func loadPairs(up string) []harness.Pair {
	proxy := "\treverse_proxy " + up
	pages := "\terror_pages\n" + proxy
	stock := "\treverse_proxy " + up + " {\n\t\t@e status 4xx 5xx\n\t\thandle_response @e {\n\t\t\terror \"{rp.status_text}\" {rp.status_code}\n\t\t}\n\t}\n" + stockErrors
	static := "\theader Content-Type application/json\n\trespond `" + staticBody + "` 404"
	localErr := "\terror_pages\n\terror 404"
	stockLocal := "\terror 404\n" + stockErrors
	plainHdr := contractHeaders + "\n" + proxy
	staticHdr := contractHeaders + "\n\theader Content-Type application/json\n\trespond `" +
		strings.Replace(staticBody, "00000000-0000-0000-0000-000000000000", "{http.request.uuid}", 1) + "` 404"

	side := func(site, path string, r harness.Request, status int) harness.Side {
		typ := "application/json"
		if r.Name == browserReq.Name {
			typ = "text/html"
		}
		return harness.Side{Site: site, Path: path, Req: r, Status: status, Type: typ}
	}
	return []harness.Pair{
		{ID: "1", Title: "200 pass-through: reverse_proxy vs reverse_proxy + error_pages",
			A: side(proxy, "/ok", jsonReq, 200), B: side(pages, "/ok", jsonReq, 200), Target: 0.98},
		{ID: "2", Title: "upstream 400 JSON: proxied untouched vs rewritten envelope",
			A: side(proxy, "/bad", jsonReq, 400), B: side(pages, "/bad", jsonReq, 400), Target: 0.95, PinTarget: 0.90},
		{ID: "3", Title: "upstream 400, browser: upstream's HTML page proxied vs rendered page",
			A: side(proxy, "/bad", browserReq, 400), B: side(pages, "/bad", browserReq, 400), Target: 0.90, PinTarget: 0.85},
		{ID: "4", Title: "local error JSON: respond of a static body vs error 404 + error_pages",
			A: side(static, "/x", jsonReq, 404), B: side(localErr, "/x", jsonReq, 404), Target: 0.90},
		{ID: "5", Title: "local error JSON: error 404 + handle_errors { respond } vs error_pages",
			A: side(stockLocal, "/x", jsonReq, 404), B: side(localErr, "/x", jsonReq, 404), Target: 1.10},
		{ID: "6", Title: "upstream 400 JSON: stock Caddy recipe vs error_pages",
			A: side(stock, "/bad", jsonReq, 400), B: side(pages, "/bad", jsonReq, 400), Target: 1.7},
		{ID: "8", Title: "upstream 400 JSON: untouched + contract headers, request ID vs error_pages",
			A: side(plainHdr, "/bad", jsonReq, 400), B: side(pages, "/bad", jsonReq, 400)},
		{ID: "9", Title: "local error JSON: respond + contract headers, request ID vs error_pages",
			A: side(staticHdr, "/x", jsonReq, 404), B: side(localErr, "/x", jsonReq, 404)},
	}
}

func runLoad(h *harness.H) error {
	base := h.Opt.PortBase
	up := addr(base + 1)
	if _, err := h.Prepare("standard modules + error_pages", up); err != nil {
		return err
	}
	pairs := loadPairs(up)
	b, err := h.ServePairs(pairs, base+11, addr(base+9))
	if err != nil {
		return err
	}
	// Pair 3's side B must be error_pages' own page, not the upstream's
	// passed on.
	upstreamPage, err := harness.Send(b.URL(pairs[2].A), browserReq)
	if err != nil {
		return err
	}
	rendered, err := harness.Send(b.URL(pairs[2].B), browserReq)
	if err != nil {
		return err
	}
	if bytes.Equal(upstreamPage.Body, rendered.Body) {
		return fmt.Errorf("%s passed the upstream's HTML page through", b.URL(pairs[2].B))
	}
	if err := b.Judge(); err != nil {
		return err
	}

	if !h.Opt.SkipRSS {
		h.Printf("\n== (7) peak RSS under %d connections, one fresh Caddy process per configuration\n", h.Opt.MemConns)
		proxy, pages := pairs[0].A.Site, pairs[0].B.Site
		plain, err := h.PeakRSS("plain", proxy, base+20, jsonReq, "/ok", "/bad")
		if err != nil {
			return err
		}
		withPages, err := h.PeakRSS("pages", pages, base+20, jsonReq, "/ok", "/bad")
		if err != nil {
			return err
		}
		ratio := float64(withPages) / float64(plain)
		verdict := "met"
		if ratio > 1.10 {
			verdict = "MISSED"
		}
		h.Printf("%-68s %9d KiB %9d KiB %7.3f %5s %s\n", "(7) peak RSS: reverse_proxy vs reverse_proxy + error_pages", plain, withPages, ratio, "<=1.10", verdict)
	}

	if !h.Opt.SkipGo {
		h.Printf("\n== Go benchmarks: time and allocations per request\n")
		h.GoBench(".", "PassThrough|Rewrite|Intercept|RequestID|Headers", 20000)
		h.GoBench("./errorpages", "Negotiate", 200000)
		h.GoBench("./errorpages", "^BenchmarkRender$", 20000)
		h.GoBench("./errorpages", "^BenchmarkParse$", 200000)
		out := h.GoTest("-count=1", "-run", "TestPassThroughAllocations", "-v", ".")
		for _, l := range strings.Split(out, "\n") {
			if strings.Contains(l, "allocations per request") || strings.HasPrefix(l, "--- FAIL") || strings.HasPrefix(l, "FAIL") {
				h.Printf("%s\n", l)
			}
		}
	}
	h.Printf("\n")
	h.MachineNote()
	return nil
}
