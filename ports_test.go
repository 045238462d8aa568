package caddyerrorpages

import (
	"github.com/caddyserver/caddy/v2/caddytest"

	"github.com/errorpages/caddy-errorpages/internal/testports"
)

// ports holds the ports this run's Caddy listens on, chosen by the OS.
// The tests write them as 9080 (http_port and the sites), 9443
// (https_port) and 2999 (the admin API): startCaddy puts the chosen ports
// into the config it loads, and its client sends requests for
// localhost:9080 to the chosen port. Clients that are not the tester's (a
// browser, the admin API, which checks the Host) take ports.URL.
var ports = testports.Free(9080, 9443, 2999)

func init() { caddytest.Default.AdminPort = ports.Port(2999) }
