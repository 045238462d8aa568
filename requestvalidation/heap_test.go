package requestvalidation_test

import (
	"runtime"
	"sync/atomic"
	"time"
)

// heapPeak samples the heap every 2 ms from now on (after a collection,
// so the baseline is the live heap), with read choosing the figure
// (HeapAlloc, HeapInuse). The returned stop ends the sampling and gives
// the baseline and the peak growth over it.
func heapPeak(read func(*runtime.MemStats) uint64) (stop func() (base uint64, growth int64)) {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := read(&ms)
	var peak atomic.Uint64
	done := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if v := read(&ms); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-done:
				return
			case <-time.After(2 * time.Millisecond):
			}
		}
	}()
	return func() (uint64, int64) {
		close(done)
		<-sampled
		return base, int64(peak.Load()) - int64(base)
	}
}
