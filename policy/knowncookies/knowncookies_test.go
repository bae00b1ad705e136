package knowncookies

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/consentgate/consentgate/internal/testshared"
)

// match reports whether name matches pattern in our syntax: `*` is any run of
// characters (also none), `#` one or more, everything else literal and case-sensitive.
// The real matcher lives in the policy package; this one only checks the list.
func match(pattern, name string) bool {
	// ok[j] says whether pattern[:i] matches name[:j], row by row over i.
	ok := make([]bool, len(name)+1)
	ok[0] = true
	for i := 0; i < len(pattern); i++ {
		next := make([]bool, len(name)+1)
		switch pattern[i] {
		case '*':
			run := false
			for j := 0; j <= len(name); j++ {
				run = run || ok[j]
				next[j] = run
			}
		case '#':
			run := false
			for j := 1; j <= len(name); j++ {
				run = run || ok[j-1]
				next[j] = run
			}
		default:
			for j := 1; j <= len(name); j++ {
				next[j] = ok[j-1] && name[j-1] == pattern[i]
			}
		}
		ok = next
	}
	return ok[len(name)]
}

// literalLen is the number of non-wildcard characters, the spec's tie-breaker.
func literalLen(pattern string) int {
	return len(pattern) - strings.Count(pattern, "*") - strings.Count(pattern, "#")
}

// classify applies the spec's precedence to a list: an exact name beats a pattern, and
// among patterns the one with the longest literal text wins.
func classify(list []Cookie, name string) (Cookie, bool) {
	var best Cookie
	bestLen := -1
	for _, c := range list {
		if c.Name == name {
			return c, true
		}
		if strings.ContainsAny(c.Name, "*#") && match(c.Name, name) && literalLen(c.Name) > bestLen {
			best, bestLen = c, literalLen(c.Name)
		}
	}
	return best, bestLen >= 0
}

func TestMatch(t *testing.T) {
	tests := []struct {
		pattern, name string
		want          bool
	}{
		{"_ga", "_ga", true},
		{"_ga", "_GA", false},
		{"_ga_#", "_ga_HFVYCJEN26", true},
		{"_ga_#", "_ga_", false},
		{"_ga_#", "_ga", false},
		{"_ga_*", "_ga_", true},
		{"tt_*", "tt_", true},
		{"tt_*", "tt", false},
		{"mp_#_mixpanel", "mp_0123abcd_mixpanel", true},
		{"mp_#_mixpanel", "mp__mixpanel", false},
		{"#", "", false},
		{"*", "", true},
		{"a#b#", "axbyb", true},
		{"a#b#", "ab", false},
	}
	for _, tt := range tests {
		if got := match(tt.pattern, tt.name); got != tt.want {
			t.Errorf("match(%q, %q) = %v, want %v", tt.pattern, tt.name, got, tt.want)
		}
	}
}

func TestBuiltinWellFormed(t *testing.T) {
	list := Builtin()
	if len(list) < 80 {
		t.Errorf("Builtin() has %d entries, want at least 80", len(list))
	}
	seen := map[string]bool{}
	for _, c := range list {
		if c.Name == "" {
			t.Errorf("entry with empty name: %+v", c)
		}
		// Characters that cannot occur in a cookie name as a browser splits the
		// Cookie header would make the entry unmatchable.
		if strings.ContainsAny(c.Name, " \t\r\n;=,\"") {
			t.Errorf("%q contains a character no cookie name can have", c.Name)
		}
		if strings.Contains(c.Name, "**") || strings.Contains(c.Name, "*#") || strings.Contains(c.Name, "#*") {
			t.Errorf("%q has adjacent wildcards", c.Name)
		}
		if strings.Trim(c.Name, "*#") == "" {
			t.Errorf("%q matches any name", c.Name)
		}
		switch c.Category {
		case necessary, preferences, statistics, marketing:
		default:
			t.Errorf("%q has invalid category %q", c.Name, c.Category)
		}
		if strings.TrimSpace(c.Platform) == "" {
			t.Errorf("%q has no platform", c.Name)
		}
		if seen[c.Name] {
			t.Errorf("%q is listed twice", c.Name)
		}
		seen[c.Name] = true
	}
}

func TestBuiltinReturnsCopy(t *testing.T) {
	a := Builtin()
	a[0] = Cookie{Name: "changed", Category: necessary, Platform: "test"}
	if b := Builtin(); b[0].Name == "changed" {
		t.Error("Builtin() returned shared storage: a change by one caller is visible to the next")
	}
}

// TestBuiltinClassifies checks the list against cookie names as they occur in real
// Cookie headers, through the spec's precedence rules.
func TestBuiltinClassifies(t *testing.T) {
	tests := []struct {
		name     string
		category string // "" means no entry may match
		platform string
	}{
		{"_ga", statistics, "Google Analytics"},
		{"_ga_HFVYCJEN26", statistics, "Google Analytics"},
		{"_gid", statistics, "Google Analytics"},
		{"_gat", statistics, "Google Analytics"},
		{"_gat_gtag_UA_12345678_1", statistics, "Google Analytics"},
		{"_gat_UA-1234-1", statistics, "Google Analytics"},
		{"_dc_gtm_UA-1284915-1", statistics, "Google Analytics"},
		{"_gac_UA-1234-1", marketing, "Google Analytics"},
		{"__utmz", statistics, "Google Analytics"},
		{"_gcl_au", marketing, "Google Ads"},
		{"_gcl_aw", marketing, "Google Ads"},
		{"IDE", marketing, "Google DoubleClick"},
		{"NID", marketing, "Google"},
		{"FPID", statistics, "Google Tag Manager"},
		{"FPGCLAW", marketing, "Google Tag Manager"},
		{"_fbp", marketing, "Meta"},
		{"_hjSessionUser_628088", statistics, "Hotjar"},
		{"_hjSession_3827276", statistics, "Hotjar"},
		{"_hjIncludedInSessionSample_628088", statistics, "Hotjar"},
		{"_hjIncludedInSessionSample", statistics, "Hotjar"},
		{"_pk_id.1.1fff", statistics, "Matomo"},
		{"_pk_ses.12.a1b2", statistics, "Matomo"},
		{"_pk_testcookie.1.1fff", statistics, "Matomo"},
		{"MATOMO_SESSID", necessary, "Matomo"},
		{"_clck", statistics, "Microsoft Clarity"},
		{"MUID", marketing, "Microsoft"},
		{"ai_user", statistics, "Microsoft Application Insights"},
		{"_uetvid", marketing, "Microsoft Advertising"},
		{"li_sugr", marketing, "LinkedIn"},
		{"lang", preferences, "LinkedIn"},
		{"__hstc", statistics, "HubSpot"},
		{"__hs_opt_out", necessary, "HubSpot"},
		{"messagesUtk", preferences, "HubSpot"},
		{"_ttp", marketing, "TikTok"},
		{"tt_appInfo", marketing, "TikTok"},
		{"ttcsid_C123ABC", marketing, "TikTok"},
		{"_ym_uid", statistics, "Yandex Metrica"},
		{"personalization_id", marketing, "X"},
		{"_pin_unauth", marketing, "Pinterest"},
		{"_scid", marketing, "Snapchat"},
		{"cto_bundle", marketing, "Criteo"},
		{"AMCV_2F2827E253DAF0E10A490D4E%40AdobeOrg", statistics, "Adobe Experience Cloud"},
		{"AMCVS_2F2827E253DAF0E10A490D4E%40AdobeOrg", statistics, "Adobe Experience Cloud"},
		{"s_vi", statistics, "Adobe Analytics"},
		{"mp_0123456789abcdef0123456789abcdef_mixpanel", statistics, "Mixpanel"},
		{"ajs_anonymous_id", statistics, "Segment"},
		{"intercom-id-abcd1234", preferences, "Intercom"},
		{"intercom-device-id-abcd1234", preferences, "Intercom"},
		{"__cf_bm", necessary, "Cloudflare"},
		{"__cfseq-abc123", necessary, "Cloudflare"},
		{"PHPSESSID", necessary, "PHP"},
		{"__RequestVerificationToken_L2FwcA2", necessary, "ASP.NET"},
		{".AspNetCore.Antiforgery.9fXoN5jHCXs", necessary, "ASP.NET Core"},
		{"AWSALBCORS", necessary, "AWS Elastic Load Balancing"},
		{"wordpress_logged_in_1eca930428ee9df8af6bdb65c698e531", necessary, "WordPress"},
		{"wp-settings-time-1", necessary, "WordPress"},
		{"VISITOR_INFO1_LIVE", marketing, "YouTube"},
		{"vuid", statistics, "Vimeo"},
		{"cmplz_marketing", necessary, "Complianz"},
		{"CookieConsentBulkSetting-abc", necessary, "Cookiebot"},
		// Near misses that must stay unclassified.
		{"_ga_", "", ""},
		{"_GA", "", ""},
		{"_pk_id", "", ""},
		{"mp__mixpanel", "", ""},
		{"intercom-id-", "", ""},
		{"phpsessid", "", ""},
		{"my_session", "", ""},
	}
	list := Builtin()
	for _, tt := range tests {
		got, ok := classify(list, tt.name)
		if tt.category == "" {
			if ok {
				t.Errorf("%q matched %q (%s), want no match", tt.name, got.Name, got.Category)
			}
			continue
		}
		if !ok {
			t.Errorf("%q matched nothing, want %s", tt.name, tt.category)
			continue
		}
		if got.Category != tt.category || got.Platform != tt.platform {
			t.Errorf("%q → %q %s (%s), want %s (%s)", tt.name, got.Name, got.Category, got.Platform, tt.category, tt.platform)
		}
	}
}

func TestCategory(t *testing.T) {
	tests := []struct {
		in   string
		want string
		ok   bool
	}{
		{"Analytics", statistics, true},
		{"Marketing", marketing, true},
		{"Functional", preferences, true},
		{"Personalization", preferences, true},
		{"Security", necessary, true},
		{"Necessary", necessary, true},
		{"  analytics\t", statistics, true},
		{"MARKETING", marketing, true},
		{"", "", false},
		{"Statistics", "", false},
		{"Preferences", "", false},
		{"Analytic", "", false},
	}
	for _, tt := range tests {
		got, ok := Category(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Category(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestReadOpenCookieDatabaseSample(t *testing.T) {
	f, err := os.Open(filepath.Join("testdata", "ocd-sample.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, st, err := ReadOpenCookieDatabaseStats(f)
	if err != nil {
		t.Fatal(err)
	}
	want := []Cookie{
		{Name: "_ex_id", Category: statistics, Platform: "Example Analytics"},
		{Name: "_ex_sess_*", Category: statistics, Platform: "Example Analytics"},
		{Name: "ex_click", Category: marketing, Platform: "Example Ads"},
		{Name: "ex_chat_state", Category: preferences, Platform: "Example Chat"},
		{Name: "ex_bot", Category: necessary, Platform: "Example CDN"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("cookies:\n got %+v\nwant %+v", got, want)
	}
	wantSt := Stats{Rows: 10, Read: 5, EmptyName: 2, Unexpressible: 1, UnknownCategory: 1, Duplicate: 1}
	if st != wantSt {
		t.Errorf("stats = %+v, want %+v", st, wantSt)
	}
}

func TestReadOpenCookieDatabase(t *testing.T) {
	tests := []struct {
		name string
		csv  string
		want []Cookie
	}{
		{
			name: "columns reordered, extra column, no optional columns",
			csv: "Extra,Category,Cookie / Data Key name\n" +
				"x,Marketing,ad_id\n",
			want: []Cookie{{Name: "ad_id", Category: marketing, Platform: ""}},
		},
		{
			name: "header names differ in case and spacing, byte order mark",
			csv: "\uFEFFCATEGORY, platform ,cookie / data key name,wildcard MATCH\n" +
				"Analytics,Vendor,stat_,1\n",
			want: []Cookie{{Name: "stat_*", Category: statistics, Platform: "Vendor"}},
		},
		{
			name: "wildcard other than 1 means exact",
			csv: "Platform,Category,Cookie / Data Key name,Wildcard match\n" +
				"V,Analytics,a,0\nV,Analytics,b,\nV,Analytics,c,yes\nV,Analytics,d, 1 \n",
			want: []Cookie{{Name: "a", Category: statistics, Platform: "V"}, {Name: "b", Category: statistics, Platform: "V"}, {Name: "c", Category: statistics, Platform: "V"}, {Name: "d*", Category: statistics, Platform: "V"}},
		},
		{
			name: "later stricter duplicate wins, position kept",
			csv: "Platform,Category,Cookie / Data Key name\n" +
				"A,Functional,tok\nB,Analytics,other\nC,Marketing,tok\nD,Security,tok\n",
			want: []Cookie{{Name: "tok", Category: marketing, Platform: "C"}, {Name: "other", Category: statistics, Platform: "B"}},
		},
		{
			name: "exact and prefix of the same name are different entries",
			csv: "Platform,Category,Cookie / Data Key name,Wildcard match\n" +
				"V,Analytics,_x,0\nV,Marketing,_x,1\n",
			want: []Cookie{{Name: "_x", Category: statistics, Platform: "V"}, {Name: "_x*", Category: marketing, Platform: "V"}},
		},
		{
			name: "names with # are skipped, surrounding space trimmed",
			csv: "Platform,Category,Cookie / Data Key name\n" +
				"V,Analytics,a#b\nV,Analytics,\t c \n",
			want: []Cookie{{Name: "c", Category: statistics, Platform: "V"}},
		},
		{
			name: "stray quotes and ragged rows are tolerated",
			csv: "Platform,Category,Cookie / Data Key name,Description\n" +
				"V,Analytics,q1,a \"quoted\" word,extra,fields\n" +
				"V,Marketing,q2,\"unterminated\n",
			want: []Cookie{{Name: "q1", Category: statistics, Platform: "V"}, {Name: "q2", Category: marketing, Platform: "V"}},
		},
		{
			name: "CRLF line endings",
			csv:  "Platform,Category,Cookie / Data Key name\r\nV,Security,sec\r\n",
			want: []Cookie{{Name: "sec", Category: necessary, Platform: "V"}},
		},
		{
			name: "header only",
			csv:  "Platform,Category,Cookie / Data Key name\n",
			want: nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadOpenCookieDatabase(strings.NewReader(tt.csv))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestReadOpenCookieDatabaseErrors(t *testing.T) {
	errBroken := errors.New("disk on fire")
	tests := []struct {
		name   string
		in     func() io.Reader
		want   []string // substrings of the error
		target error
	}{
		{
			name: "empty input",
			in:   func() io.Reader { return strings.NewReader("") },
			want: []string{"line 1", "header"},
		},
		{
			name: "no name column",
			in: func() io.Reader {
				return strings.NewReader("Platform,Category,Name\nV,Analytics,x\n")
			},
			want: []string{"line 1", `"Cookie / Data Key name"`},
		},
		{
			name: "no category column",
			in: func() io.Reader {
				return strings.NewReader("Platform,Cookie / Data Key name\nV,x\n")
			},
			want: []string{"line 1", `"Category"`},
		},
		{
			name: "reader fails at once",
			in: func() io.Reader {
				return iotest.ErrReader(errBroken)
			},
			want:   []string{"line 1", "disk on fire"},
			target: errBroken,
		},
		{
			name: "reader fails on row 3",
			in: func() io.Reader {
				return &failAfter{data: "Category,Cookie / Data Key name\nAnalytics,a\nAnalytics,b\n", err: errBroken}
			},
			want:   []string{"line 4", "disk on fire"},
			target: errBroken,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadOpenCookieDatabase(tt.in())
			if err == nil {
				t.Fatalf("no error, got %+v", got)
			}
			if got != nil {
				t.Errorf("cookies returned with the error: %+v", got)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if tt.target != nil && !errors.Is(err, tt.target) {
				t.Errorf("error %q does not wrap %v", err, tt.target)
			}
		})
	}
}

// failAfter yields data and then err, so that a read error lands after complete rows
// rather than inside one.
type failAfter struct {
	data string
	err  error
}

func (f *failAfter) Read(p []byte) (int, error) {
	if f.data == "" {
		return 0, f.err
	}
	n := copy(p, f.data)
	f.data = f.data[n:]
	return n, nil
}

// TestReadOpenCookieDatabaseReal loads the real database from the shared folder.
func TestReadOpenCookieDatabaseReal(t *testing.T) {
	path := filepath.Join(testshared.Dir(t), "open-cookie-database", "open-cookie-database.csv")
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, st, err := ReadOpenCookieDatabaseStats(f)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d cookies, stats %+v", len(got), st)
	if len(got) <= 1000 {
		t.Errorf("read %d cookies, want more than 1000 (stats %+v)", len(got), st)
	}
	if st.Read != len(got) {
		t.Errorf("stats.Read = %d, returned %d", st.Read, len(got))
	}
	if sum := st.Read + st.EmptyName + st.Unexpressible + st.UnknownCategory + st.Duplicate; sum != st.Rows {
		t.Errorf("stats do not add up: %+v (sum %d)", st, sum)
	}
	byName := map[string]Cookie{}
	for _, c := range got {
		if _, dup := byName[c.Name]; dup {
			t.Errorf("%q returned twice", c.Name)
		}
		byName[c.Name] = c
		if strings.Contains(c.Name, "#") || strings.Contains(strings.TrimSuffix(c.Name, "*"), "*") {
			t.Errorf("%q is not a name or prefix pattern", c.Name)
		}
	}
	spot := []struct{ name, category string }{
		{"_ga", statistics},
		{"_ga_*", statistics},
		{"_gid", statistics},
		{"_gcl_au", marketing},
		{"_fbp", marketing},
		{"ai_user", preferences}, // labelled Functional there
		{"XSRF-TOKEN", necessary},
	}
	for _, s := range spot {
		c, ok := byName[s.name]
		if !ok {
			t.Errorf("%q not read", s.name)
			continue
		}
		if c.Category != s.category {
			t.Errorf("%q → %s, want %s", s.name, c.Category, s.category)
		}
	}
}

func FuzzReadOpenCookieDatabase(f *testing.F) {
	if b, err := os.ReadFile(filepath.Join("testdata", "ocd-sample.csv")); err == nil {
		f.Add(string(b))
	}
	f.Add("Category,Cookie / Data Key name,Wildcard match\nAnalytics,a,1\n")
	f.Add("\"Category\",\"Cookie / Data Key name\nAnalytics,\"x\n")
	f.Add("Cookie / Data Key name,Category\n,,,\n\n\"\"\n")
	f.Fuzz(func(t *testing.T, in string) {
		got, st, err := ReadOpenCookieDatabaseStats(strings.NewReader(in))
		if err != nil {
			if got != nil {
				t.Errorf("cookies returned with error %v", err)
			}
			return
		}
		if st.Read != len(got) || st.Read+st.EmptyName+st.Unexpressible+st.UnknownCategory+st.Duplicate != st.Rows {
			t.Errorf("inconsistent stats %+v for %d cookies", st, len(got))
		}
		seen := map[string]bool{}
		for _, c := range got {
			if c.Name == "" || c.Name == "*" || seen[c.Name] {
				t.Errorf("bad or repeated name %q", c.Name)
			}
			seen[c.Name] = true
			if strings.Contains(c.Name, "#") || strings.Contains(strings.TrimSuffix(c.Name, "*"), "*") {
				t.Errorf("%q is not a name or prefix pattern", c.Name)
			}
			switch c.Category {
			case necessary, preferences, statistics, marketing:
			default:
				t.Errorf("%q has category %q", c.Name, c.Category)
			}
		}
	})
}
