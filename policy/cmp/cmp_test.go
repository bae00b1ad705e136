package cmp

import (
	"maps"
	"slices"
	"strings"
	"testing"
)

// jar serves cookies from a map, as the caller's filtered Cookie header would.
func jar(cookies map[string]string) func(string) (string, bool) {
	return func(name string) (string, bool) {
		v, ok := cookies[name]
		return v, ok
	}
}

type readCase struct {
	name    string
	cookies map[string]string
	m       Mapping
	want    []string // nil: no choice
}

func runReadCases(t *testing.T, source string, cases []readCase) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			got, given := Read(source, jar(tt.cookies), tt.m)
			if given != (tt.want != nil) || !slices.Equal(got, tt.want) {
				t.Errorf("Read(%s) = %q, %v; want %q, %v", source, got, given, tt.want, tt.want != nil)
			}
		})
	}
}

var (
	onlyNecessary = []string{"necessary"}
	all           = []string{"necessary", "preferences", "statistics", "marketing"}
)

func TestReadCookiebot(t *testing.T) {
	cb := func(v string) map[string]string { return map[string]string{"CookieConsent": v} }
	const stamp = "%27k7Q2vR+9xLm/3TfE0aWb8NcYdUo1Zs4Jh6GpKiMnBqCeDf5AtHw==%27"
	runReadCases(t, "cookiebot", []readCase{
		{"explicit, mixed, as sent",
			cb("{stamp:" + stamp + "%2Cnecessary:true%2Cpreferences:false%2Cstatistics:true%2Cmarketing:false%2Cmethod:%27explicit%27%2Cver:3%2Cutc:1750423015309%2Cregion:%27se%27}"),
			nil, []string{"necessary", "statistics"}},
		{"explicit, all accepted",
			cb("{stamp:" + stamp + "%2Cnecessary:true%2Cpreferences:true%2Cstatistics:true%2Cmarketing:true%2Cmethod:%27explicit%27%2Cver:1%2Cutc:1741015397474%2Cregion:%27pl%27}"),
			nil, all},
		{"explicit, all refused",
			cb("{stamp:" + stamp + "%2Cnecessary:true%2Cpreferences:false%2Cstatistics:false%2Cmarketing:false%2Cmethod:%27explicit%27%2Cver:1%2Cutc:1734405069032%2Cregion:%27de%27}"),
			nil, onlyNecessary},
		{"older format without method and region",
			cb("{stamp:" + stamp + "%2Cnecessary:true%2Cpreferences:true%2Cstatistics:false%2Cmarketing:true%2Cver:1%2Cutc:1602846985327}"),
			nil, []string{"necessary", "preferences", "marketing"}},
		{"implied outside consent regions, as an object",
			cb("{stamp:%27-1%27%2Cnecessary:true%2Cpreferences:true%2Cstatistics:true%2Cmarketing:true%2Cmethod:%27implied%27%2Cver:1%2Cutc:1773406331342%2Cregion:%27VN%27}"),
			nil, all},
		{"not encoded, spaces, single quotes",
			cb("{ stamp: 'abc+/==', necessary: true, preferences: true, statistics: false, marketing: true, method: 'explicit' }"),
			nil, []string{"necessary", "preferences", "marketing"}},
		{"double quotes",
			cb(`{"stamp":"abc","necessary":true,"preferences":false,"statistics":false,"marketing":true}`),
			nil, []string{"necessary", "marketing"}},
		{"fully encoded",
			cb("%7Bstamp%3A%27abc%27%2Cnecessary%3Atrue%2Cpreferences%3Atrue%2Cstatistics%3Atrue%2Cmarketing%3Afalse%7D"),
			nil, []string{"necessary", "preferences", "statistics"}},
		{"lowercase percent escapes",
			cb("{stamp:%27abc%27%2cnecessary:true%2cstatistics:true}"),
			nil, []string{"necessary", "statistics"}},
		{"wrapped in RFC 6265 double quotes",
			cb(`"{stamp:'abc',necessary:true,preferences:false,statistics:true,marketing:false}"`),
			nil, []string{"necessary", "statistics"}},
		{"quoted booleans", cb("{necessary:'true',statistics:'true',marketing:\"false\"}"), nil, []string{"necessary", "statistics"}},
		{"nested values are skipped", cb("{iab:{v:[1,'}',2]},gacm:['a,b'],statistics:true}"), nil, []string{"necessary", "statistics"}},
		{"trailing comma", cb("{statistics:true,marketing:true,}"), nil, []string{"necessary", "statistics", "marketing"}},
		{"repeated key keeps the last", cb("{statistics:true,statistics:false}"), nil, onlyNecessary},
		{"necessary only listed", cb("{necessary:true}"), nil, onlyNecessary},
		{"missing keys are refusals", cb("{stamp:'x',marketing:true}"), nil, []string{"necessary", "marketing"}},
		{"necessary false still grants necessary", cb("{necessary:false,preferences:true}"), nil, []string{"necessary", "preferences"}},
		{"mapping is ignored", cb("{statistics:true}"), Mapping{"statistics": "marketing"}, []string{"necessary", "statistics"}},
		{"0 means necessary only", cb("0"), nil, onlyNecessary},
		{"-1 means all", cb("-1"), nil, all},
		{"-1 with spaces and quotes", cb(` "-1" `), nil, all},

		{"absent", map[string]string{}, nil, nil},
		{"another manager's cookie only", map[string]string{"OptanonConsent": "groups=C0001:1"}, nil, nil},
		{"empty", cb(""), nil, nil},
		{"1", cb("1"), nil, nil},
		{"-2", cb("-2"), nil, nil},
		{"truncated", cb("{stamp:%27abc%27%2Cnecessary:true%2Cpreferences:fa"), nil, nil},
		{"truncated after a comma", cb("{stamp:'abc',necessary:true,"), nil, nil},
		{"no braces", cb("necessary:true,statistics:true"), nil, nil},
		{"text after the object", cb("{statistics:true}x"), nil, nil},
		{"two objects", cb("{statistics:true}{marketing:true}"), nil, nil},
		{"text after an empty object", cb("{} x"), nil, nil},
		{"text after a trailing comma", cb("{statistics:true,}x"), nil, nil},
		{"unterminated string", cb("{stamp:'abc,statistics:true}"), nil, nil},
		{"number for a boolean", cb("{statistics:1,marketing:true}"), nil, nil},
		{"word for a boolean", cb("{statistics:'yes',marketing:true}"), nil, nil},
		{"object for a boolean", cb("{statistics:{},marketing:true}"), nil, nil},
		{"no category keys", cb("{stamp:'abc',ver:1}"), nil, nil},
		{"empty object", cb("{}"), nil, nil},
		{"missing value", cb("{statistics:,marketing:true}"), nil, nil},
		{"missing colon", cb("{statistics true}"), nil, nil},
		{"garbage", cb("\x00\xff}{''\"%%%"), nil, nil},
		{"huge", cb("{stamp:'" + strings.Repeat("A", 20000) + "',statistics:true}"), nil, nil},
	})
}

func TestReadOneTrust(t *testing.T) {
	ot := func(groups string) map[string]string {
		return map[string]string{"OptanonConsent": "isGpcEnabled=0&datestamp=Mon+Nov+20+2023+10%3A00%3A00+GMT%2B0100+(Central+European+Standard+Time)" +
			"&version=202310.1.0&browserGpcFlag=0&isIABGlobal=false&hosts=&consentId=5f445bf3-ea3f-4378-8595-e19c933c67be" +
			"&interactionCount=1&isAnonUser=1&landingPath=https%3A%2F%2Fexample.se%2F%3Fa%3D1%26groups%3DC0004%253A1" +
			"&groups=" + groups + "&geolocation=SE%3BAB&AwaitingReconsent=false"}
	}
	runReadCases(t, "onetrust", []readCase{
		{"mixed, encoded", ot("C0001%3A1%2CC0002%3A0%2CC0003%3A1%2CC0004%3A0"), nil, []string{"necessary", "preferences"}},
		{"all accepted, with IAB stack and custom group", ot("C0001%3A1%2CC0002%3A1%2CC0003%3A1%2CC0004%3A1%2CC0005%3A1%2CV2STACK42%3A1%2CC0035%3A1"), nil, all},
		{"all refused", ot("C0001%3A1%2CC0002%3A0%2CC0003%3A0%2CC0004%3A0%2CC0005%3A0%2CV2STACK42%3A0"), nil, onlyNecessary},
		{"order does not matter", ot("C0004%3A1%2CC0001%3A1%2CC0002%3A1"), nil, []string{"necessary", "statistics", "marketing"}},
		{"not encoded", ot("C0001:1,C0002:1,C0003:0"), nil, []string{"necessary", "statistics"}},
		{"trailing comma and spaces", ot("C0001%3A1%2C%20C0002%3A1%2C"), nil, []string{"necessary", "statistics"}},
		{"targeting accepted but social media refused", ot("C0001%3A1%2CC0004%3A1%2CC0005%3A0"), nil, onlyNecessary},
		{"targeting accepted, no social media group", ot("C0001%3A1%2CC0004%3A1"), nil, []string{"necessary", "marketing"}},
		{"only the cookie's groups parameter counts", ot("C0001%3A1%2CC0004%3A0"), nil, onlyNecessary},
		{"groups first in the value",
			map[string]string{"OptanonConsent": "groups=C0001%3A1%2CC0003%3A1&isGpcEnabled=0"}, nil, []string{"necessary", "preferences"}},
		{"mapping overrides and drops defaults",
			ot("C0001%3A1%2CC0002%3A1%2CC0003%3A1"), Mapping{"C0002": "marketing", "C0003": ""}, []string{"necessary", "marketing"}},
		{"mapping adds legacy numeric groups",
			ot("1%3A1%2C2%3A1%2C3%3A0%2C4%3A1"), Mapping{"1": "necessary", "2": "statistics", "3": "preferences", "4": "marketing"},
			[]string{"necessary", "statistics", "marketing"}},
		{"mapping to a name that is not ours comes after ours",
			ot("C0001%3A1%2CC0002%3A1%2CC0010%3A1%2CC0011%3A1%2CC0012%3A1%2CC0013%3A1%2CC0014%3A0"),
			Mapping{"C0010": "social", "C0011": "audio", "C0012": "video", "C0013": "maps", "C0014": "chat"},
			[]string{"necessary", "statistics", "audio", "maps", "social", "video"}},
		{"group with 0 under an unmapped id is ignored", ot("C0001%3A1%2CC0099%3A0%2CC0002%3A1"), nil, []string{"necessary", "statistics"}},

		{"absent", map[string]string{}, nil, nil},
		{"banner closed is not consent", map[string]string{"OptanonAlertBoxClosed": "2024-04-03T05:46:58.824Z"}, nil, nil},
		{"no groups parameter",
			map[string]string{"OptanonConsent": "isGpcEnabled=0&version=202310.1.0&hosts=&interactionCount=0"}, nil, nil},
		{"groups only inside another parameter",
			map[string]string{"OptanonConsent": "landingPath=%2F%3Fgroups%3DC0002%253A1&version=1"}, nil, nil},
		{"groups given twice",
			map[string]string{"OptanonConsent": "groups=C0001%3A1%2CC0002%3A1&version=1&groups=C0001%3A1%2CC0002%3A0"}, nil, nil},
		{"empty groups", ot(""), nil, nil},
		{"only commas", ot("%2C%2C"), nil, nil},
		{"state 2", ot("C0001%3A1%2CC0002%3A2"), nil, nil},
		{"state missing", ot("C0001%3A1%2CC0002"), nil, nil},
		{"state empty", ot("C0001%3A1%2CC0002%3A"), nil, nil},
		{"id missing", ot("%3A1%2CC0002%3A1"), nil, nil},
		{"truncated", ot("C0001%3A1%2CC0002%3"), nil, nil},
		{"garbage", map[string]string{"OptanonConsent": "\x00&&==&groups=\xff"}, nil, nil},
		{"huge", ot(strings.Repeat("C0002%3A1%2C", 2000)), nil, nil},
	})
}

func TestReadCCCookie(t *testing.T) {
	cc := func(v string) map[string]string { return map[string]string{"cc_cookie": v} }
	runReadCases(t, "cc_cookie", []readCase{
		{"v3, encoded",
			cc("%7B%22categories%22%3A%5B%22necessary%22%2C%22analytics%22%5D%2C%22revision%22%3A0%2C%22data%22%3Anull%2C%22consentTimestamp%22%3A%222024-11-24T14%3A12%3A51.927Z%22%2C%22consentId%22%3A%226c6dbf39-f314-4442-bd24-eef9bd2f77d3%22%2C%22services%22%3A%7B%22necessary%22%3A%5B%5D%2C%22analytics%22%3A%5B%5D%7D%2C%22lastConsentTimestamp%22%3A%222024-11-24T14%3A12%3A51.927Z%22%2C%22expirationTime%22%3A1763993571927%7D"),
			nil, []string{"necessary", "statistics"}},
		{"v3, not encoded",
			cc(`{"categories":["necessary","functionality","analytics","marketing"],"revision":2,"data":null}`),
			nil, all},
		{"v2 level",
			cc(`{"level":["necessary","preferences","ads"],"revision":0,"data":null,"rfc_cookie":false}`),
			nil, []string{"necessary", "preferences", "marketing"}},
		{"advertising", cc(`{"categories":["advertising"]}`), nil, []string{"necessary", "marketing"}},
		{"categories preferred over level", cc(`{"categories":["analytics"],"level":["marketing"]}`), nil, []string{"necessary", "statistics"}},
		{"null categories fall back to level", cc(`{"categories":null,"level":["marketing"]}`), nil, []string{"necessary", "marketing"}},
		{"only necessary", cc(`{"categories":["necessary"]}`), nil, onlyNecessary},
		{"empty list", cc(`{"categories":[]}`), nil, onlyNecessary},
		{"unknown category ignored", cc(`{"categories":["necessary","social"]}`), nil, onlyNecessary},
		{"mapping extends the default", cc(`{"categories":["necessary","social","analytics"]}`), Mapping{"social": "marketing"},
			[]string{"necessary", "statistics", "marketing"}},
		{"mapping overrides the default", cc(`{"categories":["analytics"]}`), Mapping{"analytics": "marketing"},
			[]string{"necessary", "marketing"}},
		{"duplicates collapse", cc(`{"categories":["analytics","analytics","ads","marketing"]}`), nil,
			[]string{"necessary", "statistics", "marketing"}},
		{"wrapped in RFC 6265 double quotes", cc(`"%7B%22categories%22%3A%5B%22analytics%22%5D%7D"`), nil, []string{"necessary", "statistics"}},

		{"absent", map[string]string{}, nil, nil},
		{"empty", cc(""), nil, nil},
		{"neither categories nor level", cc(`{"revision":0,"data":null}`), nil, nil},
		{"both null", cc(`{"categories":null,"level":null}`), nil, nil},
		{"key case differs", cc(`{"Categories":["analytics"]}`), nil, nil},
		{"string instead of list", cc(`{"categories":"analytics"}`), nil, nil},
		{"numbers in the list", cc(`{"categories":[1,2]}`), nil, nil},
		{"object instead of list", cc(`{"categories":{"analytics":true}}`), nil, nil},
		{"top-level array", cc(`["analytics"]`), nil, nil},
		{"null", cc(`null`), nil, nil},
		{"truncated", cc(`%7B%22categories%22%3A%5B%22necessary%22%2C%22anal`), nil, nil},
		{"garbage", cc("\xff\xfe{{{"), nil, nil},
		{"huge", cc(`{"categories":["analytics"],"data":"` + strings.Repeat("x", 20000) + `"}`), nil, nil},
	})
}

func TestReadKlaro(t *testing.T) {
	kl := func(v string) map[string]string { return map[string]string{"klaro": v} }
	m := Mapping{"google-analytics": "statistics", "matomo": "statistics", "youtube": "marketing", "intercom": "preferences"}
	runReadCases(t, "klaro", []readCase{
		{"encoded", kl("%7B%22google-analytics%22%3Atrue%2C%22youtube%22%3Afalse%2C%22intercom%22%3Atrue%7D"), m,
			[]string{"necessary", "preferences", "statistics"}},
		{"not encoded", kl(`{"google-analytics":true,"youtube":true}`), m, []string{"necessary", "statistics", "marketing"}},
		{"one of two statistics services refused", kl(`{"google-analytics":true,"matomo":false}`), m, onlyNecessary},
		{"unmapped services ignored", kl(`{"google-analytics":true,"hotjar":true,"facebook":false}`), m, []string{"necessary", "statistics"}},
		{"no mapping: choice made, nothing granted", kl(`{"google-analytics":true}`), nil, onlyNecessary},
		{"all refused", kl(`{"google-analytics":false,"youtube":false}`), m, onlyNecessary},
		{"empty object", kl(`{}`), m, onlyNecessary},
		{"spaces", kl(`{ "youtube" : true }`), m, []string{"necessary", "marketing"}},

		{"absent", map[string]string{}, m, nil},
		{"empty", kl(""), m, nil},
		{"string for a boolean", kl(`{"youtube":"true"}`), m, nil},
		{"number for a boolean", kl(`{"youtube":1}`), m, nil},
		{"null for a boolean", kl(`{"youtube":null}`), m, nil},
		{"object for a boolean", kl(`{"youtube":{"consent":true}}`), m, nil},
		{"top-level array", kl(`[true]`), m, nil},
		{"truncated", kl("%7B%22youtube%22%3Atr"), m, nil},
		{"garbage", kl("}{\x00"), m, nil},
		{"huge", kl(`{"youtube":true,"` + strings.Repeat("s", 20000) + `":false}`), m, nil},
	})
}

func TestReadComplianz(t *testing.T) {
	runReadCases(t, "complianz", []readCase{
		{"all allowed", map[string]string{
			"cmplz_functional": "allow", "cmplz_preferences": "allow", "cmplz_statistics": "allow", "cmplz_marketing": "allow",
			"cmplz_banner-status": "dismissed", "cmplz_policy_id": "14"}, nil, all},
		{"statistics only", map[string]string{
			"cmplz_functional": "allow", "cmplz_preferences": "deny", "cmplz_statistics": "allow", "cmplz_marketing": "deny"},
			nil, []string{"necessary", "statistics"}},
		{"all denied", map[string]string{
			"cmplz_functional": "allow", "cmplz_preferences": "deny", "cmplz_statistics": "deny", "cmplz_marketing": "deny"},
			nil, onlyNecessary},
		{"one category cookie is enough", map[string]string{"cmplz_marketing": "allow"}, nil, []string{"necessary", "marketing"}},
		{"case and spaces", map[string]string{"cmplz_preferences": " Allow "}, nil, []string{"necessary", "preferences"}},
		{"garbage in one, choice in another", map[string]string{"cmplz_marketing": "yes please", "cmplz_statistics": "allow"},
			nil, []string{"necessary", "statistics"}},
		{"mapping is ignored", map[string]string{"cmplz_statistics": "allow"}, Mapping{"statistics": "marketing"},
			[]string{"necessary", "statistics"}},

		{"absent", map[string]string{}, nil, nil},
		{"functional alone is no choice", map[string]string{"cmplz_functional": "allow"}, nil, nil},
		{"anonymous statistics is no choice", map[string]string{"cmplz_statistics-anonymous": "allow"}, nil, nil},
		{"banner status alone is no choice", map[string]string{"cmplz_banner-status": "dismissed"}, nil, nil},
		{"unrecognised values", map[string]string{"cmplz_statistics": "1", "cmplz_marketing": "true"}, nil, nil},
		{"empty values", map[string]string{"cmplz_statistics": "", "cmplz_marketing": ""}, nil, nil},
		{"huge", map[string]string{"cmplz_statistics": "allow" + strings.Repeat(" ", 20000)}, nil, nil},
	})
}

func TestReadCookieYes(t *testing.T) {
	cy := func(v string) map[string]string { return map[string]string{"cookieyes-consent": v} }
	runReadCases(t, "cookieyes", []readCase{
		{"all accepted",
			cy("consentid:NXZJMlBxc2lZZXNDbGVBMnlKWjZ6UmJJRjhUdTFtVmQ,consent:yes,action:yes,necessary:yes,functional:yes,analytics:yes,performance:yes,advertisement:yes,other:yes,lastRenewedDate:1752694071000"),
			nil, all},
		{"rejected",
			cy("consentid:RWYwZmZ1dE00UWRLQkFuNXZ5VzI0bndlQjZmMFh5c24,consent:no,action:yes,necessary:yes,functional:no,analytics:no,performance:no,advertisement:no,other:no"),
			nil, onlyNecessary},
		{"custom",
			cy("consentid:abc,consent:yes,action:yes,necessary:yes,functional:yes,analytics:no,performance:no,advertisement:yes,other:no"),
			nil, []string{"necessary", "preferences", "marketing"}},
		{"analytics without performance refuses statistics",
			cy("consentid:abc,consent:yes,action:yes,necessary:yes,functional:no,analytics:yes,performance:no,advertisement:no"),
			nil, onlyNecessary},
		{"analytics when the site has no performance category",
			cy("consentid:abc,consent:yes,action:yes,necessary:yes,analytics:yes,advertisement:no"),
			nil, []string{"necessary", "statistics"}},
		{"encoded",
			cy("consentid%3Aabc%2Cconsent%3Ayes%2Caction%3Ayes%2Cnecessary%3Ayes%2Cfunctional%3Ano%2Canalytics%3Ayes%2Cperformance%3Ayes%2Cadvertisement%3Ano"),
			nil, []string{"necessary", "statistics"}},
		{"consent given without action field", cy("consent:yes,functional:yes"), nil, []string{"necessary", "preferences"}},
		{"action without consent field", cy("action:yes,advertisement:yes"), nil, []string{"necessary", "marketing"}},
		{"empty category value is a refusal", cy("consent:yes,action:yes,analytics:,advertisement:yes"), nil, []string{"necessary", "marketing"}},
		{"trailing comma", cy("consent:yes,action:yes,functional:yes,"), nil, []string{"necessary", "preferences"}},
		{"mapping is ignored", cy("consent:yes,action:yes,functional:yes"), Mapping{"functional": "marketing"},
			[]string{"necessary", "preferences"}},

		{"absent", map[string]string{}, nil, nil},
		{"legacy checkbox cookie is not read", map[string]string{"cookielawinfo-checkbox-analytics": "yes"}, nil, nil},
		{"before any action", cy("consentid:abc,consent:,action:,necessary:yes,functional:yes,analytics:yes"), nil, nil},
		{"no consent or action field", cy("consentid:abc,necessary:yes,analytics:yes"), nil, nil},
		{"action no", cy("consentid:abc,action:no,analytics:yes"), nil, nil},
		{"unknown category value", cy("consent:yes,action:yes,analytics:maybe"), nil, nil},
		{"entry without colon", cy("consent:yes,action:yes,analytics"), nil, nil},
		{"empty", cy(""), nil, nil},
		{"garbage", cy("\x00,:,::,\xff"), nil, nil},
		{"huge", cy("consent:yes,action:yes,analytics:yes,consentid:" + strings.Repeat("x", 20000)), nil, nil},
	})
}

func TestReadUnknownSource(t *testing.T) {
	everything := func(string) (string, bool) { return "-1", true }
	for _, src := range []string{"", "own", "Cookiebot", "usercentrics"} {
		if got, given := Read(src, everything, nil); given || got != nil {
			t.Errorf("Read(%q) = %q, %v; want nil, false", src, got, given)
		}
	}
}

func TestReadLeavesMappingAlone(t *testing.T) {
	m := Mapping{"C0002": "marketing", "C0099": "statistics"}
	before := maps.Clone(m)
	Read("onetrust", jar(map[string]string{"OptanonConsent": "groups=C0001%3A1%2CC0002%3A1%2CC0003%3A1"}), m)
	Read("cc_cookie", jar(map[string]string{"cc_cookie": `{"categories":["analytics"]}`}), m)
	if !maps.Equal(m, before) {
		t.Errorf("mapping changed to %v", m)
	}
	if d := DefaultMapping("onetrust"); d["C0002"] != "statistics" || d["C0099"] != "" {
		t.Errorf("a configured mapping leaked into the default: %v", d)
	}
}

func TestSources(t *testing.T) {
	want := []string{"cookiebot", "onetrust", "cc_cookie", "klaro", "complianz", "cookieyes"}
	if !slices.Equal(Sources, want) {
		t.Errorf("Sources = %q, want %q", Sources, want)
	}
	for _, src := range Sources {
		if len(CookieNames(src)) == 0 {
			t.Errorf("CookieNames(%q) is empty", src)
		}
		if got, given := Read(src, jar(nil), DefaultMapping(src)); given || got != nil {
			t.Errorf("Read(%q) with no cookies = %q, %v", src, got, given)
		}
	}
}

func TestCookieNames(t *testing.T) {
	// Each manager's own cookie must be covered by its CookieNames, or enforcement
	// would strip the very cookie it reads.
	tests := []struct {
		source string
		names  []string
	}{
		{"cookiebot", []string{"CookieConsent", "CookieConsentBulkSetting-a1b2"}},
		{"onetrust", []string{"OptanonConsent", "OptanonAlertBoxClosed", "eupubconsent-v2"}},
		{"cc_cookie", []string{"cc_cookie"}},
		{"klaro", []string{"klaro"}},
		{"complianz", []string{"cmplz_functional", "cmplz_preferences", "cmplz_statistics", "cmplz_marketing",
			"cmplz_banner-status", "cmplz_policy_id", "cmplz_consented_services", "complianz_consent_status"}},
		{"cookieyes", []string{"cookieyes-consent"}},
		{"unknown", nil},
	}
	for _, tt := range tests {
		pats := CookieNames(tt.source)
		if tt.names == nil && pats != nil {
			t.Errorf("CookieNames(%q) = %q, want nil", tt.source, pats)
		}
		for _, name := range tt.names {
			if !slices.ContainsFunc(pats, func(p string) bool { return match(p, name) }) {
				t.Errorf("CookieNames(%q) = %q does not cover %q", tt.source, pats, name)
			}
		}
		for _, p := range pats {
			if strings.Trim(p, "*#") == "" || strings.ContainsAny(p, " ;=,") {
				t.Errorf("CookieNames(%q) has malformed pattern %q", tt.source, p)
			}
		}
		if len(pats) > 0 {
			pats[0] = "changed"
			if CookieNames(tt.source)[0] == "changed" {
				t.Errorf("CookieNames(%q) returns shared storage", tt.source)
			}
		}
	}
}

// match is a minimal version of the policy matcher: `*` any run, `#` one or more
// characters, the rest literal.
func match(pattern, name string) bool {
	if pattern == "" {
		return name == ""
	}
	switch pattern[0] {
	case '*':
		for i := 0; i <= len(name); i++ {
			if match(pattern[1:], name[i:]) {
				return true
			}
		}
		return false
	case '#':
		for i := 1; i <= len(name); i++ {
			if match(pattern[1:], name[i:]) {
				return true
			}
		}
		return false
	}
	return name != "" && name[0] == pattern[0] && match(pattern[1:], name[1:])
}

func TestDefaultMapping(t *testing.T) {
	tests := []struct {
		source string
		want   Mapping
	}{
		{"onetrust", Mapping{"C0001": "necessary", "C0002": "statistics", "C0003": "preferences", "C0004": "marketing", "C0005": "marketing"}},
		{"cc_cookie", Mapping{"necessary": "necessary", "functionality": "preferences", "preferences": "preferences",
			"analytics": "statistics", "marketing": "marketing", "ads": "marketing", "advertising": "marketing"}},
		{"cookiebot", nil},
		{"klaro", nil},
		{"complianz", nil},
		{"cookieyes", nil},
		{"unknown", nil},
	}
	for _, tt := range tests {
		got := DefaultMapping(tt.source)
		if (got == nil) != (tt.want == nil) || !maps.Equal(got, tt.want) {
			t.Errorf("DefaultMapping(%q) = %v, want %v", tt.source, got, tt.want)
		}
		if got != nil {
			got["C0001"] = "changed"
			got["necessary"] = "changed"
			if again := DefaultMapping(tt.source); !maps.Equal(again, tt.want) {
				t.Errorf("DefaultMapping(%q) returns shared storage", tt.source)
			}
		}
	}
}

func TestUnescape(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"plain", "plain"},
		{"%27a%2Cb%27", "'a,b'"},
		{"%7b%7D", "{}"},
		{"a+b", "a+b"},
		{"100%", "100%"},
		{"%zz%4", "%zz%4"},
		{"%2", "%2"},
		{"%252C", "%2C"}, // one level only
		{"%E5%8F%B0", "台"},
	}
	for _, tt := range tests {
		if got := unescape(tt.in); got != tt.want {
			t.Errorf("unescape(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func FuzzRead(f *testing.F) {
	seeds := []string{
		"{stamp:%27abc%27%2Cnecessary:true%2Cpreferences:false%2Cstatistics:true%2Cmarketing:false%2Cmethod:%27explicit%27%2Cver:1}",
		"0", "-1", "{a:{b:['}']}}",
		"isGpcEnabled=0&groups=C0001%3A1%2CC0002%3A0%2CC0003%3A1&geolocation=SE%3BAB",
		`{"categories":["necessary","analytics"],"revision":0}`, `{"level":["marketing"]}`,
		"%7B%22google-analytics%22%3Atrue%2C%22youtube%22%3Afalse%7D",
		"allow", "deny",
		"consentid:abc,consent:yes,action:yes,necessary:yes,functional:yes,analytics:no,performance:no,advertisement:no,other:no",
		"", "%", "{", `"`, "{'", "{a:'\\",
	}
	for i, s := range seeds {
		f.Add(uint8(i), s)
	}
	m := Mapping{"google-analytics": "statistics", "youtube": "marketing", "C0010": "social"}
	f.Fuzz(func(t *testing.T, pick uint8, value string) {
		src := Sources[int(pick)%len(Sources)]
		// Every name gets the value, so each source's reader sees it wherever it looks.
		cookie := func(string) (string, bool) { return value, true }
		granted, given := Read(src, cookie, m)
		if !given {
			if granted != nil && !slices.Equal(granted, onlyNecessary) {
				t.Fatalf("%s: no choice but granted %q", src, granted)
			}
			return
		}
		if len(granted) == 0 || granted[0] != "necessary" {
			t.Fatalf("%s: granted %q does not start with necessary", src, granted)
		}
		seen := map[string]bool{}
		for _, c := range granted {
			if seen[c] {
				t.Fatalf("%s: %q granted twice in %q", src, c, granted)
			}
			seen[c] = true
		}
		again, givenAgain := Read(src, cookie, m)
		if givenAgain != given || !slices.Equal(again, granted) {
			t.Fatalf("%s: second read differs: %q, %v vs %q, %v", src, again, givenAgain, granted, given)
		}
	})
}
