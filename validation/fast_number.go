package validation

// Numbers, for the fast validator: a JSON number's text compared exactly
// with a bound (minimum, maximum, multipleOf), tested for being an
// integer, or for equality, with float64 when it decides and math/big only
// when it does not.

import (
	"math"
	"math/big"
	"strconv"
	"strings"
)

func (n *fnode) checkNumber(s string) bool {
	if n.minimum == nil && n.maximum == nil && n.exMin == nil && n.exMax == nil && n.multipleOf == nil {
		return true
	}
	if n.minimum != nil && cmpNumber(s, n.minimum) < 0 {
		return false
	}
	if n.maximum != nil && cmpNumber(s, n.maximum) > 0 {
		return false
	}
	if n.exMin != nil && cmpNumber(s, n.exMin) <= 0 {
		return false
	}
	if n.exMax != nil && cmpNumber(s, n.exMax) >= 0 {
		return false
	}
	if n.multipleOf != nil {
		r, ok := new(big.Rat).SetString(s)
		if !ok || !new(big.Rat).Quo(r, n.multipleOf.r).IsInt() {
			return false
		}
	}
	return true
}

// cmpNumber compares a JSON number with a bound exactly. Rounding to
// float64 is monotonic, so different floats decide; equal ones are
// compared as exact rationals.
func cmpNumber(s string, b *bound) int {
	if i, ok := smallInt(s); ok {
		// Exactly a float64; so is the bound when b.exact.
		f := float64(i)
		switch {
		case f < b.f:
			return -1
		case f > b.f:
			return 1
		case b.exact:
			return 0
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if math.IsInf(f, 0) && !math.IsInf(b.f, 0) {
		// Beyond float64's range, so beyond the bound's: no math/big.
		if f > 0 {
			return 1
		}
		return -1
	}
	if f == 0 && b.f == 0 && b.exact {
		// Against a bound of exactly 0 (the common minimum), a number
		// too small for float64 counts by its sign: no math/big.
		mant := s
		if i := strings.IndexAny(s, "eE"); i >= 0 {
			mant = s[:i]
		}
		if strings.Trim(mant, "-0.") == "" {
			return 0
		}
		if s[0] == '-' {
			return -1
		}
		return 1
	}
	if err == nil {
		switch {
		case f < b.f:
			return -1
		case f > b.f:
			return 1
		case b.exact && isSmallInteger(s):
			return 0 // both exactly this float
		}
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return 0
	}
	return r.Cmp(b.r)
}

// isInteger reports whether a JSON number text is an integer, without
// math/big: digits D (integer and fraction part, f of them after the
// point) times 10^e is an integer when D is zero or e - f plus D's
// trailing zeros is at least 0.
func isInteger(s string) bool {
	if !strings.ContainsAny(s, ".eE") {
		return true
	}
	mant, exp := strings.TrimPrefix(s, "-"), ""
	if i := strings.IndexAny(mant, "eE"); i >= 0 {
		mant, exp = mant[:i], mant[i+1:]
	}
	intPart, frac, _ := strings.Cut(mant, ".")
	e := 0
	if exp != "" {
		neg := exp[0] == '-'
		exp = strings.TrimLeft(exp, "+-")
		for i := 0; i < len(exp); i++ {
			if e = e*10 + int(exp[i]-'0'); e > 1<<20 {
				r, ok := new(big.Rat).SetString(s) // beyond the parser's limit: exactly, slowly
				return ok && r.IsInt()
			}
		}
		if neg {
			e = -e
		}
	}
	digits := intPart + frac
	tz := len(digits) - len(strings.TrimRight(digits, "0"))
	if tz == len(digits) {
		return true // zero
	}
	return e-len(frac)+tz >= 0
}

func numbersEqual(x, y string) bool {
	if x == y {
		return true
	}
	rx, ok1 := new(big.Rat).SetString(x)
	ry, ok2 := new(big.Rat).SetString(y)
	return ok1 && ok2 && rx.Cmp(ry) == 0
}

// isSmallInteger reports whether s is an integer literal that float64
// holds exactly (at most 15 digits).
func isSmallInteger(s string) bool {
	if s != "" && s[0] == '-' {
		s = s[1:]
	}
	if s == "" || len(s) > 15 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// smallInt reads an integer literal of at most 15 digits (exactly a
// float64) without strconv.
func smallInt(s string) (int64, bool) {
	neg := false
	if s != "" && s[0] == '-' {
		neg, s = true, s[1:]
	}
	if s == "" || len(s) > 15 {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}
