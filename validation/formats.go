package validation

import "strings"

// nativeFormats are the fast validator's checks of common string
// formats, answering exactly as jsonschema v6's own (which take an any,
// so every call boxes the string, and split it into a new slice) without
// allocating. Each says valid, or that it cannot decide (sure false):
// then the engine's check runs. TestNativeFormatsMatchTheEngine and
// FuzzNativeFormats hold them to the engine's answers.
var nativeFormats = map[string]func(string) (valid, sure bool){
	"uuid":     uuidFormat,
	"email":    emailFormat,
	"hostname": func(s string) (bool, bool) { return hostnameOK(s), true },
}

// uuidFormat: five groups of 8, 4, 4, 4 and 12 hex digits joined by '-'.
func uuidFormat(s string) (bool, bool) {
	if len(s) != 36 {
		return false, true
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if i == 8 || i == 13 || i == 18 || i == 23 {
			if c != '-' {
				return false, true
			}
			continue
		}
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false, true
		}
	}
	return true, true
}

// emailFormat follows jsonschema v6's validateEmail; a domain in
// brackets (an IP address) is left to it.
func emailFormat(s string) (bool, bool) {
	if len(s) > 254 {
		return false, true
	}
	at := strings.LastIndexByte(s, '@')
	if at == -1 {
		return false, true
	}
	local, domain := s[:at], s[at+1:]
	if len(local) > 64 {
		return false, true
	}
	if len(local) > 1 && local[0] == '"' && local[len(local)-1] == '"' {
		if strings.ContainsAny(local[1:len(local)-1], `\"`) {
			return false, true
		}
	} else {
		if strings.HasPrefix(local, ".") || strings.HasSuffix(local, ".") || strings.Contains(local, "..") {
			return false, true
		}
		for i := 0; i < len(local); i++ {
			c := local[i]
			if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte(".!#$%&'*+-/=?^_`{|}~", c) >= 0) {
				return false, true
			}
		}
	}
	if strings.HasPrefix(domain, "[") && strings.HasSuffix(domain, "]") {
		return false, false
	}
	return hostnameOK(domain), true
}

// hostnameOK follows jsonschema v6's validateHostname: at most 253
// characters (a trailing dot aside), labels of 1 to 63 letters, digits
// and hyphens, no hyphen first or last.
func hostnameOK(s string) bool {
	s = strings.TrimSuffix(s, ".")
	if len(s) > 253 {
		return false
	}
	for {
		label, rest, more := strings.Cut(s, ".")
		if len(label) < 1 || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-') {
				return false
			}
		}
		if !more {
			return true
		}
		s = rest
	}
}
