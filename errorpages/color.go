package errorpages

import (
	"fmt"
	"math"
	"net/url"
	"strings"
)

type rgbColor struct{ r, g, b float64 }

var darkBG = rgbColor{0x16, 0x18, 0x1d}

func parseHexColor(s string) (rgbColor, error) {
	h := strings.TrimPrefix(s, "#")
	if len(h) == 3 {
		h = string([]byte{h[0], h[0], h[1], h[1], h[2], h[2]})
	}
	if !strings.HasPrefix(s, "#") || len(h) != 6 {
		return rgbColor{}, fmt.Errorf("%q is not a hex color like #0a66c2 or #06c", s)
	}
	var v [3]float64
	for i := 0; i < 3; i++ {
		var n int
		for _, c := range h[2*i : 2*i+2] {
			n *= 16
			switch {
			case c >= '0' && c <= '9':
				n += int(c - '0')
			case c >= 'a' && c <= 'f':
				n += int(c-'a') + 10
			case c >= 'A' && c <= 'F':
				n += int(c-'A') + 10
			default:
				return rgbColor{}, fmt.Errorf("%q is not a hex color like #0a66c2 or #06c", s)
			}
		}
		v[i] = float64(n)
	}
	return rgbColor{v[0], v[1], v[2]}, nil
}

func (c rgbColor) hex() string {
	return fmt.Sprintf("#%02x%02x%02x", int(math.Round(c.r)), int(math.Round(c.g)), int(math.Round(c.b)))
}

func (c rgbColor) mix(o rgbColor, t float64) rgbColor {
	return rgbColor{c.r + (o.r-c.r)*t, c.g + (o.g-c.g)*t, c.b + (o.b-c.b)*t}
}

// luminance is the WCAG relative luminance.
func (c rgbColor) luminance() float64 {
	ch := func(v float64) float64 {
		v /= 255
		if v <= 0.03928 {
			return v / 12.92
		}
		return math.Pow((v+0.055)/1.055, 2.4)
	}
	return 0.2126*ch(c.r) + 0.7152*ch(c.g) + 0.0722*ch(c.b)
}

func contrast(l1, l2 float64) float64 {
	if l1 < l2 {
		l1, l2 = l2, l1
	}
	return (l1 + 0.05) / (l2 + 0.05)
}

// contrastText returns white or near-black, whichever reads better on c.
func (c rgbColor) contrastText() string {
	l := c.luminance()
	if contrast(l, 1) >= contrast(l, rgbColor{0x11, 0x11, 0x11}.luminance()) {
		return "#ffffff"
	}
	return "#111111"
}

func checkURL(name, u string) error {
	if u == "" {
		return nil
	}
	p, err := url.Parse(u)
	if err != nil {
		return fmt.Errorf("brand %s: %q is not a URL: %w", name, u, err)
	}
	switch strings.ToLower(p.Scheme) {
	case "http", "https":
		if p.Host == "" {
			return fmt.Errorf("brand %s: %q has no host", name, u)
		}
		return nil
	case "mailto":
		if name != "support" {
			return fmt.Errorf("brand %s: mailto: is only allowed for support", name)
		}
		if p.Opaque == "" || !strings.Contains(p.Opaque, "@") {
			return fmt.Errorf("brand %s: %q is not a mailto: address", name, u)
		}
		return nil
	case "":
		if strings.HasPrefix(u, "/") && !strings.HasPrefix(u, "//") {
			return nil
		}
	}
	return fmt.Errorf("brand %s: %q must be an http(s) URL or a path starting with /", name, u)
}
