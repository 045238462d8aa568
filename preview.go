package caddyerrorpages

import (
	"net/http"

	"github.com/errorpages/caddy-errorpages/errorpages"
	"github.com/errorpages/caddy-errorpages/maintenance"
)

// What the `caddy error-pages` command (cmd/errorpagescmd) asks of a
// provisioned handler. The command loads the handler as a Caddy module
// and reaches it through these methods, so it does not import this
// package (which imports the command, so that one --with brings it).

// Offered is what the handler offers: its formats, and its languages with
// the default first, as the catalogue names them.
func (h *Handler) Offered() (formats []errorpages.Format, languages []string) {
	for f := errorpages.Format(0); f <= errorpages.XML; f++ {
		if h.negotiator.Negotiate(f.ContentType()) == f {
			formats = append(formats, f)
		}
	}
	def := h.defaultTr.Lang()
	languages = []string{def}
	if h.langs != nil {
		for _, l := range h.langs.Offered() {
			if tag := h.catalog.Translator(l).Lang(); tag != def {
				languages = append(languages, tag)
			}
		}
	}
	return formats, languages
}

// Rewrites reports whether the handler rewrites errors of status code.
func (h *Handler) Rewrites(code int) bool { return h.statuses.Has(code) }

// Localizes reports whether format f follows the negotiated language.
func (h *Handler) Localizes(f errorpages.Format) bool { return h.localized[f] }

// Title is the page title of code in the default language: the site's
// message, else the reason phrase.
func (h *Handler) Title(code int) string {
	if m := h.message(code, h.defaultTr.Lang()); m != "" {
		return m
	}
	return errorpages.ReasonPhrase(code)
}

// ServeMaintenance writes the maintenance answer a to r, as the handler
// does while maintenance is on.
func (h *Handler) ServeMaintenance(w http.ResponseWriter, r *http.Request, a maintenance.Answer) error {
	return h.serveMaintenance(w, r, a)
}

// CatalogueBase is the base path of the error catalogue the handler
// serves (its catalogue option); "" when it serves none.
func (h *Handler) CatalogueBase() string {
	if h.Catalogue == nil || h.Catalogue.cat == nil {
		return ""
	}
	return h.Catalogue.Base
}
