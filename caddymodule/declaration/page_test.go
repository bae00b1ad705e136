package declaration

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/consentgate/consentgate/policy"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.html from the current output")

// given is a visitor who granted statistics (and necessary) on a fixed date.
func given(p *policy.Policy) policy.Consent {
	return policy.Consent{
		Given:   true,
		Granted: p.SetOf([]string{"statistics"}),
		ID:      "k3Jx9QpZ0aV2b7Lw1mN8cQ",
		Time:    time.Date(2025, 11, 22, 10, 0, 0, 0, time.UTC),
	}
}

func page(t testing.TB, p *policy.Policy, lang string, cons policy.Consent, nonce string) (string, *html.Node) {
	t.Helper()
	var b bytes.Buffer
	if err := Page(&b, p, testTexts{}, lang, cons, "/_consent", nonce, true); err != nil {
		t.Fatal(err)
	}
	return b.String(), parseHTML(t, b.String())
}

func static(t testing.TB, p *policy.Policy, lang string) (string, *html.Node) {
	t.Helper()
	var b bytes.Buffer
	if err := Static(&b, p, testTexts{}, lang); err != nil {
		t.Fatal(err)
	}
	return b.String(), parseHTML(t, b.String())
}

func parseHTML(t testing.TB, s string) *html.Node {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(s))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func all(n *html.Node, a atom.Atom) []*html.Node {
	var out []*html.Node
	for d := range n.Descendants() {
		if d.Type == html.ElementNode && d.DataAtom == a {
			out = append(out, d)
		}
	}
	return out
}

func text(n *html.Node) string {
	var b strings.Builder
	for d := range n.Descendants() {
		if d.Type == html.TextNode {
			b.WriteString(d.Data)
		}
	}
	return b.String()
}

func attr(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

// rows returns the cells of every cookie row of the page, by name.
func rows(doc *html.Node) map[string][][]string {
	m := map[string][][]string{}
	for _, body := range all(doc, atom.Tbody) {
		for _, tr := range all(body, atom.Tr) {
			var cells []string
			for c := tr.FirstChild; c != nil; c = c.NextSibling {
				if c.Type == html.ElementNode {
					cells = append(cells, text(c))
				}
			}
			m[cells[0]] = append(m[cells[0]], cells)
		}
	}
	return m
}

func TestSeedPageListsEveryCookieOnce(t *testing.T) {
	for _, example := range []string{"almi", "fora"} {
		p := loadExample(t, example)
		want := []string{p.Consent.Name}
		for _, c := range p.Cookies {
			want = append(want, c.Name)
		}
		for _, lang := range []string{"sv", "en"} {
			_, doc := page(t, p, lang, policy.NoChoice(), "")
			got := rows(doc)
			for _, name := range want {
				if n := len(got[name]); n != 1 {
					t.Errorf("%s/%s: %q is in %d rows, want 1", example, lang, name, n)
				}
				delete(got, name)
			}
			for name := range got {
				t.Errorf("%s/%s: a row for %q, which the policy does not declare", example, lang, name)
			}
			if n := len(all(doc, atom.Tr)) - len(all(doc, atom.Thead)); n != len(want) {
				t.Errorf("%s/%s: %d body rows, want %d", example, lang, n, len(want))
			}
		}
	}
}

func TestPageCells(t *testing.T) {
	p := loadExample(t, "almi")
	ga, _ := p.DeclaredCookie("_ga")
	for _, tc := range []struct {
		lang string
		want []string
	}{
		{"sv", []string{"_ga", "almi.se", "HTTP", "2 år", ga.Purpose["sv"], "United States (adekvat)"}},
		{"en", []string{"_ga", "almi.se", "HTTP", "2 years", ga.Purpose["en"], "United States (adequate)"}},
	} {
		_, doc := page(t, p, tc.lang, policy.NoChoice(), "")
		if got := rows(doc)["_ga"][0]; !slices.Equal(got, tc.want) {
			t.Errorf("%s: _ga row\n got %q\nwant %q", tc.lang, got, tc.want)
		}
		headers := all(all(doc, atom.Thead)[0], atom.Th)
		if got := text(headers[3]); got != labelsFor(tc.lang).Duration {
			t.Errorf("%s: duration column %q", tc.lang, got)
		}
	}
	_, doc := page(t, p, "sv", policy.NoChoice(), "")
	if got := rows(doc)["imbox-referrer"][0][5]; got != "Unknown (inte adekvat)" {
		t.Errorf("imbox-referrer sent to %q", got)
	}
	if got := rows(doc)["_gcl_ls"][0][3]; got != "Beständig" {
		t.Errorf("_gcl_ls duration %q", got)
	}
}

func TestPageSections(t *testing.T) {
	p := loadExample(t, "almi")
	_, doc := page(t, p, "sv", policy.NoChoice(), "")
	var h2 []string
	for _, h := range all(doc, atom.H2) {
		h2 = append(h2, text(h))
	}
	want := []string{"Ditt samtycke", "Nödvändiga (4)", "Inställningar (8)", "Statistik (3)", "Marknadsföring (4)", "Oklassificerade (3)", "Om tabellerna"}
	if !slices.Equal(h2, want) {
		t.Errorf("almi sections %q, want %q", h2, want)
	}

	// Fora divides its cookies by the part of the site that uses them.
	_, doc = page(t, loadExample(t, "fora"), "sv", policy.NoChoice(), "")
	var h3 []string
	for _, h := range all(doc, atom.H3) {
		h3 = append(h3, text(h))
	}
	want = []string{"Hela webbplatsen", "Den publika webbplatsen fora.se (ej inloggat kundmöte)", "Inloggning till Mina sidor", "Inloggade e-tjänster Månadsrapportering", "E-tjänster utanför Mina sidor"}
	if !slices.Equal(h3, want) {
		t.Errorf("fora groups %q, want %q", h3, want)
	}
	if n := len(all(doc, atom.Table)); n != 5 {
		t.Errorf("fora: %d tables, want one per group (5)", n)
	}
}

func checkboxes(doc *html.Node) map[string]string {
	m := map[string]string{}
	for _, in := range all(doc, atom.Input) {
		if v, _ := attr(in, "type"); v != "checkbox" {
			continue
		}
		id, _ := attr(in, "value")
		state := ""
		if _, ok := attr(in, "checked"); ok {
			state += "checked"
		}
		if _, ok := attr(in, "disabled"); ok {
			state += " disabled"
		}
		m[id] = strings.TrimSpace(state)
	}
	return m
}

func TestPageConsentState(t *testing.T) {
	p := loadExample(t, "almi")
	cons := given(p)
	src, doc := page(t, p, "sv", cons, "")
	for _, s := range []string{cons.ID, "2025-11-22 10:00 UTC", "Nödvändiga, Statistik", "Återkalla samtycke"} {
		if !strings.Contains(src, s) {
			t.Errorf("the consent state lacks %q", s)
		}
	}
	if got, want := checkboxes(doc), map[string]string{"necessary": "checked disabled", "preferences": "", "statistics": "checked", "marketing": ""}; !equalMaps(got, want) {
		t.Errorf("boxes %v, want %v", got, want)
	}

	src, doc = page(t, p, "sv", policy.NoChoice(), "")
	for _, s := range []string{cons.ID, "UTC", swedish.Granted, "Återkalla"} {
		if strings.Contains(src, s) {
			t.Errorf("no choice made, yet the page shows %q", s)
		}
	}
	if !strings.Contains(src, swedish.NoChoice) {
		t.Errorf("no choice made, and the page does not say so")
	}
	if got, want := checkboxes(doc), map[string]string{"necessary": "checked disabled", "preferences": "", "statistics": "", "marketing": ""}; !equalMaps(got, want) {
		t.Errorf("no choice: boxes %v, want %v", got, want)
	}

	gpc := policy.NoChoice()
	gpc.GPC = true
	if src, _ := page(t, p, "en", gpc, ""); !strings.Contains(src, english.GPC) {
		t.Errorf("a GPC refusal is not explained")
	}
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func TestPageForms(t *testing.T) {
	p := loadExample(t, "almi")
	var b bytes.Buffer
	if err := Page(&b, p, testTexts{}, "en", policy.NoChoice(), "/cc", "", true); err != nil {
		t.Fatal(err)
	}
	doc := parseHTML(t, b.String())
	forms := all(doc, atom.Form)
	if len(forms) != 2 {
		t.Fatalf("%d forms, want 2", len(forms))
	}
	var choices []string
	for _, f := range forms {
		if m, _ := attr(f, "method"); m != "post" {
			t.Errorf("form method %q", m)
		}
		if a, _ := attr(f, "action"); a != "/cc/consent" {
			t.Errorf("form action %q", a)
		}
		fields := map[string]string{}
		for _, in := range append(all(f, atom.Input), all(f, atom.Button)...) {
			name, _ := attr(in, "name")
			value, _ := attr(in, "value")
			if name == "choice" {
				choices = append(choices, value)
			}
			fields[name] = value
		}
		if fields["return"] != "/cc/declaration?lang=en" {
			t.Errorf("return %q", fields["return"])
		}
	}
	if want := []string{"custom", "accept_all", "reject_all"}; !slices.Equal(slices.Sorted(slices.Values(choices)), slices.Sorted(slices.Values(want))) {
		t.Errorf("choices %v, want %v", choices, want)
	}

	for _, lang := range []string{"sv", "en"} {
		src, doc := page(t, loadExample(t, "fora"), lang, policy.NoChoice(), "")
		if n := len(all(doc, atom.Form)) + len(all(doc, atom.Input)) + len(all(doc, atom.Button)); n != 0 {
			t.Errorf("fora/%s: notice_only, yet %d form elements", lang, n)
		}
		if want := strings.Replace(labelsFor(lang).NoticeOnly, "%s", "Fora", 1); !strings.Contains(src, want) {
			t.Errorf("fora/%s: the page does not say why it asks nothing", lang)
		}
	}
}

func TestPageLanguageSwitch(t *testing.T) {
	_, doc := page(t, loadExample(t, "almi"), "en", policy.NoChoice(), "")
	nav := all(doc, atom.Nav)
	if len(nav) != 1 {
		t.Fatalf("%d nav elements", len(nav))
	}
	var got []string
	for _, a := range all(nav[0], atom.A) {
		href, _ := attr(a, "href")
		_, current := attr(a, "aria-current")
		got = append(got, text(a)+" "+href+map[bool]string{true: " current"}[current])
	}
	want := []string{"Svenska /_consent/declaration?lang=sv", "English /_consent/declaration?lang=en current"}
	if !slices.Equal(got, want) {
		t.Errorf("language links %q, want %q", got, want)
	}
	if l, _ := attr(all(doc, atom.Html)[0], "lang"); l != "en" {
		t.Errorf("html lang %q", l)
	}
}

func TestPageEscapes(t *testing.T) {
	const evil = `<script>alert("x")</script>&amp;`
	p := parse(t, `
version: 1
languages: [en]
site: {name: '<b>Evil</b> "site"', privacy_policy_url: "https://example.com/?a=1&b=<x>"}
categories:
  - {id: marketing, title: "<i>Ads</i>", description: "</table><script>x()</script>"}
cookies:
  - name: "<img src onerror-alert(1)>"
    category: marketing
    provider: '"><script>p()</script>'
    duration: 1d
    purpose: '`+evil+`'
    used_by: "<h1>group</h1>"
    transfer: {country: "<u>Land</u>", adequate: false}
texts:
  accept_all: "<button>"
`)
	src, doc := page(t, p, "en", given(p), `n"><script>`)
	if n := len(all(doc, atom.Script)); n != 0 {
		t.Errorf("%d script elements in the page", n)
	}
	for _, tag := range []atom.Atom{atom.B, atom.I, atom.Img, atom.U} {
		if n := len(all(doc, tag)); n != 0 {
			t.Errorf("%d <%s> elements from the policy's texts", n, tag)
		}
	}
	if n := len(all(doc, atom.H1)); n != 1 {
		t.Errorf("%d h1 elements", n)
	}
	r := rows(doc)["<img src onerror-alert(1)>"]
	if len(r) != 1 || r[0][4] != evil || r[0][1] != `"><script>p()</script>` || r[0][5] != "<u>Land</u> (not adequate)" {
		t.Errorf("the row does not show the policy's text as text: %q", r)
	}
	if b := all(doc, atom.Button); len(b) == 0 || text(b[0]) != "<button>" {
		t.Errorf("the policy's accept_all override is not shown as text")
	}
	if strings.Contains(src, "<script") {
		t.Errorf("the page source contains <script")
	}
	if style := all(doc, atom.Style); len(style) != 1 {
		t.Errorf("%d style elements", len(style))
	} else if n, _ := attr(style[0], "nonce"); n != `n"><script>` {
		t.Errorf("nonce %q", n)
	}
}

func TestPageNonce(t *testing.T) {
	p := loadExample(t, "almi")
	_, doc := page(t, p, "sv", policy.NoChoice(), "r4nd0m")
	style := all(doc, atom.Style)
	if len(style) != 1 {
		t.Fatalf("%d style elements, want 1", len(style))
	}
	if n, ok := attr(style[0], "nonce"); !ok || n != "r4nd0m" {
		t.Errorf("style nonce %q", n)
	}
	// Without a nonce, a strict CSP would refuse the block: leave it out.
	_, doc = page(t, p, "sv", policy.NoChoice(), "")
	if n := len(all(doc, atom.Style)); n != 0 {
		t.Errorf("%d style elements without a nonce", n)
	}
	for _, a := range []atom.Atom{atom.Script, atom.Link, atom.Iframe, atom.Img} {
		if n := len(all(doc, a)); n != 0 {
			t.Errorf("%d <%s> elements: the page must load nothing", n, a)
		}
	}
	for n := range doc.Descendants() {
		if _, ok := attr(n, "style"); ok {
			t.Errorf("an inline style attribute on <%s>", n.Data)
		}
	}
}

func TestStatic(t *testing.T) {
	src, doc := static(t, loadExample(t, "almi"), "sv")
	if n := len(all(doc, atom.Form)) + len(all(doc, atom.Input)); n != 0 {
		t.Errorf("static page has %d form elements", n)
	}
	if strings.Contains(src, swedish.YourConsent) || strings.Contains(src, swedish.NoChoice) || len(all(doc, atom.Nav)) != 0 {
		t.Errorf("static page shows a consent state or a language switch")
	}
	var hrefs []string
	for _, a := range all(doc, atom.A) {
		h, _ := attr(a, "href")
		hrefs = append(hrefs, h)
	}
	if !slices.Contains(hrefs, "/_consent/declaration?lang=sv") {
		t.Errorf("static page does not link to where consent is changed: %v", hrefs)
	}
	if got := len(rows(doc)); got != 22 {
		t.Errorf("static page lists %d cookies, want 22", got)
	}
	if style := all(doc, atom.Style); len(style) != 1 {
		t.Errorf("static page has %d style elements", len(style))
	}

	src, _ = static(t, loadExample(t, "fora"), "en")
	if strings.Contains(src, "/_consent/declaration") {
		t.Errorf("a notice_only site has no consent to change, yet the static page links to it")
	}
}

// TestSeedGolden keeps the rendered pages of both seeds in testdata, for a
// reviewer to read; run with -update after a deliberate change.
func TestSeedGolden(t *testing.T) {
	almi, fora := loadExample(t, "almi"), loadExample(t, "fora")
	for _, tc := range []struct {
		file   string
		render func() string
	}{
		{"almi.sv.golden.html", func() string { s, _ := page(t, almi, "sv", given(almi), "golden-nonce"); return s }},
		{"fora.sv.golden.html", func() string { s, _ := page(t, fora, "sv", policy.NoChoice(), "golden-nonce"); return s }},
		{"almi.static.en.golden.html", func() string { s, _ := static(t, almi, "en"); return s }},
	} {
		path := filepath.Join("testdata", tc.file)
		got := tc.render()
		if *update {
			if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test -update to create it)", err)
		}
		if got != string(want) {
			t.Errorf("%s differs from the rendered page; if the change is meant, run go test -update and review the diff", path)
		}
	}
}

func TestNameParts(t *testing.T) {
	for name, want := range map[string]string{
		"cookie_consent": "cookie_|consent",
		"_ga_#":          "_ga_#",
		"_ga":            "_ga",
		"com.sap.engine.security.authentication.original_application_url": "com.|sap.|engine.|security.|authentication.|original_|application_|url",
		"refreshToken_*_SAPEP": "refreshToken_|*_SAPEP",
		"a.b.c":                "a.b.c",
		"Portal Alias":         "Portal Alias",
		"__Host-id":            "__Host-id",
		"ab_cd-efgh":           "ab_cd-|efgh",
	} {
		if got := strings.Join(nameParts(name), "|"); got != want {
			t.Errorf("nameParts(%q) = %q, want %q", name, got, want)
		}
	}
}
