package requestvalidation

// The response checks' configuration, decided at provision: modes per
// operation, sampling, the body limit and the metric. What a request runs
// is in responses.go.

import (
	"errors"
	"fmt"
	"sort"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/errorpages/caddy-errorpages/validation"
)

// DefaultResponseMaxBody is the largest upstream response body that is
// held and checked: error_pages' own max_body default (64 KiB).
const DefaultResponseMaxBody = 64 << 10

// ResponseChecks checks the upstream's answers to the requests
// request_validation passed against the responses the matched operation
// declares.
type ResponseChecks struct {
	// `mode` is `off`, `report` (the answer goes out unchanged; each
	// violating one is logged at WARN and counted) or `enforce` (a
	// violating answer is replaced by a 502 of type
	// `upstream_contract_violation`, without any byte of the upstream's
	// body; the problems are logged). Default: off.
	Mode string `json:"mode,omitempty"`

	// `sample` is the fraction of requests whose answer report mode
	// checks, decided per request: 0.01 checks one in a hundred, the
	// others are counted `sampled_out`. Enforce mode checks every
	// answer. Default: 1.
	Sample *float64 `json:"sample,omitempty"`

	// `max_body` is the largest response body held and checked, in
	// bytes. A larger body, an answer that streams (Server-Sent Events,
	// an upgrade) and the answer to a HEAD request go through untouched,
	// counted `skipped`. Default: 65536 (error_pages' `max_body`).
	MaxBody int64 `json:"max_body,omitempty"`

	// `operations` sets the mode per operationId
	// (`{"getOrder": "enforce"}`), over `mode`. Default: none.
	Operations map[string]string `json:"operations,omitempty"`
}

// Response modes, per operation.
const (
	respOff uint8 = iota
	respReport
	respEnforce
)

// Results counted by caddy_request_validation_responses_total.
const (
	respValid = iota
	respInvalid
	respSkipped
	respSampledOut
)

var respResults = [...]string{"valid", "invalid", "skipped", "sampled_out"}

// respState is an operation's response mode and its counters, looked up
// once: a checked response pays no label hashing.
type respState struct {
	mode     uint8
	counters [len(respResults)]atomic.Pointer[prometheus.Counter]
}

func (h *Handler) countResponse(s *respState, op string, result int) {
	if c := s.counters[result].Load(); c != nil {
		(*c).Inc()
		return
	}
	c := h.respMetric.WithLabelValues(op, respResults[result])
	s.counters[result].Store(&c)
	c.Inc()
}

func respMode(s string) uint8 {
	switch s {
	case "report":
		return respReport
	case "enforce":
		return respEnforce
	}
	return respOff
}

// responsesOn reports whether any answer is checked: the document's
// responses are compiled only then.
func (h *Handler) responsesOn() bool {
	rc := h.Responses
	if rc == nil {
		return false
	}
	if rc.Mode != "" && rc.Mode != "off" {
		return true
	}
	for _, m := range rc.Operations {
		if m != "off" {
			return true
		}
	}
	return false
}

// validateResponses checks the responses configuration.
func (h *Handler) validateResponses() error {
	rc := h.Responses
	if rc == nil {
		return nil
	}
	if rc.Mode != "" {
		if err := oneOf("responses", rc.Mode, "off", "report", "enforce"); err != nil {
			return err
		}
	}
	for id, m := range rc.Operations {
		if err := oneOf("operation_responses "+id, m, "off", "report", "enforce"); err != nil {
			return err
		}
	}
	if rc.Sample != nil && (*rc.Sample < 0 || *rc.Sample > 1) {
		return fmt.Errorf("request_validation: responses sample must be between 0 and 1")
	}
	if rc.MaxBody < 0 || rc.MaxBody > 1<<30 {
		return fmt.Errorf("request_validation: responses max_body must be between 1 byte and 1 GiB")
	}
	if h.JSONSchema != "" && h.responsesOn() {
		return fmt.Errorf("request_validation: responses need an openapi document (a json_schema declares no responses)")
	}
	return nil
}

// useResponses gives each operation its response mode.
func (h *Handler) useResponses(spec *validation.Spec) error {
	rc := h.Responses
	h.respSample, h.respMax = 1, DefaultResponseMaxBody
	if rc == nil || spec == nil {
		return nil
	}
	if rc.Sample != nil {
		h.respSample = *rc.Sample
	}
	if rc.MaxBody > 0 {
		h.respMax = int(rc.MaxBody)
	}
	byID := map[string]*validation.Operation{}
	for _, op := range spec.Operations() {
		byID[op.ID] = op
		if st := h.ops[op]; st != nil {
			st.resp = &respState{mode: respMode(rc.Mode)}
		}
	}
	ids := make([]string, 0, len(rc.Operations))
	for id := range rc.Operations {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		op, ok := byID[id]
		if !ok {
			return fmt.Errorf("request_validation: operation_responses %q: the document has no such operationId", id)
		}
		h.ops[op].resp.mode = respMode(rc.Operations[id])
	}
	return nil
}

// provisionResponses registers caddy_request_validation_responses_total
// when answers are checked.
func (h *Handler) provisionResponses(reg prometheus.Registerer) error {
	if !h.responsesOn() {
		return nil
	}
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	vec := prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "caddy",
		Subsystem: "request_validation",
		Name:      "responses_total",
		Help:      "Upstream responses request_validation checked against the API description, by operation and result (valid, invalid, skipped, sampled_out).",
	}, []string{"operation", "result"})
	if err := reg.Register(vec); err != nil {
		var are prometheus.AlreadyRegisteredError
		if !errors.As(err, &are) {
			return err
		}
		existing, ok := are.ExistingCollector.(*prometheus.CounterVec)
		if !ok {
			return err
		}
		vec = existing
	}
	h.respMetric = vec
	return nil
}
