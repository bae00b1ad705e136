//go:build browser

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/consentgate/consentgate/policy"
)

// The seed tests run the two seed demos — examples/almi (seed 000, four
// categories and Unclassified) and examples/fora (seed 002, notice only) — in
// this process, each a Caddyfile with the proxy in front of a small legacy site
// that sets the seed's cookies and loads fake third parties under their real
// host names (Chromium maps every host to 127.0.0.1). They read the cookie jar
// through CDP (HttpOnly cookies included, every domain) and browser storage
// through the page.

const (
	almiProxy = "http://localhost:8090"
	almiSite  = "http://localhost:8091"
	foraProxy = "http://localhost:8095"
	foraSite  = "http://localhost:8096"
)

var adminLine = regexp.MustCompile(`(?m)^[ \t]*admin[ \t]+localhost:\d+[ \t]*$`)

// startSeedDemo loads a seed demo's Caddyfile (a path from this directory) in
// this process, as `caddy run --config` would from the repository root, with
// the admin endpoint off; it stops when the test ends.
func startSeedDemo(t *testing.T, caddyfile string, ports ...string) {
	t.Helper()
	// The previous test's Caddy may still be letting go of the ports.
	for _, port := range ports {
		for i := 0; ; i++ {
			l, err := net.Listen("tcp", ":"+port)
			if err == nil {
				l.Close()
				break
			}
			if i == 100 {
				t.Fatalf("port %s is taken (is the demo running?): %v", port, err)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	src, err := os.ReadFile(caddyfile)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(adminLine.FindAllIndex(src, -1)); n != 1 {
		t.Fatalf("%s: %d admin lines, want 1", caddyfile, n)
	}
	cfg := adminLine.ReplaceAllString(string(src), "\tadmin off\n\tgrace_period 100ms")
	// The Caddyfile's paths are relative to the repository root.
	cfg = strings.ReplaceAll(cfg, "examples/", "../examples/")
	adapted, warnings, err := caddyconfig.GetAdapter("caddyfile").Adapt([]byte(cfg), map[string]any{"filename": caddyfile})
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range warnings {
		t.Errorf("%s: adapting: %s", caddyfile, w.String())
	}
	if err := caddy.Load(adapted, true); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = caddy.Stop() })
	for _, port := range ports {
		for i := 0; ; i++ {
			if c, err := net.Dial("tcp", "127.0.0.1:"+port); err == nil {
				c.Close()
				break
			}
			if i == 100 {
				t.Fatalf("%s: nothing listens on %s", caddyfile, port)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

// pageState is what a visitor's browser holds: the jar (every domain) by
// name, the storage keys of the page's origin (localStorage and
// sessionStorage), and the run counters of the page's scripts.
type pageState struct {
	jar     map[string]*network.Cookie
	storage []string
	ran     map[string]int
}

func (s pageState) jarNames() []string {
	names := []string{}
	for n := range s.jar {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

func readState(t *testing.T, ctx context.Context, counters []string) pageState {
	t.Helper()
	s := pageState{jar: map[string]*network.Cookie{}}
	for _, c := range jar(t, ctx) {
		if o, dup := s.jar[c.Name]; dup {
			t.Errorf("cookie %q is in the jar twice: %s%s and %s%s", c.Name, o.Domain, o.Path, c.Domain, c.Path)
		}
		s.jar[c.Name] = c
	}
	names, _ := json.Marshal(counters)
	js := `(() => {
		const ran = {};
		for (const n of ` + string(names) + `) ran[n] = window[n] || 0;
		return {storage: [...Object.keys(localStorage), ...Object.keys(sessionStorage)].sort(), ran};
	})()`
	v, err := chromedp.Run(ctx, chromedp.Evaluate[struct {
		Storage []string       `json:"storage"`
		Ran     map[string]int `json:"ran"`
	}](js))
	if err != nil {
		t.Fatalf("reading the page's storage: %v", err)
	}
	s.storage, s.ran = v.Storage, v.Ran
	return s
}

// waitState reads the state until ok accepts it, or for up to 5 seconds, and
// returns the last one read.
func waitState(t *testing.T, ctx context.Context, counters []string, ok func(pageState) bool) pageState {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		s := readState(t, ctx, counters)
		if ok(s) || time.Now().After(deadline) {
			return s
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// sameSet reports the difference between got and want, "" if none.
func sameSet(got, want []string) string {
	var missing, extra []string
	for _, w := range want {
		if !slices.Contains(got, w) {
			missing = append(missing, w)
		}
	}
	for _, g := range got {
		if !slices.Contains(want, g) {
			extra = append(extra, g)
		}
	}
	if len(missing)+len(extra) == 0 {
		return ""
	}
	return fmt.Sprintf("missing %q, unexpected %q (have %q)", missing, extra, got)
}

func hasAll(got, want []string) bool {
	for _, w := range want {
		if !slices.Contains(got, w) {
			return false
		}
	}
	return true
}

func union(lists ...[]string) []string {
	var out []string
	for _, l := range lists {
		for _, x := range l {
			if !slices.Contains(out, x) {
				out = append(out, x)
			}
		}
	}
	slices.Sort(out)
	return out
}

// upstreamCookies fetches a URL without cookies and returns the names of the
// cookies its response sets.
func upstreamCookies(t *testing.T, url string) []string {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	names := []string{}
	for _, raw := range resp.Header.Values("Set-Cookie") {
		names = append(names, policy.ParseSetCookie(raw).Name)
	}
	slices.Sort(names)
	return names
}

// waitTrue evaluates a condition in the page until it holds, for up to 5
// seconds; evaluations fail while a page navigates, and are tried again.
func waitTrue(ctx context.Context, js string) bool {
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`!!(`+js+`)`)); err == nil && ok {
			return true
		}
	}
	return false
}

func seedNavigate(t *testing.T, ctx context.Context, url string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Navigate(url), chromedp.WaitReady(chromedp.CSS("body"))); err != nil {
		t.Fatalf("navigating to %s: %v", url, err)
	}
}

// checkConsentCookie checks the consent cookie: format 1, revision 1, exactly the
// categories granted.
func checkConsentCookie(t *testing.T, s pageState, granted ...string) {
	t.Helper()
	c, ok := s.jar["cookie_consent"]
	if !ok {
		t.Errorf("the consent cookie is missing: %q", s.jarNames())
		return
	}
	if want := "1.1." + strings.Join(granted, ":") + "."; !strings.HasPrefix(c.Value, want) {
		t.Errorf("consent cookie %q, want it to start with %q", c.Value, want)
	}
}

// --- Almi (seed 000)

// almiSet is what one category of the Almi demo puts in the browser.
type almiSet struct {
	id string
	// server: Set-Cookie from the site's server, so the next page view brings them.
	server []string
	// script: cookies written by script, at once when their scripts may run.
	script []string
	// storage: sessionStorage and localStorage keys, written by script.
	storage []string
	// ran: the run counters of the third-party scripts (and inline tags) that
	// wait for this category.
	ran []string
}

var (
	almiNecessary = almiSet{
		id:      "necessary",
		server:  []string{"JSESSIONID"},
		script:  []string{"CookieConsent"}, // the site's old Cookiebot-style script
		storage: []string{"imbox-consent"},
	}
	almiCategories = []almiSet{{
		id:      "preferences",
		server:  []string{"imbox"},
		script:  []string{"imboxuid"}, // from triggers-v3.imbox.io's script
		storage: []string{"imbox-formValues", "imbox-navigation", "imbox-notification", "imbox-pendingMessages", "imbox-search", "imbox-widget"},
		ran:     []string{"imboxWidgetRan", "imboxTriggersRan"},
	}, {
		id:      "statistics",
		server:  []string{"FPID", "FPLC"},
		storage: []string{"imbox-feedbackVotes"},
	}, {
		id:      "marketing",
		script:  []string{"_ga", "_ga_DEMO4LM1", "_gcl_au"}, // from the Google tags
		storage: []string{"imbox-referrer"},
		ran:     []string{"gtagSnippetRan", "gtagRan", "gtmSnippetRan", "gtmRan"},
	}}
	// Never granted under undeclared: block, whatever the visitor chooses.
	almiUnclassified = almiSet{
		id:      "unclassified",
		server:  []string{"oep.selectedSorting", "oep.selectedView"}, // also written by the list page's script
		storage: []string{"_gcl_ls"},                                 // by gtm.js, in localStorage
	}
	almiThirdParty = []string{"imboxWidgetRan", "imboxTriggersRan", "gtagSnippetRan", "gtagRan", "gtmSnippetRan", "gtmRan"}
	// The site's own scripts, which always run.
	almiOwn = []string{"legacyConsentRan", "almiSiteRan", "imboxBootstrapRan"}
)

func almiCounters() []string { return append(slices.Clone(almiOwn), almiThirdParty...) }

// almiWant is what the browser should hold with these categories granted:
// the cookies (server ones only once a page was loaded with the consent) and
// the storage keys, and the third-party scripts that should have run.
func almiWant(sets []almiSet, withServer bool) (cookies, storage, ran []string) {
	for _, s := range sets {
		cookies = union(cookies, s.script)
		if withServer || s.id == "necessary" {
			cookies = union(cookies, s.server)
		}
		storage = union(storage, s.storage)
		ran = union(ran, s.ran)
	}
	if len(sets) > 1 { // sets[0] is necessary: more means a choice was made
		cookies = union(cookies, []string{"cookie_consent"})
	}
	return cookies, storage, ran
}

// checkAlmi compares the browser's state with what the granted sets allow.
func checkAlmi(t *testing.T, when string, s pageState, sets []almiSet, withServer bool) {
	t.Helper()
	cookies, storage, ran := almiWant(sets, withServer)
	if d := sameSet(s.jarNames(), cookies); d != "" {
		t.Errorf("%s: jar: %s", when, d)
	}
	if d := sameSet(s.storage, storage); d != "" {
		t.Errorf("%s: storage: %s", when, d)
	}
	for _, n := range almiThirdParty {
		if slices.Contains(ran, n) != (s.ran[n] > 0) {
			t.Errorf("%s: window.%s = %d, want it to have run: %v", when, n, s.ran[n], slices.Contains(ran, n))
		}
	}
	for _, n := range almiOwn {
		if s.ran[n] != 1 {
			t.Errorf("%s: the site's own script %s ran %d times, want once", when, n, s.ran[n])
		}
	}
	for _, n := range append(slices.Clone(almiUnclassified.server), almiUnclassified.storage...) {
		if _, ok := s.jar[n]; ok || slices.Contains(s.storage, n) {
			t.Errorf("%s: the unclassified %s is set", when, n)
		}
	}
	for name, httpOnly := range map[string]bool{"JSESSIONID": true, "FPID": true, "imbox": false, "FPLC": false} {
		if c, ok := s.jar[name]; ok && c.HTTPOnly != httpOnly {
			t.Errorf("%s: %s HttpOnly=%v, want %v", when, name, c.HTTPOnly, httpOnly)
		}
	}
}

// almiLoad opens a page of the Almi demo and waits until the site's own
// scripts and the third-party scripts in ran have run (the tags load async).
func almiLoad(t *testing.T, ctx context.Context, path string, ran []string) pageState {
	t.Helper()
	seedNavigate(t, ctx, almiProxy+path)
	want, _, _ := almiWant([]almiSet{almiNecessary}, true)
	waitState(t, ctx, almiCounters(), func(s pageState) bool {
		for _, n := range append(slices.Clone(almiOwn), ran...) {
			if s.ran[n] == 0 {
				return false
			}
		}
		return hasAll(s.jarNames(), want) && slices.Contains(s.storage, "imbox-consent")
	})
	// Give what must not run a moment to show itself.
	if err := chromedp.Do(ctx, chromedp.Sleep(200*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	return readState(t, ctx, almiCounters())
}

// checkAlmiTable checks that the test's table is the policy: every declared
// cookie appears, in its category, as a jar cookie if its type is http and as a
// storage key if it is html.
func checkAlmiTable(t *testing.T) {
	p, err := policy.LoadFile("../examples/almi/policy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	covered := make([]bool, len(p.Cookies))
	for _, set := range append([]almiSet{almiNecessary, almiUnclassified}, almiCategories...) {
		for typ, names := range map[string][]string{"http": union(set.server, set.script), "html": set.storage} {
			for _, n := range names {
				d, ok := p.DeclaredCookie(n)
				switch {
				case !ok:
					t.Errorf("%s is not declared", n)
				case d.Category != set.id || d.Type != typ:
					t.Errorf("%s: declared %s/%s, the test has %s/%s", n, d.Category, d.Type, set.id, typ)
				default:
					covered[slices.IndexFunc(p.Cookies, func(c policy.Cookie) bool { return c.Name == d.Name })] = true
				}
			}
		}
	}
	for i, c := range p.Cookies {
		if !covered[i] {
			t.Errorf("the declared %s (%s) is not exercised", c.Name, c.Category)
		}
	}
}

// almiAcceptAll opens a page in a fresh browser and accepts all in the banner.
func almiAcceptAll(t *testing.T, path string) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(startChromium(t), 20*time.Second)
	t.Cleanup(cancel)
	almiLoad(t, ctx, path, nil)
	if err := chromedp.Do(ctx,
		chromedp.WaitVisible(inBanner(`#cg-banner`)),
		chromedp.Click(inBanner(`#cg-banner button[value="accept_all"]`)),
		chromedp.WaitNotVisible(inBanner(`#cg-banner`)),
	); err != nil {
		t.Fatalf("accept all: %v", err)
	}
	return ctx
}

func TestSeedAlmi(t *testing.T) {
	startSeedDemo(t, "../examples/almi/Caddyfile", "8090", "8091", "8092")
	checkAlmiTable(t)

	// The site itself sets every http cookie of the table but the
	// script-written ones; through the proxy, with no choice, only the
	// necessary one comes.
	for _, path := range []string{"/", "/tjanster.html"} {
		want := union(almiNecessary.server, almiUnclassified.server)
		for _, c := range almiCategories {
			want = union(want, c.server)
		}
		if d := sameSet(upstreamCookies(t, almiSite+path), want); d != "" {
			t.Errorf("the site's Set-Cookie on %s: %s", path, d)
		}
		if d := sameSet(upstreamCookies(t, almiProxy+path), almiNecessary.server); d != "" {
			t.Errorf("the proxy's Set-Cookie on %s with no choice: %s", path, d)
		}
	}

	t.Run("NoChoice", func(t *testing.T) {
		ctx := startChromium(t)
		ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		defer cancel()
		s := almiLoad(t, ctx, "/", nil)
		if err := chromedp.Do(ctx, chromedp.WaitVisible(inBanner(`#cg-banner`))); err != nil {
			t.Fatal(err)
		}
		checkAlmi(t, "first page, no choice", s, []almiSet{almiNecessary}, true)
		// The server held back the Google tag and its two inline snippets; the
		// guard held back the chat widget that the chat's bootstrap inserts.
		for sel, want := range map[string]int{
			`script[data-consent="marketing"]`:                         3,
			`script[data-consent="preferences"]`:                       1,
			`script[src*="googletagmanager"], script[src*="imbox.io"]`: 0,
		} {
			if n := evalInt(t, ctx, fmt.Sprintf(`document.querySelectorAll(%q).length`, sel)); n != want {
				t.Errorf("%d elements match %s, want %d", n, sel, want)
			}
		}
		s = almiLoad(t, ctx, "/tjanster.html", nil)
		checkAlmi(t, "second page, no choice", s, []almiSet{almiNecessary}, true)
		if n := evalInt(t, ctx, `window.listSettingsRan || 0`); n != 1 {
			t.Errorf("the list page's script ran %d times", n)
		}
	})

	for _, cat := range almiCategories {
		t.Run(cat.id, func(t *testing.T) {
			ctx := startChromium(t)
			ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
			defer cancel()
			almiLoad(t, ctx, "/", nil)
			if err := chromedp.Do(ctx,
				chromedp.WaitVisible(inBanner(`#cg-banner`)),
				chromedp.Evaluate[chromedp.Void](`window.marker = 1`),
				chromedp.Click(inBanner(`#cg-settings > summary`)),
				chromedp.WaitVisible(inBanner(`#cg-c-`+cat.id)),
				chromedp.Click(inBanner(`#cg-c-`+cat.id)),
				chromedp.Click(inBanner(`#cg-settings button[value="custom"]`)),
				chromedp.WaitNotVisible(inBanner(`#cg-banner`)),
			); err != nil {
				t.Fatalf("choosing %s in the settings: %v", cat.id, err)
			}
			sets := []almiSet{almiNecessary, cat}
			// Right after the choice, without a reload: what scripts write.
			cookies, storage, ran := almiWant(sets, false)
			s := waitState(t, ctx, almiCounters(), func(s pageState) bool {
				for _, n := range ran {
					if s.ran[n] == 0 {
						return false
					}
				}
				return hasAll(s.jarNames(), cookies) && hasAll(s.storage, storage)
			})
			if evalInt(t, ctx, `window.marker || 0`) != 1 {
				t.Fatal("the page reloaded on the choice")
			}
			checkAlmi(t, "right after the choice", s, sets, false)
			checkConsentCookie(t, s, "necessary", cat.id)

			// The next page view: the server's cookies of the category too.
			s = almiLoad(t, ctx, "/tjanster.html", ran)
			checkAlmi(t, "next page", s, sets, true)
			s = almiLoad(t, ctx, "/", ran)
			checkAlmi(t, "the page after", s, sets, true)
		})
	}

	t.Run("AcceptAll", func(t *testing.T) {
		ctx := almiAcceptAll(t, "/tjanster.html")
		sets := append([]almiSet{almiNecessary}, almiCategories...)
		cookies, storage, ran := almiWant(sets, false)
		s := waitState(t, ctx, almiCounters(), func(s pageState) bool {
			for _, n := range ran {
				if s.ran[n] == 0 {
					return false
				}
			}
			return hasAll(s.jarNames(), cookies) && hasAll(s.storage, storage)
		})
		checkAlmi(t, "right after accept all", s, sets, false)
		checkConsentCookie(t, s, "necessary", "preferences", "statistics", "marketing")
		for _, path := range []string{"/", "/tjanster.html"} {
			s = almiLoad(t, ctx, path, ran)
			checkAlmi(t, "after accept all, "+path, s, sets, true)
		}
	})

	// Withdrawal: after accept all and a page view (so the server's HttpOnly
	// cookies are in the jar too), "withdraw" in the settings leaves only
	// the necessary cookies and storage keys, and the page reloads.
	t.Run("Withdraw", func(t *testing.T) {
		ctx := almiAcceptAll(t, "/")
		sets := append([]almiSet{almiNecessary}, almiCategories...)
		_, _, ran := almiWant(sets, false)
		s := almiLoad(t, ctx, "/tjanster.html", ran)
		checkAlmi(t, "after accept all", s, sets, true)
		if err := chromedp.Do(ctx,
			chromedp.Evaluate[chromedp.Void](`window.beforeWithdraw = 1`),
			chromedp.Click(inBanner(`#cg-open`)),
			chromedp.WaitVisible(inBanner(`#cg-settings .cg-withdraw`)),
			chromedp.Click(inBanner(`#cg-settings .cg-withdraw`)),
		); err != nil {
			t.Fatalf("withdraw: %v", err)
		}
		if !waitTrue(ctx, `document.readyState === "complete" && !window.beforeWithdraw`) {
			t.Fatal("the page did not reload after the withdrawal")
		}
		// Necessary only, as before any choice, but now with the choice recorded.
		cookies, storage, _ := almiWant([]almiSet{almiNecessary}, true)
		cookies = union(cookies, []string{"cookie_consent"})
		s = waitState(t, ctx, almiCounters(), func(s pageState) bool {
			return sameSet(s.jarNames(), cookies) == "" && sameSet(s.storage, storage) == ""
		})
		if d := sameSet(s.jarNames(), cookies); d != "" {
			t.Errorf("after the withdrawal: jar: %s", d)
		}
		if d := sameSet(s.storage, storage); d != "" {
			t.Errorf("after the withdrawal: storage: %s", d)
		}
		for _, n := range almiThirdParty {
			if s.ran[n] > 0 {
				t.Errorf("after the withdrawal: %s ran", n)
			}
		}
		checkConsentCookie(t, s, "necessary")
	})

	// Cookies the site set before the proxy came (the same host, so the same
	// jar): the first page through the proxy expires every one that is not
	// granted, HttpOnly ones included.
	t.Run("BeforeTheProxy", func(t *testing.T) {
		ctx := startChromium(t)
		ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		defer cancel()
		seedNavigate(t, ctx, almiSite+"/tjanster.html")
		all, _, ran := almiWant(append([]almiSet{almiNecessary, almiUnclassified}, almiCategories...), true)
		all = slices.DeleteFunc(all, func(n string) bool { return n == "cookie_consent" })
		s := waitState(t, ctx, almiCounters(), func(s pageState) bool {
			return hasAll(s.jarNames(), all) && !slices.ContainsFunc(ran, func(n string) bool { return s.ran[n] == 0 })
		})
		if d := sameSet(s.jarNames(), all); d != "" {
			t.Fatalf("the site without the proxy: jar: %s", d)
		}
		for _, n := range ran {
			if s.ran[n] == 0 {
				t.Errorf("the site without the proxy: %s did not run", n)
			}
		}
		s = almiLoad(t, ctx, "/", nil)
		checkAlmi(t, "the first page through the proxy", s, []almiSet{almiNecessary}, true)
	})

	t.Run("Declaration", func(t *testing.T) {
		ctx := startChromium(t)
		seedNavigate(t, ctx, almiProxy+"/_consent/declaration?lang=en")
		text, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`))
		if err != nil {
			t.Fatal(err)
		}
		for _, set := range append([]almiSet{almiNecessary, almiUnclassified}, almiCategories...) {
			for _, n := range union(set.server, set.script, set.storage) {
				if strings.HasPrefix(n, "_ga_") {
					n = "_ga_#"
				}
				if !strings.Contains(text, n) {
					t.Errorf("the declaration page does not list %s", n)
				}
			}
		}
	})
}

// --- Fora (seed 002)

var (
	foraCounters = []string{"foraSiteRan", "matomoRan", "hotjarRan", "aiRan", "monthlyAppRan", "eserviceAppRan"}
	// What the site leaks besides its declaration: the upstream sends these, or
	// a third-party script writes them; none may ever be set.
	foraUndeclaredServer = map[string][]string{
		"/minasidor/":                    {"MYSAPSSO2"},
		"/minasidor/manadsrapportering/": {"BIGipServer~fora~pool_etjanster"},
		"/e-tjanster/":                   {"TS01f3a4b5c6"},
	}
)

// foraStep is one page of the Fora walk and what it adds to the browser.
type foraStep struct {
	name    string
	do      func(t *testing.T, ctx context.Context)
	ready   string   // a JavaScript condition: the page is there and works
	ran     []string // counters that must be non-zero
	cookies []string // jar names the step adds
	storage []string // storage keys the step adds
}

func TestSeedFora(t *testing.T) {
	startSeedDemo(t, "../examples/fora/Caddyfile", "8095", "8096", "8097")
	p, err := policy.LoadFile("../examples/fora/policy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !p.NoticeOnly {
		t.Fatal("the Fora policy is not notice_only")
	}
	// The site really sends its undeclared cookies; the proxy drops them.
	for path, leaked := range foraUndeclaredServer {
		if got := upstreamCookies(t, foraSite+path); !hasAll(got, leaked) {
			t.Errorf("the site's Set-Cookie on %s: %q, want %q among them", path, got, leaked)
		}
		for _, n := range upstreamCookies(t, foraProxy+path) {
			if _, ok := p.DeclaredCookie(n); !ok {
				t.Errorf("the proxy's Set-Cookie on %s sets the undeclared %s", path, n)
			}
		}
	}

	ctx := startChromium(t)
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	click := func(sel string) func(t *testing.T, ctx context.Context) {
		return func(t *testing.T, ctx context.Context) {
			do := chromedp.Click(chromedp.CSS(sel))
			if strings.HasPrefix(sel, "#cg-") {
				do = chromedp.Click(inBanner(sel)) // in the banner's shadow root
			}
			if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`window.marker = 1`), do); err != nil {
				t.Fatalf("clicking %s: %v", sel, err)
			}
		}
	}
	open := func(path string) func(t *testing.T, ctx context.Context) {
		return func(t *testing.T, ctx context.Context) { seedNavigate(t, ctx, foraProxy+path) }
	}
	steps := []foraStep{{
		name:    "public site, before OK",
		do:      open("/"),
		ready:   `document.getElementById('title') && !document.getElementById('cg').shadowRoot.getElementById('cg-banner').hidden`,
		ran:     []string{"foraSiteRan", "matomoRan"},
		cookies: []string{"__RequestVerificationToken", "_pk_testcookie"},
	}, {
		name:    "OK in the notice",
		do:      click(`#cg-banner button[value="accept_all"]`),
		ready:   `document.getElementById('cg').shadowRoot.getElementById('cg-banner').hidden && window.marker === 1`,
		cookies: []string{"cookie_consent"},
	}, {
		name:    "the old cookie strip's button",
		do:      click(`#cookie-strip a.button`),
		ready:   `!window.marker && location.pathname === '/' && document.readyState === 'complete' && document.getElementById('cookie-strip').hidden`,
		ran:     []string{"foraSiteRan", "matomoRan"},
		cookies: []string{"accepted_cookies"},
	}, {
		name:    "Mina sidor, login",
		do:      open("/minasidor/"),
		ready:   `document.getElementById('login') !== null`,
		ran:     []string{"foraSiteRan"},
		cookies: []string{"Portal Alias", "com.sap.engine.security.authentication.original_application_url", "saplb_PORTAL"},
	}, {
		name:    "Månadsrapportering",
		do:      click(`#login`),
		ready:   `!window.marker && document.readyState === 'complete' && (document.getElementById('title') || {}).textContent === 'Månadsrapportering' && document.getElementById('company').textContent.includes('1002003')`,
		ran:     []string{"foraSiteRan", "hotjarRan", "monthlyAppRan"},
		cookies: []string{"partnerNumber", "Organization", "refreshToken_ACME_SAPEP"},
		storage: []string{"msal.token.keys", "react-router-scroll-positions"},
	}, {
		name:    "e-service outside Mina sidor",
		do:      open("/e-tjanster/"),
		ready:   `(document.getElementById('title') || {}).textContent === 'Anmäl arbetsskada'`,
		ran:     []string{"foraSiteRan", "aiRan", "eserviceAppRan"},
		cookies: []string{"ai_session", "ai_user", "i18next", "refreshToken_VERIFIED_USER", "TS01e88579"},
	}, {
		name:  "public site again",
		do:    open("/"),
		ready: `document.getElementById('title') && document.getElementById('cg').shadowRoot.getElementById('cg-banner').hidden && document.getElementById('cookie-strip').hidden`,
		ran:   []string{"foraSiteRan", "matomoRan"},
	}}

	var cookies, storage []string
	for _, st := range steps {
		st.do(t, ctx)
		if !waitTrue(ctx, st.ready) {
			t.Fatalf("%s: the page is not as expected: %s", st.name, st.ready)
		}
		cookies, storage = union(cookies, st.cookies), union(storage, st.storage)
		s := waitState(t, ctx, foraCounters, func(s pageState) bool {
			for _, n := range st.ran {
				if s.ran[n] == 0 {
					return false
				}
			}
			return hasAll(s.jarNames(), cookies) && hasAll(s.storage, storage)
		})
		if err := chromedp.Do(ctx, chromedp.Sleep(100*time.Millisecond)); err != nil {
			t.Fatal(err)
		}
		s = readState(t, ctx, foraCounters)
		for _, n := range st.ran {
			if s.ran[n] == 0 {
				t.Errorf("%s: %s did not run", st.name, n)
			}
		}
		// Nothing undeclared, ever; and exactly what the pages so far set.
		for _, n := range s.jarNames() {
			if _, ok := p.DeclaredCookie(n); !ok && n != "cookie_consent" {
				t.Errorf("%s: the undeclared cookie %q is in the jar", st.name, n)
			}
		}
		for _, k := range s.storage {
			if d, ok := p.DeclaredCookie(k); !ok || d.Type != "html" {
				t.Errorf("%s: the undeclared storage key %q is set", st.name, k)
			}
		}
		if d := sameSet(s.jarNames(), cookies); d != "" {
			t.Errorf("%s: jar: %s", st.name, d)
		}
		if d := sameSet(s.storage, storage); d != "" {
			t.Errorf("%s: storage: %s", st.name, d)
		}

		switch st.name {
		case "public site, before OK":
			// The notice: information and one button, OK; nothing to choose.
			v, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.getElementById('cg').shadowRoot.querySelectorAll('#cg-banner button, #cg-banner input:not([type=hidden]), #cg-banner details')].map(e => e.localName + ':' + (e.value || '') + ':' + e.textContent.trim())`))
			if err != nil {
				t.Fatal(err)
			}
			if len(v) != 1 || v[0] != "button:accept_all:OK" {
				t.Errorf("the notice's controls: %q, want only the OK button", v)
			}
		case "OK in the notice":
			checkConsentCookie(t, s, "necessary")
		case "Månadsrapportering":
			// Declared for 1h, sent for 2h: the proxy caps it.
			c := s.jar["refreshToken_ACME_SAPEP"]
			if left := time.Until(time.Unix(int64(c.Expires), 0)); c.Session || left > time.Hour+time.Minute || left < time.Hour-time.Minute {
				t.Errorf("refreshToken_ACME_SAPEP expires in %v (session %v), want 1h", left.Round(time.Second), c.Session)
			}
		}
		for _, n := range []string{"__RequestVerificationToken", "com.sap.engine.security.authentication.original_application_url", "refreshToken_ACME_SAPEP", "refreshToken_VERIFIED_USER"} {
			if c, ok := s.jar[n]; ok && !c.HTTPOnly {
				t.Errorf("%s: %s is not HttpOnly", st.name, n)
			}
		}
	}

	// Every declared cookie was set somewhere along the way.
	for _, d := range p.Cookies {
		found := false
		for _, n := range append(slices.Clone(cookies), storage...) {
			if dd, ok := p.DeclaredCookie(n); ok && dd.Name == d.Name {
				found = true
			}
		}
		if !found {
			t.Errorf("the declared %s was never set by the demo", d.Name)
		}
	}

	// The declaration page lists them all, grouped by where they are used.
	seedNavigate(t, ctx, foraProxy+"/_consent/declaration?lang=sv")
	text, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range p.Cookies {
		if !strings.Contains(text, d.Name) {
			t.Errorf("the declaration page does not list %s", d.Name)
		}
	}
	for _, area := range []string{"Inloggning till Mina sidor", "E-tjänster utanför Mina sidor"} {
		if !strings.Contains(text, area) {
			t.Errorf("the declaration page does not name the area %q", area)
		}
	}
}
