package policy

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// The seed policies are the product's anchors (shared/seeds): these tests hold
// their transcriptions in examples/ to the seed documents, row by row, so that
// an edit to either policy that drifts from what the site declares fails here.

func loadSeed(t *testing.T, name string) *Policy {
	t.Helper()
	p, err := LoadFile("../examples/" + name + "/policy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func dur(kind DurationKind, d time.Duration) Duration { return Duration{Kind: kind, Len: d} }

// almiRow is one row of seed 000's tables, as the report prints it.
type almiRow struct {
	name, provider, category, typ string
	duration                      Duration
	country                       string
	adequate                      bool
	script                        string // the initiating script tag's URL, "" for inline scripts or none given
}

const (
	gtagJS = "https://www.googletagmanager.com/gtag/js?id=G-HFVYCJEN26&l=dataLayer&cx=c"
	gtmJS  = "https://www.googletagmanager.com/gtm.js?id=GTM-M4F7LTR"
	imbox  = "https://files.imbox.io/widget-v2/prod/widget.js?v=ed2a102"
	jqc    = "https://etjanster.almi.se/static/f/1/209/js/jquery.cookie.js?v=cXqf4oQLYp7n7cti"
)

var almiRows = []almiRow{
	{"CookieConsent", "etjanster.almi.se", "necessary", "http", dur(Fixed, 365*day), "Sweden", true, ""},
	{"CookieConsent", "gtm.almi.se", "necessary", "http", dur(Fixed, 365*day), "Sweden", true, ""},
	{"imbox-consent", "files.imbox.io", "necessary", "html", dur(Session, 0), "Unknown", false, ""},
	{"JSESSIONID", "etjanster.almi.se", "necessary", "http", dur(Session, 0), "Sweden", true, ""},

	{"imbox", "etjanster.almi.se", "preferences", "http", dur(Fixed, 30*day), "Unknown", false, imbox},
	{"imbox-formValues", "files.imbox.io", "preferences", "html", dur(Session, 0), "Unknown", false, ""},
	{"imbox-navigation", "files.imbox.io", "preferences", "html", dur(Session, 0), "Unknown", false, ""},
	{"imbox-notification", "files.imbox.io", "preferences", "html", dur(Session, 0), "Unknown", false, ""},
	{"imbox-pendingMessages", "files.imbox.io", "preferences", "html", dur(Session, 0), "Unknown", false, ""},
	{"imbox-search", "files.imbox.io", "preferences", "html", dur(Session, 0), "Unknown", false, ""},
	{"imboxuid", "triggers-v3.imbox.io", "preferences", "http", dur(Fixed, day), "Unknown", false, ""},
	{"imbox-widget", "files.imbox.io", "preferences", "html", dur(Session, 0), "Unknown", false, ""},

	{"FPID", "almi.se", "statistics", "http", dur(Fixed, 400*day), "Sweden", true, ""},
	{"FPLC", "almi.se", "statistics", "http", dur(Fixed, day), "Sweden", true, ""},
	{"imbox-feedbackVotes", "files.imbox.io", "statistics", "html", dur(Session, 0), "Unknown", false, ""},

	{"_ga", "almi.se", "marketing", "http", dur(Fixed, 2*365*day), "United States", true, gtagJS},
	{"_ga_#", "almi.se", "marketing", "http", dur(Fixed, 2*365*day), "United States", true, gtagJS},
	{"_gcl_au", "almi.se", "marketing", "http", dur(Fixed, 90*day), "United States", true, gtmJS},
	{"imbox-referrer", "files.imbox.io", "marketing", "html", dur(Session, 0), "Unknown", false, ""},

	{"_gcl_ls", "googletagmanager.com", "unclassified", "html", dur(Persistent, 0), "United States", true, ""},
	{"oep.selectedSorting", "etjanster.almi.se", "unclassified", "http", dur(Session, 0), "Sweden", true, jqc},
	{"oep.selectedView", "etjanster.almi.se", "unclassified", "http", dur(Session, 0), "Sweden", true, jqc},
}

func countBy[T any](items []T, key func(T) string) map[string]int {
	m := map[string]int{}
	for _, it := range items {
		m[key(it)]++
	}
	return m
}

func sameCounts(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestSeedAlmiCounts(t *testing.T) {
	p := loadSeed(t, "almi")
	rows := countBy(almiRows, func(r almiRow) string { return r.category })
	if want := map[string]int{"necessary": 4, "preferences": 8, "statistics": 3, "marketing": 4, "unclassified": 3}; len(almiRows) != 22 || !sameCounts(rows, want) {
		t.Fatalf("the transcription table has %d rows %v, the seed 22 rows %v", len(almiRows), rows, want)
	}
	// CookieConsent's two rows are one declaration, so necessary has one less.
	decl := countBy(p.Cookies, func(c Cookie) string { return c.Category })
	if want := map[string]int{"necessary": 3, "preferences": 8, "statistics": 3, "marketing": 4, "unclassified": 3}; len(p.Cookies) != 21 || !sameCounts(decl, want) {
		t.Errorf("the policy declares %d cookies %v, want 21 %v", len(p.Cookies), decl, want)
	}
	if got, want := p.CategoryIDs(), []string{"necessary", "preferences", "statistics", "marketing"}; !slices.Equal(got, want) {
		t.Errorf("categories %v, want %v", got, want)
	}
	if !slices.Equal(p.Languages, []string{"sv", "en"}) || p.NoticeOnly || p.Undeclared != "block" {
		t.Errorf("languages %v, notice_only %v, undeclared %s; want [sv en], false, block", p.Languages, p.NoticeOnly, p.Undeclared)
	}
}

func TestSeedAlmiEveryRow(t *testing.T) {
	p := loadSeed(t, "almi")
	for _, r := range almiRows {
		c, ok := p.DeclaredCookie(r.name)
		switch {
		case !ok:
			t.Errorf("%s: not declared", r.name)
			continue
		case c.Name != r.name:
			t.Errorf("%s: matched by %q, want its own declaration", r.name, c.Name)
		}
		if c.Category != r.category || c.Type != r.typ {
			t.Errorf("%s: %s/%s, seed says %s/%s", r.name, c.Category, c.Type, r.category, r.typ)
		}
		if !slices.Contains(strings.Split(c.Provider, ", "), r.provider) {
			t.Errorf("%s: provider %q does not name %s", r.name, c.Provider, r.provider)
		}
		if c.Duration.Kind != r.duration.Kind || c.Duration.Len != r.duration.Len {
			t.Errorf("%s: duration %v (%v), seed says %v", r.name, c.Duration, c.Duration.Len, r.duration.Len)
		}
		if c.Transfer == nil || c.Transfer.Country != r.country || c.Transfer.Adequate != r.adequate {
			t.Errorf("%s: transfer %+v, seed says %s (adequate %v)", r.name, c.Transfer, r.country, r.adequate)
		}
	}
	for _, c := range p.Cookies {
		if !slices.ContainsFunc(almiRows, func(r almiRow) bool { return r.name == c.Name }) {
			t.Errorf("%s is declared but not in the seed", c.Name)
		}
	}
}

func TestSeedTexts(t *testing.T) {
	for _, name := range []string{"almi", "fora"} {
		p := loadSeed(t, name)
		for _, c := range p.Cookies {
			for _, lang := range []string{"sv", "en"} {
				if c.Purpose[lang] == "" {
					t.Errorf("%s: %s has no purpose in %s", name, c.Name, lang)
				}
				if len(c.UsedBy) > 0 && c.UsedBy[lang] == "" {
					t.Errorf("%s: %s has no used_by in %s", name, c.Name, lang)
				}
			}
		}
		for _, cat := range p.Categories {
			if cat.Description["sv"] == "" || cat.Description["en"] == "" {
				t.Errorf("%s: category %s lacks the seed's description in sv or en", name, cat.ID)
			}
		}
	}
}

func TestSeedAlmiPatterns(t *testing.T) {
	p := loadSeed(t, "almi")
	for name, want := range map[string]string{
		"_ga_HFVYCJEN26": "_ga_#",
		"_ga":            "_ga",
		"_gcl_au":        "_gcl_au",
		"CookieConsent":  "CookieConsent",
	} {
		if c, ok := p.DeclaredCookie(name); !ok || c.Name != want {
			t.Errorf("%s: matched %v, want %s", name, c, want)
		}
	}
	for _, name := range []string{"_ga_", "_gat", "_gcl_aw", "cookieconsent"} {
		if c, ok := p.DeclaredCookie(name); ok {
			t.Errorf("%s: matched %s, want undeclared", name, c.Name)
		}
	}
}

// TestSeedAlmiTagsMatchTheirCookies holds the blockers to the report: a
// third-party script that sets a cookie must wait for that cookie's category,
// else consent to one category would load a tag that sets cookies of another.
func TestSeedAlmiTagsMatchTheirCookies(t *testing.T) {
	p := loadSeed(t, "almi")
	const page = "etjanster.almi.se"
	for _, r := range almiRows {
		if r.script == "" {
			continue
		}
		b, ok := p.BlockerFor(r.script, page, nil)
		firstParty := strings.HasSuffix(srcHost(r.script, page), ".almi.se")
		switch {
		case firstParty && ok:
			t.Errorf("%s: the site's own %s is held back for %s", r.name, r.script, b.Category)
		case !firstParty && !ok:
			t.Errorf("%s: %s loads without consent", r.name, r.script)
		case !firstParty && b.Category != r.category:
			t.Errorf("%s (%s): its script %s waits for %s", r.name, r.category, r.script, b.Category)
		}
	}
	for _, tc := range []struct{ src, inline, want string }{
		{src: "https://triggers-v3.imbox.io/x", want: "preferences"},
		{src: "https://region1.google-analytics.com/g/collect?v=2", want: "marketing"},
		{src: "https://www.google-analytics.com/analytics.js", want: "marketing"},
		{inline: "window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments)}gtag('js',new Date());gtag('config','G-HFVYCJEN26');", want: "marketing"},
		{inline: "(function(w,d,s,l,i){var j=d.createElement(s);j.src='https://www.googletagmanager.com/gtm.js?id='+i;d.head.appendChild(j)})(window,document,'script','dataLayer','GTM-M4F7LTR');", want: "marketing"},
		{inline: "document.title = 'Almi';", want: ""},
	} {
		b, ok := p.BlockerFor(tc.src, page, []byte(tc.inline))
		got := ""
		if ok {
			got = b.Category
		}
		if got != tc.want {
			t.Errorf("BlockerFor(%q, %.30q) = %q, want %q", tc.src, tc.inline, got, tc.want)
		}
	}
	for _, b := range p.Blockers {
		if b.Category == "statistics" {
			t.Errorf("line %d: a statistics blocker; the seed traces no browser tag to statistics cookies alone", b.Line)
		}
	}
}

func TestSeedForaNotice(t *testing.T) {
	p := loadSeed(t, "fora")
	if !p.NoticeOnly || p.Undeclared != "block" {
		t.Errorf("notice_only %v, undeclared %s; want true, block", p.NoticeOnly, p.Undeclared)
	}
	if got := p.CategoryIDs(); !slices.Equal(got, []string{"necessary"}) {
		t.Errorf("categories %v, want only necessary", got)
	}
	if len(p.Cookies) != 16 {
		t.Errorf("%d cookies, want the seed's 16 (partnerNumber and Organization are two)", len(p.Cookies))
	}
	for _, c := range p.Cookies {
		if c.Category != Necessary {
			t.Errorf("%s is %s", c.Name, c.Category)
		}
	}
	desc := p.Categories[0].Description["sv"]
	for _, s := range []string{"Post- och telestyrelsen (PTS)", "lagen om elektronisk kommunikation (LEK)", "dpo@fora.se"} {
		if !strings.Contains(desc, s) {
			t.Errorf("the necessary category's description does not mention %q", s)
		}
	}
}

func TestSeedForaNames(t *testing.T) {
	p := loadSeed(t, "fora")
	const (
		public   = "Den publika webbplatsen fora.se (ej inloggat kundmöte)"
		login    = "Inloggning till Mina sidor"
		monthly  = "Inloggade e-tjänster Månadsrapportering"
		services = "E-tjänster utanför Mina sidor"
	)
	for _, tc := range []struct {
		name, decl string
		duration   Duration
		usedBy     string
	}{
		{"_pk_testcookie", "_pk_testcookie", dur(Persistent, 0), public},
		{"__RequestVerificationToken", "__RequestVerificationToken", dur(Session, 0), public},
		{"accepted_cookies", "accepted_cookies", dur(Persistent, 0), public},
		{"Portal Alias", "Portal Alias", dur(Session, 0), login},
		{"com.sap.engine.security.authentication.original_application_url", "com.sap.engine.security.authentication.original_application_url", dur(Session, 0), login},
		{"saplb_PORTAL", "saplb_*", dur(Session, 0), login},
		{"saplb_*", "saplb_*", dur(Session, 0), login},
		{"react-router-scroll-positions", "react-router-scroll-positions", dur(Session, 0), monthly},
		{"msal.token.keys", "msal.token.keys", dur(Fixed, time.Hour), monthly},
		{"partnerNumber", "partnerNumber", dur(Session, 0), monthly},
		{"Organization", "Organization", dur(Session, 0), monthly},
		{"refreshToken_ACME_SAPEP", "refreshToken_*_SAPEP", dur(Fixed, time.Hour), monthly},
		{"refreshToken_5560001234_SAPEP", "refreshToken_*_SAPEP", dur(Fixed, time.Hour), monthly},
		{"ai_session", "ai_session", dur(Fixed, 30*time.Minute), services},
		{"ai_user", "ai_user", dur(Fixed, 12*30*day), services},
		{"i18next", "i18next", dur(Session, 0), services},
		{"refreshToken_VERIFIED_USER", "refreshToken_VERIFIED_USER", dur(Fixed, time.Hour), services},
		{"TS01e88579", "TS01e88579", dur(Session, 0), services},
	} {
		c, ok := p.DeclaredCookie(tc.name)
		if !ok {
			t.Errorf("%s: not declared", tc.name)
			continue
		}
		if c.Name != tc.decl {
			t.Errorf("%s: matched %q, want %q", tc.name, c.Name, tc.decl)
		}
		if c.Duration.Kind != tc.duration.Kind || c.Duration.Len != tc.duration.Len {
			t.Errorf("%s: duration %v, want %v", tc.name, c.Duration, tc.duration.Len)
		}
		if got := c.UsedBy["sv"]; got != tc.usedBy {
			t.Errorf("%s: used by %q, want %q", tc.name, got, tc.usedBy)
		}
	}
	// The seed's spelling of the SAP cookie, its page-wrapped names and the
	// pieces of the partnerNumber/Organization cell are not cookies.
	for _, name := range []string{
		"som.sap.engine.Security.authentication.original_application_url",
		"partnerNumberOrganization", "PortalAlias", "saplb", "refreshToken_ACME", "refreshToken_VERIFIED",
	} {
		if c, ok := p.DeclaredCookie(name); ok {
			t.Errorf("%s: matched %q, want undeclared", name, c.Name)
		}
	}
	groups := countBy(p.Cookies, func(c Cookie) string { return c.UsedBy["sv"] })
	if want := map[string]int{public: 3, login: 3, monthly: 5, services: 5}; !sameCounts(groups, want) {
		t.Errorf("used_by groups %v, want %v", groups, want)
	}
}
