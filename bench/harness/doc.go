// Package harness measures Caddy as it runs, under load from wrk: it
// builds Caddy (cmd/caddy) and the loopback upstream (bench/upstream),
// serves the configurations to compare as sites of one Caddy process, and
// judges each pair of them on Caddy's CPU time per request. The suites
// that use it are in bench/cmd/load.
//
// What a newcomer reads, one job per file:
//
//	harness.go   Options (rounds, duration, connections …) and H, which
//	             owns every process it starts and ends them in Close
//	process.go   building, starting Caddy and the upstream, waiting for
//	             their ports, stopping them
//	caddyfile.go the Caddyfiles and the wrk request scripts
//	measure.go   one wrk run and Caddy's CPU time over it
//	pairs.go     Pair (a table entry: two site configs and the request
//	             each gets) and the alternating rounds that measure them
//	stats.go     medians, the ratio A/B judged on its target, the table
//	rss.go       peak RSS of a fresh Caddy under load
//	machine.go   how busy the machine was, what it is, the Go benchmarks
//	             and CPU profiles
//
// # What is measured
//
// Caddy's CPU time per request: the sum over its threads of the first
// field of /proc/<pid>/task/*/schedstat (the scheduler's sum_exec_runtime,
// in ns) before and after a wrk run, divided by the requests wrk
// completed. utime + stime of /proc/<pid>/stat, in clock ticks, is read
// beside it (Options.CPUClock "ticks" judges on it instead); the table's
// footer says how far the two clocks differed. A pair's sides run back to
// back within a round, alternating which goes first, so the per-round
// ratio A/B cancels the drift of a shared machine between rounds; a pair
// is judged on the median of those ratios, with throughput shown beside
// it.
package harness
