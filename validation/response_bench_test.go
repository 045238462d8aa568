package validation

import (
	"bytes"
	"strconv"
	"testing"
)

// BenchmarkCheckResponse checks a listPets response of about 1 KiB and
// of about 100 KiB, valid and with problems: a valid body costs the
// same allocations whatever its size (the walker), an invalid one is
// explained.
//
//	go test ./validation -run '^$' -bench CheckResponse -benchmem
func BenchmarkCheckResponse(b *testing.B) {
	s := responseSpec(b, true)
	list := opByID(b, s, "listPets")
	h := hdr("Content-Type", "application/json; charset=utf-8")
	for _, n := range []int{20, 2000} {
		valid := petList(n)
		// Every pet's age negative: n problems, capped at 50 listed.
		invalid := bytes.ReplaceAll(valid, []byte(`"age":3`), []byte(`"age":-3`))
		size := strconv.Itoa((len(valid)+512)/1024) + "KiB"
		b.Run("valid-"+size, func(b *testing.B) {
			b.SetBytes(int64(len(valid)))
			b.ReportAllocs()
			for b.Loop() {
				if list.CheckResponse(200, h, valid, 0) != nil {
					b.Fatal("invalid")
				}
			}
		})
		b.Run("invalid-"+size, func(b *testing.B) {
			b.SetBytes(int64(len(invalid)))
			b.ReportAllocs()
			for b.Loop() {
				if list.CheckResponse(200, h, invalid, 0) == nil {
					b.Fatal("valid")
				}
			}
		})
	}
}
