package errorpagescmd_test

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	_ "github.com/errorpages/caddy-errorpages"
	"github.com/errorpages/caddy-errorpages/cmd/errorpagescmd"
	"github.com/errorpages/caddy-errorpages/errorpages"
)

// commandConfig writes a Caddyfile with three sites: a branded shop with a
// message and a maintenance block, an API whose error_pages sits in a
// nested route and offers JSON only, and a catch-all site with its own
// templates. It returns the Caddyfile's path.
func commandConfig(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	tpl := filepath.Join(dir, "pages")
	os.Mkdir(tpl, 0o755)
	os.WriteFile(filepath.Join(tpl, "5xx.html"), []byte(`<!doctype html><title>{{.Code}}</title><p>Our own {{.Code}} page: {{.Message}}</p>`), 0o644)
	cfg := fmt.Sprintf(`{
	admin off
}

http://shop.localhost {
	error_pages {
		brand {
			name Acme Shop
			color "#0a66c2"
		}
		message 404 Nothing on this shelf
		maintenance {
			message Inventory count in progress.
			until 2030-01-01T08:00:00Z
			retry_after 10m
		}
	}
	respond "ok"
}

http://api.localhost {
	route {
		handle /v1/* {
			error_pages {
				status 4xx
				formats json problem
			}
			respond 404
		}
	}
}

:8080 {
	error_pages {
		templates %s
	}
	respond 404
}
`, tpl)
	path := filepath.Join(dir, "Caddyfile")
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestCommandFindsEveryHandler(t *testing.T) {
	g, err := errorpagescmd.LoadGallery(commandConfig(t), "")
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	var got []string
	for _, s := range g.Sites() {
		got = append(got, s.Name+" "+errorpagescmd.HostList(s.Hosts))
	}
	want := []string{"shop.localhost shop.localhost", "api.localhost api.localhost", "default every host"}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("sites %q, want %q", got, want)
	}
}

// statusesWithNames are the 4xx and 5xx statuses with a standard name.
func statusesWithNames(lo, hi int) []int {
	var out []int
	for c := lo; c <= hi; c++ {
		if http.StatusText(c) != "" {
			out = append(out, c)
		}
	}
	return out
}

// answeredBetween are the errorpagescmd.AnsweredStatuses from lo to hi.
func answeredBetween(lo, hi int) []int {
	var out []int
	for _, c := range errorpagescmd.AnsweredStatuses {
		if lo <= c && c <= hi {
			out = append(out, c)
		}
	}
	return out
}

func TestCommandExport(t *testing.T) {
	g, err := errorpagescmd.LoadGallery(commandConfig(t), "")
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	out := t.TempDir()
	// An existing file is overwritten.
	os.MkdirAll(filepath.Join(out, "shop.localhost"), 0o755)
	os.WriteFile(filepath.Join(out, "shop.localhost", "404.json"), []byte("stale"), 0o644)
	files, err := g.Export(out)
	if err != nil {
		t.Fatal(err)
	}
	read := func(name string) string {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}

	t.Run("every status in every format the site offers", func(t *testing.T) {
		sites := []struct {
			dir   string
			codes []int
			exts  []string
			none  []string
		}{
			{"shop.localhost", answeredBetween(400, 599), []string{".html", ".json", ".problem.json", ".txt", ".xml"}, []string{"418.json", "418.html"}},
			{"api.localhost", answeredBetween(400, 499), []string{".json", ".problem.json"}, []string{"404.html", "404.txt", "500.json", "418.json"}},
			{"default", answeredBetween(400, 599), []string{".html", ".json", ".problem.json", ".txt", ".xml"}, []string{"418.html"}},
		}
		for _, s := range sites {
			for _, c := range s.codes {
				for _, ext := range s.exts {
					name := filepath.Join(s.dir, fmt.Sprint(c)+ext)
					if !slices.Contains(files, filepath.Join(out, name)) {
						t.Errorf("%s not written", name)
					}
				}
			}
			for _, ext := range s.exts {
				if _, err := os.Stat(filepath.Join(out, s.dir, "maintenance"+ext)); err != nil {
					t.Errorf("maintenance page: %v", err)
				}
			}
			for _, n := range s.none {
				if _, err := os.Stat(filepath.Join(out, s.dir, n)); err == nil {
					t.Errorf("%s/%s written for a format or status the site does not rewrite", s.dir, n)
				}
			}
		}
	})

	t.Run("the site's brand and message in the HTML page", func(t *testing.T) {
		page := read("shop.localhost/404.html")
		for _, want := range []string{"<title>404 Nothing on this shelf · Acme Shop</title>", "--brand:#0a66c2", "Acme Shop"} {
			if !strings.Contains(page, want) {
				t.Errorf("404.html lacks %q", want)
			}
		}
		if strings.Contains(page, "Request ID") {
			t.Errorf("a static page shows a request ID")
		}
	})

	t.Run("the site's own template", func(t *testing.T) {
		if page := read("default/502.html"); !strings.Contains(page, "Our own 502 page: Bad Gateway") {
			t.Errorf("502.html is not the site's template: %s", page)
		}
	})

	t.Run("JSON, problem+json, text and XML are well formed", func(t *testing.T) {
		var env envelope
		if err := json.Unmarshal([]byte(read("shop.localhost/404.json")), &env); err != nil || env.Error.Code != 404 || env.Error.Message != "Nothing on this shelf" {
			t.Errorf("404.json: %+v %v", env, err)
		}
		var prob struct {
			Type, Title string
			Status      int
		}
		if err := json.Unmarshal([]byte(read("api.localhost/422.problem.json")), &prob); err != nil || prob.Status != 422 || prob.Type != "about:blank" {
			t.Errorf("422.problem.json: %+v %v", prob, err)
		}
		if txt := read("shop.localhost/500.txt"); !strings.HasPrefix(txt, "500 Internal Server Error\n") {
			t.Errorf("500.txt: %q", txt)
		}
		var x struct {
			XMLName xml.Name `xml:"error"`
			Code    int      `xml:"code"`
		}
		if err := xml.Unmarshal([]byte(read("shop.localhost/503.xml")), &x); err != nil || x.Code != 503 {
			t.Errorf("503.xml: %+v %v", x, err)
		}
	})

	t.Run("the maintenance page with the site's message and end", func(t *testing.T) {
		page := read("shop.localhost/maintenance.html")
		for _, want := range []string{"Down for maintenance", "Inventory count in progress. We expect to be back by January 1, 2030, 08:00 UTC.", `<meta http-equiv="refresh"`} {
			if !strings.Contains(page, want) {
				t.Errorf("maintenance.html lacks %q", want)
			}
		}
		var env envelope
		if err := json.Unmarshal([]byte(read("default/maintenance.json")), &env); err != nil || env.Error.Type != "maintenance" || env.Error.Code != 503 {
			t.Errorf("maintenance.json of a site without a maintenance block: %+v %v", env, err)
		}
	})

	t.Run("an index links every page", func(t *testing.T) {
		idx := read("index.html")
		for _, want := range []string{`href="shop.localhost/404.html"`, `href="api.localhost/404.problem.json"`, `href="default/maintenance.xml"`} {
			if !strings.Contains(idx, want) {
				t.Errorf("index.html lacks %s", want)
			}
		}
	})
}

func TestCommandErrors(t *testing.T) {
	dir := t.TempDir()
	noHandler := filepath.Join(dir, "Caddyfile.plain")
	os.WriteFile(noHandler, []byte("http://localhost {\n\trespond ok\n}\n"), 0o644)
	broken := filepath.Join(dir, "Caddyfile.broken")
	os.WriteFile(broken, []byte("http://localhost {\n\terror_pages {\n\t\tstatus 700\n\t}\n}\n"), 0o644)
	badTemplates := filepath.Join(dir, "Caddyfile.templates")
	os.WriteFile(badTemplates, []byte("{\n\tadmin off\n}\nhttp://localhost {\n\terror_pages {\n\t\ttemplates "+filepath.Join(dir, "missing")+"\n\t}\n}\n"), 0o644)
	for _, row := range []struct {
		name, config, want string
	}{
		{"a missing config file", filepath.Join(dir, "nope"), "no such file"},
		{"a config without error_pages", noHandler, "no error_pages handler in the config"},
		{"a broken error_pages block", broken, "status"},
		{"a missing templates directory", badTemplates, "templates"},
	} {
		t.Run(row.name, func(t *testing.T) {
			_, err := errorpagescmd.LoadGallery(row.config, "caddyfile")
			if err == nil || !strings.Contains(err.Error(), row.want) {
				t.Errorf("error = %v, want one containing %q", err, row.want)
			}
		})
	}
	t.Run("an out path that is a file", func(t *testing.T) {
		g, err := errorpagescmd.LoadGallery(commandConfig(t), "")
		if err != nil {
			t.Fatal(err)
		}
		defer g.Close()
		file := filepath.Join(dir, "a-file")
		os.WriteFile(file, nil, 0o644)
		if _, err := g.Export(file); err == nil || !strings.Contains(err.Error(), "--out") {
			t.Errorf("error = %v", err)
		}
	})
}

var hrefAttr = regexp.MustCompile(`href="([^"]+)"`)

func TestCommandPreview(t *testing.T) {
	config := commandConfig(t)
	srv := httptest.NewServer(errorpagescmd.NewPreviewHandler(func() (*errorpagescmd.Gallery, error) { return errorpagescmd.LoadGallery(config, "") }))
	defer srv.Close()
	fetch := func(path string) (*http.Response, string) {
		t.Helper()
		res, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res, string(b)
	}

	res, idx := fetch("/")
	if res.StatusCode != 200 || !strings.Contains(idx, "shop.localhost") {
		t.Fatalf("index: %d\n%s", res.StatusCode, idx)
	}
	links := hrefAttr.FindAllStringSubmatch(idx, -1)
	// shop and default: 5 formats + dark; api: 2 formats; each status
	// and the maintenance page.
	// Both sites with a page also link each of their languages.
	wantLinks := 2*(len(statusesWithNames(400, 599))+1)*6 + (len(statusesWithNames(400, 499))+1)*2 +
		2*len(errorpages.Builtin().Languages())
	if len(links) != wantLinks {
		t.Errorf("index has %d links, want %d", len(links), wantLinks)
	}
	for _, l := range links {
		res, body := fetch("/" + l[1])
		if res.StatusCode < 400 || body == "" {
			t.Errorf("%s: %d with %d bytes", l[1], res.StatusCode, len(body))
		}
	}

	rows := []struct {
		name, path string
		code       int
		ctype      string
		has        []string
		hasNot     []string
	}{
		{"a page with the site's brand", "/shop.localhost/404.html?scheme=light", 404, "text/html; charset=utf-8", []string{"Nothing on this shelf", "Acme Shop", "(max-width:0px)", `content="light"`, errorpagescmd.PreviewRequestID}, []string{"prefers-color-scheme"}},
		{"dark mode forced", "/shop.localhost/404.html?scheme=dark", 404, "text/html; charset=utf-8", []string{"@media (min-width:0px)", `<meta name="color-scheme" content="dark">`}, []string{"prefers-color-scheme"}},
		{"the page as served, following the browser", "/shop.localhost/404.html", 404, "text/html; charset=utf-8", []string{"prefers-color-scheme"}, nil},
		{"JSON", "/api.localhost/429.json", 429, "application/json", []string{`"code":429`}, nil},
		{"the maintenance page", "/shop.localhost/maintenance.txt", 503, "text/plain; charset=utf-8", []string{"503 Down for maintenance", "Inventory count in progress."}, nil},
		{"an unknown page", "/shop.localhost/999.html", 404, "text/plain; charset=utf-8", []string{"no such page"}, nil},
		{"a format the site does not offer", "/api.localhost/404.html", 404, "text/plain; charset=utf-8", []string{"no such page"}, nil},
		{"an unknown site", "/nope/404.html", 404, "text/plain; charset=utf-8", []string{"no such page"}, nil},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			res, body := fetch(row.path)
			if res.StatusCode != row.code || res.Header.Get("Content-Type") != row.ctype {
				t.Errorf("%d %q", res.StatusCode, res.Header.Get("Content-Type"))
			}
			for _, s := range row.has {
				if !strings.Contains(body, s) {
					t.Errorf("lacks %q", s)
				}
			}
			for _, s := range row.hasNot {
				if strings.Contains(body, s) {
					t.Errorf("has %q", s)
				}
			}
			if strings.Contains(row.path, "scheme=") && res.Header.Get("Content-Security-Policy") != "" {
				t.Errorf("a restyled page keeps the CSP that pins its original style")
			}
		})
	}

	t.Run("the config is read again on every request", func(t *testing.T) {
		b, _ := os.ReadFile(config)
		os.WriteFile(config, []byte(strings.Replace(string(b), "Nothing on this shelf", "Shelf is empty", 1)), 0o644)
		if _, body := fetch("/shop.localhost/404.txt"); !strings.Contains(body, "404 Shelf is empty") {
			t.Errorf("edit not shown: %s", body)
		}
		os.WriteFile(config, []byte(strings.Replace(string(b), "status 4xx", "status 4xx 999", 1)), 0o644)
		if res, body := fetch("/"); res.StatusCode != 500 || !strings.Contains(body, "999") {
			t.Errorf("a broken config: %d %s", res.StatusCode, body)
		}
	})
}

// export --lang writes the pages in that language; preview shows them in
// the viewer's language, or ?lang=.
func TestCommandLanguages(t *testing.T) {
	config := commandConfig(t)
	g, err := errorpagescmd.LoadGallery(config, "")
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	out := t.TempDir()
	g.SetLang("de")
	if _, err := g.Export(out); err != nil {
		t.Fatal(err)
	}
	de := errorpages.Builtin().Translator("de")
	page, _ := os.ReadFile(filepath.Join(out, "shop.localhost", "503.html"))
	if s := string(page); !strings.Contains(s, `<html lang="de" dir="ltr">`) || !strings.Contains(s, de.Title(503)) {
		t.Errorf("export --lang de: 503.html is not German:\n%s", s)
	}

	// Without --lang: the default language at the top, every other offered
	// language in <site>/<lang>/, in the formats that follow the language.
	all := t.TempDir()
	g.SetLang("")
	if _, err := g.Export(all); err != nil {
		t.Fatal(err)
	}
	for _, row := range []struct{ file, want string }{
		{"shop.localhost/503.html", `<html lang="en" dir="ltr">`},
		{"shop.localhost/de/503.html", `<html lang="de" dir="ltr">`},
		{"shop.localhost/ar/404.html", `<html lang="ar" dir="rtl">`},
		{"shop.localhost/zh-Hant/maintenance.html", `<html lang="zh-Hant"`},
		{"shop.localhost/de/503.txt", de.Title(503)},
		{"index.html", `href="shop.localhost/ar/400.html" hreflang="ar"`},
	} {
		b, err := os.ReadFile(filepath.Join(all, row.file))
		if err != nil || !strings.Contains(string(b), row.want) {
			t.Errorf("export: %s lacks %s (%v)", row.file, row.want, err)
		}
	}
	for _, absent := range []string{"shop.localhost/de/404.json", "shop.localhost/de/404.problem.json", "api.localhost/de"} {
		if _, err := os.Stat(filepath.Join(all, absent)); err == nil {
			t.Errorf("export wrote %s: only formats that follow the language are written per language", absent)
		}
	}

	srv := httptest.NewServer(errorpagescmd.NewPreviewHandler(func() (*errorpagescmd.Gallery, error) { return errorpagescmd.LoadGallery(config, "") }))
	defer srv.Close()
	for _, row := range []struct{ path, acceptLanguage, want string }{
		{"/", "", `href="shop.localhost/400.html?lang=he" target="view" hreflang="he"`},
		{"/shop.localhost/503.html?lang=ar", "", `<html lang="ar" dir="rtl">`},
		{"/shop.localhost/503.html", "fr-FR,fr;q=0.9", `<html lang="fr" dir="ltr">`},
		{"/shop.localhost/503.html", "", `<html lang="en" dir="ltr">`},
	} {
		req, _ := http.NewRequest("GET", srv.URL+row.path, nil)
		if row.acceptLanguage != "" {
			req.Header.Set("Accept-Language", row.acceptLanguage)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if !strings.Contains(string(b), row.want) {
			t.Errorf("preview %s (Accept-Language %q) lacks %s", row.path, row.acceptLanguage, row.want)
		}
	}
}

// envelope is the errorpages preset's JSON body.
type envelope struct {
	Error struct {
		Code      int    `json:"code"`
		Type      string `json:"type"`
		Message   string `json:"message"`
		Details   string `json:"details"`
		Fields    []struct{ Field, Message string }
		RequestID string `json:"request_id"`
		Docs      string `json:"docs"`
	} `json:"error"`
}

// caddy error-pages export writes no empty members, and by default the
// statuses sites answer with (plus those status names one by one); --all
// writes every status the site rewrites.
func TestExportWritesWhatSitesAnswer(t *testing.T) {
	dir := t.TempDir()
	config := filepath.Join(dir, "Caddyfile")
	if err := os.WriteFile(config, []byte(`{
	admin off
}
http://shop.localhost {
	error_pages {
		languages en
	}
	respond "ok"
}
http://teapot.localhost {
	error_pages {
		status 5xx 418
		languages en
	}
	respond "ok"
}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	export := func(t *testing.T, args ...string) string {
		t.Helper()
		out := filepath.Join(t.TempDir(), "pages")
		cmd := errorpagescmd.ExportCommand()
		cmd.SetArgs(append([]string{"--config", config, "--out", out}, args...))
		cmd.SetOut(io.Discard)
		if err := cmd.Execute(); err != nil {
			t.Fatal(err)
		}
		return out
	}
	has := func(out, name string) bool {
		_, err := os.Stat(filepath.Join(out, name))
		return err == nil
	}
	out := export(t)
	err := filepath.WalkDir(out, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, empty := range []string{`"request_id":""`, `:""`, `<request_id></request_id>`, `<docs></docs>`, `<trace_id></trace_id>`, "Request ID: \n"} {
			if strings.Contains(string(b), empty) && !strings.HasSuffix(path, ".html") {
				t.Errorf("%s has an empty member %s:\n%s", path, empty, b)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]bool{
		"shop.localhost/404.json": true, "shop.localhost/502.html": true, "shop.localhost/422.problem.json": true,
		"shop.localhost/418.json": false, "shop.localhost/418.html": false, "shop.localhost/506.json": false,
		"teapot.localhost/418.json": true, "teapot.localhost/503.html": true, "teapot.localhost/404.json": false,
	} {
		if has(out, name) != want {
			t.Errorf("%s written: %v, want %v", name, !want, want)
		}
	}
	files := 0
	filepath.WalkDir(out, func(_ string, d fs.DirEntry, _ error) error {
		if !d.IsDir() {
			files++
		}
		return nil
	})
	// shop: the 19 answered statuses, teapot: 500-504 and 418, each in 5
	// formats, the maintenance pages, and the index.
	if want := (len(errorpagescmd.AnsweredStatuses)+1)*5 + (6+1)*5 + 1; files != want {
		t.Errorf("%d files, want %d", files, want)
	}
	all := export(t, "--all")
	if !has(all, "shop.localhost/418.json") || !has(all, "shop.localhost/506.json") || has(all, "teapot.localhost/404.json") {
		t.Errorf("--all does not write every status the site rewrites")
	}
}
