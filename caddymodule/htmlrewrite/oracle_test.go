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
//   - elements the parser drops: once a <frameset> is in, the parser drops every other
//     element of the body; a <col> first in a <template> makes its content a column
//     group, where the parser drops every element but <col> and <template>. The rewriter
//     does not follow these insertion modes and may neutralise such an element, which
//     changes nothing, since it is never created. In a document whose parse has a
//     <frameset>, or a <col> child of a <template>, calls may land on no element.
//   - the cases listed in oracleExcluded.

// oracleExcluded lists html5lib inputs on which the rewriter and x/net/html disagree on
// purpose, with the reason.
var oracleExcluded = map[string]string{
	// In the script data escaped state, "<" followed by anything but "/" or a letter
	// stays in the escaped state (HTML Living Standard 13.2.5.23, and browsers);
	// x/net/html goes back to the script data state, so it ends the script at a
	// "</script>" that browsers treat as text. The rewriter follows the standard.
	"<!doctype html><script><!--<" + oracleProbe:                  xnetEscapedLT,
	"<!doctype html><script><!--<script </script <" + oracleProbe: xnetEscapedLT,
	"<script><!--<" + oracleProbe:                                 xnetEscapedLT,
	"<script><!--<script </script <" + oracleProbe:                xnetEscapedLT,
}

const xnetEscapedLT = "x/net/html leaves the script data escaped state on \"<\" + non-letter"

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

func quoteShort(s string) string {
	if len(s) > 80 {
		s = s[:60] + "..." + s[len(s)-17:]
	}
	return quote(s)
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

// oracleCheck compares one document; it returns the problems found. With scripting off
// the parser reads <noscript> content as markup, as the rewriter does, and the calls made
// inside it are held to the same rule as the others.
func oracleCheck(in []byte, scripting bool) []string {
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

	opt := html.ParseOptionEnableScripting(scripting)
	docIn, err := html.ParseWithOptions(bytes.NewReader(in), opt)
	if err != nil {
		return []string{"parse input: " + err.Error()}
	}
	docOut, err := html.ParseWithOptions(bytes.NewReader(out.Bytes()), opt)
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
			probs = append(probs, fmt.Sprintf("element %d (%s src=%q text=%s) not neutralised", k, ei.tag, ei.src, quoteShort(ei.text)))
			continue
		}
		n, err := strconv.Atoi(strings.TrimPrefix(cat, "x"))
		if err != nil || n < 0 || n >= len(calls) {
			probs = append(probs, fmt.Sprintf("element %d: bad category %q", k, cat))
			continue
		}
		c := calls[n]
		if seen[n] {
			probs = append(probs, fmt.Sprintf("call %d (%s) on two elements", n, short(c)))
		}
		seen[n] = true
		if ordered && n < last {
			probs = append(probs, fmt.Sprintf("call %d (%s) out of order", n, short(c)))
		}
		last = n
		if c.Noscript && scripting {
			probs = append(probs, fmt.Sprintf("call %d (%s) is in noscript, the parser made it an element", n, short(c)))
		}
		if c.Tag != ei.tag {
			probs = append(probs, fmt.Sprintf("call %d (%s) is a %s", n, short(c), ei.tag))
			continue
		}
		if _, has := attrVal(eo.attrs, "src"); has {
			probs = append(probs, fmt.Sprintf("call %d (%s): output still has src", n, short(c)))
		}
		switch {
		case ei.tag == "script" && !ei.hasSrc:
			if !c.IsInline || normText(c.Inline) != ei.text {
				probs = append(probs, fmt.Sprintf("call %d (%s): parser has inline text %s", n, short(c), quoteShort(ei.text)))
			}
			if eo.text != ei.text {
				probs = append(probs, fmt.Sprintf("call %d (%s): text changed to %s", n, short(c), quoteShort(eo.text)))
			}
		default:
			if c.IsInline || c.Src != ei.src {
				probs = append(probs, fmt.Sprintf("call %d (%s): parser has src %q", n, short(c), ei.src))
			}
			if v, _ := attrVal(eo.attrs, "data-consent-src"); ei.hasSrc && v != ei.src {
				probs = append(probs, fmt.Sprintf("call %d (%s): data-consent-src %q", n, short(c), v))
			}
		}
		if ei.tag == "script" {
			if v, _ := attrVal(eo.attrs, "type"); v != "text/plain" {
				probs = append(probs, fmt.Sprintf("call %d (%s): type %q", n, short(c), v))
			}
		}
	}
	drops := false
	for n := range docIn.Descendants() {
		drops = drops || n.Type == html.ElementNode && n.Namespace == "" &&
			(n.Data == "frameset" || n.Data == "col" && n.Parent != nil && n.Parent.Data == "template")
	}
	for n, c := range calls {
		if !seen[n] && !(c.Noscript && scripting) && !drops {
			probs = append(probs, fmt.Sprintf("call %d (%s) is no element of the parse", n, short(c)))
		}
	}
	return probs
}

// oracleProbe is put into every html5lib input, at the end and after every '>', each
// place making one more case: most inputs have no script, img or iframe, and whether the
// probe's elements exist tells whether the rewriter is in the same tokenizer and tree
// state as the parser there.
const oracleProbe = `<script src=probe.js></script><script>probe()</script><img src=probe.gif><iframe src=probe.html></iframe>`

func probeVariants(data string) []string {
	vs := []string{data, data + oracleProbe}
	for i := 1; i < len(data); i++ {
		if data[i-1] == '>' {
			vs = append(vs, data[:i]+oracleProbe+data[i:])
		}
	}
	return vs
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
		for _, in := range probeVariants(c.data) {
			if _, ok := oracleExcluded[in]; ok {
				excluded++
				continue
			}
			compared++
			if probs := oracleCheck([]byte(in), true); len(probs) > 0 {
				t.Errorf("%s:%d %q:\n\t%s", c.file, c.line, in, strings.Join(probs, "\n\t"))
			}
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
		page := pages[n]
		t.Run(n, func(t *testing.T) {
			t.Parallel()
			if probs := oracleCheck(page, true); len(probs) > 0 {
				t.Errorf("%s:\n\t%s", n, strings.Join(probs, "\n\t"))
			}
			if noscriptDiverges(string(page)) {
				t.Logf("%s: noscript readings diverge, not compared with scripting off", n)
				return
			}
			if probs := oracleCheck(page, false); len(probs) > 0 {
				t.Errorf("%s (scripting off):\n\t%s", n, strings.Join(probs, "\n\t"))
			}
		})
	}
}

// TestOracleNoscript holds the elements the rewriter finds inside <noscript> against
// x/net/html parsing with scripting disabled, which is how such a browser sees them.
//
// Deliberate difference: the rewriter ends a noscript where a scripting browser does, at
// the first "</noscript", even when it is inside a comment, a raw-text element or an
// attribute value of the markup in it (the scripting browsers are the ones that run the
// trackers). With scripting off, such a "</noscript" does not end it; those documents
// are recognised by a "</noscript" left in a text, a comment or an attribute value of
// the parse (script text and comments outside noscript aside), and skipped.
func TestOracleNoscript(t *testing.T) {
	compared, diverging := 0, 0
	for _, c := range html5libTests(t) {
		if c.fragment {
			continue
		}
		vs := []string{c.data + "<noscript>" + oracleProbe + "</noscript>"}
		if strings.Contains(strings.ToLower(c.data), "noscript") {
			vs = append(vs, probeVariants(c.data)...)
		}
		for _, in := range vs {
			if _, ok := oracleNoscriptExcluded[in]; ok {
				continue
			}
			if noscriptDiverges(in) {
				diverging++
				continue
			}
			compared++
			if probs := oracleCheck([]byte(in), false); len(probs) > 0 {
				t.Errorf("%s:%d %q:\n\t%s", c.file, c.line, in, strings.Join(probs, "\n\t"))
			}
		}
	}
	t.Logf("html5lib with scripting off: %d documents compared, %d skipped as diverging", compared, diverging)
}

func noscriptDiverges(in string) bool {
	doc, err := html.ParseWithOptions(strings.NewReader(in), html.ParseOptionEnableScripting(false))
	if err != nil {
		return false
	}
	has := func(s string) bool { return strings.Contains(strings.ToLower(s), "</noscript") }
	inNoscript := func(n *html.Node) bool {
		for ; n != nil; n = n.Parent {
			if n.Type == html.ElementNode && n.Data == "noscript" {
				return true
			}
		}
		return false
	}
	for n := range doc.Descendants() {
		// Script text and comments outside noscript may hold "</noscript" (a
		// template, a commented-out tag); they are the same in both readings. Raw text
		// outside may not: in a <head>, the parser moves an <iframe> met in a noscript
		// out of it.
		if !inNoscript(n) && (n.Type == html.CommentNode || n.Parent != nil && n.Parent.Data == "script") {
			continue
		}
		if (n.Type == html.TextNode || n.Type == html.CommentNode) && has(n.Data) {
			return true
		}
		for _, a := range n.Attr {
			if has(a.Val) {
				return true
			}
		}
	}
	return false
}

var oracleNoscriptExcluded = map[string]string{
	"<!doctype html><script><!--<<noscript>" + oracleProbe + "</noscript>":                  xnetEscapedLT,
	"<!doctype html><script><!--<script </script <<noscript>" + oracleProbe + "</noscript>": xnetEscapedLT,
	"<script><!--<<noscript>" + oracleProbe + "</noscript>":                                 xnetEscapedLT,
	"<script><!--<script </script <<noscript>" + oracleProbe + "</noscript>":                xnetEscapedLT,
}
