package validation

import (
	"fmt"
	"strings"
	"testing"
)

// An invalid parameter whose schema is reached through a chain of $refs
// is explained by the engine at the end of the chain: the same problems,
// and no more allocations, than with the schema written in place (before,
// the engine walked every link for each such request).
func TestParamThroughRefChainIsExplainedAtItsEnd(t *testing.T) {
	doc := func(depth int) string {
		var b strings.Builder
		b.WriteString("openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      parameters:\n")
		b.WriteString("        - {name: n, in: query, schema: {$ref: '#/components/schemas/S0'}}\n      responses: {'200': {description: ok}}\ncomponents:\n  schemas:\n")
		for i := 0; i < depth; i++ {
			fmt.Fprintf(&b, "    S%d: {$ref: '#/components/schemas/S%d'}\n", i, i+1)
		}
		fmt.Fprintf(&b, "    S%d: {type: integer, minimum: 1}\n", depth)
		path := t.TempDir() + fmt.Sprintf("/chain%d.yaml", depth)
		writeFile(t, path, b.String())
		return path
	}
	direct, err := Load(doc(0), Options{})
	if err != nil {
		t.Fatal(err)
	}
	chain, err := Load(doc(2000), Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, target := range []string{"/a?n=0", "/a?n=x"} {
		r := req{method: "GET", target: target}
		od, oc := run(t, direct, r), run(t, chain, r)
		if got, want := strings.Join(problems(oc.res), ","), strings.Join(problems(od.res), ","); got != want || want == "" {
			t.Errorf("%s: through the chain %q, direct %q", target, got, want)
		}
		ad := testing.AllocsPerRun(20, func() { run(t, direct, r) })
		ac := testing.AllocsPerRun(20, func() { run(t, chain, r) })
		if ac > ad {
			t.Errorf("%s: %v allocations through the chain, %v direct", target, ac, ad)
		}
	}
}
