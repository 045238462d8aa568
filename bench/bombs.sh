#!/usr/bin/env bash
# Peak memory under compressed-body bombs (issue 8): one fresh Caddy process
# per case (error_pages + reverse_proxy to the loopback upstream), CONNS
# concurrent connections for DURATION with wrk, then the Caddy process's
# peak RSS (VmHWM) against the plain JSON 400 case, with req/s and Caddy's
# CPU per request beside it.
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
DURATION="${DURATION:-10s}" # before lib.sh, whose default is 3s
source "$(dirname "$0")/lib.sh"

BOUND_MIB="${BOUND_MIB:-32}"
UP=127.0.0.1:$((${PORT_BASE:-9330} + 1))
PORT=$((${PORT_BASE:-9330} + 2))
OUT=bench/out/bombs

prepare "standard modules + error_pages"

{
	caddy_global
	site "$PORT" "	error_pages
	reverse_proxy $UP"
} >"$OUT/Caddyfile"
wrk_script "$OUT/json.lua" GET "" "Accept: application/json"

# run_case name path: sets hwm, rps, cpu (Caddy's µs per request) and
# answer for the case
declare -A hwm rps cpu answer
run_case() {
	start_caddy "$OUT/Caddyfile" "$OUT/caddy.$1.log"
	answer[$1]=$(curl -s -H 'Accept: application/json' -w ' -> %{http_code}' "http://127.0.0.1:$PORT$2" | head -c 300)
	read -r rps[$1] cpu[$1] _ <<<"$(measure "$CADDY_PID" "http://127.0.0.1:$PORT$2" -s "$OUT/json.lua")"
	hwm[$1]=$(awk '/VmHWM/ {print $2}' "/proc/$CADDY_PID/status")
	stop "$CADDY_PID"
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
printf '\n%-50s %12s %10s %12s %14s %s\n' "case" "peak RSS" "req/s" "CPU µs/req" "bound" ""
for c in "${cases[@]}"; do
	IFS='|' read -r id title _ <<<"$c"
	h=${hwm[$id]}
	if [ "$id" = plain ]; then
		printf '%-50s %8.1f MiB %10.0f %12.1f %14s\n' "$title" "$(awk -v h="$h" 'BEGIN {print h/1024}')" "${rps[$id]}" "${cpu[$id]}" "(reference)"
		continue
	fi
	bound=$((plain + BOUND_MIB * 1024))
	ok=$(awk -v h="$h" -v b="$bound" 'BEGIN {print (h <= b) ? "met" : "MISSED"}')
	printf '%-50s %8.1f MiB %10.0f %12.1f %10.1f MiB %s\n' "$title" "$(awk -v h="$h" 'BEGIN {print h/1024}')" "${rps[$id]}" "${cpu[$id]}" \
		"$(awk -v b="$bound" 'BEGIN {print b/1024}')" "$ok"
done
echo
echo "bound: peak RSS <= plain + $BOUND_MIB MiB; caddy $CADDY"
machine_note
