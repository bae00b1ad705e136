package assets

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/consentgate/consentgate/policy"
)

func TestPlaceholder(t *testing.T) {
	b := bundle(t, testPolicy, Options{})
	for _, tc := range []struct {
		name        string
		pg          Page
		ph          PlaceholderInfo
		title, text string
		button      string
		svg         [3]string // width, height, viewBox
		wide        bool
		granted     []string // hidden category fields
	}{
		{"sv, attributes", Page{Lang: "sv", Consent: policy.NoChoice(), ReturnPath: "/film?id=1&t=2"},
			PlaceholderInfo{Tag: "iframe", Host: "youtube.com", Category: "marketing", Width: "560", Height: "315"},
			"Innehåll från youtube.com", "Det visas när du tillåter kakor för Annonser.", "Tillåt Annonser och visa",
			[3]string{"560", "315", "0 0 560 315"}, false, nil},
		{"en, no size: the default", Page{Lang: "en", Consent: given(b.policy, "statistics", "preferences"), ReturnPath: "/"},
			PlaceholderInfo{Tag: "video", Host: "vimeo.com", Category: "marketing"},
			"Content from vimeo.com", "It is shown once you allow Ads cookies.", "Allow Ads and load",
			[3]string{"300", "150", "0 0 300 150"}, false, []string{"preferences", "statistics"}},
		{"percent width, px and fraction", Page{Lang: "en"},
			PlaceholderInfo{Tag: "embed", Host: "maps.example", Category: "preferences", Width: " 100% ", Height: "450.5px"},
			"Content from maps.example", "It is shown once you allow Preferences cookies.", "Allow Preferences and load",
			[3]string{"100%", "450", ""}, true, nil},
		{"audio, no host", Page{Lang: "en"},
			PlaceholderInfo{Tag: "audio", Category: "statistics", Width: "abc", Height: "50%"},
			"", "It is shown once you allow Statistics cookies.", "Allow Statistics and load",
			[3]string{"300", "54", "0 0 300 54"}, false, nil},
		{"hostile host and return", Page{Lang: "en", ReturnPath: `/"><script>x</script>`},
			PlaceholderInfo{Tag: "object", Host: `<b>"x"</b>`, Category: "marketing", Width: "99999", Height: "1e3"},
			`Content from <b>"x"</b>`, "It is shown once you allow Ads cookies.", "Allow Ads and load",
			[3]string{"300", "1", "0 0 300 1"}, false, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := b.Placeholder(tc.pg, tc.ph)
			if tc.name == "hostile host and return" {
				// height "1e3" is 1 pixel: a tracking frame, no placeholder.
				if out != nil {
					t.Fatalf("a 1-pixel embed got a placeholder: %s", out)
				}
				tc.ph.Height = "315"
				tc.svg = [3]string{"300", "315", "0 0 300 315"}
				out = b.Placeholder(tc.pg, tc.ph)
			}
			doc := parseFragment(t, string(out))
			sheets := find(doc, "link")
			if len(sheets) != 2 || !strings.HasPrefix(val(sheets[0], "href"), "/_consent/banner.css?v=") || val(sheets[0], "href") != val(sheets[1], "href") {
				t.Errorf("style sheets: %v", sheets)
			}
			host := findClass(doc, "cg-ph")
			if host == nil || host.Data != "span" || val(host, "data-cg-ph") != tc.ph.Category {
				t.Fatalf("no shadow host: %s", out)
			}
			tpl := find(host, "template")
			if len(tpl) != 1 || val(tpl[0], "shadowrootmode") != "open" {
				t.Fatalf("no declarative shadow root: %s", out)
			}
			ph := findClass(host, "ph")
			if val(ph, "lang") != b.lang(tc.pg.Lang) || strings.Contains(val(ph, "class"), "ph-wide") != tc.wide {
				t.Errorf("placeholder %v", ph.Attr)
			}
			svg := find(ph, "svg")[0]
			if got := [3]string{val(svg, "width"), val(svg, "height"), val(svg, "viewBox")}; got != tc.svg || val(svg, "aria-hidden") != "true" {
				t.Errorf("sizer %v, want %v", got, tc.svg)
			}
			title := findClass(ph, "ph-t")
			if (title == nil) != (tc.title == "") || title != nil && text(title) != tc.title {
				t.Errorf("title %q, want %q", text(title), tc.title)
			}
			if got := text(findClass(ph, "ph-x")); got != tc.text {
				t.Errorf("text %q, want %q", got, tc.text)
			}
			btn := findClass(ph, "ph-b")
			if text(btn) != tc.button || val(btn, "name") != "category" || val(btn, "value") != tc.ph.Category || btn.Parent.Data != "form" {
				t.Errorf("button %v %q", btn.Attr, text(btn))
			}
			form := btn.Parent
			if val(form, "method") != "post" || val(form, "action") != "/_consent/consent" {
				t.Errorf("form %v", form.Attr)
			}
			fields := map[string][]string{}
			for _, in := range find(form, "input") {
				if val(in, "type") != "hidden" {
					t.Errorf("a visible input: %v", in.Attr)
				}
				fields[val(in, "name")] = append(fields[val(in, "name")], val(in, "value"))
			}
			ret := tc.pg.ReturnPath
			if ret == "" {
				ret = "/"
			}
			if strings.Join(fields["return"], " ") != ret || strings.Join(fields["choice"], " ") != "custom" || strings.Join(fields["category"], " ") != strings.Join(tc.granted, " ") {
				t.Errorf("form fields %v", fields)
			}
			if a := findClass(ph, "ph-a"); val(a, "href") != "/_consent/declaration?lang="+b.lang(tc.pg.Lang) || text(a) != b.Text("cookie_settings", b.lang(tc.pg.Lang)) {
				t.Errorf("settings link %v", a.Attr)
			}
			checkCSPSafe(t, string(out), "", "", "")
		})
	}
	for _, ph := range []PlaceholderInfo{
		{Tag: "frame", Category: "marketing"},
		{Tag: "iframe", Category: "marketing", Width: "1", Height: "1"},
		{Tag: "iframe", Category: "marketing", Width: "0"},
		{Tag: "iframe", Category: "marketing", Height: "2px"},
	} {
		if out := b.Placeholder(Page{}, ph); out != nil {
			t.Errorf("%+v: a placeholder nobody would see: %s", ph, out)
		}
	}
}

// TestPlaceholderTexts: the policy's texts: override the placeholder's, with
// {host} and {category} filled in.
func TestPlaceholderTexts(t *testing.T) {
	b := bundle(t, testPolicy+`  placeholder_title: {sv: "Från {host}", en: "From {host}"}
  placeholder_allow: "OK: {category} ({host})"
`, Options{})
	doc := parseFragment(t, string(b.Placeholder(Page{Lang: "sv"}, PlaceholderInfo{Tag: "iframe", Host: "a.example", Category: "statistics"})))
	if got := text(findClass(doc, "ph-t")); got != "Från a.example" {
		t.Errorf("title %q", got)
	}
	if got := text(findClass(doc, "ph-b")); got != "OK: Statistik (a.example)" {
		t.Errorf("button %q", got)
	}
}

// TestPlaceholderParseContexts checks, with x/net/html's parser as the
// oracle, that a placeholder inserted before an embed's start tag changes
// nothing else of the page, wherever the embed stands: an open <p>, <a>,
// <li>, a table cell, a table (foster parenting), <button>, <select>,
// <object> fallback, a <template>, <noscript>. Removing the nodes we inserted
// from the parsed document gives the document parsed without them.
func TestPlaceholderParseContexts(t *testing.T) {
	b := bundle(t, testPolicy, Options{})
	pg := Page{Lang: "en", Origin: "https://example.se", ReturnPath: "/x"}
	ph := string(b.Placeholder(pg, PlaceholderInfo{Tag: "iframe", Host: "youtube.com", Category: "marketing", Width: "560", Height: "315"}))
	const embed = `<iframe data-consent="marketing" data-consent-src="https://www.youtube.com/embed/x" width="560" height="315"></iframe>`
	for _, page := range []string{
		`<p>Text {E} more text.</p><p>Next</p>`,
		`<p><a href="/x">link {E} text</a> after</p><div>block</div>`,
		`<ul><li>one {E}<li>two</ul>`,
		`<table><tr><td>{E}</td><td>b</td></tr></table><p>after</p>`,
		`<table><tr>{E}<td>b</td></tr></table><p>after</p>`,
		`<p><button>press {E}</button> after</p>`,
		`<select><option>a{E}</select><p>after</p>`,
		`<object data="x.swf">{E}<p>fallback</p></object>`,
		`<template><p>{E}</p></template><p>after</p>`,
		`<noscript>{E}</noscript><p>after</p>`,
		`<p><b><i>format {E} still italic</i></b> plain</p>`,
		`<h2>Title {E}</h2><p>after</p>`,
		`<dl><dt>term<dd>{E} definition</dl>`,
		`<p>{E}<form><input name=q></form>`,
	} {
		for _, scripting := range []bool{true, false} {
			if scripting && strings.HasPrefix(page, "<noscript>") {
				continue // with scripting on, <noscript> holds text that is never shown
			}
			src := `<!DOCTYPE html><html><head><title>t</title></head><body>` + page + `</body></html>`
			with := parseDoc(t, strings.ReplaceAll(src, "{E}", ph+embed), scripting)
			without := parseDoc(t, strings.ReplaceAll(src, "{E}", embed), scripting)
			removeOurs(with)
			if got, want := render(t, with), render(t, without); got != want {
				t.Errorf("%s (scripting %v): the placeholder changes the page:\n got %s\nwant %s", page, scripting, got, want)
			}
		}
	}
}

func parseDoc(t *testing.T, src string, scripting bool) *html.Node {
	t.Helper()
	doc, err := html.ParseWithOptions(strings.NewReader(src), html.ParseOptionEnableScripting(scripting))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// removeOurs removes the placeholder's nodes: its style sheet link and its
// shadow host, wherever the parser put them.
func removeOurs(n *html.Node) {
	for c := n.FirstChild; c != nil; {
		next := c.NextSibling
		if c.Type == html.ElementNode && (c.Data == "link" && strings.Contains(val(c, "href"), "/_consent/") || val(c, "data-cg-ph") != "") {
			n.RemoveChild(c)
		} else {
			removeOurs(c)
		}
		c = next
	}
	// Adjacent text nodes that our nodes separated are one text node without them.
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		for c.Type == html.TextNode && c.NextSibling != nil && c.NextSibling.Type == html.TextNode {
			c.Data += c.NextSibling.Data
			n.RemoveChild(c.NextSibling)
		}
	}
}

func render(t *testing.T, n *html.Node) string {
	t.Helper()
	var buf bytes.Buffer
	if err := html.Render(&buf, n); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func TestDimension(t *testing.T) {
	for in, want := range map[string]struct {
		v       float64
		pct, ok bool
	}{
		"560": {560, false, true}, " 560px": {560, false, true}, "100%": {100, true, true}, "12.5%": {12.5, true, true},
		"7.": {7, false, true}, "": {0, false, false}, "px": {0, false, false}, "-5": {0, false, false}, "0": {0, false, true},
		"1e3": {1, false, true}, "99999999999999999999999": {1e23, false, true},
	} {
		v, pct, ok := dimension(in)
		if v != want.v || pct != want.pct || ok != want.ok {
			t.Errorf("dimension(%q) = %v %v %v, want %+v", in, v, pct, ok, want)
		}
	}
}

// TestOrigin: with Page.Origin every URL of ours in the markup is absolute,
// so that a <base href> cannot move it; anything but an http(s) origin is
// ignored.
func TestOrigin(t *testing.T) {
	b := bundle(t, testPolicy+"  privacy_link: x\n", Options{})
	b.policy.Site.PrivacyPolicyURL = "/integritet"
	urlAttr := regexp.MustCompile(` (?:src|href|action)="([^"]*)"`)
	for origin, want := range map[string]string{
		"https://www.example.se":   "https://www.example.se",
		"http://localhost:8080":    "http://localhost:8080",
		"http://[::1]:2015":        "http://[::1]:2015",
		"":                         "",
		"javascript:alert(1)":      "",
		"http://a.example/path":    "",
		`http://a"><script>`:       "",
		"https://":                 "",
		"ftp://files.example":      "",
		"http://user@host.example": "",
	} {
		pg := Page{Lang: "sv", Origin: origin, ShowBanner: true, Consent: policy.NoChoice()}
		out := string(b.Head(pg)) + string(b.BodyEnd(pg)) +
			string(b.Placeholder(pg, PlaceholderInfo{Tag: "iframe", Host: "x.example", Category: "marketing"}))
		urls := urlAttr.FindAllStringSubmatch(out, -1)
		if len(urls) < 12 {
			t.Fatalf("%d URLs in the markup", len(urls))
		}
		for _, u := range urls {
			if !strings.HasPrefix(u[1], want+"/") || strings.HasPrefix(u[1], "//") {
				t.Errorf("origin %q: URL %q, want it under %q", origin, u[1], want+"/")
			}
		}
	}
}

// TestStyleSheetScoped: banner.css is loaded in the page too, so none of its
// selectors may match the site's elements: each starts with :host (which
// matches nothing outside a shadow tree), except the rule that hides the
// embeds we hold back, which names our own attribute.
func TestStyleSheetScoped(t *testing.T) {
	src, err := static.ReadFile("static/banner.css")
	if err != nil {
		t.Fatal(err)
	}
	css := string(stripCSS(src))
	held := regexp.MustCompile(`^:is\((iframe|video|audio|embed|object)(, (iframe|video|audio|embed|object))*\)\[data-consent\]:not\(\[data-cg-m\]\)$`)
	var rules int
	var scan func(s string)
	scan = func(s string) {
		for {
			open := strings.IndexByte(s, '{')
			if open < 0 {
				return
			}
			prelude := strings.TrimSpace(s[:open])
			// The block: up to the matching brace.
			depth, end := 0, open
			for i := open; i < len(s); i++ {
				if s[i] == '{' {
					depth++
				} else if s[i] == '}' {
					if depth--; depth == 0 {
						end = i
						break
					}
				}
			}
			if strings.HasPrefix(prelude, "@") {
				scan(s[open+1 : end])
			} else {
				for _, sel := range strings.Split(prelude, ",") {
					sel = strings.TrimSpace(sel)
					if !strings.HasPrefix(sel, ":host") && !held.MatchString(prelude) {
						t.Errorf("selector %q can match the site's elements", sel)
					}
				}
				rules++
			}
			s = s[end+1:]
		}
	}
	scan(css)
	if rules < 40 {
		t.Errorf("%d rules found: the scan misread the style sheet", rules)
	}
}
