package harness

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// machineTicks is one reading, in clock ticks, of the CPU time the whole
// machine spent busy (/proc/stat), the part of it that was this run's
// (Caddy, the upstream, the harness and the children it waited for: wrk,
// go), and the time of day.
type machineTicks struct {
	busy, mine int
	wall       float64
}

func (h *H) machineTicks(caddy *Proc) (machineTicks, error) {
	var t machineTicks
	cpu, err := procStatCPU()
	if err != nil {
		return t, err
	}
	t.busy = cpu[0] + cpu[1] + cpu[2] + cpu[5] + cpu[6] + cpu[7] // user nice system irq softirq steal
	for _, p := range []*Proc{caddy, h.upstream} {
		if p == nil {
			continue
		}
		st, err := procStat(p.Pid)
		if err != nil {
			return t, fmt.Errorf("%s: %w", p.Name, err)
		}
		t.mine += st.utime + st.stime
	}
	self, err := procStat(os.Getpid())
	if err != nil {
		return t, err
	}
	t.mine += self.utime + self.stime + self.cutime + self.cstime
	t.wall = float64(time.Now().UnixNano()) / 1e9 * float64(h.clkTck)
	return t, nil
}

// procStatCPU is the first line of /proc/stat: the whole machine's CPU
// time by kind, in clock ticks (user, nice, system, idle, iowait, irq,
// softirq, steal).
func procStatCPU() ([8]int, error) {
	var v [8]int
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return v, err
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return v, fmt.Errorf("/proc/stat: %q", line)
	}
	for i := range v {
		v[i], _ = strconv.Atoi(f[i+1])
	}
	return v, nil
}

// othersNote says how much of the machine other processes took between
// two readings, so a run on a busy machine says so.
func (h *H) othersNote(a, b machineTicks) string {
	busy, mine, wall := b.busy-a.busy, b.mine-a.mine, b.wall-a.wall
	other := max(busy-mine, 0)
	n := float64(numCPU())
	if wall <= 0 {
		return ""
	}
	return fmt.Sprintf("machine during the rounds: this harness %.0f%%, other processes %.0f%% of %d cores (%.0f s of CPU over %.0f s)\n",
		100*float64(mine)/(wall*n), 100*float64(other)/(wall*n), numCPU(), float64(other)/float64(h.clkTck), wall/float64(h.clkTck))
}

// clockNote gives the resolution of the CPU readings of a run: its
// smallest window, in seconds and ticks, and how far the two clocks
// differed per window.
func (h *H) clockNote(ms []Measurement) string {
	if len(ms) == 0 {
		return ""
	}
	minCPU, minTicks := ms[0].CPUSeconds, ms[0].Ticks
	var diffs []float64
	for _, m := range ms {
		minCPU = min(minCPU, m.CPUSeconds)
		minTicks = min(minTicks, m.Ticks)
		d := (m.USTicks - m.USNS) / m.USNS * 100
		if d < 0 {
			d = -d
		}
		diffs = append(diffs, d)
	}
	clock := "sum of /proc/<pid>/task/*/schedstat in ns"
	if h.Opt.CPUClock == "ticks" {
		clock = "utime+stime of /proc/<pid>/stat in ticks"
	}
	good := 100.0
	if minTicks > 0 {
		good = 200 / float64(minTicks)
	}
	return fmt.Sprintf("CPU clock: %s. Smallest window: %.2f s of Caddy CPU (%d ticks of %d ms, so ticks alone would be good to %.1f%%); per window the two clocks differ by a median %.2f%%.\n",
		clock, minCPU, minTicks, 1000/h.clkTck, good, Median(diffs))
}

// BusyNote prints how busy the machine is over a second, before the load
// starts (others share it).
func (h *H) BusyNote() {
	a, err1 := procStatCPU()
	time.Sleep(time.Second)
	b, err2 := procStatCPU()
	if err1 != nil || err2 != nil {
		return
	}
	busy := (b[0] + b[1] + b[2] + b[5] + b[6]) - (a[0] + a[1] + a[2] + a[5] + a[6])
	idle := (b[3] + b[4]) - (a[3] + a[4])
	if busy+idle <= 0 {
		return
	}
	h.Printf("machine before the load: %.0f%% of %d cores busy over 1 s (load average %s)\n", 100*float64(busy)/float64(busy+idle), numCPU(), loadAvg())
}

// MachineNote prints the pinning and what the machine is.
func (h *H) MachineNote() {
	pin := func(p []string) string {
		if len(p) == 0 {
			return "unpinned"
		}
		return strings.Join(p, " ")
	}
	h.Printf("pinning: caddy %s, wrk and upstream %s\n", pin(h.caddyCPU), pin(h.loadCPU))
	mem := ""
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if f := strings.Fields(line); len(f) > 1 && f[0] == "MemTotal:" {
				kib, _ := strconv.ParseFloat(f[1], 64)
				mem = fmt.Sprintf("%.0f GiB", kib/1048576)
			}
		}
	}
	wrkV, _ := exec.Command("wrk", "-v").CombinedOutput()
	wv := strings.Fields(string(wrkV))
	if len(wv) > 1 {
		wrkV = []byte(wv[1])
	}
	h.Printf("machine: %d cores, %s, %s, wrk %s, load average now %s\n", numCPU(), mem, goVersion(), wrkV, loadAvg())
}

func numCPU() int { return runtime.NumCPU() }

func loadAvg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

func goVersion() string {
	out, err := exec.Command("go", "version").Output()
	if f := strings.Fields(string(out)); err == nil && len(f) >= 4 {
		return f[2] + " " + f[3]
	}
	return runtime.Version()
}

// GoBench prints the result lines of the Go benchmarks of pkg matching
// pattern, n iterations each; when the package does not build (others
// edit the tree meanwhile), what go test said, and the suite goes on.
func (h *H) GoBench(pkg, pattern string, n int) {
	cmd := exec.Command("go", "test", "-run", "^$", "-bench", pattern, "-benchmem", "-benchtime", strconv.Itoa(n)+"x", pkg)
	cmd.Dir = h.Root
	out, err := cmd.CombinedOutput()
	if err != nil {
		h.Printf("   %s: go test failed:\n", pkg)
		lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
		for _, l := range lines[:min(len(lines), 8)] {
			h.Printf("      %s\n", l)
		}
		return
	}
	found := false
	for _, l := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(l, "Benchmark") {
			h.Printf("%s\n", l)
			found = true
		}
	}
	if !found {
		h.Printf("   %s: no benchmark matches %s\n", pkg, pattern)
	}
}

// GoTest runs go test with args in the repository and returns its
// output, whatever the outcome (the caller picks the lines it shows).
func (h *H) GoTest(args ...string) string {
	argv := append([]string{"go", "test"}, args...)
	if _, err := exec.LookPath("flock"); err == nil {
		// the root package's tests share fixed ports with others on a
		// shared machine
		argv = append([]string{"flock", "/tmp/caddytest.lock"}, argv...)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = h.Root
	out, _ := cmd.CombinedOutput()
	return string(out)
}

// Profile loads url with wrk while Caddy's admin endpoint at admin takes
// a CPU profile of secs seconds into file, then prints its top 30
// functions.
func (h *H) Profile(admin, url, script string, secs int, file string) error {
	w := h.wrkCmd(1, h.Opt.Conns, strconv.Itoa(secs+2)+"s", script, url)
	if err := w.Start(); err != nil {
		return err
	}
	defer w.Wait()
	time.Sleep(time.Second)
	resp, err := http.Get(fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", admin, secs))
	if err != nil {
		return fmt.Errorf("profile: %w", err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(resp.Body); err != nil || resp.StatusCode != http.StatusOK {
		return fmt.Errorf("profile: %s gave no profile (%s)", admin, resp.Status)
	}
	if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
		return err
	}
	top, _ := exec.Command("go", "tool", "pprof", "-top", "-nodecount=30", h.Caddy, file).Output()
	h.Printf("%s", top)
	return nil
}
