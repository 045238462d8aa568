// The redaction rules: what an internal part of a message looks like
// (addresses, host names, paths, connection URIs, secrets), where each
// can start, and the spans to replace with Redacted.

package errorpages

import (
	"regexp"
	"slices"
	"strings"
)

// How a redact rule's match is checked and replaced.
type redactKind uint8

const (
	redactAlways   redactKind = iota
	redactTrimmed             // trailing punctuation belongs to the sentence
	redactAddress             // not part of a longer number, version or name
	redactTokenish            // only when the value looks like a token
)

const (
	octet = `(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)`
	// IPv4 10/8, 127/8, 172.16/12, 192.168/16, 100.64/10 (CGNAT),
	// 169.254/16 (link-local, cloud metadata) and 0.0.0.0.
	privateIPv4 = `(?:10(?:\.` + octet + `){3}|127(?:\.` + octet + `){3}|172\.(?:1[6-9]|2\d|3[01])(?:\.` + octet + `){2}|192\.168(?:\.` + octet + `){2}|100\.(?:6[4-9]|[7-9]\d|1[01]\d|12[0-7])(?:\.` + octet + `){2}|169\.254(?:\.` + octet + `){2}|0\.0\.0\.0)`
	// IPv6 loopback, ULA fc00::/7, link-local fe80::/10, with a zone.
	privateIPv6 = `(?i:::1|f[cd][0-9a-f]{2}(?::[0-9a-f]{0,4}){2,7}|fe[89ab][0-9a-f](?::[0-9a-f]{0,4}){2,7})(?:%[\w.\-]+)?`
	port        = `(?::\d{1,5}\b)?`
	authScheme  = `(?i:bearer|basic|digest|token|negotiate|ntlm|aws4-hmac-sha256)`
	// File-system roots: an absolute path under one of them is a file
	// path, while /v1/charges is an API route the client knows already.
	fsRoot  = `(?:home|usr|var|etc|opt|srv|tmp|app|apps|root|proc|sys|dev|mnt|data|lib|lib64|bin|sbin|src|go|Users|private|run|workspace|workspaces|code|build|nix|media|boot|snap|Library|System|Applications|Volumes|vagrant|www|dist|config|secrets|certs|storage|sites)`
	pathSeg = `[\w.@~+\-]+`
)

// redactRule is an internal part that is redacted. The first capture
// group that took part in a match marks the part to replace (else the
// whole match), and kinds[group-1] how it is checked: the group keeps
// "password=" or "Bearer " in front of the marker, so the message still
// says what was wrong. Where two rules match overlapping text, the one
// that starts first wins, then the one listed first.
type redactRule struct {
	clue  clue
	kinds []redactKind
	re    *regexp.Regexp
	// at, when set, calls try with each position where re (anchored with
	// ^) may match, instead of re scanning the whole text: found by code,
	// it is many times cheaper for rules that ordinary messages trigger.
	at func(s string, try func(pos int))
}

func rule(c clue, pattern string, kinds ...redactKind) redactRule {
	re := regexp.MustCompile(pattern)
	if n := re.NumSubexp(); n != len(kinds) && !(n == 0 && len(kinds) == 1) {
		panic("errorpages: redact rule needs one kind per group: " + pattern)
	}
	return redactRule{clue: c, kinds: kinds, re: re}
}

// sentencePunct ends a sentence rather than a path, URI or value.
const sentencePunct = ".,;:!?)]}"

// anchoredWindow is how much text an anchored rule looks at first.
const anchoredWindow = 96

func anchoredRule(c clue, at func(string, func(int)), pattern string, kinds ...redactKind) redactRule {
	r := rule(c, `^(?:`+pattern+`)`, kinds...)
	r.at = at
	return r
}

var redactRules = []redactRule{
	// PEM private keys, to their end or to the end of the (cut) text.
	rule(cluePEM, `-----BEGIN [A-Z0-9 ]*PRIVATE KEY.*?(?:-----END [A-Z0-9 ]*PRIVATE KEY[A-Z ]*-----|$)`, redactAlways),
	// Connection URIs, whole: any URI with a user part, and the schemes
	// of data stores and brokers with or without one.
	anchoredRule(clueURI, uriStarts, `[A-Za-z][A-Za-z0-9+.\-]*://[^\s/?#@"'<>]*@[^\s"'<>]*|(?i:jdbc:[a-z0-9]+|postgres(?:ql)?|mysql|mariadb|rediss?|mongodb(?:\+srv)?|amqps?|mssql|sqlserver|oracle|clickhouse|cassandra|nats|kafka|memcached?|ldaps?|couchbase|neo4j|sqlite3?)://[^\s"'<>]*`, redactTrimmed),
	// Unix paths: under a file-system root, two or more segments ending
	// in a file name with an extension, or under ~.
	anchoredRule(cluePath, pathStarts, `/`+fsRoot+`(?:/`+pathSeg+`)+/?|(?:/[\w@~+\-][\w.@~+\-]*)+/[\w@~+\-][\w.@~+\-]*\.[A-Za-z][A-Za-z0-9]{0,7}|~/`+pathSeg+`(?:/`+pathSeg+`)*`, redactTrimmed),
	// Windows paths: drive and UNC.
	anchoredRule(clueWindows, windowsStarts, `[A-Za-z]:\\[^\s"'<>|*?]*|\\\\[\w.$\-]+\\[^\s"'<>|*?]*`, redactTrimmed),
	// Addresses, with a port when there is one.
	anchoredRule(clueBracket, byteStarts('['), `\[(?:`+privateIPv6+`|::|(?:::ffff:)?`+privateIPv4+`)\]`+port, redactAddress),
	anchoredRule(clueIPv4, ipv4Starts, `(?:::ffff:)?`+privateIPv4+`\b`+port, redactAddress),
	anchoredRule(clueIPv6, ipv6Starts, privateIPv6, redactAddress),
	// Internal host names, and localhost with a port.
	anchoredRule(clueHost, hostStarts, `(?i:(?:[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?\.)+(?:internal|local|localdomain|lan|intranet|corp|home\.arpa|svc)\b`+port+`|localhost:\d{1,5}\b)`, redactAddress),
	// Secrets: the value after the parameter's name (secretKeyEnds):
	// name=value, "name":"value", and name: value when the value looks
	// like a token.
	anchoredRule(clueSecret, secretKeyEnds, `["']?\s*=\s*["']?([^\s"'&,;]+)|["']?\s*:\s*["']([^"']*)|\s*:\s*([^\s"'&,;]+)`, redactTrimmed, redactAlways, redactTokenish),
	anchoredRule(clueAuth, wordStarts("authorization"), `(?i:authorization)["']?\s*[:=]\s*["']?(?:`+authScheme+`\s+([^\s"',;]+)|([^\s"',;]+))`, redactAlways, redactTokenish),
	anchoredRule(clueBearer, wordStarts("bearer", "basic"), `(?i:bearer|basic)\s+([A-Za-z0-9\-._~+/]+=*)`, redactTokenish),
	// Keys and tokens recognizable by themselves: AWS access key IDs,
	// JWTs, Stripe, GitHub, Slack, GitLab and Google API keys.
	anchoredRule(clueToken, tokenStarts, `(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}\b|eyJ[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]*|(?:sk|rk)_(?:live|test)_[0-9A-Za-z]{8,}|gh[pousr]_[A-Za-z0-9]{20,}|xox[abprs]-[A-Za-z0-9\-]{10,}|glpat-[\w\-]{20,}|AIza[0-9A-Za-z_\-]{35}`, redactAlways),
}

// uriStarts calls try with the start of the scheme of each "://" in s.
func uriStarts(s string, try func(int)) {
	for i := 0; ; {
		k := strings.Index(s[i:], "://")
		if k < 0 {
			return
		}
		k += i
		j := k
		for j > 0 && (isAlnum(s[j-1]) || s[j-1] == '+' || s[j-1] == '.' || s[j-1] == '-') {
			j--
		}
		if j >= 5 && strings.EqualFold(s[j-5:j], "jdbc:") {
			j -= 5
		}
		for j < k && !isLetter(s[j]) {
			j++
		}
		if j < k && (j == 0 || !isAlnum(s[j-1]) && s[j-1] != '_') {
			try(j)
		}
		i = k + 3
	}
}

// pathStarts calls try with each / or ~/ that may start an absolute path:
// at the start of s or after a space, a quote, a bracket, = or a comma.
func pathStarts(s string, try func(int)) {
	for i := 0; i < len(s); i++ {
		if (s[i] == '/' || s[i] == '~' && i+1 < len(s) && s[i+1] == '/') &&
			(i == 0 || strings.IndexByte(" \t(\"'=,[{<", s[i-1]) >= 0) {
			try(i)
		}
	}
}

// windowsStarts calls try with the drive letter of each C:\ and the
// start of each \\server.
func windowsStarts(s string, try func(int)) {
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' {
			continue
		}
		if i >= 2 && s[i-1] == ':' && isLetter(s[i-2]) && (i == 2 || !isAlnum(s[i-3]) && s[i-3] != '_') {
			try(i - 2)
		} else if i+1 < len(s) && s[i+1] == '\\' && (i == 0 || s[i-1] != '\\') {
			try(i)
		}
	}
}

// byteStarts returns a function that calls try with each position of c.
func byteStarts(c byte) func(string, func(int)) {
	return func(s string, try func(int)) {
		for i := 0; i < len(s); i++ {
			if s[i] == c {
				try(i)
			}
		}
	}
}

// ipv4Starts calls try with the start of each number that may begin a
// private IPv4 address (10. 127. 172. 192. 100. 169. 0.), or of the
// ::ffff: in front of it.
func ipv4Starts(s string, try func(int)) {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) || i > 0 && (isAlnum(s[i-1]) || s[i-1] == '_') {
			continue
		}
		j := i
		for j < len(s) && isDigit(s[j]) {
			j++
		}
		if j+1 < len(s) && s[j] == '.' && isDigit(s[j+1]) {
			switch s[i:j] {
			case "0", "10", "100", "127", "169", "172", "192":
				if i >= 7 && strings.EqualFold(s[i-7:i], "::ffff:") {
					try(i - 7)
				} else {
					try(i)
				}
			}
		}
		i = j
	}
}

// ipv6Starts calls try with each :: not inside a longer address, and the
// start of each fc00: fd00: fe80: group.
func ipv6Starts(s string, try func(int)) {
	for i := 0; i < len(s); i++ {
		if i > 0 && (isAlnum(s[i-1]) || s[i-1] == '_' || s[i-1] == ':') {
			continue
		}
		if strings.HasPrefix(s[i:], "::") ||
			i+4 < len(s) && s[i+4] == ':' && (s[i] == 'f' || s[i] == 'F') && isHex(s[i+1]) && isHex(s[i+2]) && isHex(s[i+3]) {
			try(i)
		}
	}
}

// hostStarts calls try with the start of each dotted name (labels of
// letters, digits and hyphens) that ends in an internal suffix somewhere,
// and of each localhost:.
func hostStarts(s string, try func(int)) {
	for i := 0; i < len(s); i++ {
		if !isAlnum(s[i]) || i > 0 && (isAlnum(s[i-1]) || strings.IndexByte("._-", s[i-1]) >= 0) {
			continue
		}
		j, dot := i, false
		for j < len(s) && (isAlnum(s[j]) || s[j] == '.' || s[j] == '-') {
			dot = dot || s[j] == '.'
			j++
		}
		if dot || j < len(s) && s[j] == ':' {
			try(i) // the anchored pattern tells
		}
		i = j
	}
}

// tokenStarts calls try with the start of each word that begins like a
// well-known key or token: AWS access key IDs, JWTs, Stripe, GitHub,
// Slack, GitLab and Google API keys.
func tokenStarts(s string, try func(int)) {
	for i := 0; i < len(s); i++ {
		if i > 0 && (isAlnum(s[i-1]) || s[i-1] == '_') {
			continue
		}
		switch s[i] {
		case 'A', 'e', 's', 'r', 'g', 'x':
			try(i) // the anchored pattern tells
		}
	}
}

// wordStarts returns a function that calls try with the start of each
// occurrence of one of words (lower case), in any case, as a whole word.
func wordStarts(words ...string) func(string, func(int)) {
	return func(s string, try func(int)) {
		for i := 0; i < len(s); i++ {
			if i > 0 && (isAlnum(s[i-1]) || s[i-1] == '_') {
				continue
			}
			for _, w := range words {
				if len(s)-i >= len(w) && strings.EqualFold(s[i:i+len(w)], w) &&
					(i+len(w) == len(s) || !isAlnum(s[i+len(w)]) && s[i+len(w)] != '_') {
					try(i)
				}
			}
		}
	}
}

// secretKeyEnds calls try with the end of each name of a parameter that
// holds a secret, whatever its case and prefix: password, db_password,
// api_key, X-Api-Key, apikey, access_token, client_secret, session_id.
func secretKeyEnds(s string, try func(int)) {
	var lower, prev [16]byte
	np := 0
	for i := 0; i < len(s); {
		if !isAlnum(s[i]) {
			i++
			continue
		}
		start := i
		for i < len(s) && isAlnum(s[i]) {
			i++
		}
		if i-start > len(lower) {
			np = 0
			continue
		}
		n := copy(lower[:], s[start:i])
		toLower(lower[:n])
		w := string(lower[:n]) // no allocation: compared only
		joined := start > 0 && (s[start-1] == '_' || s[start-1] == '-')
		p := ""
		if joined {
			p = string(prev[:np])
		}
		key := false
		switch w {
		case "apikey", "token", "secret", "password", "passwd", "pwd", "pass", "passphrase",
			"credential", "credentials", "sessid", "sessionid", "signature", "auth":
			key = true
		case "key":
			key = keyPrefix(p)
		case "id":
			key = p == "session"
		default:
			key = len(w) > 3 && strings.HasSuffix(w, "key") && keyPrefix(w[:len(w)-3])
		}
		if key {
			try(i)
		}
		np = copy(prev[:], lower[:n])
	}
}

// keyPrefix reports whether p + "key" names a key that is a secret
// (p lower case): api, access, secretaccess, private, client …
func keyPrefix(p string) bool {
	for _, k := range [...]string{"api", "access", "secret", "private", "auth", "encryption", "signing", "master", "client", "license", "app"} {
		if strings.HasSuffix(p, k) {
			return true
		}
	}
	return false
}

// redactSpans lists the parts of s to redact, in order.
func redactSpans(s string, clues clue) []span {
	var spans []span
	for i, r := range redactRules {
		if clues&r.clue == 0 {
			continue
		}
		add := func(m []int, offset int) {
			g := 1
			for g < len(m)/2 && m[2*g] < 0 {
				g++
			}
			if g == len(m)/2 {
				g = 0 // no group: the whole match
			}
			start, end := offset+m[2*g], offset+m[2*g+1]
			switch r.kinds[max(g-1, 0)] {
			case redactTrimmed:
				v := s[start:end]
				if strings.HasPrefix(v, Redacted) { // a value redacted before
					v = Redacted + strings.TrimRight(v[len(Redacted):], sentencePunct)
				} else {
					v = strings.TrimRight(v, sentencePunct)
				}
				end = start + len(v)
			case redactAddress:
				if !addressAlone(s, start, end) {
					return
				}
			case redactTokenish:
				if !tokenish(s[start:end]) {
					return
				}
			}
			if start < end && s[start:end] != Redacted {
				spans = append(spans, span{start, end, i})
			}
		}
		if r.at != nil {
			covered := 0
			r.at(s, func(pos int) {
				if pos < covered {
					return // inside this rule's last match
				}
				// Try a window first: the matcher's cost grows with
				// the text it is given, and parts are short. A match
				// that reaches the window's end is tried again whole.
				text := s[pos:min(len(s), pos+anchoredWindow)]
				m := r.re.FindStringSubmatchIndex(text)
				if m != nil && m[1] == len(text) && len(text) < len(s)-pos {
					m = r.re.FindStringSubmatchIndex(s[pos:])
				}
				if m != nil {
					add(m, pos)
					covered = pos + m[1]
				}
			})
			continue
		}
		for _, m := range r.re.FindAllStringSubmatchIndex(s, -1) {
			add(m, 0)
		}
	}
	slices.SortFunc(spans, func(a, b span) int {
		if a.start != b.start {
			return a.start - b.start
		}
		return a.rule - b.rule
	})
	return spans
}

// addressAlone reports whether s[start:end] stands alone: not part of a
// longer number, version or name (1.10.0.0.1, com.example.internal.Foo,
// 2001:fd00::1).
func addressAlone(s string, start, end int) bool {
	if start > 0 {
		if c := s[start-1]; c == '.' || c == ':' || c == '-' || c == '_' || isAlnum(c) {
			return false
		}
	}
	if end < len(s) {
		c := s[end]
		if c == ':' || c == '_' || isAlnum(c) {
			return false
		}
		if (c == '.' || c == '-') && end+1 < len(s) && isAlnum(s[end+1]) {
			return false
		}
	}
	return true
}

// tokenish reports whether v looks like a credential rather than a word:
// at least 8 characters with a digit, mixed case or token punctuation.
// "Bearer token required" and "password: must be 8 characters" keep
// their words.
func tokenish(v string) bool {
	if len(v) < 8 {
		return false
	}
	var digit, lower, upper, punct bool
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c >= '0' && c <= '9':
			digit = true
		case c >= 'a' && c <= 'z':
			lower = true
		case c >= 'A' && c <= 'Z':
			upper = upper || i > 0
		default:
			punct = true
		}
	}
	return digit || punct || (lower && upper)
}
