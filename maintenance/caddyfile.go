package maintenance

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
)

// Parse reads the maintenance block of error_pages. Syntax:
//
//	maintenance [on|off] {
//		until         <RFC 3339 time>
//		retry_after   <duration>
//		allow         <CIDR|IP|private_ranges>...
//		bypass_header <name> <value>
//		message       <text>
//		name          <switch name>
//		storage_key   <key>
//		poll_interval <duration>
//	}
//
// Without on, maintenance is configured but off until it is switched on at
// run time.
func Parse(d *caddyfile.Dispenser) (*Maintenance, error) {
	m := &Maintenance{}
	args := d.RemainingArgs()
	switch {
	case len(args) == 0:
	case len(args) == 1 && args[0] == "on":
		m.Enabled = true
	case len(args) == 1 && args[0] == "off":
	default:
		return nil, d.Errf("maintenance: takes on or off, then a block; got %q", strings.Join(args, " "))
	}
	// lines: where each option starts, so that what the final check
	// finds is reported there, not at the block's closing brace.
	lines := map[string]int{}
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		key := d.Val()
		if _, seen := lines[key]; seen && key != "allow" {
			return nil, d.Errf("maintenance: %s is specified more than once", key)
		}
		if _, seen := lines[key]; !seen {
			lines[key] = d.Line()
		}
		args := d.RemainingArgs()
		one := func() (string, error) {
			if len(args) != 1 {
				return "", d.Errf("maintenance %s: needs exactly one argument, got %d", key, len(args))
			}
			return args[0], nil
		}
		var err error
		switch key {
		case "until":
			m.Until, err = one()
		case "retry_after", "poll_interval":
			var s string
			if s, err = one(); err == nil {
				dur, e := ParseSeconds(s)
				if e != nil || dur <= 0 {
					return nil, d.Errf("maintenance %s: %q is not a positive duration (like 90s, 5m, or seconds)", key, s)
				}
				if key == "retry_after" {
					m.RetryAfter = caddy.Duration(dur)
				} else {
					m.PollInterval = caddy.Duration(dur)
				}
			}
		case "allow":
			if len(args) == 0 {
				return nil, d.Errf("maintenance allow: needs at least one CIDR range, address or private_ranges")
			}
			m.Allow = append(m.Allow, args...)
		case "bypass_header":
			if len(args) != 2 {
				return nil, d.Errf("maintenance bypass_header: needs a header name and a value")
			}
			m.BypassHeader, m.BypassValue = args[0], args[1]
		case "message":
			if len(args) == 0 {
				return nil, d.Errf("maintenance message: needs a text")
			}
			m.Message = strings.Join(args, " ")
		case "name":
			m.Name, err = one()
		case "storage_key":
			m.StorageKey, err = one()
		default:
			return nil, d.Errf("maintenance: unknown option %q (want until, retry_after, allow, bypass_header, message, name, storage_key or poll_interval)", key)
		}
		if err != nil {
			return nil, err
		}
	}
	check := *m
	if err := check.Compile(); err != nil {
		if line, ok := lines[optionOf(err.Error())]; ok {
			return nil, fmt.Errorf("maintenance: %w, at %s:%d", err, d.File(), line)
		}
		return nil, d.Errf("maintenance: %v", err)
	}
	return m, nil
}

// ParseSeconds reads a duration: Caddy's (90s, 5m, 1d) or whole seconds.
func ParseSeconds(s string) (time.Duration, error) {
	if n, err := strconv.Atoi(s); err == nil {
		return time.Duration(n) * time.Second, nil
	}
	return caddy.ParseDuration(s)
}

// optionOf is the option an error message of Compile starts with
// ("retry_after: …" → retry_after).
func optionOf(msg string) string {
	end := strings.IndexFunc(msg, func(c rune) bool { return !(c >= 'a' && c <= 'z' || c == '_') })
	if end < 0 {
		return msg
	}
	return msg[:end]
}
