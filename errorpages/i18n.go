package errorpages

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/text/language"
)

// Translation keys of the built-in texts. The English catalogue
// (i18n/en.json) is the reference: every shipped language has exactly its
// keys, with the same {placeholders}.
const (
	KeyErrorCode        = "page.error_code"        // "Error {code}": screen-reader heading prefix, footer
	KeyRequestID        = "page.request_id"        // "Request ID"
	KeyTraceID          = "page.trace_id"          // "Trace ID"
	KeyHome             = "page.home"              // "Go to the home page"
	KeyHomeAlt          = "page.home_alt"          // "Home": logo alt text without a brand name
	KeyTryAgain         = "page.try_again"         // "Try again"
	KeyPleaseCheck      = "page.please_check"      // "Please check": heading of the field list
	KeyMoreProblems     = "page.more_problems"     // "…and {n} more"
	KeyContactSupport   = "page.contact_support"   // "Contact support"
	KeyDocumentation    = "page.documentation"     // "Documentation"
	KeySystemStatus     = "page.system_status"     // "System status"
	KeyNextSteps        = "page.next_steps"        // "Next steps": aria-label of the links
	KeyRetryIn          = "page.retry_in"          // "You can try again in {countdown}."
	KeyRetryAt          = "page.retry_at"          // "You can try again after {time}."
	KeyMaintenanceUntil = "page.maintenance_until" // "We expect to be back by {time}."

	KeyTextRequestID  = "text.request_id"  // text format label "Request ID"
	KeyTextTraceID    = "text.trace_id"    // text format label "Trace ID"
	KeyTextDocs       = "text.docs"        // text format label "Documentation"
	KeyTextRetryAfter = "text.retry_after" // text format label "Retry after"

	KeyValidationTitle   = "validation.title"   // "Invalid request"
	KeyValidationSummary = "validation.summary" // "Problems in the request: {n}"

	KeyMaintenanceTitle       = "status.maintenance.title"
	KeyMaintenanceDescription = "status.maintenance.description"
	KeyClientErrorTitle       = "status.client_error.title"
	KeyClientErrorDescription = "status.client_error.description"
	KeyServerErrorTitle       = "status.server_error.title"
	KeyServerErrorDescription = "status.server_error.description"
)

// SourceLanguage is the language every other catalogue is translated
// from; it holds every key, and every lookup ends there.
const SourceLanguage = "en"

//go:embed i18n/*.json
var builtinFS embed.FS

// builtin parses the embedded catalogue on first use (about 5 ms, so
// processes that never render a page do not pay it at start-up). The files
// are ours and TestBuiltinCatalogLoads fails on any problem in them; should
// a broken one ship anyway, the process still works: the broken file or
// text is left out and its texts come from English.
var builtin = sync.OnceValues(func() (*Catalog, error) {
	return loadCatalog(builtinFS, "i18n")
})

// Catalog holds the built-in texts in every language, plus what a site
// merged in. Lookups never fail: a key missing in a language comes from its
// parent language (de-CH → de), then from English.
//
// A Catalog is safe for concurrent lookups. Merge is not: merge everything
// at provision time, then only read.
type Catalog struct {
	tables  map[string]*table // by canonical tag
	matcher *LanguageMatcher  // resolves tags that are not in tables
}

type table struct {
	lang    string
	dir     string
	entries map[string]string
	parent  *table // next table to ask for a missing key; nil after English
	owned   bool   // entries belongs to this Catalog and may be written
}

// Builtin returns the catalogue of built-in translations. Each call returns
// a new Catalog that shares the (read-only) built-in texts, so merging into
// it never changes another site's texts.
func Builtin() *Catalog {
	c, _ := builtin()
	return c.clone()
}

func (c *Catalog) clone() *Catalog {
	n := &Catalog{tables: make(map[string]*table, len(c.tables)), matcher: c.matcher}
	for k, t := range c.tables {
		cp := *t
		cp.owned = false
		n.tables[k] = &cp
	}
	n.link()
	return n
}

// Languages returns the catalogue's language tags, sorted, English first.
func (c *Catalog) Languages() []string {
	out := make([]string, 0, len(c.tables))
	for k := range c.tables {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool {
		if (out[i] == SourceLanguage) != (out[j] == SourceLanguage) {
			return out[i] == SourceLanguage
		}
		return out[i] < out[j]
	})
	return out
}

// Has reports whether lang is one of the catalogue's languages (exactly, as
// Languages spells it).
func (c *Catalog) Has(lang string) bool {
	_, ok := c.tables[lang]
	return ok
}

// Lookup returns the text for key in lang. lang is normally one of
// Languages (what a LanguageMatcher over them returns); any other tag is
// resolved to the closest catalogue language (zh-TW → zh-Hant, de-AT → de,
// iw → he), else English. A key the language lacks comes from its parent
// language, then from English; an unknown key is returned as is, so a typo
// shows on the page instead of an empty string.
func (c *Catalog) Lookup(lang, key string) string {
	for t := c.table(lang); t != nil; t = t.parent {
		if v, ok := t.entries[key]; ok {
			return v
		}
	}
	return key
}

// table returns the table for lang, resolving tags the catalogue does not
// hold through its language matcher. Never nil.
func (c *Catalog) table(lang string) *table {
	if t, ok := c.tables[lang]; ok {
		return t
	}
	if l, ok := c.matcher.Match(lang); ok {
		return c.tables[l]
	}
	return c.tables[SourceLanguage]
}

// Translator is the catalogue bound to one language: what a page renders
// with. It is a small value; making one costs a map lookup.
type Translator struct {
	c *Catalog
	t *table
	p *PageTexts
}

// PageTexts are the built-in page's fixed texts in one language, looked up
// once per Translator so that a page costs no lookups for them.
type PageTexts struct {
	RequestID, TraceID, Home, HomeAlt, TryAgain, PleaseCheck, ContactSupport, Documentation, SystemStatus, NextSteps string
}

// Translator returns the catalogue bound to lang (resolved as in Lookup).
// Make one per language at start-up and keep it: it looks up the page's
// fixed texts once.
func (c *Catalog) Translator(lang string) Translator {
	tr := Translator{c: c, t: c.table(lang)}
	tr.p = tr.pageTexts()
	return tr
}

func (tr Translator) pageTexts() *PageTexts {
	return &PageTexts{
		RequestID: tr.T(KeyRequestID), TraceID: tr.T(KeyTraceID), Home: tr.T(KeyHome), HomeAlt: tr.T(KeyHomeAlt),
		TryAgain: tr.T(KeyTryAgain), PleaseCheck: tr.T(KeyPleaseCheck), ContactSupport: tr.T(KeyContactSupport),
		Documentation: tr.T(KeyDocumentation), SystemStatus: tr.T(KeySystemStatus), NextSteps: tr.T(KeyNextSteps),
	}
}

// Page returns the page's fixed texts in the translator's language.
func (tr Translator) Page() *PageTexts {
	if tr.p == nil {
		return tr.pageTexts()
	}
	return tr.p
}

// Lang returns the translator's language tag, as the catalogue spells it
// (for lang= and Content-Language).
func (tr Translator) Lang() string { return tr.t.lang }

// Dir returns "rtl" or "ltr" for the translator's language (for dir=).
func (tr Translator) Dir() string { return tr.t.dir }

// T returns the text for key with its {placeholders} filled from kv, given
// as name, value pairs: T(KeyErrorCode, "code", "404").
func (tr Translator) T(key string, kv ...string) string {
	for t := tr.t; t != nil; t = t.parent {
		if v, ok := t.entries[key]; ok {
			return Fill(v, kv...)
		}
	}
	return key
}

// Title returns the translated title of status code (for English, the
// reason phrase); codes without their own entry get the class's title
// ("Client Error").
func (tr Translator) Title(code int) string {
	return tr.T(statusKey(code, titleKeys, KeyClientErrorTitle, KeyServerErrorTitle))
}

// Description returns the translated end-user description of status code;
// codes without their own entry get the class's description.
func (tr Translator) Description(code int) string {
	return tr.T(statusKey(code, descriptionKeys, KeyClientErrorDescription, KeyServerErrorDescription))
}

// statusKey returns the precomputed key for code, or the class key for a
// code without one (no allocation per request).
func statusKey(code int, keys *[200]string, client, server string) string {
	if code >= 400 && code < 600 && keys[code-400] != "" {
		return keys[code-400]
	}
	if code >= 500 {
		return server
	}
	return client
}

var titleKeys, descriptionKeys = func() (t, d *[200]string) {
	t, d = new([200]string), new([200]string)
	for code := range statusDescriptions {
		t[code-400] = "status." + strconv.Itoa(code) + ".title"
		d[code-400] = "status." + strconv.Itoa(code) + ".description"
	}
	return t, d
}()

// Merge adds a site's translations for lang: entries override the built-in
// texts, and a language the catalogue lacks (ca, de-CH) is added, its
// missing keys taken from its parent language or English. It fails,
// changing nothing, when lang is not a valid BCP 47 tag, a key is not a
// built-in key, a text is empty or not UTF-8, or a text uses a
// {placeholder} the English text does not have.
func (c *Catalog) Merge(lang string, entries map[string]string) error {
	tag, err := parseTag(lang)
	if err != nil {
		return err
	}
	canon := tag.String()
	en := c.tables[SourceLanguage].entries
	keys := make([]string, 0, len(entries))
	for k := range entries {
		keys = append(keys, k)
	}
	sort.Strings(keys) // report the first problem deterministically
	for _, k := range keys {
		if err := checkEntry(en, k, entries[k]); err != nil {
			return fmt.Errorf("%s: %w", canon, err)
		}
	}
	t, ok := c.tables[canon]
	if !ok {
		t = &table{lang: canon, dir: Dir(canon), entries: map[string]string{}, owned: true}
		c.tables[canon] = t
		defer c.relink()
	}
	if !t.owned {
		t.entries = maps.Clone(t.entries)
		t.owned = true
	}
	for _, k := range keys {
		t.entries[k] = entries[k]
	}
	return nil
}

// checkEntry validates one translated text against the English reference.
func checkEntry(en map[string]string, key, text string) error {
	ref, ok := en[key]
	if !ok {
		return fmt.Errorf("unknown key %q", key)
	}
	if strings.TrimSpace(text) == "" {
		return fmt.Errorf("%s: empty text", key)
	}
	if !utf8.ValidString(text) {
		return fmt.Errorf("%s: text is not valid UTF-8", key)
	}
	allowed := placeholders(ref)
	for _, p := range placeholders(text) {
		if !slices.Contains(allowed, p) {
			if len(allowed) == 0 {
				return fmt.Errorf("%s: unknown placeholder {%s}: this text takes none", key, p)
			}
			return fmt.Errorf("%s: unknown placeholder {%s}: this text takes {%s}", key, p, strings.Join(allowed, "}, {"))
		}
	}
	return nil
}

// placeholders returns the names of the {placeholders} in s, in order, each
// once. A placeholder name is lower-case letters and underscores.
func placeholders(s string) []string {
	var out []string
	for {
		i := strings.IndexByte(s, '{')
		if i < 0 {
			return out
		}
		s = s[i+1:]
		j := strings.IndexByte(s, '}')
		if j < 0 {
			return out
		}
		if name := s[:j]; isPlaceholderName(name) {
			if !slices.Contains(out, name) {
				out = append(out, name)
			}
			s = s[j+1:]
		}
	}
}

func isPlaceholderName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < 'a' || c > 'z') && c != '_' {
			return false
		}
	}
	return true
}

// Fill fills the {placeholders} of text from kv, given as name, value
// pairs: Fill("Error {code}", "code", "404") → "Error 404". Unknown
// placeholders and unpaired braces are left as they are. The result is
// plain text: HTML output must still be escaped (html/template does).
// Text without a placeholder is returned without allocating.
func Fill(text string, kv ...string) string {
	i := strings.IndexByte(text, '{')
	if i < 0 || len(kv) < 2 {
		return text
	}
	var b strings.Builder
	b.Grow(len(text) + 16)
	for i >= 0 {
		j := strings.IndexByte(text[i:], '}')
		if j < 0 {
			break
		}
		name := text[i+1 : i+j]
		v, ok := lookupPair(kv, name)
		if !ok {
			b.WriteString(text[:i+1])
			text = text[i+1:]
		} else {
			b.WriteString(text[:i])
			b.WriteString(v)
			text = text[i+j+1:]
		}
		i = strings.IndexByte(text, '{')
	}
	b.WriteString(text)
	return b.String()
}

func lookupPair(kv []string, name string) (string, bool) {
	for k := 0; k+1 < len(kv); k += 2 {
		if kv[k] == name {
			return kv[k+1], true
		}
	}
	return "", false
}

// loadCatalog reads dir/*.json from fsys: one flat JSON object of key →
// text per language, named by its canonical BCP 47 tag. The English file
// defines the keys; other files may lack keys (they fall back to English)
// but may not add any. It always returns a usable Catalog: a file or text
// with a problem is left out, and every problem is reported in err.
func loadCatalog(fsys fs.FS, dir string) (*Catalog, error) {
	names, err := fs.Glob(fsys, path.Join(dir, "*.json"))
	var errs []error
	if err != nil {
		errs = append(errs, err)
	}
	raw := map[string]map[string]string{}
	for _, name := range names {
		m, err := readCatalogFile(fsys, name)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		raw[strings.TrimSuffix(path.Base(name), ".json")] = m
	}
	en, ok := raw[SourceLanguage]
	if !ok {
		errs = append(errs, fmt.Errorf("%s: no usable %s.json, the reference catalogue", dir, SourceLanguage))
		en = map[string]string{}
		raw[SourceLanguage] = en
	}
	c := &Catalog{tables: map[string]*table{}}
	for lang, m := range raw {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if lang == SourceLanguage {
				continue
			}
			if err := checkEntry(en, k, m[k]); err != nil {
				errs = append(errs, fmt.Errorf("%s/%s.json: %w", dir, lang, err))
				delete(m, k)
			}
		}
		c.tables[lang] = &table{lang: lang, dir: Dir(lang), entries: m, owned: true}
	}
	c.relink()
	return c, errors.Join(errs...)
}

// readCatalogFile reads one catalogue file and checks its name and shape.
func readCatalogFile(fsys fs.FS, name string) (map[string]string, error) {
	base := strings.TrimSuffix(path.Base(name), ".json")
	tag, err := parseTag(base)
	if err != nil {
		return nil, fmt.Errorf("%s: file name: %w", name, err)
	}
	if tag.String() != base {
		return nil, fmt.Errorf("%s: name the file by the canonical tag %s.json", name, tag)
	}
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, err
	}
	if !utf8.Valid(data) {
		return nil, fmt.Errorf("%s: not valid UTF-8", name)
	}
	var m map[string]string
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("%s: want a flat JSON object of key → text: %w", name, err)
	}
	if m == nil {
		m = map[string]string{} // the file held null
	}
	return m, nil
}

// relink rebuilds the language matcher and the parent links after the set
// of languages changed.
func (c *Catalog) relink() {
	m, err := newLanguageMatcher(c.Languages(), SourceLanguage)
	if err != nil {
		// Every tag was parsed before it became a table key.
		panic("errorpages: catalogue languages: " + err.Error())
	}
	c.matcher = m
	c.link()
}

// link points each table at its parent: the longest prefix of its tag
// that the catalogue holds (de-CH → de, zh-Hant-HK → zh-Hant), else
// English. English has no parent.
func (c *Catalog) link() {
	en := c.tables[SourceLanguage]
	for lang, t := range c.tables {
		t.parent = nil
		if lang == SourceLanguage {
			continue
		}
		t.parent = en
		for p := lang; ; {
			i := strings.LastIndexByte(p, '-')
			if i < 0 {
				break
			}
			p = p[:i]
			if pt, ok := c.tables[p]; ok && p != SourceLanguage {
				t.parent = pt
				break
			}
		}
	}
}

// parseTag parses a well-formed BCP 47 tag with known subtags.
func parseTag(s string) (language.Tag, error) {
	if s == "" {
		return language.Und, fmt.Errorf("empty language tag")
	}
	if s == "*" || !isLanguageRange(s) {
		return language.Und, fmt.Errorf("%q is not a valid language tag: want letters, digits and hyphens, like de or pt-BR", s)
	}
	tag, err := language.Parse(s)
	if err != nil {
		return language.Und, fmt.Errorf("%q is not a valid language tag: %w", s, err)
	}
	if _, conf := tag.Base(); conf != language.Exact {
		return language.Und, fmt.Errorf("%q names no language", s)
	}
	if len(tag.Extensions()) > 0 {
		return language.Und, fmt.Errorf("%q: a translation is named by language, script and region only, without extensions", s)
	}
	return tag, nil
}

// rtlScripts are the scripts written right to left (ISO 15924).
var rtlScripts = map[string]bool{
	"Adlm": true, "Arab": true, "Aran": true, "Armi": true, "Avst": true,
	"Hebr": true, "Mand": true, "Mend": true, "Nbat": true, "Nkoo": true,
	"Phnx": true, "Rohg": true, "Samr": true, "Syrc": true, "Thaa": true,
	"Yezi": true,
}

// Dir returns "rtl" when lang is written right to left — by its script
// subtag when it has one (az-Arab), else by the language's usual script
// (ar, he, fa, ur, yi, ckb …) — and "ltr" otherwise, including for tags it
// cannot parse.
func Dir(lang string) string {
	tag, err := language.Parse(lang)
	if err != nil {
		return "ltr"
	}
	if s, conf := tag.Script(); conf != language.No && rtlScripts[s.String()] {
		return "rtl"
	}
	return "ltr"
}

// ParseLanguage checks a BCP 47 language tag as a configuration names one
// (language, script and region; no extensions) and returns its canonical
// form: "pt-br" → "pt-BR".
func ParseLanguage(s string) (string, error) {
	tag, err := parseTag(s)
	if err != nil {
		return "", err
	}
	return tag.String(), nil
}

// MergeDir merges a site's translations directory: one flat JSON object of
// key → text per language, named <tag>.json by the canonical tag (de.json,
// pt-BR.json). Other files are ignored. It stops at the first problem and
// names the file and, for a text, the key: a malformed file, a file name
// that is not a canonical tag, an unknown key, an empty text or an unknown
// {placeholder}. A directory without any .json file is an error too.
func (c *Catalog) MergeDir(dir string) error {
	names, err := fs.Glob(os.DirFS(dir), "*.json")
	if err != nil {
		return err
	}
	if len(names) == 0 {
		if _, err := os.Stat(dir); err != nil {
			return err
		}
		return fmt.Errorf("%s holds no <language>.json file", dir)
	}
	sort.Strings(names)
	fsys := os.DirFS(dir)
	for _, name := range names {
		file := filepath.Join(dir, name)
		m, err := readCatalogFile(fsys, name)
		if err != nil {
			// readCatalogFile names the file relative to dir.
			return fmt.Errorf("%s: %w", dir, err)
		}
		if err := c.Merge(strings.TrimSuffix(name, ".json"), m); err != nil {
			return fmt.Errorf("%s: %w", file, err)
		}
	}
	return nil
}
