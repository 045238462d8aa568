package validation

import (
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/errorpages/caddy-errorpages/errorpages"
)

// Security: the credentials an operation requires (OpenAPI's security
// requirements and components.securitySchemes), checked for presence
// before anything else of the request, as the document says:
//
//   - apiKey: the header, query parameter or cookie it names is present;
//   - http: the Authorization header carries the scheme it names
//     (bearer, basic, or any other) and something after it;
//   - oauth2 and openIdConnect: a bearer token is present. Scopes are the
//     upstream's or an authentication plugin's business: whether a token
//     is valid, or carries a scope, is not checked here;
//   - mutualTLS: a client certificate was presented.
//
// The requirements of a list are alternatives (one is enough); the schemes
// inside one requirement are all needed. An operation's security replaces
// the document's; `security: []` makes it public. No credential's value
// is ever read beyond "is there one".

// securityScheme is one entry of components.securitySchemes.
type securityScheme struct {
	name   string // its key in components.securitySchemes
	typ    string // apiKey, http, oauth2, openIdConnect, mutualTLS
	in     string // apiKey: header, query or cookie
	param  string // apiKey: the header, parameter or cookie name
	scheme string // http: the Authorization scheme, lower case (oauth2, openIdConnect: "bearer")
}

// requirement is one security requirement object: all its schemes.
type requirement []*securityScheme

// securitySchemes reads components.securitySchemes (each may be a
// $ref).
func (b *builder) securitySchemes(root loc) (map[string]*securityScheme, error) {
	doc, _ := root.value().(map[string]any)
	comps, _ := doc["components"].(map[string]any)
	defs, _ := comps["securitySchemes"].(map[string]any)
	out := make(map[string]*securityScheme, len(defs))
	for _, name := range sortedKeys(defs) {
		l, m, err := b.ds.deref(root.child("components", "securitySchemes", name))
		if err != nil {
			return nil, err
		}
		s := &securityScheme{name: name}
		s.typ, _ = m["type"].(string)
		switch s.typ {
		case "apiKey":
			s.in, _ = m["in"].(string)
			s.param, _ = m["name"].(string)
			if s.in != "header" && s.in != "query" && s.in != "cookie" {
				return nil, l.child("in").errf("an apiKey security scheme is in header, query or cookie")
			}
			if s.param == "" {
				return nil, l.child("name").errf("an apiKey security scheme needs a name")
			}
			if s.in == "header" {
				s.param = http.CanonicalHeaderKey(s.param)
			}
		case "http":
			s.scheme, _ = m["scheme"].(string)
			s.scheme = strings.ToLower(s.scheme)
			if s.scheme == "" {
				return nil, l.child("scheme").errf("an http security scheme needs a scheme (bearer, basic …)")
			}
		case "oauth2", "openIdConnect":
			s.scheme = "bearer"
		case "mutualTLS":
		default:
			return nil, l.child("type").errf("security scheme type %q is not one of apiKey, http, oauth2, openIdConnect, mutualTLS", s.typ)
		}
		out[name] = s
	}
	return out, nil
}

// requirements reads a security member (the document's or an
// operation's). present is false when there is none.
func requirements(l loc, schemes map[string]*securityScheme) (reqs []requirement, present bool, err error) {
	raw, ok := l.value().([]any)
	if !ok {
		if l.value() != nil {
			return nil, false, l.errf("security must be a list of security requirements")
		}
		return nil, false, nil
	}
	reqs = []requirement{}
	for i, r := range raw {
		m, ok := r.(map[string]any)
		if !ok {
			return nil, false, l.child(itoa(i)).errf("a security requirement must be an object")
		}
		req := requirement{}
		for _, name := range sortedKeys(m) {
			s := schemes[name]
			if s == nil {
				return nil, false, l.child(itoa(i), name).errf("security scheme %q is not declared in components.securitySchemes", name)
			}
			req = append(req, s)
		}
		if len(req) == 0 {
			return []requirement{}, true, nil // {}: anonymous access is one of the alternatives
		}
		reqs = append(reqs, req)
	}
	return reqs, true, nil
}

// Security reports whether the operation requires credentials.
func (op *Operation) Security() bool { return len(op.security) > 0 }

// CheckSecurity checks that the request carries the credentials one of
// the operation's security requirements needs. It returns nil when it
// does (or the operation needs none), else a 401 Result with a problem
// per missing credential and the WWW-Authenticate challenges (RFC 9110
// §11.6.1: one for each scheme that would do).
func (op *Operation) CheckSecurity(req *Request) *Result {
	if len(op.security) == 0 {
		return nil
	}
	var query, cookies []queryPair
	var queryDone, cookiesDone bool
	present := func(s *securityScheme) bool {
		switch s.typ {
		case "apiKey":
			switch s.in {
			case "header":
				return strings.TrimSpace(req.Header.Get(s.param)) != ""
			case "query":
				if !queryDone {
					query, queryDone = securityQuery(req.RawQuery), true
				}
				return hasPair(query, s.param)
			default:
				if !cookiesDone {
					cookies, cookiesDone = parseCookies(req.Header), true
				}
				return hasPair(cookies, s.param)
			}
		case "mutualTLS":
			return req.ClientCertificate
		}
		scheme, cred, _ := strings.Cut(strings.TrimSpace(req.Header.Get("Authorization")), " ")
		return asciiEqualFold(scheme, s.scheme) && strings.TrimSpace(cred) != "" // ASCII case only (RFC 9110 auth-scheme)
	}
	for _, r := range op.security {
		ok := true
		for _, s := range r {
			if !present(s) {
				ok = false
				break
			}
		}
		if ok {
			return nil
		}
	}
	res := &Result{Status: http.StatusUnauthorized, Kind: "unauthorized"}
	seen := map[string]bool{}
	for _, r := range op.security {
		for _, s := range r {
			if present(s) {
				continue
			}
			f := missingCredential(s, len(op.security) > 1)
			if !seen[f.Pointer+f.Message] { // oauth2 and openIdConnect: one bearer token
				seen[f.Pointer+f.Message] = true
				res.Fields = append(res.Fields, f)
			}
			if ch := challenge(s, op.realm); ch != "" && !containsString(res.Challenges, ch) {
				res.Challenges = append(res.Challenges, ch)
			}
		}
	}
	sort.SliceStable(res.Fields, func(i, j int) bool { return res.Fields[i].Pointer < res.Fields[j].Pointer })
	return res
}

// missingCredential is the problem of a scheme whose credential is
// missing: where it goes, never what it is.
func missingCredential(s *securityScheme, alternatives bool) errorpages.Field {
	f := errorpages.Field{Code: "credentials"}
	switch s.typ {
	case "apiKey":
		f.Pointer, f.Field, f.Message = "/"+s.in+"/"+escapeToken(s.param), s.param, "is required: an API key"
	case "mutualTLS":
		f.Pointer, f.Message = "/tls", "is required: a client certificate"
	default:
		what := "a Bearer token"
		if s.scheme != "bearer" {
			what = strings.ToUpper(s.scheme[:1]) + s.scheme[1:] + " credentials"
		}
		f.Pointer, f.Field, f.Message = "/header/Authorization", "Authorization", "is required: "+what
	}
	if alternatives {
		f.Hint = "any one of the listed credentials (or sets of them) is enough"
	}
	return f
}

// challenge is the WWW-Authenticate challenge for a scheme. An apiKey has
// no registered scheme: its challenge names where the key goes.
func challenge(s *securityScheme, realm string) string {
	r := `realm="` + quoteEscape(realm) + `"`
	switch s.typ {
	case "apiKey":
		return `ApiKey ` + r + `, in="` + s.in + `", name="` + quoteEscape(s.param) + `"`
	case "mutualTLS":
		return ""
	}
	switch s.scheme {
	case "bearer":
		return "Bearer " + r
	case "basic":
		return "Basic " + r + `, charset="UTF-8"`
	}
	return strings.ToUpper(s.scheme[:1]) + s.scheme[1:] + " " + r
}

func quoteEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\r", "", "\n", "").Replace(s)
}

// securityQuery is the names of a query string's parameters.
func securityQuery(raw string) []queryPair {
	var out []queryPair
	for raw != "" {
		var kv string
		kv, raw, _ = strings.Cut(raw, "&")
		k, v, _ := strings.Cut(kv, "=")
		if dk, err := url.QueryUnescape(k); err == nil {
			out = append(out, queryPair{dk, v})
		}
	}
	return out
}

func hasPair(ps []queryPair, name string) bool {
	for _, p := range ps {
		if p.key == name && p.value != "" {
			return true
		}
	}
	return false
}

// documentSecurity reads the schemes, the document's requirements and the
// realm, unless security is ignored.
func (b *builder) documentSecurity(root loc) error {
	if b.spec.opts.IgnoreSecurity {
		return nil
	}
	var err error
	if b.schemes, err = b.securitySchemes(root); err != nil {
		return err
	}
	if b.security, _, err = requirements(root.child("security"), b.schemes); err != nil {
		return err
	}
	b.realm = b.spec.opts.Realm
	if b.realm == "" {
		doc, _ := root.value().(map[string]any)
		info, _ := doc["info"].(map[string]any)
		b.realm, _ = info["title"].(string)
	}
	if b.realm == "" {
		b.realm = "api"
	}
	return nil
}

// operationSecurity sets an operation's requirements: its own, else the
// document's.
func (b *builder) operationSecurity(op *Operation, ol loc) error {
	if b.spec.opts.IgnoreSecurity {
		return nil
	}
	reqs, present, err := requirements(ol.child("security"), b.schemes)
	if err != nil {
		return err
	}
	if !present {
		reqs = b.security
	}
	op.security, op.realm = reqs, b.realm
	return nil
}
