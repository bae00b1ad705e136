package htmlrewrite

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/consentgate/consentgate/internal/testshared"
)

// call is what Block was asked, in a comparable form.
type call struct {
	Tag      string
	URLs     string // the URLs, quoted, space-separated
	Inline   string
	IsInline bool // Inline was non-nil
	Noscript bool
	Foreign  bool
	Partial  bool
	Module   bool // Element.Module
	ImpMap   bool // Element.ImportMap
	Base     string
	Size     string // width x height, when either is set
}

func (c call) String() string {
	var b strings.Builder
	b.WriteString(c.Tag)
	if c.URLs != "" {
		b.WriteString(" " + c.URLs)
	}
	if c.IsInline {
		b.WriteString(" inline=" + quote(c.Inline))
	}
	if c.Base != "" {
		b.WriteString(" base=" + quote(c.Base))
	}
	if c.Size != "" {
		b.WriteString(" size=" + c.Size)
	}
	if c.Noscript {
		b.WriteString(" noscript")
	}
	if c.Foreign {
		b.WriteString(" foreign")
	}
	if c.Partial {
		b.WriteString(" partial")
	}
	if c.Module {
		b.WriteString(" module")
	}
	if c.ImpMap {
		b.WriteString(" importmap")
	}
	return b.String()
}

// short is call.String cut down for messages.
func short(c call) string {
	s := c.String()
	if len(s) > 120 {
		s = s[:90] + "..." + s[len(s)-27:]
	}
	return s
}

func quote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\r", `\r`, "\t", `\t`, "\x00", `\0`).Replace(s) + `"`
}

func quoteURLs(urls []string) string {
	var b strings.Builder
	for k, u := range urls {
		if k > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(quote(u))
	}
	return b.String()
}

// recorder collects Block calls and answers with cat.
type recorder struct {
	calls []call
	cat   func(Element) string
}

func (rec *recorder) block(e Element) string {
	c := call{Tag: e.Tag, URLs: quoteURLs(e.URLs), Noscript: e.InNoscript, Foreign: e.Foreign,
		Partial: e.Partial, Module: e.Module, ImpMap: e.ImportMap, Base: e.Base}
	if len(e.URLs) > 0 && e.Src != e.URLs[0] || len(e.URLs) == 0 && e.Src != "" {
		c.Tag += "!src=" + quote(e.Src)
	}
	if e.Width != "" || e.Height != "" {
		c.Size = e.Width + "x" + e.Height
	}
	if e.Inline != nil {
		c.IsInline = true
		c.Inline = string(e.Inline)
	}
	rec.calls = append(rec.calls, c)
	if rec.cat == nil {
		return ""
	}
	return rec.cat(e)
}

// fixed returns an insertion that is always b.
func fixed(b string) func(Doc) []byte {
	return func(Doc) []byte { return []byte(b) }
}

func matchAll(Element) string { return "x" }

// rewriteAll runs in through a fresh Rewriter in one Write.
func rewriteAll(tb testing.TB, in []byte, cfg *Config) []byte {
	tb.Helper()
	var out bytes.Buffer
	r := New(&out, cfg)
	if _, err := r.Write(in); err != nil {
		tb.Fatal(err)
	}
	if err := r.Close(); err != nil {
		tb.Fatal(err)
	}
	return out.Bytes()
}

// rewriteChunks writes in cut at the given offsets (ascending), calling Flush after the
// chunks whose index is in flushes.
func rewriteChunks(tb testing.TB, r *Rewriter, out *bytes.Buffer, in []byte, cuts []int, flushes map[int]bool) []byte {
	tb.Helper()
	prev := 0
	for k, c := range append(cuts, len(in)) {
		if _, err := r.Write(in[prev:c]); err != nil {
			tb.Fatal(err)
		}
		prev = c
		if flushes[k] {
			if err := r.Flush(); err != nil {
				tb.Fatal(err)
			}
		}
	}
	if err := r.Close(); err != nil {
		tb.Fatal(err)
	}
	return out.Bytes()
}

type html5libCase struct {
	file     string
	line     int
	data     string
	fragment bool
}

var (
	html5libOnce  sync.Once
	html5libCases []html5libCase
	html5libErr   error
)

// html5libTests reads every #data section of the html5lib tree-construction tests that
// come with golang.org/x/net.
func html5libTests(tb testing.TB) []html5libCase {
	tb.Helper()
	html5libOnce.Do(func() {
		out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "golang.org/x/net").Output()
		if err != nil {
			html5libErr = err
			return
		}
		dir := filepath.Join(strings.TrimSpace(string(out)), "html", "testdata", "html5lib-tests", "tree-construction")
		files, _ := filepath.Glob(filepath.Join(dir, "*.dat"))
		more, _ := filepath.Glob(filepath.Join(dir, "scripted", "*.dat"))
		files = append(files, more...)
		for _, f := range files {
			cases, err := readDat(f)
			if err != nil {
				html5libErr = err
				return
			}
			html5libCases = append(html5libCases, cases...)
		}
	})
	if html5libErr != nil {
		tb.Fatal(html5libErr)
	}
	if len(html5libCases) < 1000 {
		tb.Fatalf("only %d html5lib cases found", len(html5libCases))
	}
	return html5libCases
}

// readDat parses the html5lib .dat format: a test starts with a "#data" line (first in
// the file or after an empty line); its input is the lines up to the next line starting
// with '#', without the last newline.
func readDat(path string) ([]html5libCase, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	name := filepath.Base(filepath.Dir(path)) + "/" + filepath.Base(path)
	if filepath.Base(filepath.Dir(path)) == "tree-construction" {
		name = filepath.Base(path)
	}
	var cases []html5libCase
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	var cur *html5libCase
	var data []string
	inData, prevBlank, ln := false, true, 0
	for sc.Scan() {
		ln++
		line := sc.Text()
		switch {
		case line == "#data" && prevBlank:
			if cur != nil {
				cases = append(cases, *cur)
			}
			cur = &html5libCase{file: name, line: ln}
			data = data[:0]
			inData = true
		case inData && strings.HasPrefix(line, "#"):
			cur.data = strings.Join(data, "\n")
			inData = false
		case inData:
			data = append(data, line)
		case line == "#document-fragment" && cur != nil:
			cur.fragment = true
		}
		prevBlank = line == ""
	}
	if cur != nil {
		cases = append(cases, *cur)
	}
	return cases, sc.Err()
}

var (
	corpusOnce  sync.Once
	corpusFiles map[string][]byte
	corpusNames []string
)

// corpus returns the shared corpus pages by name (folder/file).
func corpus(tb testing.TB) ([]string, map[string][]byte) {
	tb.Helper()
	pages := testshared.CorpusPages(tb)
	corpusOnce.Do(func() {
		corpusFiles = map[string][]byte{}
		for _, p := range pages {
			b, err := os.ReadFile(p)
			if err != nil {
				tb.Fatal(err)
			}
			name := filepath.Base(filepath.Dir(p)) + "/" + filepath.Base(p)
			corpusFiles[name] = b
			corpusNames = append(corpusNames, name)
		}
	})
	return corpusNames, corpusFiles
}
