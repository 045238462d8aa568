package errorpages

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestDurationInWords(t *testing.T) {
	en := Builtin().Translator(SourceLanguage)
	for _, tt := range []struct {
		secs int
		want string
	}{
		{1, "1 second"}, {30, "30 seconds"}, {90, "90 seconds"}, {120, "2 minutes"}, {121, "3 minutes"},
		{3600, "60 minutes"}, {7200, "2 hours"}, {51090, "15 hours"}, {3 * 86400, "3 days"},
	} {
		if got := en.Duration(tt.secs); got != tt.want {
			t.Errorf("%d s: %q, want %q", tt.secs, got, tt.want)
		}
	}
	for _, tt := range []struct {
		lang string
		n    int
		want string
	}{
		{"en", 1, "one"}, {"en", 2, "other"}, {"ru", 1, "one"}, {"ru", 3, "few"}, {"ru", 5, "many"}, {"ru", 21, "one"},
		{"pl", 22, "few"}, {"ar", 0, "zero"}, {"ar", 2, "two"}, {"ja", 1, "other"}, {"fr", 0, "one"},
	} {
		if got := pluralForm(tt.lang, tt.n); got != tt.want {
			t.Errorf("%s %d: form %s, want %s", tt.lang, tt.n, got, tt.want)
		}
	}
}

// A maintenance page writes every time in one clock, the operator's (the
// zone the window's end was written in), and a wait in words in the
// text body: never raw seconds, never a second zone.
func TestMaintenanceTimesInOneClock(t *testing.T) {
	c := Builtin()
	until := time.Date(2026, 12, 7, 14, 0, 0, 0, time.FixedZone("", 3600))
	now := time.Date(2026, 12, 7, 11, 0, 0, 0, time.UTC)
	for _, lang := range []string{"en", "de", "ar"} {
		tr := c.Translator(lang)
		e := NewMaintenanceError(tr, "", until, 0)
		e.RetryAfter = int(until.Sub(now).Seconds())
		d := &PageData{Error: e, Lang: lang, tr: tr, Time: now}
		d.fill()
		page := d.Details + " " + d.Retry
		if strings.Count(page, "UTC+01:00") != 2 || strings.Contains(strings.ReplaceAll(page, "UTC+01:00", ""), "UTC") {
			t.Errorf("%s: two clocks for one moment: %q", lang, page)
		}
		var text bytes.Buffer
		writeText(&text, e, tr)
		if !strings.Contains(text.String(), tr.Duration(e.RetryAfter)) || strings.Contains(text.String(), " s\n") {
			t.Errorf("%s: the text body's wait is not in words:\n%s", lang, text.String())
		}
	}
}
