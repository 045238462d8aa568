package caddyerrorpages

// Building Caddy with this module path brings everything: the
// request_validation handler and the `caddy error-pages` subcommand
// register themselves from their own packages. (maintenance, with the
// admin API module admin.api.error_pages, is imported by the handler.)
import (
	_ "github.com/errorpages/caddy-errorpages/cmd/errorpagescmd"
	_ "github.com/errorpages/caddy-errorpages/requestvalidation"
)
