package errorpages

import (
	"encoding/json"
	"io/fs"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"unicode"
	"unicode/utf8"
)

// readCatalogFiles reads every embedded catalogue file as it is on disk,
// without the fallbacks the Catalog applies.
func readCatalogFiles(t *testing.T) map[string]map[string]string {
	t.Helper()
	names, err := fs.Glob(builtinFS, "i18n/*.json")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]string{}
	for _, name := range names {
		data, err := fs.ReadFile(builtinFS, name)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]string
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out[strings.TrimSuffix(strings.TrimPrefix(name, "i18n/"), ".json")] = m
	}
	return out
}

// The embedded catalogue loads whole: without an error, one language
// per file, and every text of every file served as the file writes it
// (a text the load found a problem in would be left out).
func TestBuiltinCatalogLoads(t *testing.T) {
	c, err := builtin()
	if err != nil {
		t.Fatal(err)
	}
	files := readCatalogFiles(t)
	if len(files) < 2 || len(files[SourceLanguage]) == 0 {
		t.Fatalf("embedded catalogue files: %d languages, %d English texts", len(files), len(files[SourceLanguage]))
	}
	var langs []string
	for lang := range files {
		langs = append(langs, lang)
	}
	slices.Sort(langs)
	if got := slices.Sorted(slices.Values(c.Languages())); !slices.Equal(got, langs) {
		t.Errorf("languages %q, want one per file: %q", got, langs)
	}
	for _, lang := range langs {
		tb, ok := c.tables[lang]
		if !ok {
			continue
		}
		if len(tb.entries) != len(files[lang]) {
			t.Errorf("%s: %d texts loaded, the file has %d", lang, len(tb.entries), len(files[lang]))
		}
		for key, want := range files[lang] {
			if got := c.Lookup(lang, key); got != want {
				t.Errorf("Lookup(%s, %s) = %q, the file says %q", lang, key, got, want)
			}
		}
	}
}

// A broken file is left out, the rest still loads: a process with a bad
// translation starts and serves English for it.
func TestLoadCatalogKeepsWhatIsGood(t *testing.T) {
	fsys := fstest.MapFS{
		"i18n/en.json": {Data: []byte(`{"page.home": "Go to the home page", "page.error_code": "Error {code}"}`)},
		"i18n/de.json": {Data: []byte(`{"page.home": "Zur Startseite", "page.error_code": "Fehler {status}"}`)},
		"i18n/fr.json": {Data: []byte(`{"page.home": `)},
	}
	c, err := loadCatalog(fsys, "i18n")
	if err == nil || !strings.Contains(err.Error(), "de.json") || !strings.Contains(err.Error(), "fr.json") {
		t.Errorf("err = %v; want both problems reported", err)
	}
	for _, tt := range []struct{ lang, key, want string }{
		{"de", KeyHome, "Zur Startseite"},
		{"de", KeyErrorCode, "Error {code}"},
		{"fr", KeyHome, "Go to the home page"},
	} {
		if got := c.Lookup(tt.lang, tt.key); got != tt.want {
			t.Errorf("Lookup(%q, %q) = %q; want %q", tt.lang, tt.key, got, tt.want)
		}
	}
	c, err = loadCatalog(fstest.MapFS{"i18n/en.json": {Data: []byte(`[]`)}}, "i18n")
	if err == nil {
		t.Error("a broken en.json loads without error")
	}
	if got := c.Translator("de").T(KeyHome); got != KeyHome {
		t.Errorf("without English, T returns %q; want the key", got)
	}
}

// The built-in languages are the ones issue 11 asks for, no more, no less.
func TestShippedLanguages(t *testing.T) {
	got := Builtin().Languages()
	want := slices.Clone(shippedLanguages)
	slices.Sort(want[1:]) // en first, then sorted
	if !slices.Equal(got, want) {
		t.Errorf("Languages() = %v;\nwant %v", got, want)
	}
	rtl := map[string]bool{"ar": true, "he": true}
	for _, lang := range got {
		want := "ltr"
		if rtl[lang] {
			want = "rtl"
		}
		if tr := Builtin().Translator(lang); tr.Dir() != want || tr.Lang() != lang {
			t.Errorf("Translator(%q): Lang %q, Dir %q; want %q, %q", lang, tr.Lang(), tr.Dir(), lang, want)
		}
	}
}

// Brazilian and European Portuguese are two catalogues, not one copied.
func TestPortugueseVariantsDiffer(t *testing.T) {
	files := readCatalogFiles(t)
	same := 0
	for key, br := range files["pt-BR"] {
		if files["pt-PT"][key] == br {
			same++
		}
	}
	if n := len(files["pt-BR"]); same > n/2 {
		t.Errorf("pt-BR and pt-PT share %d of %d texts", same, n)
	}
}

// The English catalogue is the source: its status texts are the reason
// phrases and the descriptions status.go has always served.
func TestEnglishCatalogMatchesStatusTexts(t *testing.T) {
	en := readCatalogFiles(t)["en"]
	for code, desc := range statusDescriptions {
		if got, want := en["status."+strconv.Itoa(code)+".title"], http.StatusText(code); got != want {
			t.Errorf("status.%d.title = %q; want the reason phrase %q", code, got, want)
		}
		if got := en["status."+strconv.Itoa(code)+".description"]; got != desc {
			t.Errorf("status.%d.description = %q; want status.go's %q", code, got, desc)
		}
	}
	for key := range en {
		rest, ok := strings.CutPrefix(key, "status.")
		if !ok {
			continue
		}
		codeStr, _, _ := strings.Cut(rest, ".")
		if code, err := strconv.Atoi(codeStr); err == nil {
			if _, ok := statusDescriptions[code]; !ok {
				t.Errorf("%s: status %d has no description in status.go", key, code)
			}
		}
	}
	for key, want := range map[string]string{
		KeyClientErrorTitle:       "Client Error",
		KeyServerErrorTitle:       "Server Error",
		KeyClientErrorDescription: statusDescriptions[400],
		KeyServerErrorDescription: statusDescriptions[500],
	} {
		if en[key] != want {
			t.Errorf("%s = %q; want %q", key, en[key], want)
		}
	}
}

// Every built-in key is in every language, and no language has keys
// English lacks: adding a text without its translations fails here.
func TestEveryLanguageHasEveryKey(t *testing.T) {
	files := readCatalogFiles(t)
	en := files["en"]
	for lang, m := range files {
		for key := range en {
			if _, ok := m[key]; !ok {
				t.Errorf("%s.json: missing %q (English: %q)", lang, key, en[key])
			}
		}
		for key := range m {
			if _, ok := en[key]; !ok {
				t.Errorf("%s.json: %q is not a key of en.json", lang, key)
			}
		}
	}
}

func TestTranslationsKeepPlaceholders(t *testing.T) {
	files := readCatalogFiles(t)
	en := files["en"]
	for lang, m := range files {
		for key, text := range m {
			got, want := placeholders(text), placeholders(en[key])
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("%s.json %s: placeholders %v; want %v as in %q", lang, key, got, want, en[key])
			}
			if strings.Count(text, "{") != strings.Count(text, "}") {
				t.Errorf("%s.json %s: unbalanced braces in %q", lang, key, text)
			}
		}
	}
}

func TestTranslationsAreCleanText(t *testing.T) {
	for lang, m := range readCatalogFiles(t) {
		for key, text := range m {
			switch {
			case !utf8.ValidString(text):
				t.Errorf("%s.json %s: not valid UTF-8", lang, key)
			case strings.TrimSpace(text) == "":
				t.Errorf("%s.json %s: empty", lang, key)
			case strings.TrimSpace(text) != text:
				t.Errorf("%s.json %s: leading or trailing space in %q", lang, key, text)
			case strings.ContainsAny(text, "<>\n\t"):
				t.Errorf("%s.json %s: markup or control characters in %q", lang, key, text)
			case strings.Contains(text, "  "):
				t.Errorf("%s.json %s: double space in %q", lang, key, text)
			case strings.Contains(strings.ToUpper(text), "TODO"):
				t.Errorf("%s.json %s: unfinished %q", lang, key, text)
			}
		}
	}
}

// Languages written in their own script use it in every text: an English
// text left untranslated shows up here.
func TestTranslationsUseTheirScript(t *testing.T) {
	scripts := map[string][]*unicode.RangeTable{
		"ru":      {unicode.Cyrillic},
		"uk":      {unicode.Cyrillic},
		"ja":      {unicode.Hiragana, unicode.Katakana, unicode.Han},
		"ko":      {unicode.Hangul},
		"zh-Hans": {unicode.Han},
		"zh-Hant": {unicode.Han},
		"ar":      {unicode.Arabic},
		"he":      {unicode.Hebrew},
		"hi":      {unicode.Devanagari},
	}
	files := readCatalogFiles(t)
	for lang, tables := range scripts {
		for key, text := range files[lang] {
			if !strings.ContainsFunc(text, func(r rune) bool { return unicode.IsOneOf(tables, r) }) {
				t.Errorf("%s.json %s: %q has no letter of the language's script", lang, key, text)
			}
		}
	}
}

// Latin-script languages translate their texts: a few words may be the
// same as in English (Documentation, Status), whole sentences may not.
func TestTranslationsDifferFromEnglish(t *testing.T) {
	files := readCatalogFiles(t)
	en := files["en"]
	for lang, m := range files {
		if lang == "en" {
			continue
		}
		for key, text := range m {
			if text == en[key] && strings.Count(text, " ") >= 2 {
				t.Errorf("%s.json %s: %q is the English text", lang, key, text)
			}
		}
	}
}

// words splits text into lower-case words of letters.
func words(text string) []string {
	return strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !unicode.IsLetter(r) })
}

// Each language addresses the visitor one way throughout (the register its
// big sites use); these are the forms of the other register.
func TestTranslationsKeepOneRegister(t *testing.T) {
	other := map[string][]string{
		"de":    {"du", "dich", "dir", "dein", "deine", "deinen", "deiner", "deines"},    // Sie
		"fr":    {"tu", "toi", "ton", "ta", "tes"},                                       // vous
		"es":    {"usted", "ustedes"},                                                    // tú
		"it":    {"lei", "suo", "sua", "suoi", "sue"},                                    // tu
		"nl":    {"u", "uw"},                                                             // je
		"pt-PT": {"você", "vocês", "tu", "teu", "tua", "arquivo", "tela", "registrar"},   // formal, European words
		"pt-BR": {"ficheiro", "ecrã", "registar", "utilizador", "contacte", "contactar"}, // você, Brazilian words
		"cs":    {"ty", "tvůj", "tvoje", "tebe", "tobě", "zkus"},                         // vykání
		"pl":    {"pan", "pani", "państwo"},                                              // ty
		"ru":    {"ты", "тебя", "тебе", "твой", "твоя", "твои", "твоё"},                  // вы
		"uk":    {"ти", "тебе", "твій", "твоя", "твої", "твоє"},                          // ви
		"tr":    {"sen", "senin", "dene"},                                                // siz
		"hi":    {"तुम", "तू", "तुम्हारा", "तुम्हें"},                                    // आप
		"id":    {"kamu", "kau", "engkau"},                                               // Anda
	}
	files := readCatalogFiles(t)
	for lang, forbidden := range other {
		for key, text := range files[lang] {
			for _, w := range words(text) {
				if slices.Contains(forbidden, w) {
					t.Errorf("%s.json %s: %q uses %q, the other register", lang, key, text, w)
				}
			}
		}
	}
}

// zh-Hans is written in simplified characters, zh-Hant in traditional ones
// (Taiwan usage); these are characters that differ between the two.
func TestChineseScriptsDoNotMix(t *testing.T) {
	simplified := "们这请页误务时网络试该问题设过长发门储认证连数据录击载无权访联间应当错为满达处现后说类够稳维护复"
	traditional := "們這請頁誤務時網絡試該問題設過長發門儲認證連數據錄擊載無權訪聯間應當錯為滿達處現後說類夠穩維護復"
	files := readCatalogFiles(t)
	for key, text := range files["zh-Hans"] {
		if i := strings.IndexAny(text, traditional); i >= 0 {
			t.Errorf("zh-Hans.json %s: traditional character in %q", key, text)
		}
	}
	for key, text := range files["zh-Hant"] {
		if i := strings.IndexAny(text, simplified); i >= 0 {
			t.Errorf("zh-Hant.json %s: simplified character in %q", key, text)
		}
	}
}

func TestLookupFallsBack(t *testing.T) {
	c := Builtin()
	if err := c.Merge("de-CH", map[string]string{KeyHome: "Zur Startseite (CH)"}); err != nil {
		t.Fatal(err)
	}
	if err := c.Merge("ca", map[string]string{KeyTryAgain: "Torna-ho a provar"}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, lang, key, want string
	}{
		{"English text", "en", KeyHome, "Go to the home page"},
		{"unknown key is returned as is", "en", "page.nope", "page.nope"},
		{"unknown language is English", "xx", KeyHome, "Go to the home page"},
		{"empty language is English", "", KeyHome, "Go to the home page"},
		{"merged regional override", "de-CH", KeyHome, "Zur Startseite (CH)"},
		{"merged regional language falls back to its parent", "de-CH", KeyTryAgain, "Erneut versuchen"},
		{"merged new language", "ca", KeyTryAgain, "Torna-ho a provar"},
		{"merged new language falls back to English", "ca", KeyHome, "Go to the home page"},
		{"a tag outside the catalogue resolves to the closest language", "de-AT", KeyTryAgain, "Erneut versuchen"},
		{"Taiwan Chinese reads Traditional", "zh-TW", KeyHome, "返回首頁"},
		{"deprecated tag reads its language", "iw", KeyTryAgain, "ניסיון חוזר"},
		{"German", "de", KeyHome, "Zur Startseite"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := c.Lookup(tt.lang, tt.key); got != tt.want {
				t.Errorf("Lookup(%q, %q) = %q; want %q", tt.lang, tt.key, got, tt.want)
			}
		})
	}
}

func TestTranslator(t *testing.T) {
	tr := Builtin().Translator("en")
	tests := []struct {
		name, got, want string
	}{
		{"title is the reason phrase", tr.Title(404), "Not Found"},
		{"description is status.go's", tr.Description(404), statusDescriptions[404]},
		{"4xx without an entry gets the class title", tr.Title(499), "Client Error"},
		{"5xx without an entry gets the class description", tr.Description(599), statusDescriptions[500]},
		{"out-of-range code gets the client class", tr.Title(0), "Client Error"},
		{"placeholder filled", tr.T(KeyErrorCode, "code", "404"), "Error 404"},
		{"placeholder without a value stays", tr.T(KeyErrorCode), "Error {code}"},
		{"language", tr.Lang(), "en"},
		{"direction", tr.Dir(), "ltr"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %q; want %q", tt.got, tt.want)
			}
		})
	}
}

func TestFill(t *testing.T) {
	tests := []struct {
		name, text string
		kv         []string
		want       string
	}{
		{"no placeholder", "Try again", []string{"n", "3"}, "Try again"},
		{"one placeholder", "Error {code}", []string{"code", "404"}, "Error 404"},
		{"placeholder twice", "{n} of {n}", []string{"n", "3"}, "3 of 3"},
		{"two placeholders", "{a}-{b}", []string{"b", "2", "a", "1"}, "1-2"},
		{"unknown placeholder stays", "Error {code}", []string{"n", "3"}, "Error {code}"},
		{"no values", "Error {code}", nil, "Error {code}"},
		{"odd value list ignores the last name", "Error {code}", []string{"code"}, "Error {code}"},
		{"unclosed brace", "Error {code", []string{"code", "1"}, "Error {code"},
		{"nested brace", "{{code}}", []string{"code", "1"}, "{1}"},
		{"value with braces is not expanded again", "{a}{b}", []string{"a", "{b}", "b", "x"}, "{b}x"},
		{"right-to-left text", "خطأ {code}", []string{"code", "404"}, "خطأ 404"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Fill(tt.text, tt.kv...); got != tt.want {
				t.Errorf("Fill(%q, %q) = %q; want %q", tt.text, tt.kv, got, tt.want)
			}
		})
	}
}

func TestDir(t *testing.T) {
	tests := []struct{ lang, want string }{
		{"ar", "rtl"}, {"ar-EG", "rtl"}, {"he", "rtl"}, {"iw", "rtl"}, {"fa", "rtl"},
		{"ur", "rtl"}, {"yi", "rtl"}, {"ckb", "rtl"}, {"ps", "rtl"}, {"dv", "rtl"},
		{"az-Arab", "rtl"}, {"pa-Arab", "rtl"},
		{"en", "ltr"}, {"de", "ltr"}, {"zh-Hant", "ltr"}, {"ja", "ltr"}, {"hi", "ltr"},
		{"az", "ltr"}, {"ku", "ltr"}, {"uz-Latn", "ltr"},
		{"", "ltr"}, {"not a tag!", "ltr"}, {"x-private", "ltr"},
	}
	for _, tt := range tests {
		if got := Dir(tt.lang); got != tt.want {
			t.Errorf("Dir(%q) = %q; want %q", tt.lang, got, tt.want)
		}
	}
}

func TestMergeErrors(t *testing.T) {
	tests := []struct {
		name    string
		lang    string
		entries map[string]string
		wantErr string
	}{
		{"unknown key", "de", map[string]string{"page.hom": "x"}, `de: unknown key "page.hom"`},
		{"first unknown key in sorted order", "de", map[string]string{"z.b": "x", "a.b": "x"}, `unknown key "a.b"`},
		{"ill-formed tag", "de_DE", map[string]string{KeyHome: "x"}, `"de_DE" is not a valid language tag`},
		{"unknown language", "qq", map[string]string{KeyHome: "x"}, `"qq" is not a valid language tag`},
		{"empty tag", "", map[string]string{KeyHome: "x"}, "empty language tag"},
		{"wildcard", "*", map[string]string{KeyHome: "x"}, "not a valid language tag"},
		{"extension", "de-u-co-phonebk", map[string]string{KeyHome: "x"}, "without extensions"},
		{"empty text", "de", map[string]string{KeyHome: " "}, "page.home: empty text"},
		{"invalid UTF-8", "de", map[string]string{KeyHome: "\xff"}, "not valid UTF-8"},
		{"unknown placeholder", "de", map[string]string{KeyErrorCode: "Fehler {status}"}, "unknown placeholder {status}: this text takes {code}"},
		{"placeholder where none is taken", "de", map[string]string{KeyHome: "{code}"}, "unknown placeholder {code}: this text takes none"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Builtin()
			before := c.Lookup("de", KeyHome)
			err := c.Merge(tt.lang, tt.entries)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v; want it to contain %q", err, tt.wantErr)
			}
			if got := c.Lookup("de", KeyHome); got != before {
				t.Errorf("a failed Merge changed the catalogue: %q → %q", before, got)
			}
		})
	}
}

func TestMergeIsolation(t *testing.T) {
	a, b := Builtin(), Builtin()
	orig := a.Lookup("en", KeyHome)
	if err := a.Merge("EN", map[string]string{KeyHome: "Back to the shop"}); err != nil {
		t.Fatal(err)
	}
	if err := a.Merge("iw", map[string]string{KeyHome: "חזרה לחנות"}); err != nil {
		t.Fatal(err)
	}
	if got := a.Lookup("en", KeyHome); got != "Back to the shop" {
		t.Errorf("merged catalogue: %q", got)
	}
	if got := a.Lookup("he", KeyHome); got != "חזרה לחנות" {
		t.Errorf("iw is merged into he: %q", got)
	}
	if got := b.Lookup("en", KeyHome); got != orig {
		t.Errorf("another Builtin() saw the merge: %q", got)
	}
	if got := Builtin().Lookup("en", KeyHome); got != orig {
		t.Errorf("the built-in texts changed: %q", got)
	}
	if err := a.Merge("ca-ES", map[string]string{KeyHome: "Torna a l'inici"}); err != nil {
		t.Fatal(err)
	}
	if !a.Has("ca-ES") || b.Has("ca-ES") || slices.Contains(b.Languages(), "ca-ES") {
		t.Errorf("new language: a.Has=%v b.Has=%v", a.Has("ca-ES"), b.Has("ca-ES"))
	}
	if got := a.Languages(); got[0] != "en" || !slices.IsSorted(got[1:]) {
		t.Errorf("Languages() = %v; want en first, then sorted", got)
	}
}

func TestLoadCatalogErrors(t *testing.T) {
	en := `{"page.home": "Go to the home page", "page.error_code": "Error {code}"}`
	tests := []struct {
		name    string
		files   map[string]string
		wantErr string
	}{
		{"no English", map[string]string{"de.json": `{}`}, "no usable en.json"},
		{"malformed JSON", map[string]string{"en.json": en, "de.json": `{"page.home": }`}, "de.json: want a flat JSON object"},
		{"nested object", map[string]string{"en.json": en, "de.json": `{"page": {"home": "x"}}`}, "de.json: want a flat JSON object"},
		{"number value", map[string]string{"en.json": en, "de.json": `{"page.home": 1}`}, "de.json: want a flat JSON object"},
		{"invalid UTF-8", map[string]string{"en.json": en, "de.json": "{\"page.home\": \"\xff\"}"}, "de.json: not valid UTF-8"},
		{"unknown key", map[string]string{"en.json": en, "de.json": `{"page.homepage": "x"}`}, `de.json: unknown key "page.homepage"`},
		{"lost placeholder is caught by the tests, an invented one here", map[string]string{"en.json": en, "de.json": `{"page.error_code": "Fehler {status}"}`}, "unknown placeholder {status}"},
		{"file not named by a tag", map[string]string{"en.json": en, "german.json": `{}`}, "german.json: file name"},
		{"file not named by the canonical tag", map[string]string{"en.json": en, "pt-br.json": `{}`}, "name the file by the canonical tag pt-BR.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			for name, body := range tt.files {
				fsys["i18n/"+name] = &fstest.MapFile{Data: []byte(body)}
			}
			_, err := loadCatalog(fsys, "i18n")
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v; want it to contain %q", err, tt.wantErr)
			}
		})
	}
}

func BenchmarkTranslator(b *testing.B) {
	c := Builtin()
	b.ReportAllocs()
	for b.Loop() {
		tr := c.Translator("de")
		_ = tr.Title(404)
		_ = tr.Description(404)
		_ = tr.T(KeyHome)
		_ = tr.T(KeyErrorCode, "code", "404")
	}
}

// What parsing the embedded catalogue costs (once per process), and what a
// site's Builtin() copy costs (once per provision).
func BenchmarkLoadCatalog(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := loadCatalog(builtinFS, "i18n"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBuiltinCopy(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = Builtin()
	}
}
