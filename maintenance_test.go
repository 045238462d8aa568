package caddyerrorpages

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"github.com/caddyserver/certmagic"

	"github.com/errorpages/caddy-errorpages/maintenance"
)

func TestMaintenanceCaddyfile(t *testing.T) {
	rows := []struct {
		name  string
		block string
		want  string // JSON of the Maintenance, or the error's text
		err   bool
	}{
		{"on with every option", `maintenance on {
			until 2026-03-01T14:00:00+01:00
			retry_after 5m
			allow 10.0.0.0/8 192.168.1.7
			allow private_ranges
			bypass_header X-Maintenance-Bypass {env.BYPASS}
			message Database upgrade in progress.
			name shop
			storage_key error_pages/maintenance/shop
			poll_interval 2s
		}`, `{"enabled":true,"until":"2026-03-01T14:00:00+01:00","retry_after":300000000000,"allow":["10.0.0.0/8","192.168.1.7","private_ranges"],"bypass_header":"X-Maintenance-Bypass","bypass_value":"{env.BYPASS}","message":"Database upgrade in progress.","name":"shop","storage_key":"error_pages/maintenance/shop","poll_interval":2000000000}`, false},
		{"a block alone is configured but off", `maintenance {
			retry_after 90
		}`, `{"retry_after":90000000000}`, false},
		{"off is off", `maintenance off`, `{}`, false},
		{"on without a block", `maintenance on`, `{"enabled":true}`, false},
		{"an argument other than on or off", `maintenance maybe`, `maintenance: takes on or off`, true},
		{"a time that is not RFC 3339", "maintenance {\n until tomorrow\n}", `until: "tomorrow" is not an RFC 3339 time`, true},
		{"a negative retry_after", "maintenance {\n retry_after -5\n}", `retry_after: "-5" is not a positive duration`, true},
		{"a broken CIDR", "maintenance {\n allow 10.0.0.0/33\n}", `allow: "10.0.0.0/33" is not a CIDR range`, true},
		{"a host name in allow", "maintenance {\n allow example.com\n}", `allow: "example.com" is not an IP address`, true},
		{"a bypass header without a value", "maintenance {\n bypass_header X-Bypass\n}", `bypass_header: needs a header name and a value`, true},
		{"a bypass header that is no header name", "maintenance {\n bypass_header X:Bypass secret\n}", `bypass_header: "X:Bypass" is not a header name`, true},
		{"a switch name with a slash", "maintenance {\n name a/b\n}", `name: "a/b" must be`, true},
		{"an option given twice", "maintenance {\n until 2026-03-01T14:00:00Z\n until 2026-03-02T14:00:00Z\n}", `until is specified more than once`, true},
		{"an unknown option", "maintenance {\n enable\n}", `unknown option "enable"`, true},
		{"until without its time", "maintenance {\n until\n}", `until: needs exactly one argument, got 0`, true},
		{"a message too long", "maintenance {\n message " + strings.Repeat("x", 1001) + "\n}", `message: longer than 1000 bytes`, true},
		{"a poll interval too short", "maintenance {\n storage_key k\n poll_interval 10ms\n}", `poll_interval: must be at least 100ms`, true},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			d := caddyfile.NewTestDispenser("error_pages {\n" + row.block + "\n}")
			var h Handler
			err := h.UnmarshalCaddyfile(d)
			if row.err {
				if err == nil || !strings.Contains(err.Error(), row.want) {
					t.Fatalf("error = %v, want one containing %q", err, row.want)
				}
				if !strings.Contains(err.Error(), "Testfile:") {
					t.Errorf("error %q does not name the line", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got, _ := json.Marshal(h.Maintenance)
			if string(got) != row.want {
				t.Errorf("got  %s\nwant %s", got, row.want)
			}
		})
	}
}

// maintHandler provisions an error_pages handler with maintenance m,
// storage (when not nil) as Caddy's storage.
func maintHandler(t *testing.T, m *maintenance.Maintenance, storage certmagic.Storage) *Handler {
	t.Helper()
	if storage != nil {
		old := maintenance.Storage
		maintenance.Storage = func(caddy.Context) certmagic.Storage { return storage }
		defer func() { maintenance.Storage = old }()
	}
	h := provisioned(t, &Handler{Maintenance: m})
	t.Cleanup(func() { h.Cleanup() })
	return h
}

type maintReply struct {
	code   int
	header http.Header
	body   string
	passed bool // next ran
}

// serveMaint sends one request through h; next answers 200 "ok".
func serveMaint(h *Handler, method, accept, remote string, hdr ...string) maintReply {
	r := httptest.NewRequest(method, "http://example.com/shop", nil)
	r.RemoteAddr = remote
	if accept != "" {
		r.Header.Set("Accept", accept)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	r = caddyhttp.PrepareRequest(r, caddy.NewReplacer(), w, &caddyhttp.Server{})
	var passed bool
	err := h.ServeHTTP(w, r, caddyhttp.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		passed = true
		_, err := io.WriteString(w, "ok")
		return err
	}))
	if err != nil {
		return maintReply{code: -1, body: err.Error()}
	}
	return maintReply{code: w.Code, header: w.Header(), body: w.Body.String(), passed: passed}
}

func TestMaintenanceServe(t *testing.T) {
	h := maintHandler(t, &maintenance.Maintenance{
		Enabled:      true,
		Name:         "t-serve",
		Allow:        []string{"10.0.0.0/8", "2001:db8::/32"},
		BypassHeader: "X-Maintenance-Bypass",
		BypassValue:  "let-me-in",
	}, nil)
	const public = "203.0.113.9:5555"
	rows := []struct {
		name   string
		method string
		accept string
		remote string
		hdr    []string
		tls    *tls.ConnectionState
		ctype  string // "" = passes to next
		has    string
	}{
		{"a browser gets the maintenance page", "GET", browserAccept, public, nil, nil, "text/html; charset=utf-8", `<meta http-equiv="refresh" content="60">`},
		{"an API client gets JSON of type maintenance", "GET", "application/json", public, nil, nil, "application/json", `"type":"maintenance","message":"Down for maintenance"`},
		{"problem+json", "POST", "application/problem+json", public, nil, nil, "application/problem+json", `"title":"Down for maintenance","status":503`},
		{"text", "GET", "text/plain", public, nil, nil, "text/plain; charset=utf-8", "503 Down for maintenance\n"},
		{"xml", "GET", "application/xml", public, nil, nil, "application/xml; charset=utf-8", "<type>maintenance</type>"},
		{"HEAD gets the status and headers, no body", "HEAD", browserAccept, public, nil, nil, "text/html; charset=utf-8", ""},
		{"an allowed IPv4 range passes", "GET", "", "10.1.2.3:4000", nil, nil, "", ""},
		{"an allowed IPv6 range passes", "GET", "", "[2001:db8::1]:4000", nil, nil, "", ""},
		{"an IPv4-mapped IPv6 address in an allowed range passes", "GET", "", "[::ffff:10.1.2.3]:4000", nil, nil, "", ""},
		{"the bypass header with its value passes", "GET", "", public, []string{"X-Maintenance-Bypass", "let-me-in"}, nil, "", ""},
		{"the bypass header with another value does not", "GET", "application/json", public, []string{"X-Maintenance-Bypass", "let-me"}, nil, "application/json", `"type":"maintenance"`},
		{"an allowed address before the TLS handshake completes does not pass", "GET", "application/json", "10.1.2.3:4000", nil, &tls.ConnectionState{}, "application/json", `"type":"maintenance"`},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			r := httptest.NewRequest(row.method, "http://example.com/shop", nil)
			r.RemoteAddr = row.remote
			r.TLS = row.tls
			if row.accept != "" {
				r.Header.Set("Accept", row.accept)
			}
			for i := 0; i+1 < len(row.hdr); i += 2 {
				r.Header.Set(row.hdr[i], row.hdr[i+1])
			}
			w := httptest.NewRecorder()
			r = caddyhttp.PrepareRequest(r, caddy.NewReplacer(), w, &caddyhttp.Server{})
			passed := false
			if err := h.ServeHTTP(w, r, caddyhttp.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
				passed = true
				return nil
			})); err != nil {
				t.Fatal(err)
			}
			if row.ctype == "" {
				if !passed {
					t.Fatalf("request did not pass: %d %s", w.Code, w.Body)
				}
				return
			}
			if passed {
				t.Fatal("request reached the next handler during maintenance")
			}
			if w.Code != 503 || w.Header().Get("Content-Type") != row.ctype || w.Header().Get("Retry-After") != "60" {
				t.Errorf("got %d %q Retry-After %q", w.Code, w.Header().Get("Content-Type"), w.Header().Get("Retry-After"))
			}
			if cl, _ := strconv.Atoi(w.Header().Get("Content-Length")); cl == 0 || row.method != "HEAD" && cl != w.Body.Len() {
				t.Errorf("Content-Length %q for a body of %d", w.Header().Get("Content-Length"), w.Body.Len())
			}
			if row.method == "HEAD" && w.Body.Len() != 0 {
				t.Errorf("HEAD got a body")
			}
			if !strings.Contains(w.Body.String(), row.has) {
				t.Errorf("body lacks %q:\n%s", row.has, w.Body)
			}
			if w.Header().Get("Cache-Control") != "no-store" || w.Header().Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("missing the common headers: %v", w.Header())
			}
		})
	}
}

// The client IP is Caddy's (client_ip: trusted proxies applied), not the
// connection's.
func TestMaintenanceAllowUsesCaddysClientIP(t *testing.T) {
	h := maintHandler(t, &maintenance.Maintenance{Enabled: true, Name: "t-clientip", Allow: []string{"10.0.0.0/8"}}, nil)
	for _, row := range []struct {
		name     string
		remote   string
		clientIP string
		passes   bool
	}{
		{"a forwarded allowed client behind a trusted proxy passes", "192.0.2.1:443", "10.9.9.9", true},
		{"a forwarded public client behind an allowed proxy does not", "10.0.0.1:443", "203.0.113.5", false},
	} {
		t.Run(row.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "http://example.com/", nil)
			r.RemoteAddr = row.remote
			w := httptest.NewRecorder()
			r = caddyhttp.PrepareRequest(r, caddy.NewReplacer(), w, &caddyhttp.Server{})
			caddyhttp.SetVar(r.Context(), caddyhttp.ClientIPVarKey, row.clientIP)
			passed := false
			h.ServeHTTP(w, r, caddyhttp.HandlerFunc(func(http.ResponseWriter, *http.Request) error { passed = true; return nil }))
			if passed != row.passes {
				t.Errorf("passed = %v, want %v", passed, row.passes)
			}
		})
	}
}

func TestMaintenanceRetryAfter(t *testing.T) {
	soon := time.Now().Add(time.Hour).Truncate(time.Second)
	rows := []struct {
		name       string
		m          maintenance.Maintenance
		minS, maxS int
		details    string
	}{
		{"default is 60 seconds", maintenance.Maintenance{}, 60, 60, ""},
		{"retry_after sets it", maintenance.Maintenance{RetryAfter: caddy.Duration(150 * time.Second)}, 150, 150, ""},
		{"a sub-second retry_after is one second", maintenance.Maintenance{RetryAfter: caddy.Duration(time.Millisecond)}, 1, 1, ""},
		{"until in the future: the time left", maintenance.Maintenance{Until: soon.Format(time.RFC3339), RetryAfter: caddy.Duration(time.Minute)}, 3000, 3600, "We expect to be back by " + errorpagesFormat(soon)},
		{"until passed: retry_after again", maintenance.Maintenance{Until: "2020-01-01T00:00:00Z", RetryAfter: caddy.Duration(2 * time.Minute)}, 120, 120, "We expect to be back by January 1, 2020, 00:00 UTC."},
		{"the site's message replaces the description", maintenance.Maintenance{Message: "Moving to a new data center."}, 60, 60, "Moving to a new data center."},
	}
	for i, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			m := row.m
			m.Enabled, m.Name = true, fmt.Sprintf("t-retry-%d", i)
			h := maintHandler(t, &m, nil)
			rep := serveMaint(h, "GET", "application/json", "203.0.113.1:1")
			s, err := strconv.Atoi(rep.header.Get("Retry-After"))
			if err != nil || s < row.minS || s > row.maxS {
				t.Errorf("Retry-After %q, want %d…%d", rep.header.Get("Retry-After"), row.minS, row.maxS)
			}
			e := decodeEnvelope(t, []byte(rep.body))
			if row.details != "" && !strings.Contains(e.Error.Details, row.details) {
				t.Errorf("details %q lack %q", e.Error.Details, row.details)
			}
			html := serveMaint(h, "GET", browserAccept, "203.0.113.1:1")
			if want := `<meta http-equiv="refresh" content="` + html.header.Get("Retry-After") + `">`; !strings.Contains(html.body, want) {
				t.Errorf("page lacks %s", want)
			}
		})
	}
}

func errorpagesFormat(t time.Time) string {
	_, off := t.Zone()
	zone := "UTC"
	if off != 0 {
		sign := "+"
		if off < 0 {
			sign, off = "-", -off
		}
		zone = fmt.Sprintf("UTC%s%02d:%02d", sign, off/3600, off/60%60)
	}
	return t.Format("January 2, 2006, 15:04 ") + zone
}

// Configured but off: requests pass, and errors are still rewritten.
func TestMaintenanceOffPasses(t *testing.T) {
	h := maintHandler(t, &maintenance.Maintenance{Name: "t-off"}, nil)
	if rep := serveMaint(h, "GET", "", "203.0.113.1:1"); !rep.passed || rep.code != 200 {
		t.Errorf("got %d passed=%v", rep.code, rep.passed)
	}
	code, env, _ := serveJSON(t, h, next404, "")
	if code != 404 || env.Error.Type != "not_found" {
		t.Errorf("an error under a switched-off maintenance: %d %q", code, env.Error.Type)
	}
}

// The run-time switch (what the admin API calls) overrides the config until
// the next config load.
func TestMaintenanceRuntimeSwitch(t *testing.T) {
	ctx := context.Background()
	h := maintHandler(t, &maintenance.Maintenance{Name: "t-switch", RetryAfter: caddy.Duration(time.Minute)}, nil)
	sw := h.Maintenance.Switch()
	steps := []struct {
		name  string
		state *maintenance.State
		code  int
		retry string
	}{
		{"config off: passes", nil, 200, ""},
		{"switched on: 503", &maintenance.State{Enabled: true}, 503, "60"},
		{"switched on with its own retry_after", &maintenance.State{Enabled: true, RetryAfter: 300}, 503, "300"},
		{"switched off over the config", &maintenance.State{Enabled: false}, 200, ""},
		{"on again", &maintenance.State{Enabled: true, Message: "Back soon."}, 503, "60"},
	}
	for _, s := range steps {
		if s.state != nil {
			if err := s.state.Check(); err != nil {
				t.Fatal(err)
			}
			if err := sw.Store(ctx, s.state); err != nil {
				t.Fatal(err)
			}
		}
		rep := serveMaint(h, "GET", "application/json", "203.0.113.1:1")
		if rep.code != s.code || rep.header.Get("Retry-After") != s.retry {
			t.Errorf("%s: got %d Retry-After %q", s.name, rep.code, rep.header.Get("Retry-After"))
		}
	}
	if st := sw.Status(); !st.Enabled || st.Source != "admin" || st.Message != "Back soon." {
		t.Errorf("status = %+v", st)
	}
	// A config load (the same name provisioned again) is the truth again.
	h2 := maintHandler(t, &maintenance.Maintenance{Name: "t-switch"}, nil)
	if rep := serveMaint(h2, "GET", "", "203.0.113.1:1"); rep.code != 200 {
		t.Errorf("after a config load: %d, want the config's state (off)", rep.code)
	}
	// Back to the config, from on by config.
	h3 := maintHandler(t, &maintenance.Maintenance{Name: "t-switch-on", Enabled: true}, nil)
	sw3 := h3.Maintenance.Switch()
	sw3.Store(ctx, &maintenance.State{Enabled: false})
	if rep := serveMaint(h3, "GET", "", "203.0.113.1:1"); rep.code != 200 {
		t.Errorf("switched off over config on: %d", rep.code)
	}
	sw3.Store(ctx, nil)
	if rep := serveMaint(h3, "GET", "", "203.0.113.1:1"); rep.code != 503 {
		t.Errorf("back to the config (on): %d", rep.code)
	}
}

// Two instances sharing Caddy's storage: what one switches, the other
// reads. (Two handlers with different switch names stand for two
// instances: within one process, one name is one switch.)
func TestMaintenanceFleetStorage(t *testing.T) {
	ctx := context.Background()
	fsto := &certmagic.FileStorage{Path: t.TempDir()}
	const key = "error_pages/maintenance/fleet.json"
	a := maintHandler(t, &maintenance.Maintenance{Name: "fleet-a", StorageKey: key, PollInterval: caddy.Duration(time.Hour)}, fsto)
	b := maintHandler(t, &maintenance.Maintenance{Name: "fleet-b", StorageKey: key, PollInterval: caddy.Duration(time.Hour)}, fsto)
	code := func(h *Handler) int { return serveMaint(h, "GET", "application/json", "203.0.113.1:1").code }

	on := &maintenance.State{Enabled: true, Until: "2030-01-01T00:00:00Z", Message: "Fleet maintenance."}
	if err := on.Check(); err != nil {
		t.Fatal(err)
	}
	if err := a.Maintenance.Switch().Store(ctx, on); err != nil {
		t.Fatal(err)
	}
	stored, err := os.ReadFile(filepath.Join(fsto.Path, key))
	if err != nil || !bytes.Contains(stored, []byte(`"enabled":true`)) {
		t.Fatalf("stored state: %s, %v", stored, err)
	}
	if code(a) != 503 || code(b) != 200 {
		t.Fatalf("before b reads: a %d, b %d", code(a), code(b))
	}
	if err := b.Maintenance.Switch().Load(ctx); err != nil {
		t.Fatal(err)
	}
	if code(b) != 503 {
		t.Fatalf("b after reading: %d", code(b))
	}
	if rep := serveMaint(b, "GET", "application/json", "203.0.113.1:1"); !strings.Contains(rep.body, "Fleet maintenance. We expect to be back by January 1, 2030") {
		t.Errorf("b's page lacks the stored message and end: %s", rep.body)
	}
	if st := b.Maintenance.Switch().Status(); st.Source != "storage" || st.StorageKey != key {
		t.Errorf("b's status: %+v", st)
	}

	// A new instance (or a restart) starts in the stored state.
	c := maintHandler(t, &maintenance.Maintenance{Name: "fleet-c", StorageKey: key, PollInterval: caddy.Duration(time.Hour)}, fsto)
	if code(c) != 503 {
		t.Errorf("a new instance: %d, want the stored state", code(c))
	}

	// A malformed stored state changes nothing.
	os.WriteFile(filepath.Join(fsto.Path, key), []byte(`{"enabled":tru`), 0o600)
	if err := b.Maintenance.Switch().Load(ctx); err == nil || !strings.Contains(err.Error(), "malformed") {
		t.Errorf("malformed state: err %v", err)
	}
	if code(b) != 503 {
		t.Errorf("after a malformed state: %d, want the last good one", code(b))
	}

	// Back to the config everywhere: the key is deleted.
	if err := a.Maintenance.Switch().Store(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(fsto.Path, key)); !os.IsNotExist(err) {
		t.Errorf("the key is still stored: %v", err)
	}
	b.Maintenance.Switch().Load(ctx)
	if code(a) != 200 || code(b) != 200 {
		t.Errorf("after delete: a %d, b %d", code(a), code(b))
	}
}

// The poller picks up a change made by another instance.
func TestMaintenanceFleetPolls(t *testing.T) {
	fsto := &certmagic.FileStorage{Path: t.TempDir()}
	const key = "maint/poll.json"
	a := maintHandler(t, &maintenance.Maintenance{Name: "poll-a", StorageKey: key, PollInterval: caddy.Duration(100 * time.Millisecond)}, fsto)
	b := maintHandler(t, &maintenance.Maintenance{Name: "poll-b", StorageKey: key, PollInterval: caddy.Duration(100 * time.Millisecond)}, fsto)
	for _, want := range []struct {
		state *maintenance.State
		code  int
	}{{&maintenance.State{Enabled: true}, 503}, {nil, 200}} {
		if err := a.Maintenance.Switch().Store(context.Background(), want.state); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(20 * time.Second) // a bound on waiting, not a measured time
		for serveMaint(b, "GET", "", "203.0.113.1:1").code != want.code {
			if time.Now().After(deadline) {
				t.Fatalf("b never saw the stored state (want %d)", want.code)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

// --- Through a real Caddy: the admin endpoint, metrics, reload, load ---

const adminBase = "http://localhost:2999/error_pages/maintenance"

func adminCall(t *testing.T, method, url, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, ports.URL(url), strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func maintenanceSite(storageRoot, extra string) string {
	storage := ""
	if storageRoot != "" {
		storage = "\tstorage file_system " + storageRoot + "\n"
	}
	return strings.Replace(globalOptions, "\tmetrics\n", "\tmetrics\n"+storage, 1) + `
http://localhost:9080 {
	error_pages {
		maintenance ` + extra + `
	}
	respond /ok "ok" 200
	respond 404
}
`
}

func TestMaintenanceAdminEndpoint(t *testing.T) {
	tester := startCaddy(t, maintenanceSite("", "{\n\t\t\tretry_after 2m\n\t\t}"))
	site := "http://localhost:9080/ok"

	if r := get(t, tester, "GET", site); r.StatusCode != 200 || string(r.body) != "ok" {
		t.Fatalf("before: %d %q", r.StatusCode, r.body)
	}
	code, body := adminCall(t, "POST", adminBase, `{"enabled":true}`)
	if code != 200 || !strings.Contains(body, `"enabled":true`) || !strings.Contains(body, `"source":"admin"`) {
		t.Fatalf("POST: %d %s", code, body)
	}
	r := get(t, tester, "GET", site, "Accept", "application/json")
	if r.StatusCode != 503 || r.Header.Get("Retry-After") != "120" {
		t.Fatalf("after POST: %d Retry-After %q", r.StatusCode, r.Header.Get("Retry-After"))
	}
	if e := decodeEnvelope(t, r.body); e.Error.Type != "maintenance" || e.Error.Code != 503 {
		t.Errorf("body: %s", r.body)
	}
	if got := metricValue(t, `caddy_error_pages_maintenance_total{name="default"}`); got != 1 {
		t.Errorf("caddy_error_pages_maintenance_total = %v, want 1", got)
	}
	if code, body := adminCall(t, "GET", adminBase, ""); code != 200 || !strings.Contains(body, `[{"name":"default","enabled":true`) {
		t.Errorf("GET all: %d %s", code, body)
	}
	if code, body := adminCall(t, "GET", adminBase+"/default", ""); code != 200 || !strings.Contains(body, `"retry_after":120`) {
		t.Errorf("GET one: %d %s", code, body)
	}
	for _, bad := range []struct {
		method, url, body string
		code              int
		has               string
	}{
		{"POST", adminBase, `{"until":"x"}`, 400, `"enabled\" is required`},
		{"POST", adminBase + "/nope", `{"enabled":true}`, 404, `no error_pages handler in the running config has maintenance name \"nope\" (known: default)`},
		{"POST", adminBase + "/a%2Fb", `{"enabled":true}`, 400, `is not a switch name`},
		{"PATCH", adminBase, `{"enabled":true}`, 405, `method PATCH not allowed`},
	} {
		if code, body := adminCall(t, bad.method, bad.url, bad.body); code != bad.code || !strings.Contains(body, bad.has) {
			t.Errorf("%s %s %s: %d %s", bad.method, bad.url, bad.body, code, body)
		}
	}
	if code, body := adminCall(t, "DELETE", adminBase, ""); code != 200 || !strings.Contains(body, `"source":"config"`) {
		t.Errorf("DELETE: %d %s", code, body)
	}
	if r := get(t, tester, "GET", site); r.StatusCode != 200 {
		t.Errorf("after DELETE: %d", r.StatusCode)
	}

	// On by config; the admin switch lasts until the next config load.
	tester = startCaddy(t, maintenanceSite("", "on"))
	if r := get(t, tester, "GET", site); r.StatusCode != 503 {
		t.Errorf("on by config: %d", r.StatusCode)
	}
	adminCall(t, "POST", adminBase, `{"enabled":false}`)
	if r := get(t, tester, "GET", site); r.StatusCode != 200 {
		t.Errorf("switched off by the admin API: %d", r.StatusCode)
	}
	tester = startCaddy(t, maintenanceSite("", "on {\n\t\t\tmessage Reloaded.\n\t\t}"))
	if r := get(t, tester, "GET", site, "Accept", "text/plain"); r.StatusCode != 503 || !strings.Contains(string(r.body), "Reloaded.") {
		t.Errorf("after a reload: %d %s, want the config's state", r.StatusCode, r.body)
	}
}

// With a storage_key the admin endpoint writes the state into Caddy's
// configured storage, where the fleet reads it.
func TestMaintenanceAdminWritesStorage(t *testing.T) {
	root := t.TempDir()
	tester := startCaddy(t, maintenanceSite(root, "{\n\t\t\tstorage_key error_pages/maintenance/site\n\t\t}"))
	if code, body := adminCall(t, "POST", adminBase, `{"enabled":true,"until":"2031-05-01T08:00:00Z"}`); code != 200 || !strings.Contains(body, `"storage_key":"error_pages/maintenance/site"`) {
		t.Fatalf("POST: %d %s", code, body)
	}
	b, err := os.ReadFile(filepath.Join(root, "error_pages/maintenance/site"))
	if err != nil || !bytes.Contains(b, []byte(`"enabled":true,"until":"2031-05-01T08:00:00Z"`)) {
		t.Fatalf("stored: %s %v", b, err)
	}
	if r := get(t, tester, "GET", "http://localhost:9080/ok", "Accept", "text/plain"); r.StatusCode != 503 || !strings.Contains(string(r.body), "May 1, 2031, 08:00 UTC") {
		t.Errorf("%d %s", r.StatusCode, r.body)
	}
	// A restart (a fresh load) reads the stored state.
	tester = startCaddy(t, maintenanceSite(root, "{\n\t\t\tstorage_key error_pages/maintenance/site\n\t\t}"))
	if r := get(t, tester, "GET", "http://localhost:9080/ok"); r.StatusCode != 503 {
		t.Errorf("after a load: %d, want the stored state", r.StatusCode)
	}
	adminCall(t, "DELETE", adminBase, "")
	if _, err := os.Stat(filepath.Join(root, "error_pages/maintenance/site")); !os.IsNotExist(err) {
		t.Errorf("DELETE left the stored state: %v", err)
	}
}

// Switching on and off through the admin endpoint while clients send
// requests: every answer is whole — the normal one, or the complete
// maintenance answer with Retry-After — never broken or empty.
func TestMaintenanceSwitchUnderLoad(t *testing.T) {
	tester := startCaddy(t, maintenanceSite("", "{\n\t\t\tretry_after 30\n\t\t}"))
	const workers, perWorker, toggles = 8, 150, 20
	var normal, maint atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan string, workers*perWorker)
	tr := ports.Transport()
	tr.MaxIdleConnsPerHost = workers
	client := &http.Client{Transport: tr}
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < perWorker; i++ {
				req, _ := http.NewRequest("GET", "http://localhost:9080/ok", nil)
				req.Header.Set("Accept", "application/json")
				res, err := client.Do(req)
				if err != nil {
					errs <- "request failed: " + err.Error()
					continue
				}
				b, err := io.ReadAll(res.Body)
				res.Body.Close()
				switch {
				case err != nil:
					errs <- "reading: " + err.Error()
				case res.StatusCode == 200 && string(b) == "ok":
					normal.Add(1)
				case res.StatusCode == 503 && res.Header.Get("Retry-After") == "30" && res.Header.Get("Content-Length") == strconv.Itoa(len(b)) && json.Valid(b) && bytes.Contains(b, []byte(`"type":"maintenance"`)):
					maint.Add(1)
				default:
					errs <- fmt.Sprintf("garbled: %d %v %q", res.StatusCode, res.Header, b)
				}
			}
		}()
	}
	// The toggler checks each state itself, so both kinds of answer occur
	// whatever the scheduling.
	for i := 0; i < toggles; i++ {
		on := i%2 == 0
		if code, body := adminCall(t, "POST", adminBase, fmt.Sprintf(`{"enabled":%v}`, on)); code != 200 {
			t.Fatalf("toggle %d: %d %s", i, code, body)
		}
		want := 200
		if on {
			want = 503
		}
		if r := get(t, tester, "GET", "http://localhost:9080/ok"); r.StatusCode != want {
			t.Errorf("toggle %d: got %d, want %d", i, r.StatusCode, want)
		}
	}
	wg.Wait()
	close(errs)
	n := 0
	for e := range errs {
		if n++; n <= 5 {
			t.Error(e)
		}
	}
	if n > 0 {
		t.Errorf("%d of %d answers were not whole", n, workers*perWorker)
	}
	if total := normal.Load() + maint.Load(); total != workers*perWorker {
		t.Errorf("%d answers counted, want %d", total, workers*perWorker)
	}
	t.Logf("%d normal, %d maintenance answers during %d switches", normal.Load(), maint.Load(), toggles)
}

// Maintenance configured but off costs a request no allocation: one
// atomic load and a branch.
func TestMaintenanceOffCostsNoAllocation(t *testing.T) {
	plain := provisioned(t, &Handler{})
	off := maintHandler(t, &maintenance.Maintenance{Name: "t-alloc", Allow: []string{"10.0.0.0/8"}, BypassHeader: "X-B", BypassValue: "v"}, nil)
	r, w := preparedRequest("text/html")
	a := testing.AllocsPerRun(200, func() { w.reset(); plain.ServeHTTP(w, r, nextOK) })
	b := testing.AllocsPerRun(200, func() { w.reset(); off.ServeHTTP(w, r, nextOK) })
	if b != a {
		t.Errorf("allocations per request: %.1f with maintenance off, %.1f without it", b, a)
	}
}

func BenchmarkMaintenance(b *testing.B) {
	plain := provisioned(b, &Handler{})
	off := provisioned(b, &Handler{Maintenance: &maintenance.Maintenance{Name: "b-off", Allow: []string{"10.0.0.0/8"}}})
	on := provisioned(b, &Handler{Maintenance: &maintenance.Maintenance{Name: "b-on", Enabled: true, Allow: []string{"192.0.2.0/24"}}})
	b.Cleanup(func() { off.Cleanup(); on.Cleanup() })
	for _, c := range []struct {
		name, accept, remote string
		h                    *Handler
	}{
		{"no maintenance block", "text/html", "203.0.113.1:1", plain},
		{"configured, off", "text/html", "203.0.113.1:1", off},
		{"on, allowed client passes", "text/html", "192.0.2.7:1", on},
		{"on, json answer", "application/json", "203.0.113.1:1", on},
		{"on, html answer", "text/html", "203.0.113.1:1", on},
	} {
		b.Run(c.name, func(b *testing.B) {
			r, w := preparedRequest(c.accept)
			r.RemoteAddr = c.remote
			caddyhttp.SetVar(r.Context(), caddyhttp.ClientIPVarKey, c.remote)
			b.ReportAllocs()
			for b.Loop() {
				w.reset()
				c.h.ServeHTTP(w, r, nextOK)
			}
		})
	}
}

// A config load that fails after provisioning error_pages leaves the
// running config's run-time switch as it was.
func TestMaintenanceFailedLoadKeepsTheSwitch(t *testing.T) {
	ctx := context.Background()
	running := maintHandler(t, &maintenance.Maintenance{Name: "t-failed-load"}, nil)
	on := &maintenance.State{Enabled: true}
	if err := running.Maintenance.Switch().Store(ctx, on); err != nil {
		t.Fatal(err)
	}
	next := provisioned(t, &Handler{Maintenance: &maintenance.Maintenance{Name: "t-failed-load"}})
	if rep := serveMaint(next, "GET", "", "203.0.113.1:1"); rep.code != 200 {
		t.Errorf("the new config: %d, want its own state (off)", rep.code)
	}
	next.Cleanup() // the load failed: Caddy cleans the new config up
	if rep := serveMaint(running, "GET", "", "203.0.113.1:1"); rep.code != 503 {
		t.Errorf("the running config after a failed load: %d, want the switch's state (on)", rep.code)
	}
	if st := running.Maintenance.Switch().Status(); !st.Enabled || st.Source != "admin" {
		t.Errorf("status after a failed load: %+v", st)
	}
}

// failingStorage cannot be read.
type failingStorage struct{ *certmagic.FileStorage }

func (failingStorage) Load(context.Context, string) ([]byte, error) {
	return nil, fmt.Errorf("storage unreachable")
}

// A reload while storage cannot be read keeps the fleet's last known state.
func TestMaintenanceReloadWithStorageDown(t *testing.T) {
	fsto := &certmagic.FileStorage{Path: t.TempDir()}
	const key = "maint/down.json"
	fsto.Store(context.Background(), key, []byte(`{"enabled":true,"updated":"2026-01-01T00:00:00Z"}`))
	before := maintHandler(t, &maintenance.Maintenance{Name: "t-down", StorageKey: key, PollInterval: caddy.Duration(time.Hour)}, fsto)
	if rep := serveMaint(before, "GET", "", "203.0.113.1:1"); rep.code != 503 {
		t.Fatalf("stored state not read: %d", rep.code)
	}
	after := maintHandler(t, &maintenance.Maintenance{Name: "t-down", StorageKey: key, PollInterval: caddy.Duration(time.Hour)}, failingStorage{fsto})
	if rep := serveMaint(after, "GET", "", "203.0.113.1:1"); rep.code != 503 {
		t.Errorf("after a reload with storage down: %d, want the last known state", rep.code)
	}
}
