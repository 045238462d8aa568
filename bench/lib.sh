# bench/lib.sh: what the load harnesses (load.sh, validation.sh, bombs.sh)
# share. Sourced, never run: `source "$(dirname "$0")/lib.sh"`. It moves to
# the repository root and gives:
#
#   prepare WHAT             the harness's start, with OUT and UP set: wrk
#                            (need_wrk), the binaries (build OUT), how busy
#                            the machine is (busy_note), the upstream on UP
#   need_wrk                 wrk, installed with apt-get when running as root
#   build OUT                caddy (cmd/caddy; CADDY_BIN=<binary> to measure
#                            another build) and bench/upstream into OUT
#   start_upstream ADDR      the loopback upstream, waited for
#   start_caddy CFG LOG      validates CFG, runs Caddy on it (CADDY_PID),
#                            waits for its sites; both check their ports are
#                            free first (need_free)
#   stop PID                 ends one process started here
#   wait_port PORT [PATH]    waits until 127.0.0.1:PORT answers
#   probe LABEL PORT PATH STATUS TYPE [CURL OPTION...]   a checked request
#   caddy_global [ADMIN], site PORT BODY   the Caddyfiles' parts
#   median                   median of the numbers on stdin
#   wrk_script FILE METHOD BODY [HEADER...]   a wrk Lua script
#   measure PID URL [WRK OPTION...]           req/s and CPU per request
#   judge_pairs PAIR...      alternating rounds of A/B pairs, the table,
#                            PROFILE=<id>'s profile (run_pairs, print_pairs)
#   peak_rss NAME SITE PORT SCRIPT PATH...   VmHWM of a fresh Caddy under load
#   profile ADMIN URL SECONDS FILE [WRK OPTION...]   a CPU profile under load
#   profile_pair ID ADMIN OUT PAIR...   the same for side B of pair ID
#   busy_note, machine_note  how busy the machine was, what it is
#   gobench PKG PATTERN N    Go benchmark lines, or why they did not run
#
# PIN=1 pins Caddy to core 0 and wrk + the upstream to core 1 ($CADDY_CPU,
# $LOAD_CPU); every process started here is ended on exit.
set -euo pipefail
shopt -s inherit_errexit # a failing step inside $(...) stops the harness too
cd "$(dirname "${BASH_SOURCE[0]}")/.."

CONNS="${CONNS:-50}"
DURATION="${DURATION:-3s}"
MEMCONNS="${MEMCONNS:-200}"
PROFILE="${PROFILE:-}"
CLK_TCK=$(getconf CLK_TCK)

need_wrk() {
	command -v wrk >/dev/null 2>&1 && return
	if [ "$(id -u)" = 0 ]; then
		apt-get update -qq && apt-get install -y -qq wrk >/dev/null
	else
		echo "wrk is needed: apt-get install wrk" >&2
		exit 1
	fi
}

# build OUT: sets CADDY and UPSTREAM to the binaries.
build() {
	mkdir -p "$1"
	CADDY="${CADDY_BIN:-$1/caddy}"
	UPSTREAM="$1/upstream"
	[ -n "${CADDY_BIN:-}" ] || go build -o "$CADDY" ./cmd/caddy
	go build -o "$UPSTREAM" ./bench/upstream
}

PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
}
trap cleanup EXIT

# prepare WHAT: WHAT names what this Caddy is built with.
prepare() {
	need_wrk
	echo "== building caddy (cmd/caddy: $1) and the upstream"
	build "$OUT"
	busy_note
	start_upstream "$UP"
}

# PIN=1: Caddy gets core 0 to itself; wrk and the upstream share core 1.
# Caddy is then CPU-bound and the other processes' scheduling stays off its
# core. Off by default: unpinned is how the targets are stated.
CADDY_CPU="" LOAD_CPU="" PINNED=0
if [ "${PIN:-0}" = 1 ]; then
	if command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
		CADDY_CPU="taskset -c 0" LOAD_CPU="taskset -c 1" PINNED=1
	else
		echo "PIN=1 needs taskset and 2 cores: running unpinned" >&2
	fi
fi

wait_url() {
	local _
	for _ in $(seq 100); do curl -s -o /dev/null "$1" && return 0; sleep 0.1; done
	echo "$1 never answered" >&2
	exit 1
}
wait_port() { wait_url "http://127.0.0.1:$1${2:-/}"; }

# need_free ADDR...: exits when something already listens on one of the
# addresses (host:port). Others share this machine, and Caddy binds with
# SO_REUSEPORT: a second Caddy on a port would silently take half of the
# connections while only ours is measured.
need_free() {
	local a
	for a in "$@"; do
		if (exec 3<>"/dev/tcp/${a%:*}/${a##*:}") 2>/dev/null; then
			echo "$a is already in use, by: $(ss -Hltnp "sport = :${a##*:}" 2>/dev/null | grep -o 'users:.*' | sort -u | tr '\n' ' ')" >&2
			echo "the harness needs its ports to itself: stop that process (or wait for its run to end)" >&2
			exit 1
		fi
	done
}

# alive PID WHAT: exits unless the process still runs.
alive() { kill -0 "$1" 2>/dev/null || { echo "$2 (pid $1) is gone; its log says: $(tail -3 "${3:-/dev/null}" 2>/dev/null)" >&2; exit 1; }; }

start_upstream() {
	need_free "$1"
	local pid
	$LOAD_CPU "$UPSTREAM" -listen "$1" &
	pid=$!
	PIDS+=($pid)
	UP_PID=$pid
	wait_url "http://$1/ok"
	alive "$pid" "the upstream"
}

# start_caddy CFG LOG: a Caddy process on the Caddyfile CFG, its pid in
# CADDY_PID (taskset execs Caddy, so the pid is Caddy's own); returns once
# every site of CFG (http://127.0.0.1:PORT) answers, checking first that no
# other process holds those ports or the admin address.
start_caddy() {
	local ports p
	ports=$(sed -n -e 's|^http://127\.0\.0\.1:\([0-9]*\) {$|\1|p' -e 's|^\tadmin 127\.0\.0\.1:\([0-9]*\)$|\1|p' "$1")
	for p in $ports; do need_free "127.0.0.1:$p"; done
	"$CADDY" validate --config "$1" --adapter caddyfile >/dev/null 2>&1 ||
		{ "$CADDY" validate --config "$1" --adapter caddyfile; exit 1; }
	$CADDY_CPU "$CADDY" run --config "$1" --adapter caddyfile >"$2" 2>&1 &
	CADDY_PID=$!
	PIDS+=($CADDY_PID)
	for p in $ports; do wait_port "$p"; done
	alive "$CADDY_PID" "Caddy" "$2"
}

stop() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }

# probe LABEL PORT PATH STATUS TYPE [CURL OPTION...]: one request, shown;
# exits unless the answer has STATUS and a Content-Type starting with TYPE.
# Sets PROBE_SIZE to the body's length.
probe() {
	local label=$1 port=$2 path=$3 want=$4 type=$5 got code
	shift 5
	got=$(curl -s -o /dev/null -w '%{http_code} %{size_download} %{content_type}' "$@" "http://127.0.0.1:$port$path")
	printf '   %s %-10s %-8s -> %s\n' "$port" "$path" "$label" "$got"
	read -r code PROBE_SIZE _ <<<"$got"
	[[ $code == "$want" && ${got#* * } == "$type"* ]] || { echo "   expected $want $type" >&2; exit 1; }
}

# caddy_global [ADMIN]: the global options block of every harness
# Caddyfile, logging at LOG_LEVEL (default WARN); the admin endpoint stays
# off unless an address is given.
caddy_global() {
	printf '{\n\tadmin %s\n\tauto_https off\n\tpersist_config off\n\tlog {\n\t\tlevel %s\n\t}\n}\n' "${1:-off}" "${LOG_LEVEL:-WARN}"
}

# site PORT BODY: a site block on 127.0.0.1:PORT.
site() { printf 'http://127.0.0.1:%s {\n%s\n}\n' "$1" "$2"; }

median() { sort -g | awk '{a[NR] = $1} END {if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

# wrk_script FILE METHOD BODY [HEADER...]: a wrk script sending METHOD with
# the headers ("Name: value") and BODY (none when empty). It sets only the
# request table, so wrk builds the request once: no Lua runs per request.
wrk_script() {
	local file=$1 method=$2 body=$3 h
	shift 3
	{
		printf 'wrk.method = "%s"\n' "$method"
		for h in "$@"; do printf 'wrk.headers["%s"] = "%s"\n' "${h%%:*}" "$(sed 's/^ *//' <<<"${h#*:}")"; done
		[ -z "$body" ] || printf 'wrk.body = [==[%s]==]\n' "$body"
	} >"$file"
}

# Caddy's CPU time, two clocks:
#   cpu_ns: the sum over its threads of /proc/PID/task/*/schedstat's first
#     field, the scheduler's sum_exec_runtime, in ns;
#   cpu_ticks: utime + stime of /proc/PID/stat, in clock ticks (CLK_TCK,
#     100 here: 10 ms), the same runtime truncated to ticks.
# measure judges on cpu_ns (CPU_CLOCK=ticks for the other): no resolution
# to think about, where two truncated tick readings per window can be off by
# up to 2 ticks (20 ms: 0.8% of a 2.4 s window). Measured on ten A/B rounds
# of pair 2: the paired ratio's spread was 0.0368 by ns and 0.0377 by ticks
# with 3 s windows (0.0285 and 0.0292 with 1 s), the two clocks 0.10% apart
# per window (0.33% at 1 s): the spread is the machine's, both clocks are
# fine at the default 3 s, ns slightly steadier. Its blind spot, a thread
# that exits inside a window taking its time with it, does not arise here:
# Go ends a thread only when a goroutine locked to it exits. The footer of
# the table gives the smallest window in ticks and how far the clocks
# differed in this run.
cpu_ns() { alive "$1" Caddy; cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{s += $1} END {printf "%.0f\n", s}'; }
cpu_ticks() { alive "$1" Caddy; sed 's/.*) //' /proc/"$1"/stat | awk '{print $12 + $13}'; }

# measure PID URL [WRK OPTION...]: wrk (one thread, CONNS connections,
# DURATION) against URL while reading process PID's CPU time before and
# after. Prints "req/s µs-per-request requests cpu-seconds ticks
# ticks-µs-per-request"; µs per request is the CPU delta over the requests
# wrk completed. Fails when wrk completed none; warns of socket errors.
measure() {
	local pid=$1 url=$2 ns0 tk0 ns1 tk1 out
	shift 2
	ns0=$(cpu_ns "$pid") tk0=$(cpu_ticks "$pid")
	out=$($LOAD_CPU wrk -t1 -c"$CONNS" -d"$DURATION" "$@" "$url" 2>&1) || { echo "wrk failed: $out" >&2; return 1; }
	ns1=$(cpu_ns "$pid") tk1=$(cpu_ticks "$pid")
	awk -v ns=$((ns1 - ns0)) -v tk=$((tk1 - tk0)) -v hz="$CLK_TCK" -v url="$url" -v clock="${CPU_CLOCK:-ns}" '
		/ requests in / {n = $1}
		/^Requests\/sec/ {rps = $2}
		/Socket errors/ {err = $0}
		END {
			if (n + 0 <= 0) { print "measure: wrk completed no request against " url > "/dev/stderr"; exit 1 }
			if (ns <= 0) { print "measure: Caddy used no CPU time while serving " url "?" > "/dev/stderr"; exit 1 }
			if (err != "") print "measure: " url ":" err > "/dev/stderr"
			us = ns / 1000 / n; ustk = tk / hz * 1e6 / n
			if (clock == "ticks") us = ustk
			printf "%.1f %.3f %d %.4f %d %.3f\n", rps, us, n, ns / 1e9, tk, ustk
		}' <<<"$out"
}

# Pairs are "id|title|A|B|target": A and B are "port path wrk-script",
# target "t" or "t/tpin" (tpin applies under PIN=1), or "-" for a reference
# pair that has no target. run_pairs measures the
# selected pairs (PAIRS, default all) for ROUNDS rounds, A and B back to
# back, alternating which goes first so neither always runs warm; Caddy is
# CADDY_PID. Within a round the two sides see the same machine, so the
# per-round ratio of CPU per request A/B cancels drift between rounds; the
# target is judged on the median of those ratios.
declare -A S_RPS S_US S_RATIO
S_CPU=() S_TICKS=() S_DIFF=()
selected() { [[ " ${PAIRS:-$1} " == *" $2 "* ]]; }
run_pairs() {
	local all="" pair id a b side round order port path script r rps us n cpus ticks ustk
	local -A cur
	for pair in "$@"; do all+="${pair%%|*} "; done
	OTHERS0=$(others_ticks)
	for round in $(seq "$ROUNDS"); do
		for pair in "$@"; do
			IFS='|' read -r id _ a b _ <<<"$pair"
			selected "$all" "$id" || continue
			if ((round % 2)); then order="a b"; else order="b a"; fi
			for side in $order; do
				if [ "$side" = a ]; then read -r port path script <<<"$a"; else read -r port path script <<<"$b"; fi
				r=$(measure "$CADDY_PID" "http://127.0.0.1:$port$path" -s "$script")
				read -r rps us n cpus ticks ustk <<<"$r"
				S_RPS[$id$side]+="$rps " S_US[$id$side]+="$us "
				S_CPU+=("$cpus") S_TICKS+=("$ticks") S_DIFF+=("$(awk -v a="$us" -v b="$ustk" 'BEGIN {d = (b - a) / a * 100; print (d < 0) ? -d : d}')")
				cur[$side]=$us
			done
			S_RATIO[$id]+="$(awk -v a="${cur[a]}" -v b="${cur[b]}" 'BEGIN {printf "%.4f", a / b}') "
		done
		echo "   round $round done"
	done
	OTHERS1=$(others_ticks)
}

med() { tr ' ' '\n' <<<"$1" | grep . | median; }

# print_pairs PAIR...: one row per selected pair: medians of A's and B's CPU
# per request and req/s, the median paired ratio A/B, the target and
# met/MISSED; then each pair's rounds, and how fine the CPU clock was.
print_pairs() {
	local all="" pair id title target t ratio ok
	for pair in "$@"; do all+="${pair%%|*} "; done
	if ((PINNED)); then
		echo "targets: the PIN=1 set (Caddy alone on core 0, wrk and the upstream on core 1)"
	else
		echo "targets: the unpinned set (PIN=1 has its own for some pairs)"
	fi
	printf '\n%-76s %9s %9s %8s %8s %7s %s\n' "pair: ratio = A/B of Caddy CPU µs per request" "A µs/req" "B µs/req" "A req/s" "B req/s" "A/B" "target"
	for pair in "$@"; do
		IFS='|' read -r id title _ _ target <<<"$pair"
		selected "$all" "$id" || continue
		t=${target%%/*}
		((PINNED)) && [[ $target == */* ]] && t=${target#*/}
		ratio=$(med "${S_RATIO[$id]}")
		# judged on the unrounded ratio; a fourth decimal when three would
		# show a miss as equal to the target
		# target "-": a reference pair, shown to explain the others
		read -r ok ratio <<<"$(awk -v r="$ratio" -v t="$t" 'BEGIN {s = sprintf("%.3f", r); if (t == "-") {print "(reference)", s; exit} if (r < t && s + 0 >= t) s = sprintf("%.4f", r); print ((r >= t) ? "met" : "MISSED"), s}')"
		[ "$t" = - ] && t="" || t=">=$t"
		printf '%-76s %9.1f %9.1f %8.0f %8.0f %7s %s %s\n' "($id) $title" \
			"$(med "${S_US[${id}a]}")" "$(med "${S_US[${id}b]}")" \
			"$(med "${S_RPS[${id}a]}")" "$(med "${S_RPS[${id}b]}")" "$ratio" "$t" "$ok"
	done
	echo
	for pair in "$@"; do
		IFS='|' read -r id _ <<<"$pair"
		selected "$all" "$id" || continue
		echo "   ($id) A µs: ${S_US[${id}a]}| B µs: ${S_US[${id}b]}| A/B: ${S_RATIO[$id]}"
	done
	clock_note
	others_note
}

# clock_note: the resolution of the CPU readings in this run.
clock_note() {
	((${#S_CPU[@]})) || return 0
	local min_cpu min_ticks diff
	min_cpu=$(printf '%s\n' "${S_CPU[@]}" | sort -g | head -1)
	min_ticks=$(printf '%s\n' "${S_TICKS[@]}" | sort -g | head -1)
	diff=$(printf '%s\n' "${S_DIFF[@]}" | median)
	printf 'CPU clock: %s. Smallest window: %.2f s of Caddy CPU (%d ticks of %d ms, so ticks alone would be good to %.1f%%); per window the two clocks differ by a median %.2f%%.\n' \
		"$([ "${CPU_CLOCK:-ns}" = ticks ] && echo "utime+stime of /proc/<pid>/stat in ticks" || echo "sum of /proc/<pid>/task/*/schedstat in ns")" \
		"$min_cpu" "$min_ticks" $((1000 / CLK_TCK)) "$(awk -v t="$min_ticks" 'BEGIN {print (t > 0) ? 200 / t : 100}')" "$diff"
}

# profile ADMIN URL SECONDS FILE [WRK OPTION...]: loads URL with wrk while
# Caddy's admin endpoint at ADMIN takes a CPU profile of SECONDS into FILE,
# then prints its top 30 functions.
profile() {
	local admin=$1 url=$2 secs=$3 file=$4 w
	shift 4
	$LOAD_CPU wrk -t1 -c"$CONNS" -d"$((secs + 2))s" "$@" "$url" >/dev/null 2>&1 &
	w=$!
	sleep 1
	curl -sf -o "$file" "http://$admin/debug/pprof/profile?seconds=$secs" || { echo "profile: $admin gave no profile" >&2; wait "$w"; return 1; }
	wait "$w" || true
	go tool pprof -top -nodecount=30 "$CADDY" "$file" 2>/dev/null
}

# judge_pairs PAIR...: the selected pairs measured on Caddy CADDY_PID, the
# table, and with PROFILE=<id> the profile of that pair's side B through the
# admin endpoint at ADMIN (saved in OUT); ends that Caddy.
judge_pairs() {
	echo "== CPU per request: $ROUNDS rounds of $DURATION per side, $CONNS connections, alternating"
	run_pairs "$@"
	echo
	print_pairs "$@"
	[ -z "${PROFILE:-}" ] || profile_pair "$PROFILE" "$ADMIN" "$OUT" "$@"
	stop "$CADDY_PID"
}

# peak_rss NAME SITE PORT SCRIPT PATH...: a fresh Caddy serving SITE on
# PORT, loaded by wrk (two threads, MEMCONNS connections, DURATION) with
# SCRIPT on each PATH in turn; prints its peak RSS (VmHWM) in KiB, and
# wrk's req/s and non-2xx count on stderr.
peak_rss() {
	local name=$1 body=$2 port=$3 script=$4 path
	shift 4
	{ caddy_global; site "$port" "$body"; } >"$OUT/Caddyfile.$name"
	start_caddy "$OUT/Caddyfile.$name" "$OUT/caddy.$name.log"
	for path in "$@"; do
		$LOAD_CPU wrk -t2 -c"$MEMCONNS" -d"$DURATION" -s "$script" "http://127.0.0.1:$port$path" 2>&1 |
			awk -v l="$name $path" '/Requests\/sec|Non-2xx|Socket errors/ {printf "   %s: %s\n", l, $0}' >&2
	done
	awk '/VmHWM/ {print $2}' "/proc/$CADDY_PID/status"
	stop "$CADDY_PID"
}

# profile_pair ID ADMIN OUT PAIR...: the CPU profile (PROFILE_SECONDS,
# default 10) of side B of pair ID, saved in OUT, its top 30 printed.
profile_pair() {
	local id=$1 admin=$2 out=$3 pair spec="" title b port path script secs
	shift 3
	for pair in "$@"; do [ "${pair%%|*}" = "$id" ] && spec=$pair; done
	[ -n "$spec" ] || { echo "PROFILE=$id: no such pair" >&2; exit 1; }
	IFS='|' read -r _ title _ b _ <<<"$spec"
	read -r port path script <<<"$b"
	secs="${PROFILE_SECONDS:-10}"
	echo
	echo "== CPU profile of Caddy, ${secs}s, side B of ($id) $title: $port $path"
	profile "$admin" "http://127.0.0.1:$port$path" "$secs" "$out/profile.$id.pb.gz" -s "$script"
	echo "   (saved: $out/profile.$id.pb.gz; go tool pprof -top -cum $CADDY $out/profile.$id.pb.gz for the cumulative view)"
}

# others_ticks: "machine-busy harness wall" in clock ticks: the CPU time
# the whole machine spent busy (/proc/stat), the part of it that was this
# harness's (Caddy, the upstream, and this shell's finished children: wrk,
# curl, awk), and the time of day; others_note compares two readings.
others_ticks() {
	local mine
	mine=$(($(cpu_ticks "$CADDY_PID") + $(sed 's/.*) //' "/proc/$UP_PID/stat" | awk '{print $12 + $13}') + $(sed 's/.*) //' "/proc/$$/stat" | awk '{print $14 + $15}')))
	awk -v mine="$mine" -v now="$(date +%s.%N)" -v hz="$CLK_TCK" '/^cpu / {printf "%d %d %.0f\n", $2 + $3 + $4 + $7 + $8 + $9, mine, now * hz}' /proc/stat
}

# others_note: how much of the machine other processes took during the
# rounds, so a run on a busy machine says so.
others_note() {
	[ -n "${OTHERS0:-}" ] || return 0
	awk -v a="$OTHERS0" -v b="$OTHERS1" -v n="$(nproc)" -v hz="$CLK_TCK" 'BEGIN {split(a, x, " "); split(b, y, " ");
		busy = y[1] - x[1]; mine = y[2] - x[2]; wall = y[3] - x[3]; other = busy - mine; if (other < 0) other = 0
		printf "machine during the rounds: this harness %.0f%%, other processes %.0f%% of %d cores (%.0f s of CPU over %.0f s)\n", 100 * mine / (wall * n), 100 * other / (wall * n), n, other / hz, wall / hz}'
}

# gobench PACKAGE PATTERN N: the benchmarks matching PATTERN, N iterations
# each, their result lines; when the package does not build (others edit
# the tree meanwhile), what go test said, and the harness goes on.
gobench() {
	local res
	if res=$(go test -run '^$' -bench "$2" -benchmem -benchtime "$3x" "$1" 2>&1); then
		grep -E '^Benchmark' <<<"$res" || echo "   $1: no benchmark matches $2"
	else
		echo "   $1: go test failed:"
		sed 's/^/      /' <<<"$res" | head -8
	fi
}

# busy_note: how busy the machine is over a second, before the load starts
# (other sessions share it).
busy_note() {
	local a b
	a=$(awk '/^cpu / {print $2 + $3 + $4 + $7 + $8, $5 + $6}' /proc/stat)
	sleep 1
	b=$(awk '/^cpu / {print $2 + $3 + $4 + $7 + $8, $5 + $6}' /proc/stat)
	awk -v a="$a" -v b="$b" -v n="$(nproc)" 'BEGIN {split(a, x, " "); split(b, y, " "); busy = y[1] - x[1]; idle = y[2] - x[2];
		printf "machine before the load: %.0f%% of %d cores busy over 1 s (load average %s)\n", 100 * busy / (busy + idle), n, "'"$(cut -d' ' -f1-3 /proc/loadavg)"'"}'
}

machine_note() {
	echo "pinning: caddy ${CADDY_CPU:-unpinned}, wrk and upstream ${LOAD_CPU:-unpinned}"
	echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(go version | cut -d' ' -f3-4), wrk $(wrk -v 2>&1 | head -1 | cut -d' ' -f2), load average now $(cut -d' ' -f1-3 /proc/loadavg)"
}
