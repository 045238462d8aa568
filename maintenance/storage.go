package maintenance

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/certmagic"
	"go.uber.org/zap"
)

// Storage is the storage a switch's shared state lives in: Caddy's
// configured storage. Tests replace it.
var Storage = func(ctx caddy.Context) certmagic.Storage { return ctx.Storage() }

// startPolling reads the shared state once as m is provisioned (keeping
// what this instance knew when that fails) and then every poll_interval
// until m's config ends.
func (m *Maintenance) startPolling(ctx caddy.Context) {
	lctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	err := m.sw.Load(lctx)
	cancel()
	if err != nil {
		// Keep what this instance knew; the poller tries again.
		m.sw.restamp(m)
		m.logger.Warn("maintenance: reading the shared state failed", zap.String("name", m.Name), zap.String("storage_key", m.StorageKey), zap.Error(err))
	}
	interval := DefaultPoll
	if m.PollInterval > 0 {
		interval = time.Duration(m.PollInterval)
	}
	go m.sw.poll(ctx, interval, m.logger)
}

// storageChangedLocked forgets the stored bytes when the newest config
// reads another key than before did.
func (sw *Switch) storageChangedLocked(before *Maintenance) {
	oldKey := ""
	if before != nil && before.storage != nil {
		oldKey = before.StorageKey
	}
	if _, key := sw.storageLocked(); key != oldKey {
		sw.stored = nil
	}
}

// restamp makes a state read from storage apply to m too, when storage
// could not be read as m was provisioned: the fleet's last known state
// holds across a reload.
func (sw *Switch) restamp(m *Maintenance) {
	sw.mu.Lock()
	defer sw.mu.Unlock()
	if o := sw.override.Load(); o != nil && sw.source == "storage" && o.seq < m.seq {
		cp := *o
		sw.setLocked(&cp, sw.stored, sw.source)
	}
}

// Load reads the shared state from storage: absent means the config
// decides. An unreadable or malformed state changes nothing.
func (sw *Switch) Load(ctx context.Context) error {
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
	var s State
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("%s: malformed state: %w", key, err)
	}
	if err := s.Check(); err != nil {
		return fmt.Errorf("%s: %w", key, err)
	}
	sw.setLocked(&s, b, "storage")
	return nil
}

// poll reads the shared state every interval until ctx (the config) ends.
func (sw *Switch) poll(ctx context.Context, interval time.Duration, logger *zap.Logger) {
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
		err := sw.Load(lctx)
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

// Store sets the state of the switch at run time: in storage first when
// the switch has one (so that a failed write changes nothing), then here.
// nil goes back to the config. s must have been checked (State.Check).
func (sw *Switch) Store(ctx context.Context, s *State) error {
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
