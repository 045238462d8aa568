package validation

// The parser's memory: pooled parsers (getParser, putParser) and the arena
// their containers' members are carved from, reused from one body to the
// next and cleared of every reference into the last body.

import (
	"sync"
)

const (
	arenaChunk = 256 // members per chunk (16 KiB)
	keptChunks = 4   // chunks a pooled parser keeps
)

// alloc returns n members from the arena, to be filled by the caller.
func (p *jsonParser) alloc(n int) []jmember {
	if !p.pooled || n > arenaChunk/4 {
		return make([]jmember, n) // a large container gets its own
	}
	if len(p.arena)+n > cap(p.arena) {
		p.nextChunk()
	}
	l := len(p.arena)
	p.arena = p.arena[:l+n]
	return p.arena[l : l+n : l+n]
}

// nextChunk moves the arena to an empty chunk: a kept one when the
// parser is reused, else a new one. p.chunks[:p.used] are the chunks
// handed out, each with its length as used (the current one's is
// len(p.arena)).
func (p *jsonParser) nextChunk() {
	if p.used > 0 {
		p.chunks[p.used-1] = p.arena
	}
	if p.used < len(p.chunks) {
		p.arena = p.chunks[p.used][:0]
	} else {
		p.arena = make([]jmember, 0, arenaChunk)
		p.chunks = append(p.chunks, p.arena)
	}
	p.used++
}

var parserPool = sync.Pool{New: func() any { return new(jsonParser) }}

// getParser returns a pooled parser for b; putParser gives it back once
// nothing uses the values it parsed.
func getParser(b []byte, maxDepth int) *jsonParser {
	p := parserPool.Get().(*jsonParser)
	if maxDepth <= 0 {
		maxDepth = DefaultMaxDepth
	}
	p.b, p.i, p.depth, p.maxDepth, p.pooled = b, 0, 0, maxDepth, true
	return p
}

func putParser(p *jsonParser) {
	// Drop every reference into the body (strings share its memory):
	// the used part of each chunk, the stacks (their entries past len
	// are already cleared when popped) and the key path.
	if p.used > 0 {
		p.chunks[p.used-1] = p.arena
	}
	for i := 0; i < p.used; i++ {
		clear(p.chunks[i])
		p.chunks[i] = p.chunks[i][:0]
	}
	if len(p.chunks) > keptChunks {
		clear(p.chunks[keptChunks:])
		p.chunks = p.chunks[:keptChunks] // a huge body's chunks are not kept
	}
	p.used, p.arena = 0, nil
	clear(p.path[:cap(p.path)])
	clear(p.mstack)
	clear(p.astack)
	clear(p.keys)
	p.path, p.mstack, p.astack, p.keys = p.path[:0], p.mstack[:0], p.astack[:0], p.keys[:0]
	// A huge body's stacks are not kept either: a pooled parser holds
	// at most a few hundred KiB whatever it parsed.
	if cap(p.mstack) > keptStack {
		p.mstack = nil
	}
	if cap(p.astack) > keptStack {
		p.astack = nil
	}
	if cap(p.keys) > keptStack {
		p.keys = nil
	}
	if cap(p.path) > keptStack {
		p.path = nil
	}
	p.b, p.bad, p.discard = nil, false, false
	parserPool.Put(p)
}

// keptStack is the most entries a pooled parser keeps in each stack.
const keptStack = 4096

// releaseValues makes the arena's chunks free for the next values: the
// values parsed so far must no longer be used. explainAt parses failing
// members one at a time and drops each once explained, so a rejection
// holds one member's tree at a time, not the body's.
func (p *jsonParser) releaseValues() {
	if !p.pooled || p.used == 0 {
		return
	}
	p.chunks[p.used-1] = p.arena
	for i := 0; i < p.used; i++ {
		clear(p.chunks[i])
		p.chunks[i] = p.chunks[i][:0]
	}
	if len(p.chunks) > keptChunks {
		clear(p.chunks[keptChunks:])
		p.chunks = p.chunks[:keptChunks]
	}
	p.used, p.arena = 0, nil
}
