#!/usr/bin/env bash
# Load harness for error_pages (issue 12): builds Caddy, starts the loopback
# upstream, serves every configuration as a site of one Caddy process and
# measures each pair A/B with wrk, side by side in one run, alternating for
# several rounds. Judged on Caddy's CPU time per request (its CPU time over
# a window / the requests wrk completed in it; throughput shown beside it):
# the ratio A/B is the median of the per-round ratios. Then peak RSS and
# the Go benchmarks.
#
#   bash bench/load.sh                 # ROUNDS=9 DURATION=3s CONNS=50
#   PAIRS="2 3" SKIP_RSS=1 bash bench/load.sh   # only some pairs
#   PIN=1 bash bench/load.sh           # Caddy on core 0, wrk + upstream on core 1
#   PROFILE=3 bash bench/load.sh       # + a CPU profile of side B of pair 3
#                                      #   (PROFILE_SECONDS=10), top 30
#   SKIP_GO=1                          # without the Go benchmarks
#   PORT_BASE=9400                     # other ports (default 9300: 9301-9320)
#
# Pairs (targets from issue 12; A/B >= target, a ratio below 1 means B
# costs more):
#   (1) 200 pass-through: reverse_proxy vs reverse_proxy + error_pages   0.98
#   (2) upstream 400 JSON: proxied untouched vs the rewritten envelope   0.95 (PIN=1: 0.90)
#   (3) upstream 400 with a browser's Accept and Accept-Language: the
#       upstream's own HTML error page (bench/upstream answers /bad with
#       it when Accept names text/html) proxied untouched vs the page
#       error_pages renders                                              0.90 (PIN=1: 0.85)
#   (4) local error (JSON): respond of a same-sized static body vs
#       error 404 rendered by error_pages                                0.90
#   (5) local error (JSON): error 404 + handle_errors { respond } (stock
#       Caddy) vs error_pages                                            1.10
#   (6) upstream 400 (JSON): the stock recipe (handle_response + error +
#       handle_errors) vs error_pages                                    1.7
#   (8), (9) reference pairs without a target: (2) and (4) with side A
#       sending the headers and request ID every error_pages answer
#       carries through Caddy's header directive, so B/A shows what
#       error_pages costs beyond them
#
# What each part of a rewrite costs (request ID, headers, rendering,
# parsing, the interception itself) is measured by Go benchmarks, one per
# part: docs/performance.md names them.
#
# Needs wrk (Debian package "wrk"; installed if missing and running as root).
source "$(dirname "$0")/lib.sh"

ROUNDS="${ROUNDS:-9}"
# Ports: PORT_BASE (default 9300) + 1 the upstream, + 9 the admin endpoint
# (PROFILE only), + 11..16 the sites, + 20 the RSS runs.
base="${PORT_BASE:-9300}"
UP=127.0.0.1:$((base + 1))
ADMIN=127.0.0.1:$((base + 9))
plain=$((base + 11)) pages=$((base + 12)) stock=$((base + 13)) static=$((base + 14)) localerr=$((base + 15)) stocklocal=$((base + 16))
plainhdr=$((base + 17)) statichdr=$((base + 18))
OUT=bench/out

prepare "standard modules + error_pages"

json_h=("Accept: application/json")
browser_h=("Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8" "Accept-Language: en-US,en;q=0.9")
json=$OUT/json.lua browser=$OUT/browser.lua
wrk_script "$json" GET "" "${json_h[@]}"
wrk_script "$browser" GET "" "${browser_h[@]}"

# Same-sized static body for pair 4: the JSON error_pages renders for
# `error 404` (request ID included) is about this long.
static_body='{"error":{"code":404,"type":"not_found","message":"Not Found","details":"The page you are looking for doesn'"'"'t exist or has moved. Check the address or go back to the home page.","request_id":"00000000-0000-0000-0000-000000000000"}}'

proxy="	reverse_proxy $UP"
pages_cfg="	error_pages
	reverse_proxy $UP"
# Stock Caddy's way to a JSON or text error: handle_errors, reached by
# `error` (pairs 5 and 6) or by handle_response turning an upstream error
# into one (pair 6).
stock_errors="	handle_errors {
		@json header Accept *application/json*
		handle @json {
			header Content-Type application/json
			respond \`{\"error\":{\"code\":{err.status_code},\"message\":\"{err.status_text}\"}}\`
		}
		handle {
			respond \"{err.status_code} {err.status_text}\"
		}
	}"
stock_cfg="	reverse_proxy $UP {
		@e status 4xx 5xx
		handle_response @e {
			error \"{rp.status_text}\" {rp.status_code}
		}
	}
$stock_errors"
static_cfg="	header Content-Type application/json
	respond \`$static_body\` 404"
local_cfg="	error_pages
	error 404"
stocklocal_cfg="	error 404
$stock_errors"
# The reference pairs 8 and 9: the untouched proxy and the static respond
# sending what every error_pages answer carries: nosniff, Cache-Control,
# Vary, Content-Language and Caddy's request UUID as X-Request-Id. error_pages vs these is what it costs beyond its headers.
contract_headers="	header X-Content-Type-Options nosniff
	header Cache-Control no-store
	header Vary Accept
	header Content-Language en
	header X-Request-Id {http.request.uuid}"
plainhdr_cfg="$contract_headers
	reverse_proxy $UP"
statichdr_cfg="$contract_headers
	header Content-Type application/json
	respond \`${static_body/00000000-0000-0000-0000-000000000000/\{http.request.uuid\}}\` 404"

{
	caddy_global "$([ -n "$PROFILE" ] && echo "$ADMIN" || echo off)"
	site $plain "$proxy"
	site $pages "$pages_cfg"
	site $stock "$stock_cfg"
	site $static "$static_cfg"
	site $localerr "$local_cfg"
	site $stocklocal "$stocklocal_cfg"
	site $plainhdr "$plainhdr_cfg"
	site $statichdr "$statichdr_cfg"
} >"$OUT/Caddyfile"
start_caddy "$OUT/Caddyfile" "$OUT/caddy.log"

echo "== sanity: what each configuration answers (status, bytes, type)"
jh=(-H "${json_h[0]}")
bh=(-H "${browser_h[0]}" -H "${browser_h[1]}")
probe json $plain /ok 200 application/json "${jh[@]}"
probe json $pages /ok 200 application/json "${jh[@]}"
probe json $plain /bad 400 application/json "${jh[@]}"
probe json $pages /bad 400 application/json "${jh[@]}"
probe browser $plain /bad 400 text/html "${bh[@]}"
upstream_page=$PROBE_SIZE
probe browser $pages /bad 400 text/html "${bh[@]}"
# error_pages must have rendered its own page, not passed the upstream's on.
[ "$PROBE_SIZE" != "$upstream_page" ] || { echo "   $pages passed the upstream's HTML page through" >&2; exit 1; }
probe json $stock /bad 400 application/json "${jh[@]}"
probe json $static /x 404 application/json "${jh[@]}"
probe json $localerr /x 404 application/json "${jh[@]}"
probe json $stocklocal /x 404 application/json "${jh[@]}"
probe json $plainhdr /bad 400 application/json "${jh[@]}"
probe json $statichdr /x 404 application/json "${jh[@]}"

pairs=(
	"1|200 pass-through: reverse_proxy vs reverse_proxy + error_pages|$plain /ok $json|$pages /ok $json|0.98"
	"2|upstream 400 JSON: proxied untouched vs rewritten envelope|$plain /bad $json|$pages /bad $json|0.95/0.90"
	"3|upstream 400, browser: upstream's HTML page proxied vs rendered page|$plain /bad $browser|$pages /bad $browser|0.90/0.85"
	"4|local error JSON: respond of a static body vs error 404 + error_pages|$static /x $json|$localerr /x $json|0.90"
	"5|local error JSON: error 404 + handle_errors { respond } vs error_pages|$stocklocal /x $json|$localerr /x $json|1.10"
	"6|upstream 400 JSON: stock Caddy recipe vs error_pages|$stock /bad $json|$pages /bad $json|1.7"
	"8|upstream 400 JSON: untouched + contract headers, request ID vs error_pages|$plainhdr /bad $json|$pages /bad $json|-"
	"9|local error JSON: respond + contract headers, request ID vs error_pages|$statichdr /x $json|$localerr /x $json|-"
)
judge_pairs "${pairs[@]}"

if [ -z "${SKIP_RSS:-}" ]; then
	echo
	echo "== (7) peak RSS under $MEMCONNS connections, one fresh Caddy process per configuration"
	rss_plain=$(peak_rss plain "$proxy" $((base + 20)) "$json" /ok /bad)
	rss_pages=$(peak_rss pages "$pages_cfg" $((base + 20)) "$json" /ok /bad)
	rss_ratio=$(awk -v a="$rss_plain" -v b="$rss_pages" 'BEGIN {printf "%.3f", b/a}')
	rss_ok=$(awk -v r="$rss_ratio" 'BEGIN {print (r <= 1.10) ? "met" : "MISSED"}')
	printf '%-68s %9s KiB %9s KiB %7s %5s %s\n' "(7) peak RSS: reverse_proxy vs reverse_proxy + error_pages" "$rss_plain" "$rss_pages" "$rss_ratio" "<=1.10" "$rss_ok"
fi

if [ -z "${SKIP_GO:-}" ]; then
	echo
	echo "== Go benchmarks: time and allocations per request"
	gobench . 'PassThrough|Rewrite|Intercept|RequestID|Headers' 20000
	gobench ./errorpages 'Negotiate' 200000
	gobench ./errorpages '^BenchmarkRender$' 20000
	gobench ./errorpages '^BenchmarkParse$' 200000
	# root-package tests share fixed ports with others on a shared machine
	if command -v flock >/dev/null; then lock=(flock /tmp/caddytest.lock); else lock=(); fi
	"${lock[@]}" go test -count=1 -run TestPassThroughAllocations -v . 2>&1 | grep -E 'allocations per request|^--- FAIL|^FAIL' || true
fi
echo
machine_note
