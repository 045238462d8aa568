package errorpagescmd

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// catalogueExporter is an error_pages handler that can serve an error
// catalogue (error_pages' catalogue option): export writes its pages too.
type catalogueExporter interface {
	// CatalogueBase is the catalogue's base path; "" when it has none.
	CatalogueBase() string
	// ExportCatalogue writes the catalogue's pages under dir, at the
	// base path.
	ExportCatalogue(dir, origin string) (int, error)
}

// export writes every page of every site into out/<site>/, and a gallery
// index.html into out. It returns the files written.
func (g *gallery) export(out string) ([]string, error) {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return nil, fmt.Errorf("export: --out: %w", err)
	}
	var files []string
	write := func(name string, b []byte) error {
		if err := os.WriteFile(name, b, 0o644); err != nil {
			return fmt.Errorf("export: %w", err)
		}
		files = append(files, name)
		return nil
	}
	for _, s := range g.sites {
		dir := filepath.Join(out, s.Name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return files, fmt.Errorf("export: %w", err)
		}
		for _, p := range s.pages() {
			_, body, err := s.render(p, false, g.lang)
			if err != nil {
				return files, fmt.Errorf("export: %w", err)
			}
			if err := write(filepath.Join(dir, p.File), body); err != nil {
				return files, err
			}
		}
		// The site's error catalogue, at its base path, as static files.
		if ce, ok := s.h.(catalogueExporter); ok && ce.CatalogueBase() != "" {
			if _, err := ce.ExportCatalogue(dir, ""); err != nil {
				return files, fmt.Errorf("export: catalogue: %w", err)
			}
			root := filepath.Join(dir, filepath.FromSlash(strings.Trim(ce.CatalogueBase(), "/")))
			err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
				if err == nil && !d.IsDir() {
					files = append(files, path)
				}
				return err
			})
			if err != nil {
				return files, fmt.Errorf("export: catalogue: %w", err)
			}
		}
		if g.lang != "" {
			continue // one language asked for: it is the top level
		}
		// Every other offered language in <site>/<lang>/, in the formats
		// that follow the language (the others are the same in each).
		localized := false
		for _, f := range s.formats() {
			localized = localized || s.h.Localizes(f)
		}
		if !localized {
			continue
		}
		for _, l := range s.languages()[1:] {
			ldir := filepath.Join(dir, l)
			if err := os.MkdirAll(ldir, 0o755); err != nil {
				return files, fmt.Errorf("export: %w", err)
			}
			for _, p := range s.pages() {
				if !s.h.Localizes(p.Format) {
					continue
				}
				_, body, err := s.render(p, false, l)
				if err != nil {
					return files, fmt.Errorf("export: %w", err)
				}
				if err := write(filepath.Join(ldir, p.File), body); err != nil {
					return files, err
				}
			}
		}
	}
	var idx bytes.Buffer
	if err := g.index(&idx, false); err != nil {
		return files, err
	}
	return files, write(filepath.Join(out, "index.html"), idx.Bytes())
}
