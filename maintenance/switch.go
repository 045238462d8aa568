package maintenance

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/certmagic"
)

// switches holds the run-time switches by name across config loads: each
// handler that follows a name holds one reference, so a switch lives from
// the first handler provisioned with its name to the last one cleaned up
// (a reload provisions the new config before it cleans up the old one).
var switches = caddy.NewUsagePool()

// Switch is the run-time state shared by the handlers of one name, across
// config loads: the override set by the admin API or read from storage.
type Switch struct {
	name     string
	override atomic.Pointer[State] // nil: the config decides

	mu     sync.Mutex     // guards the rest
	live   []*Maintenance // the provisioned handlers' configs, in provisioning order
	seq    uint64         // the last seq given to a handler
	stored []byte         // the stored state last read or written
	source string         // where the override came from: "admin" or "storage"
	gen    uint64         // counts changes of the override
}

// Destruct is called by the pool when the last handler of the switch is
// cleaned up; the pollers end with their configs.
func (*Switch) Destruct() error { return nil }

// Name is the switch's name.
func (sw *Switch) Name() string { return sw.name }

// acquire adds m to the handlers of its switch and gives it its seq.
func acquire(m *Maintenance) (*Switch, error) {
	v, _, err := switches.LoadOrNew(m.Name, func() (caddy.Destructor, error) {
		return &Switch{name: m.Name}, nil
	})
	if err != nil {
		return nil, err
	}
	sw := v.(*Switch)
	sw.mu.Lock()
	defer sw.mu.Unlock()
	before := sw.latestLocked()
	sw.seq++
	m.seq = sw.seq
	sw.live = append(sw.live, m)
	sw.storageChangedLocked(before)
	return sw, nil
}

// release removes m from the handlers of its switch; the pool drops the
// switch with its last handler.
func release(sw *Switch, m *Maintenance) {
	sw.mu.Lock()
	before := sw.latestLocked()
	sw.live = slices.DeleteFunc(sw.live, func(x *Maintenance) bool { return x == m })
	sw.storageChangedLocked(before)
	sw.mu.Unlock()
	_, _ = switches.Delete(sw.name)
}

// Lookup is the switch of name in the running configs, nil for none.
func Lookup(name string) *Switch {
	var found *Switch
	switches.Range(func(k, v any) bool {
		if k == name {
			found = v.(*Switch)
			return false
		}
		return true
	})
	return found
}

// All is every switch of the running configs, by name.
func All() []*Switch {
	var out []*Switch
	switches.Range(func(_, v any) bool {
		out = append(out, v.(*Switch))
		return true
	})
	slices.SortFunc(out, func(a, b *Switch) int { return strings.Compare(a.name, b.name) })
	return out
}

// latestLocked is the config of the handler provisioned last (the newest
// config), nil when none is left.
func (sw *Switch) latestLocked() *Maintenance {
	if len(sw.live) == 0 {
		return nil
	}
	return sw.live[len(sw.live)-1]
}

// setLocked replaces the override (nil: back to the config), remembering
// the stored bytes it came from and where from. The override applies to
// every handler provisioned so far. Every change counts a generation, so
// that a storage read begun before it is not applied after it.
func (sw *Switch) setLocked(s *State, stored []byte, source string) {
	if s != nil {
		s.seq = sw.seq
	}
	sw.override.Store(s)
	sw.stored = stored
	sw.source = source
	sw.gen++
}

// State is a run-time state of a switch: set through the admin API, or
// read from storage. It is also the stored JSON.
type State struct {
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

// Check validates s and computes its end time.
func (s *State) Check() error {
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
	return checkMessage(s.Message)
}

// Status is what the admin API reports for a switch.
type Status struct {
	Name       string    `json:"name"`
	Enabled    bool      `json:"enabled"`
	Until      string    `json:"until,omitempty"`
	RetryAfter int       `json:"retry_after"`
	Message    string    `json:"message,omitempty"`
	Source     string    `json:"source"`
	Updated    time.Time `json:"updated,omitzero"`
	StorageKey string    `json:"storage_key,omitempty"`
}

// Status is the switch's state as the newest config sees it.
func (sw *Switch) Status() Status {
	sw.mu.Lock()
	m, source := sw.latestLocked(), sw.source
	_, key := sw.storageLocked()
	sw.mu.Unlock()
	st := Status{Name: sw.name, StorageKey: key, Source: "config"}
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

// storageLocked is where the switch's state is stored: the newest
// config's storage and key; nil when it has none.
func (sw *Switch) storageLocked() (certmagic.Storage, string) {
	if m := sw.latestLocked(); m != nil && m.storage != nil {
		return m.storage, m.StorageKey
	}
	return nil, ""
}
