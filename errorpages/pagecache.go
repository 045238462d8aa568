package errorpages

import (
	"html/template"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"text/template/parse"
)

// A site's own HTML templates are executed by html/template. A template
// that reads only what is the same for every request with the same
// status, language and texts — the code, type, message, details, the
// language, the brand and the built-in texts — renders the same bytes
// for each such request, so its output is kept (pageCache) and the
// template runs once per status, language and text instead of once per
// request. A template that reads anything else (the request ID, the
// path, the fields, the time, a placeholder…) runs every time.

// staticFields are the members of PageData a cached template may read.
var staticFields = map[string]bool{
	"Code": true, "Type": true, "Message": true, "Details": true,
	"Lang": true, "Dir": true, "L": true, "Brand": true, "T": true,
}

// staticFuncs are the functions a cached template may call: text/template's
// builtins but call (which could run anything), and html/template's
// escapers.
var staticFuncs = map[string]bool{
	"and": true, "or": true, "not": true, "eq": true, "ne": true, "lt": true, "le": true, "gt": true, "ge": true,
	"len": true, "index": true, "slice": true, "print": true, "printf": true, "println": true,
	"html": true, "js": true, "urlquery": true,
}

// readsOnlyStatic reports whether t, and every template it calls, reads
// only staticFields of its data. Its escaped tree is examined, so call it
// after t has run once.
func readsOnlyStatic(t *template.Template) bool {
	seen := map[string]bool{}
	var tree func(name string) bool
	var node func(n parse.Node, atRoot bool) bool
	tree = func(name string) bool {
		if seen[name] {
			return true
		}
		seen[name] = true
		lt := t.Lookup(name)
		if lt == nil || lt.Tree == nil || lt.Tree.Root == nil {
			return false
		}
		return node(lt.Tree.Root, true)
	}
	// atRoot: dot is the page data (outside with and range, which move it).
	node = func(n parse.Node, atRoot bool) bool {
		switch n := n.(type) {
		case nil:
			return true
		case *parse.ListNode:
			if n == nil {
				return true
			}
			for _, c := range n.Nodes {
				if !node(c, atRoot) {
					return false
				}
			}
			return true
		case *parse.TextNode, *parse.CommentNode, *parse.BreakNode, *parse.ContinueNode:
			return true
		case *parse.ActionNode:
			return node(n.Pipe, atRoot)
		case *parse.PipeNode:
			if n == nil {
				return true
			}
			for _, c := range n.Cmds {
				if !node(c, atRoot) {
					return false
				}
			}
			return true
		case *parse.CommandNode:
			for _, a := range n.Args {
				if !node(a, atRoot) {
					return false
				}
			}
			return true
		case *parse.IfNode:
			return node(n.Pipe, atRoot) && node(n.List, atRoot) && node(n.ElseList, atRoot)
		case *parse.WithNode:
			// Inside, dot is the pipeline's value: a static member's,
			// whose own members are not fields of the page, unless
			// the pipeline could be the page data itself.
			return node(n.Pipe, atRoot) && node(n.List, atRoot && !movesDot(n.Pipe)) && node(n.ElseList, atRoot)
		case *parse.RangeNode:
			return node(n.Pipe, atRoot) && node(n.List, atRoot && !movesDot(n.Pipe)) && node(n.ElseList, atRoot)
		case *parse.TemplateNode:
			// The called template is checked as if its dot were the
			// page data, which it is when . or $ is handed on.
			return (passesData(n.Pipe) || node(n.Pipe, atRoot)) && tree(n.Name)
		case *parse.FieldNode:
			return !atRoot || staticFields[n.Ident[0]]
		case *parse.VariableNode:
			// $ is the page data: $.Code is read like .Code. Another
			// variable's members are not followed: it may hold the
			// page data.
			// Bare $ is all of it. No variable can hold the page data
			// (setting one from . or $ is refused), so other
			// variables' members are fine.
			if n.Ident[0] != "$" {
				return true
			}
			return len(n.Ident) > 1 && staticFields[n.Ident[1]]
		case *parse.ChainNode:
			return node(n.Node, atRoot)
		case *parse.IdentifierNode:
			return staticFuncs[n.Ident] || strings.HasPrefix(n.Ident, "_html_template_")
		case *parse.DotNode:
			// The whole page data handed on (to a template or a
			// function) could be read in full.
			return !atRoot
		case *parse.BoolNode, *parse.NumberNode, *parse.StringNode, *parse.NilNode:
			return true
		}
		return false // a node this check does not know
	}
	return tree(t.Name())
}

// movesDot reports whether a with or range pipeline certainly sets dot
// to something else than the page data: a member of it (.Brand, $.Lang,
// .Brand.Name).
func movesDot(p *parse.PipeNode) bool {
	if p == nil || len(p.Cmds) != 1 || len(p.Cmds[0].Args) != 1 {
		return false
	}
	switch a := p.Cmds[0].Args[0].(type) {
	case *parse.FieldNode:
		return true
	case *parse.VariableNode:
		return a.Ident[0] == "$" && len(a.Ident) > 1
	}
	return false
}

// passesData reports whether a pipeline is just . or $.
func passesData(p *parse.PipeNode) bool {
	if p == nil || len(p.Decl) > 0 || len(p.Cmds) != 1 || len(p.Cmds[0].Args) != 1 {
		return false
	}
	switch a := p.Cmds[0].Args[0].(type) {
	case *parse.DotNode:
		return true
	case *parse.VariableNode:
		return len(a.Ident) == 1 && a.Ident[0] == "$"
	}
	return false
}

// pageCache keeps the output of the site's templates that read only
// static data, per template and key (pageKey).
type pageCache struct {
	m sync.Map // pageCacheKey → []byte
	n atomic.Int32
}

type pageCacheKey struct {
	t   *template.Template
	key string
}

// maxCachedPages bounds the cache: the keys are texts, which upstreams
// may vary (an upstream's message as the details).
const maxCachedPages = 4096

// pageKey is what a static template's output depends on besides the brand
// (fixed per Renderer): the status, the language and the error's texts.
func pageKey(d *PageData) string {
	var b strings.Builder
	b.Grow(8 + len(d.Lang) + len(d.Dir) + len(d.Type) + len(d.Message) + len(d.Details) + 5)
	b.WriteString(strconv.Itoa(d.Code))
	for _, s := range []string{d.Lang, d.Dir, d.Type, d.Message, d.Details} {
		b.WriteByte(0)
		b.WriteString(s)
	}
	return b.String()
}

func (c *pageCache) get(t *template.Template, key string) ([]byte, bool) {
	v, ok := c.m.Load(pageCacheKey{t, key})
	if !ok {
		return nil, false
	}
	return v.([]byte), true
}

func (c *pageCache) put(t *template.Template, key string, page []byte) {
	if c.n.Add(1) > maxCachedPages {
		return
	}
	c.m.Store(pageCacheKey{t, key}, append([]byte(nil), page...))
}
