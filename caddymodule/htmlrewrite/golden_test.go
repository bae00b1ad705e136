package htmlrewrite

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/golden.txt with the current output")

// goldenConfig is the configuration every golden case runs with.
func goldenConfig(rec *recorder) *Config {
	rec.cat = func(e Element) string {
		urls := strings.Join(e.URLs, " ")
		switch {
		case strings.Contains(urls, "weird"):
			return `we"ird&cat`
		case strings.Contains(urls, "track"), bytes.Contains(e.Inline, []byte("track(")),
			bytes.Contains(e.Inline, []byte("track.example")):
			return "marketing"
		case strings.Contains(urls, "stats"), bytes.Contains(e.Inline, []byte("stats(")):
			return "statistics"
		case e.Partial:
			return "partial"
		}
		return ""
	}
	return &Config{
		Head:    func(d Doc) []byte { return []byte("<!--H" + d.Lang + "-->") },
		BodyEnd: func(d Doc) []byte { return []byte("<!--B" + d.Lang + "-->") },
		Placeholder: func(d Doc, e Element, cat string) []byte {
			return []byte("<!--P " + e.Tag + " " + cat + " " + e.Width + "x" + e.Height + "-->")
		},
		Block: rec.block,
	}
}

type goldenCase struct {
	name       string
	in, out    string
	calls      string
	outSection bool
}

// The golden file holds cases as
//
//	=== name
//	--- in
//	<input>
//	--- out
//	<expected output>
//	--- calls
//	<one Block call a line, as call.String prints it>
//
// A section's text is the lines between its marker and the next one, without the line
// break before the marker and without empty lines at its end. A case without "--- out"
// expects its input back. \uFEFF, \r and \0 stand for those characters.
func readGolden(t *testing.T) []goldenCase { return readGoldenF(t) }

func readGoldenF(tb testing.TB) []goldenCase {
	b, err := os.ReadFile("testdata/golden.txt")
	if err != nil {
		tb.Fatal(err)
	}
	var cases []goldenCase
	var cur *goldenCase
	var sec *string
	var lines []string
	flush := func() {
		// Empty lines at the end of a section only separate cases.
		for len(lines) > 0 && lines[len(lines)-1] == "" {
			lines = lines[:len(lines)-1]
		}
		if sec != nil {
			*sec = strings.Join(lines, "\n")
		}
		lines = nil
	}
	for _, line := range strings.Split(string(b), "\n") {
		switch {
		case cur == nil && strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "=== "):
			flush()
			cases = append(cases, goldenCase{name: strings.TrimPrefix(line, "=== ")})
			cur = &cases[len(cases)-1]
			sec = nil
		case cur != nil && line == "--- in":
			flush()
			sec = &cur.in
		case cur != nil && line == "--- out":
			flush()
			sec = &cur.out
			cur.outSection = true
		case cur != nil && line == "--- calls":
			flush()
			sec = &cur.calls
		case sec != nil:
			lines = append(lines, line)
		}
	}
	flush()
	for i := range cases {
		if !cases[i].outSection {
			cases[i].out = cases[i].in
		}
		// Invisible bytes are written as escapes in the file.
		cases[i].in = unescapeGolden(cases[i].in)
		cases[i].out = unescapeGolden(cases[i].out)
	}
	return cases
}

var goldenEscapes = strings.NewReplacer(`\uFEFF`, "\uFEFF", `\r`, "\r", `\0`, "\x00")

func unescapeGolden(s string) string { return goldenEscapes.Replace(s) }

func writeGolden(t *testing.T, cases []goldenCase) {
	var b strings.Builder
	b.WriteString("# Golden cases for the HTML rewriter; see golden_test.go for the format and the\n")
	b.WriteString("# configuration (Head <!--H-->, BodyEnd <!--B--> with the page's language, placeholders\n")
	b.WriteString("# <!--P tag category size-->, Block by \"track\" in a URL, \"track(\" or \"track.example\" inline,\n")
	b.WriteString("# \"stats\", \"weird\"; partial elements \"partial\").\n")
	esc := strings.NewReplacer("\uFEFF", `\uFEFF`, "\r", `\r`, "\x00", `\0`)
	for _, c := range cases {
		fmt.Fprintf(&b, "\n=== %s\n--- in\n%s\n", c.name, esc.Replace(c.in))
		if c.out != c.in {
			fmt.Fprintf(&b, "--- out\n%s\n", esc.Replace(c.out))
		}
		if c.calls != "" {
			fmt.Fprintf(&b, "--- calls\n%s\n", c.calls)
		}
	}
	if err := os.WriteFile("testdata/golden.txt", []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestGolden(t *testing.T) {
	cases := readGolden(t)
	if len(cases) < 50 {
		t.Fatalf("only %d golden cases", len(cases))
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec := &recorder{}
			out := string(rewriteAll(t, []byte(c.in), goldenConfig(rec)))
			var calls []string
			for _, cl := range rec.calls {
				calls = append(calls, cl.String())
			}
			got := strings.Join(calls, "\n")
			if *update {
				cases[i].out, cases[i].calls = out, got
				return
			}
			if out != c.out {
				t.Errorf("output\n got: %q\nwant: %q", out, c.out)
			}
			if got != c.calls {
				t.Errorf("calls\n got: %s\nwant: %s", got, c.calls)
			}
			// Nothing inserted and nothing blocked: the input comes back.
			if id := rewriteAll(t, []byte(c.in), &Config{Block: func(Element) string { return "" }}); string(id) != c.in {
				t.Errorf("no-op output differs: %q", id)
			}
		})
	}
	if *update {
		writeGolden(t, cases)
	}
}
