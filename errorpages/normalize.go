package errorpages

import (
	"bytes"
	"compress/flate"
	"compress/zlib"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// Limits applied to everything taken from an upstream body.
const (
	MaxMessageLen = 500 // characters of a message or field message
	MaxFieldName  = 100 // characters of a field name
	MaxFields     = 50  // entries of the field list
	maxTypeLen    = 64
)

// Upstream is what was understood of an upstream error body.
type Upstream struct {
	// Message is the upstream's human message, cleaned; "" if none.
	Message string
	// Type is the upstream's error code as a snake_case slug; "" if none.
	Type string
	// Fields are the validation problems the upstream reported.
	Fields []Field
	// Dropped lists what was withheld as internal (stack traces, dumps),
	// for the server log only.
	Dropped []string
}

// Decode undoes a Content-Encoding (gzip, x-gzip, deflate, br, zstd,
// identity, or a comma-separated list of them) and returns at most limit
// decoded bytes. ok is false for an unknown or corrupt encoding.
// truncated reports that the decoded body was longer than limit.
func Decode(body []byte, contentEncoding string, limit int) (out []byte, truncated, ok bool) {
	contentEncoding = strings.TrimSpace(contentEncoding)
	if contentEncoding == "" || strings.EqualFold(contentEncoding, "identity") {
		if len(body) > limit {
			return body[:limit], true, true
		}
		return body, false, true
	}
	codings := strings.Split(contentEncoding, ",")
	data := body
	// Codings are listed in the order they were applied: undo from the end.
	for i := len(codings) - 1; i >= 0; i-- {
		var r io.Reader
		var closer func()
		switch strings.ToLower(strings.TrimSpace(codings[i])) {
		case "", "identity":
			continue
		case "gzip", "x-gzip":
			zr, err := gzip.NewReader(bytes.NewReader(data))
			if err != nil {
				return nil, false, false
			}
			r = zr
		case "deflate":
			// RFC 9110's deflate is zlib-wrapped; some servers send raw.
			if zr, err := zlib.NewReader(bytes.NewReader(data)); err == nil {
				r = zr
			} else {
				r = flate.NewReader(bytes.NewReader(data))
			}
		case "br":
			r = brotli.NewReader(bytes.NewReader(data))
		case "zstd":
			zr, err := zstd.NewReader(bytes.NewReader(data), zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(64<<20))
			if err != nil {
				return nil, false, false
			}
			r, closer = zr, zr.Close
		default:
			return nil, false, false
		}
		decoded, err := io.ReadAll(io.LimitReader(r, int64(limit)+1))
		if closer != nil {
			closer()
		}
		if err != nil && err != io.ErrUnexpectedEOF {
			return nil, false, false
		}
		if err == io.ErrUnexpectedEOF && len(decoded) == 0 {
			return nil, false, false
		}
		data = decoded
	}
	if len(data) > limit {
		return data[:limit], true, true
	}
	return data, false, true
}

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

// setMessage cleans s and keeps it unless it looks internal. It reports
// whether s was kept.
func (u *Upstream) setMessage(s string) bool {
	s = clean(s, MaxMessageLen)
	if s == "" {
		return false
	}
	if LooksInternal(s) {
		u.drop(s)
		return false
	}
	u.Message = s
	return true
}

func (u *Upstream) setType(s string) {
	if i := strings.LastIndexAny(s, "/#"); i >= 0 { // a problem type URI
		s = s[i+1:]
	}
	s = slug(s)
	if len(s) > maxTypeLen {
		s = s[:maxTypeLen]
	}
	u.Type = s
}

func (u *Upstream) addField(field, msg string) {
	if len(u.Fields) >= MaxFields {
		return
	}
	field = clean(field, MaxFieldName)
	msg = clean(msg, MaxMessageLen)
	if field == "" || msg == "" {
		return
	}
	if LooksInternal(msg) || LooksInternal(field) {
		u.drop(field + ": " + msg)
		return
	}
	u.Fields = append(u.Fields, Field{Field: field, Message: msg})
}

func (u *Upstream) drop(s string) {
	if len(u.Dropped) < 5 {
		u.Dropped = append(u.Dropped, s)
	}
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

// clean makes s valid, printable, single-line UTF-8 of at most max
// characters.
func clean(s string, max int) string {
	if isClean(s, max) {
		return s
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	var b strings.Builder
	n := 0
	space := false
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			space = b.Len() > 0
			continue
		}
		if !unicode.IsPrint(r) && r != '\uFFFD' {
			continue
		}
		if n >= max {
			b.WriteString("…")
			break
		}
		if space {
			b.WriteByte(' ')
			n++
			space = false
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}

// internalPattern matches stack traces, dumps, file paths with line
// numbers and internal addresses. One alternation is one pass over the
// text, instead of one pass per pattern.
// isClean reports whether s is already what clean would make of it:
// printable ASCII, single spaces, nothing to trim, not too long.
func isClean(s string, max int) bool {
	if len(s) == 0 || len(s) > max || s[0] == ' ' || s[len(s)-1] == ' ' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x7f || (c == ' ' && s[i+1] == ' ') {
			return false
		}
	}
	return true
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

var internalPattern = regexp.MustCompile(strings.Join([]string{
	`Traceback \(most recent call last\)`,
	`goroutine \d+ \[`,
	`(?:^|\W)panic: `,
	`\bat [\w$.<>/]+\([^)]*\)`, // Java / .NET / JS frames
	`Exception in thread`,
	`\b\w+(?:\.\w+)*(?:Exception|Error): .*\bat\b`,
	`File "[^"]+", line \d+`,
	`[\w.\-]+\.(?:go|py|java|js|mjs|ts|rb|php|cs|rs|kt|scala|c|cc|cpp|h|ex|exs|pl):\d+`,
	`(?:^|[\s(])(?:/[\w.\-]+){2,}(?::\d+| line \d+)`,
	`[A-Za-z]:\\[\w\\.\- ]+(?::line \d+|:\d+)`,
	`#\d+ /[\w/.\-]+\(\d+\)`, // PHP trace
	`\b(?:10|127)\.\d{1,3}\.\d{1,3}\.\d{1,3}\b`,
	`\b192\.168\.\d{1,3}\.\d{1,3}\b`,
	`\b172\.(?:1[6-9]|2\d|3[01])\.\d{1,3}\.\d{1,3}\b`,
	`(?i:\bdial (?:tcp|udp|unix)\b)`,
	`\bECONNREFUSED\b|\bSQLSTATE\b|\bORA-\d{5}\b`,
}, "|"))

// LooksInternal reports whether s looks like a stack trace, an internal
// dump, a file path with a line number or an internal address: text that
// must not reach a client whatever the exposure policy.
func LooksInternal(s string) bool {
	if !mayBeInternal(s) {
		return false
	}
	return internalPattern.MatchString(s)
}

// mayBeInternal is a cheap pre-check: every internal pattern needs a digit,
// a parenthesis, a colon or one of a few words.
func mayBeInternal(s string) bool {
	return strings.ContainsAny(s, "0123456789(:") ||
		strings.Contains(s, "Exception") || strings.Contains(s, "ECONNREFUSED") ||
		strings.Contains(s, "SQLSTATE")
}

// Exposure is the details policy (contract §6).
type Exposure uint8

// The exposure policies.
const (
	ExposeAuto   Exposure = iota // upstream text for 4xx only
	ExposeAlways                 // upstream text for 4xx and 5xx
	ExposeNever                  // standard descriptions only
)

// ParseExposure parses auto, always or never.
func ParseExposure(s string) (Exposure, error) {
	switch strings.ToLower(s) {
	case "", "auto":
		return ExposeAuto, nil
	case "always":
		return ExposeAlways, nil
	case "never":
		return ExposeNever, nil
	}
	return 0, fmt.Errorf("%q is not auto, always or never", s)
}

func (p Exposure) String() string {
	return [...]string{"auto", "always", "never"}[p]
}

// Allows reports whether upstream text may be shown for status code.
func (p Exposure) Allows(code int) bool {
	switch p {
	case ExposeAlways:
		return true
	case ExposeNever:
		return false
	}
	return code < 500
}

// Apply fills e from u when the policy allows it for e.Code. It reports
// whether anything from u was withheld by the policy.
func (p Exposure) Apply(e *Error, u Upstream) (withheld bool) {
	if u.Message == "" && u.Type == "" && len(u.Fields) == 0 {
		return false
	}
	if !p.Allows(e.Code) {
		return true
	}
	if u.Message != "" {
		e.Details = u.Message
	}
	if u.Type != "" {
		e.Type = u.Type
	}
	e.Fields = u.Fields
	return false
}

// PublicMessage cleans a local error message written for clients (for
// example by Caddy's error directive); "" when it is empty or internal.
func PublicMessage(s string) string {
	s = clean(s, MaxMessageLen)
	if LooksInternal(s) {
		return ""
	}
	return s
}
