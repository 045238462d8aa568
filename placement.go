package caddyerrorpages

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
)

// answering are the handlers that answer every request they get without
// calling the handlers after them in their route; file_server does unless
// pass_thru is set.
var answering = []string{"reverse_proxy", "static_response", "error", "file_server", "copy_response", "metrics", "acme_server"}

// placementProblem says why this handler, being provisioned in ctx, can
// never see a response: a handler before it in its route, or a route
// without matchers before its route, answers every request. "" when
// nothing is wrong or its place is not known (a config loaded other
// than as an HTTP app's routes).
//
// While a route's handlers are provisioned, Caddy keeps the route's raw
// handler list (it drops it once all of them are loaded), so the route
// being provisioned is the first one at each level that still has it.
func placementProblem(ctx caddy.Context) string {
	mods := ctx.Modules()
	if len(mods) < 2 {
		return ""
	}
	var routes caddyhttp.RouteList
	switch p := mods[len(mods)-2].(type) {
	case *caddyhttp.Subroute:
		routes = p.Routes
	case *caddyhttp.App:
		srv, _ := ctx.Value(caddyhttp.ServerCtxKey).(*caddyhttp.Server)
		if srv == nil {
			return ""
		}
		routes = srv.Routes
		if i := current(routes); i < 0 && srv.Errors != nil {
			routes = srv.Errors.Routes
		}
	default:
		return ""
	}
	i := current(routes)
	if i < 0 {
		return ""
	}
	where := describeRoutes(ctx, mods)
	for _, prev := range routes[:i] {
		if len(prev.MatcherSets) > 0 {
			continue
		}
		for _, hd := range prev.Handlers {
			var cfg struct {
				PassThru bool `json:"pass_thru"`
			}
			if raw, err := json.Marshal(hd); err == nil {
				_ = json.Unmarshal(raw, &cfg)
			}
			if name := handlerName(caddy.GetModuleName(hd), &cfg.PassThru); slices.Contains(answering, name) {
				return fmt.Sprintf("a route without matchers before it (%s) answers every request with %s", where, name)
			}
		}
	}
	names := make([]string, 0, len(routes[i].HandlersRaw))
	for _, raw := range routes[i].HandlersRaw {
		var h struct {
			Handler  string `json:"handler"`
			PassThru bool   `json:"pass_thru"`
		}
		_ = json.Unmarshal(raw, &h)
		names = append(names, h.Handler)
		if h.Handler == "error_pages" {
			break
		}
		if name := handlerName(h.Handler, &h.PassThru); slices.Contains(answering, name) {
			seq := make([]string, 0, len(routes[i].HandlersRaw))
			for _, raw := range routes[i].HandlersRaw {
				var x struct {
					Handler string `json:"handler"`
				}
				_ = json.Unmarshal(raw, &x)
				seq = append(seq, x.Handler)
			}
			return fmt.Sprintf("it comes after %s, which answers every request, in the route %s { %s }; put error_pages first in the route", name, where, strings.Join(seq, "; "))
		}
	}
	return ""
}

// handlerName is the handler name to compare with answering; a
// file_server that passes on to the next handler does not answer.
func handlerName(name string, passThru *bool) string {
	name = strings.TrimPrefix(name, "http.handlers.")
	if name == "file_server" && passThru != nil && *passThru {
		return "file_server pass_thru"
	}
	return name
}

// current is the index of the route being provisioned, -1 for none.
func current(routes caddyhttp.RouteList) int {
	for i, r := range routes {
		if len(r.HandlersRaw) > 0 && len(r.Handlers) == 0 {
			return i
		}
	}
	return -1
}

// handlerPlace names where the handler being provisioned in ctx sits in
// the config, as describeRoutes does; "(outside a server's routes)" when
// it is not known.
func handlerPlace(ctx caddy.Context) string {
	mods := ctx.Modules()
	if len(mods) == 0 {
		return "(outside a server's routes)"
	}
	return describeRoutes(ctx, mods)
}

// describeRoutes names the route being provisioned by the matchers of
// the routes around it, outermost first ("host localhost > path
// /api/*"), or "at the top of the server".
func describeRoutes(ctx caddy.Context, mods []caddy.Module) string {
	var parts []string
	add := func(routes caddyhttp.RouteList) {
		if i := current(routes); i >= 0 {
			for _, set := range routes[i].MatcherSets {
				parts = append(parts, describeMatchers(set))
			}
		}
	}
	if srv, _ := ctx.Value(caddyhttp.ServerCtxKey).(*caddyhttp.Server); srv != nil {
		add(srv.Routes)
		if srv.Errors != nil && current(srv.Routes) < 0 {
			add(srv.Errors.Routes)
		}
	}
	for _, m := range mods[:len(mods)-1] {
		if s, ok := m.(*caddyhttp.Subroute); ok {
			add(s.Routes)
		}
	}
	if len(parts) == 0 {
		return "(matching every request)"
	}
	return "(" + strings.Join(parts, " > ") + ")"
}

// describeMatchers writes a matcher set as a Caddyfile reader knows it:
// host localhost, path /api/*.
func describeMatchers(set caddyhttp.MatcherSet) string {
	out := make([]string, 0, len(set))
	for _, m := range set {
		name := "matcher"
		if mod, ok := m.(caddy.Module); ok {
			name = caddy.GetModuleName(mod)
		}
		raw, err := json.Marshal(m)
		if err != nil {
			out = append(out, name)
			continue
		}
		var list []string
		if json.Unmarshal(raw, &list) == nil {
			out = append(out, name+" "+strings.Join(list, " "))
			continue
		}
		out = append(out, name+" "+string(raw))
	}
	slices.Sort(out)
	return strings.Join(out, " ")
}
