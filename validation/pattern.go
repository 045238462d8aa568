package validation

import (
	"regexp/syntax"
	"unicode/utf8"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// The patterns of API schemas are mostly anchored runs of character
// classes: ^[A-Z]{3}$, ^[A-Z0-9-]{4,20}$, ^cus_[a-z0-9]{8}$, sometimes
// with a group of fixed-length alternatives: ^(0[1-9]|1[0-2])/[0-9]{2}$.
// For those, the fast validator uses a matcher that checks each rune
// against its class, without the regexp machine. Any other pattern keeps
// the engine's regexp.

// classRun is one element of a simple pattern: min to max runes (max -1:
// unbounded), each in the class (sorted lo-hi pairs, as regexp/syntax
// gives them).
type classRun struct {
	class    []rune
	min, max int
}

// patElem is a run, or (alts set) a group of alternatives, each a
// sequence of fixed-length runs.
type patElem struct {
	classRun
	alts [][]classRun
}

type simplePattern struct {
	elems []patElem // all fixed-length except possibly the last
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

// compileSimplePattern returns a matcher for ^element…element$ patterns
// whose elements (runs, groups of alternatives) are all of fixed length
// but the last, or nil.
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
		if n := len(sp.elems); n > 0 && sp.elems[n-1].alts == nil && sp.elems[n-1].min != sp.elems[n-1].max {
			return nil // only the last run may vary in length
		}
		if s.Op == syntax.OpCapture {
			s = s.Sub[0]
		}
		if s.Op == syntax.OpAlternate {
			var alts [][]classRun
			for _, a := range s.Sub {
				seq, ok := fixedRuns(a)
				if !ok {
					return nil
				}
				alts = append(alts, seq)
			}
			sp.elems = append(sp.elems, patElem{alts: alts})
			continue
		}
		switch s.Op {
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
			sp.elems = append(sp.elems, patElem{classRun: run})
		default:
			seq, ok := fixedRuns(s)
			if !ok {
				return nil
			}
			for _, r := range seq {
				sp.elems = append(sp.elems, patElem{classRun: r})
			}
		}
	}
	if len(sp.elems) == 0 {
		return nil
	}
	return sp
}

// fixedRuns returns s as a sequence of fixed-length runs: literals,
// classes, {n} repeats of a class, their concatenation.
func fixedRuns(s *syntax.Regexp) ([]classRun, bool) {
	switch s.Op {
	case syntax.OpEmptyMatch:
		return []classRun{}, true
	case syntax.OpLiteral:
		if s.Flags&syntax.FoldCase != 0 {
			return nil, false
		}
		out := make([]classRun, 0, len(s.Rune))
		for _, r := range s.Rune {
			out = append(out, classRun{class: []rune{r, r}, min: 1, max: 1})
		}
		return out, true
	case syntax.OpCharClass, syntax.OpAnyCharNotNL, syntax.OpAnyChar:
		c, ok := classOf(s)
		return []classRun{{class: c, min: 1, max: 1}}, ok
	case syntax.OpRepeat:
		if len(s.Sub) != 1 || s.Min != s.Max {
			return nil, false
		}
		c, ok := classOf(s.Sub[0])
		return []classRun{{class: c, min: s.Min, max: s.Max}}, ok
	case syntax.OpConcat:
		var out []classRun
		for _, sub := range s.Sub {
			seq, ok := fixedRuns(sub)
			if !ok {
				return nil, false
			}
			out = append(out, seq...)
		}
		return out, true
	}
	return nil, false
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
func (sp *simplePattern) match(s string) bool { return sp.matchFrom(0, s, 0) }

// matchFrom matches elements k… against s[i:], trying each alternative
// of a group in turn.
func (sp *simplePattern) matchFrom(k int, s string, i int) bool {
	for ; k < len(sp.elems); k++ {
		e := &sp.elems[k]
		if e.alts != nil {
			for _, alt := range e.alts {
				if j, ok := matchRuns(alt, s, i); ok && sp.matchFrom(k+1, s, j) {
					return true
				}
			}
			return false
		}
		if e.min == e.max {
			j, ok := matchRun(&e.classRun, s, i)
			if !ok {
				return false
			}
			i = j
			continue
		}
		// The last run, of variable length: the rest of s.
		n := 0
		for i < len(s) {
			r, w := utf8.DecodeRuneInString(s[i:])
			if !inClass(e.class, r) {
				return false
			}
			i += w
			n++
			if e.max >= 0 && n > e.max {
				return false
			}
		}
		return n >= e.min
	}
	return i == len(s)
}

// matchRuns matches a sequence of fixed-length runs at s[i:], returning
// where it ends.
func matchRuns(runs []classRun, s string, i int) (int, bool) {
	for k := range runs {
		j, ok := matchRun(&runs[k], s, i)
		if !ok {
			return 0, false
		}
		i = j
	}
	return i, true
}

// matchRun matches exactly run.min runes of the run's class at s[i:].
func matchRun(run *classRun, s string, i int) (int, bool) {
	for n := 0; n < run.min; n++ {
		if i >= len(s) {
			return 0, false
		}
		r, w := utf8.DecodeRuneInString(s[i:])
		if !inClass(run.class, r) {
			return 0, false
		}
		i += w
	}
	return i, true
}
