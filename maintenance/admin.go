package maintenance

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/caddyserver/caddy/v2"
)

func init() {
	caddy.RegisterModule(adminAPI{})
}

// adminAPI is error_pages' endpoint on Caddy's admin API: it switches
// maintenance mode at run time, without a config load. The admin API's own
// access controls (listen address, origins, remote admin) apply.
//
//	GET    /error_pages/maintenance         every switch's state
//	GET    /error_pages/maintenance/<name>  one switch's state
//	POST   /error_pages/maintenance[/<name>]  {"enabled":true,"until":"…","retry_after":"10m","message":"…"}
//	DELETE /error_pages/maintenance[/<name>]  back to the config's state
//
// Without a name, POST and DELETE act on the switch named "default".
type adminAPI struct{}

// CaddyModule returns the Caddy module information.
func (adminAPI) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "admin.api.error_pages",
		New: func() caddy.Module { return adminAPI{} },
	}
}

const maintenancePath = "/error_pages/maintenance"

// Routes returns the admin routes.
func (a adminAPI) Routes() []caddy.AdminRoute {
	h := caddy.AdminHandlerFunc(a.maintenance)
	return []caddy.AdminRoute{
		{Pattern: maintenancePath, Handler: h},
		{Pattern: maintenancePath + "/", Handler: h},
	}
}

// maintenanceRequest is the body of POST /error_pages/maintenance.
type maintenanceRequest struct {
	// Enabled is required.
	Enabled *bool `json:"enabled"`
	// Until is an RFC 3339 time; omitted means none.
	Until string `json:"until,omitempty"`
	// RetryAfter is a duration ("10m") or a number of seconds; omitted
	// keeps the config's.
	RetryAfter json.RawMessage `json:"retry_after,omitempty"`
	// Message replaces the config's; omitted keeps it.
	Message string `json:"message,omitempty"`
}

func (a adminAPI) maintenance(w http.ResponseWriter, r *http.Request) error {
	name := strings.Trim(strings.TrimPrefix(r.URL.Path, maintenancePath), "/")
	if name == "" && r.Method != http.MethodGet {
		name = DefaultName
	}
	if name != "" && !ValidName(name) {
		return apiError(http.StatusBadRequest, "%q is not a switch name", name)
	}
	var sw *Switch
	if name != "" {
		if sw = Lookup(name); sw == nil {
			return apiError(http.StatusNotFound, "no error_pages handler in the running config has maintenance name %q (known: %s)", name, strings.Join(knownSwitches(), ", "))
		}
	}
	switch r.Method {
	case http.MethodGet:
		if sw != nil {
			return writeAPIJSON(w, sw.Status())
		}
		all := All()
		out := make([]Status, 0, len(all))
		for _, sw := range all {
			out = append(out, sw.Status())
		}
		return writeAPIJSON(w, out)
	case http.MethodPost, http.MethodPut:
		st, err := readMaintenanceRequest(r)
		if err != nil {
			return apiError(http.StatusBadRequest, "%v", err)
		}
		if err := sw.Store(r.Context(), st); err != nil {
			return caddy.APIError{HTTPStatus: http.StatusBadGateway, Err: fmt.Errorf("maintenance %s: %w", name, err)}
		}
		return writeAPIJSON(w, sw.Status())
	case http.MethodDelete:
		if err := sw.Store(r.Context(), nil); err != nil {
			return caddy.APIError{HTTPStatus: http.StatusBadGateway, Err: fmt.Errorf("maintenance %s: %w", name, err)}
		}
		return writeAPIJSON(w, sw.Status())
	default:
		w.Header().Set("Allow", "GET, POST, PUT, DELETE")
		return apiError(http.StatusMethodNotAllowed, "method %s not allowed", r.Method)
	}
}

// readMaintenanceRequest reads and checks a POST body: one JSON object of
// at most 64 KiB with known members only and enabled given.
func readMaintenanceRequest(r *http.Request) (*State, error) {
	dec := json.NewDecoder(io.LimitReader(r.Body, 64<<10))
	dec.DisallowUnknownFields()
	var req maintenanceRequest
	if err := dec.Decode(&req); err != nil {
		return nil, fmt.Errorf("body: want a JSON object like {\"enabled\":true}: %v", err)
	}
	if dec.More() {
		return nil, errors.New("body: want one JSON object")
	}
	if req.Enabled == nil {
		return nil, errors.New(`body: "enabled" is required`)
	}
	st := &State{Enabled: *req.Enabled, Until: req.Until, Message: req.Message, Updated: time.Now().UTC().Truncate(time.Second)}
	if len(req.RetryAfter) > 0 && string(req.RetryAfter) != "null" {
		var d time.Duration
		var s string
		var n json.Number
		switch {
		case json.Unmarshal(req.RetryAfter, &s) == nil:
			var err error
			if d, err = ParseSeconds(s); err != nil {
				return nil, fmt.Errorf("retry_after: %q is not a duration (like 90s, 5m) or seconds", s)
			}
		case json.Unmarshal(req.RetryAfter, &n) == nil:
			secs, err := n.Int64()
			if err != nil || secs > 1<<31 {
				return nil, fmt.Errorf("retry_after: %s is not a whole number of seconds", n)
			}
			d = time.Duration(secs) * time.Second
		default:
			return nil, errors.New("retry_after: want a duration string or a number of seconds")
		}
		if d <= 0 {
			return nil, errors.New("retry_after: must be positive")
		}
		st.RetryAfter = RetrySeconds(d)
	}
	if err := st.Check(); err != nil {
		return nil, err
	}
	return st, nil
}

func knownSwitches() []string {
	var names []string
	for _, sw := range All() {
		names = append(names, sw.name)
	}
	if len(names) == 0 {
		return []string{"none"}
	}
	return names
}

func apiError(code int, format string, args ...any) error {
	return caddy.APIError{HTTPStatus: code, Err: fmt.Errorf(format, args...)}
}

func writeAPIJSON(w http.ResponseWriter, v any) error {
	w.Header().Set("Content-Type", "application/json")
	return json.NewEncoder(w).Encode(v)
}

// Interface guards
var _ caddy.AdminRouter = adminAPI{}
