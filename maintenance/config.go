// Package maintenance is error_pages' maintenance mode: its config (the
// `maintenance` block), the run-time switch that Caddy's admin API flips
// and that outlives config loads, the state shared through Caddy's
// storage, and the admin API module (admin.api.error_pages).
//
// error_pages asks it one question per request, Check: is maintenance on
// for this request, and what does the answer say. Rendering that answer
// in the negotiated format is error_pages' job.
package maintenance

import (
	"fmt"
	"math"
	"net/http"
	"net/netip"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"github.com/caddyserver/certmagic"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
	"golang.org/x/net/http/httpguts"
)

// Defaults.
const (
	DefaultName  = "default"
	DefaultRetry = 60 * time.Second
	DefaultPoll  = 5 * time.Second
	// maxMessage bounds a maintenance message, from the config or the
	// admin API.
	maxMessage = 1000
)

// Maintenance is maintenance mode: while it is on, every request under the
// directive — except those from `allow` ranges or with the `bypass_header` —
// is answered 503 with Retry-After and a maintenance page in the
// negotiated format, and never reaches the handlers after error_pages.
//
// It is switched by this config, and at run time through Caddy's admin
// API (POST /error_pages/maintenance/<name>) or, when `storage_key` is
// set, through the state kept in Caddy's storage, shared by every
// instance that uses it. A run-time switch lasts until the next config
// load; with `storage_key` the stored state outlives loads and restarts.
type Maintenance struct {
	// `enabled` turns maintenance mode on when the config loads. The
	// admin API can switch it at run time until the next load; with
	// `storage_key`, a state stored by a run-time switch outlives loads
	// and restarts. Default: false.
	Enabled bool `json:"enabled,omitempty"`

	// `until` is when the maintenance is expected to end, an RFC 3339
	// time (2026-03-01T14:00:00+01:00). It is shown on the page, sets
	// Retry-After (instead of `retry_after`), and the HTML page reloads
	// itself once it has passed. Maintenance does not end by itself: it
	// is on until it is switched off. Default: none.
	Until string `json:"until,omitempty"`

	// `retry_after` is the Retry-After sent, and the time after which the
	// HTML page reloads itself, when `until` is not given or has passed.
	// Default: 60s.
	RetryAfter caddy.Duration `json:"retry_after,omitempty"`

	// `allow` lists client IP ranges (CIDR, a single address, or
	// private_ranges) that pass while maintenance is on. The client IP is
	// Caddy's: the connection's address, or the one the trusted proxies
	// forwarded when the server has `trusted_proxies` (like the client_ip
	// matcher, unlike remote_ip). Default: none.
	Allow []string `json:"allow,omitempty"`

	// `bypass_header` is a request header that lets a request pass while
	// maintenance is on when its value is `bypass_value`; the two are set
	// together. Default: none.
	BypassHeader string `json:"bypass_header,omitempty"`

	// `bypass_value` is the value `bypass_header` must have; placeholders
	// such as {env.MAINTENANCE_TOKEN} are filled when the config loads.
	// Default: none.
	BypassValue string `json:"bypass_value,omitempty"`

	// `message` replaces the built-in explanation on the page, in every
	// language; the admin API can set another one at run time. Default:
	// the built-in one, in the page's language.
	Message string `json:"message,omitempty"`

	// `name` is the switch this handler follows: handlers with the same
	// name are switched together by the admin API
	// (POST /error_pages/maintenance/<name>). Default: default.
	Name string `json:"name,omitempty"`

	// `storage_key`, when set, keeps the run-time state under this key in
	// Caddy's configured storage (file system by default, or the Redis,
	// Consul or S3 storage modules) so that every instance sharing that
	// storage switches together; it is read every `poll_interval`.
	// Default: none (this instance only).
	StorageKey string `json:"storage_key,omitempty"`

	// `poll_interval` is how often the state under `storage_key` is read
	// from storage (one Load); at least 100ms. Default: 5s.
	PollInterval caddy.Duration `json:"poll_interval,omitempty"`

	until      time.Time
	retryAfter int    // seconds
	seq        uint64 // the order of provisioning among its switch's handlers
	allow      []netip.Prefix
	bypassName string
	bypassVal  []byte
	sw         *Switch
	counter    prometheus.Counter
	storage    certmagic.Storage
	logger     *zap.Logger
}

// Compile checks the configuration and computes its run-time form without
// a Caddy context (no switch, storage or metric): the Caddyfile parser and
// the error-pages command use it.
func (m *Maintenance) Compile() error {
	if m.Until != "" {
		t, err := time.Parse(time.RFC3339, m.Until)
		if err != nil {
			return fmt.Errorf("until: %q is not an RFC 3339 time like 2026-03-01T14:00:00Z", m.Until)
		}
		m.until = t
	} else {
		m.until = time.Time{}
	}
	if m.RetryAfter < 0 {
		return fmt.Errorf("retry_after: must not be negative")
	}
	m.retryAfter = int(DefaultRetry / time.Second)
	if m.RetryAfter != 0 {
		m.retryAfter = RetrySeconds(time.Duration(m.RetryAfter))
	}
	m.allow = m.allow[:0]
	for _, a := range m.Allow {
		p, err := parseAllow(a)
		if err != nil {
			return err
		}
		m.allow = append(m.allow, p...)
	}
	if (m.BypassHeader == "") != (m.BypassValue == "") {
		return fmt.Errorf("bypass_header: needs a header name and a value")
	}
	if m.BypassHeader != "" {
		if !httpguts.ValidHeaderFieldName(m.BypassHeader) {
			return fmt.Errorf("bypass_header: %q is not a header name", m.BypassHeader)
		}
		m.bypassName = http.CanonicalHeaderKey(m.BypassHeader)
		m.bypassVal = []byte(m.BypassValue)
	}
	if err := checkMessage(m.Message); err != nil {
		return err
	}
	if m.Name == "" {
		m.Name = DefaultName
	}
	if !ValidName(m.Name) {
		return fmt.Errorf("name: %q must be 1–64 characters of letters, digits, '.', '_' and '-'", m.Name)
	}
	if strings.TrimSpace(m.StorageKey) != m.StorageKey || strings.ContainsAny(m.StorageKey, "\r\n") {
		return fmt.Errorf("storage_key: %q must be one line without surrounding spaces", m.StorageKey)
	}
	if m.PollInterval < 0 || m.PollInterval != 0 && time.Duration(m.PollInterval) < 100*time.Millisecond {
		return fmt.Errorf("poll_interval: must be at least 100ms")
	}
	return nil
}

// Provision sets maintenance mode up for a config load: the switch named
// by the config (its run-time override cleared, or read from storage),
// the storage poller and the metric. place names where the handler sits
// in the config, for errors. Cleanup undoes it.
func (m *Maintenance) Provision(ctx caddy.Context, logger *zap.Logger, place func() string) error {
	if err := m.Compile(); err != nil {
		return fmt.Errorf("maintenance: %w", err)
	}
	if m.BypassValue != "" {
		m.bypassVal = []byte(caddy.NewReplacer().ReplaceAll(m.BypassValue, ""))
		if len(m.bypassVal) == 0 {
			return fmt.Errorf("maintenance: bypass_header of the error_pages %s: the value %q is empty once its placeholders are filled%s", place(), m.BypassValue, unsetEnv(m.BypassValue))
		}
	}
	m.logger = logger
	c, err := register(ctx.GetMetricsRegistry(), prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "caddy",
		Subsystem: "error_pages",
		Name:      "maintenance_total",
		Help:      "Requests answered with the maintenance page, by switch name.",
	}, []string{"name"}))
	if err != nil {
		return fmt.Errorf("maintenance: metrics: %w", err)
	}
	m.counter = c.WithLabelValues(m.Name)
	if m.StorageKey != "" {
		if m.storage = Storage(ctx); m.storage == nil {
			return fmt.Errorf("maintenance: storage_key: no storage is configured")
		}
	}
	// The new config is the truth again: an override from the admin API
	// set before this load does not apply to it (it lasts until the next
	// load), while the running config keeps it until it is replaced — a
	// load that fails changes nothing.
	if m.sw, err = acquire(m); err != nil {
		return fmt.Errorf("maintenance: %w", err)
	}
	if m.StorageKey != "" {
		m.startPolling(ctx)
	}
	return nil
}

// Cleanup releases the switch when the config is unloaded.
func (m *Maintenance) Cleanup() error {
	if m.sw != nil {
		release(m.sw, m)
		m.sw = nil
	}
	return nil
}

// Switch is the run-time switch m follows; nil before Provision.
func (m *Maintenance) Switch() *Switch { return m.sw }

// RetrySeconds rounds d up to whole seconds, at least 1.
func RetrySeconds(d time.Duration) int {
	s := math.Ceil(d.Seconds())
	if s < 1 {
		return 1
	}
	if s > math.MaxInt32 {
		return math.MaxInt32
	}
	return int(s)
}

// parseAllow reads one allow entry: a CIDR range, a single address, or
// private_ranges.
func parseAllow(a string) ([]netip.Prefix, error) {
	if a == "private_ranges" {
		var out []netip.Prefix
		for _, r := range caddyhttp.PrivateRangesCIDR() {
			p, err := parseAllow(r)
			if err != nil {
				return nil, err
			}
			out = append(out, p...)
		}
		return out, nil
	}
	if strings.Contains(a, "/") {
		p, err := netip.ParsePrefix(a)
		if err != nil {
			return nil, fmt.Errorf("allow: %q is not a CIDR range: %v", a, err)
		}
		return []netip.Prefix{p.Masked()}, nil
	}
	ip, err := netip.ParseAddr(a)
	if err != nil {
		return nil, fmt.Errorf("allow: %q is not an IP address, a CIDR range or private_ranges", a)
	}
	return []netip.Prefix{netip.PrefixFrom(ip, ip.BitLen())}, nil
}

func checkMessage(msg string) error {
	if len(msg) > maxMessage {
		return fmt.Errorf("message: longer than %d bytes", maxMessage)
	}
	if strings.TrimSpace(msg) == "" && msg != "" {
		return fmt.Errorf("message: is empty")
	}
	return nil
}

// ValidName reports whether s can name a switch: 1–64 characters of
// letters, digits, '.', '_' and '-'.
func ValidName(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

var placeholderRE = regexp.MustCompile(`\{[^{}]*\}`)

// unsetEnv names the {env.*} placeholders of v that are unset or empty in
// Caddy's environment, as "; MAINTENANCE_TOKEN is not set in the
// environment of caddy", or "".
func unsetEnv(v string) string {
	var unset []string
	for _, m := range placeholderRE.FindAllString(v, -1) {
		if name, ok := strings.CutPrefix(m[1:len(m)-1], "env."); ok && os.Getenv(name) == "" {
			unset = append(unset, name)
		}
	}
	if len(unset) == 0 {
		return ""
	}
	return "; " + strings.Join(unset, ", ") + " is not set in the environment of caddy"
}
