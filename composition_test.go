package caddyerrorpages

import (
	"strings"
	"testing"
)

// Issue 18: every config does what it says. Each test loads the config
// of the issue into the real server.

// Nested error_pages: the innermost one that renders an error owns it;
// the outer one passes the rendered response through untouched.
func TestNestedErrorPagesInnermostOwns(t *testing.T) {
	tester := startCaddy(t, globalOptions+`
http://localhost:9080 {
	error_pages {
		brand {
			name Outer
		}
		message 409 "Outer conflict"
	}
	handle /docs/* {
		error_pages {
			brand {
				name Inner
			}
		}
		error 404
	}
	handle /narrow/* {
		error_pages {
			status 5xx
			brand {
				name Inner
			}
		}
		error 409
	}
	handle /up/* {
		error_pages {
			brand {
				name Inner
			}
		}
		respond "upstream said no" 403
	}
}
`)
	rows := []struct {
		name, path, accept string
		code               int
		want, notWant      []string
	}{
		{"browser gets the inner page", "/docs/x", browserAccept, 404,
			[]string{"<title>404 Not Found · Inner"}, []string{"Outer"}},
		{"text is rendered once", "/docs/x", "text/plain", 404,
			[]string{"404 Not Found\n"}, nil},
		{"upstream error rendered by the inner one", "/up/x", browserAccept, 403,
			[]string{"· Inner"}, []string{"Outer"}},
		{"a status the inner one leaves goes to the outer one", "/narrow/x", browserAccept, 409,
			[]string{"Outer conflict", "· Outer"}, []string{"Inner"}},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			r := get(t, tester, "GET", "http://localhost:9080"+row.path, "Accept", row.accept)
			body := string(r.body)
			if r.StatusCode != row.code {
				t.Fatalf("status %d, want %d\n%s", r.StatusCode, row.code, body)
			}
			for _, w := range row.want {
				if !strings.Contains(body, w) {
					t.Errorf("body lacks %q:\n%s", w, body)
				}
			}
			for _, w := range row.notWant {
				if strings.Contains(body, w) {
					t.Errorf("body has %q:\n%s", w, body)
				}
			}
			if n := strings.Count(body, "404 Not Found"); row.accept == "text/plain" && n != 1 {
				t.Errorf("the text body says 404 Not Found %d times:\n%s", n, body)
			}
		})
	}
	// A JSON answer carries no page policy of an inner HTML render.
	r := get(t, tester, "GET", "http://localhost:9080/docs/x", "Accept", "application/json")
	if csp := r.Header.Get("Content-Security-Policy"); csp != "" {
		t.Errorf("JSON answer has Content-Security-Policy %q", csp)
	}
	if e := decodeEnvelope(t, r.body); e.Error.Code != 404 || e.Error.Message != "Not Found" {
		t.Errorf("envelope = %+v", e)
	}
}
