package htmlrewrite

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// TestNoopIdentity: with nothing to insert and nothing blocked, every html5lib input and
// every corpus page comes out byte for byte, whether Block is nil or asked and says "".
func TestNoopIdentity(t *testing.T) {
	var inputs [][]byte
	for _, c := range html5libTests(t) {
		inputs = append(inputs, []byte(c.data))
	}
	names, pages := corpus(t)
	for _, n := range names {
		inputs = append(inputs, pages[n])
	}
	for _, cfg := range []*Config{nil, {Block: func(Element) string { return "" }}} {
		for k, in := range inputs {
			if out := rewriteAll(t, in, cfg); !bytes.Equal(out, in) {
				t.Errorf("input %d (block=%v): output differs\n in: %q\nout: %q", k, cfg != nil, trunc(in), trunc(out))
			}
		}
	}
}

func trunc(b []byte) []byte {
	if len(b) > 300 {
		return b[:300]
	}
	return b
}

// The oracle: golang.org/x/net/html's parser decides which elements a document has.
//
// Each Block call gets its own category ("x0", "x1", ...), so the elements of the
// rewritten document say which call neutralised them. The input and the output are
// parsed; both trees must have the same <script>, <img> and <iframe> elements (HTML
// namespace), and the k-th of them in the output must carry the category of a call that
// saw what the parser saw in the k-th of the input (its src, or its text), with the
// consent attributes in place. Every call must end up on exactly one such element, in
// the order of the calls, except:
//
//   - elements inside <noscript>: x/net parses with scripting enabled, so noscript
//     content is text to it; the rewriter scans it as markup (InNoscript) on purpose. Those
//     calls must not land on an element of the parse.
//   - <script> in foreign content (<svg>, <math>): not an HTML script element; x/net
//     creates an svg/math "script" node, the rewriter does not report it. Both sides
//     leave these out (the parse lists HTML-namespace elements only).
//   - order: foster parenting moves elements met inside a <table> before it, so the tree
//     order of a document with a table may differ from the source order the calls come in.
//     The order is checked for documents without "<table".
//   - the cases listed in oracleExcluded.

// oracleExcluded lists html5lib inputs on which the rewriter and x/net/html disagree on
// purpose, with the reason.
var oracleExcluded = map[string]string{}

type oracleElem struct {
	tag    string
	src    string
	hasSrc bool
	text   string
	attrs  []html.Attribute
}

func oracleElems(doc *html.Node) []oracleElem {
	var out []oracleElem
	for n := range doc.Descendants() {
		if n.Type != html.ElementNode || n.Namespace != "" {
			continue
		}
		switch n.Data {
		case "script", "img", "iframe":
		default:
			continue
		}
		e := oracleElem{tag: n.Data, attrs: n.Attr}
		for _, a := range n.Attr {
			if a.Namespace == "" && a.Key == "src" {
				e.src, e.hasSrc = a.Val, true
				break
			}
		}
		if n.Data == "script" {
			var b strings.Builder
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				if c.Type == html.TextNode {
					b.WriteString(c.Data)
				}
			}
			e.text = b.String()
		}
		out = append(out, e)
	}
	return out
}

func attrVal(attrs []html.Attribute, key string) (string, bool) {
	for _, a := range attrs {
		if a.Namespace == "" && a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

// normText is what the parser makes of script text.
func normText(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return strings.ReplaceAll(s, "\x00", "\uFFFD")
}

// oracleCheck compares one document; it returns the problems found.
func oracleCheck(in []byte) []string {
	var calls []call
	rec := &recorder{cat: func(Element) string { return "x" + strconv.Itoa(len(calls)) }}
	block := func(e Element) string {
		cat := rec.block(e)
		calls = rec.calls
		return cat
	}
	var out bytes.Buffer
	// The hold limit is lifted so that whole inline scripts can be compared.
	r := New(&out, &Config{Block: block, MaxHold: 64 << 20})
	r.Write(in)
	r.Close()

	docIn, err := html.Parse(bytes.NewReader(in))
	if err != nil {
		return []string{"parse input: " + err.Error()}
	}
	docOut, err := html.Parse(bytes.NewReader(out.Bytes()))
	if err != nil {
		return []string{"parse output: " + err.Error()}
	}
	ins, outs := oracleElems(docIn), oracleElems(docOut)
	var probs []string
	if len(ins) != len(outs) {
		probs = append(probs, fmt.Sprintf("input has %d elements, output %d", len(ins), len(outs)))
		return probs
	}
	seen := make([]bool, len(calls))
	last := -1
	ordered := !bytes.Contains(bytes.ToLower(in), []byte("<table"))
	for k, ei := range ins {
		eo := outs[k]
		cat, ok := attrVal(eo.attrs, "data-consent")
		if !ok {
			probs = append(probs, fmt.Sprintf("element %d (%s src=%q text=%s) not neutralised", k, ei.tag, ei.src, quote(ei.text)))
			continue
		}
		n, err := strconv.Atoi(strings.TrimPrefix(cat, "x"))
		if err != nil || n < 0 || n >= len(calls) {
			probs = append(probs, fmt.Sprintf("element %d: bad category %q", k, cat))
			continue
		}
		c := calls[n]
		if seen[n] {
			probs = append(probs, fmt.Sprintf("call %d (%v) on two elements", n, c))
		}
		seen[n] = true
		if ordered && n < last {
			probs = append(probs, fmt.Sprintf("call %d (%v) out of order", n, c))
		}
		last = n
		if c.Noscript {
			probs = append(probs, fmt.Sprintf("call %d (%v) is in noscript, the parser made it an element", n, c))
		}
		if c.Tag != ei.tag {
			probs = append(probs, fmt.Sprintf("call %d (%v) is a %s", n, c, ei.tag))
			continue
		}
		if _, has := attrVal(eo.attrs, "src"); has {
			probs = append(probs, fmt.Sprintf("call %d (%v): output still has src", n, c))
		}
		switch {
		case ei.tag == "script" && !ei.hasSrc:
			if !c.IsInline || normText(c.Inline) != ei.text {
				probs = append(probs, fmt.Sprintf("call %d (%v): parser has inline text %s", n, c, quote(ei.text)))
			}
			if eo.text != ei.text {
				probs = append(probs, fmt.Sprintf("call %d (%v): text changed to %s", n, c, quote(eo.text)))
			}
		default:
			if c.IsInline || c.Src != ei.src {
				probs = append(probs, fmt.Sprintf("call %d (%v): parser has src %q", n, c, ei.src))
			}
			if v, _ := attrVal(eo.attrs, "data-consent-src"); ei.hasSrc && v != ei.src {
				probs = append(probs, fmt.Sprintf("call %d (%v): data-consent-src %q", n, c, v))
			}
		}
		if ei.tag == "script" {
			if v, _ := attrVal(eo.attrs, "type"); v != "text/plain" {
				probs = append(probs, fmt.Sprintf("call %d (%v): type %q", n, c, v))
			}
		}
	}
	for n, c := range calls {
		if !seen[n] && !c.Noscript {
			probs = append(probs, fmt.Sprintf("call %d (%v) is no element of the parse", n, c))
		}
	}
	return probs
}

func TestOracleHTML5Lib(t *testing.T) {
	compared, fragments, excluded := 0, 0, 0
	for _, c := range html5libTests(t) {
		if c.fragment {
			// A fragment is parsed in the context of an element the rewriter never
			// sees; whole documents only.
			fragments++
			continue
		}
		if _, ok := oracleExcluded[c.data]; ok {
			excluded++
			continue
		}
		compared++
		if probs := oracleCheck([]byte(c.data)); len(probs) > 0 {
			t.Errorf("%s:%d %q:\n\t%s", c.file, c.line, c.data, strings.Join(probs, "\n\t"))
		}
	}
	t.Logf("html5lib: %d documents compared, %d fragment cases skipped, %d excluded", compared, fragments, excluded)
	if excluded != len(oracleExcluded) {
		t.Errorf("%d exclusions listed, %d used: remove the stale ones", len(oracleExcluded), excluded)
	}
}

func TestOracleCorpus(t *testing.T) {
	names, pages := corpus(t)
	for _, n := range names {
		if probs := oracleCheck(pages[n]); len(probs) > 0 {
			t.Errorf("%s:\n\t%s", n, strings.Join(probs, "\n\t"))
		}
	}
}
