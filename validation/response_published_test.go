package validation

import (
	"testing"
	"time"

	"github.com/errorpages/caddy-errorpages/internal/publisheddocs"
)

// The published documents load with their responses compiled, as they
// are, and every operation that declares responses has them.
func TestPublishedDocumentsLoadWithResponses(t *testing.T) {
	for _, d := range []struct {
		name string
		path func(testing.TB) string
	}{
		{"Twilio", publisheddocs.Twilio},
		{"DigitalOcean", publisheddocs.DigitalOcean},
		{"Stripe", publisheddocs.Stripe},
	} {
		t.Run(d.name, func(t *testing.T) {
			path := d.path(t)
			start := time.Now()
			s, err := Load(path, Options{Responses: true})
			if err != nil {
				t.Fatalf("%s's document does not load with its responses: %v", d.name, err)
			}
			with := 0
			for _, op := range s.Operations() {
				if op.HasResponses() {
					with++
				}
			}
			t.Logf("%d of %d operations with responses, loaded in %v", with, len(s.Operations()), time.Since(start))
			if with == 0 {
				t.Error("no operation has responses")
			}
		})
	}
}
