package errorpages

import (
	"strings"
	"testing"

	"golang.org/x/text/language"
)

// shippedLanguages are the built-in languages issue 11 asks for.
var shippedLanguages = []string{
	"en", "de", "fr", "es", "it", "pt-BR", "pt-PT", "nl", "pl", "cs", "sv", "da", "fi",
	"tr", "ru", "uk", "ja", "ko", "zh-Hans", "zh-Hant", "ar", "he", "hi", "id", "vi",
}

func TestMatchLanguageShipped(t *testing.T) {
	m, err := NewLanguageMatcher(shippedLanguages, "en")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, header string
		want         string
		negotiated   bool
	}{
		{"no header gives the default", "", "en", false},
		{"blank header gives the default", "  ", "en", false},
		{"exact language", "de", "de", true},
		{"case-insensitive", "DE-at", "de", true},
		{"regional variant falls back to its language", "de-AT", "de", true},
		{"Swiss German falls back to German", "de-CH", "de", true},
		{"British English is English", "en-GB", "en", true},
		{"Canadian French is French", "fr-CA", "fr", true},
		{"Mexican Spanish is Spanish", "es-MX", "es", true},
		{"Latin American Spanish is Spanish", "es-419", "es", true},
		{"Taiwan Chinese is Traditional", "zh-TW", "zh-Hant", true},
		{"Hong Kong Chinese is Traditional", "zh-HK", "zh-Hant", true},
		{"Macau Chinese is Traditional", "zh-MO", "zh-Hant", true},
		{"mainland Chinese is Simplified", "zh-CN", "zh-Hans", true},
		{"Singapore Chinese is Simplified", "zh-SG", "zh-Hans", true},
		{"bare Chinese is Simplified", "zh", "zh-Hans", true},
		{"script subtag decides over region", "zh-Hant-CN", "zh-Hant", true},
		{"bare Portuguese is Brazilian", "pt", "pt-BR", true},
		{"European Portuguese", "pt-PT", "pt-PT", true},
		{"Brazilian Portuguese", "pt-BR", "pt-BR", true},
		{"Angolan Portuguese is European", "pt-AO", "pt-PT", true},
		{"deprecated iw is Hebrew", "iw", "he", true},
		{"deprecated in is Indonesian", "in", "id", true},
		{"Hebrew with region", "he-IL", "he", true},
		{"Egyptian Arabic is Arabic", "ar-EG", "ar", true},
		{"Chrome German", "de-DE,de;q=0.9,en-US;q=0.8,en;q=0.7", "de", true},
		{"Safari Japanese", "ja-JP,ja;q=0.9", "ja", true},
		{"higher q wins over header order", "fr;q=0.5, de;q=0.9", "de", true},
		{"equal q keeps header order", "fr, de", "fr", true},
		{"unoffered language is skipped", "sw, fr;q=0.3", "fr", true},
		{"nothing offered gives the default", "fa, el", "en", false},
		{"CLDR second-language fallback when nothing else is listed", "nb", "da", true},
		{"a listed language beats a CLDR second-language fallback", "nb, en;q=0.5", "en", true},
		{"no confident match gives the default", "fa", "en", false},
		{"a low-confidence match (other script) counts as none", "ru-Latn", "en", false},
		{"lone wildcard is no preference", "*", "en", false},
		{"wildcard above a named language gives the default", "fr;q=0.5, *", "en", false},
		{"named language beats wildcard at equal q", "*, fr", "fr", true},
		{"wildcard q=0 leaves the named ones", "fr, *;q=0", "fr", true},
		{"q=0 excludes a language", "de;q=0, fr;q=0.5", "fr", true},
		{"q=0 on a language excludes its regions", "pt;q=0, pt-BR, es;q=0.1", "es", true},
		{"q=0 on a language overrides its regional range", "de;q=0, de-AT", "en", false},
		{"q=0 on everything acceptable gives the default", "de;q=0", "en", false},
		{"q=0.001 still counts", "de;q=0.001", "de", true},
		{"malformed q skips only that range", "de;q=abc, fr", "fr", true},
		{"q above 1 skips only that range", "de;q=2, fr;q=0.1", "fr", true},
		{"q with four decimals skips that range", "de;q=0.1234, fr;q=0.1", "fr", true},
		{"empty parameters are ignored", "de;;;", "de", true},
		{"only separators", ";;;", "en", false},
		{"only commas", ",,, ,", "en", false},
		{"garbage before a good range", ";;;, de", "de", true},
		{"underscore is not a range", "de_DE, fr;q=0.1", "fr", true},
		{"digits in the first subtag", "12, ja;q=0.5", "ja", true},
		{"subtag longer than 8", "deutschland, ko;q=0.5", "ko", true},
		{"empty subtag", "de--AT, ko;q=0.5", "ko", true},
		{"private use tag is no language", "x-klingon, vi;q=0.2", "vi", true},
		{"private use suffix is ignored", "en-US-x-twain", "en", true},
		{"unicode extension is ignored", "de-DE-u-co-phonebk", "de", true},
		{"unknown region keeps the language", "de-QQ", "de", true},
		{"other parameters are ignored", "de;level=1;q=0.5, fr;q=0.4", "de", true},
		{"whitespace around parts", "  fr ; q=0.4 ,\tit ; q=0.9 ", "it", true},
		{"non-ASCII bytes", "dé, ü, pl;q=0.5", "pl", true},
		{"control characters", "de\x00, \x7f, cs;q=0.5", "cs", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, neg := m.Match(tt.header)
			if got != tt.want || neg != tt.negotiated {
				t.Errorf("Match(%q) = %q, %v; want %q, %v", tt.header, got, neg, tt.want, tt.negotiated)
			}
		})
	}
}

func TestMatchLanguageOffered(t *testing.T) {
	tests := []struct {
		name    string
		offered []string
		def     string
		header  string
		want    string
	}{
		{"returns the tag as offered", []string{"en", "zh-hant"}, "en", "zh-TW", "zh-hant"},
		{"other default", []string{"en", "de", "fr"}, "de", "ja", "de"},
		{"other default, no header", []string{"en", "de", "fr"}, "fr", "", "fr"},
		{"excluded default falls to the first offered not excluded", []string{"en", "de", "fr"}, "en", "en;q=0, *", "de"},
		{"excluded default without wildcard", []string{"en", "de", "fr"}, "en", "en;q=0, ja", "de"},
		{"regional offer serves its language", []string{"en", "de-CH"}, "en", "de", "de-CH"},
		{"exclusion by prefix reaches the regional offer", []string{"en", "de-CH"}, "en", "de;q=0, de-CH", "en"},
		{"exclusion after the best pick falls back to the next", []string{"en", "de", "fr"}, "en", "de-AT, fr;q=0.5, de;q=0", "fr"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := NewLanguageMatcher(tt.offered, tt.def)
			if err != nil {
				t.Fatal(err)
			}
			if got, _ := m.Match(tt.header); got != tt.want {
				t.Errorf("Match(%q) = %q; want %q", tt.header, got, tt.want)
			}
		})
	}
}

func TestMatchLanguageHugeHeader(t *testing.T) {
	m, err := NewLanguageMatcher(shippedLanguages, "en")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, header, want string
	}{
		{"good range first, then a megabyte of junk", "fr, " + strings.Repeat("x;q=zz,", 150_000), "fr"},
		{"good range first, then thousands of ranges", "ja, " + strings.Repeat("de;q=0.5, ", 100_000), "ja"},
		{"a range of a megabyte", strings.Repeat("a", 1<<20) + ", it;q=0.5", "it"},
		{"beyond the first 32 ranges is not read", strings.Repeat("sw, ", 40) + "de", "en"},
		{"empty elements do not count towards the limit", strings.Repeat(", ", 1000) + "de", "de"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, _ := m.Match(tt.header); got != tt.want {
				t.Errorf("Match(…%d bytes…) = %q; want %q", len(tt.header), got, tt.want)
			}
		})
	}
}

func TestNewLanguageMatcherErrors(t *testing.T) {
	tests := []struct {
		name    string
		offered []string
		def     string
		wantErr string
	}{
		{"ill-formed offered tag", []string{"en", "de_DE"}, "en", `"de_DE" is not a valid language tag`},
		{"empty offered tag", []string{"en", ""}, "en", "empty language tag"},
		{"offered twice", []string{"en", "de", "DE"}, "en", `"de" offered twice`},
		{"offered twice through an alias", []string{"en", "he", "iw"}, "en", `"he" offered twice`},
		{"default not offered", []string{"en", "de"}, "fr", `default language "fr" is not among the offered languages`},
		{"default ill-formed", []string{"en"}, "e n", "default language"},
		{"no language", []string{"en", "und"}, "en", `"und" names no language`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewLanguageMatcher(tt.offered, tt.def)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v; want it to contain %q", err, tt.wantErr)
			}
		})
	}
}

func TestNewLanguageMatcherDefaults(t *testing.T) {
	m, err := NewLanguageMatcher(nil, "")
	if err != nil {
		t.Fatal(err)
	}
	if m.Default() != "en" {
		t.Errorf("Default() = %q; want en", m.Default())
	}
	if got, want := len(m.Offered()), len(Builtin().Languages()); got != want {
		t.Errorf("nil offered gives %d languages; want the %d built-in ones", got, want)
	}
	m, err = NewLanguageMatcher([]string{"fr", "de", "pt-BR"}, "pt-br")
	if err != nil {
		t.Fatal(err)
	}
	if m.Default() != "pt-BR" {
		t.Errorf("Default() = %q; want the offered spelling pt-BR", m.Default())
	}
}

// A range list a browser sends, and a worse one; both on the request path.
func BenchmarkMatchLanguage(b *testing.B) {
	m, err := NewLanguageMatcher(shippedLanguages, "en")
	if err != nil {
		b.Fatal(err)
	}
	for _, bb := range []struct{ name, header string }{
		{"empty", ""},
		{"chrome", "de-DE,de;q=0.9,en-US;q=0.8,en;q=0.7"},
		{"single", "fr"},
		{"unoffered", "sw,am;q=0.8"},
		{"exclusion", "de;q=0, de-AT, fr;q=0.5"},
		{"junk", strings.Repeat("x;q=zz,", 1000)},
	} {
		b.Run(bb.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				m.Match(bb.header)
			}
		})
	}
}

// The allocation-free path for common tags gives what language.Parse gives.
func TestParseLanguageTagAgreesWithXText(t *testing.T) {
	for _, s := range []string{
		"de", "DE", "de-AT", "de-at", "zh-Hant", "zh-hant-tw", "zh-TW", "es-419", "iw", "in", "ji",
		"sr-Latn", "sr-Latn-RS", "pt", "pt-BR", "und", "cmn", "yue-HK", "en-US-x-twain", "de-QQ",
		"en-GB-oxendict", "sl-rozaj", "zh-min-nan", "i-klingon", "x-klingon", "qaa", "xx", "de-DE-u-co-phonebk",
		"mo", "sh", "tl", "no", "aa-AA-AA", "de-Latn-DE-1996", "zz", "zh-Hans-CN",
	} {
		want, werr := language.Parse(s)
		got, gerr := parseLanguageTag(s)
		if got != want || (werr == nil) != (gerr == nil) {
			t.Errorf("parseLanguageTag(%q) = %v, %v; language.Parse gives %v, %v", s, got, gerr, want, werr)
		}
	}
}

// Whatever the header, Match answers with one of the offered languages
// and never panics.
func FuzzMatchLanguage(f *testing.F) {
	for _, s := range []string{
		"", "*", "de-AT", "de-DE,de;q=0.9,en-US;q=0.8,en;q=0.7", "de;q=abc, fr", ";;;",
		"en-US-x-twain", "pt;q=0, pt-BR, es;q=0.1", "zh-Hant-TW-u-nu-hanidec", "i-klingon, x-a",
	} {
		f.Add(s)
	}
	m, err := NewLanguageMatcher(shippedLanguages, "en")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, header string) {
		got, negotiated := m.Match(header)
		found := false
		for _, o := range shippedLanguages {
			found = found || o == got
		}
		if !found {
			t.Fatalf("Match(%q) = %q, not an offered language", header, got)
		}
		if header == "" && (got != "en" || negotiated) {
			t.Fatalf("Match(\"\") = %q, %v", got, negotiated)
		}
		// The memo answers as the matching does, the second time too.
		if i, neg := m.match(header); header != "" && (m.offered[i] != got || neg != negotiated) {
			t.Fatalf("Match(%q) = %q %v, the matching says %q %v", header, got, negotiated, m.offered[i], neg)
		}
		if again, neg := m.Match(header); again != got || neg != negotiated {
			t.Fatalf("Match(%q) the second time = %q %v, first %q %v", header, again, neg, got, negotiated)
		}
	})
}
