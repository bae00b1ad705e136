package policy

import (
	"strings"
	"testing"
)

// TestSpeculationRules: the blockers of the hosts a speculation rule set names, and
// whether it may fetch from hosts it does not name (document rules, unreadable JSON).
func TestSpeculationRules(t *testing.T) {
	p := examplePolicy(t) // statistics: www.googletagmanager.com, *.google-analytics.com; preferences: files.imbox.io
	tests := []struct {
		name, json, base string
		want             string // the blockers' categories, space-separated
		open             bool
	}{
		{"list rule to a tracker", `{"prefetch":[{"source":"list","urls":["https://www.googletagmanager.com/gtm.js"]}]}`, "", "statistics", false},
		{"prerender, source inferred", `{"prerender":[{"urls":["/a","https://x.google-analytics.com/c"]}]}`, "", "statistics", false},
		{"two categories, in the policy's order", `{"prefetch":[{"urls":["https://files.imbox.io/w"]}],"prerender":[{"urls":["//www.googletagmanager.com/"]}]}`, "", "statistics preferences", false},
		{"a tracker spelled with an escape", `{"prefetch":[{"urls":["https://www.googletagmanager\u002ecom/"]}]}`, "", "statistics", false},
		{"the site's own URLs", `{"prefetch":[{"source":"list","urls":["/next","https://example.se/about"]}],"prerender":[{"urls":["page2.html"]}]}`, "", "", false},
		{"relative URLs against a tracker's base", `{"prefetch":[{"urls":["/x"]}]}`, "https://www.googletagmanager.com/", "statistics", false},
		{"an unknown action", `{"prerender_until_script":[{"urls":["https://www.googletagmanager.com/"]}]}`, "", "statistics", false},
		{"empty", "  \n", "", "", false},
		{"no rules", `{}`, "", "", false},

		// Document rules match links of the page, named nowhere in the rules.
		{"selector_matches", `{"prefetch":[{"where":{"selector_matches":"a"},"eagerness":"immediate"}]}`, "", "", true},
		{"source document alone", `{"prefetch":[{"source":"document"}]}`, "", "", true},
		{"not", `{"prefetch":[{"where":{"not":{"href_matches":"/logout"}}}]}`, "", "", true},
		{"wildcard host", `{"prefetch":[{"where":{"href_matches":"https://*/*"}}]}`, "", "", true},
		{"protocol-relative pattern", `{"prefetch":[{"where":{"href_matches":"//www.googletagmanager.com/*"}}]}`, "", "statistics", true},
		{"empty and", `{"prefetch":[{"where":{"and":[]}}]}`, "", "", true},
		{"or with one unbounded", `{"prefetch":[{"where":{"or":[{"href_matches":"/*"},{"selector_matches":".x"}]}}]}`, "", "", true},
		{"two predicates in one", `{"prefetch":[{"where":{"href_matches":"/*","selector_matches":"a"}}]}`, "", "", true},
		{"an object pattern without a hostname", `{"prefetch":[{"where":{"href_matches":{"pathname":"/*","baseURL":"https://www.googletagmanager.com"}}}]}`, "", "statistics", true},
		// ... bounded to named hosts: those hosts decide.
		{"relative pattern (WordPress)", `{"prefetch":[{"source":"document","where":{"and":[{"href_matches":"\/*"},{"not":{"href_matches":["\/wp-*.php","\/wp-admin\/*"]}},{"not":{"selector_matches":"a[rel~=\"nofollow\"]"}}]},"eagerness":"conservative"}]}`, "", "", false},
		{"relative pattern against a tracker's base", `{"prefetch":[{"where":{"href_matches":"/*"}}]}`, "https://files.imbox.io/", "preferences", false},
		{"a tracker's pattern", `{"prefetch":[{"where":{"href_matches":"https://www.googletagmanager.com/*"}}]}`, "", "statistics", false},
		{"a tracker's object pattern with a final dot", `{"prefetch":[{"where":{"href_matches":{"hostname":"www.googletagmanager.com."}}}]}`, "", "statistics", false},
		{"a tracker's pattern with a final dot", `{"prefetch":[{"where":{"href_matches":"https://WWW.googletagmanager.com./*"}}]}`, "", "statistics", false},
		{"a tracker's object pattern", `{"prefetch":[{"where":{"href_matches":{"hostname":"files.imbox.io"}}}]}`, "", "preferences", false},
		{"or of named hosts", `{"prefetch":[{"where":{"or":[{"href_matches":"https://example.se/*"},{"href_matches":["HTTPS://Www.GoogleTagManager.com/*"]}]}}]}`, "", "statistics", false},
		{"and with a named host", `{"prefetch":[{"where":{"and":[{"selector_matches":"a"},{"href_matches":"https://example.se/*"}]}}]}`, "", "", false},

		// Not JSON as browsers read it: fail closed.
		{"garbage", `{"prefetch":[{"urls":[`, "", "", true},
		{"trailing comma", `{"prefetch":[{"urls":["/a"],}]}`, "", "", true},
		{"comment", `{"prefetch":[] /* x */}`, "", "", true},
		{"two values", `{} {}`, "", "", true},
		{"single quotes", `{'prefetch':[]}`, "", "", true},
		{"a key twice", `{"prefetch":[{"urls":["/a"]}],"prefetch":[{"where":{"selector_matches":"a"}}]}`, "", "", true},
		{"a key twice, escaped", `{"prefetch":[],"pre\u0066etch":[]}`, "", "", true},
		{"too deep", strings.Repeat("[", 2000) + strings.Repeat("]", 2000), "", "", true},
	}
	for _, tc := range tests {
		blockers, open := p.SpeculationRules([]byte(tc.json), tc.base, "example.se")
		var cats []string
		for _, b := range blockers {
			cats = append(cats, b.Category)
		}
		if got := strings.Join(cats, " "); got != tc.want || open != tc.open {
			t.Errorf("%s: blockers %q open %v, want %q %v", tc.name, got, open, tc.want, tc.open)
		}
	}
}
