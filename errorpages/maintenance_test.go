package errorpages

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestNewMaintenanceError(t *testing.T) {
	en := Builtin().Translator("en")
	until := time.Date(2026, 3, 1, 14, 0, 0, 0, time.FixedZone("", 3600))
	for _, tc := range []struct {
		name        string
		message     string
		until       time.Time
		wantDetails string
	}{
		{"built-in description without an end", "", time.Time{}, en.T(KeyMaintenanceDescription)},
		{"the expected end follows the description", "", until, en.T(KeyMaintenanceDescription) + " We expect to be back by March 1, 2026, 14:00 UTC+01:00."},
		{"the site's message replaces the description", "Database upgrade.", time.Time{}, "Database upgrade."},
		{"the site's message with the end", "Database upgrade.", until.UTC(), "Database upgrade. We expect to be back by March 1, 2026, 13:00 UTC."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := NewMaintenanceError(en, tc.message, tc.until, 30)
			if e.Code != 503 || e.Type != MaintenanceType || e.Message != "Down for maintenance" || e.Refresh != 30 {
				t.Errorf("got code %d type %q message %q refresh %d", e.Code, e.Type, e.Message, e.Refresh)
			}
			if e.Details != tc.wantDetails {
				t.Errorf("details = %q, want %q", e.Details, tc.wantDetails)
			}
		})
	}
}

func TestFormatTime(t *testing.T) {
	ts := time.Date(2026, 12, 24, 9, 5, 0, 0, time.FixedZone("", -(4*3600+30*60)))
	for _, tc := range []struct{ lang, want string }{
		{"en", "December 24, 2026, 09:05 UTC-04:30"},
		{"de", "2026-12-24 09:05 UTC-04:30"}, // numeric until the catalogue has date patterns
	} {
		if got := FormatTime(tc.lang, ts); got != tc.want {
			t.Errorf("FormatTime(%s) = %q, want %q", tc.lang, got, tc.want)
		}
	}
}

func TestPageRefresh(t *testing.T) {
	r, err := NewRenderer(RendererConfig{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		refresh int
		want    string
	}{
		{"a refresh time gives a meta refresh", 90, `<meta http-equiv="refresh" content="90">`},
		{"no refresh time gives none", 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := NewMaintenanceError(Builtin().Translator("en"), "", time.Time{}, tc.refresh)
			var buf bytes.Buffer
			if err := r.Render(&buf, HTML, &PageData{Error: e}); err != nil {
				t.Fatal(err)
			}
			page := buf.String()
			if tc.want != "" && !strings.Contains(page, tc.want) {
				t.Errorf("page lacks %s", tc.want)
			}
			if tc.want == "" && strings.Contains(page, "http-equiv") {
				t.Errorf("page refreshes although no time was given")
			}
			if !strings.Contains(page, "Down for maintenance") {
				t.Errorf("page lacks the maintenance title")
			}
		})
	}
}
