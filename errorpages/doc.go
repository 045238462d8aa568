// Package errorpages is the Caddy-independent core of caddy-errorpages:
// the error model, Accept and Accept-Language negotiation, upstream-body
// normalization, and rendering in every format (an HTML page, a JSON
// envelope or one of its presets, problem+json, text, XML) with the
// embedded templates and translations.
//
// A net/http program builds a [Negotiator] and a [Renderer] once, then
// for each error chooses the format with [Negotiator.Negotiate] from the
// request's Accept header and writes the body with [Renderer.Render] (see
// the package example). [Parse] reads an upstream service's error body,
// whichever framework wrote it, into an [Upstream] whose message, type
// and field problems an [Exposure] policy copies into the [Error].
//
// Besides the standard library it imports golang.org/x/text/language (to
// parse language tags and match Accept-Language) and the decoders of
// compressed upstream bodies (github.com/andybalholm/brotli,
// github.com/klauspost/compress); it never imports Caddy.
package errorpages
