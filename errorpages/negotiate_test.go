package errorpages

import (
	"fmt"
	"strings"
	"testing"
)

func TestNegotiate(t *testing.T) {
	all, _ := NewNegotiator(DefaultFormats, JSON)
	htmlDefault, _ := NewNegotiator(DefaultFormats, HTML)
	noProblem, _ := NewNegotiator([]Format{HTML, JSON, Text}, JSON)
	textFirst, _ := NewNegotiator([]Format{Text, HTML, JSON}, JSON)
	rows := []struct {
		name   string
		n      *Negotiator
		accept string
		want   Format
	}{
		{"absent Accept gets the default", all, "", JSON},
		{"only */* gets the default", all, "*/*", JSON},
		{"only */* gets the configured default", htmlDefault, "*/*", HTML},
		{"whitespace only gets the default", all, "   ", JSON},
		{"browser gets html", all, "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8", HTML},
		{"firefox gets html", all, "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", HTML},
		{"axios gets json", all, "application/json, text/plain, */*", JSON},
		{"curl gets the default", all, "*/*", JSON},
		{"problem+json gets problem", all, "application/problem+json", Problem},
		{"problem preferred over json by q", all, "application/json;q=0.5, application/problem+json", Problem},
		{"json preferred over problem by q", all, "application/json, application/problem+json;q=0.9", JSON},
		{"problem+json without problem offered counts as json", noProblem, "application/problem+json", JSON},
		{"vendor +json suffix counts as json", all, "application/vnd.api+json", JSON},
		{"+xml suffix counts as xml", all, "application/atom+xml", XML},
		{"text/xml counts as xml", all, "text/xml", XML},
		{"text/plain gets text", all, "text/plain", Text},
		{"text/* gets html before text", all, "text/*", HTML},
		{"text/* follows formats order", textFirst, "text/*", Text},
		{"application/* gets json by formats order", all, "application/*", JSON},
		{"higher q wins", all, "text/html;q=0.2, application/json;q=0.8", JSON},
		{"exact beats wildcard at equal q", all, "text/*, text/plain", Text},
		{"more specific range's q wins for its type", all, "text/*;q=0.9, text/html;q=0.1, application/json;q=0.5", Text},
		{"q=0 excludes", all, "application/json;q=0, */*", HTML},
		{"q=0 on everything offered gives the default", all, "text/html;q=0, application/json;q=0", JSON},
		{"nothing acceptable gives the default, never 406", all, "image/png", JSON},
		{"*/* with low q is no preference", all, "image/png, */*;q=0.1", JSON},
		{"default wins a */* tie", htmlDefault, "image/webp, */*;q=0.5", HTML},
		{"explicit type beats */* at equal q", all, "*/*, text/plain", Text},
		{"case-insensitive", all, "TEXT/HTML", HTML},
		{"case-insensitive q", all, "text/html;Q=0.1, application/xml", XML},
		{"parameters other than q ignored", all, "text/plain;charset=utf-8;format=flowed", Text},
		{"whitespace tolerant", all, "  text/plain  ;  q=0.5 ,  application/xml ; q = 0.9 ", XML},
		{"q=abc ignores the range", all, "text/html;q=abc, text/plain;q=0.5", Text},
		{"q=2 ignores the range", all, "application/xml;q=2, text/plain;q=0.5", Text},
		{"q with four decimals ignored", all, "application/xml;q=0.1234, text/plain;q=0.1", Text},
		{"q=1.000 is valid", all, "application/xml;q=1.000", XML},
		{"q=1.001 ignored", all, "application/xml;q=1.001, text/plain;q=0.1", Text},
		{"malformed parts skipped", all, "garbage, /, text/, ;;, text/plain", Text},
		{"*/json is not a range", all, "*/json", JSON},
		{"empty elements skipped", all, ",,,application/xml,,", XML},
		{"parameter without value ignored", all, "text/plain;flowed", Text},
		{"xhtml counts as html", all, "application/xhtml+xml", HTML},
		{"duplicate range keeps the higher q", all, "text/plain;q=0.1, text/plain;q=0.9, application/json;q=0.5", Text},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			if got := row.n.Negotiate(row.accept); got != row.want {
				t.Errorf("Negotiate(%q) = %s, want %s", row.accept, got, row.want)
			}
		})
	}
}

func TestNegotiatorConfig(t *testing.T) {
	if _, err := NewNegotiator([]Format{HTML, JSON}, XML); err == nil {
		t.Error("default outside offers must fail")
	}
	if _, err := NewNegotiator([]Format{HTML, HTML}, HTML); err == nil {
		t.Error("duplicate offer must fail")
	}
	for _, s := range []string{"html", "JSON", "problem", "text", "xml"} {
		if _, err := ParseFormat(s); err != nil {
			t.Errorf("ParseFormat(%q): %v", s, err)
		}
	}
	if _, err := ParseFormat("yaml"); err == nil || !strings.Contains(err.Error(), "yaml") {
		t.Errorf("ParseFormat(yaml) = %v", err)
	}
}

func TestNegotiateDoesNotAllocate(t *testing.T) {
	n, _ := NewNegotiator(DefaultFormats, JSON)
	accept := "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
	if a := testing.AllocsPerRun(100, func() { n.Negotiate(accept) }); a != 0 {
		t.Errorf("Negotiate allocates %.1f times", a)
	}
}

// FuzzNegotiate: any Accept header gives an offered format, never a panic.
func FuzzNegotiate(f *testing.F) {
	for _, s := range []string{
		"", "*/*", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
		"application/json, text/plain, */*", "text/*;q=0.5, */*;q=0.1", "a/b;q=", ";q=1",
		"text/html;q=0.", "application/problem+json;q=1.0", "\x00/\xff;q=0.5", "text/plain;;;q==1",
	} {
		f.Add(s)
	}
	n, _ := NewNegotiator([]Format{Text, XML, JSON}, XML)
	f.Fuzz(func(t *testing.T, accept string) {
		got := n.Negotiate(accept)
		if got != Text && got != XML && got != JSON {
			t.Fatalf("Negotiate(%q) = %s, not an offered format", accept, got)
		}
		// The memo answers as the parsing does, the second time too.
		if want := n.negotiate(accept); got != want || n.Negotiate(accept) != want {
			t.Fatalf("Negotiate(%q) = %s, the parsing says %s", accept, got, want)
		}
	})
}

// TestHeaderMemoIsBounded: a client sending a new Accept and
// Accept-Language per request fills the memos up to their bound and no
// further, and every answer stays the parsing's.
func TestHeaderMemoIsBounded(t *testing.T) {
	n, _ := NewNegotiator(DefaultFormats, JSON)
	m, _ := NewLanguageMatcher(nil, "en")
	for i := range 3 * maxMemoEntries {
		accept := fmt.Sprintf("text/html;q=0.%d, application/json;q=0.%d, */*;q=0.1", i%10, (i/10)%10)
		if got, want := n.Negotiate(accept), n.negotiate(accept); got != want {
			t.Fatalf("Negotiate(%q) = %s, want %s", accept, got, want)
		}
		al := fmt.Sprintf("x-%d, de;q=0.%d, fr;q=0.%d", i, i%10, (i/10)%10)
		got, gotNeg := m.Match(al)
		i, wantNeg := m.match(al)
		if got != m.offered[i] || gotNeg != wantNeg {
			t.Fatalf("Match(%q) = %s %v, want %s %v", al, got, gotNeg, m.offered[i], wantNeg)
		}
	}
	long := strings.Repeat("a", maxMemoKey+1) + ", text/html"
	n.Negotiate(long)
	for name, c := range map[string]int32{"Accept": n.memo.n.Load(), "Accept-Language": m.memo.n.Load()} {
		if c > maxMemoEntries {
			t.Errorf("%s memo holds %d values, want at most %d", name, c, maxMemoEntries)
		}
	}
	if _, ok := n.memo.get(long); ok {
		t.Errorf("a value over %d bytes was kept", maxMemoKey)
	}
}

func BenchmarkNegotiate(b *testing.B) {
	n, _ := NewNegotiator(DefaultFormats, JSON)
	for _, c := range []struct{ name, accept string }{
		{"browser", "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7"},
		{"axios", "application/json, text/plain, */*"},
		{"curl", "*/*"},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				n.Negotiate(c.accept)
			}
		})
	}
}
