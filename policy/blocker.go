package policy

import (
	"bytes"
	"html"
	"net/url"
	"strings"
)

// BlockerForElement finds the blocker that holds back an element, given what
// the rewriter or the guard knows of it: every URL it would load, resolved as
// a browser resolves them (against the document's <base href> when there is
// one, else the page), and its inline content. Inline content is a script's
// text, or the document an iframe, object or embed shows from srcdoc or a
// data: or javascript: URL: it is held back when it carries a blocker's
// marker or names a blocker's host anywhere (that document would load from
// it). A script's text (script true) is held back by markers only.
func (p *Policy) BlockerForElement(urls []string, base, pageHost string, inline []byte, script bool) (*Blocker, bool) {
	relativeTo := pageHost
	if base != "" {
		// A relative <base href> is relative to the page; a base that loads
		// nothing from a host (data:, javascript:) makes relative URLs fail.
		relativeTo = srcHost(base, pageHost)
	}
	for _, u := range urls {
		if u == "" {
			continue
		}
		host := srcHost(u, relativeTo)
		if host == "" {
			continue
		}
		if i, ok := p.lookupHost(host); ok {
			return &p.Blockers[i], true
		}
	}
	if len(inline) == 0 {
		return nil, false
	}
	if b, ok := p.BlockerFor("", pageHost, inline); ok {
		return b, true
	}
	if script {
		// A script is held back by its markers (SPEC §5): naming a host in
		// its text is what a site's own code does too.
		return nil, false
	}
	return p.blockerNamedIn(inline)
}

// blockerNamedIn finds a blocker host mentioned in a document's text, after
// undoing the character references and percent-encoding that would hide it
// from a plain search.
func (p *Policy) blockerNamedIn(text []byte) (*Blocker, bool) {
	if len(p.blockHosts) == 0 {
		return nil, false
	}
	s := string(text)
	if strings.IndexByte(s, '&') >= 0 {
		s = html.UnescapeString(s)
	}
	if strings.IndexByte(s, '%') >= 0 {
		if dec, err := url.PathUnescape(s); err == nil {
			s = dec
		}
	}
	lower := []byte(strings.ToLower(s))
	for host, i := range p.blockHosts {
		if bytes.Contains(lower, []byte(strings.TrimPrefix(host, "*."))) {
			return &p.Blockers[i], true
		}
	}
	return nil, false
}
