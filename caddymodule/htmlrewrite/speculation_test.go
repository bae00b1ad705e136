package htmlrewrite

import (
	"bytes"
	"strings"
	"testing"
)

// TestSpeculationRulesElement: Block is told which script is speculation rules (its
// type compared as browsers compare it), so that the caller reads its JSON for URLs
// rather than for a script's markers; a held one is neutralised as any inline script,
// and a long one is still told so in every window it is asked about.
func TestSpeculationRulesElement(t *testing.T) {
	const rules = `{"prefetch":[{"source":"list","urls":["https://tracker.test/pf"]}]}`
	tests := []struct {
		in   string
		want []bool // SpeculationRules of each call, in order
	}{
		{`<script type="speculationrules">` + rules + `</script>`, []bool{true}},
		{`<script type=SpeculationRules>` + rules + `</script>`, []bool{true}},
		{"<script type=\" \tSPECULATIONRULES\n\">" + rules + `</script>`, []bool{true}},
		{`<script TYPE='speculationrules' async>` + rules + `</script>`, []bool{true}},
		{`<svg><script type="speculationrules">` + rules + `</script></svg>`, []bool{true}},
		{`<script>` + rules + `</script>`, []bool{false}},
		{`<script type=module>` + rules + `</script>`, []bool{false}},
		{`<script type=importmap>` + rules + `</script>`, []bool{false}},
		{`<script type="speculation rules">` + rules + `</script>`, nil}, // a data block
		{`<script type="application/json">` + rules + `</script>`, nil},
		{`<script language=speculationrules>` + rules + `</script>`, nil},
		// The first type attribute is the type.
		{`<script type=text/javascript type=speculationrules>` + rules + `</script>`, []bool{false}},
	}
	for _, tc := range tests {
		var got []bool
		cfg := &Config{Block: func(e Element) string {
			got = append(got, e.SpeculationRules)
			return ""
		}}
		out := rewriteAll(t, []byte(tc.in), cfg)
		if string(out) != tc.in {
			t.Errorf("%s: changed to %s", tc.in, out)
		}
		if len(got) != len(tc.want) {
			t.Errorf("%s: %d calls %v, want %v", tc.in, len(got), got, tc.want)
			continue
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("%s: SpeculationRules %v, want %v", tc.in, got, tc.want)
				break
			}
		}
	}

	// Held back, it is neutralised as any inline script: the guard gives the type back.
	in := `<script type="speculationrules">` + rules + `</script>`
	out := rewriteAll(t, []byte(in), &Config{Block: func(e Element) string {
		if e.SpeculationRules && bytes.Contains(e.Inline, []byte("tracker.test")) {
			return "marketing"
		}
		return ""
	}})
	want := `<script type="text/plain" data-consent="marketing" data-consent-type="speculationrules">` + rules + `</script>`
	if string(out) != want {
		t.Errorf("held back:\n got %s\nwant %s", out, want)
	}

	// Longer than the hold limit: each window it is asked about says so.
	long := `<script type=speculationrules>{"prefetch":[{"source":"list","urls":["/` + strings.Repeat("a", 300) + `"]}]}</script>`
	var calls, spec int
	rewriteAll(t, []byte(long), &Config{MaxHold: 64, Block: func(e Element) string {
		calls++
		if e.SpeculationRules {
			spec++
		}
		return ""
	}})
	if calls < 2 || spec != calls {
		t.Errorf("long speculation rules: %d of %d calls told SpeculationRules", spec, calls)
	}
}
