package catalogue

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Export writes every page of the catalogue under dir as static files,
// at the base path: <dir><base>/index.html and index.json (the listing),
// then <name>.html and <name>.json for each page
// (<dir>/errors/not_found.html, …/problems/required.json,
// …/operations/createUser.html). A static server that tries
// {path}.html, or {path}.json for API clients, serves the same URLs as
// error_pages does. An operation ID's characters other than letters,
// digits, '.', '_' and '-' become '_' in its file names. It returns the
// number of files written.
func (c *Catalogue) Export(dir string, v View) (int, error) {
	root := filepath.Join(dir, filepath.FromSlash(strings.TrimPrefix(c.base, "/")))
	n := 0
	write := func(name string, render func(*bytes.Buffer) error) error {
		var b bytes.Buffer
		if err := render(&b); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		path := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			return err
		}
		n++
		return nil
	}
	x := c.IndexPage(v)
	if err := write("index.html", func(b *bytes.Buffer) error { return c.WriteHTML(b, nil, x) }); err != nil {
		return n, err
	}
	if err := write("index.json", func(b *bytes.Buffer) error { return c.WriteJSON(b, nil, x) }); err != nil {
		return n, err
	}
	for _, name := range c.Names()[1:] {
		p := c.Page(name, v)
		file := fileName(name)
		if err := write(file+".html", func(b *bytes.Buffer) error { return c.WriteHTML(b, p, nil) }); err != nil {
			return n, err
		}
		if err := write(file+".json", func(b *bytes.Buffer) error { return c.WriteJSON(b, p, nil) }); err != nil {
			return n, err
		}
	}
	return n, nil
}

// fileName is a page's name as a relative file path: the operations/
// and problems/ folders, then the name with unsafe characters replaced.
func fileName(name string) string {
	dir, base := "", name
	if i := strings.IndexByte(name, '/'); i >= 0 && (strings.HasPrefix(name, "operations/") || strings.HasPrefix(name, "problems/")) {
		dir, base = name[:i+1], name[i+1:]
	}
	b := []byte(base)
	for i, ch := range b {
		if !(ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || ch == '.' || ch == '_' || ch == '-') {
			b[i] = '_'
		}
	}
	s := string(b)
	if s == "" || s == "." || s == ".." || s == "index" {
		s = "_" + s
	}
	return dir + s
}
