package catalogue

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"html/template"
	"io"
	"net/url"
	"strings"

	"github.com/errorpages/caddy-errorpages/errorpages"
)

//go:embed page.html
var pageSource string

var pageTemplate = template.Must(template.New("catalogue").Funcs(template.FuncMap{"indent": indentJSON}).Parse(pageSource))

// style is added to the brand's style sheet (that of the site's error
// pages): a wider card, tables and code.
const style = `
header,main{max-width:820px}
.kicker{margin:0 0 4px;font-size:.8rem;font-weight:700;text-transform:uppercase;letter-spacing:.06em;color:var(--accent)}
h1 code{font-size:.9em}
code{font:.9em/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:var(--chip);padding:1px 5px;border-radius:5px;overflow-wrap:anywhere}
.chip{display:inline-block;padding:1px 9px;border-radius:999px;background:var(--chip);color:var(--fg);font-size:.85rem;font-weight:600}
.name{margin:0 0 8px}
main a{color:var(--accent)}
li a{font-weight:600;text-decoration:none}
li span{margin-inline-start:6px}
.table{overflow-x:auto;margin:0 0 16px;border:1px solid var(--line);border-radius:10px}
table{width:100%;border-collapse:collapse;font-size:.9rem}
th,td{text-align:start;padding:8px 12px;border-top:1px solid var(--line);vertical-align:top;overflow-wrap:anywhere}
thead th{border-top:0;font-size:.8rem;color:var(--muted)}
pre{margin:0 0 16px;padding:12px 14px;border-radius:10px;background:var(--chip);overflow:auto}
pre code{padding:0;background:none;font-size:.82rem;line-height:1.45;overflow-wrap:normal}
@media (max-width:560px){thead{display:none}tr{display:block;padding:8px 0;border-top:1px solid var(--line)}tbody tr:first-child{border-top:0}td{display:block;border:0;padding:2px 12px}}
.note{font-size:.875rem}
footer a{color:var(--muted)}`

// styleFor prepares the brand and the pages' style sheet and
// Content-Security-Policy: the brand's sheet plus the catalogue's, by
// hash, and the logo's origin.
func (c *Catalogue) styleFor(b *errorpages.Brand) error {
	brand := &errorpages.Brand{}
	if b != nil {
		copied := *b
		brand = &copied
	}
	if err := brand.Prepare(); err != nil {
		return err
	}
	c.brand = brand
	c.style = string(brand.CSS()) + style
	sum := sha256.Sum256([]byte(c.style))
	img := "data:"
	if brand.Logo != "" {
		if strings.HasPrefix(brand.Logo, "/") {
			img += " 'self'"
		} else if u, err := url.Parse(brand.Logo); err == nil && u.Host != "" {
			img += " " + strings.ToLower(u.Scheme) + "://" + u.Host
		}
	}
	c.policy = "default-src 'none'; style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'; img-src " + img + "; base-uri 'none'; form-action 'none'"
	return nil
}

// Policy is the Content-Security-Policy the HTML pages work under.
func (c *Catalogue) Policy() string { return c.policy }

// htmlData is what page.html sees.
type htmlData struct {
	Lang, Dir, Title string
	Brand            *errorpages.Brand
	Style            template.CSS
	IndexURL         string
	Index            *Index
	Page             *htmlPage
	c                *Catalogue
}

type htmlPage struct {
	*Page
	Kicker string
}

// T is the catalogue's text in the page's language.
func (d *htmlData) T(key string, kv ...string) string { return d.c.T(d.Lang, key, kv...) }

// WriteHTML writes page p (or the index x, when p is nil) as HTML.
func (c *Catalogue) WriteHTML(w io.Writer, p *Page, x *Index) error {
	d := &htmlData{Brand: c.brand, Style: template.CSS(c.style), IndexURL: c.URL(""), c: c}
	if p != nil {
		d.Lang, d.Title, d.Page = p.Lang, p.Title, &htmlPage{Page: p, Kicker: p.kicker}
		if p.Kind == KindOperation {
			d.Title = p.Name
		}
	} else {
		d.Lang, d.Title, d.Index = x.Lang, x.Title, x
	}
	d.Dir = errorpages.Dir(d.Lang)
	return pageTemplate.Execute(w, d)
}

// WriteJSON writes page p (or the index x, when p is nil) as JSON.
func (c *Catalogue) WriteJSON(w io.Writer, p *Page, x *Index) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	if p != nil {
		return enc.Encode(p)
	}
	return enc.Encode(x)
}

// indentJSON shows a JSON example indented; other bodies as they are.
func indentJSON(body string) string {
	var b bytes.Buffer
	if json.Indent(&b, []byte(body), "", "  ") != nil {
		return body
	}
	return b.String()
}

// Listing is the JSON listing of the whole catalogue (the index's JSON
// form) in v's language, made once per language: it holds no example,
// so it depends on nothing else.
func (c *Catalogue) Listing(v View) []byte {
	lang := c.lang(v.Lang)
	if b, ok := c.listings.Load(lang); ok {
		return b.([]byte)
	}
	var buf bytes.Buffer
	if err := c.WriteJSON(&buf, nil, c.IndexPage(v)); err != nil {
		return []byte("{}\n") // unreachable: the index holds strings and numbers only
	}
	c.listings.Store(lang, buf.Bytes())
	return buf.Bytes()
}
