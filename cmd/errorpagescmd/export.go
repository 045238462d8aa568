package errorpagescmd

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
)

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
