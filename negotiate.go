// The request path, step 2 of 5: negotiate what the client gets — the
// format from Accept, the language from Accept-Language, and whether an
// upstream body goes out as it is.

package caddyerrorpages

import (
	"net/http"
	"strings"

	"github.com/errorpages/caddy-errorpages/errorpages"
)

// negotiate chooses the format of the answer to r from its Accept and
// the translator of its built-in texts; vary reports whether the choice
// of language depended on Accept-Language (then the response varies by
// it).
func (h *Handler) negotiate(r *http.Request) (f errorpages.Format, tr errorpages.Translator, vary bool) {
	f = h.negotiator.Negotiate(r.Header.Get("Accept"))
	tr, vary = h.translator(r, f)
	return f, tr, vary
}

// keep reports whether the upstream body (of Content-Type ctype) goes out
// unchanged: upstream_json keep for a JSON body when the client gets
// json, or a keep_upstream range when the client's Accept names the
// body's type (see Handler.KeepUpstream).
func (h *Handler) keep(f errorpages.Format, ctype, accept string) bool {
	if h.keepJSON && f == errorpages.JSON && isJSON(ctype) {
		return true
	}
	if len(h.keeps) == 0 {
		return false
	}
	mt := errorpages.MediaType(ctype)
	typ, sub, ok := strings.Cut(mt, "/")
	if !ok {
		return false
	}
	for _, m := range h.keeps {
		if m.matches(typ, sub) {
			q, by := errorpages.AcceptQuality(accept, mt)
			return q > 0 && by >= errorpages.RangeType
		}
	}
	return false
}

func isJSON(ctype string) bool {
	mt := errorpages.MediaType(ctype)
	return mt == "application/json" || strings.HasSuffix(mt, "+json")
}

// translator returns the translator for a response in format f, and
// whether the choice depended on Accept-Language (then the response
// varies by it). Formats that are not localized are in English.
func (h *Handler) translator(r *http.Request, f errorpages.Format) (errorpages.Translator, bool) {
	if !h.localized[f] {
		return h.sourceTr, false
	}
	if h.langs == nil {
		return h.defaultTr, false
	}
	lang, _ := h.langs.Match(r.Header.Get("Accept-Language"))
	return h.translators[lang], true
}

// matches reports whether the media type typ/sub (lower case) is in the
// range.
func (m mediaRange) matches(typ, sub string) bool {
	if typ != m.typ {
		return false
	}
	switch {
	case m.sub == "*":
		return true
	case m.sub[0] == '*':
		return len(sub) > len(m.sub)-1 && strings.HasSuffix(sub, m.sub[1:])
	}
	return sub == m.sub
}
