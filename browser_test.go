package caddyerrorpages

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/errorpages/caddy-errorpages/errorpages"
)

// findChromium returns Debian's chromium (or another Chrome) binary.
func findChromium() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

const logoSVG = `<svg xmlns="http://www.w3.org/2000/svg" width="120" height="32" viewBox="0 0 120 32"><rect width="32" height="32" rx="8" fill="#0a66c2"/><text x="40" y="22" font-family="sans-serif" font-size="16" fill="#0a66c2">Shop</text></svg>`

func browserConfig(up *fakeUpstream) string {
	return globalOptions + fmt.Sprintf(`
http://localhost:9080 {
	error_pages
	reverse_proxy %[1]s
}

http://brand.localhost:9080 {
	error_pages {
		brand {
			name "Example Shop"
			logo http://brand.localhost:9080/logo.svg
			color "#0a66c2"
			home http://brand.localhost:9080/
			support mailto:help@example.com
		}
		docs https://docs.example.com/errors/{code}
	}
	handle /logo.svg {
		header Content-Type image/svg+xml
		respond %[2]q 200
	}
	handle /api/* {
		request_validation {
			openapi testdata/browser-api.yaml
			unknown_query reject
		}
		reverse_proxy %[1]s
	}
	reverse_proxy %[1]s
}

http://maint.localhost:9080 {
	error_pages {
		brand {
			name "Example Shop"
		}
		maintenance on {
			until %[3]s
		}
	}
	respond "ok"
}

http://custom.localhost:9080 {
	error_pages {
		templates testdata/templates
	}
	reverse_proxy %[1]s
}
`, up.addr(), logoSVG, maintenanceUntil.Format(time.RFC3339))
}

// maintenanceUntil is the end of the browser test's maintenance window,
// two days ahead in UTC+01:00: its page shows a long wait as a time.
var maintenanceUntil = time.Now().Add(48 * time.Hour).Truncate(time.Hour).In(time.FixedZone("", 3600))

type pageState struct {
	Title     string `json:"title"`
	H1        string `json:"h1"`
	H1Visible bool   `json:"h1Visible"`
	Code      string `json:"code"`
	CodeShown bool   `json:"codeShown"`
	Overflow  int    `json:"overflow"`
	BG        string `json:"bg"`
	Lang      string `json:"lang"`
	Dir       string `json:"dir"`
	// How far (px) the h1's text and the primary action are from the
	// card content's left and right edges.
	H1Left       float64 `json:"h1Left"`
	H1Right      float64 `json:"h1Right"`
	PrimaryLeft  float64 `json:"primaryLeft"`
	PrimaryRight float64 `json:"primaryRight"`
	// Styled: the style sheet applied (the card's 6 px top stripe).
	Styled bool `json:"styled"`
	// Violations are the securitypolicyviolation events of the page.
	Violations []string `json:"violations"`
	// Text is what the page shows; CodeTags counts its <code> elements.
	Text     string `json:"text"`
	CodeTags int    `json:"codeTags"`
}

// cspListenerJS records CSP violations; injected through the DevTools
// protocol before the document loads, so the page's policy can't block it.
const cspListenerJS = `document.addEventListener('securitypolicyviolation', e =>
	(window.__csp = window.__csp || []).push(e.violatedDirective + ' ' + e.blockedURI));`

const pageStateJS = `(() => {
	const vis = el => { if (!el) return false; const r = el.getBoundingClientRect(); const s = getComputedStyle(el);
		return r.width > 0 && r.height > 0 && r.top < innerHeight && r.bottom > 0 && s.visibility !== 'hidden' && s.display !== 'none'; };
	const h1 = document.querySelector('h1'), code = document.querySelector('.code');
	return {
		title: document.title, h1: h1 ? h1.innerText : '', h1Visible: vis(h1),
		code: code ? code.innerText : '', codeShown: vis(code),
		overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
		bg: getComputedStyle(document.body).backgroundColor, lang: document.documentElement.lang,
		dir: getComputedStyle(document.documentElement).direction,
		...(() => {
			const main = document.querySelector('main'), a = document.querySelector('nav a.primary');
			if (!main || !h1 || !a) return {h1Left: -1, h1Right: -1, primaryLeft: -1, primaryRight: -1};
			const ms = getComputedStyle(main), mr = main.getBoundingClientRect();
			const left = mr.left + parseFloat(ms.borderLeftWidth) + parseFloat(ms.paddingLeft);
			const right = mr.right - parseFloat(ms.borderRightWidth) - parseFloat(ms.paddingRight);
			const range = document.createRange(); range.selectNodeContents(h1);
			const rects = [...range.getClientRects()].filter(r => r.width > 2);
			const tr = rects[rects.length - 1] || h1.getBoundingClientRect(), ar = a.getBoundingClientRect();
			return {h1Left: Math.round(tr.left - left), h1Right: Math.round(right - tr.right),
				primaryLeft: Math.round(ar.left - left), primaryRight: Math.round(right - ar.right)};
		})(),
		styled: !!document.querySelector('main') && getComputedStyle(document.querySelector('main')).borderTopWidth === '6px',
		violations: window.__csp || [],
		text: document.body.innerText, codeTags: document.querySelectorAll('li code').length,
	};
})()`

// screenshotsEnv names the environment variable that makes the browser
// test write its screenshots into docs/ (ERRORPAGES_SCREENSHOTS=1 go test
// -run TestBrowserPages .); without it the test leaves the tree as it
// found it.
const screenshotsEnv = "ERRORPAGES_SCREENSHOTS"

// TestBrowserPages serves the default, branded and custom-template pages
// from the real module to headless Chromium at phone and desktop sizes, in
// light and dark mode, and checks what a visitor sees.
func TestBrowserPages(t *testing.T) {
	allocCtx := newBrowser(t)
	up := newFakeUpstream(t)
	startCaddy(t, browserConfig(up))

	pages := []struct {
		name, url string
		code      int
		message   string
		allowed   []string // requests besides the document
		noShot    bool     // not pictured in docs/
		lang      string   // Accept-Language sent, and the page's lang
	}{
		{"default", "http://localhost:9080/status/422", 422, "Unprocessable Entity", nil, false, ""},
		{"branded", "http://brand.localhost:9080/status/422", 422, "Unprocessable Entity", []string{"http://brand.localhost:9080/logo.svg"}, false, ""},
		{"branded-503", "http://brand.localhost:9080/status/503", 503, "Service Unavailable", []string{"http://brand.localhost:9080/logo.svg"}, false, ""},
		{"custom", "http://custom.localhost:9080/status/404", 404, "Not Found", nil, false, ""},
		// Express's error handler sends Content-Security-Policy:
		// default-src 'none'; the page gets a policy of its own instead.
		{"express", "http://brand.localhost:9080/express", 404, "Not Found", []string{"http://brand.localhost:9080/logo.svg"}, true, ""},
		// Languages: German (long words) and Arabic, right to left.
		{"lang-de", "http://brand.localhost:9080/status/503", 503, errorpages.Builtin().Translator("de").Title(503), []string{"http://brand.localhost:9080/logo.svg"}, false, "de"},
		{"lang-ar", "http://brand.localhost:9080/status/503", 503, errorpages.Builtin().Translator("ar").Title(503), []string{"http://brand.localhost:9080/logo.svg"}, false, "ar"},
		// A validation 400 in German and Arabic: every problem in the
		// page's language, the suggested name as code.
		{"validation-de", "http://brand.localhost:9080/api/search?limit=0&colr=red", 400, errorpages.Builtin().Translator("de").Title(400), []string{"http://brand.localhost:9080/logo.svg"}, false, "de"},
		{"validation-ar", "http://brand.localhost:9080/api/search?limit=0&colr=red", 400, errorpages.Builtin().Translator("ar").Title(400), []string{"http://brand.localhost:9080/logo.svg"}, false, "ar"},
		// The maintenance page in German: one language, one clock.
		{"maintenance-de", "http://maint.localhost:9080/", 503, errorpages.Builtin().Translator("de").T(errorpages.KeyMaintenanceTitle), nil, false, "de"},
	}
	// 320 px is the narrowest phone the page promises; checked, not pictured.
	viewports := []struct{ w, h int64 }{{320, 568}, {375, 812}, {1280, 800}}
	backgrounds := map[string]string{}
	// The browser goes to the port this run's Caddy listens on.
	for i := range pages {
		pages[i].url = ports.URL(pages[i].url)
		for j := range pages[i].allowed {
			pages[i].allowed[j] = ports.URL(pages[i].allowed[j])
		}
	}
	for _, p := range pages {
		for _, vp := range viewports {
			for _, scheme := range []string{"light", "dark"} {
				name := fmt.Sprintf("%s-%d-%s", p.name, vp.w, scheme)
				t.Run(name, func(t *testing.T) {
					ctx, cancel := chromedp.NewContext(allocCtx)
					defer cancel()
					ctx, cancelT := context.WithTimeout(ctx, 30*time.Second)
					defer cancelT()

					var mu sync.Mutex
					var requests, problems []string
					var policy string
					if err := chromedp.Listen(ctx, func(ev any) {
						mu.Lock()
						defer mu.Unlock()
						switch e := ev.(type) {
						case *network.EventRequestWillBeSent:
							requests = append(requests, e.Request.URL)
						case *network.EventResponseReceived:
							if e.Response.URL == p.url {
								for k, v := range e.Response.Headers {
									if strings.EqualFold(k, "Content-Security-Policy") {
										policy = fmt.Sprint(v)
									}
								}
							}
						case *runtime.EventConsoleAPICalled:
							if e.Type == "error" || e.Type == "assert" {
								problems = append(problems, fmt.Sprintf("console.%s", e.Type))
							}
						case *runtime.EventExceptionThrown:
							problems = append(problems, "exception: "+e.ExceptionDetails.Text)
						case *log.EventEntryAdded:
							// Chromium logs the document's own error status as a
							// failed load; serving that status is the point.
							if e.Entry.Level == log.EntryLevelError && !(e.Entry.Source == log.EntrySourceNetwork && e.Entry.URL == p.url) {
								problems = append(problems, "log: "+e.Entry.Text+" "+e.Entry.URL)
							}
						}
					}); err != nil {
						t.Fatal(err)
					}
					err := chromedp.Do(ctx,
						chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
							hdr := network.Headers{"X-Request-ID": "7f9c2b1e-4d3a-4b8e-9c1f-2a6d8e0b5c71"}
							if p.lang != "" {
								hdr["Accept-Language"] = p.lang
							}
							_, err := chromedp.Call(ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{Headers: hdr})
							return err
						}),
						emulate(vp.w, vp.h, scheme),
						chromedp.Navigate(p.url),
					)
					if err != nil {
						t.Fatalf("loading %s: %v", p.url, err)
					}
					st, err := chromedp.Run(ctx, chromedp.Evaluate[pageState](pageStateJS))
					if err != nil {
						t.Fatal(err)
					}
					if vp.w != 320 && !p.noShot && os.Getenv(screenshotsEnv) != "" {
						shot, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
						if err != nil {
							t.Fatal(err)
						}
						if err := os.WriteFile(filepath.Join("docs", name+".png"), shot, 0o644); err != nil {
							t.Fatal(err)
						}
					}

					codeStr := fmt.Sprint(p.code)
					if !strings.Contains(st.Title, codeStr) {
						t.Errorf("title %q lacks the code", st.Title)
					}
					if !st.H1Visible || !strings.Contains(st.H1, p.message) {
						t.Errorf("message not visible in h1: %q visible=%v", st.H1, st.H1Visible)
					}
					if p.name == "custom" {
						if !strings.Contains(st.H1, "Custom page: "+codeStr) {
							t.Errorf("custom template not used: h1 %q", st.H1)
						}
					} else if st.Code != codeStr || !st.CodeShown {
						t.Errorf("status code not visible: %q shown=%v", st.Code, st.CodeShown)
					}
					if st.Overflow > 0 {
						t.Errorf("horizontal scroll: the page is %d px wider than the viewport", st.Overflow)
					}
					if st.Lang == "" {
						t.Error("no lang attribute")
					}
					if p.lang != "" {
						wantDir := errorpages.Dir(p.lang)
						if st.Lang != p.lang || st.Dir != wantDir {
							t.Errorf("lang %q dir %q, want %q %q", st.Lang, st.Dir, p.lang, wantDir)
						}
						// The layout follows the text direction: the heading's
						// text and the primary action begin at the card's start
						// edge, the right one in Arabic.
						h1Start, primaryStart, edge := st.H1Left, st.PrimaryLeft, "left"
						if wantDir == "rtl" {
							h1Start, primaryStart, edge = st.H1Right, st.PrimaryRight, "right"
						}
						if h1Start < 0 || h1Start > 2 || primaryStart < 0 || primaryStart > 2 {
							t.Errorf("layout does not mirror for %s: h1 text starts %.0f px and the primary action %.0f px from the card's %s content edge",
								p.lang, h1Start, primaryStart, edge)
						}
					}
					if p.name == "maintenance-de" {
						// Every time in the operator's zone, no English.
						if n := strings.Count(st.Text, "UTC+01:00"); n != 2 || strings.Contains(strings.ReplaceAll(st.Text, "UTC+01:00", ""), "UTC") {
							t.Errorf("the maintenance page shows %d times in UTC+01:00 and no other clock is allowed:\n%s", n, st.Text)
						}
						for _, english := range []string{"You can try again", "We expect", "Down for maintenance", "Request ID"} {
							if strings.Contains(st.Text, english) {
								t.Errorf("the German maintenance page shows %q:\n%s", english, st.Text)
							}
						}
					}
					if strings.HasPrefix(p.name, "validation-") {
						// One language per page: no English problem text, no
						// Markdown; the suggestion is code.
						for _, english := range []string{"is required", "must be", "did you mean", "is not a parameter", "`"} {
							if strings.Contains(st.Text, english) {
								t.Errorf("%s page shows %q:\n%s", p.lang, english, st.Text)
							}
						}
						if st.CodeTags == 0 {
							t.Errorf("%s page: the suggested name is not in <code>", p.lang)
						}
					}
					if len(st.Violations) > 0 {
						t.Errorf("Content-Security-Policy violations: %v", st.Violations)
					}
					mu.Lock()
					defer mu.Unlock()
					if p.name != "custom" {
						// The embedded page is served under its own policy and
						// is styled under it.
						if !strings.Contains(policy, "style-src 'sha256-") {
							t.Errorf("page served without its policy: %q", policy)
						}
						if !st.Styled {
							t.Error("the page is unstyled under its policy")
						}
					}
					for _, u := range requests {
						if u == p.url || contains2(p.allowed, u) {
							continue
						}
						t.Errorf("unexpected request: %s", u)
					}
					if len(problems) > 0 {
						t.Errorf("console errors: %v", problems)
					}
					if p.name != "custom" {
						backgrounds[name] = st.BG
					}
				})
			}
		}
	}
	for _, p := range pages[:3] {
		l, d := backgrounds[p.name+"-1280-light"], backgrounds[p.name+"-1280-dark"]
		if l == "" || l == d {
			t.Errorf("%s: dark mode does not change the page (light %q, dark %q)", p.name, l, d)
		}
	}
}

// newBrowser starts headless Chromium for t (with the flags the project
// uses everywhere: no sandbox, GPU or background networking), or skips t
// when none is installed — except in CI, where it fails.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	chrome := findChromium()
	if chrome == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("Chromium is required in CI (.ci/run installs Debian's chromium package)")
		}
		t.Skip("no Chromium installed; install Debian's chromium package to run the browser test")
	}
	allocCtx, cancel := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chrome),
		chromedp.NoSandbox,
		chromedp.Headless,
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.UserDataDir(t.TempDir()),
	)
	t.Cleanup(cancel)
	return allocCtx
}

// emulate is what every page load sets up first: the CSP violation
// listener (cspListenerJS), a w×h viewport (a phone's below 600 px) and
// the color scheme ("light", "dark").
func emulate(w, h int64, scheme string) chromedp.Action[chromedp.Void] {
	var opts []chromedp.EmulateViewportOption
	if w < 600 {
		opts = append(opts, chromedp.EmulateMobile)
	}
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: cspListenerJS}); err != nil {
			return err
		}
		if _, err := chromedp.EmulateViewport(w, h, opts...)(ctx, t); err != nil {
			return err
		}
		_, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}},
		})
		return err
	})
}

func contains2(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
