package caddyerrorpages

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

type metrics struct {
	rewrites  *prometheus.CounterVec
	truncated prometheus.Counter
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
