package validation

// Numbers, for the parser: read by RFC 8259's grammar, kept as text, and
// refused past maxDigits digits or an exponent beyond maxExponent.

import (
	"strconv"
)

// number reads a JSON number by RFC 8259's grammar and keeps its text
// (no conversion: the schema checks compare it exactly). A number with
// more than maxDigits digits or an exponent beyond maxExponent is
// refused with number_range, so that no body can make one check cost
// milliseconds.
func (p *jsonParser) number() (jv, *jsonError) {
	start := p.i
	i := p.i
	if p.b[i] == '-' {
		i++
	}
	digits := func() int {
		n := 0
		for i < len(p.b) && p.b[i] >= '0' && p.b[i] <= '9' {
			i++
			n++
		}
		return n
	}
	mantissa := 1
	if i < len(p.b) && p.b[i] == '0' {
		i++
	} else if mantissa = digits(); mantissa == 0 {
		p.i = i
		return jv{}, p.fail("invalid number")
	}
	if i < len(p.b) && p.b[i] == '.' {
		i++
		n := digits()
		if n == 0 {
			p.i = i
			return jv{}, p.fail("invalid number")
		}
		mantissa += n
	}
	exp := 0
	if i < len(p.b) && (p.b[i] == 'e' || p.b[i] == 'E') {
		i++
		if i < len(p.b) && (p.b[i] == '+' || p.b[i] == '-') {
			i++
		}
		from := i
		if digits() == 0 {
			p.i = i
			return jv{}, p.fail("invalid number")
		}
		for _, c := range p.b[from:i] {
			if exp = exp*10 + int(c-'0'); exp > maxExponent {
				break
			}
		}
	}
	if mantissa > maxDigits || exp > maxExponent {
		// Checking such a number exactly (math/big) would cost
		// milliseconds each, and the schema engine cannot read one
		// beyond 1e1000000: a limit keeps every body's cost bounded.
		p.i = start
		return jv{}, &jsonError{code: "number_range", offset: start, msg: "has a number with more than " +
			strconv.Itoa(maxDigits) + " digits or an exponent beyond ±" + strconv.Itoa(maxExponent)}
	}
	p.i = i
	return jv{k: jNumber, s: bytesString(p.b[start:i])}, nil
}

// The largest numbers the parser reads: digits before the exponent, and
// the exponent's magnitude.
const (
	maxDigits   = 1000
	maxExponent = 999
)
