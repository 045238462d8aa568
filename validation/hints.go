package validation

import (
	"sort"
	"strings"
)

// NotFoundHint explains a path no operation has (Route said NotFound),
// for the 404's problem: a declared path that would match if a path
// parameter's slashes were percent-encoded (OpenAPI's path parameters
// hold no "/": GitHub's /repos/o/r/contents/docs/README.md), else the
// nearest declared path (a typo, a trailing slash). It returns "" when
// nothing is close. It runs on the 404 path only.
func (s *Spec) NotFoundHint(method, escapedPath string) string {
	p := escapedPath
	if s.BasePath != "" {
		if !strings.HasPrefix(p, s.BasePath+"/") {
			return ""
		}
		p = p[len(s.BasePath):]
	}
	if !strings.HasPrefix(p, "/") {
		return ""
	}
	segs := strings.Split(p[1:], "/")
	if len(segs) > maxSegments {
		return ""
	}
	if h := s.slashHint(method, segs); h != "" {
		return h
	}
	if len(segs) > 1 && segs[len(segs)-1] == "" {
		var m Match
		if trimmed := s.BasePath + "/" + strings.Join(segs[:len(segs)-1], "/"); s.routes(method, trimmed, &m) {
			return "did you mean `" + s.BasePath + m.Op.Path + "` (without the trailing slash)?"
		}
	}
	if t := s.nearestPath(segs); t != "" {
		return "did you mean `" + s.BasePath + t + "`?"
	}
	return ""
}

// routes reports whether path has an operation (for method, or another).
func (s *Spec) routes(method, path string, m *Match) bool {
	s.Route(method, path, m)
	if m.Result == MethodNotAllowed {
		s.Route(strings.SplitN(m.Allow, ",", 2)[0], path, m)
	}
	return m.Result == Found
}

// slashHint finds a run of segments that, joined with %2F into one,
// makes the path match.
func (s *Spec) slashHint(method string, segs []string) string {
	for i := 0; i < len(segs); i++ {
		for j := len(segs) - 1; j > i; j-- {
			joined := strings.Join(segs[i:j+1], "%2F")
			try := append(append(append([]string{}, segs[:i]...), joined), segs[j+1:]...)
			var m Match
			if !s.routes(method, s.BasePath+"/"+strings.Join(try, "/"), &m) {
				continue
			}
			tsegs := strings.Split(strings.TrimPrefix(m.Op.Path, "/"), "/")
			name := ""
			if i < len(tsegs) {
				name = " for `" + tsegs[i] + "`"
			}
			return "a path parameter cannot hold a slash: send `" + joined + "`" + name + " (" + s.BasePath + m.Op.Path + ")"
		}
	}
	return ""
}

// pathTemplate is a declared path and its segments.
type pathTemplate struct {
	path string
	segs []string
}

// pathTemplates lists the declared paths once, sorted.
func (s *Spec) pathTemplates() []pathTemplate {
	s.templatesOnce.Do(func() {
		seen := map[string]bool{}
		for _, op := range s.ops {
			if !seen[op.Path] {
				seen[op.Path] = true
				s.templates = append(s.templates, pathTemplate{op.Path, strings.Split(strings.TrimPrefix(op.Path, "/"), "/")})
			}
		}
		sort.Slice(s.templates, func(i, j int) bool { return s.templates[i].path < s.templates[j].path })
	})
	return s.templates
}

// nearestPath is the declared path template with as many segments as the
// request whose literal segments are closest to the request's (edit
// distance, case-insensitive; a templated segment matches anything), or
// "" when the nearest differs by more than a few letters.
func (s *Spec) nearestPath(segs []string) string {
	best, bestD, size := "", 0, 0
	for _, seg := range segs {
		size += len(seg)
	}
	for _, tp := range s.pathTemplates() {
		if len(tp.segs) != len(segs) {
			continue
		}
		d := 0
		for i, t := range tp.segs {
			if strings.Contains(t, "{") {
				if segs[i] == "" {
					d += 2
				}
				continue
			}
			if segs[i] != t {
				d += max(1, levenshtein(strings.ToLower(segs[i]), strings.ToLower(t))) // a case difference counts one
			}
		}
		if d > 0 && (best == "" || d < bestD) {
			best, bestD = tp.path, d
		}
	}
	if best == "" || bestD > min(3, 1+size/8) {
		return ""
	}
	return best
}
