// Command upstream is the loopback API behind Caddy in the load harnesses:
// /ok reads the request body and answers 200 with a small JSON body; /bad
// answers a 400: a JSON validation error, or for a client whose Accept names
// text/html (a browser) the framework-style HTML error page of page.go, as
// a web app that serves both an API and pages answers (Express's
// res.format, Django, Rails).
// /bomb/* answer a 400 whose compressed body declares far more than it
// holds (the bombs suite of bench/cmd/load):
//
//	/bomb/br          brotli: WBITS 24 and an uncompressed 16 MiB meta-block, 40 bytes
//	/bomb/zstd        zstd: a 64 MiB window, 512 RLE blocks of 128 KiB, 2 KiB
//	/bomb/zstd-single zstd: single segment, 64 MiB content size, 2 KiB
//	/bomb/gzip-chain  2600 nested gzip layers, Content-Encoding listing each
//	/bomb/zstd-chain  3000 nested zstd layers, likewise
package main

import (
	"bytes"
	"encoding/binary"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

var (
	okBody = []byte(`{"ok":true,"items":[1,2,3],"next":null}`)
	// petsBody is a list of pets of about 1 KiB.
	petsBody = func() []byte {
		var b strings.Builder
		b.WriteString("[")
		for i := 0; b.Len() < 1000; i++ {
			if i > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, `{"id":%d,"name":"pet number %d","tag":"dog","age":3}`, i, i)
		}
		b.WriteString("]")
		return []byte(b.String())
	}()
	badBody = []byte(`{"message":"email is not a valid address","code":"validation_failed","errors":[{"field":"email","message":"Invalid email format"}]}`)
)

// bomb is a compressed 400 body and the Content-Encoding that labels it.
type bomb struct {
	coding string
	body   []byte
}

// brotliBomb: WBITS 24 (bits 1, 111), ISLAST 0, MNIBBLES 6 (10),
// MLEN-1 = 0xFFFFFF, ISUNCOMPRESSED 1: exactly 32 bits, then the payload as
// the start of the meta-block's 16 MiB. A decoder that trusts the header
// allocates a 16 MiB ring buffer for it.
func brotliBomb(payload []byte) []byte {
	var v uint32 = 1 | 7<<1 | 0<<4 | 2<<5 | 0xFFFFFF<<7
	b := binary.LittleEndian.AppendUint32(nil, v|1<<31)
	return append(b, payload...)
}

// zstdBomb: one frame declaring a window of 1<<windowLog (or, single
// segment, that content size), then RLE blocks of 128 KiB, 4 bytes each.
func zstdBomb(windowLog uint, blocks int, single bool) []byte {
	b := []byte{0x28, 0xb5, 0x2f, 0xfd}
	if single {
		b = append(b, 2<<6|1<<5)
		b = binary.LittleEndian.AppendUint32(b, 1<<windowLog)
	} else {
		b = append(b, 0, byte(windowLog-10)<<3)
	}
	for i := 0; i < blocks; i++ {
		h := uint32(128<<10)<<3 | 1<<1
		if i == blocks-1 {
			h |= 1
		}
		b = append(b, byte(h), byte(h>>8), byte(h>>16), '{')
	}
	return b
}

// chain nests n layers of one coding around payload.
func chain(coding string, n int, payload []byte) bomb {
	data := payload
	for i := 0; i < n; i++ {
		var buf bytes.Buffer
		if coding == "gzip" {
			w := gzip.NewWriter(&buf)
			w.Write(data)
			w.Close()
		} else {
			w, _ := zstd.NewWriter(&buf, zstd.WithEncoderConcurrency(1))
			w.Write(data)
			w.Close()
		}
		data = buf.Bytes()
	}
	return bomb{strings.TrimSuffix(strings.Repeat(coding+", ", n), ", "), data}
}

func main() {
	addr := flag.String("listen", "127.0.0.1:9301", "address")
	flag.Parse()
	// The nested chains take seconds to build: built on the first /bomb
	// request, so the load harnesses that never ask for one start at once.
	bombs := sync.OnceValue(func() map[string]bomb {
		payload := []byte(`{"message":"the bomb's payload"}`)
		return map[string]bomb{
			"br":          {"br", brotliBomb(payload)},
			"zstd":        {"zstd", zstdBomb(26, 512, false)},
			"zstd-single": {"zstd", zstdBomb(26, 512, true)},
			"gzip-chain":  chain("gzip", 2600, payload),
			"zstd-chain":  chain("zstd", 3000, payload),
		}
	})
	mux := http.NewServeMux()
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) {
		// Read the body as an API would: unread, a body over 256 KiB makes
		// Go's server close the connection, and the proxy answers 502
		// (the validation suite posts 1 MiB bodies).
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Write(okBody)
	})
	// /pets: a ~1 KiB JSON list that conforms to bench/testdata/pets.yaml,
	// with the header it declares required (the responses pair).
	mux.HandleFunc("/pets", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Rate-Limit", "10")
		w.Write(petsBody)
	})
	mux.HandleFunc("/bad", func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.Header.Get("Accept"), "text/html") {
			h := w.Header()
			h.Set("Content-Type", "text/html; charset=utf-8")
			h.Set("X-Powered-By", "Express")
			h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
			h.Set("X-Content-Type-Options", "nosniff")
			// As Express's res.send does; without it Go's server would
			// send a body over 2 KiB chunked, which costs the proxy more.
			h.Set("Content-Length", strconv.Itoa(len(badPage)))
			w.WriteHeader(http.StatusBadRequest)
			w.Write(badPage)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		w.Write(badBody)
	})
	mux.HandleFunc("/bomb/{kind}", func(w http.ResponseWriter, r *http.Request) {
		b, ok := bombs()[r.PathValue("kind")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Encoding", b.coding)
		w.WriteHeader(http.StatusBadRequest)
		w.Write(b.body)
	})
	log.Fatal(http.ListenAndServe(*addr, mux))
}
