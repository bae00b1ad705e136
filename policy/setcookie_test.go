package policy

import (
	"math"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseSetCookie(t *testing.T) {
	long := strings.Repeat("v", 4095)
	tests := []struct {
		in          string
		name, value string
		valid       bool
	}{
		{"_ga=GA1.2.3.4", "_ga", "GA1.2.3.4", true},
		{"_ga=GA1.2.3.4; Path=/; Max-Age=63072000", "_ga", "GA1.2.3.4", true},
		// The evasions net/http refuses and browsers keep.
		{"=_ga=1", "", "_ga=1", true},
		{"foo", "", "foo", true},
		{"foo; Path=/", "", "foo", true},
		{" a b = c d ", "a b", "c d", true},
		{"Portal Alias=x", "Portal Alias", "x", true},
		{`"q"=1`, `"q"`, "1", true},
		{`a="b c"`, "a", `"b c"`, true},
		{"a=b=c", "a", "b=c", true},
		{"a=", "a", "", true},
		{"a=; Max-Age=0", "a", "", true},
		{"\ta\t=\tb\t; Path=/", "a", "b", true},
		// Chromium refuses a tab inside the name or value (the oracle in e2e found it).
		{"a\tb=c", "", "", false},
		{"a=b\tc", "", "", false},
		{"a=b; Path=/\t", "a", "b", true},
		{"ä=ö", "ä", "ö", true},
		{"😀=1", "😀", "1", true},
		{"a,b=c,d", "a,b", "c,d", true},
		{`a\b=c`, `a\b`, "c", true},
		{"a=b;;;", "a", "b", true},
		// Nothing to store.
		{"", "", "", false},
		{"   ", "", "", false},
		{"=", "", "", false},
		{" = ", "", "", false},
		{"=; Path=/", "", "", false},
		{";a=b", "", "", false},
		{";", "", "", false},
		// Control characters anywhere, attributes included, void the header.
		{"a\x01b=c", "", "", false},
		{"a=b\x7f", "", "", false},
		{"a=b\x00c", "", "", false},
		{"a=b; Path=/\x00", "", "", false},
		{"a=b\r\nSet-Cookie: c=d", "", "", false},
		{"a=b\n", "", "", false},
		// The 4096-byte limit counts name and value.
		{"a=" + long, "a", long, true},
		{"ab=" + long, "", "", false},
		{strings.Repeat("n", 4096) + "=", strings.Repeat("n", 4096), "", true},
		{strings.Repeat("n", 4096) + "=x", "", "", false},
		{"   a=" + long + "   ; Path=/", "a", long, true},
	}
	for _, tc := range tests {
		sc := ParseSetCookie(tc.in)
		if sc.Valid != tc.valid || (tc.valid && (sc.Name != tc.name || sc.Value != tc.value)) {
			t.Errorf("ParseSetCookie(%.40q) = %.40q, %.40q, valid %v; want %.40q, %.40q, %v", tc.in, sc.Name, sc.Value, sc.Valid, tc.name, tc.value, tc.valid)
		}
	}
}

// TestParseSetCookieAgainstNetHTTP: where net/http's stricter parser accepts a
// header, both must agree on name and value; the cases it refuses are the
// reason ParseSetCookie exists.
func TestParseSetCookieAgainstNetHTTP(t *testing.T) {
	for _, h := range []string{
		"_ga=GA1.2.3.4; Path=/; Max-Age=63072000",
		"JSESSIONID=abc123; Path=/; HttpOnly; Secure; SameSite=Lax",
		"a=; Max-Age=0",
		`id="quoted"; Domain=example.se`,
		"x=1;Expires=Wed, 21 Oct 2026 07:28:00 GMT",
	} {
		want, err := http.ParseSetCookie(h)
		if err != nil {
			t.Fatalf("net/http refuses %q: %v", h, err)
		}
		got := ParseSetCookie(h)
		value := want.Value
		if want.Quoted {
			value = `"` + value + `"`
		}
		if !got.Valid || got.Name != want.Name || got.Value != value {
			t.Errorf("ParseSetCookie(%q) = %q=%q, net/http %q=%q", h, got.Name, got.Value, want.Name, value)
		}
	}
	for _, h := range []string{"=_ga=1", "foo", " a b = c d ", `"q"=1`} {
		if _, err := http.ParseSetCookie(h); err == nil {
			t.Errorf("net/http now accepts %q; the note on SetCookie needs revisiting", h)
		}
		if !ParseSetCookie(h).Valid {
			t.Errorf("ParseSetCookie(%q) is not valid, but browsers keep it", h)
		}
	}
}

func TestAttr(t *testing.T) {
	tests := []struct {
		header, attr string
		value        string
		ok           bool
	}{
		{"a=b; Path=/x", "Path", "/x", true},
		{"a=b; Path=/x; path=/y", "Path", "/y", true},
		{"a=b; PATH=/x", "path", "/x", true},
		{"a=b;Path=/x", "Path", "/x", true},
		{"a=b; Secure", "Secure", "", true},
		{"a=b; secure", "SECURE", "", true},
		{"a=b; HttpOnly=", "HttpOnly", "", true},
		{"a=b;  Max-Age  =  5  ", "Max-Age", "5", true},
		{"a=b; Domain=example.se", "Path", "", false},
		{"Path=/x", "Path", "", false},   // the pair is not an attribute
		{"a=Path=/x", "Path", "", false}, // nor is its value
		{"a=b; c=Path=/x", "c", "Path=/x", true},
		{"a=b; Expires=Wed, 21 Oct 2026 07:28:00 GMT", "Expires", "Wed, 21 Oct 2026 07:28:00 GMT", true},
		{"a=b", "Secure", "", false},
	}
	for _, tc := range tests {
		v, ok := ParseSetCookie(tc.header).Attr(tc.attr)
		if v != tc.value || ok != tc.ok {
			t.Errorf("%q Attr(%q) = %q, %v; want %q, %v", tc.header, tc.attr, v, ok, tc.value, tc.ok)
		}
	}
}

func TestLifetime(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	const forever = time.Duration(math.MaxInt64)
	tests := []struct {
		header  string
		d       time.Duration
		session bool
	}{
		{"a=b", 0, true},
		{"a=b; Path=/", 0, true},
		{"a=b; Max-Age=3600", time.Hour, false},
		{"a=b; max-age=60", time.Minute, false},
		{"a=b; Max-Age=0", 0, false},
		{"a=b; Max-Age=-1", 0, false},
		// Large negatives must stay deletions, not wrap into long lives.
		{"a=b; Max-Age=-9300000000", 0, false},
		{"a=b; Max-Age=-9223372036854775808", 0, false},
		{"a=b; Max-Age=-99999999999999999999", 0, false},
		{"a=b; Max-Age=9300000000", forever, false},
		{"a=b; Max-Age=99999999999999999999", forever, false},
		{"a=b; Max-Age=10; Max-Age=20", 20 * time.Second, false},
		{"a=b; Max-Age=abc", 0, true},
		{"a=b; Max-Age=", 0, true},
		{"a=b; Max-Age=-", 0, true},
		{"a=b; Max-Age=1.5", 0, true},
		// Names compared as browsers do: spaces around them and the '=' are
		// trimmed, case does not count, but only ASCII case ('ſ' is no 's').
		{"a=b;MAX-AGE =  60 ", time.Minute, false},
		{"a=b; \tmax-age\t=60;Path=/", time.Minute, false},
		{"a=b; Max-Ages=60", 0, true},
		{"a=b; Max-Age x=60", 0, true},
		{"a=b; Expireſ=Sun, 01 Mar 2026 13:00:00 GMT", 0, true},
		{"a=b; Max-Age", 0, true},
		{"a=b; Max-Age=60; Expires=Thu, 01 Jan 1970 00:00:00 GMT", time.Minute, false},
		{"a=b; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=60", time.Minute, false},
		{"a=b; Expires=Sun, 01 Mar 2026 13:00:00 GMT", time.Hour, false},
		{"a=b; Expires=Sun, 01-Mar-2026 13:00:00 GMT", time.Hour, false},
		{"a=b; Expires=Sunday, 01-Mar-26 13:00:00 GMT", time.Hour, false},
		{"a=b; Expires=Sun Mar  1 13:00:00 2026", time.Hour, false},
		{"a=b; Expires=Sun, 01 Mar 2026 13:00:00 +0000", time.Hour, false},
		{"a=b; Expires=Sun, 01 Mar 2026 11:00:00 GMT", -time.Hour, false},
		{"a=b; Expires=next tuesday", 0, true},
		{"a=b; Max-Age=abc; Expires=Sun, 01 Mar 2026 13:00:00 GMT", time.Hour, false},
	}
	for _, tc := range tests {
		d, session := ParseSetCookie(tc.header).Lifetime(now)
		if d != tc.d || session != tc.session {
			t.Errorf("%q Lifetime = %v, session %v; want %v, %v", tc.header, d, session, tc.d, tc.session)
		}
	}
}

func TestWithMaxAge(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		header  string
		d       time.Duration
		session bool
		want    string
	}{
		{"_ga=GA1.2; Path=/; Max-Age=63072000; Expires=Wed, 21 Oct 2099 07:28:00 GMT; HttpOnly; Secure; SameSite=Lax", 90 * 24 * time.Hour, false,
			"_ga=GA1.2; Path=/; HttpOnly; Secure; SameSite=Lax; Max-Age=7776000"},
		{"a=b; max-age=5; EXPIRES=Wed, 21 Oct 2099 07:28:00 GMT; Domain=.example.se", time.Hour, false,
			"a=b; Domain=.example.se; Max-Age=3600"},
		{"a=b;Path=/;Max-Age=99", time.Minute, false, "a=b;Path=/; Max-Age=60"},
		{"a=b", time.Minute, false, "a=b; Max-Age=60"},
		{"a=b; Path=/; Max-Age=99", 0, true, "a=b; Path=/"},
		{"a=b;; Path=/", time.Minute, false, "a=b; Path=/; Max-Age=60"},
		{"  a = b  ; Path=/", time.Second, false, "a=b; Path=/; Max-Age=1"},
		{"=_ga=1; Max-Age=99", time.Minute, false, "=_ga=1; Max-Age=60"},
		{"foo; Max-Age=99", time.Minute, false, "=foo; Max-Age=60"},
	}
	for _, tc := range tests {
		orig := ParseSetCookie(tc.header)
		got := orig.WithMaxAge(tc.d, tc.session)
		if got != tc.want {
			t.Errorf("%q WithMaxAge(%v, %v) = %q, want %q", tc.header, tc.d, tc.session, got, tc.want)
		}
		re := ParseSetCookie(got)
		if !re.Valid || re.Name != orig.Name || re.Value != orig.Value {
			t.Errorf("%q re-parses as %q=%q, not %q=%q", got, re.Name, re.Value, orig.Name, orig.Value)
		}
		if d, session := re.Lifetime(now); session != tc.session || (!session && d != tc.d) {
			t.Errorf("%q has lifetime %v, session %v; want %v, %v", got, d, session, tc.d, tc.session)
		}
	}
}

func TestExpireCookie(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name, domain string
		secure       bool
		want         string
	}{
		{"_ga", "", false, "_ga=; Max-Age=0; Path=/"},
		{"_ga", "", true, "_ga=; Max-Age=0; Path=/; Secure"},
		{"_ga", ".example.se", false, "_ga=; Max-Age=0; Path=/; Domain=.example.se"},
		{"Portal Alias", "", false, "Portal Alias=; Max-Age=0; Path=/"},
		// __Host- cookies exist only without Domain and with Secure; a deletion
		// lacking either is ignored by the browser.
		{"__Host-sid", ".example.se", false, "__Host-sid=; Max-Age=0; Path=/; Secure"},
		{"__Host-sid", "", true, "__Host-sid=; Max-Age=0; Path=/; Secure"},
		{"__Secure-id", ".example.se", false, "__Secure-id=; Max-Age=0; Path=/; Domain=.example.se; Secure"},
		// A nameless cookie ("foo" in the Cookie header) is replaced only by a
		// nameless header with a value.
		{"", "", false, "x; Max-Age=0; Path=/"},
		{"", ".example.se", true, "x; Max-Age=0; Path=/; Domain=.example.se; Secure"},
	}
	for _, tc := range tests {
		got := ExpireCookie(tc.name, tc.domain, tc.secure)
		if got != tc.want {
			t.Errorf("ExpireCookie(%q, %q, %v) = %q, want %q", tc.name, tc.domain, tc.secure, got, tc.want)
		}
		sc := ParseSetCookie(got)
		if d, session := sc.Lifetime(now); !sc.Valid || sc.Name != tc.name || session || d > 0 {
			t.Errorf("%q does not parse as a deletion of %q", got, tc.name)
		}
		if p, _ := sc.Attr("Path"); p != "/" {
			t.Errorf("%q: Path %q, want /", got, p)
		}
	}
}

func TestRequestCookies(t *testing.T) {
	tests := []struct {
		header string
		want   []RequestCookie
	}{
		{"a=1; b=2", []RequestCookie{{"a", "1", "a=1"}, {"b", "2", "b=2"}}},
		{"a=1;b=2", []RequestCookie{{"a", "1", "a=1"}, {"b", "2", "b=2"}}},
		{"  a = 1 ;  ; b=2;", []RequestCookie{{"a", "1", "a = 1"}, {"b", "2", "b=2"}}},
		{"\ta=1\t;\tb=2", []RequestCookie{{"a", "1", "a=1"}, {"b", "2", "b=2"}}},
		{"foo; a=1", []RequestCookie{{"", "foo", "foo"}, {"a", "1", "a=1"}}},
		{"=x", []RequestCookie{{"", "x", "=x"}}},
		{"_ga=1", []RequestCookie{{"_ga", "1", "_ga=1"}}},
		{"a=b=c", []RequestCookie{{"a", "b=c", "a=b=c"}}},
		{"a=", []RequestCookie{{"a", "", "a="}}},
		{"Portal Alias=x y", []RequestCookie{{"Portal Alias", "x y", "Portal Alias=x y"}}},
		{`q="v"`, []RequestCookie{{"q", `"v"`, `q="v"`}}},
		{"", nil},
		{";;;", nil},
		{" ; ", nil},
	}
	for _, tc := range tests {
		var got []RequestCookie
		for rc := range RequestCookies(tc.header) {
			got = append(got, rc)
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("RequestCookies(%q) = %q, want %q", tc.header, got, tc.want)
		}
	}
}

// TestRequestCookiesRawRebuilds: a filter that keeps every pair must be
// able to give the header back as it was, modulo separator spacing.
func TestRequestCookiesRawRebuilds(t *testing.T) {
	h := "_ga=GA1.2.3; JSESSIONID=abc; foo; Portal Alias=1 2; x=\"y\"; =z"
	var raws []string
	for rc := range RequestCookies(h) {
		raws = append(raws, rc.Raw)
	}
	if got := strings.Join(raws, "; "); got != h {
		t.Errorf("rebuilt %q, want %q", got, h)
	}
}
