package validation

import (
	"testing"

	"github.com/errorpages/caddy-errorpages/internal/publisheddocs"
)

// Published documents, vendored compressed in testdata and loaded as
// they are: Twilio's Api v2010 (one JSON file with surrogate pairs in its
// examples) and DigitalOcean's (3,000 YAML files that $ref each other's
// operations, parameters, request bodies and property maps).

// twilioDoc and digitalOceanDoc unpack the vendored documents.
func twilioDoc(t testing.TB) string       { return publisheddocs.Twilio(t) }
func digitalOceanDoc(t testing.TB) string { return publisheddocs.DigitalOcean(t) }

func TestTwilioLoads(t *testing.T) {
	s, err := Load(twilioDoc(t), Options{})
	if err != nil {
		t.Fatalf("Twilio's published document does not load: %v", err)
	}
	if n := len(s.Operations()); n != 197 {
		t.Errorf("%d operations, want 197", n)
	}
}

func TestDigitalOceanLoads(t *testing.T) {
	s, err := Load(digitalOceanDoc(t), Options{})
	if err != nil {
		t.Fatalf("DigitalOcean's published document does not load: %v", err)
	}
	t.Logf("%d operations, %d files", len(s.Operations()), len(s.Files()))
}
