package policy

import (
	"slices"
	"strings"
	"testing"
)

// knownFrom builds a known-cookie list of name → category, with the tracker hosts
// the lint tests use.
func knownFrom(m map[string]string) *Known {
	var list []KnownCookie
	for name, cat := range m {
		list = append(list, KnownCookie{Name: name, Category: cat, Platform: "Test"})
	}
	return NewKnown(list, lintTrackers)
}

var lintTrackers = []KnownTracker{
	{Host: "www.googletagmanager.com", Category: "statistics", Platform: "Google tag", FirstParty: []string{"_ga", "_ga_#", "_gcl_au"}},
	{Host: "*.google-analytics.com", Category: "statistics", Platform: "Google Analytics", FirstParty: []string{"_ga", "_ga_#", "_gid"}},
	{Host: "connect.facebook.net", Category: "marketing", Platform: "Meta", FirstParty: []string{"_fbp", "_fbc"}},
	{Host: "*.doubleclick.net", Category: "marketing", Platform: "DoubleClick"},
}

var lintKnown = NewKnown([]KnownCookie{
	{Name: "_pk_testcookie", Category: "statistics", Platform: "Matomo"},
	{Name: "ai_user", Category: "statistics", Platform: "Application Insights"},
	{Name: "ai_session", Category: "statistics", Platform: "Application Insights"},
	{Name: "_ga", Category: "statistics", Platform: "Google Analytics"},
	{Name: "_ga_#", Category: "statistics", Platform: "Google Analytics"},
	{Name: "sid", Category: "necessary", Platform: "Test"},
	{Name: "JSESSIONID", Category: "necessary", Platform: "Java", Lifetime: "session"},
	{Name: "wordpress_logged_in_#", Category: "necessary", Platform: "WordPress", Lifetime: "15d"},
}, lintTrackers)

// lintBase is a policy that draws no warning; each case changes a line or two.
var lintBase = []string{
	/* 1 */ "version: 1",
	/* 2 */ "languages: [sv, en]",
	/* 3 */ "site:",
	/* 4 */ "  name: Exempel AB",
	/* 5 */ "  privacy_policy_url: https://example.se/integritet",
	/* 6 */ "consent:",
	/* 7 */ "  max_age: 395d",
	/* 8 */ "categories:",
	/* 9 */ "  - id: statistics",
	/* 10 */ "  - id: marketing",
	/* 11 */ "cookies:",
	/* 12 */ "  - {name: sid, category: necessary, provider: example.se, duration: persistent}",
	/* 13 */ "  - {name: _ga, category: statistics, provider: example.se, duration: 13mo}",
	/* 14 */ "  - {name: IDE, category: marketing, provider: doubleclick.net, duration: 395 days}",
	/* 15 */ "  - {name: _gcl_ls, category: marketing, provider: example.se, type: html, duration: session}",
	/* 16 */ "  - {name: oep.selectedView, category: marketing, provider: example.se, duration: 1y}",
	/* 17 */ "blockers:",
	/* 18 */ "  - category: marketing",
	/* 19 */ "    hosts: [www.googletagmanager.com, \"*.google-analytics.com\", \"*.doubleclick.net\", Static.Example.SE]",
}

func lintPolicy(t *testing.T, edit map[int]string) *Policy {
	t.Helper()
	lines := slices.Clone(lintBase)
	for n, l := range edit {
		lines[n-1] = l
	}
	p, err := Parse(yml(lines...), "site.yaml")
	if err != nil {
		t.Fatalf("%v\n%s", err, strings.Join(lines, "\n"))
	}
	return p
}

func TestLintClean(t *testing.T) {
	if ws := Lint(lintPolicy(t, nil), lintKnown); len(ws) != 0 {
		t.Errorf("warnings on a clean policy:\n%v", Problems(ws))
	}
	if ws := Lint(lintPolicy(t, nil), knownFrom(nil)); len(ws) != 0 {
		t.Errorf("warnings on a clean policy without a known-cookie database:\n%v", Problems(ws))
	}
	// Knowing nothing, lint cannot tell that _ga explains the Google hosts: it says
	// what to declare without naming a wrong provider.
	ws := Lint(lintPolicy(t, nil), nil)
	if len(ws) != 2 || !strings.Contains(ws[0].Msg, "blocker host www.googletagmanager.com") || !strings.Contains(ws[0].Msg, "your site's domain as provider") {
		t.Errorf("warnings knowing nothing:\n%v", Problems(ws))
	}
}

func TestLint(t *testing.T) {
	tests := []struct {
		name  string
		edit  map[int]string
		line  int      // of the one warning; 0 with no want: none
		want  []string // substrings of its message
		known *Known
	}{
		{"consent kept over 13 months", map[int]string{7: "  max_age: 396d"}, 7,
			[]string{"consent.max_age 396d", "13 months", "182d"}, lintKnown},
		{"consent kept 400 days in long form", map[int]string{7: "  max_age: 400 days"}, 7,
			[]string{"consent.max_age 400 days"}, lintKnown},
		{"consent for exactly 13 months is fine", map[int]string{7: "  max_age: 13mo"}, 0, nil, lintKnown},

		{"necessary cookie the database calls statistics",
			map[int]string{12: "  - {name: _pk_testcookie, category: necessary, provider: example.se, duration: session}"}, 12,
			[]string{`"_pk_testcookie"`, "declared necessary", "classes it as statistics", "declare it as statistics"}, lintKnown},
		{"necessary pattern the database calls statistics",
			map[int]string{12: "  - {name: '_ga_#', category: necessary, provider: example.se, duration: session}"}, 12,
			[]string{`"_ga_#"`, "statistics"}, lintKnown},
		{"necessary cookie the database calls necessary", map[int]string{12: "  - {name: JSESSIONID, category: necessary, provider: example.se, duration: session}"}, 0, nil, lintKnown},
		{"necessary cookie the database does not know", map[int]string{12: "  - {name: ai_user, category: necessary, provider: example.se, duration: 12 months}"}, 0, nil, knownFrom(nil)},
		{"no database", map[int]string{12: "  - {name: ai_user, category: necessary, provider: example.se, duration: 12 months}"}, 0, nil, knownFrom(nil)},
		{"statistics cookie the database calls statistics", map[int]string{13: "  - {name: _ga, category: statistics, provider: example.se, duration: 1y}"}, 0, nil, lintKnown},

		{"statistics cookie kept over 13 months", map[int]string{13: "  - {name: _ga, category: statistics, provider: example.se, duration: 2y}"}, 13,
			[]string{`"_ga" (statistics)`, "2y", "more than 13 months", "13mo"}, lintKnown},
		{"marketing cookie kept with no limit", map[int]string{15: "  - {name: _gcl_ls, category: marketing, provider: example.se, type: html, duration: persistent}"}, 15,
			[]string{`"_gcl_ls" (marketing)`, "no limit"}, lintKnown},
		{"unclassified cookie under undeclared: block", map[int]string{16: "  - {name: oep.selectedView, category: unclassified, provider: example.se, duration: 400 days}"}, 16,
			[]string{`cookie "oep.selectedView" is declared category: unclassified while undeclared: block`, "removed for every visitor, whatever they choose", "declare its category (necessary if the site needs it to work)"}, lintKnown},
		// Under undeclared: allow an unclassified cookie passes for everyone: how
		// long it is kept matters. (The edit adds a line: the cookie is on 17.)
		{"unclassified cookie kept over 13 months under undeclared: allow", map[int]string{1: "version: 1\nundeclared: allow", 16: "  - {name: oep.selectedView, category: unclassified, provider: example.se, duration: 400 days}"}, 17,
			[]string{`"oep.selectedView" (unclassified)`, "400 days"}, lintKnown},
		{"necessary cookie kept long is fine", map[int]string{12: "  - {name: sid, category: necessary, provider: example.se, duration: 10y}"}, 0, nil, lintKnown},

		{"no privacy policy", map[int]string{5: "  # none"}, 4, // the line of site
			[]string{"site.privacy_policy_url is missing"}, lintKnown},
		{"no site at all", map[int]string{3: "# no site", 4: "#", 5: "#"}, 0, // nothing to point at: the file
			[]string{"site.privacy_policy_url is missing"}, lintKnown},
		{"privacy policy as a path is fine", map[int]string{5: "  privacy_policy_url: /integritet"}, 0, nil, lintKnown},

		{"blocker host nobody provides", map[int]string{19: "    hosts: [www.googletagmanager.com, \"*.google-analytics.com\", \"*.doubleclick.net\", static.example.se, cdn.chat.example]"}, 18,
			[]string{"blocker host cdn.chat.example", "no declared cookie has a provider under chat.example", "provider: chat.example", "your site's domain"}, lintKnown},
		{"wildcard blocker host nobody provides", map[int]string{19: "    hosts: [www.googletagmanager.com, \"*.google-analytics.com\", \"*.doubleclick.net\", static.example.se, \"*.hotjar.com\"]"}, 18,
			[]string{"blocker host *.hotjar.com", "provider: hotjar.com"}, lintKnown},
		{"a known tracker's third-party cookies not declared", map[int]string{14: "  - {name: other, category: marketing, provider: example.se, duration: 1d}"}, 18,
			[]string{"blocker host *.doubleclick.net", "provider: doubleclick.net"}, lintKnown},
		{"provider a subdomain of the host", map[int]string{14: "  - {name: IDE, category: marketing, provider: ad.doubleclick.net, duration: 1d}"}, 0, nil, lintKnown},
		{"provider elsewhere under a shared suffix", map[int]string{14: "  - {name: IDE, category: marketing, provider: evildoubleclick.net, duration: 1d}"}, 18,
			[]string{"blocker host *.doubleclick.net"}, lintKnown},

		// Issue 9: a tracker whose script sets first-party cookies must not be told to
		// declare them under its own host.
		{"first-party tracker cookies not declared: advice names the site, not the host",
			map[int]string{13: "  - {name: other, category: statistics, provider: example.se, duration: 13mo}"}, 18,
			[]string{"blocker host www.googletagmanager.com (Google tag)", "on your site's own domain", "_ga", "your site's domain as provider"}, lintKnown},
		{"first-party cookie with the script's host as provider",
			map[int]string{13: "  - {name: _ga, category: statistics, provider: www.googletagmanager.com, duration: 13mo}"}, 13,
			[]string{`cookie "_ga" has provider www.googletagmanager.com`, "the script of Google tag sets it on your site's own domain", "your site's domain"}, lintKnown},
		{"a concrete name under a first-party pattern",
			map[int]string{15: "  - {name: _ga_ABC123, category: marketing, provider: google-analytics.com, type: html, duration: session}"}, 15,
			[]string{`cookie "_ga_ABC123" has provider google-analytics.com`, "Google Analytics"}, lintKnown},
		{"a blocker host not in the tracker list is not told about first-party cookies",
			map[int]string{19: "    hosts: [www.googletagmanager.com, \"*.google-analytics.com\", \"*.doubleclick.net\", static.example.se, tags.example.net]"}, 18,
			[]string{"blocker host tags.example.net: no declared cookie"}, lintKnown},

		// Issue 9: "Remember me" cookies declared session lose their lifetime to clamping.
		{"necessary session cookie the platform keeps longer",
			map[int]string{12: "  - name: wordpress_logged_in_#", 13: "    category: necessary", 14: "    provider: example.se", 15: "    duration: session",
				16: "  - {name: _ga, category: statistics, provider: example.se, duration: 13mo}"}, 15,
			[]string{`cookie "wordpress_logged_in_#" is declared session`, "WordPress keeps it up to 15d", "clamp_lifetime on (the default)", "duration: 15d"}, lintKnown},
		{"a remember-me cookie by its name",
			map[int]string{12: "  - {name: app_remember, category: necessary, provider: example.se, duration: session}"}, 12,
			[]string{`cookie "app_remember" is declared session`, "remembers a login", "clamp_lifetime on (the default)"}, lintKnown},
		{"a session cookie that is one is fine",
			map[int]string{12: "  - {name: JSESSIONID, category: necessary, provider: example.se, duration: session}"}, 0, nil, lintKnown},
		{"the platform's lifetime declared is fine",
			map[int]string{12: "  - {name: wordpress_logged_in_#, category: necessary, provider: example.se, duration: 15d}"}, 0, nil, lintKnown},

		{"language without built-in texts", map[int]string{2: "languages: [sv, de]"}, 9, // necessary (line 0) is below, marketing (10) after
			[]string{`category "statistics" has no title or description in de`, "sv and en"}, lintKnown},

		{"category that asks about nothing", map[int]string{
			9:  "  - id: preferences",
			13: "  - {name: _ga, category: marketing, provider: example.se, duration: 13mo}",
		}, 9,
			[]string{`category "preferences" has no declared cookies and no blockers`}, lintKnown},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := lintPolicy(t, tc.edit)
			ws := Lint(p, tc.known)
			if tc.want == nil {
				if len(ws) != 0 {
					t.Errorf("unexpected warnings:\n%v", Problems(ws))
				}
				return
			}
			var got *Problem
			for i := range ws {
				if strings.Contains(ws[i].Msg, tc.want[0]) {
					got = &ws[i]
				}
			}
			if got == nil {
				t.Fatalf("no warning saying %q among:\n%v", tc.want[0], Problems(ws))
			}
			if got.File != "site.yaml" || got.Line != tc.line {
				t.Errorf("warning at %s:%d, want site.yaml:%d", got.File, got.Line, tc.line)
			}
			for _, w := range tc.want {
				if !strings.Contains(got.Msg, w) {
					t.Errorf("warning %q lacks %q", got.Msg, w)
				}
			}
		})
	}
}

func TestLintLanguages(t *testing.T) {
	p := mustParse(t, yml(
		"version: 1",
		"languages: [de, sv, fr]",
		"site: {privacy_policy_url: /p}",
		"categories:",
		"  - id: statistics",
		"    title: {de: Statistik, fr: Statistiques}",
		"    description: {de: Zählt Besuche, fr: Compte les visites}",
		"  - id: marketing",
		"    title: {de: Werbung}",
		"    description: Ads",
		"  - id: chat",
		"    title: {de: Chat, sv: Chatt, fr: Chat}",
		"    description: {de: Chat, sv: Chatt, fr: Chat}",
		"cookies:",
		"  - {name: a, category: statistics, provider: x.se, duration: 1d}",
		"  - {name: b, category: marketing, provider: x.se, duration: 1d}",
		"  - {name: c, category: chat, provider: x.se, duration: 1d}",
	))
	ws := Lint(p, nil)
	var got []string
	for _, w := range ws {
		got = append(got, w.Error())
	}
	want := []string{
		// necessary was not listed, so it has no line of its own.
		`policy.yaml: category "necessary" has no title or description in de, fr`,
		`policy.yaml:8: category "marketing" has no title or description in fr`,
	}
	if len(got) != len(want) {
		t.Fatalf("warnings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("warning %d = %q, want it to start %q", i, got[i], want[i])
		}
	}
}

// TestLintUnclassifiedUnderBlock: under undeclared: block a cookie declared
// unclassified is removed for every visitor, so lint says that, and says
// nothing of how long it would be kept (it never is).
func TestLintUnclassifiedUnderBlock(t *testing.T) {
	for _, duration := range []string{"persistent", "400 days", "session"} {
		p := lintPolicy(t, map[int]string{16: "  - {name: ci_session, category: unclassified, provider: example.se, duration: " + duration + "}"})
		ws := Lint(p, lintKnown)
		if len(ws) != 1 || ws[0].Line != 16 {
			t.Errorf("duration %s: want one warning on line 16, got:\n%v", duration, Problems(ws))
			continue
		}
		msg := ws[0].Msg
		for _, want := range []string{`cookie "ci_session" is declared category: unclassified while undeclared: block`, "is removed for every visitor, whatever they choose", "declare its category (necessary if the site needs it to work)"} {
			if !strings.Contains(msg, want) {
				t.Errorf("duration %s: warning %q lacks %q", duration, msg, want)
			}
		}
		if strings.Contains(msg, "kept") {
			t.Errorf("duration %s: warning %q says the cookie is kept", duration, msg)
		}
	}
}

func TestLintSortedByLine(t *testing.T) {
	p := lintPolicy(t, map[int]string{
		5:  "  # none",
		7:  "  max_age: 2y",
		12: "  - {name: ai_session, category: necessary, provider: example.se, duration: 30 minutes}",
		16: "  - {name: oep.selectedView, category: unclassified, provider: example.se, duration: persistent}",
		19: "    hosts: [www.googletagmanager.com, \"*.google-analytics.com\", \"*.doubleclick.net\", cdn.hotjar.com]",
	})
	ws := Lint(p, lintKnown)
	var lines []int
	for _, w := range ws {
		lines = append(lines, w.Line)
	}
	if want := []int{4, 7, 12, 16, 18}; !slices.Equal(lines, want) {
		t.Errorf("warnings on lines %v, want %v:\n%v", lines, want, Problems(ws))
	}
}

// TestLintSeeds runs the linter on the two seed sites: Fora's "necessary"
// analytics cookies (SPEC seeds README) and Almi's long-lived marketing cookies.
func TestLintSeeds(t *testing.T) {
	tests := []struct {
		file string
		want []string // "line: phrase"
	}{
		{"fora.yaml", []string{
			`11: "_pk_testcookie" is declared necessary`,
			`22: "ai_session" is declared necessary`,
			`23: "ai_user" is declared necessary`,
		}},
		{"almi.yaml", []string{
			`29: "FPID" (statistics) is kept for 400 days`,
			`35: "_ga" (marketing) is kept for 2 years`, // the line of the duration
			`43: "_ga_#" (marketing) is kept for 2 years`,
			// Declared unclassified under undeclared: block: removed whatever
			// the visitor chooses, so how long they are kept does not matter.
			`47: "_gcl_ls" is declared category: unclassified while undeclared: block, so it is removed for every visitor`,
			`48: "oep.selectedSorting" is declared category: unclassified`,
			`49: "oep.selectedView" is declared category: unclassified`,
			// *.google-analytics.com is explained by _ga, its first-party cookie.
		}},
	}
	for _, tc := range tests {
		p, err := LoadFile("testdata/" + tc.file)
		if err != nil {
			t.Fatal(err)
		}
		ws := Lint(p, lintKnown)
		var got []string
		for _, w := range ws {
			got = append(got, w.Error())
		}
		if len(got) != len(tc.want) {
			t.Errorf("%s: %d warnings, want %d:\n%s", tc.file, len(got), len(tc.want), strings.Join(got, "\n"))
			continue
		}
		for i, w := range tc.want {
			line, phrase, _ := strings.Cut(w, ": ")
			if !strings.HasPrefix(got[i], "testdata/"+tc.file+":"+line+": ") || !strings.Contains(got[i], phrase) {
				t.Errorf("%s: warning %d = %q, want line %s saying %q", tc.file, i, got[i], line, phrase)
			}
		}
	}
}

// TestLintBroadNecessaryPattern checks that a necessary pattern that also
// covers known trackers says which: declared necessary, they would pass without
// consent.
func TestLintBroadNecessaryPattern(t *testing.T) {
	known := BuiltinKnown()
	tests := []struct {
		name string
		line string   // cookie 12 of lintBase
		want []string // substrings of the one warning on line 12; none: no warning
	}{
		{"underscore and anything", "  - {name: '_*', category: necessary, provider: example.se, duration: session}",
			[]string{`cookie "_*" is declared necessary`, "_ga_# (statistics)", "_gcl_au (marketing)", "_fbp (marketing)", "more", "would pass without consent"}},
		{"anything with session in it", "  - {name: '*session*', category: necessary, provider: example.se, duration: session}",
			[]string{`cookie "*session*" is declared necessary`, "ai_session (statistics)"}},
		{"a platform's own pattern", "  - {name: 'wp-settings-*', category: necessary, provider: example.se, duration: 1y}", nil},
		{"SAP's load-balancing cookies", "  - {name: 'saplb_*', category: necessary, provider: example.se, duration: session}", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ws := Lint(lintPolicy(t, map[int]string{12: tc.line}), known)
			var got []Problem
			for _, w := range ws {
				if w.Line == 12 {
					got = append(got, w)
				}
			}
			if tc.want == nil {
				if len(got) != 0 {
					t.Errorf("unexpected warnings:\n%v", Problems(got))
				}
				return
			}
			if len(got) != 1 {
				t.Fatalf("want one warning on line 12, got:\n%v", Problems(ws))
			}
			for _, w := range tc.want {
				if !strings.Contains(got[0].Msg, w) {
					t.Errorf("warning %q lacks %q", got[0].Msg, w)
				}
			}
			// _ga is declared statistics on line 13: the pattern does not cover it.
			if strings.Contains(got[0].Msg, "_ga (") {
				t.Errorf("warning %q names _ga, which the policy declares itself", got[0].Msg)
			}
		})
	}
}

func TestLastTwoLabels(t *testing.T) {
	for in, want := range map[string]string{
		"www.googletagmanager.com": "googletagmanager.com",
		"*.google-analytics.com":   "google-analytics.com",
		"a.b.c.example.se":         "example.se",
		"example.se":               "example.se",
		"Example.SE.":              "example.se",
		"localhost":                "localhost",
		"www.bbc.co.uk":            "co.uk", // the documented approximation
	} {
		if got := lastTwoLabels(in); got != want {
			t.Errorf("lastTwoLabels(%q) = %q, want %q", in, got, want)
		}
	}
}
