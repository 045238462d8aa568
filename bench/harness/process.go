package harness

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Proc is a process the harness started: Caddy or the upstream.
type Proc struct {
	Name string
	Pid  int    // the program's own pid (taskset execs it)
	Log  string // its stdout and stderr

	done chan struct{}
}

// Alive reports whether the process still runs.
func (p *Proc) Alive() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// gone is the error for a process that ended under the harness.
func (p *Proc) gone() error {
	return fmt.Errorf("%s (pid %d) is gone; its log says: %s", p.Name, p.Pid, tail(p.Log, 3))
}

// Build puts caddy (cmd/caddy, unless Options.CaddyBin names another)
// and bench/upstream into Options.Out.
func (h *H) Build() error {
	h.Caddy = h.Opt.CaddyBin
	if h.Caddy == "" {
		h.Caddy = filepath.Join(h.Opt.Out, "caddy")
		if err := h.goBuild(h.Caddy, "./cmd/caddy"); err != nil {
			return err
		}
	}
	h.Upstream = filepath.Join(h.Opt.Out, "upstream")
	return h.goBuild(h.Upstream, "./bench/upstream")
}

func (h *H) goBuild(out, pkg string) error {
	cmd := exec.Command("go", "build", "-o", out, pkg)
	cmd.Dir = h.Root
	cmd.Stdout, cmd.Stderr = h.Err, h.Err
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build %s: %w", pkg, err)
	}
	return nil
}

// start runs bin with args (after prefix, taskset under Pin), its output
// into log, and keeps it to be ended by Close.
func (h *H) start(name string, prefix []string, log, bin string, args ...string) (*Proc, error) {
	f, err := os.Create(log)
	if err != nil {
		return nil, err
	}
	argv := append(append(append([]string(nil), prefix...), bin), args...)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = h.Root
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		f.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &Proc{Name: name, Pid: cmd.Process.Pid, Log: log, done: make(chan struct{})}
	go func() {
		cmd.Wait()
		f.Close()
		close(p.done)
	}()
	h.mu.Lock()
	h.procs = append(h.procs, p)
	h.mu.Unlock()
	return p, nil
}

// Stop ends p (SIGTERM, then SIGKILL after 10 s) and waits for it.
func (h *H) Stop(p *Proc) {
	if !p.Alive() {
		return
	}
	syscall.Kill(p.Pid, syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		syscall.Kill(p.Pid, syscall.SIGKILL)
		<-p.done
	}
}

// Close ends every process the harness started and still runs.
func (h *H) Close() {
	h.mu.Lock()
	procs := append([]*Proc(nil), h.procs...)
	h.mu.Unlock()
	for _, p := range procs {
		h.Stop(p)
	}
}

// StartUpstream runs bench/upstream on addr (host:port), waited for.
func (h *H) StartUpstream(addr string) (*Proc, error) {
	if err := needFree(addr); err != nil {
		return nil, err
	}
	p, err := h.start("the upstream", h.loadCPU, filepath.Join(h.Opt.Out, "upstream.log"), h.Upstream, "-listen", addr)
	if err != nil {
		return nil, err
	}
	if err := waitURL("http://"+addr+"/ok", p); err != nil {
		return nil, err
	}
	h.upstream = p
	return p, nil
}

// StartCaddy writes cf as Out/Caddyfile.name, validates it and runs Caddy
// on it (log in Out/caddy.name.log); it returns once every site answers.
// First it checks that no other process holds cf's ports: others share
// this machine, and Caddy binds with SO_REUSEPORT, so a second Caddy on a
// port would silently take half of the connections while only ours is
// measured.
func (h *H) StartCaddy(name string, cf Caddyfile) (*Proc, error) {
	for _, port := range cf.Ports() {
		if err := needFree(addrOf(port)); err != nil {
			return nil, err
		}
	}
	file := filepath.Join(h.Opt.Out, "Caddyfile."+name)
	if err := os.WriteFile(file, []byte(cf.String()), 0o644); err != nil {
		return nil, err
	}
	if out, err := exec.Command(h.Caddy, "validate", "--config", file, "--adapter", "caddyfile").CombinedOutput(); err != nil {
		return nil, fmt.Errorf("caddy validate %s: %v\n%s", file, err, out)
	}
	p, err := h.start("Caddy", h.caddyCPU, filepath.Join(h.Opt.Out, "caddy."+name+".log"), h.Caddy, "run", "--config", file, "--adapter", "caddyfile")
	if err != nil {
		return nil, err
	}
	for _, s := range cf.Sites {
		if err := waitURL("http://"+addrOf(s.Port)+"/", p); err != nil {
			return nil, err
		}
	}
	return p, nil
}

func addrOf(port int) string { return "127.0.0.1:" + strconv.Itoa(port) }

// waitURL waits (10 s at most) until url gives any HTTP answer, failing
// early when p ends.
func waitURL(url string, p *Proc) error {
	client := &http.Client{Timeout: time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	for range 100 {
		if !p.Alive() {
			return p.gone()
		}
		if resp, err := client.Get(url); err == nil {
			resp.Body.Close()
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("%s never answered", url)
}

// needFree fails when something already listens on addr, saying what.
func needFree(addr string) error {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return nil
	}
	c.Close()
	_, port, _ := net.SplitHostPort(addr)
	who, _ := exec.Command("ss", "-Hltnp", "sport = :"+port).Output()
	return fmt.Errorf("%s is already in use (%s): the harness needs its ports to itself; stop that process or wait for its run to end",
		addr, strings.TrimSpace(string(who)))
}

// tail is the last n lines of a file.
func tail(file string, n int) string {
	b, err := os.ReadFile(file)
	if err != nil {
		return "(no log)"
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
