package assets

import (
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/consentgate/consentgate/policy"
)

// TestMarkupIsWellFormedXML: what goes into a page — the guard's tag, the
// banner in each of its states, the placeholders — is well-formed XML too, so
// that an XHTML page (application/xhtml+xml, which the XML parser reads and
// stops at the first error) still renders (the probe of 2026-11-29: the
// banner's bare `hidden` and `shadowrootdelegatesfocus`, `<link>` and
// `<input>` without "/>", made Chromium show a parser error in place of the
// rest of the page). encoding/xml is the independent reader, in strict mode.
func TestMarkupIsWellFormedXML(t *testing.T) {
	full := bundle(t, testPolicy, Options{Prefix: "/_consent"})
	notice := bundle(t, noticePolicy, Options{Prefix: "/_consent"})
	hostile := Page{Lang: "en", Consent: given(full.policy, "statistics"), ReturnPath: `/a?b=1&c="<x>'`, Nonce: `n"&<`, StyleNonce: "s&1", Origin: "https://shop.example"}
	pages := map[string]Page{
		"first visit":      {Lang: "sv", Consent: policy.NoChoice(), ShowBanner: true},
		"given, settings":  {Lang: "en", Consent: given(full.policy, "statistics", "marketing")},
		"framed":           {Lang: "en", Consent: policy.NoChoice(), Framed: true},
		"hostile, nonces":  hostile,
		"first visit, GPC": {Lang: "en", Consent: policy.Consent{GPC: true}, ShowBanner: true},
	}
	for name, pg := range pages {
		for bname, b := range map[string]*Bundle{"categories": full, "notice": notice} {
			wellFormed(t, name+", "+bname+": guard", b.Head(pg))
			wellFormed(t, name+", "+bname+": banner", b.BodyEnd(pg))
		}
		for _, ph := range []PlaceholderInfo{
			{Tag: "iframe", Host: "youtube.com", Category: "marketing", Width: "560", Height: "315"},
			{Tag: "embed", Host: `<b>"x"&</b>`, Category: "statistics", Width: "100%"},
		} {
			wellFormed(t, name+": placeholder "+ph.Tag, full.Placeholder(pg, ph))
		}
	}
}

func wellFormed(t *testing.T, name string, markup []byte) {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(`<body xmlns="http://www.w3.org/1999/xhtml">` + string(markup) + `</body>`))
	d.Strict = true
	d.Entity = map[string]string{} // XML's own five only
	for {
		_, err := d.Token()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			t.Errorf("%s: not well-formed XML: %v\n%s", name, err, markup)
			return
		}
	}
}
