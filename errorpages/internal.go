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

// Redacted is the neutral marker that replaces an internal part of a
// message (an address, a file path, a connection URI, a credential or a
// secret) when the rest of the message is shown.
const Redacted = "[redacted]"

// clue is a feature of a message that a pattern needs before it can
// match. suspects finds the clues of a message in one cheap pass; only the
// patterns whose clues are present run, so an ordinary message runs none.
type clue uint32

const (
	clueTraceback  clue = 1 << iota // Traceback
	clueGoroutine                   // goroutine
	cluePanic                       // panic
	clueFrame                       // at … (
	clueLine                        // line
	clueColonDigit                  // :1 (file:line)
	clueHash                        // # (PHP frames)
	clueRuntime                     // FooException, KeyError
	clueNullDeref                   // dereference, properties, NoneType …
	clueNetwork                     // dial, ECONNREFUSED
	clueDBCode                      // SQLSTATE, ORA, pq, E11000
	clueDBPhrase                    // violates, relation, duplicate, Error (…
	cluePEM                         // BEGIN
	clueURI                         // ://
	cluePath                        // a / that may start an absolute path, ~/
	clueWindows                     // \
	clueBracket                     // [ before an address
	clueIPv4                        // 10. 127. 172. 192. 100. 169. 0.
	clueIPv6                        // :: or fc00: fd00: fe80:
	clueHost                        // .internal .local .svc … localhost:
	clueSecret                      // password= token: …
	clueAuth                        // Authorization
	clueBearer                      // Bearer, Basic
	clueToken                       // AKIA… eyJ sk_ ghp_ xoxb- glpat- AIza

	clueAll     = 1<<iota - 1
	redactClues = clueAll &^ (cluePEM - 1) // the clues of redact rules
)

// withheld is a pattern of text withheld whole, whatever the policy.
type withheld struct {
	clue clue
	re   *regexp.Regexp
}

// The withheld patterns: stack traces and dumps; runtime exception
// messages (the exception class in front of the message marks it as a
// program's, not an API's); raw network errors of the runtime; database
// driver errors, which quote the schema and other users' data. Messages
// are single-line (clean). Small patterns, each behind its own clue, keep
// a message from paying for patterns it cannot match.
var withheldPatterns = []withheld{
	{clueTraceback, regexp.MustCompile(`\bTraceback \(most recent call last\)`)},
	{clueGoroutine, regexp.MustCompile(`\bgoroutine \d+ \[`)},
	{cluePanic, regexp.MustCompile(`(?:^|\W)panic: `)},
	{clueFrame, regexp.MustCompile(`\bat [\w$.<>/]+\([^)]*\)`)}, // Java / .NET / JS frames
	{clueLine, regexp.MustCompile(`File "[^"]+", line \d+|(?:^|[\s(])(?:/[\w.\-]+){2,} line \d+`)},
	{clueColonDigit, regexp.MustCompile(`\w\.(?:go|py|java|js|mjs|cjs|ts|rb|php|cs|rs|kt|scala|c|cc|cpp|h|ex|exs|pl|swift|dart|lua):\d|(?:^|[\s(])(?:/[\w.\-]+){2,}:\d`)},
	{clueWindows, regexp.MustCompile(`[A-Za-z]:\\[\w\\.\- ]+(?::line \d+|:\d+)`)},
	{clueHash, regexp.MustCompile(`#\d+ /[\w/.\-]+\(\d+\)`)}, // PHP frames
	// A qualified class (java.lang.NullPointerException,
	// System.InvalidOperationException), any FooException, Python's
	// programming errors.
	{clueRuntime, regexp.MustCompile(`Exception in thread|\b(?:[A-Za-z_$][\w$]*\.)+[A-Z][\w$]*(?:Exception|Error)\b|\b[A-Z][A-Za-z0-9]*[a-z0-9]Exception\b|\b(?:KeyError|AttributeError|IndexError|NameError|UnboundLocalError|ZeroDivisionError|RecursionError|ModuleNotFoundError|ImportError): `)},
	{clueNullDeref, regexp.MustCompile(`\bnil pointer dereference\b|Cannot read propert(?:y|ies) of (?:undefined|null)|\bis not a function\b|'NoneType' object|Object reference not set to an instance`)},
	{clueNetwork, regexp.MustCompile(`(?i:\bdial (?:tcp|udp|unix)\b)|\bECONNREFUSED\b`)},
	// PostgreSQL (lib/pq, pgx), MySQL, Oracle, SQL Server, SQLite, MongoDB.
	{clueDBCode, regexp.MustCompile(`\bSQLSTATE\b|\bORA-\d{5}\b|(?:^|\W)pq: |\bE11000\b`)},
	{clueDBPhrase, regexp.MustCompile(`\bviolates (?:unique|foreign key|not-null|check|exclusion) constraint|\brelation "[^"]*" does not exist|\bcolumn "[^"]*" (?:of relation "[^"]*" )?does not exist|\bsyntax error at or near`)},
	{clueDBPhrase, regexp.MustCompile(`(?i:\berror) \d{4} \([0-9A-Z]{5}\)|\bDuplicate entry '.*' for key|Unknown column '[^']*' in|\bTable '[^']*' doesn't exist|error in your SQL syntax\b|Access denied for user '[^']*'@`)},
	{clueDBPhrase, regexp.MustCompile(`\b(?:UNIQUE|NOT NULL|FOREIGN KEY|CHECK) constraint failed|\bno such (?:table|column): |\bViolation of (?:PRIMARY|UNIQUE) KEY constraint\b|Cannot insert duplicate key\b`)},
}

// Sanitize decides what of a cleaned message may reach a client: the
// message with every internal part (an address, a file path, a connection
// URI, a credential or secret) replaced by Redacted, and ok false when the
// message must be withheld whole (a stack trace, a dump, a runtime
// exception, a database driver error, or nothing left but markers).
// An ordinary message comes back as is, without allocating. Time is
// linear in len(s).
func Sanitize(s string) (out string, ok bool) {
	return sanitize(s, suspects(s))
}

// span is a part of a message to redact; rule orders overlapping spans.
type span struct{ start, end, rule int }

func sanitize(s string, clues clue) (string, bool) {
	for _, w := range withheldPatterns {
		if clues&w.clue != 0 && w.re.MatchString(s) {
			return "", false
		}
	}
	if clues&redactClues == 0 {
		return s, true
	}
	spans := redactSpans(s, clues)
	if len(spans) == 0 {
		return s, true
	}
	var b strings.Builder
	last := 0
	for _, sp := range spans {
		if sp.start < last {
			continue // inside a part already redacted
		}
		b.WriteString(s[last:sp.start])
		b.WriteString(Redacted)
		last = sp.end
	}
	b.WriteString(s[last:])
	out := b.String()
	if !hasWords(out) {
		return "", false // nothing but markers: say nothing rather than "[redacted]"
	}
	return out, true
}

// hasWords reports whether anything but markers, spaces and punctuation is
// left in s.
func hasWords(s string) bool {
	s = strings.ReplaceAll(s, Redacted, " ")
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return true
		}
	}
	return false
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isHex(c byte) bool { return isDigit(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func toLower(b []byte) {
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
}

// suspects is the cheap pre-check: the clues of s, found in one pass over
// its words and punctuation. Every pattern needs its clue to match (the
// tests hold it to that: with every clue set, Sanitize answers the same).
func suspects(s string) clue {
	var c clue
	var atWord, errorWord, secretWord, paren, colon, eq bool
	var lower [16]byte
	wstart := -1
	for i := 0; i <= len(s); i++ {
		var ch byte // the byte after the word, 0 at the end
		if i < len(s) {
			ch = s[i]
			if isAlnum(ch) {
				if wstart < 0 {
					wstart = i
				}
				continue
			}
		}
		if wstart >= 0 { // the word s[wstart:i] ends here
			w := s[wstart:i]
			if w[0] == 'e' && strings.HasPrefix(w, "eyJ") || w[0] == 'A' && (len(w) == 20 || strings.HasPrefix(w, "AIza")) {
				c |= clueToken // JWT, AWS access key ID, Google API key
			}
			if n := len(w); n > 3 && w[n-3]|0x20 == 'k' && w[n-2]|0x20 == 'e' && w[n-1]|0x20 == 'y' {
				secretWord = true // accesskey, secretKey, …
			}
			if len(w) == 4 && ch == ':' && w[0]|0x20 == 'f' {
				c |= clueIPv6 // maybe ULA or link-local
			}
			if len(w) > 5 && (strings.HasSuffix(w, "Exception") || strings.HasSuffix(w, "Error")) {
				c |= clueRuntime
			}
			if isDigit(w[0]) {
				if ch == '.' && i+1 < len(s) && isDigit(s[i+1]) {
					switch w {
					case "0", "10", "100", "127", "169", "172", "192":
						c |= clueIPv4
					}
				}
			} else if len(w) < len(keywordShape) && keywordShape[len(w)]&(1<<(w[0]|0x20-'a')) != 0 {
				n := copy(lower[:], w)
				toLower(lower[:n])
				switch string(lower[:n]) {
				case "traceback":
					c |= clueTraceback
				case "goroutine":
					c |= clueGoroutine
				case "panic":
					c |= cluePanic
				case "line":
					c |= clueLine
				case "dereference", "properties", "property", "function", "nonetype", "reference":
					c |= clueNullDeref
				case "dial", "econnrefused":
					c |= clueNetwork
				case "sqlstate", "ora", "pq", "e11000":
					c |= clueDBCode
				case "violates", "relation", "column", "syntax", "duplicate", "constraint", "table", "violation":
					c |= clueDBPhrase
				case "at":
					atWord = true
				case "error":
					errorWord = true
				case "key", "apikey", "token", "secret", "password", "passwd", "pwd", "pass", "passphrase",
					"credential", "credentials", "sessid", "sessionid", "session", "signature", "auth":
					secretWord = true
				case "authorization":
					c |= clueAuth
				case "bearer", "basic":
					c |= clueBearer
				case "begin":
					c |= cluePEM
				case "internal", "local", "localdomain", "lan", "intranet", "corp", "arpa", "svc":
					if wstart > 0 && s[wstart-1] == '.' {
						c |= clueHost
					}
				case "localhost":
					if ch == ':' {
						c |= clueHost
					}
				case "sk", "rk", "ghp", "gho", "ghu", "ghs", "ghr":
					if ch == '_' {
						c |= clueToken
					}
				case "xoxa", "xoxb", "xoxp", "xoxr", "xoxs", "glpat":
					if ch == '-' {
						c |= clueToken
					}
				}
			}
			wstart = -1
		}
		switch ch {
		case '/':
			if i > 0 && s[i-1] == ':' && i+1 < len(s) && s[i+1] == '/' {
				c |= clueURI
			}
			if i == 0 || strings.IndexByte(" \t(\"'=,[{<~", s[i-1]) >= 0 {
				c |= cluePath
			}
		case '\\':
			c |= clueWindows
		case '[':
			if i+1 < len(s) && (s[i+1] == ':' || isAlnum(s[i+1]) && s[i+1] <= 'f') {
				c |= clueBracket
			}
		case '#':
			c |= clueHash
		case '(':
			paren = true
		case '@':
			if i > 0 && s[i-1] == '\'' || i+1 < len(s) && s[i+1] == '\'' {
				c |= clueDBPhrase // MySQL's 'user'@'host'
			}
		case '=':
			eq = true
		case ':':
			colon = true
			if i+1 < len(s) {
				if n := s[i+1]; n == ':' {
					c |= clueIPv6
				} else if isDigit(n) {
					c |= clueColonDigit // file:line
				}
			}
		}
	}
	if paren && atWord {
		c |= clueFrame
	}
	if paren && errorWord {
		c |= clueDBPhrase
	}
	if secretWord && (eq || colon) {
		c |= clueSecret
	}
	return c
}

// keywordShape[n] has bit c-'a' set when a word suspects looks for has
// length n and starts with letter c, in any case: most words of an
// ordinary message are passed over without a look-up.
var keywordShape = func() (shape [16]uint32) {
	for _, w := range strings.Fields(`traceback goroutine panic line dereference properties property
		function nonetype reference dial econnrefused sqlstate ora pq e11000 violates relation column
		syntax duplicate constraint table violation at error key apikey token secret password passwd
		pwd pass passphrase credential credentials sessid sessionid session signature auth
		authorization bearer basic begin internal local localdomain lan intranet corp arpa svc
		localhost sk rk ghp gho ghu ghs ghr xoxa xoxb xoxp xoxr xoxs glpat`) {
		shape[len(w)] |= 1 << (w[0] - 'a')
	}
	return shape
}()

// LooksInternal reports whether s would not be shown as is: it is
// withheld whole or has an internal part redacted.
func LooksInternal(s string) bool {
	out, ok := Sanitize(s)
	return !ok || out != s
}

// PublicMessage cleans a local error message written for clients (for
// example by Caddy's error directive), with internal parts redacted; ""
// when it is empty or withheld.
func PublicMessage(s string) string {
	s = clean(s, MaxMessageLen)
	s, _ = Sanitize(s)
	return s
}
