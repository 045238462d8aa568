package caddyerrorpages

// The request_validation handler: building Caddy with this module path
// brings both handlers.
import _ "github.com/errorpages/caddy-errorpages/requestvalidation"
