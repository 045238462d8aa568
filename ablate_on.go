//go:build errorpages_ablate

package caddyerrorpages

import "net/http"

// An ablation build: a request's X-Errorpages-Ablate header lists what to
// leave out of its rewrite (see ablation); an unknown name leaves out
// nothing. Never ship it: its answers are wrong on purpose.
const ablating = true

func ablationOf(r *http.Request) ablation {
	v := r.Header[ablateHeader]
	if len(v) == 0 || v[0] == "" {
		return ablation{}
	}
	a, _ := parseAblation(v[0])
	return a
}
