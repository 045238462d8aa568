package caddyerrorpages

import (
	"net/http"
	"strings"

	"github.com/errorpages/caddy-errorpages/errorpages"
)

// ablation names the parts of a rewrite that an ablation build leaves out
// (ABLATE=1 bash bench/load.sh), so that the load harness can measure what
// each part costs by taking it away. Only a build with the
// errorpages_ablate tag reads it, from the request's ablateHeader
// (ablate_on.go); in every other build ablating is the constant false and
// the hooks compile away.
type ablation struct {
	rid     bool // a constant request ID instead of Caddy's {http.request.uuid}
	headers bool // none of the headers error_pages sets (contract §7 and Content-Language)
	render  bool // a constant body instead of the rendered one
	parse   bool // the upstream body is not parsed
	floor   bool // only the interception: the held-back response (or a constant local one) is written back as is
}

// ablateHeader is the request header an ablation build reads.
const ablateHeader = "X-Errorpages-Ablate"

// parseAblation reads a comma-separated list of the names above; unknown
// names are returned.
func parseAblation(s string) (a ablation, unknown []string) {
	for name := range strings.SplitSeq(s, ",") {
		switch name = strings.TrimSpace(name); name {
		case "":
		case "rid":
			a.rid = true
		case "headers":
			a.headers = true
		case "render":
			a.render = true
		case "parse":
			a.parse = true
		case "floor":
			a.floor = true
		default:
			unknown = append(unknown, name)
		}
	}
	return a, unknown
}

// ablatedBody is what an ablated render or floor writes: a JSON body of
// about the size of the envelope.
var ablatedBody = []byte(`{"error":{"code":400,"type":"bad_request","message":"Bad Request","details":"The server could not understand the request. Check what you sent and try again.","request_id":"00000000-0000-0000-0000-000000000000"}}`)

const ablatedRID = "00000000-0000-0000-0000-000000000000"

// ablatedFloor answers with only what interception itself costs: an
// upstream response is written back as it was held (headers untouched), a
// local error as ablatedBody.
func ablatedFloor(w http.ResponseWriter, code int, ew *errorWriter, upstream bool) error {
	body := ablatedBody
	if upstream {
		body = nil
		if ew.buf != nil {
			body = ew.buf.Bytes()
		}
	} else {
		w.Header()["Content-Type"] = contentTypeValues[errorpages.JSON]
	}
	w.WriteHeader(code)
	_, err := w.Write(body)
	return err
}
