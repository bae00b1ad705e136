package declaration

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/consentgate/consentgate/policy"
)

// testTexts stands in for the banner's built-in texts.
type testTexts struct{}

var (
	uiTexts = map[string]map[string]string{
		"sv": {
			"accept_all": "Acceptera alla", "reject_all": "Avvisa alla", "save": "Spara val",
			"settings": "Inställningar", "withdraw": "Återkalla samtycke", "always_on": "alltid på",
			"consent_id": "Samtyckes-ID", "consent_date": "Datum", "privacy_link": "Integritetspolicy",
			"cookie_settings": "Inställningar för kakor",
		},
		"en": {
			"accept_all": "Accept all", "reject_all": "Reject all", "save": "Save choices",
			"settings": "Settings", "withdraw": "Withdraw consent", "always_on": "always on",
			"consent_id": "Consent ID", "consent_date": "Date", "privacy_link": "Privacy policy",
			"cookie_settings": "Cookie settings",
		},
	}
	categoryTitles = map[string]map[string]string{
		"sv": {"necessary": "Nödvändiga", "preferences": "Inställningar", "statistics": "Statistik", "marketing": "Marknadsföring"},
		"en": {"necessary": "Necessary", "preferences": "Preferences", "statistics": "Statistics", "marketing": "Marketing"},
	}
)

func (testTexts) Text(key, lang string) string { return uiTexts[lang][key] }
func (testTexts) CategoryTitle(c policy.Category, lang string) string {
	return categoryTitles[lang][c.ID]
}
func (testTexts) CategoryDescription(c policy.Category, lang string) string {
	if categoryTitles[lang][c.ID] == "" {
		return ""
	}
	return "Built-in description of " + c.ID + "."
}

func loadExample(t testing.TB, name string) *policy.Policy {
	t.Helper()
	p, err := policy.LoadFile("../../examples/" + name + "/policy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func parse(t testing.TB, yaml string) *policy.Policy {
	t.Helper()
	p, err := policy.Parse([]byte(yaml), "test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func counts(d Data) map[string]int {
	m := map[string]int{}
	for _, c := range d.Categories {
		m[c.ID] = len(c.Cookies)
	}
	return m
}

func TestSeedBuildCounts(t *testing.T) {
	for _, tc := range []struct {
		example string
		ids     []string
		counts  map[string]int
	}{
		// Almi declares 3 necessary cookies (CookieConsent's two rows in the
		// seed are one entry); the consent cookie makes 4.
		{"almi", []string{"necessary", "preferences", "statistics", "marketing", "unclassified"},
			map[string]int{"necessary": 4, "preferences": 8, "statistics": 3, "marketing": 4, "unclassified": 3}},
		{"fora", []string{"necessary"}, map[string]int{"necessary": 17}},
	} {
		p := loadExample(t, tc.example)
		for _, lang := range []string{"sv", "en"} {
			d := Build(p, testTexts{}, lang)
			var ids []string
			for _, c := range d.Categories {
				ids = append(ids, c.ID)
			}
			if !slices.Equal(ids, tc.ids) || !maps.Equal(counts(d), tc.counts) {
				t.Errorf("%s/%s: categories %v with %v cookies, want %v with %v", tc.example, lang, ids, counts(d), tc.ids, tc.counts)
			}
			if d.Language != lang || d.Revision != p.Revision {
				t.Errorf("%s/%s: language %q revision %d", tc.example, lang, d.Language, d.Revision)
			}
			first := d.Categories[0].Cookies[0]
			if first.Name != "cookie_consent" || first.Type != "http" || first.Purpose != labelsFor(lang).ConsentPurpose {
				t.Errorf("%s/%s: the consent cookie is not listed first under necessary: %+v", tc.example, lang, first)
			}
		}
	}
}

func TestBuildTexts(t *testing.T) {
	p := loadExample(t, "almi")
	sv, en := Build(p, testTexts{}, "sv"), Build(p, testTexts{}, "en")
	// The policy's description overrides the built-in one; the title is built in.
	if c := sv.Categories[3]; c.Title != "Marknadsföring" || c.Description != p.Categories[3].Description["sv"] {
		t.Errorf("sv marketing: %q, %q", c.Title, c.Description)
	}
	if c := en.Categories[4]; c.Title != "Unclassified" || c.Description != english.UnclassifiedDescription {
		t.Errorf("en unclassified: %q, %q", c.Title, c.Description)
	}
	ga := en.Categories[3].Cookies[0]
	want := CookieData{
		Name: "_ga", Provider: "almi.se", Type: "http", Duration: "2 years",
		Purpose:  "Used to send data to Google Analytics about the visitor's device and behavior. Tracks the visitor across devices and marketing channels.",
		Transfer: &TransferData{Country: "United States", Adequate: true},
	}
	if ga.Transfer == nil || *ga.Transfer != *want.Transfer {
		t.Errorf("_ga transfer %+v", ga.Transfer)
	}
	ga.Transfer, want.Transfer = nil, nil
	if ga != want {
		t.Errorf("en _ga:\n got %+v\nwant %+v", ga, want)
	}
	if got := sv.Categories[3].Cookies[0].Duration; got != "2 år" {
		t.Errorf("sv _ga duration %q, want 2 år", got)
	}

	fora := Build(loadExample(t, "fora"), testTexts{}, "en")
	if c := fora.Categories[0].Cookies[1]; c.Name != "_pk_testcookie" || c.UsedBy != "The public website fora.se (not logged in)" {
		t.Errorf("fora en: %+v", c)
	}
}

func TestBuildLanguageFallback(t *testing.T) {
	p := loadExample(t, "almi")
	if d := Build(p, testTexts{}, "de"); d.Language != "sv" || d.Categories[0].Title != "Nödvändiga" {
		t.Errorf("a language the policy does not offer should give its default (sv), got %q %q", d.Language, d.Categories[0].Title)
	}
	// A text missing in the page's language is shown in another of the policy's.
	p = parse(t, `
version: 1
languages: [en, sv]
cookies:
  - {name: a, category: necessary, duration: 1d, purpose: {sv: "Bara svenska"}}
`)
	if got := Build(p, testTexts{}, "en").Categories[0].Cookies[1].Purpose; got != "Bara svenska" {
		t.Errorf("purpose %q", got)
	}
}

func TestBuildDeclaredConsentCookie(t *testing.T) {
	p := parse(t, `
version: 1
languages: [sv, en]
consent: {cookie: cc, max_age: 30d}
cookies:
  - {name: cc, category: necessary, provider: example.se, duration: 30d, purpose: "Own words"}
  - {name: "c#", category: necessary, duration: 1d}
`)
	d := Build(p, testTexts{}, "en")
	if n := len(d.Categories[0].Cookies); n != 2 || d.Categories[0].Cookies[0].Purpose != "Own words" {
		t.Errorf("a declared consent cookie is listed as declared and once: %+v", d.Categories[0].Cookies)
	}
	// A pattern covering it does not count as declaring it.
	p = parse(t, `
version: 1
consent: {cookie: cc, domain: .example.se}
cookies:
  - {name: "c#", category: necessary, duration: 1d}
`)
	if c := Build(p, testTexts{}, "en").Categories[0].Cookies[0]; c.Name != "cc" || c.Provider != "example.se" || c.Duration != "182 days" {
		t.Errorf("consent cookie %+v", c)
	}
}

// TestBuildJSON checks the field names of declaration.json against SPEC §6.
func TestBuildJSON(t *testing.T) {
	b, err := json.Marshal(Build(loadExample(t, "almi"), testTexts{}, "sv"))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	keys := func(v any) []string { return slices.Sorted(maps.Keys(v.(map[string]any))) }
	check := func(what string, v any, want ...string) {
		t.Helper()
		slices.Sort(want)
		if got := keys(v); !slices.Equal(got, want) {
			t.Errorf("%s keys %v, want %v", what, got, want)
		}
	}
	check("declaration", doc, "revision", "language", "categories")
	cats := doc["categories"].([]any)
	check("category", cats[0], "id", "title", "description", "cookies")
	var sawTransfer, sawNull bool
	for _, c := range cats {
		for _, k := range c.(map[string]any)["cookies"].([]any) {
			check("cookie", k, "name", "provider", "type", "duration", "purpose", "transfer", "used_by")
			switch tr := k.(map[string]any)["transfer"]; tr {
			case nil:
				sawNull = true
			default:
				sawTransfer = true
				check("transfer", tr, "country", "adequate")
			}
		}
	}
	if !sawTransfer || !sawNull {
		t.Errorf("want cookies with and without transfer (null) in Almi, saw %v %v", sawTransfer, sawNull)
	}
	// An empty category is an empty list, not null.
	b, _ = json.Marshal(Build(parse(t, "version: 1\ncategories: [{id: marketing}]\n"), testTexts{}, "en"))
	if want := `"cookies":[]`; !json.Valid(b) || !strings.Contains(string(b), want) {
		t.Errorf("%s lacks %s", b, want)
	}
}

func TestDuration(t *testing.T) {
	for _, tc := range []struct{ in, sv, en string }{
		{"session", "Session", "Session"},
		{"persistent", "Beständig", "Persistent"},
		{"2 years", "2 år", "2 years"},
		{"1y", "1 år", "1 year"},
		{"400 days", "400 dagar", "400 days"},
		{"182d", "182 dagar", "182 days"},
		{"30 days", "30 dagar", "30 days"},
		{"1mo", "30 dagar", "30 days"},
		{"3 months", "3 månader", "3 months"},
		{"12mo", "12 månader", "12 months"},
		{"13mo", "13 månader", "13 months"},
		{"1 day", "1 dag", "1 day"},
		{"48h", "2 dagar", "2 days"},
		{"1h", "1 timme", "1 hour"},
		{"2h", "2 timmar", "2 hours"},
		{"30min", "30 minuter", "30 minutes"},
		{"1min", "1 minut", "1 minute"},
		{"90s", "90 sekunder", "90 seconds"},
		{"1w", "7 dagar", "7 days"},
	} {
		d, err := policy.ParseDuration(tc.in)
		if err != nil {
			t.Fatal(err)
		}
		if got := swedish.duration(d); got != tc.sv {
			t.Errorf("sv %s: %q, want %q", tc.in, got, tc.sv)
		}
		if got := english.duration(d); got != tc.en {
			t.Errorf("en %s: %q, want %q", tc.in, got, tc.en)
		}
	}
}
