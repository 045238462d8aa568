package errorpages

// The error contract as a schema: the JSON Schema (2020-12) of each JSON
// body the built-in renderers write, so that an API's own OpenAPI document
// and its SDK generators can type the errors the gateway produces. Each
// schema is closed (additionalProperties: false) and lists what is always
// there as required: TestBodySchemasDescribeEveryBody validates real
// bodies of every kind against them, for every preset.

// JSONSchemaDialect is the dialect of the schemas BodySchema returns.
const JSONSchemaDialect = "https://json-schema.org/draft/2020-12/schema"

// BodySchema returns the JSON Schema of the body written for format f
// (JSON or Problem) with preset p (JSON only; PresetErrorPages for the
// envelope), and extension, the names of problem+json's extension
// members (the configured problem_extensions, and "lang" when problem+json
// is localized). It returns nil for a format that is not JSON.
func BodySchema(f Format, p Preset, extension []string) map[string]any {
	var s map[string]any
	switch {
	case f == Problem:
		s = problemSchema(extension)
	case f != JSON:
		return nil
	case p == PresetSimple:
		s = simpleSchema()
	case p == PresetJSONAPI:
		s = jsonAPISchema()
	case p == PresetGraphQL:
		s = graphQLSchema()
	case p == PresetGoogle:
		s = googleSchema()
	default:
		s = envelopeSchema()
	}
	s["$schema"] = JSONSchemaDialect
	return s
}

// SchemaTitle names a body's schema for an OpenAPI components fragment.
func SchemaTitle(f Format, p Preset) string {
	if f == Problem {
		return "ProblemDetails"
	}
	switch p {
	case PresetSimple:
		return "SimpleError"
	case PresetJSONAPI:
		return "JSONAPIErrors"
	case PresetGraphQL:
		return "GraphQLErrors"
	case PresetGoogle:
		return "GoogleError"
	}
	return "ErrorEnvelope"
}

func strSchema() map[string]any { return map[string]any{"type": "string"} }
func integer() map[string]any {
	return map[string]any{"type": "integer"}
}

// closed is an object schema with exactly these properties, the first
// ones required.
func closed(required []string, props map[string]any) map[string]any {
	s := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
	if len(required) > 0 {
		s["required"] = required
	}
	return s
}

func arrayOf(items map[string]any) map[string]any {
	return map[string]any{"type": "array", "items": items}
}

// fieldSchema is a field problem as the envelope, simple and graphql
// write it.
func fieldSchema() map[string]any {
	return closed([]string{"field", "message"}, map[string]any{
		"field": strSchema(), "message": strSchema(), "pointer": strSchema(), "code": strSchema(), "hint": strSchema(),
	})
}

func envelopeSchema() map[string]any {
	return closed([]string{"error"}, map[string]any{
		"error": closed([]string{"code", "type", "message", "details"}, map[string]any{
			"code": integer(), "type": strSchema(), "message": strSchema(), "details": strSchema(),
			"fields": arrayOf(fieldSchema()), "more": integer(),
			"request_id": strSchema(), "trace_id": strSchema(), "docs": strSchema(), "retry_after": integer(),
		}),
	})
}

func problemSchema(extension []string) map[string]any {
	props := map[string]any{
		"type": strSchema(), "title": strSchema(), "status": integer(), "detail": strSchema(), "instance": strSchema(),
		"request_id": strSchema(), "trace_id": strSchema(),
		"errors": arrayOf(closed([]string{"detail", "pointer"}, map[string]any{
			"detail": strSchema(), "pointer": strSchema(), "field": strSchema(), "code": strSchema(), "hint": strSchema(),
		})),
		"more": integer(), "retry_after": integer(),
	}
	for _, name := range extension {
		if _, ok := props[name]; !ok {
			props[name] = strSchema()
		}
	}
	return closed([]string{"type", "title", "status", "detail"}, props)
}

func simpleSchema() map[string]any {
	return closed([]string{"error", "status", "message", "title"}, map[string]any{
		"error": strSchema(), "status": integer(), "message": strSchema(), "title": strSchema(),
		"fields": arrayOf(fieldSchema()), "more": integer(), "docs": strSchema(),
		"request_id": strSchema(), "trace_id": strSchema(), "retry_after": integer(),
	})
}

func jsonAPISchema() map[string]any {
	return closed([]string{"errors"}, map[string]any{
		"errors": arrayOf(closed([]string{"status", "code", "title", "detail"}, map[string]any{
			"status": strSchema(), "code": strSchema(), "title": strSchema(), "detail": strSchema(),
			"source": closed(nil, map[string]any{"pointer": strSchema(), "parameter": strSchema(), "header": strSchema()}),
			"links":  closed([]string{"about"}, map[string]any{"about": strSchema()}),
			"meta":   closed(nil, map[string]any{"field": strSchema(), "pointer": strSchema(), "hint": strSchema()}),
		})),
		"meta": closed(nil, map[string]any{"request_id": strSchema(), "trace_id": strSchema(), "more": integer(), "retry_after": integer()}),
	})
}

func graphQLSchema() map[string]any {
	return closed([]string{"errors"}, map[string]any{
		"errors": arrayOf(closed([]string{"message", "extensions"}, map[string]any{
			"message": strSchema(),
			"extensions": closed([]string{"code", "type", "title", "http"}, map[string]any{
				"code": strSchema(), "type": strSchema(), "title": strSchema(),
				"http":   closed([]string{"status"}, map[string]any{"status": integer()}),
				"fields": arrayOf(fieldSchema()), "more": integer(),
				"request_id": strSchema(), "trace_id": strSchema(), "docs": strSchema(), "retry_after": integer(),
			}),
		})),
	})
}

func googleSchema() map[string]any {
	typed := func(name string, required []string, props map[string]any) map[string]any {
		props["@type"] = map[string]any{"const": googleTypePrefix + name}
		return closed(append([]string{"@type"}, required...), props)
	}
	return closed([]string{"error"}, map[string]any{
		"error": closed([]string{"code", "message", "status", "details"}, map[string]any{
			"code": integer(), "message": strSchema(), "status": strSchema(),
			"details": arrayOf(map[string]any{"oneOf": []any{
				typed("ErrorInfo", []string{"reason", "domain"}, map[string]any{
					"reason": strSchema(), "domain": strSchema(), "metadata": map[string]any{"type": "object", "additionalProperties": strSchema()},
				}),
				typed("BadRequest", []string{"fieldViolations"}, map[string]any{
					"fieldViolations": arrayOf(closed([]string{"field", "description"}, map[string]any{
						"field": strSchema(), "description": strSchema(), "reason": strSchema(),
					})),
				}),
				typed("RequestInfo", []string{"requestId"}, map[string]any{"requestId": strSchema(), "servingData": strSchema()}),
				typed("RetryInfo", []string{"retryDelay"}, map[string]any{"retryDelay": strSchema()}),
				typed("Help", []string{"links"}, map[string]any{
					"links": arrayOf(closed([]string{"description", "url"}, map[string]any{"description": strSchema(), "url": strSchema()})),
				}),
			}}),
		}),
	})
}
