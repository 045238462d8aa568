package requestvalidation_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
)

// canary is a credential value that must never be written by the module.
const canary = "canary-7f3a9c2e51d84b06"

const securedDoc = `openapi: 3.1.0
info: {title: Shop, version: "1"}
security:
  - bearer: []
  - key: []
components:
  securitySchemes:
    bearer: {type: http, scheme: bearer}
    key: {type: apiKey, in: header, name: X-API-Key}
paths:
  /orders:
    post:
      operationId: createOrder
      requestBody:
        content:
          application/json:
            schema: {type: object, required: [qty], properties: {qty: {type: integer, minimum: 1}}}
      responses: {"201": {description: created}}
  /health:
    get:
      security: []
      responses: {"200": {description: ok}}
`

// Through Caddy with error_pages: a request without credentials gets a
// 401 with a WWW-Authenticate challenge per acceptable scheme, rendered
// in every format, naming where each credential goes, before the body
// is looked at; security: [] is public. A credential's value (a canary
// sent in every way) is never written to the module's log lines, its
// placeholders, the metrics or an answer.
func TestCaddySecurity(t *testing.T) {
	up := newRecorder(t)
	dir := t.TempDir()
	doc, logFile := dir+"/api.yaml", dir+"/caddy.log"
	if err := os.WriteFile(doc, []byte(securedDoc), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := strings.Replace(globalOptions, "\tmetrics\n", "\tmetrics\n\tlog {\n\t\toutput file "+logFile+"\n\t\tformat json\n\t\tlevel DEBUG\n\t}\n", 1) + `
http://localhost:9180 {
	error_pages
	request_validation {
		openapi ` + doc + `
	}
	header X-Seen "{http.request_validation.result} {http.request_validation.problem_codes} {http.request_validation.first_pointer} {http.request_validation.first_problem}"
	reverse_proxy ` + up.addr() + `
}
`
	tester := startCaddy(t, cfg)
	challenges := []string{`Bearer realm="Shop"`, `ApiKey realm="Shop", in="header", name="X-Api-Key"`}
	for _, accept := range []string{"application/json", "application/problem+json", "text/html", "text/plain", "application/xml"} {
		resp, body := send(t, tester, "POST", "http://localhost:9180/orders", map[string]string{"Accept": accept, "Content-Type": "application/json"}, `{"qty":0}`)
		if resp.StatusCode != 401 {
			t.Fatalf("%s: status %d: %.300s", accept, resp.StatusCode, body)
		}
		if got := resp.Header.Values("Www-Authenticate"); strings.Join(got, "|") != strings.Join(challenges, "|") {
			t.Errorf("%s: WWW-Authenticate %q, want %q", accept, got, challenges)
		}
		if !strings.Contains(body, "/header/Authorization") && !strings.Contains(body, "Authorization") || strings.Contains(body, "qty") {
			t.Errorf("%s: the 401 must name the credential and not the body's problems: %.400s", accept, body)
		}
	}
	if resp, body := send(t, tester, "GET", "http://localhost:9180/health", nil, ""); resp.StatusCode != 200 {
		t.Fatalf("security: [] : status %d: %s", resp.StatusCode, body)
	}
	// The canary, in every place a credential goes: a wrong scheme (401),
	// a valid one with an invalid body (400), a valid request (200).
	for _, tt := range []struct {
		header map[string]string
		body   string
		status int
	}{
		{map[string]string{"Authorization": "Basic " + canary}, `{"qty":1}`, 401},
		{map[string]string{"Authorization": "Bearer " + canary}, `{"qty":0}`, 400},
		{map[string]string{"X-API-Key": canary}, `{"qty":"x"}`, 400},
		{map[string]string{"X-API-Key": canary}, `{"qty":2}`, 200},
	} {
		tt.header["Content-Type"], tt.header["Accept"] = "application/json", "application/json"
		resp, body := send(t, tester, "POST", "http://localhost:9180/orders", tt.header, tt.body)
		if resp.StatusCode != tt.status {
			t.Fatalf("%v: status %d, want %d: %.300s", tt.header, resp.StatusCode, tt.status, body)
		}
		if strings.Contains(body, canary) || strings.Contains(fmt.Sprint(resp.Header), canary) {
			t.Errorf("%v: the answer holds the credential: %v %s", tt.header, resp.Header, body)
		}
	}
	_, metrics := send(t, tester, "GET", fmt.Sprintf("http://localhost:%d/metrics", adminPort), nil, "")
	if !strings.Contains(metrics, `result="unauthorized"`) || strings.Contains(metrics, canary) {
		t.Errorf("metrics: an unauthorized count, never the credential")
	}
	f, err := os.Open(logFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ours := 0
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var entry struct {
			Logger string `json:"logger"`
		}
		if json.Unmarshal(sc.Bytes(), &entry) != nil || entry.Logger != "http.handlers.request_validation" && entry.Logger != "http.handlers.error_pages" {
			continue // Caddy's own lines (reverse_proxy's debug lines and access logs show request headers: Caddy redacts Authorization and Cookie, not others)
		}
		ours++
		if strings.Contains(sc.Text(), canary) {
			t.Errorf("a log line of the module holds the credential: %s", sc.Text())
		}
	}
	if ours == 0 {
		t.Fatal("no log line of the module was written: the test sees nothing")
	}
}
