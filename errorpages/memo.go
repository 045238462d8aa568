package errorpages

import (
	"sync"
	"sync/atomic"
)

// headerMemo remembers the answer computed for a request header's value
// (Accept, Accept-Language): clients send few distinct values, so most
// requests find theirs and skip the parsing. It keeps at most
// maxMemoEntries values of at most maxMemoKey bytes; past that it stops
// adding, so a client sending a new value per request costs only the
// parsing it would have cost anyway, and memory stays bounded.
type headerMemo[V any] struct {
	m sync.Map // string → V
	n atomic.Int32
}

const (
	maxMemoEntries = 1024
	maxMemoKey     = 512
)

func (c *headerMemo[V]) get(k string) (V, bool) {
	v, ok := c.m.Load(k)
	if !ok {
		var zero V
		return zero, false
	}
	return v.(V), true
}

func (c *headerMemo[V]) put(k string, v V) {
	if len(k) > maxMemoKey || c.n.Load() >= maxMemoEntries {
		return
	}
	if _, loaded := c.m.LoadOrStore(k, v); !loaded {
		c.n.Add(1)
	}
}
