package validation

import (
	"reflect"
	"strings"
	"testing"
)

const securityDoc = `openapi: 3.1.0
info: {title: Shop "API", version: "1"}
security:
  - bearer: []
components:
  securitySchemes:
    bearer: {type: http, scheme: bearer}
    basic: {type: http, scheme: Basic}
    digest: {type: http, scheme: digest}
    key: {type: apiKey, in: header, name: x-api-key}
    qkey: {type: apiKey, in: query, name: api_key}
    session: {type: apiKey, in: cookie, name: session}
    oauth: {type: oauth2, flows: {clientCredentials: {tokenUrl: "https://example.com/token", scopes: {read: read}}}}
    oidc: {type: openIdConnect, openIdConnectUrl: "https://example.com/.well-known/openid-configuration"}
    mtls: {type: mutualTLS}
    shared: {$ref: '#/components/securitySchemes/key'}
paths:
  /default:
    post:
      requestBody:
        content:
          application/json:
            schema: {type: object, required: [n], properties: {n: {type: integer}}}
      responses: {"200": {description: ok}}
  /public:
    get:
      security: []
      responses: {"200": {description: ok}}
  /optional:
    get:
      security: [{}, {bearer: []}]
      responses: {"200": {description: ok}}
  /or:
    get:
      security: [{key: []}, {basic: []}]
      responses: {"200": {description: ok}}
  /and:
    get:
      security: [{key: [], qkey: []}]
      responses: {"200": {description: ok}}
  /cookie:
    get:
      security: [{session: []}]
      responses: {"200": {description: ok}}
  /oauth:
    get:
      security: [{oauth: [read]}, {oidc: []}]
      responses: {"200": {description: ok}}
  /digest:
    get:
      security: [{digest: []}]
      responses: {"200": {description: ok}}
  /mtls:
    get:
      security: [{mtls: []}]
      responses: {"200": {description: ok}}
  /ref:
    get:
      security: [{shared: []}]
      responses: {"200": {description: ok}}
`

// Security requirements, checked for presence before anything else: OR
// between requirements, AND within one, security: [] public, an
// operation's list replacing the document's, every scheme type; a 401
// names where each missing credential goes (never a value) and carries a
// challenge per acceptable scheme.
func TestSecurityRequirements(t *testing.T) {
	path := t.TempDir() + "/sec.yaml"
	writeFile(t, path, securityDoc)
	s, err := Load(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	const realm = `realm="Shop \"API\""`
	tests := []struct {
		name       string
		r          req
		cert       bool
		problems   []string // nil: passes
		challenges []string
	}{
		{"the document's bearer: none", req{method: "POST", target: "/default", ct: "application/json", body: `{"n":"x"}`},
			false, []string{"/header/Authorization credentials"}, []string{"Bearer " + realm}},
		{"the document's bearer: given, then the body is checked", req{method: "POST", target: "/default", ct: "application/json", body: `{"n":"x"}`,
			header: map[string]string{"Authorization": "Bearer abc"}}, false, []string{"/body/n type"}, nil},
		{"a bearer scheme is case-insensitive", req{method: "POST", target: "/default", ct: "application/json", body: `{"n":1}`,
			header: map[string]string{"Authorization": "bearer abc"}}, false, nil, nil},
		{"a scheme without credentials", req{method: "POST", target: "/default", ct: "application/json", body: `{"n":1}`,
			header: map[string]string{"Authorization": "Bearer "}}, false, []string{"/header/Authorization credentials"}, []string{"Bearer " + realm}},
		{"another scheme than the one required", req{method: "POST", target: "/default", ct: "application/json", body: `{"n":1}`,
			header: map[string]string{"Authorization": "Basic dXNlcjpwYXNz"}}, false, []string{"/header/Authorization credentials"}, []string{"Bearer " + realm}},
		{"security: [] is public", req{method: "GET", target: "/public"}, false, nil, nil},
		{"{} among the alternatives: anonymous", req{method: "GET", target: "/optional"}, false, nil, nil},
		{"OR: the first", req{method: "GET", target: "/or", header: map[string]string{"X-Api-Key": "k"}}, false, nil, nil},
		{"OR: the second", req{method: "GET", target: "/or", header: map[string]string{"Authorization": "Basic dXNlcjpwYXNz"}}, false, nil, nil},
		// Scheme names are compared in ASCII case only: "Baſic" (U+017F,
		// long s) is Basic only under Unicode case folding.
		{"OR: a scheme equal to Basic only under Unicode folding", req{method: "GET", target: "/or", header: map[string]string{"Authorization": "Baſic dXNlcjpwYXNz"}},
			false, []string{"/header/Authorization credentials", "/header/X-Api-Key credentials"},
			[]string{`ApiKey ` + realm + `, in="header", name="X-Api-Key"`, "Basic " + realm + `, charset="UTF-8"`}},
		{"OR: neither", req{method: "GET", target: "/or"}, false, []string{"/header/Authorization credentials", "/header/X-Api-Key credentials"},
			[]string{`ApiKey ` + realm + `, in="header", name="X-Api-Key"`, "Basic " + realm + `, charset="UTF-8"`}},
		{"AND: both", req{method: "GET", target: "/and?api_key=q", header: map[string]string{"X-Api-Key": "k"}}, false, nil, nil},
		{"AND: one of two", req{method: "GET", target: "/and", header: map[string]string{"X-Api-Key": "k"}}, false, []string{"/query/api_key credentials"},
			[]string{`ApiKey ` + realm + `, in="query", name="api_key"`}},
		{"AND: an empty query value is none", req{method: "GET", target: "/and?api_key=", header: map[string]string{"X-Api-Key": "k"}}, false, []string{"/query/api_key credentials"}, nil},
		{"cookie: given", req{method: "GET", target: "/cookie", header: map[string]string{"Cookie": "theme=dark; session=s3"}}, false, nil, nil},
		{"cookie: missing", req{method: "GET", target: "/cookie", header: map[string]string{"Cookie": "theme=dark"}}, false, []string{"/cookie/session credentials"}, nil},
		{"oauth2 or openIdConnect: a bearer token", req{method: "GET", target: "/oauth", header: map[string]string{"Authorization": "Bearer t"}}, false, nil, nil},
		{"oauth2 or openIdConnect: none", req{method: "GET", target: "/oauth"}, false, []string{"/header/Authorization credentials"}, []string{"Bearer " + realm}},
		{"another http scheme", req{method: "GET", target: "/digest"}, false, []string{"/header/Authorization credentials"}, []string{"Digest " + realm}},
		{"mutualTLS: a certificate", req{method: "GET", target: "/mtls"}, true, nil, nil},
		{"mutualTLS: none", req{method: "GET", target: "/mtls"}, false, []string{"/tls credentials"}, nil},
		{"a scheme that is a $ref", req{method: "GET", target: "/ref"}, false, []string{"/header/X-Api-Key credentials"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path, query, _ := strings.Cut(tt.r.target, "?")
			var m Match
			s.Route(tt.r.method, path, &m)
			h := map[string][]string{}
			for k, v := range tt.r.header {
				h[k] = []string{v}
			}
			vr := &Request{Method: tt.r.method, RawQuery: query, Header: h, ContentType: tt.r.ct, ClientCertificate: tt.cert}
			if tt.r.body != "" {
				vr.Body, vr.HasBody = []byte(tt.r.body), true
			}
			res := m.Op.Validate(&m, vr, 0)
			if tt.problems == nil {
				if res != nil {
					t.Fatalf("rejected: %v", problems(res))
				}
				return
			}
			if res == nil {
				t.Fatal("accepted")
			}
			if got := problems(res); !reflect.DeepEqual(got, tt.problems) {
				t.Fatalf("problems %v, want %v", got, tt.problems)
			}
			credentials := res.Fields[0].Code == "credentials"
			if credentials && (res.Status != 401 || res.Kind != "unauthorized") || !credentials && res.Status == 401 {
				t.Fatalf("status %d, kind %s", res.Status, res.Kind)
			}
			if tt.challenges != nil && !reflect.DeepEqual(res.Challenges, tt.challenges) {
				t.Fatalf("challenges %q, want %q", res.Challenges, tt.challenges)
			}
		})
	}
	// Security off: the same document, nothing required.
	off, err := Load(path, Options{IgnoreSecurity: true})
	if err != nil {
		t.Fatal(err)
	}
	var m Match
	off.Route("GET", "/or", &m)
	if res := m.Op.Validate(&m, &Request{Method: "GET", Header: map[string][]string{}}, 0); res != nil {
		t.Fatalf("security off: %v", problems(res))
	}
}

// A requirement naming an undeclared scheme, or a malformed scheme, is
// refused at load naming where.
func TestSecurityDocumentErrors(t *testing.T) {
	for _, tt := range []struct{ doc, want string }{
		{"openapi: 3.1.0\ninfo: {title: t, version: '1'}\nsecurity: [{nope: []}]\npaths: {}\n", `security scheme "nope" is not declared`},
		{"openapi: 3.1.0\ninfo: {title: t, version: '1'}\ncomponents: {securitySchemes: {k: {type: apiKey, in: body, name: k}}}\npaths: {}\n", "header, query or cookie"},
		{"openapi: 3.1.0\ninfo: {title: t, version: '1'}\ncomponents: {securitySchemes: {k: {type: http}}}\npaths: {}\n", "needs a scheme"},
		{"openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {/a: {get: {security: [{x: []}], responses: {'200': {description: ok}}}}}\n", `security scheme "x" is not declared`},
	} {
		path := t.TempDir() + "/bad.yaml"
		writeFile(t, path, tt.doc)
		if _, err := Load(path, Options{}); err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "bad.yaml:") {
			t.Errorf("%q: error %v, want one naming the line and %q", tt.doc, err, tt.want)
		}
	}
}
