package requestvalidation

import (
	"errors"
	"sync"
	"sync/atomic"

	"github.com/caddyserver/caddy/v2"
	"github.com/prometheus/client_golang/prometheus"
)

// Results counted by caddy_request_validation_total.
const (
	resultValid            = "valid"
	resultInvalid          = "invalid"
	resultNotFound         = "not_found"
	resultMethodNotAllowed = "method_not_allowed"
	resultUnsupportedMedia = "unsupported_media_type"
	resultTooLarge         = "too_large"
	resultUnauthorized     = "unauthorized" // validation.Result.Kind of a 401
	resultReported         = "reported"
)

type metrics struct {
	total *prometheus.CounterVec
	// children caches counters by operation and result: counting costs
	// no label hashing or allocation.
	children sync.Map // [2]string → prometheus.Counter
}

// opState is what a request needs of its operation (Handler.ops).
type opState struct {
	report       bool
	placeholders caddy.ReplacerFunc
	// valid is the operation's counter of valid requests, looked up
	// once: a valid request pays no label hashing.
	valid atomic.Pointer[prometheus.Counter]
}

// countValid counts a valid request of the operation id.
func (s *opState) countValid(m *metrics, id string) {
	if c := s.valid.Load(); c != nil {
		(*c).Inc()
		return
	}
	c := m.total.WithLabelValues(id, resultValid)
	s.valid.Store(&c)
	c.Inc()
}

func (m *metrics) count(operation, result string) {
	key := [2]string{operation, result}
	if c, ok := m.children.Load(key); ok {
		c.(prometheus.Counter).Inc()
		return
	}
	c := m.total.WithLabelValues(operation, result)
	m.children.Store(key, c)
	c.Inc()
}

// newMetrics registers the counter in Caddy's registry, which is new per
// config load; within one load several sites may use the directive, so
// an already registered collector is reused.
func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	total := prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "caddy",
		Subsystem: "request_validation",
		Name:      "total",
		Help:      "Requests checked by request_validation, by operation and result (valid, invalid, not_found, method_not_allowed, unsupported_media_type, too_large, unauthorized, reported).",
	}, []string{"operation", "result"})
	if err := reg.Register(total); err != nil {
		var are prometheus.AlreadyRegisteredError
		if !errors.As(err, &are) {
			return nil, err
		}
		existing, ok := are.ExistingCollector.(*prometheus.CounterVec)
		if !ok {
			return nil, err
		}
		total = existing
	}
	return &metrics{total: total}, nil
}
