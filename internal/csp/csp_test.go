package csp

import (
	"net/url"
	"testing"
)

func TestScriptNonce(t *testing.T) {
	for policy, want := range map[string]string{
		"script-src 'self' 'nonce-abc'":                   "abc",
		"default-src 'nonce-def'":                         "def",
		"default-src 'nonce-def'; script-src 'nonce-ghi'": "ghi",
		"script-src-elem 'nonce-jkl'":                     "jkl",
		"style-src 'nonce-xyz'":                           "",
		"script-src 'self'":                               "",
		"SCRIPT-SRC 'nonce-upper'":                        "upper",
		"script-src 'nonce-unterminated":                  "",
		"style-src 'self', script-src 'nonce-second'":     "second",
	} {
		if got := ScriptNonce([]string{policy}); got != want {
			t.Errorf("%q: nonce %q, want %q", policy, got, want)
		}
	}
}

// TestBlocking: the cases by the reading of CSP3 this package implements;
// e2e's TestCSPWarningAgreesWithChromium checks them (and more) against
// Chromium.
func TestBlocking(t *testing.T) {
	origin, _ := url.Parse("https://shop.example:443")
	for _, c := range []struct {
		policy  string
		nonce   string
		blocked bool
	}{
		{"script-src 'self'", "", false},
		{"default-src 'self'", "", false},
		{"style-src 'none'", "", false},
		{"script-src 'sha256-abc' 'strict-dynamic'", "", true},
		{"script-src 'self' 'strict-dynamic'", "", true},
		{"script-src 'strict-dynamic' 'nonce-n1'", "n1", false},
		{"script-src 'nonce-n1'", "n2", true},
		{"default-src 'none'", "", true},
		{"default-src 'self'; script-src-elem 'none'", "", true},
		{"script-src 'none'; script-src 'self'", "", true}, // the first counts
		{"script-src 'unsafe-inline'", "", true},
		{"script-src https:", "", false},
		{"script-src http:", "", false},
		{"script-src *", "", false},
		{"script-src shop.example", "", false},
		{"script-src https://shop.example/_consent/", "", false},
		{"script-src *.example", "", false},
		{"script-src *.shop.example", "", true},
		{"script-src shop.example:8443", "", true},
		{"script-src cdn.example", "", true},
		{"script-src 'self', script-src 'none'", "", true},
	} {
		got := Blocking([]string{c.policy}, origin, c.nonce, Scripts)
		if (got != "") != c.blocked {
			t.Errorf("%q (nonce %q): blocking %q, want blocked %v", c.policy, c.nonce, got, c.blocked)
		}
	}
}

func TestBlockingStyleSheets(t *testing.T) {
	origin, _ := url.Parse("https://shop.example")
	for _, c := range []struct {
		policy  string
		nonce   string
		blocked bool
	}{
		{"script-src 'none'", "", false},
		{"style-src 'self'", "", false},
		{"style-src 'self' 'strict-dynamic'", "", false}, // a script keyword
		{"style-src 'nonce-s1'", "s1", false},
		{"style-src 'nonce-s1'", "n1", true},
		{"default-src 'none'; style-src-elem 'self'", "", false},
		{"style-src 'unsafe-inline'", "", true},
	} {
		got := Blocking([]string{c.policy}, origin, c.nonce, StyleSheets)
		if (got != "") != c.blocked {
			t.Errorf("%q (nonce %q): blocking %q, want blocked %v", c.policy, c.nonce, got, c.blocked)
		}
	}
}
