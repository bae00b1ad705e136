package policy

import (
	"strings"
	"testing"
	"time"
)

func categories(bs []*Blocker) string {
	var cats []string
	for _, b := range bs {
		cats = append(cats, b.Category)
	}
	return strings.Join(cats, " ")
}

// TestModuleScript: the blockers of the hosts a module script's text names by a URL,
// which its imports load from where the guard cannot see them.
func TestModuleScript(t *testing.T) {
	p := examplePolicy(t) // statistics: www.googletagmanager.com, *.google-analytics.com; preferences: files.imbox.io
	tests := []struct {
		name, text, base string
		want             string // the blockers' categories, space-separated
	}{
		{"static import", `import "https://www.googletagmanager.com/x.js";`, "", "statistics"},
		{"import from", `import {a} from 'https://www.googletagmanager.com/x.js'`, "", "statistics"},
		{"scheme-relative", "import `//www.googletagmanager.com/x.js`", "", "statistics"},
		{"dynamic import", `const m = await import("https://x.google-analytics.com/m.js")`, "", "statistics"},
		{"upper case, a port, a final dot", `import "HTTPS://WWW.GoogleTagManager.COM.:8443/x.js"`, "", "statistics"},
		{"user info", `import "https://me@www.googletagmanager.com/x.js"`, "", "statistics"},
		{"long user info", `import "https://` + strings.Repeat("a:b", 3000) + `@www.googletagmanager.com/x.js"`, "", "statistics"},
		{"escaped slashes", `import "https:\/\/www.googletagmanager.com/x.js"`, "", "statistics"},
		{"\\x escapes", `import "https:\x2f\x2fwww.googletagmanager\x2ecom/x.js"`, "", "statistics"},
		{"\\u escapes", `import "\u0068ttps:\u002F\u002Fwww.googletagmanager.com/x.js"`, "", "statistics"},
		{"\\u{} escapes", `import "https:\u{2f}\u{00002F}www.googletagmanager\u{2E}com/x.js"`, "", "statistics"},
		{"escaped letters of the host", `import "//www.google\u0074agmanager.com/x.js"`, "", "statistics"},
		{"backslashes as slashes", `import "https:\\\\www.googletagmanager.com\\x.js"`, "", "statistics"},
		{"a newline escape in the host (URL parsers drop it)", `import "https://www.googletag\nmanager.com/x.js"`, "", "statistics"},
		{"a line continuation in the host", "import \"https://www.googletag\\\nmanager.com/x.js\"", "", "statistics"},
		{"percent-encoded host", `import "https://www%2Egoogletagmanager.com/x.js"`, "", "statistics"},
		{"https: without slashes", `import "https:www.googletagmanager.com/x.js"`, "", "statistics"},
		{"two categories, in the policy's order", `import "https://files.imbox.io/w.js"; import "//www.googletagmanager.com/x.js"`, "", "statistics preferences"},
		{"a tracker host as a relative module's base", `import "./x.js"`, "https://www.googletagmanager.com/", "statistics"},

		{"the site's own", `import {x} from "/js/app.js"; import "https://cdn.example.se/lib.js"; // https://example.se`, "", ""},
		{"a host named without //", `const host = "www.googletagmanager.com"; import "/a.js"`, "", ""},
		{"a marker only (markers are BlockerForElement's)", `gtag("config", "G-1")`, "", ""},
		{"an escaped backslash is no escape", `import "https:\\x2f\\x2fwww.googletagmanager.com/x.js"`, "", ""},
		{"another scheme's host", `const u = "xhttps:www.googletagmanager.com"`, "", ""},
		{"a comment with a space", `// www.googletagmanager.com`, "", ""},
		{"the site's base, nothing imported", `console.log(1)`, "https://www.googletagmanager.com/", ""},
		{"empty", ``, "", ""},
	}
	for _, tc := range tests {
		if got := categories(p.ModuleScript([]byte(tc.text), tc.base, "example.se")); got != tc.want {
			t.Errorf("%s: %s: blockers %q, want %q", tc.name, tc.text, got, tc.want)
		}
		// A classic script's code keeps its rule: markers only.
		if b, ok := p.BlockerForElement("script", nil, tc.base, "example.se", []byte(tc.text)); ok && !strings.Contains(tc.text, "gtag(") {
			t.Errorf("%s: a classic script is held by %s without a marker", tc.name, b.Category)
		}
	}
}

// TestModuleScriptLinear: each byte of a module's text is read by one URL at most, so
// that no text makes the search quadratic (as reading a URL from each "//" or "http:"
// to the end of the text would be).
func TestModuleScriptLinear(t *testing.T) {
	p := examplePolicy(t)
	for _, text := range []string{
		strings.Repeat("//a", 1<<18),
		strings.Repeat("http:", 1<<18),
		strings.Repeat("https:\\/\\", 1<<17),
		strings.Repeat(`\u002f`, 1<<18),
	} {
		start := time.Now()
		p.ModuleScript([]byte(text), "", "example.se")
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("%q...: %v", text[:12], d)
		}
	}
}

// TestImportMap: the blockers of the hosts an import map maps specifiers to.
func TestImportMap(t *testing.T) {
	p := examplePolicy(t)
	tests := []struct {
		name, json, base string
		want             string
	}{
		{"a specifier mapped to a tracker", `{"imports":{"trk":"https://www.googletagmanager.com/x.js"}}`, "", "statistics"},
		{"a prefix", `{"imports":{"trk/":"https://www.googletagmanager.com/lib/"}}`, "", "statistics"},
		{"scheme-relative", `{"imports":{"trk":"//x.google-analytics.com/x.js"}}`, "", "statistics"},
		{"escaped slashes", `{"imports":{"trk":"https:\/\/www.googletagmanager.com\/x.js"}}`, "", "statistics"},
		{"\\u escapes", `{"imports":{"trk":"https:\u002f\u002fwww.googletagmanager\u002ecom/x.js"}}`, "", "statistics"},
		{"in a scope", `{"imports":{},"scopes":{"/shop/":{"trk":"https://files.imbox.io/w.js"}}}`, "", "preferences"},
		{"two categories", `{"imports":{"a":"https://files.imbox.io/w.js","b":"https://www.googletagmanager.com/x.js"}}`, "", "statistics preferences"},
		{"relative, against a tracker's base", `{"imports":{"trk":"./x.js"}}`, "https://www.googletagmanager.com/", "statistics"},
		{"a key twice: the first value is read too", `{"imports":{"trk":"https://www.googletagmanager.com/x.js","trk":"/ok.js"}}`, "", "statistics"},
		{"an import map twice", `{"imports":{"trk":"https://www.googletagmanager.com/x.js"},"imports":{}}`, "", "statistics"},
		{"deep nesting elsewhere", `{"x":` + strings.Repeat("[", 3000) + strings.Repeat("]", 3000) + `,"imports":{"trk":"https://www.googletagmanager.com/x.js"}}`, "", "statistics"},

		{"the site's own", `{"imports":{"app":"/js/app.js","lib":"https://cdn.example.se/lib.js"},"integrity":{"/js/app.js":"sha384-abc"}}`, "", ""},
		{"a tracker's URL as a specifier, mapped to the site's own", `{"imports":{"https://www.googletagmanager.com/gtm.js":"/noop.js"}}`, "", ""},
		{"a tracker's URL as a scope", `{"scopes":{"https://www.googletagmanager.com/":{"a":"/a.js"}}}`, "", ""},
		{"a host named without //", `{"imports":{"www.googletagmanager.com":"/a.js"},"x":"www.googletagmanager.com"}`, "", ""},
		{"empty", ``, "", ""},
		{"no imports", `{}`, "", ""},

		// Not JSON: browsers ignore it, and it is read as a module's text (a window of a
		// long import map is no complete JSON either).
		{"a window of a long import map", `{"imports":{"a":"/a.js","trk":"https:\/\/www.googletagmanager.com/x.js"`, "", "statistics"},
		{"a later window", `a.js","trk":"//files.imbox.io/x.js"}}`, "", "preferences"},
		{"not JSON, naming nothing", `{imports: {a: "/a.js"}}`, "", ""},
	}
	for _, tc := range tests {
		if got := categories(p.ImportMap([]byte(tc.json), tc.base, "example.se")); got != tc.want {
			t.Errorf("%s: blockers %q, want %q", tc.name, got, tc.want)
		}
	}
}

// TestJSONStringValues: every string value, no key, and what JSON.parse refuses fails.
func TestJSONStringValues(t *testing.T) {
	tests := []struct {
		json, want string
		ok         bool
	}{
		{`{"a":"1","b":["2",{"c":"3"},{}],"d":{},"e":[],"f":"4"}`, "1 2 3 4", true},
		{`"x"`, "x", true},
		{` [ "x" , 1, null, true ] `, "x", true},
		{`{"a":"1","a":"2"}`, "1 2", true},
		{`{"a":"1"} {}`, "1", false},
		{`{"a":"1",}`, "1", false},
		{`{'a':'1'}`, "", false},
		{``, "", false},
	}
	for _, tc := range tests {
		var got []string
		err := jsonStringValues([]byte(tc.json), func(s string) { got = append(got, s) })
		if strings.Join(got, " ") != tc.want || (err == nil) != tc.ok {
			t.Errorf("%s: %q %v, want %q ok=%v", tc.json, got, err, tc.want, tc.ok)
		}
	}
}
