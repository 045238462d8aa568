//go:build errorpages_ablate

package caddyerrorpages

import (
	"net/http"
	"sync/atomic"
)

// An ablation build: a request's X-Errorpages-Ablate header lists what to
// leave out of its rewrite (see ablation); an unknown name leaves out
// nothing. Never ship it: its answers are wrong on purpose.
const ablating = true

// lastAblation remembers the last header value read: the load harness
// sends one value for many requests in a row, so a hook costs a map
// lookup and a string comparison, the same whatever the value.
var lastAblation atomic.Pointer[struct {
	v string
	a ablation
}]

func ablationOf(r *http.Request) ablation {
	v := r.Header[ablateHeader]
	if len(v) == 0 || v[0] == "" {
		return ablation{}
	}
	if l := lastAblation.Load(); l != nil && l.v == v[0] {
		return l.a
	}
	a, _ := parseAblation(v[0])
	lastAblation.Store(&struct {
		v string
		a ablation
	}{v[0], a})
	return a
}
