package requestvalidation_test

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
)

// A running Caddy given, through the admin API, a document that is not a
// regular file (a symlink to /dev/zero, a named pipe) refuses the new
// config at once, naming the file, without growing, and keeps serving the
// config it has.
func TestCaddyAdminLoadRefusesDocumentsThatAreNotRegularFiles(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip(err)
	}
	up := newRecorder(t)
	tester := startCaddy(t, siteConfig(t, up, abs(t, usersDoc)))
	dir := t.TempDir()
	zero := filepath.Join(dir, "zero.schema.json")
	if err := os.Symlink("/dev/zero", zero); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "pipe.schema.json")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ name, doc, want string }{
		{"symlink to /dev/zero", zero, "leads to /dev/zero, a character device, not a regular file"},
		{"named pipe", fifo, "a named pipe, not a regular file"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := globalOptions + fmt.Sprintf("\nhttp://localhost:9180 {\n\trequest_validation {\n\t\tjson_schema %s\n\t}\n\treverse_proxy %s\n}\n", tt.doc, up.addr())
			req, err := http.NewRequest("POST", fmt.Sprintf("http://localhost:%d/load", adminPort), strings.NewReader(ports.Config(cfg)))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "text/caddyfile")
			runtime.GC()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			runtime.ReadMemStats(&after)
			if resp.StatusCode < 400 || !strings.Contains(string(b), tt.want) {
				t.Errorf("POST /load: status %d %s, want an error containing %q", resp.StatusCode, b, tt.want)
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 64<<20 {
				t.Errorf("allocated %d MiB refusing it", alloc>>20)
			}
			// The old config still serves.
			if resp, b := send(t, tester, "POST", "http://localhost:9180/signup", map[string]string{"Content-Type": "application/json"}, `{}`); resp.StatusCode != 400 {
				t.Errorf("after the refused load: status %d %s", resp.StatusCode, b)
			}
		})
	}
}
