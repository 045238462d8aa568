package caddyerrorpages

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"net"
	"net/http"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"github.com/caddyserver/certmagic"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/errorpages/caddy-errorpages/errorpages"
)

// Maintenance defaults.
const (
	DefaultMaintenanceName  = "default"
	DefaultMaintenanceRetry = 60 * time.Second
	DefaultMaintenancePoll  = 5 * time.Second
	// maxMaintenanceMessage bounds a maintenance message, from the config
	// or the admin API.
	maxMaintenanceMessage = 1000
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
	tr         errorpages.Translator
	sw         *maintSwitch
	counter    prometheus.Counter
	storage    certmagic.Storage
	logger     *zap.Logger
}

// compile checks the configuration and computes its run-time form. It
// needs no Caddy context, so the Caddyfile parser and the error-pages
// command share it.
func (m *Maintenance) compile() error {
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
	m.retryAfter = int(DefaultMaintenanceRetry / time.Second)
	if m.RetryAfter != 0 {
		m.retryAfter = retrySeconds(time.Duration(m.RetryAfter))
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
		if !validHeaderName(m.BypassHeader) {
			return fmt.Errorf("bypass_header: %q is not a header name", m.BypassHeader)
		}
		m.bypassName = http.CanonicalHeaderKey(m.BypassHeader)
		m.bypassVal = []byte(m.BypassValue)
	}
	if err := checkMaintenanceMessage(m.Message); err != nil {
		return err
	}
	if m.Name == "" {
		m.Name = DefaultMaintenanceName
	}
	if !validSwitchName(m.Name) {
		return fmt.Errorf("name: %q must be 1–64 characters of letters, digits, '.', '_' and '-'", m.Name)
	}
	if strings.TrimSpace(m.StorageKey) != m.StorageKey || strings.ContainsAny(m.StorageKey, "\r\n") {
		return fmt.Errorf("storage_key: %q must be one line without surrounding spaces", m.StorageKey)
	}
	if m.PollInterval < 0 || m.PollInterval != 0 && time.Duration(m.PollInterval) < 100*time.Millisecond {
		return fmt.Errorf("poll_interval: must be at least 100ms")
	}
	// The page is English today; the translator is what a negotiated
	// language will replace.
	m.tr = errorpages.Builtin().Translator(errorpages.SourceLanguage)
	return nil
}

// retrySeconds rounds d up to whole seconds, at least 1.
func retrySeconds(d time.Duration) int {
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

func checkMaintenanceMessage(msg string) error {
	if len(msg) > maxMaintenanceMessage {
		return fmt.Errorf("message: longer than %d bytes", maxMaintenanceMessage)
	}
	if strings.TrimSpace(msg) == "" && msg != "" {
		return fmt.Errorf("message: is empty")
	}
	return nil
}

func validSwitchName(s string) bool {
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

// provisionMaintenance sets maintenance mode up for a config load: the
// switch named by the config (its run-time override cleared, or read from
// storage), the storage poller and the metric. A nil Maintenance costs
// nothing.
func (h *Handler) provisionMaintenance(ctx caddy.Context) error {
	m := h.Maintenance
	if m == nil {
		return nil
	}
	if err := m.compile(); err != nil {
		return fmt.Errorf("maintenance: %w", err)
	}
	if m.BypassValue != "" {
		m.bypassVal = []byte(caddy.NewReplacer().ReplaceAll(m.BypassValue, ""))
		if len(m.bypassVal) == 0 {
			return fmt.Errorf("maintenance: bypass_header of the error_pages %s: the value %q is empty once its placeholders are filled%s", handlerPlace(ctx), m.BypassValue, unsetEnv(m.BypassValue))
		}
	}
	m.logger = h.logger
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
		if m.storage = maintenanceStorage(ctx); m.storage == nil {
			return fmt.Errorf("maintenance: storage_key: no storage is configured")
		}
	}
	// The new config is the truth again: an override from the admin API
	// set before this load does not apply to it (it lasts until the next
	// load), while the running config keeps it until it is replaced — a
	// load that fails changes nothing.
	m.sw = acquireSwitch(m)
	if m.StorageKey == "" {
		return nil
	}
	lctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	err = m.sw.load(lctx)
	cancel()
	if err != nil {
		// Keep what this instance knew; the poller tries again.
		m.sw.restamp(m)
		m.logger.Warn("maintenance: reading the shared state failed", zap.String("name", m.Name), zap.String("storage_key", m.StorageKey), zap.Error(err))
	}
	interval := DefaultMaintenancePoll
	if m.PollInterval > 0 {
		interval = time.Duration(m.PollInterval)
	}
	go m.sw.poll(ctx, interval, m.logger)
	return nil
}

// Cleanup releases the maintenance switch when the config is unloaded.
func (h *Handler) Cleanup() error {
	if m := h.Maintenance; m != nil && m.sw != nil {
		releaseSwitch(m.sw, m)
		m.sw = nil
	}
	h.cleanupCatalogue() // catalogue:
	return nil
}

// maintenance answers r with the maintenance page when maintenance is on
// and r may not pass; done reports whether it did.
func (h *Handler) maintenance(w http.ResponseWriter, r *http.Request) (done bool, err error) {
	m := h.Maintenance
	st := m.current()
	if !st.on || m.exempt(r) {
		return false, nil
	}
	return true, h.serveMaintenance(w, r, m, st)
}

// maintView is the state one request sees.
type maintView struct {
	on         bool
	until      time.Time
	retryAfter int
	message    string
}

// current merges the run-time override, if any, over the config.
func (m *Maintenance) current() maintView {
	v := maintView{on: m.Enabled, until: m.until, retryAfter: m.retryAfter, message: m.Message}
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

// serveMaintenance writes the 503 maintenance answer of m in state st in
// the negotiated format, with Retry-After.
func (h *Handler) serveMaintenance(w http.ResponseWriter, r *http.Request, m *Maintenance, st maintView) error {
	wait := st.retryAfter
	if !st.until.IsZero() {
		if d := time.Until(st.until); d > 0 {
			wait = retrySeconds(d)
		}
	}
	f := h.negotiator.Negotiate(r.Header.Get("Accept"))
	tr, vary := h.translator(r, f)
	e := errorpages.NewMaintenanceError(tr, st.message, st.until, wait)
	rid := h.prepare(r, e)
	w.Header()["Retry-After"] = []string{strconv.Itoa(wait)}
	ew := h.getWriter(w)
	defer putWriter(ew)
	err := h.write(w, r, e, f, ew, false, tr, vary)
	if m.counter != nil {
		m.counter.Inc()
	}
	if c := h.logger.Check(zapcore.DebugLevel, "answered in maintenance"); c != nil {
		c.Write(zap.String("name", m.Name), zap.String("format", f.String()), zap.String("request_id", rid), zap.Int("retry_after", wait))
	}
	return err
}

// maintState is a run-time state of a switch: set through the admin API,
// or read from storage. It is also the stored JSON.
type maintState struct {
	Enabled bool `json:"enabled"`
	// Until is an RFC 3339 time, "" for none.
	Until string `json:"until,omitempty"`
	// RetryAfter in seconds; 0 keeps the config's.
	RetryAfter int `json:"retry_after,omitempty"`
	// Message replaces the config's; "" keeps it.
	Message string `json:"message,omitempty"`
	// Updated is when the state was set, for operators.
	Updated time.Time `json:"updated"`

	until time.Time
	// seq is the switch's seq when the state was set: handlers
	// provisioned later (a new config) don't follow it.
	seq uint64
}

// check validates s and computes until.
func (s *maintState) check() error {
	s.until = time.Time{}
	if s.Until != "" {
		t, err := time.Parse(time.RFC3339, s.Until)
		if err != nil {
			return fmt.Errorf("until: %q is not an RFC 3339 time like 2026-03-01T14:00:00Z", s.Until)
		}
		s.until = t
	}
	if s.RetryAfter < 0 {
		return fmt.Errorf("retry_after: must not be negative")
	}
	return checkMaintenanceMessage(s.Message)
}

// maintSwitch is the run-time state shared by the handlers of one name,
// across config loads.
type maintSwitch struct {
	name     string
	override atomic.Pointer[maintState] // nil: the config decides

	mu     sync.Mutex     // guards the rest
	live   []*Maintenance // the provisioned handlers' configs, in provisioning order
	seq    uint64         // the last seq given to a handler
	stored []byte         // the stored state last read or written
	source string         // where the override came from: "admin" or "storage"
	gen    uint64         // counts changes of the override
}

// maintenanceStorage is the storage a handler's shared state lives in:
// Caddy's configured storage (tests replace it).
var maintenanceStorage = func(ctx caddy.Context) certmagic.Storage { return ctx.Storage() }

var switches = struct {
	mu sync.Mutex
	m  map[string]*maintSwitch
}{m: map[string]*maintSwitch{}}

// acquireSwitch adds m to the handlers of its switch and gives it its seq.
func acquireSwitch(m *Maintenance) *maintSwitch {
	switches.mu.Lock()
	defer switches.mu.Unlock()
	sw := switches.m[m.Name]
	if sw == nil {
		sw = &maintSwitch{name: m.Name}
		switches.m[m.Name] = sw
	}
	sw.mu.Lock()
	defer sw.mu.Unlock()
	before := sw.latestLocked()
	sw.seq++
	m.seq = sw.seq
	sw.live = append(sw.live, m)
	sw.storageChangedLocked(before)
	return sw
}

// releaseSwitch removes m from the handlers of its switch; the switch goes
// with its last handler.
func releaseSwitch(sw *maintSwitch, m *Maintenance) {
	switches.mu.Lock()
	defer switches.mu.Unlock()
	sw.mu.Lock()
	defer sw.mu.Unlock()
	before := sw.latestLocked()
	sw.live = slices.DeleteFunc(sw.live, func(x *Maintenance) bool { return x == m })
	sw.storageChangedLocked(before)
	if len(sw.live) == 0 && switches.m[sw.name] == sw {
		delete(switches.m, sw.name)
	}
}

// latestLocked is the config of the handler provisioned last (the newest
// config), nil when none is left.
func (sw *maintSwitch) latestLocked() *Maintenance {
	if len(sw.live) == 0 {
		return nil
	}
	return sw.live[len(sw.live)-1]
}

// storageLocked is where the switch's state is stored: the newest
// config's storage and key; nil when it has none.
func (sw *maintSwitch) storageLocked() (certmagic.Storage, string) {
	if m := sw.latestLocked(); m != nil && m.storage != nil {
		return m.storage, m.StorageKey
	}
	return nil, ""
}

// storageChangedLocked forgets the stored bytes when the newest config
// reads another key than before did.
func (sw *maintSwitch) storageChangedLocked(before *Maintenance) {
	oldKey := ""
	if before != nil && before.storage != nil {
		oldKey = before.StorageKey
	}
	if _, key := sw.storageLocked(); key != oldKey {
		sw.stored = nil
	}
}

func lookupSwitch(name string) *maintSwitch {
	switches.mu.Lock()
	defer switches.mu.Unlock()
	return switches.m[name]
}

func switchNames() []*maintSwitch {
	switches.mu.Lock()
	defer switches.mu.Unlock()
	out := make([]*maintSwitch, 0, len(switches.m))
	for _, sw := range switches.m {
		out = append(out, sw)
	}
	return out
}

// setLocked replaces the override (nil: back to the config), remembering
// the stored bytes it came from and where from. The override applies to
// every handler provisioned so far. Every change counts a generation, so
// that a storage read begun before it is not applied after it.
func (sw *maintSwitch) setLocked(s *maintState, stored []byte, source string) {
	if s != nil {
		s.seq = sw.seq
	}
	sw.override.Store(s)
	sw.stored = stored
	sw.source = source
	sw.gen++
}

// restamp makes a state read from storage apply to m too, when storage
// could not be read as m was provisioned: the fleet's last known state
// holds across a reload.
func (sw *maintSwitch) restamp(m *Maintenance) {
	sw.mu.Lock()
	defer sw.mu.Unlock()
	if o := sw.override.Load(); o != nil && sw.source == "storage" && o.seq < m.seq {
		cp := *o
		sw.setLocked(&cp, sw.stored, sw.source)
	}
}

// load reads the shared state from storage: absent means the config
// decides. An unreadable or malformed state changes nothing.
func (sw *maintSwitch) load(ctx context.Context) error {
	sw.mu.Lock()
	st, key := sw.storageLocked()
	gen := sw.gen
	sw.mu.Unlock()
	if st == nil {
		return nil
	}
	b, err := st.Load(ctx, key)
	notExist := errors.Is(err, fs.ErrNotExist)
	if err != nil && !notExist {
		return err
	}
	sw.mu.Lock()
	defer sw.mu.Unlock()
	if _, k := sw.storageLocked(); sw.gen != gen || k != key {
		return nil // changed meanwhile (the admin API, a reload): the next read decides
	}
	if notExist {
		if sw.override.Load() != nil {
			sw.setLocked(nil, nil, "")
		}
		return nil
	}
	if o := sw.override.Load(); sw.stored != nil && bytes.Equal(b, sw.stored) && (o == nil || o.seq == sw.seq) {
		return nil
	}
	var s maintState
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("%s: malformed state: %w", key, err)
	}
	if err := s.check(); err != nil {
		return fmt.Errorf("%s: %w", key, err)
	}
	sw.setLocked(&s, b, "storage")
	return nil
}

// poll reads the shared state every interval until ctx (the config) ends.
func (sw *maintSwitch) poll(ctx context.Context, interval time.Duration, logger *zap.Logger) {
	t := time.NewTicker(interval)
	defer t.Stop()
	failing := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		lctx, cancel := context.WithTimeout(ctx, interval+5*time.Second)
		err := sw.load(lctx)
		cancel()
		switch {
		case err != nil && !failing && ctx.Err() == nil:
			logger.Warn("maintenance: reading the shared state failed; keeping the last one", zap.String("name", sw.name), zap.Error(err))
			failing = true
		case err == nil && failing:
			logger.Info("maintenance: reading the shared state works again", zap.String("name", sw.name))
			failing = false
		}
	}
}

// store sets the state of the switch at run time: in storage first when
// the switch has one (so that a failed write changes nothing), then here.
// nil goes back to the config.
func (sw *maintSwitch) store(ctx context.Context, s *maintState) error {
	sw.mu.Lock()
	defer sw.mu.Unlock()
	var b []byte
	if s != nil {
		var err error
		if b, err = json.Marshal(s); err != nil {
			return err
		}
	}
	if st, key := sw.storageLocked(); st != nil {
		var err error
		if s == nil {
			err = st.Delete(ctx, key)
			if errors.Is(err, fs.ErrNotExist) {
				err = nil
			}
		} else {
			err = st.Store(ctx, key, b)
		}
		if err != nil {
			return fmt.Errorf("storage key %s: %w", key, err)
		}
	}
	source := "admin"
	if s == nil {
		b, source = nil, ""
	}
	sw.setLocked(s, b, source)
	return nil
}

// maintStatus is what the admin API reports for a switch.
type maintStatus struct {
	Name       string    `json:"name"`
	Enabled    bool      `json:"enabled"`
	Until      string    `json:"until,omitempty"`
	RetryAfter int       `json:"retry_after"`
	Message    string    `json:"message,omitempty"`
	Source     string    `json:"source"`
	Updated    time.Time `json:"updated,omitzero"`
	StorageKey string    `json:"storage_key,omitempty"`
}

func (sw *maintSwitch) status() maintStatus {
	sw.mu.Lock()
	m, source := sw.latestLocked(), sw.source
	_, key := sw.storageLocked()
	sw.mu.Unlock()
	st := maintStatus{Name: sw.name, StorageKey: key, Source: "config"}
	if m != nil {
		v := m.current()
		st.Enabled, st.RetryAfter, st.Message = v.on, v.retryAfter, v.message
		if !v.until.IsZero() {
			st.Until = v.until.Format(time.RFC3339)
		}
	}
	if o := sw.override.Load(); o != nil && m != nil && o.seq >= m.seq {
		st.Source, st.Updated = source, o.Updated
	}
	return st
}

// parseMaintenance reads the maintenance block of error_pages. Syntax:
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
func parseMaintenance(d *caddyfile.Dispenser) (*Maintenance, error) {
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
				dur, e := parseSeconds(s)
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
	if err := check.compile(); err != nil {
		if line, ok := lines[subdirectiveOf(err.Error())]; ok {
			return nil, fmt.Errorf("maintenance: %w, at %s:%d", err, d.File(), line)
		}
		return nil, d.Errf("maintenance: %v", err)
	}
	return m, nil
}

// parseSeconds reads a duration: Caddy's (90s, 5m, 1d) or whole seconds.
func parseSeconds(s string) (time.Duration, error) {
	if n, err := strconv.Atoi(s); err == nil {
		return time.Duration(n) * time.Second, nil
	}
	return caddy.ParseDuration(s)
}

// Interface guards
var _ caddy.CleanerUpper = (*Handler)(nil)
