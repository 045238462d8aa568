package errorpages

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"testing"
)

// FuzzJSONScan checks the in-place reader against encoding/json: the same
// bodies are valid (except nesting beyond maxJSONDepth, which the reader
// refuses), and walking a valid body gives the same tokens, strings
// decoded the same way.
func FuzzJSONScan(f *testing.F) {
	for _, s := range []string{
		`{"message":"hi","errors":[{"field":"a","message":"b"}],"n":-1.5e3,"t":true,"f":false,"z":null}`,
		`{"a":{},"b":[],"c":[[],{}],"d":"\u00e9\ud83d\ude00\"\\\/\b\f\n\r\t"}`,
		`"\ud83d"`, `"\udc00\ud800"`, "\"\xff\xfe\"", "\"a\x01\"", `01`, `1.`, `-`, `1e`, `[1,]`, `{"a":1,}`,
		`{"a" 1}`, `[1 2]`, ` [ ] `, `{} {}`, `tru`, `nulls`, strings.Repeat("[", 1100) + strings.Repeat("]", 1100),
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got, want := jsonValid(b), json.Valid(b)
		if got != want && !(want && nestingOf(b) > maxJSONDepth) {
			t.Fatalf("jsonValid = %v, json.Valid = %v for %q", got, want, b)
		}
		if !got {
			return
		}
		var walked []string
		d := jsonDoc(b)
		start := skipWS(b, 0)
		walkTokens(d, jval{start, jsonSkip(b, start)}, &walked)
		var ref []string
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		for {
			tok, err := dec.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("encoding/json: %v", err)
			}
			ref = append(ref, fmt.Sprintf("%T:%v", tok, tok))
		}
		if strings.Join(walked, "\n") != strings.Join(ref, "\n") {
			t.Fatalf("tokens differ for %q:\n got  %q\n want %q", b, walked, ref)
		}
	})
}

// walkTokens writes a value's tokens the way encoding/json's Decoder.Token
// formats them.
func walkTokens(d jsonDoc, v jval, out *[]string) {
	switch d.kind(v) {
	case '{':
		*out = append(*out, "json.Delim:{")
		it := d.members(v)
		for k, val, ok := it.next(); ok; k, val, ok = it.next() {
			*out = append(*out, "string:"+d.str(k))
			walkTokens(d, val, out)
		}
		*out = append(*out, "json.Delim:}")
	case '[':
		*out = append(*out, "json.Delim:[")
		it := d.elements(v)
		for e, ok := it.nextElem(); ok; e, ok = it.nextElem() {
			walkTokens(d, e, out)
		}
		*out = append(*out, "json.Delim:]")
	case '"':
		*out = append(*out, "string:"+d.str(v))
	case 't':
		*out = append(*out, "bool:true")
	case 'f':
		*out = append(*out, "bool:false")
	case 'n':
		*out = append(*out, "<nil>:<nil>")
	default:
		*out = append(*out, "json.Number:"+string(d[v.s:v.e]))
	}
}

// nestingOf returns the deepest nesting of brackets outside strings.
func nestingOf(b []byte) int {
	depth, max, inString := 0, 0, false
	for i := 0; i < len(b); i++ {
		switch c := b[i]; {
		case inString && c == '\\':
			i++
		case c == '"':
			inString = !inString
		case inString:
		case c == '{' || c == '[':
			depth++
			max = maxInt(max, depth)
		case c == '}' || c == ']':
			depth--
		}
	}
	return max
}

func maxInt(a, b int) int {
	if a > b {
		return a
	}
	return b
}

// TestJSONDepthLimit: the reader accepts nesting up to maxJSONDepth and
// refuses deeper nesting, without recursion.
func TestJSONDepthLimit(t *testing.T) {
	for _, row := range []struct {
		depth int
		valid bool
	}{{1, true}, {maxJSONDepth, true}, {maxJSONDepth + 1, false}, {100000, false}} {
		b := []byte(strings.Repeat(`[`, row.depth) + strings.Repeat(`]`, row.depth))
		if got := jsonValid(b); got != row.valid {
			t.Errorf("depth %d: valid = %v, want %v", row.depth, got, row.valid)
		}
	}
}
