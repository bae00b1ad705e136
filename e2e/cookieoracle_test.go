//go:build browser

package e2e

import (
	"bufio"
	"context"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/storage"
	"github.com/chromedp/chromedp"

	"github.com/consentgate/consentgate/policy"
)

// oracleCase is one Set-Cookie header value whose fate in Chromium is compared
// with policy.ParseSetCookie.
type oracleCase struct {
	name string
	raw  string
	// seed is set first, so that a header that deletes a cookie shows its
	// effect (a deletion stores nothing).
	seed string
	// rawTCP sends the response over a plain TCP connection: net/http turns CR
	// and LF in header values into spaces.
	rawTCP bool
}

var oracleCases = []oracleCase{
	{name: "plain", raw: "_ga=GA1.2.3.4"},
	{name: "plain with attributes", raw: "_ga=GA1.2.3.4; Path=/; SameSite=Lax; HttpOnly"},
	{name: "empty name with = in the value", raw: "=_ga=1"},
	{name: "no =", raw: "foo"},
	{name: "no = with attributes", raw: "foo; Path=/"},
	{name: "spaces around and inside", raw: " a b = c d "},
	{name: "quoted name", raw: `"q"=1`},
	{name: "quoted value", raw: `a="b c"`},
	{name: "= in the value", raw: "a=b=c"},
	{name: "empty value", raw: "a="},
	{name: "only =", raw: "="},
	{name: "only = with attributes", raw: "=; Path=/"},
	{name: "empty", raw: ""},
	{name: "white space only", raw: "   "},
	{name: "semicolon first", raw: ";a=b"},
	{name: "semicolon only", raw: ";"},
	{name: "tabs around", raw: "\ta\t=\tb\t"},
	{name: "tab inside the name", raw: "a\tb=c"},
	{name: "tab inside the value", raw: "a=b\tc"},
	{name: "comma", raw: "a,b=c,d"},
	{name: "name with a space", raw: "Portal Alias=x"},
	{name: "empty attributes", raw: "a=b;;;"},
	{name: "backslash", raw: `a\b=c\d`},
	{name: "4096-byte pair", raw: "a=" + strings.Repeat("v", 4095)},
	{name: "4097-byte pair", raw: "ab=" + strings.Repeat("v", 4095)},
	{name: "4096-byte name", raw: strings.Repeat("n", 4096) + "="},
	{name: "4096-byte pair in white space", raw: "  a  =  " + strings.Repeat("v", 4095) + "  ; Path=/"},
	{name: "4096-byte nameless value", raw: strings.Repeat("v", 4096)},
	{name: "4097-byte nameless value", raw: strings.Repeat("v", 4097)},
	{name: "SOH in the name", raw: "a\x01b=c"},
	{name: "DEL in the value", raw: "a=b\x7f"},
	{name: "NUL in the value", raw: "a=b\x00c"},
	{name: "VT in the name", raw: "a\x0bb=c"},
	{name: "US in the value", raw: "a=b\x1fc"},
	{name: "control character in an attribute", raw: "a=b; Path=/\x01"},
	{name: "lone CR in the value", raw: "a=b\rc", rawTCP: true},
	{name: "lone CR in an attribute", raw: "a=b; Path=/\r", rawTCP: true},
	{name: "nameless value with a cookie prefix", raw: "__Host-x"},
	{name: "nameless value with a lower-case prefix", raw: "__secure-x"},
	{name: "unicode", raw: "ä=ö"},
	{name: "emoji name", raw: "😀=1"},
	{name: "no-break space around the name", raw: "\u00a0a\u00a0=b"},
	{name: "byte-order mark", raw: "\ufeffa=b"},
	{name: "invalid UTF-8", raw: "a=b\xff"},
	{name: "Max-Age=-1 deletes", raw: "a=b; Max-Age=-1", seed: "a=old"},
	{name: "Max-Age=0 deletes", raw: "a=; Max-Age=0", seed: "a=old"},
	{name: "large negative Max-Age deletes", raw: "a=b; Max-Age=-9300000000", seed: "a=old"},
	{name: "past Expires deletes", raw: "a=b; Expires=Thu, 01 Jan 1970 00:00:00 GMT", seed: "a=old"},
	{name: "nameless deletion", raw: "x; Max-Age=0", seed: "foo"},
	{name: "Max-Age", raw: "a=b; Max-Age=3600"},
	{name: "max-age in lower case", raw: "a=b; max-age=60"},
	{name: "last Max-Age wins", raw: "a=b; Max-Age=3600; Max-Age=60"},
	{name: "Max-Age over Expires", raw: "a=b; Max-Age=60; Expires=Thu, 01 Jan 2099 00:00:00 GMT"},
	{name: "Max-Age over a past Expires", raw: "a=b; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=60"},
	{name: "unparseable Max-Age", raw: "a=b; Max-Age=soon"},
	{name: "unparseable Max-Age, Expires", raw: "a=b; Max-Age=soon; Expires=" + time.Now().Add(2*time.Hour).UTC().Format(http.TimeFormat)},
	{name: "huge Max-Age", raw: "a=b; Max-Age=99999999999"},
	{name: "Max-Age beyond int64", raw: "a=b; Max-Age=99999999999999999999"},
	{name: "Expires RFC 1123", raw: "a=b; Expires=" + time.Now().Add(48*time.Hour).UTC().Format(http.TimeFormat)},
	{name: "Expires with dashes", raw: "a=b; Expires=" + time.Now().Add(48*time.Hour).UTC().Format("Mon, 02-Jan-2006 15:04:05 GMT")},
	{name: "unparseable Expires", raw: "a=b; Expires=next tuesday"},
}

// knownDifferences are the cases where our split is meant to differ from
// Chromium's, and why. A case listed here that agrees fails, so the list
// cannot go stale.
var knownDifferences = map[string]string{
	"empty name with = in the value": "Chromium refuses a nameless cookie whose value holds '=', " +
		"which RFC 6265bis keeps; the proxy removes nameless cookies either way",
	"lone CR in the value": "Chromium ends the cookie line at a CR, RFC 6265bis ignores the header; " +
		"the proxy removes it (and Go's server would send a space, not the CR)",
	"lone CR in an attribute": "as above",
	"nameless value with a cookie prefix": "a storage rule of RFC 6265bis (a nameless cookie may not look " +
		"like a __Host-/__Secure- one), not part of the split; the proxy removes nameless cookies anyway",
	"nameless value with a lower-case prefix": "as above; the prefix check ignores case",
}

func TestCookieOracle(t *testing.T) {
	ctx := startChromium(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i, err := strconv.Atoi(r.URL.Query().Get("i"))
		if err != nil || i < 0 || i >= len(oracleCases) {
			http.NotFound(w, r)
			return
		}
		switch r.URL.Path {
		case "/set":
			// Header()[...] = bypasses nothing net/http would check on the way out
			// but CR and LF, which is the point: the browser sees the bytes.
			w.Header()["Set-Cookie"] = []string{oracleCases[i].raw}
		case "/seed":
			w.Header()["Set-Cookie"] = []string{oracleCases[i].seed}
		}
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprint(w, "ok")
	}))
	t.Cleanup(srv.Close)
	raw := rawSetCookieServer(t, func(i int) string { return oracleCases[i].raw })

	for i, tc := range oracleCases {
		t.Run(tc.name, func(t *testing.T) {
			clearCookies(t, ctx)
			if tc.seed != "" {
				navigate(t, ctx, fmt.Sprintf("%s/seed?i=%d", srv.URL, i))
			}
			before := jar(t, ctx)
			if tc.seed != "" && len(before) != 1 {
				t.Fatalf("seeding %q stored %v", tc.seed, before)
			}
			base := srv.URL
			if tc.rawTCP {
				base = raw
			}
			start := time.Now()
			if err := chromedp.Do(ctx, chromedp.Navigate(fmt.Sprintf("%s/set?i=%d", base, i))); err != nil {
				// Chromium refuses a response with a NUL in a header as a whole.
				if !strings.Contains(err.Error(), "ERR_INVALID_HTTP_RESPONSE") {
					t.Fatalf("navigating: %v", err)
				}
				t.Logf("Chromium refused the response: %v", err)
			}
			after := jar(t, ctx)

			stored, deleted := diffJars(before, after)
			browserTook := len(stored)+len(deleted) > 0
			sc := policy.ParseSetCookie(tc.raw)
			life, session := sc.Lifetime(start)

			var problems []string
			if sc.Valid != browserTook {
				problems = append(problems, fmt.Sprintf("ParseSetCookie says valid=%v; Chromium stored %v and deleted %v", sc.Valid, names(stored), names(deleted)))
			}
			switch {
			case !sc.Valid || !browserTook:
			case !session && life <= 0:
				if len(stored) != 0 || len(deleted) != 1 || deleted[0].Name != sc.Name {
					problems = append(problems, fmt.Sprintf("a deletion of %q; Chromium stored %v and deleted %v", sc.Name, names(stored), names(deleted)))
				}
			case len(stored) != 1:
				problems = append(problems, fmt.Sprintf("Chromium stored %d cookies", len(stored)))
			default:
				c := stored[0]
				if c.Name != sc.Name || (c.Value != sc.Value && utf8.ValidString(sc.Value)) {
					problems = append(problems, fmt.Sprintf("ParseSetCookie gives %.60q=%.60q; Chromium stored %.60q=%.60q", sc.Name, sc.Value, c.Name, c.Value))
				}
				if msg := compareLifetime(c, life, session, start); msg != "" {
					problems = append(problems, msg)
				}
			}

			why, known := knownDifferences[tc.name]
			switch {
			case known && len(problems) == 0:
				t.Errorf("listed as a known difference (%s), but ParseSetCookie now agrees with Chromium: remove it from the list", why)
			case known:
				t.Logf("known difference (%s): %s", why, strings.Join(problems, "; "))
			case len(problems) > 0:
				t.Errorf("Set-Cookie: %.80q\n%s", tc.raw, strings.Join(problems, "\n"))
			}
		})
	}
}

// TestCookieOracleExpire checks that what policy.ExpireCookie writes makes
// Chromium forget the cookie, including the nameless and the shared-domain ones.
func TestCookieOracleExpire(t *testing.T) {
	ctx := startChromium(t)
	type step struct{ seed, expire string }
	var steps []step
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i, err := strconv.Atoi(r.URL.Query().Get("i"))
		if err != nil || i < 0 || i >= len(steps) { // the browser asks for /favicon.ico too
			http.NotFound(w, r)
			return
		}
		v := steps[i].seed
		if r.URL.Path == "/expire" {
			v = steps[i].expire
		}
		w.Header()["Set-Cookie"] = []string{v}
		fmt.Fprint(w, "ok")
	}))
	t.Cleanup(srv.Close)
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	// A name under a shared parent domain, resolved to loopback by startChromium.
	site := "http://www.consent.test:" + port

	tests := []struct {
		name, seed, domain string
	}{
		{"_ga", "_ga=GA1.2.3; Path=/; Max-Age=3600", ""},
		{"_ga", "_ga=GA1.2.3; Max-Age=3600", ""}, // default path: the directory of /expire, i.e. /
		{"sid", "sid=1; Path=/; HttpOnly", ""},
		{"Portal Alias", "Portal Alias=x; Path=/", ""},
		{"", "foo; Path=/", ""},
		{"_ga", "_ga=GA1.2.3; Path=/; Domain=.consent.test", ".consent.test"},
		{"", "foo; Path=/; Domain=consent.test", ".consent.test"},
	}
	for i, tc := range tests {
		steps = append(steps, step{tc.seed, policy.ExpireCookie(tc.name, tc.domain, false)})
		t.Run(fmt.Sprintf("%q %s", tc.name, tc.domain), func(t *testing.T) {
			clearCookies(t, ctx)
			navigate(t, ctx, fmt.Sprintf("%s/seed?i=%d", site, i))
			if before := jar(t, ctx); len(before) != 1 || before[0].Name != tc.name {
				t.Fatalf("seeding %q stored %v", tc.seed, names(before))
			}
			navigate(t, ctx, fmt.Sprintf("%s/expire?i=%d", site, i))
			if after := jar(t, ctx); len(after) != 0 {
				t.Errorf("after %q Chromium still has %v", steps[i].expire, names(after))
			}
		})
	}
}

// compareLifetime says how Chromium's expiry differs from Lifetime's, or "".
// Chromium caps lifetimes at 400 days (RFC 6265bis 5.6.1).
func compareLifetime(c *network.Cookie, life time.Duration, session bool, start time.Time) string {
	if c.Session || session {
		if c.Session != session {
			return fmt.Sprintf("Lifetime says session=%v (%v); Chromium session=%v, expires %v", session, life, c.Session, time.Unix(int64(c.Expires), 0).UTC())
		}
		return ""
	}
	want := float64(start.Unix()) + math.Min(life.Seconds(), (400*24*time.Hour).Seconds())
	if math.Abs(c.Expires-want) > 5 {
		return fmt.Sprintf("Lifetime says %v; Chromium expires it %v", life, time.Duration((c.Expires-float64(start.Unix()))*float64(time.Second)).Round(time.Second))
	}
	return ""
}

// rawSetCookieServer answers GET /set?i=N over plain TCP with the header value
// of case N written byte for byte, and returns its base URL.
func rawSetCookieServer(t *testing.T, header func(i int) string) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				req, err := http.ReadRequest(bufio.NewReader(conn))
				if err != nil {
					return
				}
				i, err := strconv.Atoi(req.URL.Query().Get("i"))
				if err != nil {
					fmt.Fprint(conn, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
					return
				}
				fmt.Fprintf(conn, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: close\r\nSet-Cookie: %s\r\n\r\nok", header(i))
			}()
		}
	}()
	return "http://" + ln.Addr().String()
}

func navigate(t *testing.T, ctx context.Context, url string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
		t.Fatalf("navigating to %s: %v", url, err)
	}
}

// jar reads every cookie of the browser through the DevTools protocol, which
// sees HttpOnly cookies and exact bytes, unlike document.cookie.
func jar(t *testing.T, ctx context.Context) []*network.Cookie {
	t.Helper()
	res, err := chromedp.Call(ctx, storage.GetCookies, storage.GetCookiesParams{})
	if err != nil {
		t.Fatalf("reading cookies: %v", err)
	}
	return res.Cookies
}

func clearCookies(t *testing.T, ctx context.Context) {
	t.Helper()
	if _, err := chromedp.Call(ctx, storage.ClearCookies, storage.ClearCookiesParams{}); err != nil {
		t.Fatalf("clearing cookies: %v", err)
	}
}

// diffJars returns the cookies that are new or changed in after, and those of
// before that are gone.
func diffJars(before, after []*network.Cookie) (stored, deleted []*network.Cookie) {
	key := func(c *network.Cookie) string { return c.Name + "\x00" + c.Domain + "\x00" + c.Path }
	old := map[string]*network.Cookie{}
	for _, c := range before {
		old[key(c)] = c
	}
	for _, c := range after {
		if o, ok := old[key(c)]; !ok || o.Value != c.Value || o.Expires != c.Expires {
			stored = append(stored, c)
		}
		delete(old, key(c))
	}
	for _, c := range old {
		deleted = append(deleted, c)
	}
	return stored, deleted
}

func names(cs []*network.Cookie) []string {
	out := []string{}
	for _, c := range cs {
		out = append(out, fmt.Sprintf("%.40q=%.40q", c.Name, c.Value))
	}
	return out
}
