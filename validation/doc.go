// Package validation checks HTTP requests against an OpenAPI 3.0/3.1
// document or a JSON Schema, at the edge, before they reach a service.
// Everything is parsed and compiled by Load (or LoadJSONSchema);
// validating a request only reads immutable data, so a Spec is safe for
// concurrent use. Problems come back in errorpages' error model
// (errorpages.Field: a location-qualified JSON Pointer, a code, a message
// and a hint) and are never rendered here. The package imports no Caddy
// code.
//
// # The path of a request
//
//	Spec.Route (router.go)           path template → Operation, or 404 / 405
//	   │
//	Operation.Validate (validate.go)
//	   ├─ CheckSecurity (security.go)     credentials present? else 401
//	   ├─ checkParams (params_check.go)   path, query, header, cookie:
//	   │   ├─ params_style.go             read each style's text
//	   │   │                              (brackets.go: a[b][0]= nesting)
//	   │   ├─ params_coerce.go            text → the schema's JSON types
//	   │   └─ fast_check.go, the engine   the value against its schema
//	   └─ checkBody (validate.go)         media type (415), then by kind:
//	        ├─ forms.go                   urlencoded and multipart fields
//	        └─ JSON:
//	             1. walker (walk.go,      the bytes against the fast
//	                walk_containers.go)   schema, no value built: valid
//	                                      bodies end here
//	             2. skim (jsonparse.go)   syntax only, for the error
//	             3. explainBody           the failing members only, read
//	                (explainbytes.go)     into values one at a time and
//	                                      explained by …
//	             4. explainValue          … the fast validator
//	                (explain.go)          (fast_check.go) to split objects
//	                                      and arrays, and the jsonschema
//	                                      engine on each failing leaf,
//	                                      which says why
//
// The parameters and the body report on one collector (problems.go), up
// to MaxCounted problems; the engine's errors become problems in
// problems_flatten.go, worded by problems_text.go, and finish orders and
// caps the list.
//
// # Why three deciders for one body
//
// The jsonschema engine (santhosh-tekuri/jsonschema v6) is the reference:
// it passes the JSON-Schema-Test-Suite and reports every error with its
// instance and keyword locations. It is also slow for the common case (a
// valid body: it builds the value and an evaluation record for every
// keyword) and its memory grows with the number of errors. So a valid body
// is decided from its bytes by the walker against fnode, the same schema
// compiled a second time into a validator that only answers yes or no
// (fast.go; built at load by fast_build.go, checked by fast_check.go and
// fast_number.go); and a rejected body is explained member by member, the
// engine seeing only values that fail, stopping at MaxCounted problems.
// Schemas using a keyword fnode does not implement (unevaluatedProperties,
// dependencies, $dynamicRef …) get no fnode: the engine decides alone.
//
// # What keeps them in agreement
//
//   - suite_test.go runs the whole JSON-Schema-Test-Suite through the
//     engine, the fast validator and the walker;
//   - checkExplain (explain_test.go) compares explain and explainBody with
//     the engine on the whole body — the same problems, order and count —
//     for every suite case, the explain and walk schemas, and every input of
//     FuzzWalk and FuzzBody;
//   - FuzzBody checks that skim gives parse's error, that the walker
//     accepts exactly what parse + the fast validator accept, and that the
//     fast validator agrees with the engine;
//   - FuzzSimplePattern and FuzzNativeFormats hold the hand-written
//     pattern and format checks to regexp and the engine's formats.
//
// # Responses
//
// With Options.Responses, Load also compiles what each operation declares
// of its answers (response.go): the document is read a second time and
// its response schemas walked in response context (readOnly allowed,
// writeOnly refused), since the request walk rewrote the first reading's
// schemas in place. Operation.CheckResponse checks a status, headers and
// body against them; a JSON body goes through the same deciders as a
// request body (walker, then explain), its problems under /response/body.
//
// # Loading
//
// files.go reads documents (regular files only, within size and value
// budgets) and resolves $refs across files; schemawalk.go turns OpenAPI 3.0
// schemas into JSON Schema 2020-12 and applies OpenAPI's readOnly rule;
// compile.go compiles every schema with the engine (in batches, so that
// loading grows linearly with the number of operations) and refuses
// schemas that only refer to themselves; spec.go builds the operations,
// params.go their parameters.
package validation
