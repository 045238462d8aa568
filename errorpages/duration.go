package errorpages

import (
	"strconv"
	"time"

	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"
)

// Duration writes a wait of secs seconds in words in tr's language ("30
// seconds", "14 Stunden"), in the largest unit that keeps it readable:
// seconds below 2 min, minutes below 2 h, hours below 48 h, else days,
// rounded up (a client told "1 minute" must not come back early). The
// number's grammatical form is the language's CLDR plural category
// (x/text's plural rules): "1 minute", "2 minuty", "5 minut".
func (tr Translator) Duration(secs int) string {
	unit, n := "second", secs
	switch {
	case secs < 120:
	case secs < 120*60:
		unit, n = "minute", (secs+59)/60
	case secs < 48*3600:
		unit, n = "hour", (secs+3599)/3600
	default:
		unit, n = "day", (secs+86399)/86400
	}
	return tr.T("duration."+unit+"."+pluralForm(tr.Lang(), n), "n", strconv.Itoa(n))
}

// pluralForm is the CLDR plural category of the integer n in lang.
func pluralForm(lang string, n int) string {
	tag, err := language.Parse(lang)
	if err != nil {
		return "other"
	}
	switch plural.Cardinal.MatchPlural(tag, n, 0, 0, 0, 0) {
	case plural.Zero:
		return "zero"
	case plural.One:
		return "one"
	case plural.Two:
		return "two"
	case plural.Few:
		return "few"
	case plural.Many:
		return "many"
	}
	return "other"
}

// Zone sets the time zone the page writes times in: the operator's, as
// they wrote a maintenance window's end. Without one, times are in UTC.
// Every time on a page is in one zone.
func (e *Error) Zone(loc *time.Location) { e.zone = loc }
