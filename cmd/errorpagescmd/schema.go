package errorpagescmd

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"

	"github.com/errorpages/caddy-errorpages/errorpages"
)

// schemas is the JSON Schema of each site's JSON error bodies, by site and
// media type, or (openapi) an OpenAPI 3.1 components fragment naming them
// by shape (ErrorEnvelope, ProblemDetails, SimpleError …), prefixed with
// the site when a config has several.
func (g *gallery) schemas(openapi bool) ([]byte, error) {
	bySite := map[string]map[string]any{}
	components := map[string]any{}
	for _, s := range g.sites {
		h := s.cfg
		if h.JSONTemplate != "" {
			// A body template writes what its author wrote: no schema to
			// derive; the built-in problem+json still has one.
			bySite[s.Name] = map[string]any{"application/json": "json_template " + h.JSONTemplate + ": described by its author"}
		}
		preset := errorpages.PresetErrorPages
		if h.Preset != "" {
			p, err := errorpages.ParsePreset(h.Preset)
			if err != nil {
				return nil, err
			}
			preset = p
		}
		ext := slices.Sorted(maps.Keys(h.ProblemExtensions))
		if s.h.Localizes(errorpages.Problem) {
			ext = append(ext, "lang")
		}
		site := bySite[s.Name]
		if site == nil {
			site = map[string]any{}
			bySite[s.Name] = site
		}
		for _, f := range []errorpages.Format{errorpages.JSON, errorpages.Problem} {
			if !slices.Contains(s.formats(), f) || f == errorpages.JSON && h.JSONTemplate != "" {
				continue
			}
			schema := errorpages.BodySchema(f, preset, ext)
			mt := "application/json"
			if f == errorpages.Problem {
				mt = "application/problem+json"
			} else if pm := preset.MediaType(); pm != "" {
				mt = pm
			}
			site[mt] = schema
			name := errorpages.SchemaTitle(f, preset)
			if len(g.sites) > 1 {
				name = strings.NewReplacer(".", "_", "-", "_").Replace(s.Name) + "_" + name
			}
			c := maps.Clone(schema)
			delete(c, "$schema") // an OpenAPI 3.1 document's dialect says it
			components[name] = c
		}
	}
	var v any = bySite
	if openapi {
		v = map[string]any{"components": map[string]any{"schemas": components}}
	}
	b, err := json.MarshalIndent(v, "", "\t")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
