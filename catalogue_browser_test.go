package caddyerrorpages

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// catalogueStateJS is what a visitor of a catalogue page sees.
const catalogueStateJS = `(() => {
	const h1 = document.querySelector('h1'), main = document.querySelector('main');
	const r = h1 ? h1.getBoundingClientRect() : null;
	return {
		title: document.title, h1: h1 ? h1.innerText : '', h1Visible: !!r && r.width > 0 && r.top < innerHeight,
		overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
		bg: getComputedStyle(document.body).backgroundColor, lang: document.documentElement.lang,
		styled: !!main && getComputedStyle(main).borderTopWidth === '6px',
		violations: window.__csp || [],
		text: document.body.innerText,
	};
})()`

type catalogueState struct {
	Title      string   `json:"title"`
	H1         string   `json:"h1"`
	H1Visible  bool     `json:"h1Visible"`
	Overflow   int      `json:"overflow"`
	BG         string   `json:"bg"`
	Lang       string   `json:"lang"`
	Styled     bool     `json:"styled"`
	Violations []string `json:"violations"`
	Text       string   `json:"text"`
}

// TestBrowserCatalogue loads a problem code's catalogue page in headless
// Chromium at phone and desktop sizes, light and dark: styled under its
// own policy, no horizontal scroll (the table scrolls inside the card),
// the operations that can produce the code shown. With
// ERRORPAGES_SCREENSHOTS=1 it writes docs/catalogue-*.png.
func TestBrowserCatalogue(t *testing.T) {
	allocCtx := newBrowser(t)
	catalogueSite(t)
	url := ports.URL("http://localhost:9080/errors/problems/format")
	backgrounds := map[string]string{}
	for _, vp := range []struct{ w, h int64 }{{320, 568}, {375, 812}, {1280, 900}} {
		for _, scheme := range []string{"light", "dark"} {
			name := fmt.Sprintf("catalogue-%d-%s", vp.w, scheme)
			t.Run(name, func(t *testing.T) {
				ctx, cancel := chromedp.NewContext(allocCtx)
				defer cancel()
				ctx, cancelT := context.WithTimeout(ctx, 30*time.Second)
				defer cancelT()
				var mu sync.Mutex
				var requests []string
				var policy string
				if err := chromedp.Listen(ctx, func(ev any) {
					mu.Lock()
					defer mu.Unlock()
					switch e := ev.(type) {
					case *network.EventRequestWillBeSent:
						requests = append(requests, e.Request.URL)
					case *network.EventResponseReceived:
						if e.Response.URL == url {
							for k, v := range e.Response.Headers {
								if strings.EqualFold(k, "Content-Security-Policy") {
									policy = fmt.Sprint(v)
								}
							}
						}
					}
				}); err != nil {
					t.Fatal(err)
				}
				err := chromedp.Do(ctx,
					emulate(vp.w, vp.h, scheme),
					chromedp.Navigate(url),
				)
				if err != nil {
					t.Fatalf("loading %s: %v", url, err)
				}
				st, err := chromedp.Run(ctx, chromedp.Evaluate[catalogueState](catalogueStateJS))
				if err != nil {
					t.Fatal(err)
				}
				if vp.w != 320 && os.Getenv(screenshotsEnv) != "" {
					shot, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
					if err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(filepath.Join("docs", name+".png"), shot, 0o644); err != nil {
						t.Fatal(err)
					}
				}
				if !st.H1Visible || !strings.Contains(st.Title, "· Acme") || st.Lang != "en" {
					t.Errorf("title %q, h1 %q visible %v, lang %q", st.Title, st.H1, st.H1Visible, st.Lang)
				}
				for _, w := range []string{"createCustomer", "/body/email", "must be a valid email address", "application/problem+json"} {
					if !strings.Contains(st.Text, w) {
						t.Errorf("the page does not show %q:\n%s", w, st.Text)
					}
				}
				if st.Overflow > 0 {
					t.Errorf("horizontal scroll: the page is %d px wider than the viewport", st.Overflow)
				}
				if !st.Styled || len(st.Violations) > 0 {
					t.Errorf("styled %v under its policy; violations %v", st.Styled, st.Violations)
				}
				mu.Lock()
				defer mu.Unlock()
				if !strings.Contains(policy, "style-src 'sha256-") {
					t.Errorf("served without its policy: %q", policy)
				}
				for _, u := range requests {
					if u != url {
						t.Errorf("unexpected request: %s", u)
					}
				}
				backgrounds[name] = st.BG
			})
		}
	}
	if l, d := backgrounds["catalogue-1280-light"], backgrounds["catalogue-1280-dark"]; l == "" || l == d {
		t.Errorf("dark mode does not change the page (light %q, dark %q)", l, d)
	}
}
