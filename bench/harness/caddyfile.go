package harness

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Caddyfile is a harness Caddyfile: the global options every run shares
// and one site per port on 127.0.0.1.
type Caddyfile struct {
	Admin    string // the admin endpoint's address; "" keeps it off
	LogLevel string
	Sites    []Site
}

// Site is one site block: http://127.0.0.1:Port { Body }.
type Site struct {
	Port int
	Body string // directives, one per line, indented with a tab
}

// Caddyfile starts a Caddyfile with the run's log level; admin is the
// admin endpoint's address, "" for none.
func (h *H) Caddyfile(admin string, sites ...Site) Caddyfile {
	return Caddyfile{Admin: admin, LogLevel: h.Opt.LogLevel, Sites: sites}
}

func (c Caddyfile) String() string {
	admin := c.Admin
	if admin == "" {
		admin = "off"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "{\n\tadmin %s\n\tauto_https off\n\tpersist_config off\n\tlog {\n\t\tlevel %s\n\t}\n}\n", admin, c.LogLevel)
	for _, s := range c.Sites {
		fmt.Fprintf(&b, "http://127.0.0.1:%d {\n%s\n}\n", s.Port, s.Body)
	}
	return b.String()
}

// Ports are the ports Caddy will listen on: its sites' and the admin
// endpoint's.
func (c Caddyfile) Ports() []int {
	var ports []int
	for _, s := range c.Sites {
		ports = append(ports, s.Port)
	}
	if _, p, err := net.SplitHostPort(c.Admin); err == nil {
		if n, err := strconv.Atoi(p); err == nil {
			ports = append(ports, n)
		}
	}
	return ports
}

// Request is what wrk sends, the same request every time.
type Request struct {
	Name    string   // names its wrk script, Out/<Name>.lua: one per request
	Method  string   // GET when empty
	Headers []string // "Name: value"
	Body    string
	// Pad appends as many spaces to Body, in the script (a 1 MiB body
	// without a 1 MiB script).
	Pad int
}

// Script is the request as a wrk Lua script. It sets only the request
// table, so wrk builds the request once: no Lua runs per request.
func (r Request) Script() string {
	var b strings.Builder
	fmt.Fprintf(&b, "wrk.method = %q\n", r.method())
	for _, h := range r.Headers {
		k, v, _ := strings.Cut(h, ":")
		fmt.Fprintf(&b, "wrk.headers[%q] = %q\n", k, strings.TrimSpace(v))
	}
	switch {
	case r.Pad > 0:
		fmt.Fprintf(&b, "wrk.body = [==[%s]==] .. string.rep(\" \", %d)\n", r.Body, r.Pad)
	case r.Body != "":
		fmt.Fprintf(&b, "wrk.body = [==[%s]==]\n", r.Body)
	}
	return b.String()
}

func (r Request) method() string {
	if r.Method == "" {
		return "GET"
	}
	return r.Method
}

// body is the body as sent, padding included.
func (r Request) body() string { return r.Body + strings.Repeat(" ", r.Pad) }

// Script writes r's wrk script into Out and returns its path.
func (h *H) Script(r Request) (string, error) {
	file := filepath.Join(h.Opt.Out, r.Name+".lua")
	return file, os.WriteFile(file, []byte(r.Script()), 0o644)
}
