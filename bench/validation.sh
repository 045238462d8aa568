#!/usr/bin/env bash
# Load harness for request_validation (issue 9): builds Caddy (cmd/caddy),
# starts the loopback upstream and measures each pair A/B with wrk, side by
# side in one run, alternating for several rounds. Judged on Caddy's CPU
# time per request (throughput shown beside it): the ratio A/B is the median
# of the per-round ratios. Then peak RSS under 200 concurrent 1 MiB bodies
# and the Go benchmarks.
#
#   bash bench/validation.sh          # ROUNDS=7 DURATION=3s CONNS=50
#   PAIRS=1 SKIP_RSS=1 bash bench/validation.sh
#   PIN=1 bash bench/validation.sh    # caddy on core 0, load on core 1
#   PROFILE=2 bash bench/validation.sh   # + a CPU profile of side B of pair 2
#   PORT_BASE=9430                    # other ports (default 9330: 9331-9350)
#
# Pairs (A/B of CPU per request >= target):
#   (1) a valid ~1 KiB JSON order: reverse_proxy alone vs
#       request_validation + reverse_proxy                        0.90
#   (2) through error_pages + request_validation + reverse_proxy: the valid
#       order accepted vs an order with 5 problems rejected (rendered JSON):
#       rejecting costs no more CPU than accepting                1.0
# Needs wrk (Debian package "wrk"; installed if missing and running as root).
source "$(dirname "$0")/lib.sh"

ROUNDS="${ROUNDS:-7}"
# Ports: PORT_BASE (default 9330) + 1..3 the sites, + 9 the admin endpoint
# (PROFILE only), + 11 the upstream, + 20 the RSS runs.
base="${PORT_BASE:-9330}"
UP=127.0.0.1:$((base + 11))
ADMIN=127.0.0.1:$((base + 9))
plain=$((base + 1)) validated=$((base + 2)) pages=$((base + 3))
OUT=bench/out/validation
LOG_LEVEL=ERROR

prepare "standard modules + error_pages + request_validation"

doc="$PWD/validation/testdata/shop/openapi.yaml"
# The valid order, about 1 KiB, and the same order with 5 problems.
valid='{"items":[{"sku":"ABC-123","qty":2,"price":{"amount":9.5,"currency":"EUR"}},{"sku":"HAT-0042","qty":1,"price":{"amount":19.99,"currency":"EUR"}},{"sku":"SOCK-7","qty":5,"price":{"amount":3,"currency":"EUR"}},{"sku":"BAG-2024","qty":1,"price":{"amount":49,"currency":"EUR"}}],"shipping":{"line1":"Friedrichstrasse 123, Hinterhaus, 3. OG","city":"Berlin","postcode":"10117","country":"DE"},"payment":{"method":"card","number":"4111111111111111","expiry":"12/29"},"email":"ann.example@example.com","note":"Please leave the parcel with the neighbours on the ground floor if nobody answers the door. Thank you very much for the quick delivery last time, it was great. The hat is a present so please do not include the invoice in the parcel; send it by email instead. If any item is out of stock, ship the rest now and the remainder later. Our building has a new door code since March, so please call the mobile number on the account when you arrive and somebody will come down to open the door for you."}'
invalid=$(sed -e 's/"qty":2/"qty":0/' -e 's/"city":"Berlin"/"city":""/' -e 's/"country":"DE"/"country":"XX"/' \
	-e 's/ann.example@example.com/nope/' -e 's/"note"/"nots"/' <<<"$valid")

headers=("Content-Type: application/json" "X-Tenant: acme" "Idempotency-Key: 6f1c2a4e-8a47-4c8e-9d7e-2f0b7c1e3a55" "Cookie: session=abcdefghijklmnopqrstuvwxyz")
wrk_script "$OUT/valid.lua" POST "$valid" "${headers[@]}" "Accept: application/json"
wrk_script "$OUT/invalid.lua" POST "$invalid" "${headers[@]}" "Accept: application/json"

proxy="	reverse_proxy $UP {
		rewrite /ok
	}"
validated_cfg="	request_validation {
		openapi $doc
	}
$proxy"
{
	caddy_global "$([ -n "$PROFILE" ] && echo "$ADMIN" || echo off)"
	site $plain "$proxy"
	site $validated "$validated_cfg"
	site $pages "	error_pages
$validated_cfg"
} >"$OUT/Caddyfile"
start_caddy "$OUT/Caddyfile" "$OUT/caddy.log"

post=(-X POST -H "Accept: application/json")
for h in "${headers[@]}"; do post+=(-H "$h"); done
echo "== sanity: what each configuration answers (body ${#valid} bytes; status, bytes, type)"
probe valid $plain /api/orders 200 application/json "${post[@]}" --data-binary "$valid"
probe valid $validated /api/orders 200 application/json "${post[@]}" --data-binary "$valid"
probe valid $pages /api/orders 200 application/json "${post[@]}" --data-binary "$valid"
probe invalid $pages /api/orders 400 application/json "${post[@]}" --data-binary "$invalid"
curl -s "${post[@]}" --data-binary "$invalid" "http://127.0.0.1:$pages/api/orders" | head -c 600
echo

pairs=(
	"1|valid 1 KiB order: reverse_proxy vs request_validation + reverse_proxy|$plain /api/orders $OUT/valid.lua|$validated /api/orders $OUT/valid.lua|0.90"
	"2|error_pages+request_validation: valid accepted vs 5 problems rejected|$pages /api/orders $OUT/valid.lua|$pages /api/orders $OUT/invalid.lua|1.0"
)
judge_pairs "${pairs[@]}"

if [ -z "${SKIP_RSS:-}" ]; then
	echo
	echo "== (3) peak RSS with $MEMCONNS connections posting valid 1 MiB bodies (max_body 1 MiB: the order padded with spaces)"
	big="$OUT/big.lua"
	wrk_script "$big" POST "" "${headers[@]}"
	printf 'wrk.body = [==[%s]==] .. string.rep(" ", %d)\n' "$valid" $(((1 << 20) - ${#valid} - 64)) >>"$big"
	rss_plain=$(peak_rss plain "$proxy" $((base + 20)) "$big" /api/orders)
	rss_val=$(peak_rss validated "$validated_cfg" $((base + 20)) "$big" /api/orders)
	# The bound: each body in flight is held once (max_body 1 MiB), plus
	# half again for the garbage collector's headroom (GOGC=100 lets the
	# heap reach twice the live data before collecting).
	printf '%-72s %9s KiB %9s KiB; bound: %d bodies x 1 MiB x 1.5 = %d MiB over the plain proxy\n' "(3) peak RSS: reverse_proxy vs request_validation + reverse_proxy" \
		"$rss_plain" "$rss_val" "$MEMCONNS" $((MEMCONNS * 3 / 2))
	awk -v a="$rss_plain" -v b="$rss_val" -v n="$MEMCONNS" 'BEGIN {d=(b-a)/1024; printf "   extra: %.0f MiB for %d bodies in flight (%s)\n", d, n, (d <= n * 1.5) ? "within the bound" : "OVER the bound"}'
fi

if [ -z "${SKIP_GO:-}" ]; then
	echo
	echo "== Go benchmarks"
	gobench ./validation 'Validate|Route' 20000
fi
echo
machine_note
