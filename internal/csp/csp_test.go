package csp

import (
	"net/url"
	"testing"
)

func TestScriptNonce(t *testing.T) {
	for policy, want := range map[string]string{
		"script-src 'self' 'nonce-abc'":                    "abc",
		"default-src 'nonce-def'":                          "def",
		"default-src 'nonce-def'; script-src 'nonce-ghi'":  "ghi",
		"script-src-elem 'nonce-jkl'":                      "jkl",
		"style-src 'nonce-xyz'":                            "",
		"script-src 'self'":                                "",
		"SCRIPT-SRC 'nonce-upper'":                         "upper",
		"script-src 'nonce-unterminated":                   "",
		"style-src 'self', script-src 'nonce-second'":      "second",
		"script-src 'self'; default-src 'nonce-ignored'":   "", // script-src governs
		"script-src 'nonce-first'; script-src 'nonce-2nd'": "first",
	} {
		if got := Parse([]string{policy}).ScriptNonce(); got != want {
			t.Errorf("%q: nonce %q, want %q", policy, got, want)
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
