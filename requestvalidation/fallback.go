package requestvalidation

import (
	"encoding/json"
	"net/http"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"

	"github.com/errorpages/caddy-errorpages/errorpages"
)

// errorPagesID is the module that renders rejections: the one around
// this handler, or, when there is none, a default one of its own.
const errorPagesID = "http.handlers.error_pages"

// ServeHTTP validates the request and passes it on, or rejects it. A
// rejection is an error for the error_pages around this handler (or the
// site's handle_errors routes) to render; when neither will, this handler
// answers it with error_pages' defaults, so that a rejected request
// always gets a full body.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request, next caddyhttp.Handler) error {
	err := h.serve(w, r, next)
	if err == nil || h.fallback == nil {
		return err
	}
	he, ok := err.(caddyhttp.HandlerError)
	if !ok {
		return err
	}
	if _, ours := he.Err.(*errorpages.Problems); !ours || rendered(r, he.StatusCode) {
		return err // another handler's error, or one that will be rendered
	}
	return h.fallback.ServeHTTP(w, r, caddyhttp.HandlerFunc(func(http.ResponseWriter, *http.Request) error {
		return err
	}))
}

// rendered reports whether an error of status code that this handler
// returns will get a body from someone else: an error_pages around it
// that renders the status (it marks the request's vars), or a
// handle_errors route of the server that matches the request.
func rendered(r *http.Request, code int) bool {
	if m, ok := caddyhttp.GetVar(r.Context(), errorpages.RendererVar).(interface{ RendersLocal(int) bool }); ok && m.RendersLocal(code) {
		return true
	}
	srv, ok := r.Context().Value(caddyhttp.ServerCtxKey).(*caddyhttp.Server)
	if !ok || srv.Errors == nil {
		return false
	}
	for _, route := range srv.Errors.Routes {
		if match, err := route.MatcherSets.AnyMatchWithError(r); match || err != nil {
			return true
		}
	}
	return false
}

// provisionFallback loads the default error_pages that answers
// rejections nobody else renders. A build without error_pages leaves
// them to Caddy (a status without a body), and says so.
func (h *Handler) provisionFallback(ctx caddy.Context) error {
	mod, err := ctx.LoadModuleByID(errorPagesID, json.RawMessage("{}"))
	if err != nil {
		h.logger.Warn("error_pages is not in this build: rejected requests get a status without a body unless handle_errors renders them", zap.Error(err))
		return nil
	}
	fb, ok := mod.(caddyhttp.MiddlewareHandler)
	if !ok {
		return nil
	}
	h.fallback = fb
	return nil
}
