package errorpages

import (
	"bytes"
	"html/template"
	"strings"
)

// Problems in the page's language: the localized formats (the HTML page
// and the text body) write a field whose code is a built-in problem code
// from the catalogue ("problem.*"), with the field's Args as
// placeholders; the machine formats keep the English Message and Hint,
// which are written for developers and stable.

// localizeFields returns fs with the messages and hints of built-in
// problem codes in tr's language. A field with another code keeps its
// texts (an upstream's own words). A built-in code's hint is replaced by
// its localized form when the field says what it proposes (Args
// "suggest", "allowed"), else dropped: a pattern's regular expression, or
// a hint written for developers, stays in the machine formats.
func localizeFields(fs []Field, tr Translator) []Field {
	if len(fs) == 0 || tr.t == nil {
		return fs
	}
	source := tr.Lang() == SourceLanguage
	var out []Field
	for i := range fs {
		f := &fs[i]
		if source {
			// The messages are English already; only a pattern's regular
			// expression is not for end users.
			if f.Code == "pattern" && f.Hint != "" && f.Key != "" {
				out = copyOnce(out, fs)
				out[i].Hint = ""
			}
			continue
		}
		msg, ok := problemMessage(f, tr)
		if !ok {
			continue
		}
		out = copyOnce(out, fs)
		out[i].Message = msg
		out[i].Hint = problemHint(f, tr)
	}
	if out == nil {
		return fs
	}
	return out
}

// ProblemText is a problem's text in tr's language: the built-in text
// of key (a Field's or a validation rule's Key, "problem.format.want")
// with its {placeholders} filled from args, as the HTML page and the
// text body write a field's message. ok is false when there is no such
// text.
func (tr Translator) ProblemText(key string, args map[string]string) (text string, ok bool) {
	if key == "" || tr.t == nil {
		return "", false
	}
	return problemMessage(&Field{Key: key, Args: args}, tr)
}

// problemMessage is the field's message in tr's language, if its code
// (or its Key) is a built-in problem text.
func problemMessage(f *Field, tr Translator) (string, bool) {
	if f.Key != "" && tr.has(f.Key) {
		return tr.T(f.Key, argPairs(f.Args)...), true
	}
	if f.Code != "" && tr.has("problem."+f.Code) && !strings.ContainsRune(tr.T("problem."+f.Code), '{') {
		return tr.T("problem." + f.Code), true
	}
	return "", false
}

func copyOnce(out, fs []Field) []Field {
	if out == nil {
		out = make([]Field, len(fs))
		copy(out, fs)
	}
	return out
}

func problemHint(f *Field, tr Translator) string {
	switch {
	case f.Args["suggest"] != "":
		return tr.T("problem.hint.did_you_mean", "name", "`"+f.Args["suggest"]+"`")
	case f.Args["allowed"] != "":
		return tr.T("problem.hint.allowed", "values", f.Args["allowed"])
	}
	return ""
}

func argPairs(args map[string]string) []string {
	kv := make([]string, 0, 2*len(args))
	for k, v := range args {
		kv = append(kv, k, v)
	}
	return kv
}

// HintHTML is the hint for an HTML page: escaped, with each name between
// backticks in <code> ("did you mean <code>email</code>?").
func (f Field) HintHTML() template.HTML {
	var buf bytes.Buffer
	writeHintHTML(&buf, f.Hint)
	return template.HTML(buf.String())
}

// writeHintHTML writes hint as HintHTML does: html/template's escaping
// of the text, <code> around each closed pair of backticks.
func writeHintHTML(buf *bytes.Buffer, hint string) {
	for {
		i := strings.IndexByte(hint, '`')
		j := -1
		if i >= 0 {
			j = strings.IndexByte(hint[i+1:], '`')
		}
		if j < 0 {
			escapeHTML(buf, hint)
			return
		}
		escapeHTML(buf, hint[:i])
		buf.WriteString("<code>")
		escapeHTML(buf, hint[i+1:i+1+j])
		buf.WriteString("</code>")
		hint = hint[i+2+j:]
	}
}

// hintText is the hint for the text format: names between backticks in
// plain double quotes.
func hintText(hint string) string {
	if strings.IndexByte(hint, '`') < 0 {
		return hint
	}
	var b strings.Builder
	open := false
	for _, r := range hint {
		if r == '`' {
			b.WriteByte('"')
			open = !open
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// has reports whether tr (or a language it falls back to) has key.
func (tr Translator) has(key string) bool {
	for t := tr.t; t != nil; t = t.parent {
		if _, ok := t.entries[key]; ok {
			return true
		}
	}
	return false
}
