package validation

import (
	"fmt"
	"net/url"
	"sort"
	"strings"
)

// RouteResult says how a request matched the document's paths.
type RouteResult int

const (
	// Found: the path and method name an operation.
	Found RouteResult = iota
	// NotFound: no path template matches.
	NotFound
	// MethodNotAllowed: the path matches but the method is not declared;
	// Match.Allow lists the methods that are.
	MethodNotAllowed
	// Skip: an OPTIONS request (a CORS preflight) on a path that does not
	// declare options passes unvalidated.
	Skip
)

func (r RouteResult) String() string {
	return [...]string{"found", "not_found", "method_not_allowed", "skip"}[r]
}

// segment is one /-separated part of a path template: a literal, a
// variable, or a mix ("{name}.{ext}", "report.{format}").
type segment struct {
	lit   string   // the literal when vars is empty
	vars  []string // variable names, in order
	parts []string // mixed: literal, var, literal, … (vars as "")
}

func (s segment) isVar() bool { return len(s.vars) == 1 && len(s.parts) == 0 }

// key is the segment with variables anonymized: templates that differ
// only in variable names share trie nodes.
func (s segment) key() string {
	var b strings.Builder
	for i, p := range s.parts {
		if i%2 == 1 {
			b.WriteString("{}")
		} else {
			b.WriteString(p)
		}
	}
	return b.String()
}

// parseTemplate splits a path template into segments: literals
// (unescaped, as request paths are matched unescaped), whole-segment
// variables, and mixed segments alternating literal text and variables
// ("report.{format}"). Two variables with no literal between them are
// refused: where one ends would be a guess.
func parseTemplate(tmpl string) ([]segment, error) {
	var segs []segment
	for _, raw := range strings.Split(tmpl[1:], "/") {
		if !strings.Contains(raw, "{") && !strings.Contains(raw, "}") {
			lit, err := url.PathUnescape(raw)
			if err != nil {
				return nil, fmt.Errorf("path segment %q is not validly escaped", raw)
			}
			segs = append(segs, segment{lit: lit})
			continue
		}
		var s segment
		rest := raw
		for rest != "" {
			open := strings.IndexByte(rest, '{')
			if open < 0 {
				if strings.Contains(rest, "}") {
					return nil, fmt.Errorf("unbalanced } in %q", raw)
				}
				s.parts = append(s.parts, rest)
				break
			}
			closeAt := strings.IndexByte(rest[open:], '}')
			if closeAt < 0 {
				return nil, fmt.Errorf("unbalanced { in %q", raw)
			}
			lit := rest[:open]
			if strings.Contains(lit, "}") {
				return nil, fmt.Errorf("unbalanced } in %q", raw)
			}
			name := rest[open+1 : open+closeAt]
			if name == "" || strings.ContainsAny(name, "{/") {
				return nil, fmt.Errorf("bad variable in %q", raw)
			}
			if len(s.parts)%2 == 1 || len(s.parts) == 0 {
				// Keep literal/var alternation: literal first.
				if len(s.parts)%2 == 1 {
					return nil, fmt.Errorf("variables must be separated by literal text in %q", raw)
				}
			}
			if len(s.parts) > 0 && lit == "" {
				return nil, fmt.Errorf("variables must be separated by literal text in %q", raw)
			}
			s.parts = append(s.parts, lit, "")
			s.vars = append(s.vars, name)
			rest = rest[open+closeAt+1:]
		}
		if len(s.parts) == 2 && s.parts[0] == "" {
			s.parts = nil // a whole-segment variable
		}
		segs = append(segs, s)
	}
	return segs, nil
}

// matchMixed matches a request segment against a mixed segment and
// returns the variables' values. Each variable takes the shortest text
// up to the next literal.
func (s segment) matchMixed(seg string, vals []string) ([]string, bool) {
	rest := seg
	for i := 0; i < len(s.parts); i++ {
		p := s.parts[i]
		if i%2 == 0 {
			if !strings.HasPrefix(rest, p) {
				return vals, false
			}
			rest = rest[len(p):]
			continue
		}
		// a variable: up to the next literal, or the rest
		if i+1 < len(s.parts) {
			next := s.parts[i+1]
			j := strings.Index(rest, next)
			if j <= 0 {
				return vals, false
			}
			vals = append(vals, rest[:j])
			rest = rest[j:]
		} else {
			if rest == "" {
				return vals, false
			}
			vals = append(vals, rest)
			rest = ""
		}
	}
	return vals, rest == ""
}

type node struct {
	lit   map[string]*node
	mixed []*mixedChild
	param *node
	ops   map[string]*Operation
	allow string
}

type mixedChild struct {
	seg  segment
	node *node
}

type router struct {
	root *node
}

// newRouter builds the trie of path templates: per segment a literal
// child, one variable child, and mixed children keyed with the variable
// names anonymized, so that templates differing only in names share a
// node. Two operations on the same template (up to variable names) with
// the same method are refused: a request could not tell them apart.
func newRouter(ops []*Operation) (*router, error) {
	r := &router{root: &node{}}
	for _, op := range ops {
		n := r.root
		for _, s := range op.pathTmpl {
			switch {
			case len(s.vars) == 0:
				if n.lit == nil {
					n.lit = map[string]*node{}
				}
				c, ok := n.lit[s.lit]
				if !ok {
					c = &node{}
					n.lit[s.lit] = c
				}
				n = c
			case s.isVar():
				if n.param == nil {
					n.param = &node{}
				}
				n = n.param
			default:
				var c *node
				for _, mc := range n.mixed {
					if mc.seg.key() == s.key() {
						c = mc.node
					}
				}
				if c == nil {
					c = &node{}
					n.mixed = append(n.mixed, &mixedChild{seg: s, node: c})
				}
				n = c
			}
		}
		if n.ops == nil {
			n.ops = map[string]*Operation{}
		}
		if prev, dup := n.ops[op.Method]; dup {
			return nil, fmt.Errorf("paths %s and %s are the same template: %s is declared on both", prev.Path, op.Path, op.Method)
		}
		n.ops[op.Method] = op
	}
	r.root.finish()
	return r, nil
}

// finish precomputes each node's Allow value and orders mixed children
// longest literal first.
func (n *node) finish() {
	if n.ops != nil {
		var ms []string
		for m := range n.ops {
			ms = append(ms, m)
		}
		if _, ok := n.ops["GET"]; ok {
			if _, ok := n.ops["HEAD"]; !ok {
				ms = append(ms, "HEAD")
			}
		}
		sort.Strings(ms)
		n.allow = strings.Join(ms, ", ")
	}
	sort.SliceStable(n.mixed, func(i, j int) bool { return len(n.mixed[i].seg.key()) > len(n.mixed[j].seg.key()) })
	for _, c := range n.lit {
		c.finish()
	}
	for _, c := range n.mixed {
		c.node.finish()
	}
	if n.param != nil {
		n.param.finish()
	}
}

// maxSegments bounds the path depth looked at; deeper paths are not found.
const maxSegments = 64

// Match is the result of routing one request. Reuse it to avoid
// allocation.
type Match struct {
	Result RouteResult
	// Op is the operation (Found).
	Op *Operation
	// Allow lists the declared methods (MethodNotAllowed, Found).
	Allow string
	// segs are the request's path segments, still escaped.
	segs [maxSegments]string
	nseg int
}

// PathSegments returns the (escaped) path segments the match saw.
func (m *Match) PathSegments() []string { return m.segs[:m.nseg] }

// Route finds the operation for method and the request's escaped path
// (r.URL.EscapedPath()). Literal segments are tried before templated
// ones; the time taken depends on the path's length, not on the number
// of operations.
func (s *Spec) Route(method, escapedPath string, m *Match) {
	*m = Match{Result: NotFound}
	p := escapedPath
	if s.BasePath != "" {
		if !strings.HasPrefix(p, s.BasePath) || (len(p) > len(s.BasePath) && p[len(s.BasePath)] != '/') {
			m.Result = s.skipOptions(method, nil)
			return
		}
		p = p[len(s.BasePath):]
		if p == "" {
			p = "/"
		}
	}
	if !strings.HasPrefix(p, "/") {
		m.Result = s.skipOptions(method, nil)
		return
	}
	n := s.router.root.match(p[1:], 0, m)
	if n == nil {
		m.Result = s.skipOptions(method, nil)
		return
	}
	m.Allow = n.allow
	op := n.ops[method]
	if op == nil && method == "HEAD" {
		op = n.ops["GET"]
	}
	if op == nil {
		m.Result = s.skipOptions(method, n)
		if m.Result == NotFound {
			m.Result = MethodNotAllowed
		}
		return
	}
	m.Op, m.Result = op, Found
}

func (s *Spec) skipOptions(method string, n *node) RouteResult {
	if method == "OPTIONS" && (n == nil || n.ops["OPTIONS"] == nil) {
		return Skip
	}
	return NotFound
}

// match finds the node of path's remaining segments, trying a literal
// child first, then mixed children, then the variable child, and
// backtracking when a branch ends without an operation: the most literal
// template wins, as OpenAPI asks. A segment is unescaped for matching;
// its raw text is kept in m for the parameters.
func (n *node) match(path string, depth int, m *Match) *node {
	if depth >= maxSegments {
		return nil
	}
	raw, rest, more := strings.Cut(path, "/")
	seg := raw
	if strings.IndexByte(seg, '%') >= 0 {
		u, err := url.PathUnescape(seg)
		if err != nil {
			return nil
		}
		seg = u
	}
	m.segs[depth] = raw
	if depth+1 > m.nseg {
		m.nseg = depth + 1
	}
	try := func(c *node) *node {
		if !more {
			if c.ops != nil {
				m.nseg = depth + 1
				return c
			}
			return nil
		}
		return c.match(rest, depth+1, m)
	}
	if c, ok := n.lit[seg]; ok {
		if r := try(c); r != nil {
			return r
		}
	}
	for _, mc := range n.mixed {
		var buf [4]string
		if _, ok := mc.seg.matchMixed(seg, buf[:0]); ok {
			if r := try(mc.node); r != nil {
				return r
			}
		}
	}
	if n.param != nil && seg != "" {
		if r := try(n.param); r != nil {
			return r
		}
	}
	return nil
}
