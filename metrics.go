package caddyerrorpages

import (
	"errors"
	"strconv"
	"sync"

	"github.com/errorpages/caddy-errorpages/errorpages"

	"github.com/prometheus/client_golang/prometheus"
)

type metrics struct {
	rewrites  *prometheus.CounterVec
	truncated prometheus.Counter
	// children caches rewrites' counters by code, format and source, so
	// that counting costs no label hashing or allocation.
	children sync.Map // uint32 → prometheus.Counter
}

func (m *metrics) rewrite(code int, f errorpages.Format, source string) prometheus.Counter {
	key := uint32(code)<<8 | uint32(f)<<1
	if source == sourceLocal {
		key |= 1
	}
	if c, ok := m.children.Load(key); ok {
		return c.(prometheus.Counter)
	}
	c := m.rewrites.WithLabelValues(strconv.Itoa(code), f.String(), source)
	m.children.Store(key, c)
	return c
}

// newMetrics registers the module's counters in Caddy's registry. Caddy
// makes a new registry per config load; within one load several sites may
// use the directive, so an already registered collector is reused.
func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	rewrites := prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "caddy",
		Subsystem: "error_pages",
		Name:      "rewrites_total",
		Help:      "Error responses rewritten by error_pages, by status code, format and source (upstream or local).",
	}, []string{"code", "format", "source"})
	truncated := prometheus.NewCounter(prometheus.CounterOpts{
		Namespace: "caddy",
		Subsystem: "error_pages",
		Name:      "truncated_total",
		Help:      "Upstream error bodies cut at max_body.",
	})
	m := &metrics{}
	var err error
	if m.rewrites, err = register(reg, rewrites); err != nil {
		return nil, err
	}
	if m.truncated, err = register(reg, truncated); err != nil {
		return nil, err
	}
	return m, nil
}

func register[C prometheus.Collector](reg prometheus.Registerer, c C) (C, error) {
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(C); ok {
				return existing, nil
			}
		}
		return c, err
	}
	return c, nil
}
