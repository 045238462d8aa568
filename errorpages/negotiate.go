package errorpages

import (
	"fmt"
	"strings"
)

// Format is one of the response formats error_pages can render.
type Format uint8

// The formats, in the default tie-break order.
const (
	HTML Format = iota
	JSON
	Problem
	Text
	XML
	numFormats
)

var formatNames = [numFormats]string{"html", "json", "problem", "text", "xml"}

// ContentType is the Content-Type header value sent with each format.
var contentTypes = [numFormats]string{
	"text/html; charset=utf-8",
	"application/json",
	"application/problem+json",
	"text/plain; charset=utf-8",
	"application/xml; charset=utf-8",
}

// DefaultFormats is the default offer list, in tie-break order.
var DefaultFormats = []Format{HTML, JSON, Problem, Text, XML}

func (f Format) String() string {
	if f < numFormats {
		return formatNames[f]
	}
	return fmt.Sprintf("format(%d)", f)
}

// ContentType returns the Content-Type header value for the format.
func (f Format) ContentType() string { return contentTypes[f] }

// ParseFormat parses a format name (html, json, problem, text, xml).
func ParseFormat(s string) (Format, error) {
	for i, n := range formatNames {
		if strings.EqualFold(s, n) {
			return Format(i), nil
		}
	}
	return 0, fmt.Errorf("%q is not a format (want html, json, problem, text or xml)", s)
}

// Specificity of the Accept range that matched a format.
const (
	specNone     = -1
	specAny      = 0 // */*
	specWildcard = 1 // type/*
	specSuffix   = 2 // application/foo+json
	specExact    = 3 // application/json
)

// Negotiator picks a Format for an Accept header. It is immutable after
// construction and safe for concurrent use.
type Negotiator struct {
	offers []Format
	def    Format
	// memo keeps the answers for the Accept values seen (headerMemo).
	memo headerMemo[Format]
}

// NewNegotiator returns a negotiator offering the given formats (in
// tie-break order) with def used when the client states no preference or
// nothing offered is acceptable. def must be one of offers.
func NewNegotiator(offers []Format, def Format) (*Negotiator, error) {
	if len(offers) == 0 {
		offers = DefaultFormats
	}
	var seen [numFormats]bool
	found := false
	for _, f := range offers {
		if f >= numFormats {
			return nil, fmt.Errorf("unknown format %d", f)
		}
		if seen[f] {
			return nil, fmt.Errorf("format %s listed twice", f)
		}
		seen[f] = true
		found = found || f == def
	}
	if !found {
		return nil, fmt.Errorf("default format %s is not among the offered formats", def)
	}
	return &Negotiator{offers: append([]Format(nil), offers...), def: def}, nil
}

type match struct {
	q    int // quality in thousandths, 0..1000
	spec int
}

// Negotiate chooses the format for the given Accept header value following
// RFC 9110 §12.5.1. It never fails: malformed parts are skipped, and when
// nothing offered is acceptable the default format is returned.
// It does not allocate.
func (n *Negotiator) Negotiate(accept string) Format {
	if len(accept) < 16 {
		return n.negotiate(accept) // as cheap as the lookup
	}
	if f, ok := n.memo.get(accept); ok {
		return f
	}
	f := n.negotiate(accept)
	n.memo.put(accept, f)
	return f
}

// negotiate is Negotiate without the memo.
func (n *Negotiator) negotiate(accept string) Format {
	var best [numFormats]match
	for i := range best {
		best[i] = match{spec: specNone}
	}
	any := false
	for len(accept) > 0 {
		var typ, sub string
		var q int
		var ok bool
		typ, sub, q, ok, accept = nextRange(accept)
		if !ok {
			continue
		}
		for _, f := range n.offers {
			s := specFor(f, typ, sub)
			if s > best[f].spec {
				best[f] = match{q: q, spec: s}
				any = true
			} else if s == best[f].spec && s != specNone && q > best[f].q {
				// duplicate range of equal specificity: the more generous q wins
				best[f].q = q
			}
		}
	}
	if !any {
		return n.def
	}
	winner, won := n.def, false
	var wm match
	for _, f := range n.offers {
		m := best[f]
		if m.spec == specNone || m.q == 0 {
			continue
		}
		if !won || better(m, wm, f == n.def, winner == n.def) {
			winner, wm, won = f, m, true
		}
	}
	if !won {
		return n.def
	}
	return winner
}

// better reports whether candidate a beats the current winner b. Offers are
// visited in tie-break order, so on a full tie the earlier one stays.
func better(a, b match, aIsDefault, bIsDefault bool) bool {
	if a.q != b.q {
		return a.q > b.q
	}
	if a.spec != b.spec {
		return a.spec > b.spec
	}
	// Reached only through */*: no preference, so the default wins.
	if a.spec == specAny && aIsDefault != bIsDefault {
		return aIsDefault
	}
	return false
}

// specFor returns how specifically the range typ/sub names format f.
func specFor(f Format, typ, sub string) int {
	if typ == "*" {
		if sub == "*" {
			return specAny
		}
		return specNone // "*/json" is not a valid range
	}
	var wantType, wantSub, suffix string
	switch f {
	case HTML:
		wantType, wantSub = "text", "html"
		if strings.EqualFold(typ, "application") && strings.EqualFold(sub, "xhtml+xml") {
			return specExact
		}
	case JSON:
		wantType, wantSub, suffix = "application", "json", "+json"
	case Problem:
		wantType, wantSub = "application", "problem+json"
	case Text:
		wantType, wantSub = "text", "plain"
	case XML:
		wantType, wantSub, suffix = "application", "xml", "+xml"
		if strings.EqualFold(typ, "text") && strings.EqualFold(sub, "xml") {
			return specExact
		}
	}
	if !strings.EqualFold(typ, wantType) {
		return specNone
	}
	switch {
	case sub == "*":
		return specWildcard
	case strings.EqualFold(sub, wantSub):
		return specExact
	case suffix != "" && len(sub) > len(suffix) && strings.EqualFold(sub[len(sub)-len(suffix):], suffix) &&
		!(f == XML && strings.EqualFold(sub, "xhtml+xml")):
		return specSuffix
	}
	return specNone
}

// nextRange parses the first range of an Accept header and returns it
// with the rest of the header; ok is false for a malformed range.
func nextRange(accept string) (typ, sub string, q int, ok bool, rest string) {
	part := accept
	if i := strings.IndexByte(accept, ','); i >= 0 {
		part, rest = accept[:i], accept[i+1:]
	}
	typ, sub, q, ok = parseRange(part)
	return typ, sub, q, ok, rest
}

// AcceptRange says how specifically an Accept range named a media type.
type AcceptRange int8

// The ranges, least specific first.
const (
	// RangeNone: no range of the header names the type.
	RangeNone AcceptRange = iota - 1
	// RangeAny: only */* names it.
	RangeAny
	// RangeType: type/* names it (application/*).
	RangeType
	// RangeSuffix: the range is the type's structured-syntax suffix
	// type (application/json for application/problem+json, RFC 6838
	// §4.2.8): a client that reads JSON reads every +json type.
	RangeSuffix
	// RangeExact: the range is the media type itself.
	RangeExact
)

// AcceptQuality returns the quality (in thousandths, 0..1000) that an
// Accept header gives mediaType ("application/problem+json", lower case,
// no parameters), and how specifically: the most specific range that
// names the type decides its quality (RFC 9110 §12.5.1), the higher q
// among equally specific ones. Malformed ranges are skipped, as in
// Negotiate. It does not allocate.
func AcceptQuality(accept, mediaType string) (q int, by AcceptRange) {
	typ, sub, ok := strings.Cut(mediaType, "/")
	if !ok {
		return 0, RangeNone
	}
	suffix := ""
	if i := strings.LastIndexByte(sub, '+'); i > 0 && i < len(sub)-1 {
		suffix = sub[i+1:]
	}
	by = RangeNone
	for len(accept) > 0 {
		var rt, rs string
		var rq int
		var ok bool
		rt, rs, rq, ok, accept = nextRange(accept)
		if !ok {
			continue
		}
		s := RangeNone
		switch {
		case rt == "*" && rs == "*":
			s = RangeAny
		case !strings.EqualFold(rt, typ):
		case rs == "*":
			s = RangeType
		case strings.EqualFold(rs, sub):
			s = RangeExact
		case suffix != "" && strings.EqualFold(rs, suffix):
			s = RangeSuffix
		}
		if s > by || s == by && s != RangeNone && rq > q {
			q, by = rq, s
		}
	}
	return q, by
}

// parseRange parses one media range with optional parameters. ok is false
// for malformed ranges and for ranges whose q is not a valid qvalue.
func parseRange(part string) (typ, sub string, q int, ok bool) {
	mt := part
	params := ""
	if i := strings.IndexByte(part, ';'); i >= 0 {
		mt, params = part[:i], part[i+1:]
	}
	mt = strings.TrimSpace(mt)
	slash := strings.IndexByte(mt, '/')
	if slash <= 0 || slash == len(mt)-1 {
		return "", "", 0, false
	}
	typ, sub = mt[:slash], mt[slash+1:]
	if !isToken(typ) || !isToken(sub) || (typ == "*" && sub != "*") {
		return "", "", 0, false
	}
	q = 1000
	for len(params) > 0 {
		var p string
		if i := strings.IndexByte(params, ';'); i >= 0 {
			p, params = params[:i], params[i+1:]
		} else {
			p, params = params, ""
		}
		p = strings.TrimSpace(p)
		eq := strings.IndexByte(p, '=')
		if eq < 0 {
			continue // a parameter without value: ignore it
		}
		name := strings.TrimSpace(p[:eq])
		if !strings.EqualFold(name, "q") {
			continue
		}
		v, valid := parseQ(strings.TrimSpace(p[eq+1:]))
		if !valid {
			return "", "", 0, false
		}
		q = v
	}
	return typ, sub, q, true
}

// parseQ parses an RFC 9110 qvalue: 0[.ddd] or 1[.000], in thousandths.
func parseQ(s string) (int, bool) {
	if s == "" || len(s) > 5 {
		return 0, false
	}
	if s[0] != '0' && s[0] != '1' {
		return 0, false
	}
	v := int(s[0]-'0') * 1000
	if len(s) == 1 {
		return v, true
	}
	if s[1] != '.' {
		return 0, false
	}
	scale := 100
	for i := 2; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		v += int(c-'0') * scale
		scale /= 10
	}
	if v > 1000 {
		return 0, false
	}
	return v, true
}

func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
			continue
		}
		switch c {
		case '!', '#', '$', '%', '&', '\'', '*', '+', '-', '.', '^', '_', '`', '|', '~':
			continue
		}
		return false
	}
	return true
}
