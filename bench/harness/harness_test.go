package harness

import (
	"strings"
	"testing"
)

func TestMedian(t *testing.T) {
	for _, c := range []struct {
		in   []float64
		want float64
	}{
		{nil, 0},
		{[]float64{3}, 3},
		{[]float64{0.98, 0.91, 1.02}, 0.98},
		{[]float64{4, 1, 3, 2}, 2.5},
	} {
		in := append([]float64(nil), c.in...)
		if got := Median(c.in); got != c.want {
			t.Errorf("Median(%v) = %v, want %v", c.in, got, c.want)
		}
		for i := range in {
			if in[i] != c.in[i] {
				t.Errorf("Median reordered its input: %v", c.in)
			}
		}
	}
}

func TestJudge(t *testing.T) {
	for _, c := range []struct {
		ratio, target  float64
		verdict, shown string
	}{
		{0.981, 0.98, "met", "0.981"},
		{0.9799, 0.98, "MISSED", "0.9799"}, // three decimals would show 0.980
		{0.889, 0.95, "MISSED", "0.889"},
		{1.0, 1.0, "met", "1.000"},
		{1.234, 0, "(reference)", "1.234"},
	} {
		v, s := judge(c.ratio, c.target)
		if v != c.verdict || s != c.shown {
			t.Errorf("judge(%v, %v) = %q %q, want %q %q", c.ratio, c.target, v, s, c.verdict, c.shown)
		}
	}
}

func TestFormatTable(t *testing.T) {
	ms := func(us ...float64) []Measurement {
		var out []Measurement
		for _, u := range us {
			out = append(out, Measurement{US: u, RPS: 1000 / u})
		}
		return out
	}
	table := formatTable([]PairResult{
		{ID: "1", Title: "plain vs pages", Target: 0.98, A: ms(80, 82, 81), B: ms(81, 84, 82), Ratios: []float64{0.9877, 0.9762, 0.9878}},
		{ID: "8", Title: "a reference", A: ms(10), B: ms(20), Ratios: []float64{0.5}},
	}, false)
	for _, want := range []string{
		"targets: the unpinned set",
		"(1) plain vs pages",
		"81.0      82.0", // the medians of A and B
		"0.988 >=0.98 met",
		"0.500  (reference)",
		"(1) A µs: 80.000 82.000 81.000 | B µs: 81.000 84.000 82.000 | A/B: 0.9877 0.9762 0.9878",
	} {
		if !strings.Contains(table, want) {
			t.Errorf("table lacks %q:\n%s", want, table)
		}
	}
}

func TestParseWrk(t *testing.T) {
	out := `Running 3s test @ http://127.0.0.1:9312/bad
  1 threads and 50 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     2.01ms    1.02ms  20.11ms   90.12%
  73412 requests in 3.00s, 21.34MB read
  Non-2xx or 3xx responses: 73412
  Socket errors: connect 0, read 2, write 0, timeout 0
Requests/sec:  24470.12
Transfer/sec:      7.11MB
`
	w, err := parseWrk(out)
	if err != nil {
		t.Fatal(err)
	}
	if w.Requests != 73412 || w.RPS != 24470.12 || !strings.HasPrefix(w.Non2xx, "Non-2xx") || !strings.HasPrefix(w.SocketErrors, "Socket errors") {
		t.Errorf("parseWrk = %+v", w)
	}
}

func TestParseStat(t *testing.T) {
	// a command name with a space and a parenthesis, as /proc allows
	line := "4242 (caddy (x) y) S 1 4242 4242 0 -1 4194560 100 0 0 0 1234 567 89 10 20 0 12 0 1000 0 0"
	st, err := parseStat(line)
	if err != nil {
		t.Fatal(err)
	}
	if st != (stat{1234, 567, 89, 10}) {
		t.Errorf("parseStat = %+v", st)
	}
	if _, err := parseStat("4242 (short) S 1"); err == nil {
		t.Error("a short line was read")
	}
}

func TestScript(t *testing.T) {
	r := Request{Name: "big", Method: "POST", Headers: []string{"Content-Type: application/json", "X-A:  b"}, Body: `{"a":1}`, Pad: 10}
	want := `wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-A"] = "b"
wrk.body = [==[{"a":1}]==] .. string.rep(" ", 10)
`
	if got := r.Script(); got != want {
		t.Errorf("Script:\n%s\nwant:\n%s", got, want)
	}
	if got := (Request{Name: "json"}).Script(); got != "wrk.method = \"GET\"\n" {
		t.Errorf("a bare GET's script: %q", got)
	}
	if got := len(r.body()); got != 17 {
		t.Errorf("the body sent is %d bytes, want 17", got)
	}
}

func TestCaddyfile(t *testing.T) {
	cf := Caddyfile{Admin: "127.0.0.1:9309", LogLevel: "WARN", Sites: []Site{{9311, "\trespond ok"}, {9312, "\terror 404"}}}
	got := cf.String()
	for _, want := range []string{"\tadmin 127.0.0.1:9309\n", "\t\tlevel WARN\n", "http://127.0.0.1:9311 {\n\trespond ok\n}\n", "http://127.0.0.1:9312 {\n\terror 404\n}\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("Caddyfile lacks %q:\n%s", want, got)
		}
	}
	if ports := cf.Ports(); len(ports) != 3 || ports[0] != 9311 || ports[2] != 9309 {
		t.Errorf("Ports = %v", ports)
	}
	if got := (Caddyfile{LogLevel: "ERROR"}).String(); !strings.Contains(got, "\tadmin off\n") {
		t.Errorf("no admin address should turn it off:\n%s", got)
	}
}
