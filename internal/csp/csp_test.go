package csp

import (
	"net/url"
	"testing"
)

func TestNonce(t *testing.T) {
	for _, c := range []struct {
		policy        string
		script, style string
	}{
		{"script-src 'self' 'nonce-abc'", "abc", ""},
		{"default-src 'nonce-def'", "def", "def"},
		{"default-src 'nonce-def'; script-src 'nonce-ghi'", "ghi", "def"},
		{"script-src-elem 'nonce-jkl'", "jkl", ""},
		{"style-src 'nonce-xyz'", "", "xyz"},
		{"script-src 'nonce-s1'; style-src 'nonce-s2'", "s1", "s2"},
		{"style-src 'nonce-s2'; style-src-elem 'nonce-s3'", "", "s3"},
		{"script-src 'self'", "", ""},
		{"SCRIPT-SRC 'nonce-upper'", "upper", ""},
		{"script-src 'nonce-unterminated", "", ""},
		{"style-src 'self', script-src 'nonce-second'", "second", ""},
		{"script-src 'self'; default-src 'nonce-ignored'", "", "ignored"}, // script-src governs scripts
		{"script-src 'nonce-first'; script-src 'nonce-2nd'", "first", ""},
	} {
		ps := Parse([]string{c.policy})
		if got := ps.Nonce(Scripts); got != c.script {
			t.Errorf("%q: script nonce %q, want %q", c.policy, got, c.script)
		}
		if got := ps.Nonce(StyleSheets); got != c.style {
			t.Errorf("%q: style nonce %q, want %q", c.policy, got, c.style)
		}
	}
}

// TestBlocking: the cases by the reading of CSP3 this package implements;
// e2e's TestCSPReadingAgreesWithChromium checks them (and more) against
// Chromium.
func TestBlocking(t *testing.T) {
	origin, _ := url.Parse("https://shop.example:443")
	for _, c := range []struct {
		kind    []string
		policy  string
		nonce   string
		blocked bool
	}{
		{Scripts, "script-src 'self'", "", false},
		{Scripts, "default-src 'self'", "", false},
		{Scripts, "style-src 'none'", "", false},
		{Scripts, "script-src 'sha256-abc' 'strict-dynamic'", "", true},
		{Scripts, "script-src 'self' 'strict-dynamic'", "", true},
		{Scripts, "script-src 'strict-dynamic' 'nonce-n1'", "n1", false},
		{Scripts, "script-src 'nonce-n1'", "n2", true},
		{Scripts, "default-src 'none'", "", true},
		{Scripts, "default-src 'self'; script-src-elem 'none'", "", true},
		{Scripts, "script-src 'none'; script-src 'self'", "", true}, // the first counts
		{Scripts, "script-src 'unsafe-inline'", "", true},
		{Scripts, "script-src https:", "", false},
		{Scripts, "script-src http:", "", false},
		{Scripts, "script-src *", "", false},
		{Scripts, "script-src shop.example", "", false},
		{Scripts, "script-src https://shop.example/_consent/", "", false},
		{Scripts, "script-src *.example", "", false},
		{Scripts, "script-src *.shop.example", "", true},
		{Scripts, "script-src shop.example:8443", "", true},
		{Scripts, "script-src cdn.example", "", true},
		{Scripts, "script-src 'self', script-src 'none'", "", true},
		{StyleSheets, "script-src 'none'", "", false},
		{StyleSheets, "style-src 'self'", "", false},
		{StyleSheets, "style-src 'self' 'strict-dynamic'", "", false}, // a script keyword
		{StyleSheets, "style-src 'nonce-s1'", "s1", false},
		{StyleSheets, "style-src 'nonce-s1'", "n1", true},
		{StyleSheets, "default-src 'none'; style-src-elem 'self'", "", false},
		{StyleSheets, "style-src 'unsafe-inline'", "", true},
	} {
		got := Parse([]string{c.policy}).Blocking(origin, c.nonce, c.kind)
		if (got != "") != c.blocked {
			t.Errorf("%s %q (nonce %q): blocking %q, want blocked %v", c.kind[0], c.policy, c.nonce, got, c.blocked)
		}
	}
}
