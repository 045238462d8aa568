package caddyerrorpages

import "github.com/errorpages/caddy-errorpages/errorpages"

func descriptions(code int) string { return errorpages.Description(code) }
