package errorpages

import (
	"strings"
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

// setMessage cleans s and keeps it unless it looks internal. It reports
// whether s was kept.
func (u *Upstream) setMessage(s string) bool {
	s = clean(s, MaxMessageLen)
	if s == "" {
		return false
	}
	out, ok := Sanitize(s)
	if !ok {
		u.drop(s)
		return false
	}
	if out != s {
		u.drop(s) // the original, with what was redacted, goes to the log only
	}
	u.Message = out
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
	cleanMsg, okMsg := Sanitize(msg)
	cleanField, okField := Sanitize(field)
	if !okMsg || !okField || cleanField != field {
		u.drop(field + ": " + msg)
		return
	}
	if cleanMsg != msg {
		u.drop(field + ": " + msg)
	}
	u.Fields = append(u.Fields, Field{Field: field, Message: cleanMsg})
}

func (u *Upstream) drop(s string) {
	if len(u.Dropped) < 5 {
		u.Dropped = append(u.Dropped, s)
	}
}
