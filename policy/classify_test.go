package policy

import (
	"testing"
	"time"
)

var testKnown = []KnownCookie{
	{Name: "_gid", Category: "statistics"},
	{Name: "_ga", Category: "marketing"}, // the policy's declaration must win
	{Name: "_fbp", Category: "marketing"},
	{Name: "_hj#", Category: "statistics"},
	{Name: "lang", Category: "preferences"},
	{Name: "cf_clearance", Category: "necessary"},
	{Name: "li_gc", Category: "socialmedia"}, // a category the policy does not have
	{Name: "_fbp", Category: "necessary"},    // listed twice: the first stays
}

func exampleClassifier(t testing.TB, undeclared string) *Classifier {
	t.Helper()
	p := examplePolicy(t)
	p.Undeclared = undeclared
	return NewClassifier(p, testKnown, []string{"CookieConsent", "cmplz_#"})
}

func TestClassify(t *testing.T) {
	c := exampleClassifier(t, "block")
	tests := []struct {
		name     string
		category string
		index    int
		origin   Origin
		decl     string
		nameless bool
	}{
		{"", Unclassified, -1, FromNothing, "", true},
		{"cookie_consent", Necessary, 0, FromConsent, "", false},
		{"CookieConsent", Necessary, 0, FromConsent, "", false},
		{"cmplz_marketing", Necessary, 0, FromConsent, "", false},
		{"JSESSIONID", Necessary, 0, FromPolicy, "JSESSIONID", false},
		{"_ga", "statistics", 2, FromPolicy, "_ga", false},
		{"_ga_HFVYCJEN26", "statistics", 2, FromPolicy, "_ga_#", false},
		{"_gcl_au", "marketing", 3, FromPolicy, "_gcl_au", false},
		{"oep.selectedView", Unclassified, -1, FromPolicy, "oep.selectedView", false},
		{"_gid", "statistics", 2, FromKnown, "", false},
		{"_fbp", "marketing", 3, FromKnown, "", false},
		{"_hjSession_123", "statistics", 2, FromKnown, "", false},
		{"lang", "preferences", 1, FromKnown, "", false},
		{"cf_clearance", Necessary, 0, FromKnown, "", false},
		{"li_gc", "socialmedia", -1, FromKnown, "", false},
		{"mystery", Unclassified, -1, FromNothing, "", false},
		{"jsessionid", Unclassified, -1, FromNothing, "", false},
		{"_hj", Unclassified, -1, FromNothing, "", false},
	}
	for _, tc := range tests {
		cl := c.Classify(tc.name)
		decl := ""
		if cl.Decl != nil {
			decl = cl.Decl.Name
		}
		if cl.Category != tc.category || cl.Index != tc.index || cl.Origin != tc.origin || decl != tc.decl || cl.Nameless != tc.nameless {
			t.Errorf("Classify(%q) = %+v (decl %q), want %s/%d/%v decl %q nameless %v", tc.name, cl, decl, tc.category, tc.index, tc.origin, tc.decl, tc.nameless)
		}
	}
	if cat, ok := c.KnownCategory("_ga"); !ok || cat != "marketing" {
		t.Errorf("KnownCategory(_ga) = %q, %v: the database's own answer, not the policy's", cat, ok)
	}
	if _, ok := c.KnownCategory("JSESSIONID"); ok {
		t.Error("KnownCategory(JSESSIONID) found a database entry that does not exist")
	}
}

// TestClassifyConsentManagerCookieIsNecessary: a site declaring its consent
// manager's cookie under another category must not lock visitors out of
// their own choice.
func TestClassifyConsentManagerCookieIsNecessary(t *testing.T) {
	p := mustParse(t, yml(
		"version: 1",
		"categories: [{id: marketing}]",
		"cookies:",
		"  - {name: OptanonConsent, category: marketing, duration: 1y}",
	))
	c := NewClassifier(p, nil, []string{"OptanonConsent"})
	cl := c.Classify("OptanonConsent")
	if cl.Category != Necessary || cl.Origin != FromConsent || !c.Allows(cl, NoChoice()) {
		t.Errorf("Classify(OptanonConsent) = %+v", cl)
	}
}

func TestAllows(t *testing.T) {
	// need says what lets a cookie pass: a category id (granted or not),
	// "undeclared" (only with undeclared: allow), "always" or "never".
	names := []struct{ name, need string }{
		{"cookie_consent", "always"},
		{"CookieConsent", "always"},
		{"JSESSIONID", "always"},
		{"cf_clearance", "always"},
		{"_ga", "statistics"},
		{"_ga_X", "statistics"},
		{"_gid", "statistics"},
		{"lang", "preferences"},
		{"_gcl_au", "marketing"},
		{"_fbp", "marketing"},
		{"oep.selectedView", "undeclared"},
		{"mystery", "undeclared"},
		{"", "never"},
		{"li_gc", "never"},
	}
	p := examplePolicy(t)
	consents := []Consent{
		NoChoice(),
		{Given: true, Granted: 1},
		{Given: true, Granted: p.SetOf([]string{"statistics"})},
		{Given: true, Granted: p.SetOf([]string{"preferences", "marketing"})},
		{Given: true, Granted: p.All()},
		{Granted: p.All() | 1<<40}, // bits beyond the policy's categories grant nothing more
	}
	for _, undeclared := range []string{"block", "allow"} {
		c := exampleClassifier(t, undeclared)
		for _, cons := range consents {
			for _, n := range names {
				var want bool
				switch n.need {
				case "always":
					want = true
				case "never":
					want = false
				case "undeclared":
					want = undeclared == "allow"
				default:
					want = cons.Granted.Has(p.CategoryIndex(n.need))
				}
				if got := c.Allows(c.Classify(n.name), cons); got != want {
					t.Errorf("undeclared: %s, granted %v: Allows(%q) = %v, want %v", undeclared, p.IDs(cons.Granted), n.name, got, want)
				}
			}
		}
	}
}

func TestClampTo(t *testing.T) {
	p := mustParse(t, yml(
		"version: 1",
		"categories: [{id: statistics}]",
		"cookies:",
		"  - {name: sid, category: necessary, duration: session}",
		"  - {name: _ga, category: statistics, duration: 2y}",
		"  - {name: keep, category: necessary, duration: persistent}",
		"  - {name: half, category: statistics, duration: 30 minutes}",
	))
	c := NewClassifier(p, []KnownCookie{{Name: "_gid", Category: "statistics"}}, nil)
	tests := []struct {
		name    string
		d       time.Duration
		session bool
		ok      bool
	}{
		{"sid", 0, true, true},
		{"_ga", 2 * 365 * day, false, true},
		{"half", 30 * time.Minute, false, true},
		{"keep", 0, false, false},
		{"_gid", 0, false, false}, // known, not declared: no duration of ours
		{"nobody", 0, false, false},
		{"cookie_consent", 0, false, false},
	}
	for _, tc := range tests {
		d, session, ok := c.Classify(tc.name).ClampTo()
		if d != tc.d || session != tc.session || ok != tc.ok {
			t.Errorf("ClampTo(%q) = %v, %v, %v; want %v, %v, %v", tc.name, d, session, ok, tc.d, tc.session, tc.ok)
		}
	}
	if _, _, ok := (Class{Decl: &Cookie{Name: "x"}}).ClampTo(); ok {
		t.Error("a declaration without a duration clamps")
	}
}

func TestOriginString(t *testing.T) {
	for o, want := range map[Origin]string{FromNothing: "undeclared", FromPolicy: "declared", FromKnown: "known", FromConsent: "consent"} {
		if o.String() != want {
			t.Errorf("Origin(%d).String() = %q, want %q", o, o.String(), want)
		}
	}
}
