package caddymodule

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestSpeculationRulesHeld: a <script type="speculationrules"> is data naming what the
// browser prefetches and prerenders, not code. Held back (as any held inline script,
// which the guard gives its type back on a grant) when a list rule names a blocked host,
// when document rules may fetch any link of the page while a category with blockers is
// refused, and when its JSON cannot be read; left alone when it names only the site's
// own pages, and once every category with blockers is granted.
func TestSpeculationRulesHeld(t *testing.T) {
	pages := map[string]string{
		"/list-tracker": `{"prefetch":[{"source":"list","urls":["https://www.googletagmanager.com/gtm.js"]}]}`,
		"/list-own":     `{"prefetch":[{"source":"list","urls":["/next","/about"]}],"prerender":[{"urls":["page2.html"]}]}`,
		"/document":     `{"prefetch":[{"where":{"selector_matches":"a"},"eagerness":"immediate"}]}`,
		"/garbage":      `{"prefetch":[{"urls":["/next"]`,
		"/cased":        `{"prerender":[{"urls":["//region1.google-analytics.com/x"]}]}`,
		// Longer than the hold limit: its first window is no complete JSON (fail closed).
		"/long": `{"prefetch":[{"urls":["/a"` + strings.Repeat(`,"/a"`, 20000) + `]}]}`,
	}
	types := map[string]string{"/cased": " SpeculationRules\t"}
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		ty := "speculationrules"
		if s, ok := types[r.URL.Path]; ok {
			ty = s
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!DOCTYPE html><html><head><script type="%s">%s</script></head>`+
			`<body><a href="https://www.googletagmanager.com/doc-pf">t</a></body></html>`, ty, pages[r.URL.Path])
	})
	p := startCaddy(t, consentSite(up.hostport(), ""))

	held := func(path, ty string) string {
		return `<script type="text/plain" data-consent="statistics" data-consent-type="` + ty + `">` + pages[path] + `</script>`
	}
	passed := func(path, ty string) string {
		return `<script type="` + ty + `">` + pages[path] + `</script>`
	}
	check := func(who, path string, hold bool, cookie ...string) {
		t.Helper()
		ty := "speculationrules"
		if s, ok := types[path]; ok {
			ty = s
		}
		want := passed(path, ty)
		if hold {
			want = held(path, ty)
		}
		res, body := p.do(t, "GET", path, nil, append([]string{"Sec-Fetch-Dest: document"}, cookie...)...)
		if res.StatusCode != http.StatusOK || !strings.Contains(body, want) {
			t.Errorf("%s, %s: want %s in\n%s", who, path, want, body)
		}
	}

	for path, hold := range map[string]bool{"/list-tracker": true, "/list-own": false, "/document": true, "/garbage": true, "/cased": true, "/long": true} {
		check("no choice", path, hold)
	}

	// A visitor who refused statistics, and one who granted it (every category with
	// blockers): the document rules pass for the second.
	refused := consentCookieFrom(t, postChoice(t, p, url.Values{"choice": {"custom"}, "category": {"preferences"}}))
	granted := consentCookieFrom(t, postChoice(t, p, url.Values{"choice": {"custom"}, "category": {"statistics"}}))
	for path, hold := range map[string]bool{"/list-tracker": true, "/list-own": false, "/document": true, "/garbage": true, "/long": true} {
		check("statistics refused", path, hold, "Cookie: "+refused)
		check("statistics granted", path, false, "Cookie: "+granted)
	}
}

// TestModuleScriptsHeld: through Caddy, an inline module that imports from a
// blocked host, and an import map mapping a specifier to one, are held back
// under the host's category until it is granted (the module loader fetches
// them where the guard cannot see); a module of the site's own and a classic
// script naming the host in a string pass (a classic script is held by its
// markers only).
func TestModuleScriptsHeld(t *testing.T) {
	scripts := map[string][2]string{
		"/module":       {"module", `import "https:\/\/www.googletagmanager.com/gtag/js";`},
		"/importmap":    {"importmap", `{"imports":{"trk":"https://www.googletagmanager.com/x.js"}}`},
		"/own-module":   {"module", `import "/app.js"; import "./lib.js";`},
		"/classic-text": {"text/javascript", `var u = "https://www.googletagmanager.com/x.js";`},
	}
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		s := scripts[r.URL.Path]
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!DOCTYPE html><html><head><script type="%s">%s</script></head><body><p>x</p></body></html>`, s[0], s[1])
	})
	p := startCaddy(t, consentSite(up.hostport(), ""))
	granted := consentCookieFrom(t, postChoice(t, p, url.Values{"choice": {"accept_all"}}))
	for path, hold := range map[string]bool{"/module": true, "/importmap": true, "/own-module": false, "/classic-text": false} {
		s := scripts[path]
		for _, who := range []string{"no choice", "all granted"} {
			headers := []string{"Sec-Fetch-Dest: document"}
			if who == "all granted" {
				headers = append(headers, "Cookie: "+granted)
			}
			want := `<script type="` + s[0] + `">` + s[1] + `</script>`
			if hold && who == "no choice" {
				want = `<script type="text/plain" data-consent="statistics" data-consent-type="` + s[0] + `">` + s[1] + `</script>`
			}
			if _, body := p.do(t, "GET", path, nil, headers...); !strings.Contains(body, want) {
				t.Errorf("%s, %s: want %s in\n%.600s", who, path, want, body)
			}
		}
	}
}
