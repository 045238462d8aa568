// Package testports gives the integration tests ports the OS chose, so
// that two test runs on one machine do not collide, while the tests keep
// writing the fixed ports they always wrote (9080, 2999, …) as names for
// them.
//
// A test's Caddyfile or JSON config says http_port 9080, admin
// localhost:2999 and http://localhost:9080; Config rewrites those to the
// ports chosen for this run before the config is loaded. Requests sent
// through Transport to localhost:9080 reach the chosen port with the Host
// header the test wrote; URL rewrites a URL for clients that cannot be
// given a transport (a browser, the admin API, which checks the Host).
package testports

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"time"
)

// Ports maps the fixed ports written in tests to the free ports chosen for
// this run.
type Ports struct {
	real map[int]int
	re   *regexp.Regexp
}

// Free chooses a free port for each of the fixed ports given: it listens
// on 127.0.0.1:0, takes the port and closes the listener. All of them are
// held open until every one is chosen, so that they differ.
func Free(fixed ...int) *Ports {
	p := &Ports{real: map[int]int{}}
	var lns []net.Listener
	alt := ""
	for _, f := range fixed {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			panic(fmt.Sprintf("testports: no free port: %v", err))
		}
		lns = append(lns, ln)
		p.real[f] = ln.Addr().(*net.TCPAddr).Port
		if alt != "" {
			alt += "|"
		}
		alt += strconv.Itoa(f)
	}
	for _, ln := range lns {
		ln.Close()
	}
	// A fixed port after a colon (localhost:9080, ":9080") or after
	// http_port / https_port, not followed by another digit.
	p.re = regexp.MustCompile(`(:|\bhttps?_port\s+)(` + alt + `)\b`)
	return p
}

// Port is the port chosen for fixed.
func (p *Ports) Port(fixed int) int {
	if r, ok := p.real[fixed]; ok {
		return r
	}
	return fixed
}

// Config rewrites the fixed ports in a Caddyfile or JSON config (or any
// text: a URL, a host:port) to the chosen ones.
func (p *Ports) Config(s string) string {
	return p.re.ReplaceAllStringFunc(s, func(m string) string {
		sub := p.re.FindStringSubmatch(m)
		n, _ := strconv.Atoi(sub[2])
		return sub[1] + strconv.Itoa(p.Port(n))
	})
}

// URL rewrites the fixed port of a URL or host:port to the chosen one.
func (p *Ports) URL(s string) string { return p.Config(s) }

// Dial connects to the chosen port of addr's fixed port on 127.0.0.1.
func (p *Ports) Dial(ctx context.Context, network, addr string) (net.Conn, error) {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	n, err := strconv.Atoi(port)
	if err != nil {
		return nil, err
	}
	d := net.Dialer{Timeout: 5 * time.Second, KeepAlive: 5 * time.Second}
	return d.DialContext(ctx, network, net.JoinHostPort("127.0.0.1", strconv.Itoa(p.Port(n))))
}

// Transport is caddytest's testing transport (every connection goes to
// 127.0.0.1, TLS unverified) with the fixed ports mapped to the chosen
// ones; the request keeps the Host it was written with.
func (p *Ports) Transport() *http.Transport {
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           p.Dial,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   5 * time.Second,
		ExpectContinueTimeout: 1 * time.Second,
		TLSClientConfig:       &tls.Config{InsecureSkipVerify: true}, //nolint:gosec // a test server's certificate
	}
}
