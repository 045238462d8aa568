package harness

import (
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"time"
)

// Pair is one comparison, a table entry: side A (what B replaces, or is
// compared with) and side B, each a site configuration and the request
// wrk sends it. It is judged on the ratio A/B of Caddy's CPU time per
// request: at least Target (PinTarget under Options.Pin, when set); a
// pair without a target is a reference, shown to explain the others. A
// ratio below 1 means B costs more.
type Pair struct {
	ID, Title string
	A, B      Side
	Target    float64
	PinTarget float64
}

// Side is one configuration under load. Sides with the same Site share
// one site block (one port) of the Caddy that serves them all.
type Side struct {
	Site string  // the site block's directives
	Path string  // what wrk asks for
	Req  Request // how it asks
	// Status and Type are the answer expected (Type: how its
	// Content-Type starts), checked once before the rounds: a side that
	// answers something else is not measuring what its pair says.
	Status int
	Type   string
}

// Bench is one Caddy serving every site of a suite's pairs.
type Bench struct {
	h      *H
	pairs  []Pair
	ports  map[string]int // site directives → port
	caddy  *Proc
	admin  string
	script map[string]string // request name → its wrk script
}

// ServePairs starts one Caddy with a site for each distinct Site of
// pairs, on consecutive ports from firstPort (the admin endpoint on
// admin when a profile is asked for), then checks what every side
// answers.
func (h *H) ServePairs(pairs []Pair, firstPort int, admin string) (*Bench, error) {
	b := &Bench{h: h, pairs: pairs, ports: map[string]int{}, script: map[string]string{}}
	if h.Opt.Profile != "" {
		b.admin = admin
	}
	var sites []Site
	for _, p := range pairs {
		for _, s := range []Side{p.A, p.B} {
			if _, ok := b.ports[s.Site]; !ok {
				b.ports[s.Site] = firstPort + len(sites)
				sites = append(sites, Site{Port: firstPort + len(sites), Body: s.Site})
			}
			if _, ok := b.script[s.Req.Name]; !ok {
				file, err := h.Script(s.Req)
				if err != nil {
					return nil, err
				}
				b.script[s.Req.Name] = file
			}
		}
	}
	caddy, err := h.StartCaddy("pairs", h.Caddyfile(b.admin, sites...))
	if err != nil {
		return nil, err
	}
	b.caddy = caddy
	h.Printf("== sanity: what each configuration answers (status, bytes, type)\n")
	probed := map[string]bool{}
	for _, p := range pairs {
		for _, s := range []Side{p.A, p.B} {
			key := fmt.Sprint(b.Port(s), s.Path, s.Req.Name)
			if probed[key] {
				continue
			}
			probed[key] = true
			if _, err := b.Probe(s); err != nil {
				return nil, err
			}
		}
	}
	return b, nil
}

// Port is the port of s's site.
func (b *Bench) Port(s Side) int { return b.ports[s.Site] }

// URL is what wrk loads for s.
func (b *Bench) URL(s Side) string { return fmt.Sprintf("http://127.0.0.1:%d%s", b.Port(s), s.Path) }

// Answer is one request's answer, as the sanity check saw it.
type Answer struct {
	Status int
	Type   string
	Body   []byte
}

// Probe sends s's request once, shows the answer and fails unless it has
// the status and type s expects.
func (b *Bench) Probe(s Side) (Answer, error) {
	a, err := Send(b.URL(s), s.Req)
	if err != nil {
		return a, err
	}
	b.h.Printf("   %d %-12s %-8s -> %d %d %s\n", b.Port(s), s.Path, s.Req.Name, a.Status, len(a.Body), a.Type)
	if a.Status != s.Status || !strings.HasPrefix(a.Type, s.Type) {
		return a, fmt.Errorf("%s with %s: expected %d %s", b.URL(s), s.Req.Name, s.Status, s.Type)
	}
	return a, nil
}

// Send sends r to url once (no compression asked for: wrk asks for none).
func Send(url string, r Request) (Answer, error) {
	req, err := http.NewRequest(r.method(), url, strings.NewReader(r.body()))
	if err != nil {
		return Answer{}, err
	}
	if r.Body == "" && r.Pad == 0 {
		req.Body, req.ContentLength = nil, 0
	}
	for _, h := range r.Headers {
		k, v, _ := strings.Cut(h, ":")
		req.Header.Set(k, strings.TrimSpace(v))
	}
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableCompression: true}}
	resp, err := client.Do(req)
	if err != nil {
		return Answer{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return Answer{Status: resp.StatusCode, Type: resp.Header.Get("Content-Type"), Body: body}, err
}

// Judge measures the selected pairs for Options.Rounds rounds, prints
// the table (and with Options.Profile the profile of that pair's side
// B), and ends this Caddy.
func (b *Bench) Judge() error {
	h := b.h
	defer h.Stop(b.caddy)
	h.Printf("== CPU per request: %d rounds of %s per side, %d connections, alternating\n", h.Opt.Rounds, h.Opt.Duration, h.Opt.Conns)
	res, err := b.rounds()
	if err != nil {
		return err
	}
	h.Printf("\n%s", formatTable(res.pairs, h.Opt.Pin))
	h.Printf("%s", h.clockNote(res.all))
	h.Printf("%s", h.othersNote(res.others0, res.others1))
	if h.Opt.Profile != "" {
		return b.profile(h.Opt.Profile)
	}
	return nil
}

// roundsResult is what the rounds measured.
type roundsResult struct {
	pairs            []PairResult
	all              []Measurement // every window, for the clock note
	others0, others1 machineTicks
}

// rounds measures each selected pair's A and B back to back, round
// after round, alternating which goes first so that neither always runs
// warm. Within a round both sides see the same machine, so the
// per-round ratio A/B cancels drift between rounds.
func (b *Bench) rounds() (roundsResult, error) {
	h := b.h
	var r roundsResult
	for _, p := range b.pairs {
		if h.Selected(p.ID) {
			t := p.Target
			if h.Opt.Pin && p.PinTarget != 0 {
				t = p.PinTarget
			}
			r.pairs = append(r.pairs, PairResult{ID: p.ID, Title: p.Title, Target: t})
		}
	}
	var err error
	if r.others0, err = h.machineTicks(b.caddy); err != nil {
		return r, err
	}
	for round := 1; round <= h.Opt.Rounds; round++ {
		i := 0
		for _, p := range b.pairs {
			if !h.Selected(p.ID) {
				continue
			}
			pr := &r.pairs[i]
			i++
			order := []byte("ab")
			if round%2 == 0 {
				order = []byte("ba")
			}
			var us [2]float64
			for _, side := range order {
				s, list := p.A, &pr.A
				if side == 'b' {
					s, list = p.B, &pr.B
				}
				m, err := h.Measure(b.caddy, b.URL(s), b.script[s.Req.Name])
				if err != nil {
					return r, err
				}
				*list = append(*list, m)
				r.all = append(r.all, m)
				us[side-'a'] = m.US
			}
			pr.Ratios = append(pr.Ratios, us[0]/us[1])
		}
		h.Printf("   round %d done\n", round)
	}
	r.others1, err = h.machineTicks(b.caddy)
	return r, err
}

// profile takes a CPU profile of side B of pair id under load.
func (b *Bench) profile(id string) error {
	for _, p := range b.pairs {
		if p.ID != id {
			continue
		}
		h := b.h
		secs := h.Opt.ProfileSeconds
		h.Printf("\n== CPU profile of Caddy, %ds, side B of (%s) %s: %d %s\n", secs, p.ID, p.Title, b.Port(p.B), p.B.Path)
		file := filepath.Join(h.Opt.Out, "profile."+id+".pb.gz")
		if err := h.Profile(b.admin, b.URL(p.B), b.script[p.B.Req.Name], secs, file); err != nil {
			return err
		}
		h.Printf("   (saved: %s; go tool pprof -top -cum %s %s for the cumulative view)\n", file, h.Caddy, file)
		return nil
	}
	return fmt.Errorf("profile %s: no such pair", id)
}
