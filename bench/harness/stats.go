package harness

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// PairResult is what the rounds measured for one pair: each side's
// windows and the per-round ratios A/B of CPU per request.
type PairResult struct {
	ID, Title string
	Target    float64 // 0: a reference pair
	A, B      []Measurement
	Ratios    []float64
}

// Median is the middle of xs, or the mean of the two middle values; 0
// for none.
func Median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// judge says whether ratio meets target and how to show it: three
// decimals, or four when three would show a miss as equal to the target.
// A target of 0 is a reference pair's.
func judge(ratio, target float64) (verdict, shown string) {
	shown = strconv.FormatFloat(ratio, 'f', 3, 64)
	if target == 0 {
		return "(reference)", shown
	}
	if r, _ := strconv.ParseFloat(shown, 64); ratio < target && r >= target {
		shown = strconv.FormatFloat(ratio, 'f', 4, 64)
	}
	if ratio >= target {
		return "met", shown
	}
	return "MISSED", shown
}

func field(ms []Measurement, f func(Measurement) float64) []float64 {
	out := make([]float64, len(ms))
	for i, m := range ms {
		out[i] = f(m)
	}
	return out
}

func us(m Measurement) float64  { return m.US }
func rps(m Measurement) float64 { return m.RPS }

// formatTable is the pairs' table: one row per pair with the medians of
// A's and B's CPU per request and req/s, the median ratio A/B, the
// target and the verdict; then each pair's rounds.
func formatTable(pairs []PairResult, pinned bool) string {
	var b strings.Builder
	if pinned {
		b.WriteString("targets: the -pin set (Caddy alone on core 0, wrk and the upstream on core 1)\n")
	} else {
		b.WriteString("targets: the unpinned set (-pin has its own for some pairs)\n")
	}
	fmt.Fprintf(&b, "\n%-76s %9s %9s %8s %8s %7s %s\n", "pair: ratio = A/B of Caddy CPU µs per request", "A µs/req", "B µs/req", "A req/s", "B req/s", "A/B", "target")
	for _, p := range pairs {
		verdict, shown := judge(Median(p.Ratios), p.Target)
		target := ""
		if p.Target != 0 {
			target = ">=" + strconv.FormatFloat(p.Target, 'f', 2, 64)
		}
		fmt.Fprintf(&b, "%-76s %9.1f %9.1f %8.0f %8.0f %7s %s %s\n", "("+p.ID+") "+p.Title,
			Median(field(p.A, us)), Median(field(p.B, us)), Median(field(p.A, rps)), Median(field(p.B, rps)), shown, target, verdict)
	}
	b.WriteString("\n")
	for _, p := range pairs {
		fmt.Fprintf(&b, "   (%s) A µs: %s | B µs: %s | A/B: %s\n", p.ID, list(field(p.A, us), 3), list(field(p.B, us), 3), list(p.Ratios, 4))
	}
	return b.String()
}

// list is xs with prec decimals, separated by spaces.
func list(xs []float64, prec int) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = strconv.FormatFloat(x, 'f', prec, 64)
	}
	return strings.Join(s, " ")
}
