// The request path, step 5 of 5: write the response — the status, the
// headers every rewritten or kept error carries, and the body.

package caddyerrorpages

import (
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"github.com/errorpages/caddy-errorpages/errorpages"
)

// keptBodyHeaders describe a body that no longer stands once it is
// replaced or forwarded as JSON unchanged (upstream_json keep).
var keptBodyHeaders = []string{
	"Content-Range", "Content-Disposition", "Transfer-Encoding", "Etag", "Last-Modified", "Accept-Ranges",
	"Trailer", // trailers announced for the upstream body won't come
}

// entityHeaders are removed from a rewritten response, since they
// describe the body being replaced: the above, plus its type, encoding
// and length.
var entityHeaders = append([]string{"Content-Length", "Content-Encoding", "Content-Type"}, keptBodyHeaders...)

// respondError writes the rewritten error e in format f, its texts in
// tr's language: the headers every rewrite carries (see send) plus
// Content-Language (and Vary: Accept-Language when vary: the language was
// negotiated), the page's Content-Security-Policy for HTML, the preset's
// media type for a client that names it, and body. up is the intercepted
// upstream response, nil for a local error. A nil body (an upstream HEAD,
// whose GET's page can't be known) sends no body and no length.
func (h *Handler) respondError(w http.ResponseWriter, r *http.Request, e *errorpages.Error, f errorpages.Format, tr errorpages.Translator, vary bool, up *errorWriter, body []byte) error {
	rep := reply{code: e.Code, rid: e.RequestID, remove: entityHeaders, ctype: contentTypeValues[f], upstream: up, lang: h.langValues[tr.Lang()], varyLang: vary}
	switch f {
	case errorpages.HTML:
		rep.policy = h.pagePolicy(e.Code)
	case errorpages.JSON:
		if h.presetType != nil {
			// The preset's own media type for clients that ask for it by name.
			if q, by := errorpages.AcceptQuality(r.Header.Get("Accept"), h.presetType[0]); q > 0 && by == errorpages.RangeExact {
				rep.ctype = h.presetType
			}
		}
	}
	if body != nil {
		rep.body, rep.length = body, true
	}
	return h.send(w, r, rep)
}

// reply is one rewritten or kept response for send.
type reply struct {
	code int
	rid  string
	// remove lists the headers that described the replaced body.
	remove []string
	// ctype is the Content-Type; nil keeps the upstream's.
	ctype []string
	body  []byte
	// length: send Content-Length (of body; for HEAD, of the GET's body).
	length bool
	// upstream is the intercepted upstream response, nil for a local
	// error: its trailers and fingerprints go.
	upstream *errorWriter
	// policy is the page's Content-Security-Policy (HTML only): nil
	// leaves the header alone.
	policy []string
	// lang is the Content-Language value; nil sends none (a kept
	// upstream body).
	lang []string
	// varyLang adds Accept-Language to Vary.
	varyLang bool
}

// send writes the reply with the headers every rewritten or kept error
// response carries: it removes the listed headers, the pass-through
// header, an upstream's trailers and fingerprints, replaces the page's
// CSP, sets ctype, X-Content-Type-Options: nosniff, Cache-Control
// (cache_control), Vary: Accept, the request ID (request_id_header) and
// Content-Length, and leaves out the body for HEAD.
func (h *Handler) send(w http.ResponseWriter, r *http.Request, rep reply) error {
	hdr := w.Header()
	for _, k := range rep.remove {
		delete(hdr, k)
	}
	delete(hdr, h.passName)
	if up := rep.upstream; up != nil {
		up.dropTrailers(hdr)
		h.dropFingerprints(hdr, up.server)
	}
	if rep.policy != nil {
		setPagePolicy(hdr, rep.policy)
	}
	if rep.ctype != nil {
		hdr["Content-Type"] = rep.ctype
	}
	h.setCommonHeaders(hdr, rep.rid, rep.varyLang)
	if rep.lang != nil {
		hdr["Content-Language"] = rep.lang
	}
	if rep.length || rep.body != nil {
		hdr["Content-Length"] = lengthValue(len(rep.body))
	} else {
		delete(hdr, "Content-Length")
	}
	markRendered(r)
	w.WriteHeader(rep.code)
	if r.Method == http.MethodHead {
		return nil
	}
	_, err := w.Write(rep.body)
	return err
}

// pagePolicy is the Content-Security-Policy for the HTML page of status
// code: the embedded page's, or none (an empty value) for the site's own
// templates, whose needs are unknown.
func (h *Handler) pagePolicy(code int) []string {
	if h.renderer.PagePolicy(code) != "" {
		return h.policyValue
	}
	return noPolicy
}

var noPolicy = []string{}

// dropFingerprints removes the headers that name the upstream's software
// (FingerprintHeaders) unless keep_headers keeps them. Server goes only
// when it is not the value it had before the request went on: Caddy's own
// stays.
func (h *Handler) dropFingerprints(hdr http.Header, server []string) {
	for _, k := range h.fingerprints {
		v, ok := hdr[k]
		if !ok {
			continue
		}
		if k == "Server" && len(v) == 1 && len(server) == 1 && v[0] == server[0] {
			continue
		}
		delete(hdr, k)
	}
}

// setPagePolicy replaces the Content-Security-Policy of the replaced
// document with the page's own, keeping each frame-ancestors directive
// the old policies had as a policy of its own (every policy is enforced,
// so the framing restriction stays exactly as strict). A report-only
// policy described the replaced document too and goes.
func setPagePolicy(hdr http.Header, policy []string) {
	old := hdr["Content-Security-Policy"]
	delete(hdr, "Content-Security-Policy-Report-Only")
	if len(old) == 0 {
		if len(policy) > 0 {
			hdr["Content-Security-Policy"] = policy
		} else {
			delete(hdr, "Content-Security-Policy")
		}
		return
	}
	vals := append([]string(nil), policy...)
	for _, v := range old {
		for p := range strings.SplitSeq(v, ",") {
			for d := range strings.SplitSeq(p, ";") {
				d = strings.TrimSpace(d)
				name, _, _ := strings.Cut(d, " ")
				if strings.EqualFold(name, "frame-ancestors") {
					vals = append(vals, d)
					break
				}
			}
		}
	}
	if len(vals) == 0 {
		delete(hdr, "Content-Security-Policy")
		return
	}
	hdr["Content-Security-Policy"] = vals
}

// Header values that never change are shared between responses; net/http
// only reads them, and Header.Set/Add replace or copy rather than write.
var (
	nosniffValue      = []string{"nosniff"}
	varyAcceptValue   = []string{"Accept"}
	varyBothValue     = []string{"Accept, Accept-Language"}
	contentTypeValues = func() (v [5][]string) {
		for f := range v {
			v[f] = []string{errorpages.Format(f).ContentType()}
		}
		return v
	}()
)

// lengthValues shares the Content-Length values of bodies up to 16 KiB,
// made on first use: a site's error bodies come in few sizes.
var lengthValues [16 << 10]atomic.Pointer[[]string]

func lengthValue(n int) []string {
	if n >= len(lengthValues) {
		return []string{strconv.Itoa(n)}
	}
	if v := lengthValues[n].Load(); v != nil {
		return *v
	}
	v := []string{strconv.Itoa(n)}
	lengthValues[n].Store(&v)
	return v
}

// varyLang: the response varies by Accept-Language too.
func (h *Handler) setCommonHeaders(hdr http.Header, rid string, varyLang bool) {
	hdr["X-Content-Type-Options"] = nosniffValue
	hdr["Cache-Control"] = h.cacheControlValue
	switch _, had := hdr["Vary"]; {
	case !had && varyLang:
		hdr["Vary"] = varyBothValue
	case !had:
		hdr["Vary"] = varyAcceptValue
	default:
		addVary(hdr, "Accept")
		if varyLang {
			addVary(hdr, "Accept-Language")
		}
	}
	if rid != "" {
		hdr[h.ridName] = []string{rid}
	}
}

// addVary adds token to Vary unless it (or *) is already listed.
func addVary(hdr http.Header, token string) {
	for _, v := range hdr["Vary"] {
		for _, t := range strings.Split(v, ",") {
			t = strings.TrimSpace(t)
			if t == "*" || strings.EqualFold(t, token) {
				return
			}
		}
	}
	hdr.Add("Vary", token)
}

// markRendered tells the writers of every error_pages handler around the
// one rendering r's response to pass it through.
func markRendered(r *http.Request) {
	m, _ := caddyhttp.GetVar(r.Context(), errorpages.RendererVar).(*wrapMark)
	for ; m != nil; m = m.parent {
		m.rendered = true
	}
}
