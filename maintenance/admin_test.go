package maintenance

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestMaintenanceAdminRequest(t *testing.T) {
	rows := []struct {
		name string
		body string
		want string // the state as JSON, or the error
		err  bool
	}{
		{"on", `{"enabled":true}`, `{"enabled":true}`, false},
		{"on with everything, retry_after as a duration", `{"enabled":true,"until":"2030-01-01T00:00:00Z","retry_after":"10m","message":"Upgrading."}`, `{"enabled":true,"until":"2030-01-01T00:00:00Z","retry_after":600,"message":"Upgrading."}`, false},
		{"retry_after in seconds", `{"enabled":true,"retry_after":45}`, `{"enabled":true,"retry_after":45}`, false},
		{"off", `{"enabled":false}`, `{"enabled":false}`, false},
		{"enabled missing", `{"until":"2030-01-01T00:00:00Z"}`, `"enabled" is required`, true},
		{"an unknown member", `{"enabled":true,"untill":"x"}`, `unknown field "untill"`, true},
		{"not JSON", `enabled=true`, `want a JSON object`, true},
		{"two objects", `{"enabled":true}{"enabled":false}`, `want one JSON object`, true},
		{"a bad time", `{"enabled":true,"until":"soon"}`, `until: "soon" is not an RFC 3339 time`, true},
		{"a bad retry_after", `{"enabled":true,"retry_after":"later"}`, `retry_after: "later" is not a duration`, true},
		{"a negative retry_after", `{"enabled":true,"retry_after":-3}`, `retry_after: must be positive`, true},
		{"a fractional retry_after", `{"enabled":true,"retry_after":1.5}`, `not a whole number`, true},
		{"a message too long", `{"enabled":true,"message":"` + strings.Repeat("x", 1001) + `"}`, `message: longer than 1000 bytes`, true},
		{"empty body", ``, `want a JSON object`, true},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", maintenancePath, strings.NewReader(row.body))
			st, err := readMaintenanceRequest(r)
			if row.err {
				if err == nil || !strings.Contains(err.Error(), row.want) {
					t.Fatalf("error = %v, want %q", err, row.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			st.Updated = time.Time{}
			got, _ := json.Marshal(struct {
				Enabled    bool   `json:"enabled"`
				Until      string `json:"until,omitempty"`
				RetryAfter int    `json:"retry_after,omitempty"`
				Message    string `json:"message,omitempty"`
			}{st.Enabled, st.Until, st.RetryAfter, st.Message})
			if string(got) != row.want {
				t.Errorf("got %s, want %s", got, row.want)
			}
		})
	}
}
