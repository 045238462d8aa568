package catalogue

import (
	"bytes"
	"testing"

	"github.com/errorpages/caddy-errorpages/errorpages"
	"github.com/errorpages/caddy-errorpages/internal/publisheddocs"
	"github.com/errorpages/caddy-errorpages/validation"
)

// BenchmarkNewStripe builds the catalogue of Stripe's published document
// (every operation's rules, every problem code's fields) and reports the
// JSON listing's size.
func BenchmarkNewStripe(b *testing.B) {
	spec, err := validation.Load(publisheddocs.Stripe(b), validation.Options{})
	if err != nil {
		b.Fatal(err)
	}
	var c *Catalogue
	for b.Loop() {
		if c, err = New(Config{Base: "/errors", Statuses: errorpages.AllErrors(), Specs: []*validation.Spec{spec}}); err != nil {
			b.Fatal(err)
		}
	}
	v := View{Lang: "en", Tr: errorpages.Builtin().Translator("en")}
	b.ReportMetric(float64(len(c.operations)), "operations")
	b.ReportMetric(float64(len(c.Listing(v))), "listing-bytes")
	var buf bytes.Buffer
	if err := c.WriteHTML(&buf, nil, c.IndexPage(v)); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(buf.Len()), "index-html-bytes")
}

// BenchmarkProblemPageHTML renders the page of a problem code of Stripe's
// document as HTML, as error_pages does per request: in English, and in
// another language (a test German), where each field's rule is written
// with its problem's translated text.
func BenchmarkProblemPageHTML(b *testing.B) {
	spec, err := validation.Load(publisheddocs.Stripe(b), validation.Options{})
	if err != nil {
		b.Fatal(err)
	}
	c, err := New(Config{Base: "/errors", Statuses: errorpages.AllErrors(), Specs: []*validation.Spec{spec}})
	if err != nil {
		b.Fatal(err)
	}
	for _, lang := range []string{"en", "de"} {
		b.Run(lang, func(b *testing.B) {
			if lang != SourceLanguage {
				withLanguage(b, lang)
			}
			v := View{Lang: lang, Tr: errorpages.Builtin().Translator(lang)}
			var buf bytes.Buffer
			for b.Loop() {
				buf.Reset()
				if err := c.WriteHTML(&buf, c.Page("problems/enum", v), nil); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(buf.Len()), "bytes")
		})
	}
}
