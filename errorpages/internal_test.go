package errorpages

import (
	"strings"
	"testing"
)

// Withheld whole, whatever the policy (contract §6): traces, dumps,
// runtime exceptions, database driver errors, and messages with nothing
// left once their internal parts are redacted.
var sanitizeWithheld = []struct{ name, in string }{
	{"Python traceback", `Traceback (most recent call last): File "/app/main.py", line 12, in handler`},
	{"Python file and line", `File "/app/main.py", line 12, in handler`},
	{"Go panic", "panic: runtime error: invalid memory address or nil pointer dereference"},
	{"Go goroutine dump", "goroutine 17 [running]: main.handler(0xc000010000)"},
	{"Go nil dereference", "runtime error: invalid memory address or nil pointer dereference"},
	{"Java frame", "failed at com.example.UserService.create(UserService.java:42)"},
	{"Java exception in thread", `Exception in thread "main" java.lang.IllegalStateException: boom`},
	{"Java NullPointerException message", `java.lang.NullPointerException: Cannot invoke "String.length()" because "<local1>" is null`},
	{"Kotlin exception", "kotlin.UninitializedPropertyAccessException: lateinit property repo has not been initialized"},
	{"unqualified exception class", "IllegalStateException: connection pool closed"},
	{"Java error class", "java.lang.OutOfMemoryError: Java heap space"},
	{".NET exception", "System.InvalidOperationException: Sequence contains no elements"},
	{".NET null reference", "Object reference not set to an instance of an object."},
	{"JavaScript undefined property", "TypeError: Cannot read properties of undefined (reading 'id')"},
	{"JavaScript not a function", "TypeError: user.save is not a function"},
	{"Python KeyError", "KeyError: 'db'"},
	{"Python NoneType", "'NoneType' object has no attribute 'id'"},
	{"file path with line number", "failed in /srv/app/handlers/user.go:87"},
	{"source file with line number", "handlers.go:87: unexpected nil"},
	{"Windows path with line number", `at MyApp.Get() in C:\src\MyApp\UsersController.cs:line 27`},
	{"PHP trace", "#0 /var/www/html/index.php(12): PDO->__construct()"},
	{"Go dial error", "dial tcp: lookup db.internal: no such host"},
	{"Go dial error with address", "dial tcp 10.0.3.17:5432: connect: connection refused"},
	{"Node ECONNREFUSED", "connect ECONNREFUSED 127.0.0.1:5432"},
	{"lib/pq unique violation", `pq: duplicate key value violates unique constraint "users_email_key"`},
	{"pgx missing relation", `ERROR: relation "users" does not exist (SQLSTATE 42P01)`},
	{"PostgreSQL unique violation without prefix", `duplicate key value violates unique constraint "users_email_key"`},
	{"PostgreSQL missing column", `column "emial" of relation "users" does not exist`},
	{"PostgreSQL syntax error", `syntax error at or near "FROM"`},
	{"MySQL duplicate entry", "Error 1062 (23000): Duplicate entry 'a@b.c' for key 'users.email'"},
	{"MySQL duplicate entry without code", "Duplicate entry 'a@b.c' for key 'users.email'"},
	{"MySQL unknown column", "Unknown column 'emial' in 'field list'"},
	{"MySQL access denied", "Access denied for user 'app'@'10.0.0.5' (using password: YES)"},
	{"MySQL syntax error", "You have an error in your SQL syntax; check the manual"},
	{"Oracle error", "ORA-00942: table or view does not exist"},
	{"SQLSTATE", "SQLSTATE[42S02]: Base table or view not found"},
	{"SQLite constraint", "UNIQUE constraint failed: users.email"},
	{"SQLite missing table", "no such table: users"},
	{"SQL Server duplicate key", "Violation of UNIQUE KEY constraint 'UQ_Users_Email'. Cannot insert duplicate key in object 'dbo.Users'."},
	{"MongoDB duplicate key", `E11000 duplicate key error collection: app.users index: email_1 dup key: { email: "a@b.c" }`},
	{"nothing but an address", "10.0.3.7:5432"},
	{"nothing but a token", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"},
}

// Internal parts replaced by the marker, the rest of the message kept.
var sanitizeRedacted = []struct{ name, in, out string }{
	{"private IPv4 with port (issue 8 item 8)", "db connection pool exhausted at 10.0.3.7:5432", "db connection pool exhausted at [redacted]"},
	{"10/8 address", "could not connect to 10.0.3.17:5432", "could not connect to [redacted]"},
	{"address at the end of a sentence", "could not connect to 10.0.3.17.", "could not connect to [redacted]."},
	{"loopback IPv4", "upstream 127.0.0.1:8080 timed out", "upstream [redacted] timed out"},
	{"172.16/12 address", "backend 172.20.1.5 unavailable", "backend [redacted] unavailable"},
	{"192.168/16 address", "printer 192.168.1.20 offline", "printer [redacted] offline"},
	{"CGNAT 100.64/10 address", "peer 100.64.1.2 rejected the request", "peer [redacted] rejected the request"},
	{"cloud metadata address", "cannot reach 169.254.169.254 from here", "cannot reach [redacted] from here"},
	{"unspecified IPv4 with port", "listening on 0.0.0.0:8080 failed", "listening on [redacted] failed"},
	{"IPv4-mapped IPv6", "client ::ffff:10.1.2.3 blocked", "client [redacted] blocked"},
	{"IPv6 ULA bracketed with port", "replica [fd00::12]:5432 is down", "replica [redacted] is down"},
	{"IPv6 ULA bracketed without port", "replica [fd12:3456::1] is down", "replica [redacted] is down"},
	{"IPv6 ULA bare", "replica fd00::12 is down", "replica [redacted] is down"},
	{"IPv6 ULA in full", "replica FD12:3456:789A:1:0:0:0:1 is down", "replica [redacted] is down"},
	{"IPv6 loopback bracketed with port", "cache [::1]:6379 refused the connection", "cache [redacted] refused the connection"},
	{"IPv6 loopback bare", "bound to ::1 only", "bound to [redacted] only"},
	{"IPv6 link-local", "neighbour fe80::1 unreachable", "neighbour [redacted] unreachable"},
	{"IPv6 link-local with zone", "neighbour fe80::1%eth0 unreachable", "neighbour [redacted] unreachable"},
	{"IPv6 unspecified bracketed", "listen [::]:8080 failed", "listen [redacted] failed"},
	{"internal host name", "cannot reach db.prod.internal", "cannot reach [redacted]"},
	{"internal host name with port", "cannot reach payments.internal:8443, try later", "cannot reach [redacted], try later"},
	{"Kubernetes service name", "upstream users.default.svc.cluster.local:8080 timed out", "upstream [redacted] timed out"},
	{"mDNS .local name", "printer.local is offline", "[redacted] is offline"},
	{"localhost with port", "proxy to localhost:3000 failed", "proxy to [redacted] failed"},
	{"Unix path", "cannot open /etc/app/config.yaml", "cannot open [redacted]"},
	{"Unix path in quotes", "ENOENT: no such file or directory, open '/app/uploads/avatar.png'", "ENOENT: no such file or directory, open '[redacted]'"},
	{"Unix path at the end of a sentence", "config missing in /var/lib/app.", "config missing in [redacted]."},
	{"file name with extension under any directory", "template /templates/email/welcome.html not found", "template [redacted] not found"},
	{"home directory path", "read ~/.aws/credentials failed", "read [redacted] failed"},
	{"Windows path", `cannot open C:\inetpub\wwwroot\web.config`, "cannot open [redacted]"},
	{"UNC path", `share \\fileserver\exports\reports is offline`, "share [redacted] is offline"},
	{"postgres URI with credentials", "cannot connect to postgres://app:hunter2@db.prod:5432/app", "cannot connect to [redacted]"},
	{"mysql URI with credentials", "mysql://root:secret@10.0.0.5/shop unreachable", "[redacted] unreachable"},
	{"redis URI without credentials", "redis://cache.prod:6379 timed out", "[redacted] timed out"},
	{"mongodb+srv URI", "mongodb+srv://u:p@cluster0.abcde.mongodb.net/db?retryWrites=true failed", "[redacted] failed"},
	{"amqp URI", "amqp://guest:guest@rabbit:5672/ closed the channel", "[redacted] closed the channel"},
	{"JDBC URL", "jdbc:postgresql://db:5432/app refused", "[redacted] refused"},
	{"https URL with a user", "fetch https://user:pass@api.partner.com/v1 failed", "fetch [redacted] failed"},
	{"api_key= (issue 8 item 7)", "payment backend refused api_key=sk_live_4eC39HqLyjWDarjtT1zdp7dc", "payment backend refused api_key=[redacted]"},
	{"password=", "login failed for password=hunter2", "login failed for password=[redacted]"},
	{"passwd= and pwd=", "passwd=hunter2 pwd=hunter3 rejected", "passwd=[redacted] pwd=[redacted] rejected"},
	{"connection string", "host=db user=app password=hunter2 dbname=app", "host=db user=app password=[redacted] dbname=app"},
	{"token=", "invalid token=abc123", "invalid token=[redacted]"},
	{"access_token in a URL query", "callback https://app.example.com/cb?access_token=abc123&state=x failed", "callback https://app.example.com/cb?access_token=[redacted]&state=x failed"},
	{"secret= and client_secret=", "secret=s3cr3t client_secret=abcdef", "secret=[redacted] client_secret=[redacted]"},
	{"quoted password in JSON", `bad body {"password":"hunter two"}`, `bad body {"password":"[redacted]"}`},
	{"apikey: header style", "apikey: 9f8e7d6c5b4a rejected", "apikey: [redacted] rejected"},
	{"camel-case key name", "rejected secretAccessKey=wJalrXUtnFEMI/K7MDENG", "rejected secretAccessKey=[redacted]"},
	{"X-Api-Key header", "X-Api-Key: 9f8e7d6c5b4a3210 rejected", "X-Api-Key: [redacted] rejected"},
	{"Authorization Bearer", "Authorization: Bearer abc.def.ghi rejected", "Authorization: Bearer [redacted] rejected"},
	{"Authorization Basic", "sent Authorization: Basic dXNlcjpwYXNz", "sent Authorization: Basic [redacted]"},
	{"bare Bearer token", "upstream rejected Bearer 3q2+7w9a0b1c", "upstream rejected Bearer [redacted]"},
	{"AWS access key ID", "access denied for AKIAIOSFODNN7EXAMPLE", "access denied for [redacted]"},
	{"AWS temporary key ID", "session ASIAY34FZKBOKMUTVV7A expired", "session [redacted] expired"},
	{"JWT", "expired token eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U", "expired token [redacted]"},
	{"PEM private key", "key -----BEGIN RSA PRIVATE KEY----- MIIEpAIBAAKCAQEA -----END RSA PRIVATE KEY----- rejected", "key [redacted] rejected"},
	{"PEM private key cut off", "bad key -----BEGIN PRIVATE KEY----- MIIEvQIBADANBgkqhkiG9w0BAQEFAASC…", "bad key [redacted]"},
	{"GitHub token", "revoked ghp_16C7e42F292c6912E7710c838347Ae178B4a", "revoked [redacted]"},
	{"several parts", "replica 10.0.0.7 cannot read /etc/app/db.yaml with password=x1", "replica [redacted] cannot read [redacted] with password=[redacted]"},
}

// Ordinary messages stay visible exactly as they are.
var sanitizeKept = []string{
	"The path must be relative",
	"token count exceeds 4096",
	"max_tokens=5000 exceeds the limit of 4096",
	"Invalid integer: abc",
	"Version 1.2.3 is not supported",
	"Version 10.0.19041.1 is too old",
	"build 1.10.0.0.1 is broken",
	"The file must be at most 2 MB.",
	"Quota of 100 requests per hour exceeded",
	"email is not a valid address",
	"Error: name is required",
	"Validation failed for object='user'. Error count: 1",
	"your IP 203.0.113.9 is not allowed",
	"your IPv6 address 2001:db8::1 is not allowed",
	"See https://docs.example.com/errors/400",
	"The meeting starts at 10:30:00",
	"aspect ratio must be 3:2",
	"request 123e4567-e89b-12d3-a456-426614174000 not found",
	"Invalid value at 'name'",
	"must be 'green', 'red' or 'blue'",
	`Cannot query field "x" on type "Query"`,
	"SyntaxError: Unexpected token } in JSON at position 12",
	"The refresh token has expired",
	"token expired",
	"Bearer token required",
	"Missing Authorization header",
	"password: must be at least 8 characters",
	"password is too short",
	"Endpoint /v1/charges is deprecated",
	"route /api/users/42 not found",
	"user@example.com is already registered",
	"the flag app.internal.enabled is deprecated",
	"fc00 is not a valid color",
	"at least one item (max 10) is required",
	"Use the format HH:MM:SS",
}

func TestSanitizeWithholds(t *testing.T) {
	for _, row := range sanitizeWithheld {
		t.Run(row.name, func(t *testing.T) {
			if out, ok := Sanitize(row.in); ok || out != "" {
				t.Errorf("Sanitize(%q) = %q, %v; want withheld", row.in, out, ok)
			}
			if !LooksInternal(row.in) {
				t.Errorf("LooksInternal(%q) = false", row.in)
			}
		})
	}
}

func TestSanitizeRedacts(t *testing.T) {
	for _, row := range sanitizeRedacted {
		t.Run(row.name, func(t *testing.T) {
			out, ok := Sanitize(row.in)
			if !ok || out != row.out {
				t.Errorf("Sanitize(%q)\n got %q, %v\nwant %q", row.in, out, ok, row.out)
			}
			if !LooksInternal(row.in) {
				t.Errorf("LooksInternal(%q) = false", row.in)
			}
		})
	}
}

func TestSanitizeKeepsOrdinaryMessages(t *testing.T) {
	for _, in := range sanitizeKept {
		if out, ok := Sanitize(in); !ok || out != in {
			t.Errorf("Sanitize(%q) = %q, %v; want it unchanged", in, out, ok)
		}
		if LooksInternal(in) {
			t.Errorf("LooksInternal(%q) = true", in)
		}
	}
}

// The pre-check only skips work: with it or without it (every pattern
// run), Sanitize gives the same answer.
func TestSanitizePrecheckSkipsOnlyWork(t *testing.T) {
	for _, in := range sanitizeInputs() {
		checkPrecheck(t, in)
	}
}

func checkPrecheck(t *testing.T, in string) {
	t.Helper()
	out, ok := Sanitize(in)
	full, fullOK := sanitize(in, clueAll)
	if out != full || ok != fullOK {
		clues := suspects(in)
		t.Errorf("pre-check (clues %b) changed the answer for %q:\n got %q, %v\nwant %q, %v", clues, in, out, ok, full, fullOK)
	}
}

func sanitizeInputs() []string {
	var in []string
	for _, row := range sanitizeWithheld {
		in = append(in, row.in)
	}
	for _, row := range sanitizeRedacted {
		in = append(in, row.in)
	}
	in = append(in, sanitizeKept...)
	// Found by FuzzSanitize: a pattern's word inside a longer word.
	return append(in, "0goroutine 0 [", "nil pointer dereferenced", "SecretAccessKey=abc", "error in your SQL syntaxes", "pwd=0!")
}

func TestSanitizeOrdinaryMessageDoesNotAllocate(t *testing.T) {
	for _, in := range []string{"email is not a valid address", "Quota of 100 requests per hour exceeded", "Invalid integer: abc", "Version 1.2.3 is not supported"} {
		if n := testing.AllocsPerRun(100, func() { Sanitize(in) }); n != 0 {
			t.Errorf("Sanitize(%q): %v allocations", in, n)
		}
	}
}

func FuzzSanitize(f *testing.F) {
	for _, in := range sanitizeInputs() {
		f.Add(in)
	}
	for _, in := range []string{"upstream rejected Bearer ab12cd34", "basic Zm9vOmJhcg== denied", "token bearer\tAbcdefgH, retry"} {
		f.Add(in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		in = clean(in, MaxMessageLen)
		checkPrecheck(t, in)
		out, ok := Sanitize(in)
		if !ok {
			if out != "" {
				t.Fatalf("withheld %q but returned %q", in, out)
			}
			return
		}
		if out == "" && in != "" {
			t.Fatalf("empty output for %q", in)
		}
		if again, ok := Sanitize(out); !ok || again != out {
			t.Fatalf("not idempotent: %q -> %q -> %q, %v", in, out, again, ok)
		}
		// Every credential a reading by hand finds after an auth scheme
		// is gone from the output.
		for tok, n := range refSchemeCredentials(in) {
			if left := strings.Count(out, tok); left > strings.Count(in, tok)-n {
				t.Fatalf("credential %q kept: %q -> %q", tok, in, out)
			}
		}
	})
}

// refSchemeCredentials reads s by hand for the credentials of the
// Bearer and Basic schemes: the scheme's name (any case) as a word,
// white space, then a token68 (RFC 9110 §11.4: letters, digits and
// -._~+/, then any '=') that looks like a credential rather than a word:
// 8 characters or more with a digit, a character other than a letter,
// or a capital after the first letter. It returns how many times each
// such credential stands there.
func refSchemeCredentials(s string) map[string]int {
	out := map[string]int{}
	for _, scheme := range []string{"bearer", "basic"} {
		for i := 0; i+len(scheme) <= len(s); i++ {
			// ASCII case folding byte by byte: strings.ToLower of the
			// whole text would move the offsets ("İ" is 2 bytes, its lower
			// case 3).
			if !refASCIIFold(s[i:i+len(scheme)], scheme) || i > 0 && refWordByte(s[i-1]) {
				continue
			}
			j := i + len(scheme)
			k := j
			for k < len(s) && strings.IndexByte(" \t\n\r\f", s[k]) >= 0 {
				k++
			}
			if k == j {
				continue
			}
			e := k
			for e < len(s) && (refWordByte(s[e]) && s[e] != '_' || strings.IndexByte("-._~+/", s[e]) >= 0) {
				e++
			}
			if e == k {
				continue
			}
			for e < len(s) && s[e] == '=' {
				e++
			}
			if tok := s[k:e]; refLooksLikeCredential(tok) {
				out[tok]++
			}
		}
	}
	return out
}

func refWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}

func refLooksLikeCredential(tok string) bool {
	if len(tok) < 8 {
		return false
	}
	if strings.ContainsFunc(tok, func(r rune) bool { return r < 'A' || r > 'Z' && r < 'a' || r > 'z' }) {
		return true // a digit or punctuation
	}
	return strings.ToLower(tok) != tok && strings.ToUpper(tok[1:]) != tok[1:] && strings.ToLower(tok[1:]) != tok[1:]
}

// An 8-character token after Bearer is the shortest that is redacted;
// 7 characters read as a word.
func TestEightCharacterBearerTokenIsRedacted(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"upstream rejected Bearer ab12cd34", "upstream rejected Bearer [redacted]"},
		{"Bearer ab12cd34 is not valid", "Bearer [redacted] is not valid"},
		{"Authorization: Bearer ab12cd34 rejected", "Authorization: Bearer [redacted] rejected"},
		{"Basic dXNlcjpw rejected", "Basic [redacted] rejected"},
		{"upstream rejected Bearer ab12cd3", "upstream rejected Bearer ab12cd3"},
		{"upstream rejected Bearer abcdefgh", "upstream rejected Bearer abcdefgh"},
	} {
		if out, ok := Sanitize(c.in); !ok || out != c.want {
			t.Errorf("Sanitize(%q) = %q, %v; want %q", c.in, out, ok, c.want)
		}
	}
	for tok, want := range map[string]bool{"ab12cd34": true, "ab12cd3": false, "abcdefgh": false, "abcdEfgh": true, "Abcdefgh": false, "abcd-efg": true} {
		if got := tokenish(tok); got != want {
			t.Errorf("tokenish(%q) = %v, want %v", tok, got, want)
		}
		if got := refLooksLikeCredential(tok); got != want {
			t.Errorf("refLooksLikeCredential(%q) = %v, want %v", tok, got, want)
		}
	}
}

// Through Parse and the exposure policy: internal parts of an upstream
// message are redacted, traces withheld whole, and the original goes to
// the log (Dropped) either way.
func TestUpstreamMessagesSanitized(t *testing.T) {
	rows := []struct {
		name, ctype, body string
		code              int
		p                 Exposure
		details           string // "" means the standard description
		fields            []Field
	}{
		{"address redacted under always (issue 8 item 8)", "application/json",
			`{"message":"db connection pool exhausted at 10.0.3.7:5432"}`, 503, ExposeAlways,
			"db connection pool exhausted at [redacted]", nil},
		{"secret redacted under always (issue 8 item 7)", "application/json",
			`{"error":{"message":"payment backend refused api_key=sk_live_4eC39HqLyjWDarjtT1zdp7dc"}}`, 502, ExposeAlways,
			"payment backend refused api_key=[redacted]", nil},
		{"connection URI redacted in a 4xx under auto", "text/plain",
			"cannot connect to postgres://app:hunter2@db.prod:5432/app\nmore", 424, ExposeAuto,
			"cannot connect to [redacted]", nil},
		{"field message redacted", "application/json",
			`{"message":"invalid","errors":{"webhook":["cannot reach 192.168.0.10:9000"]}}`, 422, ExposeAuto,
			"invalid", []Field{{Field: "webhook", Message: "cannot reach [redacted]"}}},
		{"public IP kept", "application/json",
			`{"message":"your IP 203.0.113.9 is not allowed"}`, 403, ExposeAuto,
			"your IP 203.0.113.9 is not allowed", nil},
		{"Java exception withheld", "application/json",
			`{"message":"java.lang.NullPointerException: Cannot invoke \"String.length()\" because \"<local1>\" is null"}`, 500, ExposeAlways,
			"", nil},
		{"database error withheld", "application/json",
			`{"error":"pq: duplicate key value violates unique constraint \"users_email_key\""}`, 409, ExposeAuto,
			"", nil},
		{"redacted 5xx still hidden under auto", "application/json",
			`{"message":"db connection pool exhausted at 10.0.3.7:5432"}`, 503, ExposeAuto,
			"", nil},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			u := Parse([]byte(row.body), row.ctype)
			e := NewError(row.code, "")
			row.p.Apply(e, u)
			want := row.details
			if want == "" {
				want = Description(row.code)
			}
			if e.Details != want {
				t.Errorf("details = %q, want %q", e.Details, want)
			}
			if len(e.Fields) != len(row.fields) {
				t.Fatalf("fields = %+v, want %+v", e.Fields, row.fields)
			}
			for i, f := range row.fields {
				if e.Fields[i].Field != f.Field || e.Fields[i].Message != f.Message {
					t.Errorf("field %d = %+v, want %+v", i, e.Fields[i], f)
				}
			}
			if row.body != `{"message":"your IP 203.0.113.9 is not allowed"}` && len(u.Dropped) == 0 {
				t.Errorf("the original text is not recorded for the log")
			}
		})
	}
}

func TestPublicMessage(t *testing.T) {
	rows := []struct{ in, out string }{
		{"Service down for maintenance", "Service down for maintenance"},
		{"  Closed\n\ttoday ", "Closed today"},
		{"upstream 10.0.0.1:80 is down", "upstream [redacted] is down"},
		{"open /etc/caddy/site.conf: permission denied", "open [redacted]: permission denied"},
		{"panic: boom", ""},
		{"", ""},
	}
	for _, row := range rows {
		if got := PublicMessage(row.in); got != row.out {
			t.Errorf("PublicMessage(%q) = %q, want %q", row.in, got, row.out)
		}
	}
}

// Internal text never reaches the client, whatever the policy: traces and
// dumps are withheld whole. (Messages whose only internal part is an
// address are redacted instead: TestUpstreamMessagesSanitized.)
func TestInternalTextWithheld(t *testing.T) {
	rows := []struct{ name, ctype, body string }{
		{"Python traceback", "text/plain", "Traceback (most recent call last):\n  File \"/app/main.py\", line 12, in handler\n    raise KeyError('db')\nKeyError: 'db'"},
		{"Python traceback in JSON", "application/json", `{"message":"Traceback (most recent call last):\n  File \"/app/main.py\", line 12, in <module>"}`},
		{"Go panic with goroutine dump", "text/plain", "panic: runtime error: invalid memory address or nil pointer dereference\n[signal SIGSEGV]\n\ngoroutine 1 [running]:\nmain.main()\n\t/src/main.go:12 +0x1d"},
		{"Go goroutine dump in JSON", "application/json", `{"error":"goroutine 17 [running]: main.handler(0xc000010000)"}`},
		{"Java stack trace", "application/json", `{"message":"java.lang.NullPointerException: Cannot invoke \"String.length()\"\n\tat com.example.UserService.create(UserService.java:42)\n\tat com.example.UserController.post(UserController.java:17)"}`},
		{"Java exception in thread", "text/plain", `Exception in thread "main" java.lang.IllegalStateException: boom`},
		{".NET exception", "application/json", `{"detail":"System.InvalidOperationException: Sequence contains no elements\n   at System.Linq.ThrowHelper.ThrowNoElementsException()\n   at MyApp.Controllers.UsersController.Get(Int32 id) in C:\\src\\MyApp\\Controllers\\UsersController.cs:line 27"}`},
		{"Node stack", "application/json", `{"message":"TypeError: Cannot read properties of undefined (reading 'id')\n    at getUser (/srv/app/routes/users.js:14:22)"}`},
		{"PHP trace", "text/plain", "#0 /var/www/html/index.php(12): PDO->__construct()"},
		{"dial error", "text/plain", "dial tcp: lookup db.internal: no such host"},
		{"SQL error", "application/json", `{"message":"SQLSTATE[42S02]: Base table or view not found"}`},
		{"file path with line", "application/json", `{"error":"failed in /srv/app/handlers/user.go:87"}`},
		{"internal field message", "application/json", `{"errors":{"email":["pq: duplicate key value violates unique constraint \"users_email_key\""]}}`},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			for _, code := range []int{400, 500} {
				for _, p := range []Exposure{ExposeAuto, ExposeAlways} {
					u := Parse([]byte(row.body), row.ctype)
					e := NewError(code, "")
					p.Apply(e, u)
					if e.Details != Description(code) {
						t.Errorf("%d under %s: details = %q", code, p, e.Details)
					}
					if len(e.Fields) > 0 {
						t.Errorf("%d under %s: internal field shown: %+v", code, p, e.Fields)
					}
				}
			}
			if u := Parse([]byte(row.body), row.ctype); len(u.Dropped) == 0 {
				t.Errorf("nothing recorded as dropped for the log")
			}
		})
	}
}

func BenchmarkSanitize(b *testing.B) {
	for _, c := range []struct{ name, s string }{
		{"ordinary", "email is not a valid address"},
		{"ordinary with digits", "Quota of 100 requests per hour exceeded: retry in 30 s"},
		{"redacted", "db connection pool exhausted at 10.0.3.7:5432"},
		{"withheld", `java.lang.NullPointerException: Cannot invoke "String.length()" because "<local1>" is null`},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Sanitize(c.s)
			}
		})
	}
}

// refASCIIFold reports whether a equals the lower-case ASCII word b, in
// any case.
func refASCIIFold(a, b string) bool {
	for i := 0; i < len(b); i++ {
		c := a[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != b[i] {
			return false
		}
	}
	return true
}
