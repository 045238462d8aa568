#!/usr/bin/env bash
# Load harness: builds Caddy with error_pages, starts a loopback upstream and
# measures with wrk, side by side in one run, alternating each pair several
# times; prints medians and ratios, peak RSS and the Go allocation figures.
#
#   bash bench/load.sh            # ROUNDS=9 DURATION=3s CONNS=50 by default
#   PAIRS="2 4" SKIP_RSS=1 bash bench/load.sh   # only some pairs
#
# Needs wrk (Debian package "wrk"; installed if missing and running as root).
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS="${ROUNDS:-9}"
DURATION="${DURATION:-3s}"
CONNS="${CONNS:-50}"
MEMCONNS="${MEMCONNS:-200}"
UP=127.0.0.1:9301
out=bench/out
mkdir -p "$out"

if ! command -v wrk >/dev/null 2>&1; then
	if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq wrk >/dev/null; else
		echo "wrk is needed: apt-get install wrk" >&2; exit 1; fi
fi

echo "== building caddy (cmd/caddy: standard modules + error_pages) and the upstream"
go build -o "$out/caddy" ./cmd/caddy
go build -o "$out/upstream" ./bench/upstream

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

# PIN=1: Caddy gets core 0 to itself; wrk and the upstream share core 1. Throughput
# is then bound by Caddy's CPU, which is what the pairs compare, and the
# other processes' scheduling noise stays off Caddy's core.
# Off by default (PIN=1 turns it on): unpinned is how the targets are
# stated; pinned shows the cost when Caddy is CPU-bound on one core.
if [ "${PIN:-0}" = 1 ] && command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
	CADDY_CPU="taskset -c 0"; LOAD_CPU="taskset -c 1"
else
	CADDY_CPU=""; LOAD_CPU=""
fi

$LOAD_CPU "$out/upstream" -listen "$UP" & pids+=($!)

# Same-sized static body for pair 4: the JSON error_pages renders for
# `error 404` (request ID included) is about this long.
static_body=$(printf '{"error":{"code":404,"type":"not_found","message":"Not Found","details":"The page you are looking for doesn'"'"'t exist or has moved. Check the address or go back to the home page.","request_id":"00000000-0000-0000-0000-000000000000"}}')

site_block() { # name port body
	printf 'http://127.0.0.1:%s {\n%s\n}\n' "$2" "$3"
}
global='{
	admin off
	auto_https off
	persist_config off
	log {
		level WARN
	}
}
'
proxy="	reverse_proxy $UP"
pages="	error_pages
	reverse_proxy $UP"
stock="	reverse_proxy $UP {
		@e status 4xx 5xx
		handle_response @e {
			error \"{rp.status_text}\" {rp.status_code}
		}
	}
	handle_errors {
		@json header Accept *application/json*
		handle @json {
			header Content-Type application/json
			respond \`{\"error\":{\"code\":{err.status_code},\"message\":\"{err.status_text}\"}}\`
		}
		handle {
			respond \"{err.status_code} {err.status_text}\"
		}
	}"
static="	header Content-Type application/json
	respond \`$static_body\` 404"
local="	error_pages
	error 404"

{
	echo "$global"
	site_block plain 9311 "$proxy"
	site_block pages 9312 "$pages"
	site_block stock 9313 "$stock"
	site_block static 9314 "$static"
	site_block local 9315 "$local"
} > "$out/Caddyfile"
"$out/caddy" validate --config "$out/Caddyfile" --adapter caddyfile >/dev/null 2>&1 || {
	"$out/caddy" validate --config "$out/Caddyfile" --adapter caddyfile; exit 1; }
$CADDY_CPU "$out/caddy" run --config "$out/Caddyfile" --adapter caddyfile >"$out/caddy.log" 2>&1 & pids+=($!)

wait_port() { for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$1/" && return 0; sleep 0.1; done; echo "port $1 never came up"; exit 1; }
for p in 9311 9312 9313 9314 9315; do wait_port $p; done

echo "== sanity: what each configuration answers"
for spec in "9311 /ok" "9312 /ok" "9311 /bad" "9312 /bad" "9313 /bad" "9314 /x" "9315 /x"; do
	set -- $spec
	printf '%s %-4s -> ' "$1" "$2"
	curl -s -H 'Accept: application/json' -o /dev/null -w '%{http_code} %{size_download} bytes\n' "http://127.0.0.1:$1$2"
done

rps() { # port path -> requests/sec
	$LOAD_CPU wrk -t1 -c"$CONNS" -d"$DURATION" -H 'Accept: application/json' "http://127.0.0.1:$1$2" 2>/dev/null |
		awk '/Requests\/sec/ {print $2}'
}
median() { sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }

declare -A samples
pairs=(
	"1|200 responses: reverse_proxy vs reverse_proxy + error_pages|9311 /ok|9312 /ok|0.97|ge"
	"2|upstream 400 JSON: proxied untouched vs rewritten to the envelope|9311 /bad|9312 /bad|0.90|ge"
	"3|upstream 400: stock Caddy recipe vs error_pages|9313 /bad|9312 /bad|1.5|ge"
	"4|local error: respond static body vs error rendered by error_pages|9314 /x|9315 /x|0.85|ge"
)
echo "== throughput: $ROUNDS rounds of $DURATION per configuration, $CONNS connections, alternating"
for round in $(seq "$ROUNDS"); do
	for pair in "${pairs[@]}"; do
		IFS='|' read -r id _ a b _ _ <<<"$pair"
		[[ " ${PAIRS:-1 2 3 4} " == *" $id "* ]] || continue
		# alternate which side goes first, so neither always runs warm
		if (( round % 2 )); then order="a b"; else order="b a"; fi
		for side in $order; do
			if [ "$side" = a ]; then set -- $a; else set -- $b; fi
			v=$(rps "$1" "$2")
			samples["$id$side"]+="$v "
		done
	done
	echo "   round $round done"
done

# Within a round A and B run back to back, so their ratio cancels drift of
# the shared machine between rounds; the target is judged on the median of
# those paired ratios. The ratio of the two medians is shown too.
printf '\n%-68s %10s %10s %8s %8s %8s\n' "pair" "A req/s" "B req/s" "medB/A" "paired" "target"
for pair in "${pairs[@]}"; do
	IFS='|' read -r id title a b target _ <<<"$pair"
	[[ " ${PAIRS:-1 2 3 4} " == *" $id "* ]] || continue
	ma=$(tr ' ' '\n' <<<"${samples[${id}a]}" | grep . | median)
	mb=$(tr ' ' '\n' <<<"${samples[${id}b]}" | grep . | median)
	ratio=$(awk -v a="$ma" -v b="$mb" 'BEGIN {printf "%.3f", b/a}')
	paired=$(paste <(tr ' ' '\n' <<<"${samples[${id}a]}" | grep .) <(tr ' ' '\n' <<<"${samples[${id}b]}" | grep .) |
		awk '{printf "%.4f\n", $2/$1}' | median)
	ok=$(awk -v r="$paired" -v t="$target" 'BEGIN {print (r >= t) ? "met" : "MISSED"}')
	printf '%-68s %10.0f %10.0f %8s %8.3f %5s %s\n' "($id) $title" "$ma" "$mb" "$ratio" "$paired" ">=$target" "$ok"
	echo "   samples A: ${samples[${id}a]}"
	echo "   samples B: ${samples[${id}b]}"
done
kill "${pids[-1]}" 2>/dev/null || true

if [ -z "${SKIP_RSS:-}" ]; then
echo
echo "== (5) peak RSS under $MEMCONNS connections, one fresh Caddy process per configuration"
peak_rss() { # name body path -> KiB
	local cfg="$out/Caddyfile.$1"
	{ echo "$global"; site_block "$1" 9320 "$2"; } >"$cfg"
	$CADDY_CPU "$out/caddy" run --config "$cfg" --adapter caddyfile >"$out/caddy.$1.log" 2>&1 &
	local pid=$!
	wait_port 9320
	$LOAD_CPU wrk -t2 -c"$MEMCONNS" -d"$DURATION" -H 'Accept: application/json' "http://127.0.0.1:9320$3" >/dev/null 2>&1
	$LOAD_CPU wrk -t2 -c"$MEMCONNS" -d"$DURATION" -H 'Accept: application/json' "http://127.0.0.1:9320/bad" >/dev/null 2>&1
	awk '/VmHWM/ {print $2}' "/proc/$pid/status"
	kill "$pid"; wait "$pid" 2>/dev/null || true
}
rss_plain=$(peak_rss plain "$proxy" /ok)
rss_pages=$(peak_rss pages "$pages" /ok)
rss_ratio=$(awk -v a="$rss_plain" -v b="$rss_pages" 'BEGIN {printf "%.3f", b/a}')
rss_ok=$(awk -v r="$rss_ratio" 'BEGIN {print (r <= 1.10) ? "met" : "MISSED"}')
printf '%-68s %9s KiB %9s KiB %7s %5s %s\n' "(5) peak RSS: reverse_proxy vs reverse_proxy + error_pages" "$rss_plain" "$rss_pages" "$rss_ratio" "<=1.10" "$rss_ok"
fi

echo
echo "== Go benchmarks: allocations per request"
go test -run '^$' -bench 'PassThrough|Rewrite' -benchmem -benchtime 20000x . | grep -E '^Benchmark'
go test -run '^$' -bench 'Negotiate' -benchmem -benchtime 200000x ./errorpages | grep -E '^Benchmark'
go test -count=1 -run TestPassThroughAllocations -v . | grep 'allocations per request'
echo
echo "pinning: caddy ${CADDY_CPU:-unpinned}, wrk and upstream ${LOAD_CPU:-unpinned}"
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(go version | cut -d' ' -f3-4), wrk $(wrk -v 2>&1 | head -1 | cut -d' ' -f2)"
