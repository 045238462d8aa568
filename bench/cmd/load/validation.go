package main

import (
	"path/filepath"
	"strings"

	"github.com/errorpages/caddy-errorpages/bench/harness"
)

// The request_validation suite (issue 9). Each pair A/B is judged on
// A/B >= target:
//
//	(1) a valid ~1 KiB JSON order: reverse_proxy alone vs
//	    request_validation + reverse_proxy                        0.90
//	(2) through error_pages + request_validation + reverse_proxy: the
//	    valid order accepted vs an order with 5 problems rejected
//	    (rendered JSON): rejecting costs no more CPU than accepting 1.0
//	(3) peak RSS with 200 connections posting valid 1 MiB bodies:
//	    reverse_proxy vs request_validation + reverse_proxy, against a
//	    bound of 1.5 MiB per body in flight
//	(4) GET /pets, a ~1 KiB JSON answer that conforms to
//	    bench/testdata/pets.yaml: request_validation with responses off
//	    vs responses report (every answer checked)              0.90
//
// Ports: PortBase + 1… the sites, + 9 the admin endpoint (-profile
// only), + 11 the upstream, + 20 the RSS runs.

// validOrder is the valid order, about 1 KiB.
const validOrder = `{"items":[{"sku":"ABC-123","qty":2,"price":{"amount":9.5,"currency":"EUR"}},{"sku":"HAT-0042","qty":1,"price":{"amount":19.99,"currency":"EUR"}},{"sku":"SOCK-7","qty":5,"price":{"amount":3,"currency":"EUR"}},{"sku":"BAG-2024","qty":1,"price":{"amount":49,"currency":"EUR"}}],"shipping":{"line1":"Friedrichstrasse 123, Hinterhaus, 3. OG","city":"Berlin","postcode":"10117","country":"DE"},"payment":{"method":"card","number":"4111111111111111","expiry":"12/29"},"email":"ann.example@example.com","note":"Please leave the parcel with the neighbours on the ground floor if nobody answers the door. Thank you very much for the quick delivery last time, it was great. The hat is a present so please do not include the invoice in the parcel; send it by email instead. If any item is out of stock, ship the rest now and the remainder later. Our building has a new door code since March, so please call the mobile number on the account when you arrive and somebody will come down to open the door for you."}`

// invalidOrder is the same order with 5 problems.
var invalidOrder = strings.NewReplacer(`"qty":2`, `"qty":0`, `"city":"Berlin"`, `"city":""`, `"country":"DE"`, `"country":"XX"`,
	"ann.example@example.com", "nope", `"note"`, `"nots"`).Replace(validOrder)

// orderHeaders are sent with every order.
var orderHeaders = []string{"Content-Type: application/json", "X-Tenant: acme", "Idempotency-Key: 6f1c2a4e-8a47-4c8e-9d7e-2f0b7c1e3a55", "Cookie: session=abcdefghijklmnopqrstuvwxyz"}

func order(name, body string) harness.Request {
	return harness.Request{Name: name, Method: "POST", Headers: append(append([]string(nil), orderHeaders...), "Accept: application/json"), Body: body}
}

var (
	validReq   = order("valid", validOrder)
	invalidReq = order("invalid", invalidOrder)
)

// validationSites are the suite's site configurations.
type validationSites struct{ proxy, validated, pages, responsesOff, responsesReport string }

func newValidationSites(up, doc, pets string) validationSites {
	proxy := "\treverse_proxy " + up + " {\n\t\trewrite /ok\n\t}"
	validated := "\trequest_validation {\n\t\topenapi " + doc + "\n\t}\n" + proxy
	petsSite := func(responses string) string {
		return "\trequest_validation {\n\t\topenapi " + pets + "\n\t\tresponses " + responses + "\n\t}\n\treverse_proxy " + up
	}
	return validationSites{proxy: proxy, validated: validated, pages: "\terror_pages\n" + validated,
		responsesOff: petsSite("off"), responsesReport: petsSite("report")}
}

// validationPairs is the suite's table.
func validationPairs(s validationSites) []harness.Pair {
	json := func(site string, r harness.Request, status int) harness.Side {
		return harness.Side{Site: site, Path: "/api/orders", Req: r, Status: status, Type: "application/json"}
	}
	pets := func(site string) harness.Side {
		return harness.Side{Site: site, Path: "/pets", Req: harness.Request{Name: "pets", Headers: []string{"Accept: application/json"}},
			Status: 200, Type: "application/json"}
	}
	return []harness.Pair{
		{ID: "1", Title: "valid 1 KiB order: reverse_proxy vs request_validation + reverse_proxy",
			A: json(s.proxy, validReq, 200), B: json(s.validated, validReq, 200), Target: 0.90},
		{ID: "2", Title: "error_pages+request_validation: valid accepted vs 5 problems rejected",
			A: json(s.pages, validReq, 200), B: json(s.pages, invalidReq, 400), Target: 1.0},
		{ID: "4", Title: "GET /pets, ~1 KiB JSON answer: responses off vs responses report",
			A: pets(s.responsesOff), B: pets(s.responsesReport), Target: 0.90},
	}
}

func runValidation(h *harness.H) error {
	base := h.Opt.PortBase
	up := addr(base + 11)
	if _, err := h.Prepare("standard modules + error_pages + request_validation", up); err != nil {
		return err
	}
	sites := newValidationSites(up, filepath.Join(h.Root, "validation/testdata/shop/openapi.yaml"), filepath.Join(h.Root, "bench/testdata/pets.yaml"))
	pairs := validationPairs(sites)
	h.Printf("   (the order is %d bytes)\n", len(validOrder))
	b, err := h.ServePairs(pairs, base+1, addr(base+9))
	if err != nil {
		return err
	}
	rejected, err := harness.Send(b.URL(pairs[1].B), invalidReq)
	if err != nil {
		return err
	}
	h.Printf("%s\n", rejected.Body[:min(len(rejected.Body), 600)])
	if err := b.Judge(); err != nil {
		return err
	}

	if !h.Opt.SkipRSS {
		h.Printf("\n== (3) peak RSS with %d connections posting valid 1 MiB bodies (max_body 1 MiB: the order padded with spaces)\n", h.Opt.MemConns)
		big := harness.Request{Name: "big", Method: "POST", Headers: orderHeaders, Body: validOrder, Pad: 1<<20 - len(validOrder) - 64}
		plain, err := h.PeakRSS("plain", sites.proxy, base+20, big, "/api/orders")
		if err != nil {
			return err
		}
		validated, err := h.PeakRSS("validated", sites.validated, base+20, big, "/api/orders")
		if err != nil {
			return err
		}
		// The bound: each body in flight is held once (max_body 1 MiB),
		// plus half again for the garbage collector's headroom (GOGC=100
		// lets the heap reach twice the live data before collecting).
		n := h.Opt.MemConns
		h.Printf("%-72s %9d KiB %9d KiB; bound: %d bodies x 1 MiB x 1.5 = %d MiB over the plain proxy\n",
			"(3) peak RSS: reverse_proxy vs request_validation + reverse_proxy", plain, validated, n, n*3/2)
		extra := float64(validated-plain) / 1024
		verdict := "within the bound"
		if extra > float64(n)*1.5 {
			verdict = "OVER the bound"
		}
		h.Printf("   extra: %.0f MiB for %d bodies in flight (%s)\n", extra, n, verdict)
	}

	if !h.Opt.SkipGo {
		h.Printf("\n== Go benchmarks\n")
		h.GoBench("./validation", "Validate|Route", 20000)
	}
	h.Printf("\n")
	h.MachineNote()
	return nil
}
