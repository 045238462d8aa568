//go:build unix

package validation

import (
	"bufio"
	"encoding/json"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"gopkg.in/yaml.v3"
)

// What loading a published document costs next to decoding its files
// with the standard decoders, in one run:
//
//	go test ./validation -run '^$' -bench 'LoadStripe|LoadTwilio|LoadDigitalOcean' -benchtime 5x -count 1
//
// cpu-ms/op is the process's CPU time (user and system, GC included) per
// operation: on a busy machine it varies less than the wall time.
// "load" is everything Load does (read, parse, resolve, walk, compile;
// nothing is left for a first request). Its extra metrics, from one more
// load after the timed ones: retained-MB is the heap the compiled Spec
// keeps (runtime.MemStats after GC), rss-peak-MB and rss-after-MB how
// much the process's resident memory grew during the load and right
// after it (Linux: VmHWM reset through /proc/self/clear_refs, VmRSS).

func BenchmarkLoadStripe(b *testing.B) {
	benchPublished(b, stripeDoc(b), "json-decode", decodeJSONFiles)
}

func BenchmarkLoadTwilio(b *testing.B) {
	benchPublished(b, twilioDoc(b), "json-decode", decodeJSONFiles)
}

func BenchmarkLoadDigitalOcean(b *testing.B) {
	benchPublished(b, digitalOceanDoc(b), "yaml-decode", decodeYAMLFiles)
}

// decodeJSONFiles reads each file and decodes it into any with
// encoding/json.
func decodeJSONFiles(b *testing.B, files []string) {
	for _, p := range files {
		data, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		var v any
		if err := json.Unmarshal(data, &v); err != nil {
			b.Fatal(err)
		}
	}
}

// decodeYAMLFiles reads each file and decodes it into any with yaml.v3.
func decodeYAMLFiles(b *testing.B, files []string) {
	for _, p := range files {
		data, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		var v any
		if err := yaml.Unmarshal(data, &v); err != nil {
			b.Fatal(err)
		}
	}
}

func benchPublished(b *testing.B, path, baseline string, decode func(*testing.B, []string)) {
	s, err := Load(path, Options{})
	if err != nil {
		b.Fatal(err)
	}
	files := s.Files()
	s = nil
	b.Run(baseline, func(b *testing.B) {
		cpu := cpuTime()
		for i := 0; i < b.N; i++ {
			decode(b, files)
		}
		b.ReportMetric(float64(cpuTime()-cpu)/1e6/float64(b.N), "cpu-ms/op")
	})
	b.Run("load", func(b *testing.B) {
		cpu := cpuTime()
		for i := 0; i < b.N; i++ {
			if _, err := Load(path, Options{}); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(cpuTime()-cpu)/1e6/float64(b.N), "cpu-ms/op")
		b.StopTimer()
		retained, peak, after, freed := loadMemory(b, path)
		b.ReportMetric(retained/(1<<20), "retained-MB")
		if peak > 0 {
			b.ReportMetric(peak/(1<<20), "rss-peak-MB")
			b.ReportMetric(after/(1<<20), "rss-after-MB")
			b.ReportMetric(freed/(1<<20), "rss-freed-MB")
		}
	})
}

// loadMemory loads the document once more and measures the heap the
// Spec retains and the growth of the resident set (0 where /proc is
// missing): its peak, right after the load, and once the garbage of the
// load is returned to the system (debug.FreeOSMemory: what Go's
// scavenger does over time, down to its heap goal).
func loadMemory(b *testing.B, path string) (retained, peak, after, freed float64) {
	var ms runtime.MemStats
	runtime.GC()
	debug.FreeOSMemory()
	runtime.ReadMemStats(&ms)
	heap0 := ms.HeapAlloc
	rss0 := procStatus("VmRSS")
	clearPeak := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
	s, err := Load(path, Options{})
	if err != nil {
		b.Fatal(err)
	}
	hwm, rss1 := procStatus("VmHWM"), procStatus("VmRSS")
	runtime.GC()
	runtime.ReadMemStats(&ms)
	retained = float64(ms.HeapAlloc) - float64(heap0)
	runtime.KeepAlive(s)
	debug.FreeOSMemory()
	rss2 := procStatus("VmRSS")
	runtime.KeepAlive(s)
	if clearPeak && rss0 > 0 {
		peak, after, freed = float64(hwm-rss0), float64(rss1-rss0), float64(rss2-rss0)
	}
	return retained, peak, after, freed
}

// procStatus reads a size in bytes from /proc/self/status; 0 when it
// cannot.
func procStatus(field string) int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return n << 10
		}
	}
	return 0
}

// cpuTime is the CPU time the process used so far, in nanoseconds (0
// where getrusage is missing).
func cpuTime() int64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
