package validation

import "sort"

// Files lists the absolute paths of the files the document was read
// from (the document and every file its $refs reached), sorted: a caller
// that keeps the compiled document can tell from them whether it changed.
func (s *Spec) Files() []string { return s.schemas.files() }

// Files lists the files the JSON Schema of a json_schema operation was
// read from, as Spec.Files.
func (op *Operation) Files() []string { return op.schemas.files() }

func (ss *schemaSet) files() []string {
	out := make([]string, 0, len(ss.ds.files))
	for abs := range ss.ds.files {
		out = append(out, abs)
	}
	sort.Strings(out)
	return out
}
