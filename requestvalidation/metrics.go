package requestvalidation

import (
	"errors"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/caddyserver/caddy/v2"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/errorpages/caddy-errorpages/errorpages"
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
	problems *problemCounter
}

// maxProblemSeries caps the label sets of caddy_request_validation_problems_total
// one config keeps: past it, a new (operation, pointer, code) is counted
// under the pointer "other".
const maxProblemSeries = 2000

// problemCounter counts the problems rejected requests had, by operation,
// pointer and code: which fields clients get wrong. Its labels are bounded
// by the document: array indices are "*", an unknown property or
// parameter counts at its parent's pointer, no value ever appears, and at
// most maxProblemSeries label sets are made.
type problemCounter struct {
	vec    *prometheus.CounterVec
	mu     sync.Mutex
	series map[[3]string]prometheus.Counter
}

// count counts each problem of a rejection (those listed in the answer).
func (pc *problemCounter) count(operation string, fields []errorpages.Field) {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	for _, f := range fields {
		key := [3]string{operation, metricPointer(f), f.Code}
		c, ok := pc.series[key]
		if !ok {
			if len(pc.series) >= maxProblemSeries {
				key[1] = "other"
				if c, ok = pc.series[key]; !ok {
					c = pc.vec.WithLabelValues(key[:]...)
					pc.series[key] = c // one "other" per operation and code: bounded by the codes
				}
			} else {
				c = pc.vec.WithLabelValues(key[:]...)
				pc.series[key] = c
			}
		}
		c.Inc()
	}
}

// metricPointer is a problem's pointer as the metric counts it: array
// indices become "*", and an unknown property or parameter is counted at
// its parent (the code says what was wrong there).
func metricPointer(f errorpages.Field) string {
	toks := strings.Split(f.Pointer, "/")
	switch f.Code {
	case "additional_property", "unknown_parameter", "property_name":
		if len(toks) > 2 {
			toks = toks[:len(toks)-1]
		}
	}
	for i, t := range toks {
		if t != "" && strings.Trim(t, "0123456789") == "" {
			toks[i] = "*"
		}
	}
	return strings.Join(toks, "/")
}

// opState is what a request needs of its operation (Handler.ops).
type opState struct {
	report       bool
	placeholders caddy.ReplacerFunc
	// valid is the operation's counter of valid requests, looked up
	// once: a valid request pays no label hashing.
	valid atomic.Pointer[prometheus.Counter]
	// resp is the operation's response checks (responses.go); nil when
	// responses are not configured.
	resp *respState
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
	problems := prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "caddy",
		Subsystem: "request_validation",
		Name:      "problems_total",
		Help:      "Problems of the requests request_validation rejected or reported, by operation, pointer (array indices as *, unknown names at their parent) and code.",
	}, []string{"operation", "pointer", "code"})
	if err := reg.Register(problems); err != nil {
		var are prometheus.AlreadyRegisteredError
		if !errors.As(err, &are) {
			return nil, err
		}
		existing, ok := are.ExistingCollector.(*prometheus.CounterVec)
		if !ok {
			return nil, err
		}
		problems = existing
	}
	return &metrics{total: total, problems: problemsFor(problems)}, nil
}

// problemCounters shares one label-set cap among the handlers of a config
// (they share its registry's collector).
var (
	problemCountersMu sync.Mutex
	problemCounters   = map[*prometheus.CounterVec]*problemCounter{}
)

func problemsFor(vec *prometheus.CounterVec) *problemCounter {
	problemCountersMu.Lock()
	defer problemCountersMu.Unlock()
	pc := problemCounters[vec]
	if pc == nil {
		if len(problemCounters) > 64 {
			clear(problemCounters) // old configs' collectors: drop them
		}
		pc = &problemCounter{vec: vec, series: map[[3]string]prometheus.Counter{}}
		problemCounters[vec] = pc
	}
	return pc
}
