package maintenance

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// register registers c in Caddy's registry, or returns the collector
// already registered there: Caddy makes a new registry per config load,
// and within one load several sites may use maintenance mode.
func register[C prometheus.Collector](reg prometheus.Registerer, c C) (C, error) {
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
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
