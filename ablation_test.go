package caddyerrorpages

import (
	"reflect"
	"testing"
)

func TestParseAblation(t *testing.T) {
	for _, c := range []struct {
		in      string
		want    ablation
		unknown []string
	}{
		{"", ablation{}, nil},
		{"rid", ablation{rid: true}, nil},
		{" rid , headers,render,parse,floor ", ablation{rid: true, headers: true, render: true, parse: true, floor: true}, nil},
		{"rid,,nope", ablation{rid: true}, []string{"nope"}},
	} {
		got, unknown := parseAblation(c.in)
		if got != c.want || !reflect.DeepEqual(unknown, c.unknown) {
			t.Errorf("parseAblation(%q) = %+v, %q; want %+v, %q", c.in, got, unknown, c.want, c.unknown)
		}
	}
}

// TestNoAblationInReleaseBuilds: without the errorpages_ablate tag, the
// header is ignored.
func TestNoAblationInReleaseBuilds(t *testing.T) {
	if ablating {
		t.Skip("this is the ablation build (errorpages_ablate tag)")
	}
	h := provisioned(t, &Handler{})
	r, w := preparedRequest("application/json")
	r.Header.Set(ablateHeader, "rid,headers,render,parse,floor")
	h.ServeHTTP(w, r, next400)
	if w.h.Get("X-Content-Type-Options") != "nosniff" || w.h.Get("X-Request-Id") == ablatedRID || w.n == len(validationBody) {
		t.Errorf("a release build ablated: headers %v, %d bytes", w.h, w.n)
	}
}
