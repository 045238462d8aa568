package errorpages

import (
	"strconv"
	"strings"
	"testing"
)

// fieldMapBody is a Rails-style {"errors":{...}} body with n keys.
func fieldMapBody(n int) []byte {
	var b strings.Builder
	b.WriteString(`{"errors":{`)
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`"field_` + strconv.Itoa(i) + `":["is invalid"]`)
	}
	b.WriteString(`}}`)
	return []byte(b.String())
}

// BenchmarkParseKeys shows that parsing is linear in the number of keys:
// ns/key stays flat from 6k to 20k keys (ns/op grows ~3.3x).
func BenchmarkParseKeys(b *testing.B) {
	for _, n := range []int{6000, 20000} {
		b.Run(strconv.Itoa(n/1000)+"k", func(b *testing.B) {
			body := fieldMapBody(n)
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				Parse(body, "application/json")
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/key")
		})
	}
}
