package errorpages

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
)

// Parse recognizes the error dialects of common frameworks (contract §6)
// in body, which has the given Content-Type. It never fails: anything it
// doesn't understand gives an empty Upstream.
func Parse(body []byte, contentType string) Upstream {
	var u Upstream
	mt := MediaType(contentType)
	trimmed := bytes.TrimSpace(body)
	switch {
	case len(trimmed) == 0:
		return u
	case mt == "text/html" || mt == "application/xhtml+xml":
		return u
	case mt == "application/json" || strings.HasSuffix(mt, "+json") ||
		((mt == "" || mt == "text/plain") && (trimmed[0] == '{' || trimmed[0] == '[')):
		var v any
		if err := json.Unmarshal(trimmed, &v); err != nil {
			if mt == "text/plain" {
				u.setMessage(firstLine(trimmed))
			}
			return u
		}
		if m, ok := v.(map[string]any); ok {
			u.fromObject(m, 0)
		} else if a, ok := v.([]any); ok {
			u.fromList(a)
		}
	case mt == "text/plain" || mt == "":
		if looksLikeMarkup(trimmed) {
			return u
		}
		u.setMessage(firstLine(trimmed))
	}
	return u
}

func (u *Upstream) fromObject(m map[string]any, depth int) {
	if depth > 3 {
		return
	}
	// Message: the most explicit human text first.
	for _, k := range []string{"message", "msg", "error_description", "detail", "description", "title"} {
		if s, ok := m[k].(string); ok && strings.TrimSpace(s) != "" {
			if u.setMessage(s) {
				break
			}
		}
	}
	// "error": a string (message or code) or a nested object.
	switch e := m["error"].(type) {
	case string:
		if isCode(e) {
			u.setType(e)
		} else if u.Message == "" && !isReasonPhrase(e) {
			u.setMessage(e)
		}
	case map[string]any:
		u.fromObject(e, depth+1)
	}
	// Type: an explicit code.
	for _, k := range []string{"code", "error_code", "errorCode", "reason", "status", "type"} {
		if u.Type != "" {
			break
		}
		if s, ok := m[k].(string); ok && isCodeOrURI(s) {
			u.setType(s)
		}
	}
	// Fields.
	switch errs := m["errors"].(type) {
	case []any:
		u.fromList(errs)
	case map[string]any:
		u.fromFieldMap(errs)
	}
	if f, ok := m["fields"].([]any); ok {
		u.fromList(f)
	}
	if f, ok := m["invalid-params"].([]any); ok { // RFC 7807 example extension
		u.fromList(f)
	}
	if f, ok := m["param"].(string); ok && f != "" && u.Message != "" && len(u.Fields) == 0 { // Stripe
		u.addField(f, u.Message)
	}
	if d, ok := m["detail"].([]any); ok { // FastAPI / pydantic
		u.fromList(d)
	}
	if d, ok := m["details"].([]any); ok { // Google: BadRequest.fieldViolations
		for _, item := range d {
			if dm, ok := item.(map[string]any); ok {
				if fv, ok := dm["fieldViolations"].([]any); ok {
					u.fromList(fv)
				}
			}
		}
	}
	// Django REST Framework: {"email": ["Enter a valid email address."]}.
	if u.Message == "" && len(u.Fields) == 0 && isFieldMap(m) {
		u.fromFieldMap(m)
	}
}

// fromList reads a list of error objects (or strings).
func (u *Upstream) fromList(list []any) {
	for _, item := range list {
		switch it := item.(type) {
		case string:
			if u.Message == "" {
				u.setMessage(it)
			}
		case map[string]any:
			field := fieldName(it)
			msg := firstString(it, "message", "msg", "detail", "defaultMessage", "description", "reason", "title")
			if field == "" {
				if u.Message == "" && msg != "" {
					u.setMessage(msg)
				}
				if u.Type == "" {
					if c := firstString(it, "code", "type", "reason"); isCode(c) {
						u.setType(c)
					}
				}
				continue
			}
			if msg == "" {
				msg = "is invalid"
			}
			u.addField(field, msg)
		}
	}
}

func (u *Upstream) fromFieldMap(m map[string]any) {
	for _, k := range sortedKeys(m) {
		switch v := m[k].(type) {
		case string:
			u.addFieldOrMessage(k, v)
		case []any:
			for _, item := range v {
				if s, ok := item.(string); ok {
					u.addFieldOrMessage(k, s)
				}
			}
		}
	}
}

func (u *Upstream) addFieldOrMessage(k, msg string) {
	if k == "non_field_errors" || k == "__all__" || k == "" {
		if u.Message == "" {
			u.setMessage(msg)
		}
		return
	}
	u.addField(k, msg)
}

func isFieldMap(m map[string]any) bool {
	if len(m) == 0 {
		return false
	}
	for _, v := range m {
		a, ok := v.([]any)
		if !ok || len(a) == 0 {
			return false
		}
		for _, s := range a {
			if _, ok := s.(string); !ok {
				return false
			}
		}
	}
	return true
}

// fieldName finds a field's name in an error object: field, param, path,
// pointer, name, source.pointer (JSON:API) or loc (pydantic).
func fieldName(m map[string]any) string {
	for _, k := range []string{"field", "param", "path", "pointer", "name", "property", "propertyPath"} {
		switch v := m[k].(type) {
		case string:
			if v != "" {
				return pointerToField(v)
			}
		case []any:
			if s := joinPath(v); s != "" {
				return s
			}
		}
	}
	if src, ok := m["source"].(map[string]any); ok {
		if p, ok := src["pointer"].(string); ok {
			return pointerToField(p)
		}
		if p, ok := src["parameter"].(string); ok {
			return p
		}
	}
	if loc, ok := m["loc"].([]any); ok {
		// pydantic: ["body", "email"]; the first element names the part
		// of the request, not the field.
		if len(loc) > 1 {
			if s, ok := loc[0].(string); ok {
				switch s {
				case "body", "query", "path", "header", "cookie":
					loc = loc[1:]
				}
			}
		}
		return joinPath(loc)
	}
	return ""
}

func joinPath(parts []any) string {
	var b strings.Builder
	for _, p := range parts {
		switch v := p.(type) {
		case string:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(v)
		case float64:
			b.WriteString("[" + strconv.FormatFloat(v, 'f', -1, 64) + "]")
		}
	}
	return b.String()
}

var pointerUnescaper = strings.NewReplacer("~1", "/", "~0", "~")

// pointerToField turns a JSON Pointer ("/data/attributes/email",
// "#/email") into a dotted field name.
func pointerToField(p string) string {
	p = strings.TrimPrefix(p, "#")
	if !strings.HasPrefix(p, "/") {
		return p
	}
	segs := strings.Split(p[1:], "/")
	// JSON:API puts attributes under /data/attributes/.
	if len(segs) > 2 && segs[0] == "data" && segs[1] == "attributes" {
		segs = segs[2:]
	}
	for i, s := range segs {
		segs[i] = pointerUnescaper.Replace(s)
	}
	return strings.Join(segs, ".")
}

func firstString(m map[string]any, keys ...string) string {
	for _, k := range keys {
		if s, ok := m[k].(string); ok && strings.TrimSpace(s) != "" {
			return s
		}
	}
	return ""
}

// isCode reports whether s looks like a machine error code
// ("validation_failed", "INVALID_ARGUMENT", "card-declined").
func isCode(s string) bool {
	if s == "" || len(s) > maxTypeLen {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' || r == '.') {
			return false
		}
	}
	return strings.ContainsAny(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
}

func isCodeOrURI(s string) bool {
	if s == "about:blank" {
		return false
	}
	if strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "urn:") {
		i := strings.LastIndexAny(s, "/#:")
		return i >= 0 && isCode(s[i+1:]) && !isRFCSection(s)
	}
	return isCode(s)
}

// isRFCSection spots ASP.NET's default problem types, which link to an RFC
// section rather than naming an error.
func isRFCSection(s string) bool {
	return strings.Contains(s, "tools.ietf.org/html/rfc") || strings.Contains(s, "datatracker.ietf.org/doc/html/rfc")
}

func isReasonPhrase(s string) bool {
	_, ok := reasonPhrases[strings.ToLower(s)]
	return ok
}

var reasonPhrases = func() map[string]bool {
	m := map[string]bool{}
	for code := range statusDescriptions {
		m[strings.ToLower(ReasonPhrase(code))] = true
	}
	return m
}()

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	// insertion sort: small maps, and no extra import
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0 && keys[j] < keys[j-1]; j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
	return keys
}

func firstLine(b []byte) string {
	if i := bytes.IndexAny(b, "\r\n"); i >= 0 {
		b = b[:i]
	}
	return string(b)
}

func looksLikeMarkup(b []byte) bool {
	return len(b) > 0 && b[0] == '<'
}

// MediaType returns the lower-case media type of a Content-Type value,
// without parameters ("application/json; charset=utf-8" → "application/json").
func MediaType(contentType string) string {
	if i := strings.IndexByte(contentType, ';'); i >= 0 {
		contentType = contentType[:i]
	}
	contentType = strings.TrimSpace(contentType)
	for i := 0; i < len(contentType); i++ {
		if c := contentType[i]; c >= 'A' && c <= 'Z' {
			return strings.ToLower(contentType)
		}
	}
	return contentType
}
