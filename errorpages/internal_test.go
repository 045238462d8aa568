package errorpages

import (
	"testing"
)

// Internal text never reaches the client, whatever the policy.
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
		{"internal IP address", "application/json", `{"message":"could not connect to 10.0.3.17:5432"}`},
		{"dial error", "text/plain", "dial tcp: lookup db.internal: no such host"},
		{"SQL error", "application/json", `{"message":"SQLSTATE[42S02]: Base table or view not found"}`},
		{"file path with line", "application/json", `{"error":"failed in /srv/app/handlers/user.go:87"}`},
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
					for _, f := range e.Fields {
						if LooksInternal(f.Message) {
							t.Errorf("internal field message leaked: %q", f.Message)
						}
					}
				}
			}
			if u := Parse([]byte(row.body), row.ctype); len(u.Dropped) == 0 {
				t.Errorf("nothing recorded as dropped for the log")
			}
		})
	}
	for _, ok := range []string{"email is not a valid address", "Invalid integer: abc", "Quota of 100 requests per hour exceeded", "The file must be at most 2 MB.", "Version 1.2.3 is not supported", "Error: name is required"} {
		if LooksInternal(ok) {
			t.Errorf("ordinary message %q flagged as internal", ok)
		}
	}
}
