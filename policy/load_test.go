package policy

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

const day = 24 * time.Hour

// yml joins lines so that a test's line numbers can be read off the source:
// the n-th argument is line n of the file.
func yml(lines ...string) []byte { return []byte(strings.Join(lines, "\n") + "\n") }

func mustParse(t testing.TB, data []byte) *Policy {
	t.Helper()
	p, err := Parse(data, "policy.yaml")
	if err != nil {
		t.Fatalf("Parse: %v\n%s", err, data)
	}
	return p
}

func TestLoadExample(t *testing.T) {
	p, err := LoadFile("testdata/example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if p.File != "testdata/example.yaml" || p.Version != 1 || p.Revision != 3 {
		t.Errorf("File, Version, Revision = %q, %d, %d", p.File, p.Version, p.Revision)
	}
	if want := []string{"sv", "en"}; !reflect.DeepEqual(p.Languages, want) {
		t.Errorf("Languages = %v, want %v", p.Languages, want)
	}
	if p.Site.Name != "Exempel AB" || p.Site.PrivacyPolicyURL != "https://example.se/integritet" || p.Site.Line != 6 {
		t.Errorf("Site = %+v", p.Site)
	}
	if p.Consent.Name != "cookie_consent" || p.Consent.MaxAge.Kind != Fixed || p.Consent.MaxAge.Len != 182*day || p.Consent.Line != 9 {
		t.Errorf("Consent = %+v", p.Consent)
	}
	if p.Undeclared != "block" || p.NoticeOnly {
		t.Errorf("Undeclared, NoticeOnly = %q, %v", p.Undeclared, p.NoticeOnly)
	}
	if want := []string{"necessary", "preferences", "statistics", "marketing"}; !reflect.DeepEqual(p.CategoryIDs(), want) {
		t.Errorf("categories = %v, want %v", p.CategoryIDs(), want)
	}
	for i, line := range []int{12, 13, 14, 15} {
		if p.Categories[i].Line != line {
			t.Errorf("category %s on line %d, want %d", p.Categories[i].ID, p.Categories[i].Line, line)
		}
	}
	if m := p.Categories[3]; m.Title.In("sv") != "Marknadsföring" || m.Title.In("en") != "Marketing" || m.Description != nil {
		t.Errorf("marketing texts = %#v / %#v", m.Title, m.Description)
	}

	wantCookies := []struct {
		name, cat string
		kind      DurationKind
		length    time.Duration
		line      int
	}{
		{"JSESSIONID", "necessary", Session, 0, 18},
		{"_ga", "statistics", Fixed, 2 * 365 * day, 23},
		{"_ga_#", "statistics", Fixed, 2 * 365 * day, 29},
		{"_gcl_au", "marketing", Fixed, 90 * day, 34},
		{"oep.selectedView", "unclassified", Session, 0, 38},
	}
	if len(p.Cookies) != len(wantCookies) {
		t.Fatalf("%d cookies, want %d", len(p.Cookies), len(wantCookies))
	}
	for i, w := range wantCookies {
		c := p.Cookies[i]
		if c.Name != w.name || c.Category != w.cat || c.Duration.Kind != w.kind || c.Duration.Len != w.length || c.Line != w.line || c.Type != "http" || c.Provider != "example.se" {
			t.Errorf("cookie %d = %+v, want %+v", i, c, w)
		}
	}
	if tr := p.Cookies[1].Transfer; tr == nil || *tr != (Transfer{"United States", true}) {
		t.Errorf("_ga transfer = %+v", tr)
	}
	if p.Cookies[0].Transfer != nil {
		t.Errorf("JSESSIONID has a transfer it did not declare")
	}
	if got := p.Cookies[2].Purpose.In("sv", "en"); got != "Google Analytics session state" {
		t.Errorf("purpose fallback = %q", got)
	}
	if len(p.Blockers) != 2 || p.Blockers[0].Line != 43 || p.Blockers[1].Line != 46 ||
		!reflect.DeepEqual(p.Blockers[0].Hosts, []string{"www.googletagmanager.com", "*.google-analytics.com"}) ||
		!reflect.DeepEqual(p.Blockers[0].Inline, []string{"gtag(", "GoogleAnalyticsObject"}) {
		t.Errorf("blockers = %+v", p.Blockers)
	}
}

func TestLoadSeeds(t *testing.T) {
	// The two seed sites must be expressible; these files are them.
	for _, tc := range []struct {
		file    string
		cookies int
		cats    []string
		notice  bool
	}{
		{"almi.yaml", 21, []string{"necessary", "preferences", "statistics", "marketing"}, false},
		{"fora.yaml", 16, []string{"necessary"}, true},
	} {
		p, err := LoadFile(filepath.Join("testdata", tc.file))
		if err != nil {
			t.Errorf("%s: %v", tc.file, err)
			continue
		}
		if len(p.Cookies) != tc.cookies || !reflect.DeepEqual(p.CategoryIDs(), tc.cats) || p.NoticeOnly != tc.notice {
			t.Errorf("%s: %d cookies, categories %v, notice_only %v", tc.file, len(p.Cookies), p.CategoryIDs(), p.NoticeOnly)
		}
	}
}

func TestLoadDefaults(t *testing.T) {
	p := mustParse(t, yml(
		"version: 1",
		"categories:",
		"  - id: statistics",
	))
	if p.Revision != 1 {
		t.Errorf("Revision = %d, want 1", p.Revision)
	}
	if p.Consent.Name != "cookie_consent" || p.Consent.MaxAge.Kind != Fixed || p.Consent.MaxAge.Len != 182*day || p.Consent.Domain != "" {
		t.Errorf("Consent = %+v, want cookie_consent for 182 days", p.Consent)
	}
	if p.Undeclared != "block" || p.NoticeOnly {
		t.Errorf("Undeclared, NoticeOnly = %q, %v; want block, false", p.Undeclared, p.NoticeOnly)
	}
	if want := []string{"necessary", "statistics"}; !reflect.DeepEqual(p.CategoryIDs(), want) {
		t.Errorf("categories = %v, want %v", p.CategoryIDs(), want)
	}
	if len(p.Languages) == 0 {
		t.Error("no default language")
	}
	if p.CategoryIndex("necessary") != 0 || p.CategoryIndex("statistics") != 1 || p.CategoryIndex("marketing") != -1 {
		t.Error("CategoryIndex disagrees with Categories")
	}
}

func TestLoadNecessaryMovesFirst(t *testing.T) {
	p := mustParse(t, yml(
		"version: 1",
		"categories:",
		"  - id: marketing",
		"  - id: necessary",
		"    title: {en: Required}",
		"  - id: statistics",
	))
	if want := []string{"necessary", "marketing", "statistics"}; !reflect.DeepEqual(p.CategoryIDs(), want) {
		t.Fatalf("categories = %v, want %v", p.CategoryIDs(), want)
	}
	if nc := p.Categories[0]; nc.Line != 4 || nc.Title.In("en") != "Required" {
		t.Errorf("necessary = %+v: its override and line were lost", nc)
	}
	if p.CategoryIndex("statistics") != 2 {
		t.Errorf("CategoryIndex(statistics) = %d", p.CategoryIndex("statistics"))
	}
}

func TestLoadAllFields(t *testing.T) {
	p := mustParse(t, yml(
		"version: 1",
		"revision: 7",
		"languages: [de, en]",
		"site: {name: X, privacy_policy_url: /privacy}",
		"consent: {cookie: cc, max_age: 90d, domain: .example.org}",
		"undeclared: allow",
		"categories:",
		"  - id: necessary",
		"    title: Notwendig",
		"    description: {de: Immer an, en: Always on}",
		"  - id: chat",
		"    title: {de: Chat, en: Chat}",
		"    description: Chat",
		"cookies:",
		"  - name: Portal Alias",
		"    category: chat",
		"    provider: chat.example.org",
		"    type: html",
		"    duration: persistent",
		"    used_by: Chat",
		"    transfer: {country: Norway, adequate: false}",
		"blockers:",
		"  - category: chat",
		"    hosts: [CHAT.Example.org]",
	))
	if p.Revision != 7 || p.Undeclared != "allow" || p.Consent.Name != "cc" || p.Consent.MaxAge.Len != 90*day || p.Consent.Domain != ".example.org" {
		t.Errorf("policy = %+v", p)
	}
	if p.Site.PrivacyPolicyURL != "/privacy" || p.Languages[0] != "de" {
		t.Errorf("site, languages = %+v, %v", p.Site, p.Languages)
	}
	if nc := p.Categories[0]; nc.Title.In("de") != "Notwendig" || nc.Title.In("en") != "Notwendig" || nc.Description.In("en") != "Always on" {
		t.Errorf("necessary texts = %#v %#v", nc.Title, nc.Description)
	}
	c := p.Cookies[0]
	if c.Name != "Portal Alias" || c.Type != "html" || c.Duration.Kind != Persistent || c.UsedBy.In("sv") != "Chat" || *c.Transfer != (Transfer{"Norway", false}) {
		t.Errorf("cookie = %+v", c)
	}
	if p.Blockers[0].Hosts[0] != "chat.example.org" {
		t.Errorf("blocker host not lower-cased: %q", p.Blockers[0].Hosts[0])
	}
}

// TestLoadErrors checks that each mistake is reported once, at its line, with
// a reason that says what is wrong.
func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		line int
		want []string // substrings of the message
		// cascade counts further problems that follow from this one (a
		// misspelt hosts key also leaves the blocker without hosts).
		cascade int
	}{
		{"unknown top-level key", yml(
			"version: 1",
			"colour: blue",
		), 2, []string{`unknown key "colour"`, "known: blockers, categories, consent, cookies, languages, notice_only, revision, site, ", "undeclared, version"}, 0},
		{"unknown texts key", yml(
			"version: 1",
			"texts:",
			"  banner_title: {en: Cookies}",
			"  banner_titel: {en: Cookies}",
		), 4, []string{`texts: unknown key "banner_titel"`, "banner_title"}, 0},
		{"unknown site key", yml(
			"version: 1",
			"site:",
			"  name: X",
			"  privacy: https://x.se/",
		), 4, []string{`site: unknown key "privacy"`, "privacy_policy_url"}, 0},
		{"unknown consent key", yml(
			"version: 1",
			"consent:",
			"  max-age: 30d",
		), 3, []string{`consent: unknown key "max-age"`, "max_age"}, 0},
		{"unknown category key", yml(
			"version: 1",
			"categories:",
			"  - id: statistics",
			"    titel: {en: Stats}",
		), 4, []string{`category: unknown key "titel"`, "title"}, 0},
		{"unknown cookie key", yml(
			"version: 1",
			"cookies:",
			"  - name: JSESSIONID",
			"    category: necessary",
			"    duration: session",
			"    expires: 1d",
		), 6, []string{`cookie: unknown key "expires"`, "duration"}, 0},
		{"unknown transfer key", yml(
			"version: 1",
			"cookies:",
			"  - name: JSESSIONID",
			"    category: necessary",
			"    duration: session",
			"    transfer:",
			"      country: Sweden",
			"      adequat: true",
		), 8, []string{`transfer: unknown key "adequat"`, "adequate"}, 0},
		{"unknown blocker key", yml(
			"version: 1",
			"categories: [{id: statistics}]",
			"blockers:",
			"  - category: statistics",
			"    host: [a.example]",
		), 5, []string{`blocker: unknown key "host": did you mean hosts?`}, 0},
		{"key given twice", yml(
			"version: 1",
			"revision: 2",
			"revision: 3",
		), 3, []string{`key "revision" given twice`}, 0},

		{"revision not a number", yml(
			"version: 1",
			"revision: three",
		), 2, []string{"revision must be a whole number", `"three"`}, 0},
		{"negative revision", yml(
			"version: 1",
			"revision: -1",
		), 2, []string{"revision must be a whole number"}, 0},
		{"notice_only not a boolean", yml(
			"version: 1",
			"notice_only: yes please",
		), 2, []string{"notice_only must be true or false"}, 0},
		{"languages not a list", yml(
			"version: 1",
			"languages: sv",
		), 2, []string{"languages must be a list"}, 0},
		{"bad language code", yml(
			"version: 1",
			"languages:",
			"  - sv",
			"  - English",
		), 4, []string{`"English" is not a language code`}, 0},
		{"empty languages", yml(
			"version: 1",
			"languages: []",
		), 2, []string{"at least one language"}, 0},
		{"site not a mapping", yml(
			"version: 1",
			"site: Exempel AB",
		), 2, []string{"site must be a mapping"}, 0},
		{"categories not a list", yml(
			"version: 1",
			"categories: {id: statistics}",
		), 2, []string{"categories must be a list"}, 0},
		{"cookie name not a string", yml(
			"version: 1",
			"cookies:",
			"  - category: necessary",
			"    duration: session",
			"    name: [a, b]",
		), 5, []string{"cookie name must be a string"}, 1},
		{"transfer.adequate not a boolean", yml(
			"version: 1",
			"cookies:",
			"  - name: a",
			"    category: necessary",
			"    duration: session",
			"    transfer: {country: X, adequate: maybe}",
		), 6, []string{"transfer.adequate must be true or false"}, 0},
		{"blocker hosts not a list", yml(
			"version: 1",
			"categories: [{id: statistics}]",
			"blockers:",
			"  - category: statistics",
			"    hosts: www.googletagmanager.com",
		), 5, []string{"blocker hosts must be a list"}, 0},
		{"title not a text", yml(
			"version: 1",
			"categories:",
			"  - id: statistics",
			"    title: [Stats]",
		), 4, []string{"title must be a text or a mapping"}, 0},
		{"title in a non-language", yml(
			"version: 1",
			"categories:",
			"  - id: statistics",
			"    title:",
			"      Swedish: Statistik",
		), 5, []string{`"Swedish" is not a language code`}, 0},
		{"cookie type", yml(
			"version: 1",
			"cookies:",
			"  - name: a",
			"    category: necessary",
			"    duration: session",
			"    type: localStorage",
		), 6, []string{`cookie "a": type "localStorage"`, "use http"}, 0},
		{"undeclared value", yml(
			"version: 1",
			"undeclared: drop",
		), 2, []string{`undeclared must be block or allow, not "drop"`}, 0},
		{"privacy policy URL", yml(
			"version: 1",
			"site:",
			"  privacy_policy_url: javascript:alert(1)",
		), 3, []string{"site.privacy_policy_url", "http(s) URL"}, 0},
		{"consent cookie name", yml(
			"version: 1",
			"consent:",
			"  cookie: consent*",
		), 3, []string{`consent.cookie: "consent*" is not a usable cookie name`}, 0},
		{"consent domain", yml(
			"version: 1",
			"consent:",
			"  domain: https://example.se",
		), 3, []string{"consent.domain"}, 0},
		// Browsers refuse a cookie for a public suffix: no choice would be kept.
		{"consent domain on a two-label public suffix", yml(
			"version: 1",
			"consent:",
			"  domain: .co.uk",
		), 3, []string{`consent.domain: ".co.uk": co.uk is a public suffix`, "browsers refuse a cookie for it", "no choice would ever be kept", ".example.co.uk"}, 0},
		{"consent domain on a top-level domain", yml(
			"version: 1",
			"consent:",
			"  domain: .com",
		), 3, []string{`consent.domain: ".com": com is a public suffix`}, 0},
		{"consent domain on a hosting suffix", yml(
			"version: 1",
			"consent:",
			"",
			"  domain: github.io",
		), 4, []string{`consent.domain: "github.io": github.io is a public suffix`}, 0},
		{"blocker host with a final dot", yml(
			"version: 1",
			"categories: [{id: statistics}]",
			"blockers:",
			"  - category: statistics",
			"    hosts: [stats.example.com.]",
		), 5, []string{`blocker host "stats.example.com."`, "without the final dot: stats.example.com"}, 0},
		{"blocker host in other letters", yml(
			"version: 1",
			"categories: [{id: statistics}]",
			"blockers:",
			"  - category: statistics",
			"    hosts: ['*.bücher.de']",
		), 5, []string{`blocker host "*.bücher.de"`, "ASCII form: *.xn--bcher-kva.de"}, 0},
		{"consent max_age session", yml(
			"version: 1",
			"consent:",
			"  max_age: session",
		), 3, []string{"consent.max_age must be a length"}, 0},

		{"bad version", yml(
			"revision: 2",
			"version: 2",
		), 2, []string{"version 2 is not supported", "version 1"}, 0},
		{"version not a number", yml(
			"version: one",
		), 1, []string{"version must be a whole number"}, 0},
		{"missing version", yml(
			"# a comment first",
			"revision: 2",
			"categories: [{id: statistics}]",
		), 2, []string{"version: missing", "version: 1"}, 0},

		{"unknown category in a cookie", yml(
			"version: 1",
			"categories:",
			"  - id: statistics",
			"cookies:",
			"  - name: _ga",
			"    category: stats",
			"    duration: 2y",
		), 6, []string{`cookie "_ga": unknown category "stats": did you mean statistics? (known: necessary, statistics, unclassified)`}, 0},
		{"cookie without category", yml(
			"version: 1",
			"cookies:",
			"  - name: _ga",
			"    duration: 2y",
		), 3, []string{`cookie "_ga": category missing (known: necessary, unclassified)`}, 0},
		{"cookie without name", yml(
			"version: 1",
			"cookies:",
			"  - category: necessary",
			"    duration: 2y",
		), 3, []string{"empty name"}, 0},
		{"cookie name with '='", yml(
			"version: 1",
			"cookies:",
			"  - {name: 'a=b', category: necessary, duration: 2y}",
		), 3, []string{`cookie name "a=b"`, "'='"}, 0},
		{"cookie name of wildcards only", yml(
			"version: 1",
			"cookies:",
			"  - {name: '*#', category: necessary, duration: 2y}",
		), 3, []string{"at least one literal"}, 0},
		{"cookie without duration", yml(
			"version: 1",
			"cookies:",
			"  - name: _ga",
			"    category: necessary",
		), 3, []string{`cookie "_ga": duration missing`}, 0},
		{"same name twice", yml(
			"version: 1",
			"categories: [{id: statistics}]",
			"cookies:",
			"  - {name: _ga, category: statistics, duration: 2y}",
			"  - {name: _gid, category: statistics, duration: 1d}",
			"  - {name: _ga, category: statistics, duration: 2y}",
		), 6, []string{`cookie "_ga" is declared twice (line 4, category statistics, and here, category statistics)`}, 0},
		{"same name in two categories", yml(
			"version: 1",
			"categories: [{id: statistics}, {id: marketing}]",
			"cookies:",
			"  - name: _ga",
			"    category: statistics",
			"    duration: 2y",
			"  - name: _ga",
			"    category: marketing",
			"    duration: 2y",
		), 7, []string{`cookie "_ga" is declared twice (line 4, category statistics, and here, category marketing)`}, 0},
		{"same pattern twice", yml(
			"version: 1",
			"categories: [{id: statistics}]",
			"cookies:",
			"  - {name: '_ga_#', category: statistics, duration: 2y}",
			"  - {name: '_ga_#', category: necessary, duration: 2y}",
		), 5, []string{`cookie "_ga_#" is declared twice (line 4, category statistics`}, 0},
		{"same pattern twice behind a broader one", yml(
			// The earlier declaration must be found by its text, not by
			// matching: "a*" also matches the string "a#".
			"version: 1",
			"categories: [{id: statistics}]",
			"cookies:",
			"  - {name: 'a*', category: necessary, duration: 2y}",
			"  - {name: 'a#', category: statistics, duration: 2y}",
			"  - {name: 'a#', category: statistics, duration: 2y}",
		), 6, []string{`cookie "a#" is declared twice (line 5, category statistics`}, 0},
		{"same prefix pattern twice", yml(
			"version: 1",
			"cookies:",
			"  - {name: 'saplb_*', category: necessary, duration: session}",
			"  - {name: 'saplb_*', category: necessary, duration: session}",
		), 4, []string{`cookie "saplb_*" is declared twice (line 3`}, 0},

		{"duration m is ambiguous", yml(
			"version: 1",
			"cookies:",
			"  - name: a",
			"    category: necessary",
			"    duration: 6m",
		), 5, []string{`cookie "a": duration "6m": unit m is ambiguous`, "min", "mo"}, 0},
		{"duration unknown unit", yml(
			"version: 1",
			"cookies:",
			"  - name: a",
			"    category: necessary",
			"    duration: 2 fortnights",
		), 5, []string{`unknown unit "fortnights"`}, 0},
		{"duration not a scalar", yml(
			"version: 1",
			"cookies:",
			"  - name: a",
			"    category: necessary",
			"    duration: [1, d]",
		), 5, []string{`cookie "a": a duration must be a string`}, 0},
		{"max_age m is ambiguous", yml(
			"version: 1",
			"consent:",
			"  max_age: 6m",
		), 3, []string{"consent.max_age", "ambiguous"}, 0},

		{"blocker host with scheme", yml(
			"version: 1",
			"categories: [{id: statistics}]",
			"blockers:",
			"  - category: statistics",
			"    hosts:",
			"      - www.googletagmanager.com",
			"      - https://www.google-analytics.com/",
		), 7, []string{`blocker host "https://www.google-analytics.com/"`, "no scheme or path"}, 0},
		{"blocker host with port", yml(
			"version: 1",
			"categories: [{id: statistics}]",
			"blockers:",
			"  - category: statistics",
			"    hosts:",
			"      - cdn.example:443",
		), 6, []string{`blocker host "cdn.example:443"`}, 0},
		{"blocker host wildcard inside", yml(
			"version: 1",
			"categories: [{id: statistics}]",
			"blockers:",
			"  - category: statistics",
			"    hosts:",
			"      - 'www.*.example'",
		), 6, []string{`blocker host "www.*.example"`}, 0},
		{"blocker host twice", yml(
			"version: 1",
			"categories: [{id: statistics}, {id: marketing}]",
			"blockers:",
			"  - category: statistics",
			"    hosts: [a.example]",
			"  - category: marketing",
			"    hosts:",
			"      - A.example",
		), 8, []string{`blocker host "A.example" is listed twice`}, 0},
		{"blocker on necessary", yml(
			"version: 1",
			"blockers:",
			"  - category: necessary",
			"    hosts: [a.example]",
		), 3, []string{"category necessary is always granted"}, 0},
		{"blocker on unknown category", yml(
			"version: 1",
			"categories: [{id: statistics}, {id: marketing}]",
			"blockers:",
			"  - category: ads",
			"    hosts: [a.example]",
		), 4, []string{`blocker: unknown category "ads" (known: statistics, marketing)`}, 0},
		{"blocker without hosts or inline", yml(
			"version: 1",
			"categories: [{id: statistics}]",
			"blockers:",
			"  - category: statistics",
		), 4, []string{"give hosts, inline markers or both"}, 0},
		{"blocker with an empty inline marker", yml(
			"version: 1",
			"categories: [{id: statistics}]",
			"blockers:",
			"  - category: statistics",
			"    inline: ['gtag(', ' ']",
		), 5, []string{"inline marker is empty"}, 0},

		{"notice_only with a statistics cookie", yml(
			"version: 1",
			"notice_only: true",
			"categories: [{id: statistics}]",
			"cookies:",
			"  - {name: JSESSIONID, category: necessary, duration: session}",
			"  - {name: _pk_id, category: statistics, duration: 13mo}",
		), 6, []string{`cookie "_pk_id" is statistics`, "notice_only"}, 0},
		{"notice_only with an unclassified cookie", yml(
			"version: 1",
			"notice_only: true",
			"cookies:",
			"  - {name: oep.selectedView, category: unclassified, duration: session}",
		), 4, []string{`cookie "oep.selectedView" is unclassified`}, 0},
		{"custom category without texts", yml(
			"version: 1",
			"languages: [sv, en]",
			"categories:",
			"  - id: statistics",
			"  - id: chat",
		), 5, []string{`category "chat" has no built-in texts`, "sv, en"}, 0},
		{"custom category without a text in one language", yml(
			"version: 1",
			"languages: [sv, en]",
			"categories:",
			"  - id: chat",
			"    title: {sv: Chatt, en: Chat}",
			"    description: {en: The chat widget}",
		), 4, []string{`category "chat" has no built-in texts`}, 0},
		{"category id missing", yml(
			"version: 1",
			"categories:",
			"  - title: Stats",
		), 3, []string{"id missing"}, 0},
		{"category id spelling", yml(
			"version: 1",
			"categories:",
			"  - id: Statistics",
		), 3, []string{`category id "Statistics"`, "lower-case"}, 0},
		{"category unclassified is reserved", yml(
			"version: 1",
			"categories:",
			"  - id: unclassified",
		), 3, []string{"reserved"}, 0},
		{"category listed twice", yml(
			"version: 1",
			"categories:",
			"  - id: statistics",
			"  - id: statistics",
		), 4, []string{`category "statistics" is listed twice`}, 0},
		{"consent cookie declared non-necessary", yml(
			"version: 1",
			"categories: [{id: preferences}]",
			"cookies:",
			"  - {name: JSESSIONID, category: necessary, duration: session}",
			"  - {name: cookie_consent, category: preferences, duration: 182d}",
		), 5, []string{`cookie "cookie_consent" is the consent cookie`, "necessary"}, 0},
		{"renamed consent cookie declared non-necessary", yml(
			"version: 1",
			"consent: {cookie: CookieConsent}",
			"cookies:",
			"  - {name: CookieConsent, category: unclassified, duration: 1y}",
		), 4, []string{`cookie "CookieConsent" is the consent cookie`}, 0},

		{"misspelt categories key: one error, not one per cookie", yml(
			"version: 1",
			"catgories:",
			"  - id: statistics",
			"  - id: marketing",
			"cookies:",
			"  - {name: _ga, category: statistics, duration: 13mo}",
			"  - {name: _gid, category: statistics, duration: 1d}",
			"  - {name: _fbp, category: marketing, duration: 90d}",
			"blockers:",
			"  - {category: marketing, hosts: [connect.facebook.net]}",
		), 2, []string{`policy: unknown key "catgories": did you mean categories?`}, 0},
		{"misspelt version key: no second error that it is missing", yml(
			"verison: 1",
			"categories: [{id: statistics}]",
		), 1, []string{`unknown key "verison": did you mean version?`}, 0},
		{"misspelt key far from any known: the known keys are listed", yml(
			"version: 1",
			"trackers: []",
		), 2, []string{`unknown key "trackers" (known: blockers, categories,`}, 0},
		{"misspelt cookie category key: no 'category missing'", yml(
			"version: 1",
			"cookies:",
			"  - name: _ga",
			"    categroy: necessary",
			"    duration: 13mo",
		), 4, []string{`cookie: unknown key "categroy": did you mean category?`}, 0},
		{"misspelt cookie duration key: no 'duration missing'", yml(
			"version: 1",
			"cookies:",
			"  - name: _ga",
			"    category: necessary",
			"    duraton: 13mo",
		), 5, []string{`unknown key "duraton": did you mean duration?`}, 0},
		{"misspelt category id key: the cookies naming it are not wrong", yml(
			"version: 1",
			"categories:",
			"  - idd: statistics",
			"cookies:",
			"  - {name: _ga, category: statistics, duration: 13mo}",
		), 3, []string{`category: unknown key "idd": did you mean id?`}, 0},
		{"misspelt category value: suggestion", yml(
			"version: 1",
			"categories: [{id: statistics}]",
			"cookies:",
			"  - name: _ga",
			"    category: statistic",
			"    duration: 13mo",
		), 5, []string{`cookie "_ga": unknown category "statistic": did you mean statistics?`}, 0},
		{"misspelt blocker category", yml(
			"version: 1",
			"categories: [{id: marketing}]",
			"blockers:",
			"  - hosts: [connect.facebook.net]",
			"    category: marketting",
		), 5, []string{`blocker: unknown category "marketting": did you mean marketing?`}, 0},
		{"empty category", yml(
			"version: 1",
			"cookies:",
			"  - name: a",
			"    category: ''",
			"    duration: 1d",
		), 4, []string{`cookie "a": category is empty`}, 0},
		{"null category", yml(
			"version: 1",
			"cookies:",
			"  - name: a",
			"    category:",
			"    duration: 1d",
		), 4, []string{"cookie category must be a string"}, 0},
		{"duration error names its cookie", yml(
			"version: 1",
			"cookies:",
			"  - {name: JSESSIONID, category: necessary, duration: session}",
			"  - {name: remember_me, category: necessary, duration: 2 fortnights}",
		), 4, []string{`cookie "remember_me": duration "2 fortnights": unknown unit "fortnights"`}, 0},
		{"max_age error says it is the consent's", yml(
			"version: 1",
			"consent:",
			"  max_age: 6 moons",
		), 3, []string{`consent.max_age: duration "6 moons"`}, 0},
		{"tab after a list item", yml(
			"version: 1",
			"cookies:",
			"  - name: a",
			"\t  category: necessary",
		), 4, []string{"tabs are not allowed for indentation"}, 0},
		{"tab before a top-level key", yml(
			"version: 1",
			"\tcategories: []",
		), 2, []string{"tabs are not allowed for indentation"}, 0},
		{"tab inside a value is fine, a tab in a later indentation is found", yml(
			"version: 1",
			"site: {name: \"A\tB\"}",
			"cookies:",
			"  - name: a",
			"    category: necessary",
			"\t\tduration: session",
		), 6, []string{"tabs are not allowed"}, 0},

		{"invalid YAML", yml(
			"version: 1",
			"categories:",
			"  - id: statistics",
			"    title: {en: Stats",
			"  - id: marketing",
		), 4, []string{"not valid YAML", "did not find expected ',' or '}'"}, 0},
		{"invalid YAML: indentation", yml(
			"version: 1",
			"site:",
			"  name: a",
			" name: b",
		), 4, []string{"not valid YAML", "did not find expected key"}, 0},
		{"invalid YAML: unclosed list", yml(
			"version: 1",
			"cookies: [a, b",
			"blockers: []",
		), 2, []string{"not valid YAML"}, 0},
		{"invalid YAML: mapping in a plain value", yml(
			"version: 1",
			"site: name: x",
		), 2, []string{"not valid YAML", "mapping values are not allowed"}, 0},
		{"tab indentation", yml(
			"version: 1",
			"site:",
			"\tname: X",
		), 3, []string{"tabs are not allowed for indentation", "indent with spaces"}, 0},
		{"top level is a list", yml(
			"- version: 1",
		), 1, []string{"policy must be a mapping"}, 0},

		// A policy is one YAML document: what follows a --- would be ignored.
		{"a second YAML document", yml(
			"version: 1",
			"categories: [{id: statistics}]",
			"---",
			"cookies:",
			"  - {name: _ga, category: statistics, duration: 13mo}",
		), 3, []string{"a second YAML document starts here", "a policy is one YAML document"}, 0},
		{"a second YAML document after ...", yml(
			"version: 1",
			"...",
			"--- # the blockers",
			"blockers: [{category: statistics, hosts: [a.example]}]",
		), 3, []string{"a second YAML document", "one YAML document"}, 0},
		{"a document without --- after ...", yml(
			"version: 1",
			"...",
			"# the blockers",
			"blockers: [{category: statistics, hosts: [a.example]}]",
		), 4, []string{"not valid YAML", "did not find expected <document start>"}, 0},
		{"text after --- that is not YAML", yml(
			"version: 1",
			"---",
			"  [ {{ garbage",
		), 3, []string{"not valid YAML"}, 0},

		// A text in a language the policy does not list would never be shown.
		{"purpose in a language not listed", yml(
			"version: 1",
			"languages: [sv, en]",
			"cookies:",
			"  - name: visits",
			"    category: necessary",
			"    duration: 1d",
			"    purpose:",
			"      se: Räknar besökare",
			"      en: Counts visitors",
		), 8, []string{`cookie "visits": purpose: "se" is not one of the policy's languages (sv, en), so this text would never be shown: did you mean sv?`}, 0},
		{"category title in a language not listed", yml(
			"version: 1",
			"languages: [sv, en]",
			"categories:",
			"  - id: statistics",
			"    title: {se: Statistik, en: Statistics}",
		), 5, []string{`category "statistics": title: "se" is not one of the policy's languages (sv, en), so this text would never be shown: did you mean sv?`}, 0},
		{"category description in a language not listed", yml(
			"version: 1",
			"languages: [sv, en]",
			"categories:",
			"  - id: statistics",
			"    description:",
			"      de: Zählt Besuche",
		), 6, []string{`category "statistics": description: "de" is not one of the policy's languages (sv, en)`, "add it to languages"}, 0},
		{"banner text in a language not listed, languages given after it", yml(
			"version: 1",
			"texts:",
			"  banner_title: {se: Kakor, en: Cookies}",
			"languages: [sv, en]",
		), 3, []string{`texts.banner_title: "se" is not one of the policy's languages (sv, en), so this text would never be shown: did you mean sv?`}, 0},
		{"text in sv when languages is not given", yml(
			"version: 1",
			"texts:",
			"  banner_title: {sv: Kakor, en: Cookies}",
		), 3, []string{`texts.banner_title: "sv" is not one of the policy's languages (en, the default when languages is not given)`}, 0},
		{"text in a regional variant not listed", yml(
			"version: 1",
			"languages: [sv, en]",
			"texts:",
			"  ok: {sv: OK, en-GB: OK}",
		), 4, []string{`texts.ok: "en-GB" is not one of the policy's languages (sv, en)`, "did you mean en?"}, 0},
		{"misspelt languages key: texts in its languages are not also wrong", yml(
			"version: 1",
			"langauges: [sv, en]",
			"texts:",
			"  banner_title: {sv: Kakor, en: Cookies}",
		), 2, []string{`unknown key "langauges": did you mean languages?`}, 0},

		// A zero length deletes a cookie as soon as it is set.
		{"cookie kept for zero days", yml(
			"version: 1",
			"cookies:",
			"  - name: JSESSIONID",
			"    category: necessary",
			"    duration: 0 days",
		), 5, []string{`cookie "JSESSIONID": duration "0 days" is zero`, "write session"}, 0},
		{"consent kept for zero seconds", yml(
			"version: 1",
			"consent:",
			"  max_age: 0s",
		), 3, []string{`consent.max_age: duration "0s" is zero`, "no choice would be kept", "182d"}, 0},

		// A wildcard on a public suffix blocks every site under it, the site's own too.
		{"blocker wildcard on a two-label public suffix", yml(
			"version: 1",
			"categories: [{id: statistics}]",
			"blockers:",
			"  - category: statistics",
			"    hosts: [stats.example.co.uk, '*.co.uk']",
		), 5, []string{`blocker host "*.co.uk": co.uk is a public suffix`, "every site under it", "this site's own"}, 0},
		{"blocker wildcard on a hosting suffix", yml(
			"version: 1",
			"categories: [{id: statistics}]",
			"blockers:",
			"  - category: statistics",
			"    hosts:",
			"      - '*.github.io'",
		), 6, []string{`blocker host "*.github.io": github.io is a public suffix`}, 0},
		{"blocker wildcard on a top-level domain", yml(
			"version: 1",
			"categories: [{id: statistics}]",
			"blockers:",
			"  - category: statistics",
			"    hosts: ['*.com']",
		), 5, []string{`blocker host "*.com": com is a public suffix`}, 0},
		{"blocker host that is a public suffix", yml(
			"version: 1",
			"categories: [{id: statistics}]",
			"blockers:",
			"  - category: statistics",
			"    hosts: [COM]",
		), 5, []string{`blocker host "COM": com is a public suffix`}, 0},

		// Anchors and aliases: one error at the alias, not what follows from it.
		{"alias as a value", yml(
			"version: 1",
			"site: {name: &n Exempel AB}",
			"cookies:",
			"  - name: a",
			"    category: necessary",
			"    duration: session",
			"    provider: *n",
		), 7, []string{"anchors and aliases (&name, *name, <<) are not supported in a policy: write the value out"}, 0},
		{"alias as a list entry", yml(
			"version: 1",
			"cookies:",
			"  - &c {name: a, category: necessary, duration: session}",
			"  - *c",
		), 4, []string{"anchors and aliases", "write the value out"}, 0},
		{"merge key", yml(
			"version: 1",
			"cookies:",
			"  - &d {name: a, category: necessary, duration: session}",
			"  - name: b",
			"    <<: *d",
		), 5, []string{"anchors and aliases", "write the value out"}, 0},

		// The line of the mistake, not of the collection around it.
		{"invalid UTF-8: a Latin-1 byte", []byte("version: 1\nsite:\n  name: Caf\xe9 Ab\n"), 3,
			[]string{"not valid UTF-8", "byte 0xe9", "é in Latin-1", "save the file as UTF-8"}, 0},
		{"invalid YAML: a key indented between its list's - and its entry's keys", yml(
			"version: 1",
			"site: {name: X}",
			"categories: [{id: statistics}]",
			"cookies:",
			"  - name: a",
			"    category: necessary",
			"   duration: session",
		), 7, []string{"not valid YAML", "did not find expected '-' indicator", "begins on line 5", "check this line's indentation"}, 0},

		// notice_only asks nothing, so a blocker's category could never be granted.
		{"notice_only with a blocker", yml(
			"version: 1",
			"notice_only: true",
			"categories: [{id: statistics}]",
			"blockers:",
			"  - hosts: [stats.example]",
			"    category: statistics",
		), 6, []string{"blocker for statistics", "notice_only: true", "never be granted"}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Parse(tc.data, "policy.yaml")
			if err == nil {
				t.Fatalf("loaded %+v, want an error on line %d", p, tc.line)
			}
			if p != nil {
				t.Error("a policy came back with the error")
			}
			var probs Problems
			if !errors.As(err, &probs) || len(probs) == 0 {
				t.Fatalf("error %T %v is not Problems", err, err)
			}
			if len(probs) != 1+tc.cascade {
				t.Errorf("%d problems, want %d:\n%v", len(probs), 1+tc.cascade, err)
			}
			got := probs[0]
			for _, p := range probs {
				if strings.Contains(p.Msg, tc.want[0]) {
					got = p
				}
			}
			if got.File != "policy.yaml" || got.Line != tc.line {
				t.Errorf("at %s:%d, want policy.yaml:%d (%s)", got.File, got.Line, tc.line, got.Msg)
			}
			for _, w := range tc.want {
				if !strings.Contains(got.Msg, w) {
					t.Errorf("message %q lacks %q", got.Msg, w)
				}
			}
			if line := fmt.Sprintf("policy.yaml:%d: %s", tc.line, got.Msg); !strings.Contains(err.Error(), line) {
				t.Errorf("Error() = %q, want it to contain %q", err.Error(), line)
			}
		})
	}
}

// TestLoadErrorLineOfValue is issue 14's example: a cookie entry whose "- name:" is
// on line 39 and whose misspelt category is on line 40 is reported at line 40.
func TestLoadErrorLineOfValue(t *testing.T) {
	lines := []string{"version: 1", "categories: [{id: statistics}]", "cookies:"}
	for i := len(lines); i < 38; i++ {
		lines = append(lines, fmt.Sprintf("  - {name: c%d, category: necessary, duration: session}", i))
	}
	lines = append(lines,
		/* 39 */ "  - name: _ga",
		/* 40 */ "    category: stats",
		/* 41 */ "    duration: 13mo",
	)
	_, err := Parse(yml(lines...), "policy.yaml")
	var probs Problems
	if !errors.As(err, &probs) || len(probs) != 1 {
		t.Fatalf("want one problem, got %v", err)
	}
	if probs[0].Line != 40 || !strings.Contains(probs[0].Msg, `unknown category "stats"`) {
		t.Errorf("got %v, want line 40: unknown category \"stats\"", probs[0])
	}
}

func TestNearest(t *testing.T) {
	known := []string{"blockers", "categories", "consent", "cookies", "languages", "notice_only", "revision", "site", "texts", "undeclared", "version"}
	for in, want := range map[string]string{
		"catgories":   "categories",
		"categoires":  "categories", // a swap is one edit
		"Categories":  "categories",
		"cookie":      "cookies",
		"notice-only": "notice_only",
		"verison":     "version",
		"langauges":   "languages",
		"colour":      "",
		"trackers":    "",
		"x":           "",
	} {
		if got := Nearest(in, known); got != want {
			t.Errorf("Nearest(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLoadEmpty(t *testing.T) {
	for _, data := range []string{"", "\n\n", "# nothing but a comment\n"} {
		_, err := Parse([]byte(data), "empty.yaml")
		var probs Problems
		if !errors.As(err, &probs) || len(probs) != 1 || probs[0].File != "empty.yaml" || !strings.Contains(probs[0].Msg, "empty") {
			t.Errorf("Parse(%q) = %v, want one problem saying the policy is empty", data, err)
		}
	}
}

// TestLoadErrorsAll checks that every error is reported, not just the first,
// and in file order.
func TestLoadErrorsAll(t *testing.T) {
	_, err := Parse(yml(
		"version: 1",
		"categories:",
		"  - id: statistics",
		"cookies:",
		"  - {name: _ga, category: stats, duration: 2y}",
		"  - {name: _gid, category: statistics, duration: 6m}",
		"blockers:",
		"  - {category: necessary, hosts: [a.example]}",
		"bogus: 1",
	), "p.yaml")
	var probs Problems
	if !errors.As(err, &probs) {
		t.Fatalf("error %v is not Problems", err)
	}
	var lines []int
	for _, p := range probs {
		lines = append(lines, p.Line)
	}
	if want := []int{5, 6, 8, 9}; !reflect.DeepEqual(lines, want) {
		t.Errorf("problems on lines %v, want %v:\n%v", lines, want, err)
	}
	if n := strings.Count(err.Error(), "\n"); n != 3 {
		t.Errorf("Error() has %d line breaks, want one line per problem:\n%v", n, err)
	}
}

// TestLoadOneDocument checks what may follow the policy's one document: a
// document start before it, and a document end or start with nothing after.
func TestLoadOneDocument(t *testing.T) {
	for _, tail := range []string{"", "---\n", "...\n", "---\n# the end\n", "...\n---\n"} {
		data := "---\nversion: 1\ncategories: [{id: statistics}]\n" + tail
		if _, err := Parse([]byte(data), "policy.yaml"); err != nil {
			t.Errorf("Parse(%q): %v", data, err)
		}
	}
}

// TestLoadTextLanguages checks that texts in the policy's languages load
// wherever languages is written, and that a plain string is every language's.
func TestLoadTextLanguages(t *testing.T) {
	p := mustParse(t, yml(
		"version: 1",
		"texts:",
		"  banner_title: {pt-BR: Cookies, sv: Kakor}",
		"  ok: OK",
		"categories:",
		"  - id: statistics",
		"    title: {sv: Statistik}",
		"languages: [sv, pt-BR]",
	))
	if got := p.Texts["banner_title"].In("pt-BR"); got != "Cookies" {
		t.Errorf("banner_title in pt-BR = %q", got)
	}
}

// TestLoadBlockerHostsNotPublicSuffixes checks the hosts that are not public
// suffixes: a site's own domain under one, and names no list knows (the
// demo's *.localhost).
func TestLoadBlockerHostsNotPublicSuffixes(t *testing.T) {
	p := mustParse(t, yml(
		"version: 1",
		"categories: [{id: statistics}]",
		"blockers:",
		"  - category: statistics",
		"    hosts: ['*.example.co.uk', '*.tracker.github.io', stats.localhost, '*.chat.localhost', '*.intranet', '*.google-analytics.com']",
	))
	if n := len(p.Blockers[0].Hosts); n != 6 {
		t.Errorf("%d hosts, want 6", n)
	}
}

// TestConsentDomainNotPublicSuffixes checks the consent domains that are not
// public suffixes: a site's own domain under one, and names no list knows.
func TestConsentDomainNotPublicSuffixes(t *testing.T) {
	for _, d := range []string{".example.co.uk", "example.co.uk", ".site.github.io", ".example.se", "shop.localhost"} {
		p := mustParse(t, yml("version: 1", "consent:", "  domain: "+d))
		if p.Consent.Domain != d {
			t.Errorf("consent.domain %q read as %q", d, p.Consent.Domain)
		}
	}
}

// TestCheckBlockerHost checks the one rule for blocker hosts that the loader
// and draft share.
func TestCheckBlockerHost(t *testing.T) {
	for host, want := range map[string]string{
		"www.googletagmanager.com": "",
		"*.google-analytics.com":   "",
		"WWW.Example.COM":          "",
		"localhost":                "",
		"*.localhost":              "",
		"127.0.0.1":                "",
		"*.example.co.uk":          "",
		"a_b.example.com":          "write a host name such as",
		"::1":                      "write a host name such as",
		"cdn.example:443":          "(no scheme or path)",
		"x.com.":                   "without the final dot: x.com",
		"bücher.de":                "ASCII form: xn--bcher-kva.de",
		"":                         "write a host name such as",
		"*.com":                    "com is a public suffix, under which anyone registers a site",
		"*.github.io":              "github.io is a public suffix",
		"co.uk":                    "co.uk is a public suffix, not a site's host",
	} {
		err := CheckBlockerHost(host)
		switch {
		case want == "" && err != nil:
			t.Errorf("CheckBlockerHost(%q) = %v, want nil", host, err)
		case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
			t.Errorf("CheckBlockerHost(%q) = %v, want an error saying %q", host, err, want)
		case err != nil && strings.Contains(err.Error(), "blocker host"):
			t.Errorf("CheckBlockerHost(%q) = %v: the reason alone, please; the caller names the host", host, err)
		}
	}
}

// TestLoadAliasBomb checks that a billion aliases cost nothing: they are
// refused, never expanded.
func TestLoadAliasBomb(t *testing.T) {
	lines := []string{"version: 1", "a: &a [x, x, x, x, x, x, x, x, x, x]"}
	for c := 'b'; c <= 'j'; c++ {
		prev := string(c - 1)
		lines = append(lines, fmt.Sprintf("%c: &%c [*%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s]", c, c, prev, prev, prev, prev, prev, prev, prev, prev, prev, prev))
	}
	lines = append(lines, "cookies: *j")
	start := time.Now()
	_, err := Parse(yml(lines...), "bomb.yaml")
	var probs Problems
	if !errors.As(err, &probs) || len(probs) != 10 || !strings.Contains(probs[0].Msg, "anchors and aliases") || probs[0].Line != 3 {
		t.Errorf("want one alias error for each of lines 3 to 12, got:\n%v", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("Parse took %v", d)
	}
}

func TestLoadFileMissing(t *testing.T) {
	_, err := LoadFile(filepath.Join(t.TempDir(), "nope.yaml"))
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("LoadFile of a missing file = %v, want ErrNotExist wrapped", err)
	}
}
