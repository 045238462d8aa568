package caddyerrorpages

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"

	"github.com/errorpages/caddy-errorpages/errorpages"
)

// Languages through a real Caddy: Accept-Language picks the language of
// the localized formats, with Content-Language on every rewrite and Vary:
// Accept-Language whenever the choice depended on it; per-language
// messages and a translations directory; retry hints.
func TestLanguagesThroughCaddy(t *testing.T) {
	tr := t.TempDir()
	os.WriteFile(filepath.Join(tr, "de.json"), []byte(`{"page.home": "Ab nach Hause"}`), 0o644)
	os.WriteFile(filepath.Join(tr, "ca.json"), []byte(`{"page.home": "Ves a l'inici"}`), 0o644)
	os.WriteFile(filepath.Join(tr, "README.txt"), []byte(`not a translation`), 0o644)
	tester := startCaddy(t, globalOptions+fmt.Sprintf(`
http://localhost:9080 {
	error_pages {
		message 404 "Nothing here"
		message 404 "Hier ist nichts" de
		localize html text problem
		translations %s
		retry_after 45s
	}
	route /busy {
		header Retry-After 120
		respond 429
	}
	route /down {
		error 503
	}
	route /gone {
		error 410
	}
	route /invalid {
		test_problems
	}
	error 404
}
http://api.localhost:9080 {
	error_pages {
		localize json xml
	}
	error 404
}
http://one.localhost:9080 {
	error_pages {
		languages de
	}
	error 404
}
`, tr))
	de := errorpages.Builtin().Translator("de")
	fr := errorpages.Builtin().Translator("fr")
	for _, row := range []struct {
		name, url, accept, acceptLanguage string
		contentLanguage                   string
		varyLanguage                      bool
		want, not                         []string
	}{
		{"german page: tagged message, site translation, lang", "http://localhost:9080/x", "text/html", "de-AT,de;q=0.9,en;q=0.5", "de", true,
			[]string{`<html lang="de" dir="ltr">`, "Hier ist nichts", "Ab nach Hause", de.T(errorpages.KeyRequestID)}, []string{"Nothing here", "Go to the home page"}},
		{"french page: the untagged message is the default language's; built-in French title", "http://localhost:9080/x", "text/html", "fr-CA", "fr", true,
			[]string{`<html lang="fr" dir="ltr">`, fr.Title(404), fr.T(errorpages.KeyHome)}, []string{"Nothing here"}},
		{"french title and description from the catalogue", "http://localhost:9080/gone", "text/html", "fr", "fr", true,
			[]string{fr.Title(410), fr.Description(410)}, []string{"Gone"}},
		{"arabic page is right to left", "http://localhost:9080/x", "text/html", "ar", "ar", true,
			[]string{`<html lang="ar" dir="rtl">`}, nil},
		{"language added by translations", "http://localhost:9080/x", "text/html", "ca", "ca", true,
			[]string{`<html lang="ca" dir="ltr">`, "Ves a l&#39;inici"}, nil},
		{"no Accept-Language: the default, still varying", "http://localhost:9080/x", "text/html", "", "en", true,
			[]string{`<html lang="en" dir="ltr">`, "Nothing here", "Go to the home page"}, nil},
		{"malformed ranges do not lose the good one", "http://localhost:9080/x", "text/html", "!!;q=x, de;q=0.8, *;q=abc", "de", true,
			[]string{"Hier ist nichts"}, nil},
		{"text labels localized", "http://localhost:9080/x", "text/plain", "de", "de", true,
			[]string{"404 Hier ist nichts\n", de.T(errorpages.KeyTextRequestID) + ": "}, []string{"Request ID"}},
		{"json stays English by default, without Vary: Accept-Language", "http://localhost:9080/x", "application/json", "de", "en", false,
			[]string{`"message":"Nothing here"`}, []string{"Hier ist nichts", `"lang"`}},
		{"localized problem+json carries its language", "http://localhost:9080/x", "application/problem+json", "de", "de", true,
			[]string{`"title":"Hier ist nichts"`, `"lang":"de"`}, nil},
		{"json localized when localize lists it", "http://api.localhost:9080/x", "application/json", "de", "de", true,
			[]string{`"message":"` + de.Title(404) + `"`, `"details":"` + de.Description(404) + `"`, `"type":"not_found"`}, nil},
		{"xml localized when localize lists it", "http://api.localhost:9080/x", "application/xml", "de", "de", true,
			[]string{"<message>" + de.Title(404) + "</message>"}, nil},
		{"html not localized when localize leaves it out", "http://api.localhost:9080/x", "text/html", "de", "en", false,
			[]string{`<html lang="en" dir="ltr">`, "Not Found"}, nil},
		{"one language offered: no negotiation, no Vary", "http://one.localhost:9080/x", "text/html", "fr", "de", false,
			[]string{`<html lang="de" dir="ltr">`, de.Title(404)}, nil},
		{"upstream 429 keeps Retry-After and says when", "http://localhost:9080/busy", "application/json", "", "en", false,
			[]string{`"retry_after":120`}, nil},
		{"upstream 429 page: localized countdown", "http://localhost:9080/busy", "text/html", "de", "de", true,
			[]string{de.T(errorpages.KeyRetryIn, "countdown", de.Duration(120)), `<meta http-equiv="refresh" content="120">`}, nil},
		{"local 503 gets retry_after", "http://localhost:9080/down", "application/json", "", "en", false,
			[]string{`"retry_after":45`}, nil},
		{"validation summary and the validator's problems localized", "http://localhost:9080/invalid", "text/html", "de", "de", true,
			[]string{de.T(errorpages.KeyValidationSummary, "n", "6"), de.T("problem.minimum"), de.T("problem.required")}, []string{"The request has 6 problems.", "must be at least 1", "is required"}},
		{"validation summary in English as the validator wrote it", "http://localhost:9080/invalid", "text/html", "en", "en", true,
			[]string{"The request has 6 problems."}, nil},
		{"no hint on a 410", "http://localhost:9080/gone", "application/json", "", "en", false,
			nil, []string{"retry_after"}},
	} {
		t.Run(row.name, func(t *testing.T) {
			hdr := []string{"Accept", row.accept}
			if row.acceptLanguage != "" {
				hdr = append(hdr, "Accept-Language", row.acceptLanguage)
			}
			r := get(t, tester, "GET", row.url, hdr...)
			if got := r.Header.Get("Content-Language"); got != row.contentLanguage {
				t.Errorf("Content-Language = %q, want %q", got, row.contentLanguage)
			}
			vary := strings.Join(r.Header.Values("Vary"), ", ")
			if !strings.Contains(vary, "Accept") {
				t.Errorf("Vary = %q lacks Accept", vary)
			}
			if got := strings.Contains(vary, "Accept-Language"); got != row.varyLanguage {
				t.Errorf("Vary = %q; Accept-Language in it: %v, want %v", vary, got, row.varyLanguage)
			}
			s := string(r.body)
			for _, w := range row.want {
				if !strings.Contains(s, w) {
					t.Errorf("body lacks %q:\n%s", w, s)
				}
			}
			for _, n := range row.not {
				if strings.Contains(s, n) {
					t.Errorf("body has %q:\n%s", n, s)
				}
			}
		})
	}
	t.Run("Retry-After headers", func(t *testing.T) {
		for url, want := range map[string]string{
			"http://localhost:9080/busy": "120", // the upstream's, kept
			"http://localhost:9080/down": "45",  // retry_after for a local 503
			"http://localhost:9080/gone": "",    // not for a 410
		} {
			if got := get(t, tester, "GET", url, "Accept", "application/json").Header.Get("Retry-After"); got != want {
				t.Errorf("%s: Retry-After = %q, want %q", url, got, want)
			}
		}
	})
}

// Translation files and language options that are wrong fail the config
// load, naming the option, the file and the key.
func TestLanguageConfigErrors(t *testing.T) {
	dir := func(files map[string]string) string {
		d := t.TempDir()
		for name, body := range files {
			os.WriteFile(filepath.Join(d, name), []byte(body), 0o644)
		}
		return d
	}
	unknownKey := dir(map[string]string{"de.json": `{"page.home": "Start", "page.hme": "Tippfehler"}`})
	badTag := dir(map[string]string{"xx-!!.json": `{}`})
	nonCanonical := dir(map[string]string{"pt-br.json": `{}`})
	malformed := dir(map[string]string{"fr.json": `{"page.home": ["Accueil"]}`})
	badPlaceholder := dir(map[string]string{"de.json": `{"page.retry_in": "In {minutes}"}`})
	empty := dir(nil)
	for _, row := range []struct{ name, block, want string }{
		{"translations: unknown key names file and key", "translations " + unknownKey, filepath.Join(unknownKey, "de.json") + `: de: unknown key "page.hme"`},
		{"translations: file not named by a tag", "translations " + badTag, `xx-!!.json: file name: "xx-!!" is not a valid language tag`},
		{"translations: file not named by the canonical tag", "translations " + nonCanonical, "pt-br.json: name the file by the canonical tag pt-BR.json"},
		{"translations: malformed file", "translations " + malformed, "fr.json: want a flat JSON object of key → text"},
		{"translations: unknown placeholder", "translations " + badPlaceholder, `page.retry_in: unknown placeholder {minutes}`},
		{"translations: empty directory", "translations " + empty, "holds no <language>.json file"},
		{"translations: missing directory", "translations /nonexistent/i18n", "translations: stat /nonexistent/i18n"},
		{"default_language not a tag", "default_language de_DE!", `default_language: "de_DE!" is not a valid language tag`},
		{"default_language without translation", "default_language tlh", `default_language: "tlh" has no translation`},
		{"languages with an unknown language", "languages de tlh", `languages: "tlh" has no translation`},
		{"languages without a tag", "languages", "languages: needs at least one language tag"},
		{"default_language not offered", "languages de fr\n\t\tdefault_language it", `default language "it" is not among the offered languages`},
		{"one language, another default", "languages de\n\t\tdefault_language it", `default_language: "it" is not among the offered languages`},
		{"localize an unknown format", "localize html yaml", `localize: "yaml" is not a format`},
		{"message in a language without translation", `message 404 "Nicht da" tlh`, `message: "tlh" has no translation`},
		{"message twice for one language", "message 404 \"a\" de\n\t\tmessage 404 \"b\" de", "404 is given more than once for de"},
		{"retry_after not a duration", "retry_after soon", `retry_after: "soon" is not a positive duration`},
	} {
		t.Run(row.name, func(t *testing.T) {
			cf := "http://localhost {\n\terror_pages {\n\t\t" + row.block + "\n\t}\n}\n"
			_, err := adapt(t, cf)
			if err == nil || !strings.Contains(err.Error(), row.want) {
				t.Fatalf("adapt error %v, want one containing %q", err, row.want)
			}
			if !strings.Contains(err.Error(), "Caddyfile:") {
				t.Errorf("error %q does not name the Caddyfile line", err)
			}
		})
	}
	for _, row := range []struct{ handler, want string }{
		{`{"translations":"` + unknownKey + `"}`, `de.json: de: unknown key "page.hme"`},
		{`{"language_messages":{"xx-!!":{"404":"x"}}}`, `message: "xx-!!" is not a valid language tag`},
		{`{"language_messages":{"de":{"200":"x"}}}`, "message: 200 is not a 4xx or 5xx status"},
		{`{"languages":["de","de"]}`, `language "de" offered twice`},
		{`{"localize":["pdf"]}`, "localize:"},
		{`{"retry_after":-1}`, "retry_after: must not be negative"},
	} {
		t.Run(row.handler, func(t *testing.T) {
			cfg := `{"apps":{"http":{"servers":{"s":{"listen":[":0"],"routes":[{"handle":[{"handler":"error_pages",` + row.handler[1:] + `]}]}}}}}`
			var c caddy.Config
			if err := json.Unmarshal([]byte(cfg), &c); err != nil {
				t.Fatal(err)
			}
			if err := caddy.Validate(&c); err == nil || !strings.Contains(err.Error(), row.want) {
				t.Errorf("Validate = %v, want an error containing %q", err, row.want)
			}
		})
	}
}

// A message whose third word is a language tag is that language's;
// otherwise unquoted words are still one text.
func TestMessageLanguageArgument(t *testing.T) {
	for _, row := range []struct {
		line     string
		messages map[int]string
		byLang   map[string]map[int]string
	}{
		{`message 404 "Seite nicht gefunden" de`, nil, map[string]map[int]string{"de": {404: "Seite nicht gefunden"}}},
		{`message 404 "Página no encontrada" es`, nil, map[string]map[int]string{"es": {404: "Página no encontrada"}}},
		{`message 404 "Não encontrada" pt-br`, nil, map[string]map[int]string{"pt-BR": {404: "Não encontrada"}}},
		{`message 404 "Nothing here"`, map[int]string{404: "Nothing here"}, nil},
		{`message 404 Nothing here`, map[int]string{404: "Nothing here"}, nil},
		{`message 404 Nothing on this shelf`, map[int]string{404: "Nothing on this shelf"}, nil},
	} {
		t.Run(row.line, func(t *testing.T) {
			out, err := adapt(t, "http://localhost {\n\terror_pages {\n\t\t"+row.line+"\n\t}\n}\n")
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			if row.messages != nil {
				b, _ := json.Marshal(map[string]any{"messages": row.messages})
				want = append(want, strings.Trim(string(b), "{}"))
			}
			if row.byLang != nil {
				b, _ := json.Marshal(map[string]any{"language_messages": row.byLang})
				want = append(want, strings.Trim(string(b), "{}"))
			}
			for _, w := range want {
				if !strings.Contains(string(out), w) {
					t.Errorf("adapted JSON lacks %s:\n%s", w, out)
				}
			}
			if row.messages == nil && strings.Contains(string(out), `"messages"`) || row.byLang == nil && strings.Contains(string(out), "language_messages") {
				t.Errorf("message in the wrong place:\n%s", out)
			}
		})
	}
}

// The maintenance page speaks the visitor's language, its end time
// written for that language; API formats stay English by default.
func TestMaintenanceInVisitorsLanguage(t *testing.T) {
	until := time.Now().Add(2 * time.Hour).UTC().Truncate(time.Minute)
	tester := startCaddy(t, globalOptions+fmt.Sprintf(`
http://localhost:9080 {
	error_pages {
		maintenance on {
			until %s
		}
	}
	respond "up"
}
`, until.Format(time.RFC3339)))
	c := errorpages.Builtin()
	for _, row := range []struct {
		name, accept, lang string
		want               []string
	}{
		{"german page", "text/html", "de", []string{`<html lang="de" dir="ltr">`, c.Lookup("de", errorpages.KeyMaintenanceTitle),
			errorpages.Fill(c.Lookup("de", errorpages.KeyMaintenanceUntil), "time", errorpages.FormatTime("de", until))}},
		{"arabic page", "text/html", "ar", []string{`<html lang="ar" dir="rtl">`, c.Lookup("ar", errorpages.KeyMaintenanceTitle)}},
		{"german text", "text/plain", "de", []string{"503 " + c.Lookup("de", errorpages.KeyMaintenanceTitle)}},
		{"json stays English", "application/json", "en", []string{`"message":"Down for maintenance"`, "We expect to be back by " + errorpages.FormatTime("en", until)}},
	} {
		t.Run(row.name, func(t *testing.T) {
			r := get(t, tester, "GET", "http://localhost:9080/", "Accept", row.accept, "Accept-Language", "ar;q=0.1, "+row.lang)
			if r.StatusCode != 503 || r.Header.Get("Content-Language") != row.lang || r.Header.Get("Retry-After") == "" {
				t.Errorf("status %d, Content-Language %q, Retry-After %q", r.StatusCode, r.Header.Get("Content-Language"), r.Header.Get("Retry-After"))
			}
			for _, w := range row.want {
				if !strings.Contains(string(r.body), w) {
					t.Errorf("body lacks %q:\n%s", w, r.body)
				}
			}
		})
	}
}

// Retry-After is read as delay seconds or an HTTP date; anything else,
// or a date already past, shows no hint.
func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, row := range []struct {
		value string
		want  int
	}{
		{"120", 120},
		{" 30 ", 30},
		{"Sun, 01 Mar 2026 12:05:00 GMT", 300},
		{"Sun, 01 Mar 2026 11:00:00 GMT", 0}, // past
		{"0", 0},
		{"-5", 0},
		{"soon", 0},
		{"99999999999999999999", 0},
		{"", 0},
	} {
		if got := parseRetryAfter(row.value, now); got != row.want {
			t.Errorf("parseRetryAfter(%q) = %d, want %d", row.value, got, row.want)
		}
	}
}
