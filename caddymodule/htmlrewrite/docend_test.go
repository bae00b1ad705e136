package htmlrewrite

import (
	"bytes"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// TestInsertionsAtTheEndAreMarkup: a document that ends inside a construct (an unclosed
// comment, <textarea>, <title>, raw-text element, script, noscript, template, select —
// a PHP fatal error, a template that forgot an end, a truncated page) gets its banner
// (and its guard, when it had no start tag for it) as elements in the body, as x/net/html
// parses the output with scripting on, and otherwise the same document as the input.
// Where nothing ends (plaintext) or the end is inside a tag, nothing is inserted.
func TestInsertionsAtTheEndAreMarkup(t *testing.T) {
	const banner = `<div id="cg-banner" class="cg"><form action="/_consent/consent"><button name="choice" value="accept_all">OK</button></form></div>`
	const guard = `<script id="cg-guard" src="/_consent/guard.js"></script>`
	body := `<html><head><title>t</title></head><body><p>x</p>`
	for _, c := range []struct {
		in       string
		inserted bool // the banner is inserted (else, nothing is)
	}{
		{body + `<!-- unclosed`, true},
		{body + `<!-- a -`, true},
		{body + `<!-- a --`, true},
		{body + `<!-- a --!`, true},
		{body + `<!--`, true},
		{body + `<!---`, true},
		{body + `<!`, true},
		{body + `<!-`, true},
		{body + `<![CDATA[ abc`, true},
		{body + `<?php echo 1`, true},
		{body + `</3 x`, true},
		{body + `<!DOCTYPE abc`, true},
		{body + `<textarea>abc`, true},
		{body + `<textarea>abc</textar`, true},
		{body + `<textarea>abc<`, true},
		{body + `<title>abc`, true},
		{body + `<xmp>a<b`, true},
		{body + `<iframe>abc`, true},
		{body + `<noembed>abc`, true},
		{body + `<noframes>abc`, true},
		{body + `<style>p{color:red}`, true},
		{body + `<script>var a = 1;`, true},
		{body + `<script>var a = "<!--";`, true},
		{body + `<script>var a = "<!--<script>";`, true},
		{body + `<script type="application/json">{"a": "<!--<script>"`, true},
		{body + `<noscript>abc`, true},
		{body + `<noscript><!-- a`, true},
		{body + `<template>abc`, true},
		{body + `<template><template><p>abc`, true},
		{body + `<select><option>abc`, true},
		{body + `<template><select><option>abc`, true},
		{body + `<select><template><option>abc`, true},
		{body + `<table><tr><td>abc`, true},
		// A </body> browsers ignore: the banner waits for the end.
		{body + `<template><p>abc</body></html>`, true},
		{body + `<select><option>abc</body></html>`, true},
		{body + `<select><option>abc</body></html><p>after`, true},
		{body + `<svg><style>a{}`, true},
		{body + `<svg><![CDATA[ a`, true},
		{body + `<svg><![CDATA[ a]`, true},
		{body + `<svg><![CDATA[ a]]`, true},
		{`<p>x</p><!-- no body`, true},
		{`<!-- only a comment`, true},
		{`<title>only a title`, true},
		{body + `<plaintext>abc`, false},
	} {
		for _, block := range []func(Element) string{nil, selectiveBlock} {
			out := rewriteInPieces(t, c.in, &Config{Block: block, Head: fixed(guard), BodyEnd: fixed(banner)}, 3)
			doc, err := html.ParseWithOptions(strings.NewReader(out), html.ParseOptionEnableScripting(true))
			if err != nil {
				t.Fatal(err)
			}
			var found []*html.Node
			for _, e := range elements(doc) {
				if id, _ := attrVal(e.Attr, "id"); id == "cg-banner" || id == "cg-guard" {
					found = append(found, e)
				}
			}
			if !c.inserted {
				if strings.Contains(out, "cg-banner") {
					t.Errorf("%q (Block %v): inserted: %q", c.in, block != nil, out)
				}
				continue
			}
			if !strings.Contains(out, "cg-banner") {
				t.Errorf("%q (Block %v): no banner: %q", c.in, block != nil, out)
				continue
			}
			for _, e := range found {
				for a := e.Parent; a != nil; a = a.Parent {
					if a.Type == html.ElementNode && (a.Namespace != "" || notShown[a.Data]) {
						t.Errorf("%q (Block %v): #%s is inside <%s>: %q", c.in, block != nil, e.Attr[0].Val, a.Data, out)
					}
				}
				if e.Parent != nil {
					e.Parent.RemoveChild(e)
				}
			}
			if len(found) == 0 {
				t.Errorf("%q (Block %v): the banner is not an element: %q", c.in, block != nil, out)
			}
			// The rest is the input's document (but a script's text, which ends on a line
			// that takes it out of an escaped section).
			orig, err := html.ParseWithOptions(strings.NewReader(c.in), html.ParseOptionEnableScripting(true))
			if err != nil {
				t.Fatal(err)
			}
			if got, want := renderDoc(t, doc), renderDoc(t, orig); got != want {
				t.Errorf("%q (Block %v): the document changed:\n got %q\nwant %q", c.in, block != nil, got, want)
			}
		}
	}
}

// notShown: elements whose content browsers do not show as markup.
var notShown = map[string]bool{"template": true, "select": true, "option": true, "textarea": true, "title": true,
	"noscript": true, "iframe": true, "xmp": true, "noembed": true, "noframes": true, "style": true, "script": true}

// renderDoc renders a parsed document, but for what ends a script (a last line "-->")
// or a comment in a noscript ("-->"; scripting browsers read it as text they never show).
func renderDoc(t *testing.T, doc *html.Node) string {
	t.Helper()
	for _, e := range elements(doc) {
		if e.FirstChild != nil && e.FirstChild.Type == html.TextNode {
			switch e.Data {
			case "script":
				e.FirstChild.Data = strings.TrimSuffix(e.FirstChild.Data, "\n-->")
			case "noscript":
				e.FirstChild.Data = strings.TrimSuffix(e.FirstChild.Data, "-->")
			}
		}
	}
	var b bytes.Buffer
	if err := html.Render(&b, doc); err != nil {
		t.Fatal(err)
	}
	return b.String()
}
