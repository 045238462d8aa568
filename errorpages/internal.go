package errorpages

import (
	"regexp"
	"strings"
	"unicode"
)

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

// Sanitize decides what of a cleaned message may reach a client: the
// message with every internal part (an address, a file path, a connection
// URI, a credential or secret) replaced by a neutral marker, and ok false
// when the message must be withheld whole (a stack trace, a dump).
func Sanitize(s string) (out string, ok bool) {
	if LooksInternal(s) {
		return "", false
	}
	return s, true
}

// PublicMessage cleans a local error message written for clients (for
// example by Caddy's error directive); "" when it is empty or internal.
func PublicMessage(s string) string {
	s = clean(s, MaxMessageLen)
	s, _ = Sanitize(s)
	return s
}
