package validation

import (
	"strings"
	"testing"
)

const hintsDoc = `openapi: 3.1.0
info: {title: hints, version: "1"}
paths:
  /repos/{owner}/{repo}/contents/{path}:
    get:
      parameters:
        - {name: owner, in: path, required: true, schema: {type: string}}
        - {name: repo, in: path, required: true, schema: {type: string}}
        - {name: path, in: path, required: true, schema: {type: string}}
      responses: {"200": {description: ok}}
  /users/{id}/settings:
    put:
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties:
                tz: {enum: [Europe/Berlin, Europe/Bern, Europe/Paris, America/New_York, Asia/Tokyo, UTC, Africa/Abidjan, Africa/Accra, Africa/Addis_Ababa, Africa/Algiers, Africa/Asmara, Africa/Bamako, Africa/Bangui, Africa/Banjul, Africa/Bissau, Africa/Blantyre, Africa/Brazzaville, Africa/Bujumbura, Africa/Cairo, Africa/Casablanca, Africa/Ceuta, Europe/Berlim]}
                tax: {enum: ["", exempt, none]}
      responses: {"200": {description: ok}}
`

// A 404 names the nearest declared path, or the path parameter that
// would match with its slashes percent-encoded; nothing for a path far
// from every declared one.
func TestNotFoundHint(t *testing.T) {
	path := t.TempDir() + "/hints.yaml"
	writeFile(t, path, hintsDoc)
	s, err := Load(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	st := stripe(t)
	for _, tt := range []struct {
		s            *Spec
		method, path string
		want         string
	}{
		{s, "GET", "/repos/o/r/contents/docs/README.md", "a path parameter cannot hold a slash: send `docs%2FREADME.md` for `{path}` (/repos/{owner}/{repo}/contents/{path})"},
		{st, "POST", "/v1/custmers", "did you mean `/v1/customers`?"},
		{st, "GET", "/v1/Customers", "did you mean `/v1/customers`?"},
		{st, "GET", "/v1/customers/", "did you mean `/v1/customers` (without the trailing slash)?"},
		{st, "GET", "/v1/nothing/like/this", ""},
		{s, "PUT", "/users/7/setings", "did you mean `/users/{id}/settings`?"},
	} {
		var m Match
		tt.s.Route(tt.method, tt.path, &m)
		if m.Result != NotFound {
			t.Fatalf("%s %s: routed %v", tt.method, tt.path, m.Result)
		}
		if got := tt.s.NotFoundHint(tt.method, tt.path); got != tt.want {
			t.Errorf("%s %s: hint %q, want %q", tt.method, tt.path, got, tt.want)
		}
	}
}

// An enum's hint names the values closest to what was sent first, and
// shows the empty string as "".
func TestEnumHintClosestFirst(t *testing.T) {
	path := t.TempDir() + "/hints.yaml"
	writeFile(t, path, hintsDoc)
	s, err := Load(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ body, prefix string }{
		{`{"tz":"Europe/Berln"}`, "allowed: Europe/Berlin, Europe/Bern, Europe/Berlim, Europe/Paris"},
		{`{"tz":"Mars/Olympus"}`, "allowed: Europe/Berlin, Europe/Bern, Europe/Paris, America/New_York"},
		{`{"tax":"exmpt"}`, `allowed: exempt, "", none`},
		{`{"tax":"zzzzzzzz"}`, `allowed: "", exempt, none`},
	} {
		o := run(t, s, req{method: "PUT", target: "/users/7/settings", ct: "application/json", body: tt.body})
		if o.res == nil || len(o.res.Fields) != 1 || !strings.HasPrefix(o.res.Fields[0].Hint, tt.prefix) {
			t.Errorf("%s: %+v, want a hint starting %q", tt.body, o.res, tt.prefix)
		}
	}
}
