package errorpagescmd

import "net/http"

// The tests are in package errorpagescmd_test: they load the error_pages
// module from the module's root package, which imports this one. What
// they use of this package is exported to them here.

type Gallery = gallery

var (
	LoadGallery   = loadGallery
	HostList      = hostList
	ExportCommand = exportCommand
)

const PreviewRequestID = previewRequestID

func (g *gallery) Close()                               { g.close() }
func (g *gallery) Sites() []*gallerySite                { return g.sites }
func (g *gallery) SetLang(lang string)                  { g.lang = lang }
func (g *gallery) Export(out string) ([]string, error)  { return g.export(out) }
func (g *gallery) Schemas(openapi bool) ([]byte, error) { return g.schemas(openapi) }
func (s *gallerySite) Pages() []galleryPage             { return s.pages() }
func (s *gallerySite) Render(p galleryPage, preview bool, lang string) (http.Header, []byte, error) {
	return s.render(p, preview, lang)
}

func NewPreviewHandler(load func() (*gallery, error)) http.Handler {
	return &previewHandler{load: load}
}
