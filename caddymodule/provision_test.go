package caddymodule

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2"
	"github.com/consentgate/consentgate/internal/testshared"
)

func TestBadPolicyIsRejectedWithFileLineAndReason(t *testing.T) {
	path := writePolicy(t, "version: 1\ncategories:\n  - id: statistics\ncookies:\n  - {name: _ga, category: stats, duration: 2y}\n")
	cfg := fmt.Sprintf(`{"apps":{"http":{"servers":{"s":{"listen":["127.0.0.1:%d"],"routes":[{"handle":[{"handler":"cookie_consent","policy":%q}]}]}}}}}`, testshared.FreePort(t), path)
	err := caddy.Validate(mustConfig(t, cfg))
	if err == nil {
		t.Fatal("a policy with an unknown category validated")
	}
	want := path + `:5: cookie "_ga": unknown category "stats": did you mean statistics? (known: necessary, statistics, unclassified)`
	if !strings.Contains(err.Error(), want) {
		t.Errorf("error %q\nwant it to contain %q", err, want)
	}
}

func mustConfig(t *testing.T, js string) *caddy.Config {
	t.Helper()
	var cfg caddy.Config
	if err := json.Unmarshal([]byte(js), &cfg); err != nil {
		t.Fatal(err)
	}
	return &cfg
}

// TestInlineJSONPolicy runs the handler configured in Caddy JSON with the
// policy given inline as an object.
func TestInlineJSONPolicy(t *testing.T) {
	up := newUpstream(t, legacySite)
	port := testshared.FreePort(t)
	cfg := fmt.Sprintf(`{"admin":{"disabled":true},"apps":{"http":{"servers":{"s":{"listen":["127.0.0.1:%d"],"routes":[{"handle":[
		{"handler":"cookie_consent","policy":{"version":1,"categories":[{"id":"marketing"}],
			"cookies":[{"name":"_gcl_au","category":"marketing","duration":"3mo"},{"name":"JSESSIONID","category":"necessary","duration":"session"}]}},
		{"handler":"reverse_proxy","upstreams":[{"dial":%q}]}]}]}}}}}`, port, up.hostport())
	if err := caddy.Load([]byte(cfg), true); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = caddy.Stop() })
	waitListening(t, port)
	p := &proxy{base: fmt.Sprintf("http://127.0.0.1:%d", port)}
	res, _ := p.do(t, "GET", "/", nil)
	set, _ := setCookieNames(res)
	if strings.Join(set, ",") != "JSESSIONID" {
		t.Errorf("Set-Cookie names %q, want JSESSIONID only", set)
	}
}

func TestClampLifetime(t *testing.T) {
	up := newUpstream(t, legacySite)
	p := startCaddy(t, consentSite(up.hostport(), ""))
	consent := consentCookieFrom(t, postChoice(t, p, urlValues("choice", "accept_all")))
	res, _ := p.do(t, "GET", "/", nil, "Cookie: "+consent)
	got := map[string]string{}
	for _, v := range res.Header.Values("Set-Cookie") {
		name, _, _ := strings.Cut(v, "=")
		got[name] = v
	}
	for name, want := range map[string]string{
		"lang":       "lang=sv; Path=/; Max-Age=2592000",           // 999999999 s capped at the declared 30d
		"_ga":        "_ga=GA1.1.1.1; Path=/; Max-Age=63072000",    // exactly the declared 2y: unchanged
		"FPID":       "FPID=x; Path=/; Max-Age=34560000; HttpOnly", // exactly the declared 400 days
		"_gcl_au":    "_gcl_au=1.1; Path=/; Max-Age=7776000",
		"JSESSIONID": "JSESSIONID=s1; Path=/; HttpOnly",
	} {
		if got[name] != want {
			t.Errorf("%s: %q, want %q", name, got[name], want)
		}
	}
	// A known marketing cookie passes once marketing is granted, unclamped:
	// nothing declares its duration.
	if got["_fbp"] != "_fbp=fb.1.2; Path=/; Max-Age=7776000" {
		t.Errorf("_fbp: %q", got["_fbp"])
	}
	// Unclassified (mystery), declared unclassified (oep.selectedView) and
	// nameless cookies never pass with undeclared: block.
	for _, name := range []string{"mystery", "oep.selectedView", ""} {
		if _, ok := got[name]; ok {
			t.Errorf("%q was kept under accept_all", name)
		}
	}
	warns := p.logs(t, "http.handlers.cookie_consent", "undeclared cookie")
	suggested := map[string]any{}
	for _, w := range warns {
		suggested[fmt.Sprint(w["name"])] = w["suggested_category"]
	}
	if suggested["_fbp"] != "marketing" || suggested["mystery"] != "" {
		t.Errorf("undeclared warnings %v", suggested)
	}
	// Once per name per period: a second response warns no more.
	p.do(t, "GET", "/", nil, "Cookie: "+consent)
	if n := len(p.logs(t, "http.handlers.cookie_consent", "undeclared cookie")); n != len(warns) {
		t.Errorf("%d warnings after a second response, want still %d", n, len(warns))
	}
}

func TestMetricsCountDecisions(t *testing.T) {
	up := newUpstream(t, legacySite)
	p := startCaddy(t, `http://127.0.0.1:{PORT} {
	route /metrics {
		metrics
	}
	cookie_consent testdata/policy.yaml
	reverse_proxy `+up.hostport()+`
}`)
	// Every category's series (and unclassified's) exist before the first
	// cookie of their kind, at 0.
	if _, body := p.do(t, "GET", "/metrics", nil); !strings.Contains(body, `caddy_cookie_consent_cookies_total{action="clamped",category="unclassified"} 0`) {
		t.Error("the unclassified clamped series is not there before any cookie")
	}
	before := metricValue(t, p, `caddy_cookie_consent_cookies_total{action="removed",category="statistics"}`)
	p.do(t, "GET", "/", nil)
	after := metricValue(t, p, `caddy_cookie_consent_cookies_total{action="removed",category="statistics"}`)
	if after-before != 3 { // _ga, _ga_ABC123, FPID
		t.Errorf("statistics removals counted %v, want 3", after-before)
	}
	kept := metricValue(t, p, `caddy_cookie_consent_cookies_total{action="kept",category="necessary"}`)
	if kept < 1 {
		t.Errorf("necessary kept = %v", kept)
	}
}

func metricValue(t *testing.T, p *proxy, series string) float64 {
	t.Helper()
	res, body := p.do(t, "GET", "/metrics", nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("metrics: %d", res.StatusCode)
	}
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` ([0-9.e+]+)$`).FindStringSubmatch(body)
	if m == nil {
		return 0
	}
	var v float64
	fmt.Sscan(m[1], &v)
	return v
}

// TestKnownCookiesFromCSV: with known_cookies PATH, the Open Cookie Database
// CSV classifies what the policy does not declare; the built-in list is not used.
func TestKnownCookiesFromCSV(t *testing.T) {
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		for _, c := range []string{"_ex_sess_42=1", "ex_chat_state=open", "ex_bot=1", "_fbp=fb.1"} {
			w.Header().Add("Set-Cookie", c+"; Path=/")
		}
	})
	p := startCaddy(t, consentSite(up.hostport(), "known_cookies ../policy/knowncookies/testdata/ocd-sample.csv"))
	consent := consentCookieFrom(t, postChoice(t, p, url.Values{"choice": {"custom"}, "category": {"preferences"}}))
	res, _ := p.do(t, "GET", "/", nil, "Cookie: "+consent)
	set, _ := setCookieNames(res)
	slices.Sort(set)
	// ex_bot is Security (necessary), ex_chat_state Functional (preferences,
	// granted); _ex_sess_42 is Analytics by prefix (not granted); _fbp is in
	// the built-in list only, so here it is unclassified.
	if want := []string{"ex_bot", "ex_chat_state"}; !slices.Equal(set, want) {
		t.Errorf("Set-Cookie names %q, want %q", set, want)
	}
	suggested := map[string]any{}
	for _, w := range p.logs(t, "http.handlers.cookie_consent", "undeclared cookie") {
		suggested[fmt.Sprint(w["name"])] = w["suggested_category"]
	}
	if suggested["_ex_sess_42"] != "statistics" || suggested["_fbp"] != "" {
		t.Errorf("suggested categories %v", suggested)
	}
}

func TestKnownCookiesBadPath(t *testing.T) {
	h := &Handler{KnownCookies: "testdata/no-such.csv"}
	h.setPolicyPath("testdata/policy.yaml")
	ctx, cancel := caddy.NewContext(caddy.Context{Context: context.Background()})
	defer cancel()
	if err := h.Provision(ctx); err == nil || !strings.Contains(err.Error(), "known_cookies") {
		t.Errorf("a missing CSV: %v", err)
	}
}

// TestPathPrefixInJSON: Caddy JSON gets no Caddyfile check; "/" or "//"
// would reserve every path of the site for the endpoints ("//" lost a slash
// and passed), and the message names what was written.
func TestPathPrefixInJSON(t *testing.T) {
	for _, prefix := range []string{"/", "//", "///", "consent"} {
		h := &Handler{PathPrefix: prefix}
		h.setPolicyPath("testdata/policy.yaml")
		ctx, cancel := caddy.NewContext(caddy.Context{Context: context.Background()})
		err := h.Provision(ctx)
		if err == nil {
			err = h.Validate()
		}
		cancel()
		if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("path_prefix %q", prefix)) {
			t.Errorf("path_prefix %q: %v, want an error naming it", prefix, err)
		}
	}
	h := provisionHandler(t, &Handler{PathPrefix: "/cc/"})
	if h.PathPrefix != "/cc" {
		t.Errorf("path_prefix /cc/ became %q", h.PathPrefix)
	}
}
