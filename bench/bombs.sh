#!/usr/bin/env bash
# Peak memory under compressed-body bombs (issue 8): one fresh Caddy process
# per case (error_pages + reverse_proxy to the loopback upstream), CONNS
# concurrent connections for DURATION with wrk, then the Caddy process's
# peak RSS (VmHWM) against the plain JSON 400 case.
#
#   bash bench/bombs.sh                      # DURATION=10s CONNS=50
#   CADDY_BIN=/tmp/old/caddy bash bench/bombs.sh   # measure another build
#
# Bound: peak RSS <= plain + 32 MiB (BOUND_MIB). Why 32: at most GOMAXPROCS
# bodies decode at once, each with about 1 MiB of decoder state (a window
# of max_body + 128 KiB and three 128 KiB zstd block buffers), plus, per
# in-flight response, the buffered upstream body (max_body, as for plain)
# and the decoded bytes (at most 2 x max_body while growing): 50 x 128 KiB
# = 6.4 MiB. Doubled for the GC's headroom (GOGC=100), that is about 16 MiB;
# the bound leaves as much again for noise. Before the fix these cases
# reached 1.4 to 1.9 GB.
#
# Needs wrk (Debian package "wrk"; installed if missing and running as root).
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION="${DURATION:-10s}"
CONNS="${CONNS:-50}"
BOUND_MIB="${BOUND_MIB:-32}"
UP=127.0.0.1:9331
PORT=9332
out=bench/out/bombs
mkdir -p "$out"

if ! command -v wrk >/dev/null 2>&1; then
	if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq wrk >/dev/null; else
		echo "wrk is needed: apt-get install wrk" >&2; exit 1; fi
fi

echo "== building caddy (cmd/caddy) and the upstream"
caddy="${CADDY_BIN:-$out/caddy}"
[ -n "${CADDY_BIN:-}" ] || go build -o "$caddy" ./cmd/caddy
go build -o "$out/upstream" ./bench/upstream

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

"$out/upstream" -listen "$UP" & pids+=($!)
for _ in $(seq 50); do curl -s -o /dev/null "http://$UP/ok" && break; sleep 0.1; done

cat >"$out/Caddyfile" <<EOF
{
	admin off
	auto_https off
	persist_config off
	log {
		level WARN
	}
}
http://127.0.0.1:$PORT {
	error_pages
	reverse_proxy $UP
}
EOF
"$caddy" validate --config "$out/Caddyfile" --adapter caddyfile >/dev/null 2>&1 || {
	"$caddy" validate --config "$out/Caddyfile" --adapter caddyfile; exit 1; }

# run_case name path: sets hwm, rps and answer for the case
declare -A hwm rps answer
run_case() {
	"$caddy" run --config "$out/Caddyfile" --adapter caddyfile >"$out/caddy.$1.log" 2>&1 &
	local pid=$!
	pids+=($pid)
	for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$PORT/ok" && break; sleep 0.1; done
	answer[$1]=$(curl -s -H 'Accept: application/json' -w ' -> %{http_code}' "http://127.0.0.1:$PORT$2" | head -c 300)
	rps[$1]=$(wrk -t2 -c"$CONNS" -d"$DURATION" -H 'Accept: application/json' "http://127.0.0.1:$PORT$2" 2>/dev/null |
		awk '/Requests\/sec/ {print $2}')
	hwm[$1]=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
	kill "$pid"; wait "$pid" 2>/dev/null || true
}

cases=(
	"plain|plain JSON 400|/bad"
	"br|brotli: WBITS 24, 16 MiB meta-block, 40 bytes|/bomb/br"
	"zstd|zstd: 64 MiB window, 2 KiB|/bomb/zstd"
	"zstd-single|zstd: single segment, 64 MiB content size|/bomb/zstd-single"
	"gzip-chain|2600 nested gzip layers|/bomb/gzip-chain"
	"zstd-chain|3000 nested zstd layers|/bomb/zstd-chain"
)
echo "== $CONNS connections for $DURATION per case, one fresh Caddy each"
for c in "${cases[@]}"; do
	IFS='|' read -r id _ path <<<"$c"
	run_case "$id" "$path"
	echo "   $id: ${answer[$id]}"
done

plain=${hwm[plain]}
printf '\n%-50s %12s %10s %14s %s\n' "case" "peak RSS" "req/s" "bound" ""
for c in "${cases[@]}"; do
	IFS='|' read -r id title _ <<<"$c"
	h=${hwm[$id]}
	if [ "$id" = plain ]; then
		printf '%-50s %8.1f MiB %10.0f %14s\n' "$title" "$(awk -v h="$h" 'BEGIN {print h/1024}')" "${rps[$id]}" "(reference)"
		continue
	fi
	bound=$((plain + BOUND_MIB * 1024))
	ok=$(awk -v h="$h" -v b="$bound" 'BEGIN {print (h <= b) ? "met" : "MISSED"}')
	printf '%-50s %8.1f MiB %10.0f %10.1f MiB %s\n' "$title" "$(awk -v h="$h" 'BEGIN {print h/1024}')" "${rps[$id]}" \
		"$(awk -v b="$bound" 'BEGIN {print b/1024}')" "$ok"
done
echo
echo "bound: peak RSS <= plain + $BOUND_MIB MiB; machine: $(nproc) cores, $(go version | cut -d' ' -f3-4), caddy $caddy"
