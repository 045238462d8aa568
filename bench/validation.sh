#!/usr/bin/env bash
# Load harness for request_validation: builds Caddy (cmd/caddy), starts the
# loopback upstream and measures with wrk, side by side in one run,
# alternating the two sides of each pair for several rounds; prints
# medians, the median of the paired ratios (what the targets are judged
# on), peak RSS under 200 concurrent 1 MiB bodies and the Go benchmarks.
#
#   bash bench/validation.sh          # ROUNDS=7 DURATION=3s CONNS=50
#   PAIRS=1 SKIP_RSS=1 bash bench/validation.sh
#   PIN=1 bash bench/validation.sh    # caddy on core 0, load on core 1
#
# Pairs:
#   (1) a valid ~1 KiB JSON order: reverse_proxy alone vs
#       request_validation + reverse_proxy          target B/A >= 0.90
#   (2) through error_pages + request_validation + reverse_proxy: the valid
#       order accepted vs an order with 5 problems rejected (rendered JSON)
#       target B/A >= 1.0: rejecting costs no more than accepting
# Needs wrk (Debian package "wrk"; installed if missing and running as root).
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS="${ROUNDS:-7}"
DURATION="${DURATION:-3s}"
CONNS="${CONNS:-50}"
MEMCONNS="${MEMCONNS:-200}"
UP=127.0.0.1:9341
out=bench/out/validation
mkdir -p "$out"

if ! command -v wrk >/dev/null 2>&1; then
	if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq wrk >/dev/null; else
		echo "wrk is needed: apt-get install wrk" >&2; exit 1; fi
fi

echo "== building caddy (cmd/caddy: standard modules + error_pages + request_validation) and the upstream"
go build -o "$out/caddy" ./cmd/caddy
go build -o "$out/upstream" ./bench/upstream

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

# PIN=1: Caddy gets core 0 to itself, wrk and the upstream core 1, so
# throughput follows Caddy's CPU per request, which is what the targets
# are about; off by default, as in bench/load.sh.
if [ "${PIN:-0}" = 1 ] && command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
	CADDY_CPU="taskset -c 0"; LOAD_CPU="taskset -c 1"
else
	CADDY_CPU=""; LOAD_CPU=""
fi

$LOAD_CPU "$out/upstream" -listen "$UP" & pids+=($!)
for _ in $(seq 50); do curl -s -o /dev/null "http://$UP/ok" && break; sleep 0.1; done

doc="$PWD/validation/testdata/shop/openapi.yaml"
# The valid order, about 1 KiB, and the same order with 5 problems.
valid='{"items":[{"sku":"ABC-123","qty":2,"price":{"amount":9.5,"currency":"EUR"}},{"sku":"HAT-0042","qty":1,"price":{"amount":19.99,"currency":"EUR"}},{"sku":"SOCK-7","qty":5,"price":{"amount":3,"currency":"EUR"}},{"sku":"BAG-2024","qty":1,"price":{"amount":49,"currency":"EUR"}}],"shipping":{"line1":"Friedrichstrasse 123, Hinterhaus, 3. OG","city":"Berlin","postcode":"10117","country":"DE"},"payment":{"method":"card","number":"4111111111111111","expiry":"12/29"},"email":"ann.example@example.com","note":"Please leave the parcel with the neighbours on the ground floor if nobody answers the door. Thank you very much for the quick delivery last time, it was great. The hat is a present so please do not include the invoice in the parcel; send it by email instead. If any item is out of stock, ship the rest now and the remainder later. Our building has a new door code since March, so please call the mobile number on the account when you arrive and somebody will come down to open the door for you."}'
invalid=$(sed -e 's/"qty":2/"qty":0/' -e 's/"city":"Berlin"/"city":""/' -e 's/"country":"DE"/"country":"XX"/' \
	-e 's/ann.example@example.com/nope/' -e 's/"note"/"nots"/' <<<"$valid")

lua() { # file body
	{
		echo 'wrk.method = "POST"'
		echo 'wrk.headers["Content-Type"] = "application/json"'
		echo 'wrk.headers["Accept"] = "application/json"'
		echo 'wrk.headers["X-Tenant"] = "acme"'
		echo 'wrk.headers["Idempotency-Key"] = "6f1c2a4e-8a47-4c8e-9d7e-2f0b7c1e3a55"'
		echo 'wrk.headers["Cookie"] = "session=abcdefghijklmnopqrstuvwxyz"'
		printf 'wrk.body = [==[%s]==]\n' "$2"
	} >"$1"
}
lua "$out/valid.lua" "$valid"
lua "$out/invalid.lua" "$invalid"

global='{
	admin off
	auto_https off
	persist_config off
	log {
		level ERROR
	}
}
'
cat >"$out/Caddyfile" <<CADDY
$global
http://127.0.0.1:9331 {
	reverse_proxy $UP {
		rewrite /ok
	}
}
http://127.0.0.1:9332 {
	request_validation {
		openapi $doc
	}
	reverse_proxy $UP {
		rewrite /ok
	}
}
http://127.0.0.1:9333 {
	error_pages
	request_validation {
		openapi $doc
	}
	reverse_proxy $UP {
		rewrite /ok
	}
}
CADDY
"$out/caddy" validate --config "$out/Caddyfile" --adapter caddyfile >/dev/null 2>&1 || {
	"$out/caddy" validate --config "$out/Caddyfile" --adapter caddyfile; exit 1; }
$CADDY_CPU "$out/caddy" run --config "$out/Caddyfile" --adapter caddyfile >"$out/caddy.log" 2>&1 & pids+=($!)

wait_port() { for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$1/" && return 0; sleep 0.1; done; echo "port $1 never came up"; exit 1; }
for p in 9331 9332 9333; do wait_port $p; done

post() { # port body -> "status bytes"
	curl -s -o /dev/null -w '%{http_code} %{size_download} bytes' -X POST -H 'Content-Type: application/json' -H 'Accept: application/json' \
		-H 'X-Tenant: acme' -H 'Idempotency-Key: 6f1c2a4e-8a47-4c8e-9d7e-2f0b7c1e3a55' -H 'Cookie: session=abcdefghijklmnopqrstuvwxyz' \
		--data-binary "$2" "http://127.0.0.1:$1/api/orders"
}
echo "== sanity: what each configuration answers (body ${#valid} bytes)"
echo "   9331 valid   -> $(post 9331 "$valid")"
echo "   9332 valid   -> $(post 9332 "$valid")"
echo "   9333 valid   -> $(post 9333 "$valid")"
echo "   9333 invalid -> $(post 9333 "$invalid")"
curl -s -X POST -H 'Content-Type: application/json' -H 'Accept: application/json' -H 'X-Tenant: acme' \
	-H 'Idempotency-Key: 6f1c2a4e-8a47-4c8e-9d7e-2f0b7c1e3a55' -H 'Cookie: session=abcdefghijklmnopqrstuvwxyz' \
	--data-binary "$invalid" "http://127.0.0.1:9333/api/orders" | head -c 600; echo

rps() { # port script -> requests/sec
	$LOAD_CPU wrk -t1 -c"$CONNS" -d"$DURATION" -s "$2" "http://127.0.0.1:$1/api/orders" 2>/dev/null | awk '/Requests\/sec/ {print $2}'
}
median() { sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }

declare -A samples
pairs=(
	"1|valid 1 KiB order: reverse_proxy vs request_validation + reverse_proxy|9331 $out/valid.lua|9332 $out/valid.lua|0.90"
	"2|error_pages+request_validation: valid accepted vs 5 problems rejected|9333 $out/valid.lua|9333 $out/invalid.lua|1.0"
)
echo "== throughput: $ROUNDS rounds of $DURATION per side, $CONNS connections, alternating"
for round in $(seq "$ROUNDS"); do
	for pair in "${pairs[@]}"; do
		IFS='|' read -r id _ a b _ <<<"$pair"
		[[ " ${PAIRS:-1 2} " == *" $id "* ]] || continue
		if (( round % 2 )); then order="a b"; else order="b a"; fi
		for side in $order; do
			if [ "$side" = a ]; then set -- $a; else set -- $b; fi
			samples["$id$side"]+="$(rps "$1" "$2") "
		done
	done
	echo "   round $round done"
done

printf '\n%-72s %9s %9s %7s %7s %7s\n' "pair" "A req/s" "B req/s" "medB/A" "paired" "target"
for pair in "${pairs[@]}"; do
	IFS='|' read -r id title _ _ target <<<"$pair"
	[[ " ${PAIRS:-1 2} " == *" $id "* ]] || continue
	ma=$(tr ' ' '\n' <<<"${samples[${id}a]}" | grep . | median)
	mb=$(tr ' ' '\n' <<<"${samples[${id}b]}" | grep . | median)
	ratio=$(awk -v a="$ma" -v b="$mb" 'BEGIN {printf "%.3f", b/a}')
	paired=$(paste <(tr ' ' '\n' <<<"${samples[${id}a]}" | grep .) <(tr ' ' '\n' <<<"${samples[${id}b]}" | grep .) |
		awk '{printf "%.4f\n", $2/$1}' | median)
	ok=$(awk -v r="$paired" -v t="$target" 'BEGIN {print (r >= t) ? "met" : "MISSED"}')
	printf '%-72s %9.0f %9.0f %7s %7.3f %4s %s\n' "($id) $title" "$ma" "$mb" "$ratio" "$paired" ">=$target" "$ok"
	echo "   samples A: ${samples[${id}a]}"
	echo "   samples B: ${samples[${id}b]}"
done
kill "${pids[-1]}" 2>/dev/null || true

if [ -z "${SKIP_RSS:-}" ]; then
	echo
	echo "== (3) peak RSS with $MEMCONNS connections posting valid 1 MiB bodies (max_body 1 MiB: the order padded with spaces)"
	big="$out/big.lua"
	{
		echo 'wrk.method = "POST"'
		echo 'wrk.headers["Content-Type"] = "application/json"'
		echo 'wrk.headers["X-Tenant"] = "acme"'
		echo 'wrk.headers["Idempotency-Key"] = "6f1c2a4e-8a47-4c8e-9d7e-2f0b7c1e3a55"'
		echo 'wrk.headers["Cookie"] = "session=abcdefghijklmnopqrstuvwxyz"'
		printf 'wrk.body = [==[%s]==] .. string.rep(" ", %d)\n' "$valid" $(( (1 << 20) - ${#valid} - 64 ))
	} >"$big"
	peak_rss() { # name site-body -> KiB
		local cfg="$out/Caddyfile.$1"
		{ echo "$global"; printf 'http://127.0.0.1:9350 {\n%s\n}\n' "$2"; } >"$cfg"
		$CADDY_CPU "$out/caddy" run --config "$cfg" --adapter caddyfile >"$out/caddy.$1.log" 2>&1 &
		local pid=$!
		wait_port 9350
		$LOAD_CPU wrk -t2 -c"$MEMCONNS" -d"$DURATION" -s "$big" "http://127.0.0.1:9350/api/orders" | awk '/Requests\/sec|Non-2xx/ {printf "   %s: %s\n", "'"$1"'", $0}' >&2
		awk '/VmHWM/ {print $2}' "/proc/$pid/status"
		kill "$pid"; wait "$pid" 2>/dev/null || true
	}
	rss_plain=$(peak_rss plain "	reverse_proxy $UP {
		rewrite /ok
	}")
	rss_val=$(peak_rss validated "	request_validation {
		openapi $doc
	}
	reverse_proxy $UP {
		rewrite /ok
	}")
	printf '%-72s %9s KiB %9s KiB; bound: %d x 1 MiB = %d MiB over the plain proxy\n' "(3) peak RSS: reverse_proxy vs request_validation + reverse_proxy" \
		"$rss_plain" "$rss_val" "$MEMCONNS" "$MEMCONNS"
	awk -v a="$rss_plain" -v b="$rss_val" -v n="$MEMCONNS" 'BEGIN {d=(b-a)/1024; printf "   extra: %.0f MiB for %d bodies in flight (%s)\n", d, n, (d <= n * 1.5) ? "within the bound" : "OVER the bound"}'
fi

echo
echo "== Go benchmarks"
go test -run '^$' -bench 'Validate|Route' -benchmem -benchtime 20000x ./validation | grep -E '^Benchmark'
echo
echo "pinning: caddy ${CADDY_CPU:-unpinned}, wrk and upstream ${LOAD_CPU:-unpinned}"
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(go version | cut -d' ' -f3-4), wrk $(wrk -v 2>&1 | head -1 | cut -d' ' -f2)"
