package errorpages

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// statusDescriptions holds end-user wording for every 4xx and 5xx status
// that net/http knows: what happened and what the visitor can do.
var statusDescriptions = map[int]string{
	400: "The request could not be understood. Check what you sent and try again.",
	401: "You need to sign in to see this page. Sign in and try again.",
	402: "Payment is required before this request can be completed.",
	403: "You don't have permission to access this page. If you think you should, contact the site's support.",
	404: "The page you are looking for doesn't exist or has moved. Check the address or go back to the home page.",
	405: "This action isn't allowed here. Go back and try a different way.",
	406: "The page isn't available in a format your browser accepts.",
	407: "You need to sign in to your network proxy before continuing.",
	408: "The request took too long to arrive. Check your connection and try again.",
	409: "The request conflicts with the current state of this resource. Reload and try again.",
	410: "This page has been removed and isn't coming back.",
	411: "The request is missing its length. Try again from a different app or browser.",
	412: "The page changed since you last loaded it. Reload and try again.",
	413: "What you sent is too large. Try a smaller file or less data.",
	414: "The web address is too long. Try a shorter link.",
	415: "The type of file or data you sent isn't supported here.",
	416: "The requested part of this file isn't available.",
	417: "The server can't meet a requirement of your request.",
	418: "This server is a teapot and refuses to brew coffee.",
	421: "Your request reached a server that can't answer it. Try again in a moment.",
	422: "Some of what you sent isn't valid. Correct the highlighted problems and try again.",
	423: "This resource is locked right now. Try again later.",
	424: "The request failed because a related request failed.",
	425: "The server won't risk processing a request that might be replayed. Try again.",
	426: "This request needs a newer protocol. Update your app or browser and try again.",
	428: "This request must be conditional. Reload the page and try again.",
	429: "You've made too many requests. Wait a moment and try again.",
	431: "The request headers are too large. Clearing this site's cookies may help.",
	451: "This page isn't available for legal reasons.",
	500: "Something went wrong on our side. Try again in a moment; if it keeps happening, contact support.",
	501: "The server doesn't support this feature yet.",
	502: "The server got an invalid answer from a service it depends on. Try again in a moment.",
	503: "The service is temporarily unavailable, perhaps for maintenance or because it is busy. Try again shortly.",
	504: "A service we depend on took too long to answer. Try again in a moment.",
	505: "Your browser or app used an HTTP version this server doesn't support.",
	506: "The server is misconfigured and can't complete your request.",
	507: "The server is out of storage for this request. Try again later.",
	508: "The server stopped because it detected an endless loop while handling your request.",
	510: "The server needs more information to complete this request.",
	511: "You need to sign in to the network before you can browse, for example on a hotel or airport Wi-Fi page.",
}

// ReasonPhrase returns the standard reason phrase for code, or a class
// name ("Client Error", "Server Error") for codes net/http doesn't know.
func ReasonPhrase(code int) string {
	if t := http.StatusText(code); t != "" {
		return t
	}
	switch {
	case code >= 400 && code < 500:
		return "Client Error"
	case code >= 500 && code < 600:
		return "Server Error"
	}
	return "Error"
}

// Description returns the end-user explanation for code.
func Description(code int) string {
	if d, ok := statusDescriptions[code]; ok {
		return d
	}
	if code >= 500 {
		return statusDescriptions[500]
	}
	return statusDescriptions[400]
}

// TypeSlug returns the reason phrase as a snake_case slug ("Bad Request" →
// "bad_request").
func TypeSlug(code int) string {
	if code >= 400 && code < 600 {
		return typeSlugs[code-400]
	}
	return slug(ReasonPhrase(code))
}

var typeSlugs = func() (t [200]string) {
	for i := range t {
		t[i] = slug(ReasonPhrase(400 + i))
	}
	return t
}()

func slug(s string) string {
	var b strings.Builder
	under := false
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			if under && b.Len() > 0 {
				b.WriteByte('_')
			}
			under = false
			b.WriteRune(r)
		case r == '\'':
			// "I'm a teapot" → "im_a_teapot"
		default:
			under = true
		}
	}
	return b.String()
}

// StatusSet is a set of 4xx/5xx status codes.
type StatusSet [200]bool

// AllErrors is every 4xx and 5xx status.
func AllErrors() StatusSet {
	var s StatusSet
	for i := range s {
		s[i] = true
	}
	return s
}

// Has reports whether code is in the set.
func (s *StatusSet) Has(code int) bool {
	return code >= 400 && code < 600 && s[code-400]
}

// Add parses spec — a code (404), a class (4xx) or a range (500-599) —
// and adds it to the set. Only 400–599 may be named: other responses are
// never rewritten.
func (s *StatusSet) Add(spec string) error {
	lo, hi, err := parseStatusSpec(spec)
	if err != nil {
		return err
	}
	for c := lo; c <= hi; c++ {
		s[c-400] = true
	}
	return nil
}

func parseStatusSpec(spec string) (lo, hi int, err error) {
	bad := func() (int, int, error) {
		return 0, 0, fmt.Errorf("%q is not a code, class or range (like 404, 4xx or 500-599)", spec)
	}
	switch {
	case len(spec) == 3 && (spec[1] == 'x' || spec[1] == 'X') && (spec[2] == 'x' || spec[2] == 'X'):
		c := int(spec[0] - '0')
		if c < 0 || c > 9 {
			return bad()
		}
		lo, hi = c*100, c*100+99
	case strings.Contains(spec, "-"):
		a, b, _ := strings.Cut(spec, "-")
		var e1, e2 error
		lo, e1 = strconv.Atoi(a)
		hi, e2 = strconv.Atoi(b)
		if e1 != nil || e2 != nil || len(a) != 3 || len(b) != 3 {
			return bad()
		}
		if lo > hi {
			return 0, 0, fmt.Errorf("%q: range start is after its end", spec)
		}
	default:
		c, e := strconv.Atoi(spec)
		if e != nil || len(spec) != 3 {
			return bad()
		}
		lo, hi = c, c
	}
	if lo < 400 || hi > 599 {
		return 0, 0, fmt.Errorf("%q: only 4xx and 5xx statuses can be rewritten", spec)
	}
	return lo, hi, nil
}
