package validation

import (
	"regexp/syntax"
	"unicode/utf8"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// The patterns of API schemas are mostly anchored runs of character
// classes: ^[A-Z]{3}$, ^[A-Z0-9-]{4,20}$, ^cus_[a-z0-9]{8}$. For those,
// the fast validator uses a matcher that checks each rune against its
// class, without the regexp machine. Any other pattern keeps the
// engine's regexp.

// classRun is one element of a simple pattern: min to max runes (max -1:
// unbounded), each in the class (sorted lo-hi pairs, as regexp/syntax
// gives them).
type classRun struct {
	class    []rune
	min, max int
}

type simplePattern struct {
	runs []classRun // all fixed-length except possibly the last
}

// matcher returns the fast validator's matcher for a pattern.
func matcher(re jsonschema.Regexp) func(string) bool {
	if re == nil {
		return nil
	}
	if sp := compileSimplePattern(re.String()); sp != nil {
		return sp.match
	}
	return re.MatchString
}

// compileSimplePattern returns a matcher for ^run…run$ patterns whose
// runs are all of fixed length but the last, or nil.
func compileSimplePattern(src string) *simplePattern {
	re, err := syntax.Parse(src, syntax.Perl)
	if err != nil || re.Op != syntax.OpConcat || len(re.Sub) < 3 {
		return nil
	}
	subs := re.Sub
	if subs[0].Op != syntax.OpBeginText || subs[len(subs)-1].Op != syntax.OpEndText {
		return nil
	}
	sp := &simplePattern{}
	for _, s := range subs[1 : len(subs)-1] {
		if n := len(sp.runs); n > 0 && sp.runs[n-1].min != sp.runs[n-1].max {
			return nil // only the last run may vary in length
		}
		switch s.Op {
		case syntax.OpLiteral:
			if s.Flags&syntax.FoldCase != 0 {
				return nil
			}
			for _, r := range s.Rune {
				sp.runs = append(sp.runs, classRun{class: []rune{r, r}, min: 1, max: 1})
			}
		case syntax.OpCharClass, syntax.OpAnyCharNotNL, syntax.OpAnyChar:
			c, ok := classOf(s)
			if !ok {
				return nil
			}
			sp.runs = append(sp.runs, classRun{class: c, min: 1, max: 1})
		case syntax.OpRepeat, syntax.OpStar, syntax.OpPlus, syntax.OpQuest:
			if len(s.Sub) != 1 {
				return nil
			}
			c, ok := classOf(s.Sub[0])
			if !ok {
				return nil
			}
			run := classRun{class: c}
			switch s.Op {
			case syntax.OpRepeat:
				run.min, run.max = s.Min, s.Max
			case syntax.OpStar:
				run.min, run.max = 0, -1
			case syntax.OpPlus:
				run.min, run.max = 1, -1
			case syntax.OpQuest:
				run.min, run.max = 0, 1
			}
			sp.runs = append(sp.runs, run)
		default:
			return nil
		}
	}
	if len(sp.runs) == 0 {
		return nil
	}
	return sp
}

// classOf returns the rune ranges one rune of s matches: a class, a
// literal of one rune, or any character.
func classOf(s *syntax.Regexp) ([]rune, bool) {
	switch s.Op {
	case syntax.OpCharClass:
		return s.Rune, len(s.Rune) > 0
	case syntax.OpLiteral:
		if len(s.Rune) == 1 && s.Flags&syntax.FoldCase == 0 {
			return []rune{s.Rune[0], s.Rune[0]}, true
		}
	case syntax.OpAnyCharNotNL:
		return []rune{0, '\n' - 1, '\n' + 1, utf8.MaxRune}, true
	case syntax.OpAnyChar:
		return []rune{0, utf8.MaxRune}, true
	}
	return nil, false
}

func inClass(c []rune, r rune) bool {
	for i := 0; i+1 < len(c); i += 2 {
		if r < c[i] {
			return false
		}
		if r <= c[i+1] {
			return true
		}
	}
	return false
}

// match reports whether the whole of s matches, as regexp's MatchString
// does for the anchored pattern. Invalid UTF-8 reads as U+FFFD, as in
// regexp.
func (sp *simplePattern) match(s string) bool {
	i := 0
	for _, run := range sp.runs {
		if run.min == run.max {
			for n := 0; n < run.min; n++ {
				if i >= len(s) {
					return false
				}
				r, w := utf8.DecodeRuneInString(s[i:])
				if !inClass(run.class, r) {
					return false
				}
				i += w
			}
			continue
		}
		// The last run, of variable length: the rest of s.
		n := 0
		for i < len(s) {
			r, w := utf8.DecodeRuneInString(s[i:])
			if !inClass(run.class, r) {
				return false
			}
			i += w
			n++
			if run.max >= 0 && n > run.max {
				return false
			}
		}
		return n >= run.min
	}
	return i == len(s)
}
