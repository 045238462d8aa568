package errorpages

import (
	"bytes"
	"sort"
	"strings"
	"testing"
)

// problemFields is one field per built-in problem text, with arguments
// for its placeholders, and one of each localized hint.
func problemFields(t *testing.T) []Field {
	t.Helper()
	en := Builtin().table(SourceLanguage).entries
	var keys []string
	for k := range en {
		if strings.HasPrefix(k, "problem.") && !strings.HasPrefix(k, "problem.hint.") {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	if len(keys) < 50 {
		t.Fatalf("%d problem texts", len(keys))
	}
	args := map[string]string{"types": "integer", "format": "email", "value": `"on"`, "limit": "5", "n": "3"}
	var fs []Field
	for _, k := range keys {
		code, _, _ := strings.Cut(strings.TrimPrefix(k, "problem."), ".")
		fs = append(fs, Field{Field: "f_" + code, Pointer: "/body/f", Code: code, Key: k, Args: args, Message: "English message"})
	}
	fs = append(fs,
		Field{Field: "nmae", Code: "additional_property", Message: "is not allowed here", Hint: "did you mean `name`?", Args: map[string]string{"suggest": "name"}},
		Field{Field: "role", Code: "enum", Message: "must be one of the allowed values", Hint: "allowed: admin, member", Args: map[string]string{"allowed": "admin, member"}},
		Field{Field: "sku", Code: "pattern", Key: "problem.pattern", Message: "does not have the expected format", Hint: "must match the pattern ^[A-Z]{4}$"},
	)
	return fs
}

// Every built-in problem text in every built-in language: the HTML page
// and the text body write it in the page's language, never the English
// sentence outside English, never a regular expression; the machine
// formats keep the English message and hint.
func TestProblemsInEveryLanguage(t *testing.T) {
	c := Builtin()
	en := c.Translator(SourceLanguage)
	fs := problemFields(t)
	r, err := NewRenderer(RendererConfig{})
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range c.Languages() {
		tr := c.Translator(lang)
		e := NewError(400, "")
		e.Fields = fs
		var text, html bytes.Buffer
		writeText(&text, e, tr)
		d := &PageData{Error: e, Lang: lang, tr: tr}
		if err := r.Render(&html, HTML, d); err != nil {
			t.Fatal(err)
		}
		for _, f := range fs {
			kv := argPairs(f.Args)
			key := f.Key
			if key == "" {
				key = "problem." + f.Code
			}
			want := tr.T(key, kv...)
			if lang == SourceLanguage {
				want = f.Message // English pages keep the validator's own, more precise, English
			}
			if !strings.Contains(text.String(), "- "+f.Field+": "+want) {
				t.Errorf("%s: the text body lacks %q for %s", lang, want, f.Field)
			}
			if lang != SourceLanguage && en.T(key, kv...) == want {
				t.Errorf("%s: %s is the English sentence %q", lang, key, want)
			}
			if !strings.Contains(html.String(), escapeString(want)) && !strings.Contains(html.String(), want) {
				t.Errorf("%s: the page lacks %q", lang, want)
			}
		}
		for _, body := range []string{text.String(), html.String()} {
			if strings.Contains(body, "^[A-Z]{4}$") || strings.Contains(body, "English message") && lang != SourceLanguage {
				t.Errorf("%s: a regular expression or an untranslated message is shown:\n%s", lang, body)
			}
		}
		if lang != SourceLanguage && (!strings.Contains(html.String(), "<code>name</code>") || !strings.Contains(text.String(), `"name"`)) {
			t.Errorf("%s: the suggestion is not marked as code", lang)
		}
	}
	// The machine formats are written for developers: English, as given.
	var js bytes.Buffer
	e := NewError(400, "")
	e.Fields = fs[len(fs)-3:]
	writeEnvelope(&js, e)
	if !strings.Contains(js.String(), "did you mean `name`?") || !strings.Contains(js.String(), "^[A-Z]{4}$") {
		t.Errorf("the JSON body changed: %s", js.String())
	}
}

func escapeString(s string) string {
	var b bytes.Buffer
	escapeHTML(&b, s)
	return b.String()
}

func TestHintMarkup(t *testing.T) {
	for _, tt := range []struct{ hint, html, text string }{
		{"did you mean `email`?", "did you mean <code>email</code>?", `did you mean "email"?`},
		{"`a<b` or `c`", "<code>a&lt;b</code> or <code>c</code>", `"a<b" or "c"`},
		{"one ` alone", "one ` alone", `one " alone`},
		{"none", "none", "none"},
	} {
		if got := string(Field{Hint: tt.hint}.HintHTML()); got != tt.html {
			t.Errorf("%q: HTML %q, want %q", tt.hint, got, tt.html)
		}
		if got := hintText(tt.hint); got != tt.text {
			t.Errorf("%q: text %q, want %q", tt.hint, got, tt.text)
		}
	}
}
