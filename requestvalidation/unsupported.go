package requestvalidation

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
)

// reportSkipped logs, at WARN, each part of the document left
// unvalidated because it uses a construct the validator cannot check
// (`unsupported skip`), and sets caddy_request_validation_unvalidated
// for it. `caddy validate` and `caddy run` show the lines at load.
func (h *Handler) reportSkipped(reg *prometheus.Registry, d *document) error {
	if d.spec == nil || len(d.spec.Skipped()) == 0 {
		return nil
	}
	g := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: "caddy",
		Subsystem: "request_validation",
		Name:      "unvalidated",
		Help:      "Parts of operations request_validation leaves unvalidated (unsupported skip), by operation and part: 1 each.",
	}, []string{"operation", "part"})
	if reg != nil {
		if err := reg.Register(g); err != nil {
			var are prometheus.AlreadyRegisteredError
			if !errors.As(err, &are) {
				return err
			}
			existing, ok := are.ExistingCollector.(*prometheus.GaugeVec)
			if !ok {
				return err
			}
			g = existing
		}
	}
	for _, s := range d.spec.Skipped() {
		h.logger.Warn("request_validation: not validated: the document uses a construct this validator cannot check (unsupported skip)",
			zap.String("operation", s.Operation), zap.String("part", s.Part), zap.String("where", s.Where), zap.String("reason", s.Reason))
		g.WithLabelValues(s.Operation, s.Part).Set(1)
	}
	return nil
}
