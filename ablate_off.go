//go:build !errorpages_ablate

package caddyerrorpages

import "net/http"

// Not an ablation build: ablating is false and every hook is dead code.
const ablating = false

func ablationOf(*http.Request) ablation { return ablation{} }
