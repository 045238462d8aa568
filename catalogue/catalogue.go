// Package catalogue builds a site's error catalogue: one page per error
// type the site can answer with, one per validation problem code, one per
// operation of its validated API, an index and a JSON listing of the
// whole. Every page comes as HTML (in the site's brand) and as JSON. The
// package has no Caddy import: error_pages serves the pages and
// `caddy error-pages export` writes them as files (Export).
package catalogue

import (
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/errorpages/caddy-errorpages/errorpages"
	"github.com/errorpages/caddy-errorpages/validation"
)

// The error types that are not a status's own slug.
const (
	TypeValidationFailed = errorpages.TypeValidationFailed
	// TypeUpstreamContractViolation is the type of a 502 whose upstream
	// answered outside its own API description.
	TypeUpstreamContractViolation = "upstream_contract_violation"
	TypeMaintenance               = errorpages.MaintenanceType
)

// Kinds of pages, as the JSON "kind" member says.
const (
	KindType      = "type"
	KindProblem   = "problem"
	KindOperation = "operation"
	KindIndex     = "index"
)

// MaxUses bounds the operations and fields listed on one problem code's
// page (the JSON says how many more there are).
const MaxUses = 500

// Config describes the site whose catalogue is built.
type Config struct {
	// Base is the path under which the pages are served, "/errors".
	Base string
	// Statuses are the statuses the site renders: each gets its type's
	// page.
	Statuses errorpages.StatusSet
	// Specs are the API documents whose operations and fields the pages
	// list.
	Specs []*validation.Spec
	// Brand fills the HTML pages as it fills the site's error pages;
	// nil for a neutral page.
	Brand *errorpages.Brand
}

// Catalogue is the pages of one site, built once; it is safe for
// concurrent use.
type Catalogue struct {
	base       string
	types      []*entry
	problems   []*entry
	operations []*entry
	// byName finds an entry by its path below the base: "not_found",
	// "problems/required", "operations/createUser".
	byName map[string]*entry
	brand  *errorpages.Brand
	style  string
	policy string
	// listings caches the JSON listing by language: it holds no example
	// and depends on nothing else.
	listings sync.Map // lang → []byte
}

type entry struct {
	kind string
	name string
	// rel is the entry's path below the base, URL-escaped; path is the
	// base and rel, made once (error bodies link it on every error).
	rel, path string
	// statuses: a type's status codes (several for the class slugs
	// client_error and server_error).
	statuses []int
	op       *validation.Operation
	rules    []validation.Rule
	uses     []Use
	// useRules are the rules of uses, one for one: their texts in other
	// languages.
	useRules []validation.Rule
	more     int
}

// New builds the catalogue. Operations whose IDs repeat across documents
// keep the first.
func New(cfg Config) (*Catalogue, error) {
	base := strings.TrimRight(cfg.Base, "/")
	if !strings.HasPrefix(cfg.Base, "/") || strings.ContainsAny(base, "?#{}* \t") {
		return nil, fmt.Errorf("%q is not a path starting with /", cfg.Base)
	}
	c := &Catalogue{base: base, byName: map[string]*entry{}}
	if err := c.styleFor(cfg.Brand); err != nil {
		return nil, err
	}
	c.addTypes(cfg.Statuses)
	for _, code := range validation.ProblemCodes() {
		c.add(&entry{kind: KindProblem, name: code, rel: "problems/" + code})
	}
	uses := map[string]*entry{}
	for _, e := range c.problems {
		uses[e.name] = e
	}
	for _, spec := range cfg.Specs {
		for _, op := range spec.Operations() {
			name := "operations/" + op.ID
			if c.byName[name] != nil {
				continue
			}
			e := &entry{kind: KindOperation, name: op.ID, rel: "operations/" + url.PathEscape(op.ID), op: op, rules: op.Rules()}
			c.add(e)
			for _, r := range e.rules {
				p := uses[r.Code]
				if p == nil {
					continue
				}
				if len(p.uses) >= MaxUses {
					p.more++
					continue
				}
				p.uses = append(p.uses, Use{Operation: op.ID, Method: op.Method, Path: op.Path, Pointer: r.Pointer, Text: r.Text, URL: c.URL(e.rel)})
				p.useRules = append(p.useRules, r)
			}
		}
	}
	return c, nil
}

// addTypes adds a page for each status's type (its slug: several codes
// without a reason phrase of their own share client_error or
// server_error), then the types that are not a status's slug.
func (c *Catalogue) addTypes(statuses errorpages.StatusSet) {
	byType := map[string]*entry{}
	for code := 400; code < 600; code++ {
		if !statuses.Has(code) {
			continue
		}
		slug := errorpages.TypeSlug(code)
		if e := byType[slug]; e != nil {
			e.statuses = append(e.statuses, code)
			continue
		}
		e := &entry{kind: KindType, name: slug, rel: slug, statuses: []int{code}}
		byType[slug] = e
		c.add(e)
	}
	for _, t := range []struct {
		name   string
		status int
	}{
		{TypeValidationFailed, 400},
		{TypeUpstreamContractViolation, 502},
		{TypeMaintenance, 503},
	} {
		c.add(&entry{kind: KindType, name: t.name, rel: t.name, statuses: []int{t.status}})
	}
}

func (c *Catalogue) add(e *entry) {
	e.path = c.URL(e.rel)
	switch e.kind {
	case KindType:
		c.types = append(c.types, e)
		c.byName[e.name] = e
	case KindProblem:
		c.problems = append(c.problems, e)
		c.byName["problems/"+e.name] = e
	case KindOperation:
		c.operations = append(c.operations, e)
		c.byName["operations/"+e.name] = e
	}
}

// Base is the path the pages are served under, without a trailing slash.
func (c *Catalogue) Base() string { return c.base }

// URL is the path of the page rel below the base (rel URL-escaped; ""
// for the index).
func (c *Catalogue) URL(rel string) string { return c.base + "/" + rel }

// TypeURL is the path of the page of error type typ, or "" when the
// catalogue has none.
func (c *Catalogue) TypeURL(typ string) string {
	if e := c.byName[typ]; e != nil && e.kind == KindType {
		return e.path
	}
	return ""
}

// OperationURL is the path of operation id's page, or "" when the
// catalogue has none.
func (c *Catalogue) OperationURL(id string) string {
	if e := c.byName["operations/"+id]; e != nil {
		return e.path
	}
	return ""
}

// Find returns the name of the page at path (as the client sent it,
// decoded): "" for the index, ok false when path is not under the base
// (then it is not the catalogue's). found is false for a path under the
// base that names no page.
func (c *Catalogue) Find(path string) (name string, ok, found bool) {
	if path == c.base {
		return "", true, true
	}
	rest, under := strings.CutPrefix(path, c.base+"/")
	if !under {
		return "", false, false
	}
	if rest == "" {
		return "", true, true
	}
	_, found = c.byName[rest]
	return rest, true, found
}

// Names lists every page's name (as Find returns it), the index first.
func (c *Catalogue) Names() []string {
	out := []string{""}
	for _, list := range [][]*entry{c.types, c.problems, c.operations} {
		for _, e := range list {
			out = append(out, c.key(e))
		}
	}
	return out
}

func (c *Catalogue) key(e *entry) string {
	switch e.kind {
	case KindProblem:
		return "problems/" + e.name
	case KindOperation:
		return "operations/" + e.name
	}
	return e.name
}

// Problems lists, for a problem code, the operations and fields that can
// produce it (at most MaxUses) and how many more there are.
func (c *Catalogue) Problems(code string) ([]Use, int) {
	e := c.byName["problems/"+code]
	if e == nil {
		return nil, 0
	}
	return slices.Clone(e.uses), e.more
}

// Use is one field of one operation that can produce a problem code.
type Use struct {
	// Operation is the operation's ID; Method and Path its method and
	// path template.
	Operation string `json:"operation"`
	Method    string `json:"method"`
	Path      string `json:"path"`
	// Pointer is where the rule applies ("/body/email").
	Pointer string `json:"pointer"`
	// Text is the rule in the page's language ("must be a valid email
	// address").
	Text string `json:"text"`
	// URL is the operation's page.
	URL string `json:"url"`
}

func sortedStatuses(e *entry) []int {
	s := slices.Clone(e.statuses)
	sort.Ints(s)
	return s
}
