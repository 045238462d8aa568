package errorpages

import (
	"strconv"
	"sync"
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
	unit, n := 0, secs
	switch {
	case secs < 120:
	case secs < 120*60:
		unit, n = 1, (secs+59)/60
	case secs < 48*3600:
		unit, n = 2, (secs+3599)/3600
	default:
		unit, n = 3, (secs+86399)/86400
	}
	return tr.T(durationKeys[unit][pluralIndex(tr.Lang(), n)], "n", strconv.Itoa(n))
}

// durationKeys are the catalogue keys duration.<unit>.<form>, by unit and
// plural form (pluralForms' order): made once, not per page.
var durationKeys = func() (k [4][6]string) {
	for u, unit := range []string{"second", "minute", "hour", "day"} {
		for f, form := range pluralForms {
			k[u][f] = "duration." + unit + "." + form
		}
	}
	return k
}()

// pluralForms are the CLDR plural categories.
var pluralForms = [6]string{"zero", "one", "two", "few", "many", "other"}

// pluralTags holds the parsed tag of each catalogue language asked for
// (a catalogue's languages: bounded), so that a page with a wait parses
// no tag.
var pluralTags sync.Map // string → language.Tag

// pluralForm is the CLDR plural category of the integer n in lang.
func pluralForm(lang string, n int) string { return pluralForms[pluralIndex(lang, n)] }

// pluralIndex is pluralForm as an index into pluralForms.
func pluralIndex(lang string, n int) int {
	var tag language.Tag
	if t, ok := pluralTags.Load(lang); ok {
		tag = t.(language.Tag)
	} else {
		t, err := language.Parse(lang)
		if err != nil {
			return 5
		}
		pluralTags.Store(lang, t)
		tag = t
	}
	switch plural.Cardinal.MatchPlural(tag, n, 0, 0, 0, 0) {
	case plural.Zero:
		return 0
	case plural.One:
		return 1
	case plural.Two:
		return 2
	case plural.Few:
		return 3
	case plural.Many:
		return 4
	}
	return 5
}

// Zone sets the time zone the page writes times in: the operator's, as
// they wrote a maintenance window's end. Without one, times are in UTC.
// Every time on a page is in one zone.
func (e *Error) Zone(loc *time.Location) { e.zone = loc }
