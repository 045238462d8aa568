package errorpages

import (
	"fmt"
	"slices"
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
	for _, s := range []string{
		"application/json, application/json;q=0, text/html;q=0.5",
		"text/plain;q=0.1, text/plain;q=0.9, application/json;q=0.5",
		"text/*;q=0.9, text/html;q=0.1, application/json;q=0.5",
		"*/*;q=0.5, application/xml;q=0.5, text/plain;q=0.5",
		"application/vnd.api+json;q=0.4, application/*;q=0.6, text/xml;q=0.4",
		"application/xhtml+xml, application/atom+xml;q=0.9, application/problem+json;q=0.9",
	} {
		f.Add(s)
	}
	n, _ := NewNegotiator([]Format{Text, XML, JSON}, XML)
	all, _ := NewNegotiator(DefaultFormats, JSON)
	f.Fuzz(func(t *testing.T, accept string) {
		got := n.Negotiate(accept)
		if got != Text && got != XML && got != JSON {
			t.Fatalf("Negotiate(%q) = %s, not an offered format", accept, got)
		}
		// The memo answers as the parsing does, the second time too.
		if want := n.negotiate(accept); got != want || n.Negotiate(accept) != want {
			t.Fatalf("Negotiate(%q) = %s, the parsing says %s", accept, got, want)
		}
		for _, c := range []struct {
			n      *Negotiator
			offers []Format
			def    Format
		}{{n, []Format{Text, XML, JSON}, XML}, {all, DefaultFormats, JSON}} {
			if got, want := c.n.Negotiate(accept), refNegotiate(accept, c.offers, c.def); got != want {
				t.Fatalf("Negotiate(%q) offering %v = %s, the reference says %s", accept, c.offers, got, want)
			}
		}
	})
}

// refMediaTypes are the media types each format answers for: exact
// names, the type whose type/* names it (that of the Content-Type it is
// sent with), and the structured-syntax suffix (RFC 6838 §4.2.8) that
// makes application/<anything>+<suffix> one of them.
var refMediaTypes = [numFormats]struct {
	exact       []string
	typ, suffix string
}{
	HTML:    {exact: []string{"text/html", "application/xhtml+xml"}, typ: "text"},
	JSON:    {exact: []string{"application/json"}, typ: "application", suffix: "+json"},
	Problem: {exact: []string{"application/problem+json"}, typ: "application"},
	Text:    {exact: []string{"text/plain"}, typ: "text"},
	XML:     {exact: []string{"application/xml", "text/xml"}, typ: "application", suffix: "+xml"},
}

// refRange is one media range of an Accept header.
type refRange struct {
	typ, sub string // lower case
	q        int    // thousandths
}

// refParseAccept reads an Accept header as RFC 9110 §12.5.1 writes it,
// the plain way: ranges split at commas, parameters at semicolons, the
// q parameter a qvalue (§12.4.2: 0[.ddd] or 1[.000]); a range that is
// not type/subtype tokens, or whose q is no qvalue, is dropped. Like
// Negotiate it allows any white space around the parts and ignores a
// parameter without '='. Quoted parameter values holding a comma are
// not modelled.
func refParseAccept(accept string) []refRange {
	var out []refRange
	for _, part := range strings.Split(accept, ",") {
		params := strings.Split(part, ";")
		typ, sub, ok := strings.Cut(strings.TrimSpace(params[0]), "/")
		if !ok || !refToken(typ) || !refToken(sub) || typ == "*" && sub != "*" {
			continue
		}
		r := refRange{typ: strings.ToLower(typ), sub: strings.ToLower(sub), q: 1000}
		for _, p := range params[1:] {
			name, value, ok := strings.Cut(p, "=")
			if !ok || !strings.EqualFold(strings.TrimSpace(name), "q") {
				continue
			}
			if r.q, ok = refQValue(strings.TrimSpace(value)); !ok {
				r.q = -1
				break
			}
		}
		if r.q >= 0 {
			out = append(out, r)
		}
	}
	return out
}

// refQValue parses "0", "0.", "0.5", "0.123", "1", "1.0", "1.000".
func refQValue(s string) (int, bool) {
	whole, frac, dot := strings.Cut(s, ".")
	if whole != "0" && whole != "1" || len(frac) > 3 || !dot && frac != "" {
		return 0, false
	}
	for _, c := range frac {
		if c < '0' || c > '9' || whole == "1" && c != '0' {
			return 0, false
		}
	}
	v := 0
	if whole == "1" {
		v = 1000
	}
	for i, c := range frac {
		v += int(c-'0') * []int{100, 10, 1}[i]
	}
	return v, true
}

func refToken(s string) bool {
	const tchar = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	if s == "" {
		return false
	}
	for _, c := range s {
		if !strings.ContainsRune(tchar, c) {
			return false
		}
	}
	return true
}

// refSpecificity says how specifically a range names format f: 3 the
// media type itself, 2 its suffix (application/vnd.api+json for json),
// 1 type/*, 0 */*, -1 not at all.
func refSpecificity(r refRange, f Format) int {
	if r.typ == "*" {
		return 0
	}
	mt := refMediaTypes[f]
	switch {
	case slices.Contains(mt.exact, r.typ+"/"+r.sub):
		return 3
	case mt.suffix != "" && r.typ == "application" && len(r.sub) > len(mt.suffix) &&
		strings.HasSuffix(r.sub, mt.suffix) && r.sub != "xhtml+xml":
		return 2
	case r.typ == mt.typ && r.sub == "*":
		return 1
	}
	return -1
}

// refNegotiate picks a format the way RFC 9110 §12.5.1 describes: each
// offered format takes the q of the most specific range that names it
// (the higher q among equally specific ones); the highest q wins, then
// the more specific range, then the offer listed first, except that
// when only */* names them the default is preferred. q=0 is "not
// acceptable"; when nothing offered is acceptable, the default.
func refNegotiate(accept string, offers []Format, def Format) Format {
	type score struct{ q, spec int }
	ranges := refParseAccept(accept)
	winner, ws, won := def, score{}, false
	for _, f := range offers {
		s := score{0, -1}
		for _, r := range ranges {
			switch sp := refSpecificity(r, f); {
			case sp > s.spec:
				s = score{r.q, sp}
			case sp == s.spec && sp >= 0:
				s.q = max(s.q, r.q)
			}
		}
		if s.spec < 0 || s.q == 0 {
			continue
		}
		switch {
		case !won, s.q > ws.q,
			s.q == ws.q && s.spec > ws.spec,
			s.q == ws.q && s.spec == 0 && ws.spec == 0 && f == def:
			winner, ws, won = f, s, true
		}
	}
	return winner
}

// A later range of the same specificity never lowers the q an earlier
// one gave: application/json;q=0 after application/json leaves json
// acceptable at q=1, above html's 0.5. AcceptQuality reads it the same.
func TestDuplicateRangeKeepsTheHigherQ(t *testing.T) {
	n, _ := NewNegotiator(DefaultFormats, HTML)
	for _, c := range []struct {
		accept string
		want   Format
	}{
		{"application/json, application/json;q=0, text/html;q=0.5", JSON},
		{"application/json;q=0, application/json, text/html;q=0.5", JSON},
		{"text/plain;q=0.9, text/plain;q=0.1, application/json;q=0.5", Text},
		{"application/*, application/*;q=0, text/html;q=0.5", JSON},
	} {
		if got := n.Negotiate(c.accept); got != c.want {
			t.Errorf("Negotiate(%q) = %s, want %s", c.accept, got, c.want)
		}
		if got := n.negotiate(c.accept); got != c.want {
			t.Errorf("negotiate(%q) = %s, want %s", c.accept, got, c.want)
		}
	}
	for _, accept := range []string{
		"application/json, application/json;q=0, text/html;q=0.5",
		"application/json;q=0, application/json, text/html;q=0.5",
	} {
		if q, by := AcceptQuality(accept, "application/json"); q != 1000 || by != RangeExact {
			t.Errorf("AcceptQuality(%q, application/json) = %d, %d; want 1000, exact", accept, q, by)
		}
	}
}

// The reference negotiation agrees with Negotiate on the table of
// TestNegotiate's kind of headers, so that FuzzNegotiate compares
// against something that is right.
func TestReferenceNegotiationAgrees(t *testing.T) {
	for _, accept := range []string{
		"", "*/*", "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8",
		"application/json, text/plain, */*", "application/problem+json", "application/json;q=0.5, application/problem+json",
		"application/vnd.api+json", "application/atom+xml", "text/xml", "text/*", "application/*", "*/*, text/plain",
		"text/*;q=0.9, text/html;q=0.1, application/json;q=0.5", "application/json;q=0, */*", "image/webp, */*;q=0.5",
		"TEXT/HTML", "text/html;Q=0.1, application/xml", "  text/plain  ;  q=0.5 ,  application/xml ; q = 0.9 ",
		"text/html;q=abc, text/plain;q=0.5", "application/xml;q=1.001, text/plain;q=0.1", "garbage, /, text/, ;;, text/plain",
		"*/json", "text/plain;flowed", "application/xhtml+xml", "application/json, application/json;q=0, text/html;q=0.5",
	} {
		for _, def := range []Format{HTML, JSON} {
			n, _ := NewNegotiator(DefaultFormats, def)
			if got, want := n.Negotiate(accept), refNegotiate(accept, DefaultFormats, def); got != want {
				t.Errorf("Negotiate(%q) = %s, the reference says %s", accept, got, want)
			}
		}
	}
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
