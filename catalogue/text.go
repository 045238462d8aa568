package catalogue

import (
	"embed"
	"encoding/json"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/errorpages/caddy-errorpages/errorpages"
)

// The catalogue's own texts, one flat JSON object of key → text per
// language in i18n/<tag>.json; en.json has every key. Adding a language
// is adding its file.
//
//go:embed i18n/*.json
var textFiles embed.FS

// SourceLanguage is the language every text exists in.
const SourceLanguage = "en"

var texts = func() map[string]map[string]string {
	out := map[string]map[string]string{}
	files, err := textFiles.ReadDir("i18n")
	if err != nil {
		panic(err) // embedded: cannot happen
	}
	for _, f := range files {
		lang := strings.TrimSuffix(f.Name(), ".json")
		b, err := textFiles.ReadFile(path.Join("i18n", f.Name()))
		if err != nil {
			panic(err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			panic(fmt.Sprintf("catalogue: i18n/%s: %v", f.Name(), err)) // a test reads every file
		}
		out[lang] = m
	}
	return out
}()

// Languages lists the languages the catalogue's texts exist in, sorted.
func Languages() []string {
	out := make([]string, 0, len(texts))
	for l := range texts {
		out = append(out, l)
	}
	slices.Sort(out)
	return out
}

// HasLanguage reports whether the catalogue's texts exist in lang (a
// canonical tag, as error_pages negotiates it).
func HasLanguage(lang string) bool {
	_, ok := texts[lang]
	return ok
}

// lang is the language a page is written in: lang when the catalogue has
// it, else English, so that a page is in one language.
func (c *Catalogue) lang(lang string) string {
	if HasLanguage(lang) {
		return lang
	}
	return SourceLanguage
}

// T is the catalogue's text for key in lang (English when lang lacks
// it), its {placeholders} filled from name, value pairs.
func (c *Catalogue) T(lang, key string, kv ...string) string {
	if v, ok := texts[lang][key]; ok {
		return errorpages.Fill(v, kv...)
	}
	if v, ok := texts[SourceLanguage][key]; ok {
		return errorpages.Fill(v, kv...)
	}
	return key
}

func (c *Catalogue) has(key string) bool {
	_, ok := texts[SourceLanguage][key]
	return ok
}
