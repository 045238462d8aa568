package errorpages

import (
	"errors"
	"fmt"
	"strings"

	"golang.org/x/text/language"
)

// Limits on what Match reads of an Accept-Language header. Browsers send a
// handful of ranges of a few bytes each; the rest of a huge header is
// ignored, so a hostile one costs a bounded amount of work.
const (
	maxLanguageRanges   = 32 // ranges read, malformed ones included
	maxLanguageRangeLen = 64 // bytes in one range; longer ones are skipped
)

// LanguageMatcher chooses one of a set of offered languages for an
// Accept-Language header (RFC 9110 §12.5.4). It is immutable after
// construction and safe for concurrent use.
type LanguageMatcher struct {
	offered []string       // as given, default first
	canon   []string       // canonical form of offered[i]
	tags    []language.Tag // parsed offered[i]
	m       language.Matcher
	// memo keeps the answers for the Accept-Language values seen:
	// browsers send few distinct ones, and matching one costs ~1 µs.
	memo headerMemo[langAnswer]
}

type langAnswer struct {
	i          int
	negotiated bool
}

// NewLanguageMatcher returns a matcher over the offered BCP 47 tags
// ("de", "pt-BR", "zh-Hant"), falling back to def when the client states
// no preference or accepts none of them. An empty offered list means the
// built-in languages; an empty def means "en". def must be offered.
func NewLanguageMatcher(offered []string, def string) (*LanguageMatcher, error) {
	if len(offered) == 0 {
		c, _ := builtin()
		offered = c.Languages()
	}
	return newLanguageMatcher(offered, def)
}

func newLanguageMatcher(offered []string, def string) (*LanguageMatcher, error) {
	if def == "" {
		def = SourceLanguage
	}
	defTag, err := parseTag(def)
	if err != nil {
		return nil, fmt.Errorf("default language: %w", err)
	}
	lm := &LanguageMatcher{}
	defAt := -1
	for _, o := range offered {
		tag, err := parseTag(o)
		if err != nil {
			return nil, err
		}
		c := tag.String()
		for i, seen := range lm.canon {
			if seen == c {
				return nil, fmt.Errorf("language %q offered twice (as %q and %q)", c, lm.offered[i], o)
			}
		}
		if c == defTag.String() {
			defAt = len(lm.offered)
		}
		lm.offered = append(lm.offered, o)
		lm.canon = append(lm.canon, c)
		lm.tags = append(lm.tags, tag)
	}
	if defAt < 0 {
		return nil, fmt.Errorf("default language %q is not among the offered languages", def)
	}
	// Default first: x/text treats the first supported tag as its fallback.
	for _, s := range [][]string{lm.offered, lm.canon} {
		s[0], s[defAt] = s[defAt], s[0]
	}
	lm.tags[0], lm.tags[defAt] = lm.tags[defAt], lm.tags[0]
	lm.m = language.NewMatcher(lm.tags)
	return lm, nil
}

// Default returns the default language, as offered.
func (lm *LanguageMatcher) Default() string { return lm.offered[0] }

// Offered returns the offered languages, the default first.
func (lm *LanguageMatcher) Offered() []string { return append([]string(nil), lm.offered...) }

// langRange is one parsed range of an Accept-Language header.
type langRange struct {
	tag language.Tag
	q   int  // thousandths
	any bool // "*"
}

// Match returns the offered language, exactly as offered, that best fits
// the Accept-Language header, and whether a language range of the header
// chose it (false when the default was used: no header, only "*", or
// nothing offered acceptable). It never fails:
//
//   - ranges are ordered by q; at equal q a named language comes before
//     "*", then header order;
//   - the named ranges go to x/text's matcher, which knows regional and
//     script fallback: de-AT → de, en-GB → en, zh-TW and zh-HK → zh-Hant,
//     zh, zh-CN and zh-SG → zh-Hans, bare pt → pt-BR (its most spoken
//     variant, CLDR's likely region), pt-AO and other pt → pt-PT, iw → he;
//     a match it rates below High confidence counts as none;
//   - "*" (with q > 0) accepts anything: the default, unless excluded;
//   - q=0 excludes: a range excludes each offered language it names or
//     prefixes (de;q=0 excludes de and de-CH);
//   - a malformed range (bad syntax, q=abc, q=2) is skipped and the
//     well-formed ones still count; only the first 32 ranges are read;
//   - when nothing offered is acceptable, the default is returned — or,
//     if the header excluded it, the first offered language it did not.
func (lm *LanguageMatcher) Match(acceptLanguage string) (lang string, negotiated bool) {
	if acceptLanguage == "" {
		return lm.offered[0], false
	}
	if a, ok := lm.memo.get(acceptLanguage); ok {
		return lm.offered[a.i], a.negotiated
	}
	i, negotiated := lm.match(acceptLanguage)
	lm.memo.put(acceptLanguage, langAnswer{i, negotiated})
	return lm.offered[i], negotiated
}

// match is Match without the memo: the index of the offered language.
func (lm *LanguageMatcher) match(acceptLanguage string) (int, bool) {
	var buf [maxLanguageRanges]langRange
	ranges := parseAcceptLanguage(acceptLanguage, buf[:0])
	if len(ranges) == 0 {
		return 0, false
	}
	sortRanges(ranges)

	// ranges is sorted: the named ranges preferred to "*" come first, up
	// to the first "*" or q=0 range; the q=0 ranges come last. Past the
	// named ranges, "*" or not, the answer is the default unless excluded.
	n := 0
	for n < len(ranges) && !ranges[n].any && ranges[n].q > 0 {
		n++
	}
	excl := false
	for _, r := range ranges[n:] {
		excl = excl || r.q == 0 && !r.any
	}
	if n > 0 {
		// The slice escapes into the matcher interface: size it exactly.
		want := make([]language.Tag, n)
		for i := range want {
			want[i] = ranges[i].tag
		}
		if i, ok := lm.best(want); ok {
			if !excl || !lm.excluded(i, ranges) {
				return i, true
			}
			if i, ok := lm.bestExcluding(want, ranges); ok {
				return i, true
			}
		}
	}
	if excl && lm.excluded(0, ranges) {
		for i := range lm.offered {
			if !lm.excluded(i, ranges) {
				return i, false
			}
		}
	}
	return 0, false
}

// best asks the x/text matcher and returns the index of the offered
// language it chose, when it is confident.
func (lm *LanguageMatcher) best(want []language.Tag) (int, bool) {
	_, i, conf := lm.m.Match(want...)
	return i, conf >= language.High
}

// bestExcluding is best for the offered languages the header did not
// exclude, asking for one wanted tag at a time (x/text offers no
// "next best"; building a matcher per request would cost ~40µs).
func (lm *LanguageMatcher) bestExcluding(want []language.Tag, ranges []langRange) (int, bool) {
	for _, w := range want {
		if i, ok := lm.best([]language.Tag{w}); ok && !lm.excluded(i, ranges) {
			return i, true
		}
	}
	return 0, false
}

// excluded reports whether a q=0 range names or prefixes offered[i]
// (RFC 4647 basic filtering).
func (lm *LanguageMatcher) excluded(i int, ranges []langRange) bool {
	c := lm.canon[i]
	for _, r := range ranges {
		if r.q != 0 || r.any {
			continue
		}
		rs := r.tag.String()
		if strings.EqualFold(c, rs) || len(c) > len(rs) && c[len(rs)] == '-' && strings.EqualFold(c[:len(rs)], rs) {
			return true
		}
	}
	return false
}

// sortRanges orders ranges by q, highest first; at equal q a named
// language before "*"; otherwise header order (stable insertion sort:
// there are at most maxLanguageRanges).
func sortRanges(r []langRange) {
	before := func(a, b langRange) bool {
		if a.q != b.q {
			return a.q > b.q
		}
		return !a.any && b.any
	}
	for i := 1; i < len(r); i++ {
		for j := i; j > 0 && before(r[j], r[j-1]); j-- {
			r[j], r[j-1] = r[j-1], r[j]
		}
	}
}

// parseAcceptLanguage appends the well-formed ranges among the first
// cap(dst) non-empty ranges of h to dst. Malformed ranges are skipped.
func parseAcceptLanguage(h string, dst []langRange) []langRange {
	for n := cap(dst); len(h) > 0 && n > 0; {
		var part string
		if i := strings.IndexByte(h, ','); i >= 0 {
			part, h = h[:i], h[i+1:]
		} else {
			part, h = h, ""
		}
		if strings.TrimSpace(part) == "" {
			continue // empty list elements are allowed (RFC 9110 §5.6.1)
		}
		n--
		if r, ok := parseLanguageRange(part); ok {
			dst = append(dst, r)
		}
	}
	return dst
}

// parseLanguageRange parses `language-range [ weight ]`. Parameters other
// than q are ignored; a q that is not a qvalue makes the range malformed.
func parseLanguageRange(part string) (langRange, bool) {
	rng, params, _ := strings.Cut(part, ";")
	rng = strings.TrimSpace(rng)
	if len(rng) > maxLanguageRangeLen || !isLanguageRange(rng) {
		return langRange{}, false
	}
	r := langRange{q: 1000, any: rng == "*"}
	for params != "" {
		var p string
		p, params, _ = strings.Cut(params, ";")
		name, val, ok := strings.Cut(p, "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(name), "q") {
			continue
		}
		q, ok := parseQ(strings.TrimSpace(val))
		if !ok {
			return langRange{}, false
		}
		r.q = q
	}
	if r.any {
		return r, true
	}
	tag, err := parseLanguageTag(rng)
	if err != nil {
		// Unknown subtags (de-QQ) come back stripped, with a ValueError:
		// keep what is known. Anything else is not a language.
		var ve language.ValueError
		if !errors.As(err, &ve) {
			return langRange{}, false
		}
	}
	if _, conf := tag.Base(); conf != language.Exact {
		return langRange{}, false
	}
	r.tag = tag
	return r, true
}

// parseLanguageTag parses a well-formed language range. The forms browsers
// send — language, language-Script, language-REGION, language-Script-REGION
// — are composed from their subtags without allocating (language.Parse
// allocates three times per tag); others, and subtags the fast path does
// not know, go through language.Parse. Both canonicalize the same way.
func parseLanguageTag(s string) (language.Tag, error) {
	var sub [3]string
	n := 0
	for rest := s; rest != ""; n++ {
		if n == len(sub) {
			return language.Parse(s)
		}
		sub[n], rest, _ = strings.Cut(rest, "-")
	}
	if l := len(sub[0]); l < 2 || l > 3 {
		return language.Parse(s)
	}
	b, err := language.ParseBase(sub[0])
	if err != nil {
		return language.Parse(s)
	}
	var sc language.Script
	var r language.Region
	for _, p := range sub[1:n] {
		switch {
		case len(p) == 4 && sc == (language.Script{}) && r == (language.Region{}):
			if sc, err = language.ParseScript(p); err != nil {
				return language.Parse(s)
			}
		case (len(p) == 2 || len(p) == 3) && r == (language.Region{}):
			if r, err = language.ParseRegion(p); err != nil {
				return language.Parse(s)
			}
		default:
			return language.Parse(s)
		}
	}
	switch {
	case n == 1:
		return language.Compose(b)
	case sc == (language.Script{}):
		return language.Compose(b, r)
	case r == (language.Region{}):
		return language.Compose(b, sc)
	}
	return language.Compose(b, sc, r)
}

// isLanguageRange reports whether s is `*` or 1*8ALPHA *("-" 1*8alphanum)
// (RFC 4647 §2.1, extended to the tags browsers send).
func isLanguageRange(s string) bool {
	if s == "*" {
		return true
	}
	n, first := 0, true // length of the current subtag; in the first one
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '-':
			if n == 0 {
				return false
			}
			n, first = 0, false
			continue
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
		case c >= '0' && c <= '9' && !first:
		default:
			return false
		}
		n++
		if n > 8 {
			return false
		}
	}
	return n > 0
}
