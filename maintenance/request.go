package maintenance

import (
	"crypto/subtle"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
)

// Answer is what a maintenance answer says: the switch's name, when the
// maintenance ends (zero for unknown), the seconds to wait (Retry-After)
// and the message ("" for the built-in one).
type Answer struct {
	Name    string
	Until   time.Time
	Wait    int
	Message string
}

// Check reports whether maintenance answers r — it is on and r may not
// pass — and what the answer says; it counts the answer in
// caddy_error_pages_maintenance_total. While maintenance is off it costs
// one atomic load and no allocation.
func (m *Maintenance) Check(r *http.Request) (Answer, bool) {
	st := m.current()
	if !st.on || m.exempt(r) {
		return Answer{}, false
	}
	if m.counter != nil {
		m.counter.Inc()
	}
	return st.answer(m.Name, time.Now()), true
}

// Page is the answer m gives while it is on, for previews: Compile (or
// Provision) must have run.
func (m *Maintenance) Page() Answer {
	return view{on: true, until: m.until, retryAfter: m.retryAfter, message: m.Message}.answer(m.Name, time.Now())
}

// view is the state one request sees.
type view struct {
	on         bool
	until      time.Time
	retryAfter int
	message    string
}

// answer is v's answer at now: the wait is the time left until the end,
// else retry_after.
func (v view) answer(name string, now time.Time) Answer {
	wait := v.retryAfter
	if !v.until.IsZero() {
		if d := v.until.Sub(now); d > 0 {
			wait = RetrySeconds(d)
		}
	}
	return Answer{Name: name, Until: v.until, Wait: wait, Message: v.message}
}

// current merges the run-time override, if any, over the config.
func (m *Maintenance) current() view {
	v := view{on: m.Enabled, until: m.until, retryAfter: m.retryAfter, message: m.Message}
	if m.sw == nil {
		return v
	}
	if o := m.sw.override.Load(); o != nil && o.seq >= m.seq {
		v.on, v.until = o.Enabled, o.until
		if o.RetryAfter > 0 {
			v.retryAfter = o.RetryAfter
		}
		if o.Message != "" {
			v.message = o.Message
		}
	}
	return v
}

// exempt reports whether r passes while maintenance is on: its client IP
// is allowed, or it carries the bypass header.
func (m *Maintenance) exempt(r *http.Request) bool {
	if m.bypassName != "" {
		for _, v := range r.Header[m.bypassName] {
			if subtle.ConstantTimeCompare([]byte(v), m.bypassVal) == 1 {
				return true
			}
		}
	}
	if len(m.allow) == 0 {
		return false
	}
	// Before the TLS handshake completes (0-RTT early data) the address
	// is not verified: don't let it pass.
	if r.TLS != nil && !r.TLS.HandshakeComplete {
		return false
	}
	ip, ok := clientIP(r)
	if !ok {
		return false
	}
	for _, p := range m.allow {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// clientIP is the client address as Caddy determined it (trusted proxies
// applied), else the connection's.
func clientIP(r *http.Request) (netip.Addr, bool) {
	addr, _ := caddyhttp.GetVar(r.Context(), caddyhttp.ClientIPVarKey).(string)
	if addr == "" {
		addr = r.RemoteAddr
	}
	if host, _, err := net.SplitHostPort(addr); err == nil {
		addr = host
	}
	if i := strings.IndexByte(addr, '%'); i >= 0 {
		addr = addr[:i]
	}
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		return netip.Addr{}, false
	}
	return ip.Unmap(), true
}
