package validation

import (
	"math/big"
	"regexp"
	"testing"
	"unicode/utf8"
)

var patternCases = []struct {
	pattern string
	simple  bool // gets the class matcher
}{
	{`^[A-Z]{3}$`, true}, {`^[A-Z0-9-]{4,20}$`, true}, {`^[0-9]{12,19}$`, true}, {`^cus_[a-z0-9]{8}$`, true},
	{`^[a-z][a-z0-9-]{2,31}$`, true}, {`^\d+$`, true}, {`^.*$`, true}, {`^x?$`, true}, {`^[^a-c]{2,}$`, true},
	{`^(?i)[a-z]{2}$`, true}, {`^é[α-ω]{1,3}$`, true}, {`^\S{0,5}$`, true}, {`^(?s).{2}$`, true},
	{`^(0[1-9]|1[0-2])/[0-9]{2}$`, true}, {`^(?:ab|c|)[0-9]{2}$`, true}, {`^(a|bc)(d|cd)$`, true}, {`^(a|ab)(c|bcd)$`, false}, {`^x(ab|a)b?$`, false},
	{`^(EUR|USD|GBP)$`, true}, {`^(a|b[0-9]{2})[a-z]+$`, true}, {`^(a+|b)$`, false}, {`^((a|b)c|d)$`, false}, {`^(?i)(ab|cd)$`, false},
	{`[A-Z]{3}`, false}, {`^[a-z]*[0-9]$`, false}, {`^(?i)abc$`, false},
	{`^[a-z]+`, false}, {`^$`, false}, {`^a|b$`, false}, {`(?m)^a$`, false},
}

var patternInputs = []string{"", "ABC", "AB", "ABCD", "abc", "ABC-123", "4111111111111111", "cus_abcd1234", "cus_ABCD1234",
	"a-b", "ab", "a" + string(rune(0x0301)), "é", "éαβ", "éαβγδ", "12/29", "13/29", "\n", "a\nb", "\xff\xfe", "x", "xx",
	"d", "Ab", "aB", "\u00a0\u00a0", "0", "0123456789", "a1", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	"01/29", "1/29", "10/2", "12/291", "00/29", "ab12", "c12", "12", "abc12", "ac", "abcd", "abbcd", "xab", "xabb", "xa", "xabbb",
	"EUR", "USD", "GBP", "EURO", "ad", "acd", "bcd", "bccd", "bcc", "eur", "ab12x", "b12xyz", "ax"}

// The class matcher answers exactly as regexp does, and is used for the
// simple anchored patterns only.
func TestSimplePatternMatchesLikeRegexp(t *testing.T) {
	for _, pc := range patternCases {
		sp := compileSimplePattern(pc.pattern)
		if (sp != nil) != pc.simple {
			t.Errorf("%s: simple = %v, want %v", pc.pattern, sp != nil, pc.simple)
			continue
		}
		if sp == nil {
			continue
		}
		re := regexp.MustCompile(pc.pattern)
		for _, in := range patternInputs {
			if got, want := sp.match(in), re.MatchString(in); got != want {
				t.Errorf("%s on %q: %v, regexp %v", pc.pattern, in, got, want)
			}
		}
	}
}

func FuzzSimplePattern(f *testing.F) {
	for _, pc := range patternCases {
		for _, in := range patternInputs[:6] {
			f.Add(pc.pattern, in)
		}
	}
	f.Fuzz(func(t *testing.T, pattern, in string) {
		re, err := regexp.Compile(pattern)
		if err != nil {
			return
		}
		if sp := compileSimplePattern(pattern); sp != nil {
			if got, want := sp.match(in), re.MatchString(in); got != want {
				t.Fatalf("%q on %q: %v, regexp %v", pattern, in, got, want)
			}
		}
	})
}

// lengthWithin answers as counting the characters does, for ASCII and
// multi-byte strings around every bound.
func TestLengthWithinCountsLikeRuneCount(t *testing.T) {
	for _, s := range []string{"", "a", "ab", "abcd", "é", "éé", "日本", "😀", "😀😀a", "aé日😀", "abcdefghijklmnop", "日本語テキスト日本語"} {
		n := utf8.RuneCountInString(s)
		for min := -1; min <= 18; min++ {
			for max := -1; max <= 18; max++ {
				want := (min <= 0 || n >= min) && (max < 0 || n <= max)
				if got := lengthWithin(s, min, max); got != want {
					t.Errorf("lengthWithin(%q, %d, %d) = %v, want %v", s, min, max, got, want)
				}
			}
		}
	}
}

// cmpNumber compares exactly, on the integer fast path as on the others.
func TestCmpNumberIsExact(t *testing.T) {
	nums := []string{"0", "-0", "1", "-1", "2", "10", "999999999999999", "-999999999999999", "1000000000000000", "9007199254740993",
		"1.5", "0.1", "1e2", "100.0", "-2.5e-3", "12345678901234567890", "3", "4", "1e400", "-1e400", "1e-400", "-1e-400", "1.7976931348623157e308"}
	for _, bs := range nums {
		r, _ := new(big.Rat).SetString(bs)
		b := newBound(r)
		for _, s := range nums {
			x, _ := new(big.Rat).SetString(s)
			if got, want := cmpNumber(s, b), x.Cmp(r); got != want {
				t.Errorf("cmpNumber(%s, %s) = %d, want %d", s, bs, got, want)
			}
		}
	}
}

// isInteger answers as math/big does, without it.
func TestIsIntegerLikeBigRat(t *testing.T) {
	for _, s := range []string{"0", "-0", "0.0", "0e5", "0.000e-7", "1", "-12", "1.0", "1.5", "1.50", "10.00", "1e0", "1e1", "1E1", "1e+1",
		"1e-1", "10e-1", "100e-2", "100e-3", "1.25e2", "1.25e1", "1.2500e2", "-1.25E+2", "123.456e3", "123.456e2", "5e-0", "0.5e1",
		"1e999", "1e-999", "7000e-3", "7001e-3", "-0.0e-1", "2.0000000000000000000000001", "12345678901234567890.0e-20"} {
		r, _ := new(big.Rat).SetString(s)
		if got, want := isInteger(s), r.IsInt(); got != want {
			t.Errorf("isInteger(%s) = %v, want %v", s, got, want)
		}
	}
}
