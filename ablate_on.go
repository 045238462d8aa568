//go:build errorpages_ablate

package caddyerrorpages

import "net/http"

// An ablation build: a request's X-Errorpages-Ablate header lists what to
// leave out of its rewrite (see ablation); an unknown name leaves out
// nothing. Never ship it: its answers are wrong on purpose.
const ablating = true

func ablationOf(r *http.Request) ablation {
	a, _ := parseAblation(r.Header.Get(ablateHeader))
	return a
}
