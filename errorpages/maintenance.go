package errorpages

import (
	"fmt"
	"net/http"
	"time"
)

// MaintenanceType is the machine-readable type of a maintenance answer.
const MaintenanceType = "maintenance"

// NewMaintenanceError returns the 503 of a maintenance window in tr's
// language: the maintenance title, message as the explanation (the
// built-in one when empty) followed by the expected end when until is not
// zero, and refresh, the seconds after which the HTML page reloads itself
// (0 for never).
//
// Only the texts come from tr: a language negotiated per request gives a
// page in that language with no other change here.
func NewMaintenanceError(tr Translator, message string, until time.Time, refresh int) *Error {
	if message == "" {
		message = tr.T(KeyMaintenanceDescription)
	}
	if !until.IsZero() {
		message += " " + tr.T(KeyMaintenanceUntil, "time", FormatTime(tr.Lang(), until))
	}
	e := &Error{
		Code:    http.StatusServiceUnavailable,
		Type:    MaintenanceType,
		Message: tr.T(KeyMaintenanceTitle),
		Details: message,
		Refresh: refresh,
	}
	if !until.IsZero() {
		e.Zone(until.Location()) // the retry time in the same clock as "back by"
	}
	return e
}

// FormatTime writes t for a reader of lang, in t's own zone (the one the
// operator wrote it in: a page cannot know the visitor's), with the zone
// as an offset from UTC so that no reader has to guess it:
// "March 1, 2026, 14:00 UTC+01:00".
//
// English gets a written-out date; every other language the numeric ISO
// 8601 form with a 24-hour clock ("2026-03-01 14:00 UTC+01:00"), which
// reads the same in every language and script and cannot be misread as
// day/month or month/day. x/text has no CLDR date formats, and
// hand-written per-language patterns would be wrong for some locales
// (de-CH, en-GB); the ISO form never is.
func FormatTime(lang string, t time.Time) string {
	zone := "UTC"
	if _, off := t.Zone(); off != 0 {
		sign := '+'
		if off < 0 {
			sign, off = '-', -off
		}
		zone = fmt.Sprintf("UTC%c%02d:%02d", sign, off/3600, off/60%60)
	}
	if lang == SourceLanguage {
		return t.Format("January 2, 2006, 15:04 ") + zone
	}
	return t.Format("2006-01-02 15:04 ") + zone
}
