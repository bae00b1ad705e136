package htmlrewrite

import (
	"bytes"
	"strings"
	"testing"
)

// TestModuleElement: Block is told which script is a module and which an import map
// (the type compared as browsers compare it), so that the caller reads their text for
// the URLs the module loader fetches, which the guard cannot intercept; a held one is
// neutralised as any inline script, and a long one is told so in every window it is
// asked about, and cut where a window matches, as a long classic script is.
func TestModuleElement(t *testing.T) {
	const mod = `import "https://tracker.test/x.js";`
	const imap = `{"imports":{"trk":"https://tracker.test/x.js"}}`
	type kinds struct{ module, importmap bool }
	m, im, classic := kinds{true, false}, kinds{false, true}, kinds{}
	tests := []struct {
		in   string
		want []kinds // of each call, in order
	}{
		{`<script type="module">` + mod + `</script>`, []kinds{m}},
		{`<script type=MODULE>` + mod + `</script>`, []kinds{m}},
		{"<script type=\" \tModule\n\f\r\">" + mod + `</script>`, []kinds{m}},
		{`<script TYPE='module' async>` + mod + `</script>`, []kinds{m}},
		{`<svg><script type="module">` + mod + `</script></svg>`, []kinds{m}},
		{`<script type="module" src="/own.js"></script>`, []kinds{m}},
		{`<script type="importmap">` + imap + `</script>`, []kinds{im}},
		{"<script type=\"\nIMPORTMAP \">" + imap + `</script>`, []kinds{im}},
		{`<svg><script type="importmap">` + imap + `</script></svg>`, []kinds{im}},
		{`<script>` + mod + `</script>`, []kinds{classic}},
		{`<script type=text/javascript>` + mod + `</script>`, []kinds{classic}},
		{`<script type=speculationrules>` + imap + `</script>`, []kinds{classic}},
		{`<script language=module>` + mod + `</script>`, nil}, // text/module: a data block
		{`<script type="module x">` + mod + `</script>`, nil},
		{`<script type="application/importmap+json">` + imap + `</script>`, nil},
		// The first type attribute is the type.
		{`<script type=text/javascript type=module>` + mod + `</script>`, []kinds{classic}},
		{`<script type=module type=text/javascript>` + mod + `</script>`, []kinds{m}},
	}
	for _, tc := range tests {
		var got []kinds
		cfg := &Config{Block: func(e Element) string {
			got = append(got, kinds{e.Module, e.ImportMap})
			return ""
		}}
		out := rewriteAll(t, []byte(tc.in), cfg)
		if string(out) != tc.in {
			t.Errorf("%q: changed to %q", tc.in, out)
		}
		if len(got) != len(tc.want) {
			t.Errorf("%q: calls %v, want %v", tc.in, got, tc.want)
			continue
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("%q: calls %v, want %v", tc.in, got, tc.want)
				break
			}
		}
	}

	// Held back, each is neutralised as any inline script: the guard gives the type back.
	urlBlock := func(e Element) string {
		if (e.Module || e.ImportMap) && bytes.Contains(e.Inline, []byte("//tracker.test")) {
			return "statistics"
		}
		return ""
	}
	for _, ty := range []string{"module", "importmap"} {
		text := mod
		if ty == "importmap" {
			text = imap
		}
		in := `<script type="` + ty + `">` + text + `</script>`
		want := `<script type="text/plain" data-consent="statistics" data-consent-type="` + ty + `">` + text + `</script>`
		if out := rewriteAll(t, []byte(in), &Config{Block: urlBlock}); string(out) != want {
			t.Errorf("held back:\n got %s\nwant %s", out, want)
		}
	}

	// Longer than the hold limit: each window it is asked about says so, and a URL in a
	// later window cuts it there (the module's start, cut, does not parse: it runs nothing).
	for _, ty := range []string{"module", "importmap"} {
		long := `<script type=` + ty + `>import "/` + strings.Repeat("a", 300) + `.js"; import "https://tracker.test/x.js";</script>`
		var calls, told int
		out := rewriteAll(t, []byte(long), &Config{MaxHold: 64, Block: func(e Element) string {
			calls++
			if e.Module == (ty == "module") && e.ImportMap == (ty == "importmap") {
				told++
			}
			return urlBlock(e)
		}})
		if calls < 2 || told != calls {
			t.Errorf("long %s: %d of %d calls told so", ty, told, calls)
		}
		if !bytes.HasPrefix(out, []byte(`<script type=`+ty+`>import "/aaa`)) ||
			!bytes.Contains(out, []byte(`--></script><script type="text/plain" data-consent="statistics" data-consent-cut>`)) ||
			bytes.Count(out, []byte("tracker.test")) != 1 || !bytes.Contains(out, []byte(`data-consent-cut>`)) ||
			bytes.Index(out, []byte("tracker.test")) < bytes.Index(out, []byte("data-consent-cut>")) {
			t.Errorf("long %s: not cut before the tracker's URL: %s", ty, out)
		}
	}
}
