package policy

import (
	"strings"
	"testing"

	"github.com/consentgate/consentgate/policy/knowncookies"
)

func TestBuiltinLifetimesParse(t *testing.T) {
	for _, c := range knowncookies.Builtin() {
		if c.Lifetime == "" {
			continue
		}
		if _, err := ParseDuration(c.Lifetime); err != nil {
			t.Errorf("%q: lifetime %q: %v", c.Name, c.Lifetime, err)
		}
	}
}

// TestBuiltinNamesArePatterns checks that every built-in name is a name or pattern a
// policy could declare, so that draft can copy it into one.
func TestBuiltinNamesArePatterns(t *testing.T) {
	for _, c := range knowncookies.Builtin() {
		if why := validPattern(c.Name); why != "" {
			t.Errorf("%q: %s", c.Name, why)
		}
	}
	for _, tr := range knowncookies.Trackers() {
		if !hostRE.MatchString(tr.Host) {
			t.Errorf("tracker host %q is not a blocker host", tr.Host)
		}
	}
}

func TestKnownTracker(t *testing.T) {
	k := BuiltinKnown()
	for host, want := range map[string]string{
		"www.googletagmanager.com":               "www.googletagmanager.com",
		"WWW.GoogleTagManager.com.":              "www.googletagmanager.com",
		"www.google-analytics.com":               "*.google-analytics.com",
		"region1.analytics.google-analytics.com": "*.google-analytics.com",
		"*.google-analytics.com":                 "*.google-analytics.com",
		"google-analytics.com":                   "*.google-analytics.com",
		"static.hotjar.com":                      "*.hotjar.com",
		"googletagmanager.com":                   "",
		"evilgoogle-analytics.com":               "",
		"example.com":                            "",
	} {
		got, ok := k.Tracker(host)
		if want == "" {
			if ok {
				t.Errorf("Tracker(%q) = %q, want none", host, got.Host)
			}
			continue
		}
		if !ok || got.Host != want {
			t.Errorf("Tracker(%q) = %q, %v; want %q", host, got.Host, ok, want)
		}
	}
	var nilKnown *Known
	if _, ok := nilKnown.Tracker("www.googletagmanager.com"); ok {
		t.Error("a nil Known knows a tracker")
	}
	if _, ok := nilKnown.Cookie("_ga"); ok {
		t.Error("a nil Known knows a cookie")
	}
}

func TestSuggest(t *testing.T) {
	p := mustParse(t, yml(
		"version: 1",
		"categories: [{id: statistics}]",
	))
	c := NewClassifier(p, knowncookies.Builtin(), nil)
	tests := []struct {
		name, category string
		note           []string
	}{
		{"wordpress_1eca930428ee9df8af6bdb65c698e531", "necessary", []string{"known to WordPress as wordpress_#", "declare it in the policy as necessary"}},
		{"PHPSESSID", "necessary", []string{"known to PHP: declare it in the policy as necessary"}},
		{"_ga", "statistics", []string{"Google Analytics"}},
		{"_fbp", "marketing", []string{"Meta", "add the category marketing, which the policy lacks"}},
		{"visitor_fingerprint", "", []string{NoSuggestion}},
		{"", "", []string{NoSuggestion}},
		{"e58483f46a435e3dafb1b3b4e75abdc6", "", []string{NoSuggestion, "Joomla"}},
		{"_myshop_session", "", []string{NoSuggestion, "Ruby on Rails"}},
		{"myshop_session", "", []string{NoSuggestion, "Laravel"}},
	}
	for _, tt := range tests {
		cat, note := c.Suggest(tt.name)
		if cat != tt.category {
			t.Errorf("Suggest(%q) category = %q, want %q", tt.name, cat, tt.category)
		}
		for _, w := range tt.note {
			if !strings.Contains(note, w) {
				t.Errorf("Suggest(%q) note %q lacks %q", tt.name, note, w)
			}
		}
	}
}

// TestLintWithBuiltin runs the linter with what lint really uses on the seeds and
// the demo: Almi's transcription names googletagmanager.com as provider of _gcl_ls,
// a key the Google tag writes in the site's own storage.
func TestLintWithBuiltin(t *testing.T) {
	p, err := LoadFile("testdata/almi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, w := range Lint(p, BuiltinKnown()) {
		got = append(got, w.Error())
	}
	all := strings.Join(got, "\n")
	for _, want := range []string{
		`testdata/almi.yaml:47: cookie "_gcl_ls" has provider googletagmanager.com, but it is a first-party cookie: the script of Google tag / Google Tag Manager sets it on your site's own domain`,
	} {
		if !strings.Contains(all, want) {
			t.Errorf("lint of almi lacks %q:\n%s", want, all)
		}
	}
	if strings.Contains(all, "provider: www.googletagmanager.com") || strings.Contains(all, "provider: googletagmanager.com") {
		t.Errorf("lint advises the tag's host as provider of first-party cookies:\n%s", all)
	}

	p, err = LoadFile("../examples/legacy-site/policy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if ws := Lint(p, BuiltinKnown()); len(ws) != 0 {
		t.Errorf("the demo policy draws warnings:\n%v", Problems(ws))
	}
}

// TestKnownTrackerHostileNames: a visitor's report may name a host of a
// hundred labels; each label is one map lookup, with nothing allocated (it
// was every entry for every label, a string built each time: 1 ms and 600
// KB for one 255-byte name). The list's first entry of a host wins.
func TestKnownTrackerHostileNames(t *testing.T) {
	k := BuiltinKnown()
	long := strings.Repeat("a.", 115) + "doubleclick.net"
	if got, ok := k.Tracker(long); !ok || got.Host != "*.doubleclick.net" {
		t.Errorf("a long subdomain of a known domain: %q, %v", got.Host, ok)
	}
	if _, ok := k.Tracker(strings.Repeat("x.", 200) + "com"); ok {
		t.Errorf("a name longer than any host was found")
	}
	if n := testing.AllocsPerRun(100, func() { k.Tracker(long) }); n != 0 {
		t.Errorf("%v allocations per lookup of a long name, want 0", n)
	}
	for _, tr := range knowncookies.Trackers() {
		if _, ok := k.Tracker(strings.TrimPrefix(tr.Host, "*.")); !ok {
			t.Errorf("the list's own %q not found", tr.Host)
		}
	}
}
