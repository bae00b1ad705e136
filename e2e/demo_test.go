//go:build browser

package e2e

import (
	"context"
	"fmt"
	"net"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig"
	_ "github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	_ "github.com/caddyserver/caddy/v2/modules/standard"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	_ "github.com/consentgate/consentgate/caddymodule"
	"github.com/consentgate/consentgate/internal/testshared"
)

// The demo tests run the shipped Caddyfile.example — the proxy on :8080 in
// front of the legacy site on :8081, fake trackers on :8082 — in this
// process, and drive it with real Chromium, as a visitor would.

const demo = "http://localhost:8080"

// demoSetup changes the demo for one test: another policy file, more
// cookie_consent options, Caddy's log as JSON at info into a file.
type demoSetup struct {
	policy, options, log string
}

func startDemo(t *testing.T, setup ...demoSetup) {
	t.Helper()
	// The previous test's Caddy may still be letting go of the ports.
	for _, port := range []string{"8080", "8081", "8082"} {
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
	src, err := os.ReadFile("../Caddyfile.example")
	if err != nil {
		t.Fatal(err)
	}
	global := "admin off\n\tgrace_period 100ms"
	cfg := string(src)
	for _, s := range setup {
		if s.log != "" {
			global += "\n\tlog {\n\t\toutput file " + s.log + "\n\t\tformat json\n\t\tlevel INFO\n\t}"
		}
		if s.policy != "" {
			cfg = strings.Replace(cfg, "policy examples/legacy-site/policy.yaml", "policy "+s.policy+"\n\t\t"+s.options, 1)
		}
	}
	cfg = strings.Replace(cfg, "admin localhost:2019", global, 1)
	cfg = strings.ReplaceAll(cfg, "examples/", "../examples/")
	runCaddyfile(t, cfg, "8080")
}

// runCaddyfile adapts a Caddyfile, loads it into this process's Caddy, stops
// Caddy when the test ends, and waits until the proxy listens on port.
func runCaddyfile(t *testing.T, cfg, port string) {
	t.Helper()
	adapted, _, err := caddyconfig.GetAdapter("caddyfile").Adapt([]byte(cfg), nil)
	if err != nil {
		t.Fatalf("adapting: %v\n%s", err, cfg)
	}
	if err := caddy.Load(adapted, true); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = caddy.Stop() })
	for i := 0; ; i++ {
		if c, err := net.Dial("tcp", "127.0.0.1:"+port); err == nil {
			c.Close()
			return
		}
		if i == 100 {
			t.Fatalf("nothing listens on port %s", port)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// proxyInFront runs cookie_consent with the legacy site's policy in front of upstream
// (an http:// URL) at http://localhost:PORT, after the site directives in before (such
// as "encode gzip"), and returns PORT.
func proxyInFront(t *testing.T, upstream, before string) int {
	return proxyWithPolicy(t, upstream, before, "../examples/legacy-site/policy.yaml")
}

// proxyWithPolicy is proxyInFront with another policy file.
func proxyWithPolicy(t *testing.T, upstream, before, policyFile string) int {
	port := testshared.FreePort(t)
	runCaddyfile(t, fmt.Sprintf(`{
	admin off
	grace_period 100ms
}
http://localhost:%d {
	%s
	cookie_consent {
		policy %s
	}
	reverse_proxy %s
}
`, port, before, policyFile, strings.TrimPrefix(upstream, "http://")), fmt.Sprint(port))
	return port
}

// demoVisitor starts the demo and a browser for one test.
func demoVisitor(t *testing.T) context.Context {
	startDemo(t)
	ctx, cancel := context.WithTimeout(startChromium(t), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// demoJar lists the browser's cookies for the demo site, name → HttpOnly,
// read through CDP (HttpOnly ones included), not document.cookie.
func demoJar(t *testing.T, ctx context.Context) map[string]bool {
	t.Helper()
	names := map[string]bool{}
	for _, c := range jar(t, ctx) {
		if c.Domain == "localhost" {
			names[c.Name] = c.HTTPOnly
		}
	}
	return names
}

func jarNames(m map[string]bool) []string {
	var names []string
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func evalInt(t *testing.T, ctx context.Context, js string) int {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[int](js))
	if err != nil {
		t.Fatalf("%s: %v", js, err)
	}
	return v
}

var trackingCookies = []string{"_ga", "_ga_DEMO1234", "FPID", "_gcl_au", "lang", "visitor_fingerprint", "ad_id"}

func assertNoTracking(t *testing.T, ctx context.Context, when string) {
	t.Helper()
	got := demoJar(t, ctx)
	for _, name := range trackingCookies {
		if _, ok := got[name]; ok {
			t.Errorf("%s: tracking cookie %s is in the jar (jar: %v)", when, name, jarNames(got))
		}
	}
	if n := evalInt(t, ctx, "window.demoTrackerRan || 0"); n != 0 {
		t.Errorf("%s: the tracker ran %d times", when, n)
	}
}

func TestDemoFirstVisitAcceptRejectWithdraw(t *testing.T) {
	ctx := demoVisitor(t)

	// First visit: the banner shows, nothing tracks.
	if err := chromedp.Do(ctx,
		chromedp.Navigate(demo+"/"),
		chromedp.WaitVisible(inBanner(`#cg-banner`)),
	); err != nil {
		t.Fatal(err)
	}
	assertNoTracking(t, ctx, "first visit")
	if got := demoJar(t, ctx); !got["JSESSIONID"] {
		t.Errorf("the necessary HttpOnly JSESSIONID is missing: %v", jarNames(got))
	}

	// Accept all: the held-back tracker runs now, without a reload.
	if err := chromedp.Do(ctx,
		chromedp.Evaluate[chromedp.Void](`window.beforeClick = 1`),
		chromedp.Click(inBanner(`#cg-banner button[value="accept_all"]`)),
		chromedp.WaitNotVisible(inBanner(`#cg-banner`)),
		chromedp.Poll[chromedp.Void](`window.demoTrackerRan === 1`, chromedp.WithPollingTimeout(10*time.Second)),
	); err != nil {
		t.Fatalf("accept all: %v", err)
	}
	if evalInt(t, ctx, "window.beforeClick || 0") != 1 {
		t.Error("the page reloaded on accept")
	}
	got := demoJar(t, ctx)
	for _, name := range []string{"_ga", "_ga_DEMO1234", "cookie_consent"} {
		if _, ok := got[name]; !ok {
			t.Errorf("after accept all, %s is missing: %v", name, jarNames(got))
		}
	}

	// The next page view brings the server's cookies, HttpOnly FPID included.
	if err := chromedp.Do(ctx, chromedp.Navigate(demo+"/about.html"), chromedp.WaitReady(chromedp.CSS("body"))); err != nil {
		t.Fatal(err)
	}
	got = demoJar(t, ctx)
	if httpOnly, ok := got["FPID"]; !ok || !httpOnly {
		t.Fatalf("with consent, the HttpOnly FPID should be set: %v", jarNames(got))
	}

	// Withdraw in settings: the cookies go, HttpOnly ones too, and the page reloads.
	if err := chromedp.Do(ctx,
		chromedp.Evaluate[chromedp.Void](`window.beforeWithdraw = 1`),
		chromedp.Click(inBanner(`#cg-open`)),
		chromedp.WaitVisible(inBanner(`#cg-c-statistics`)),
	); err != nil {
		t.Fatalf("opening the settings: %v", err)
	}
	if err := chromedp.Do(ctx, chromedp.Click(inBanner(`#cg-settings button.cg-withdraw`))); err != nil {
		t.Fatalf("withdraw: %v", err)
	}
	// The page reloads: the marker set before is gone.
	for i := 0; ; i++ {
		done, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.readyState === "complete" && !window.beforeWithdraw`))
		if err == nil && done {
			break
		}
		if i == 100 {
			t.Fatal("the page did not reload after the withdrawal")
		}
		time.Sleep(50 * time.Millisecond)
	}
	assertNoTracking(t, ctx, "after withdrawal")
}

func TestDemoRejectAllKeepsEverythingOut(t *testing.T) {
	ctx := demoVisitor(t)
	if err := chromedp.Do(ctx,
		chromedp.Navigate(demo+"/"),
		chromedp.Click(inBanner(`#cg-banner button[value="reject_all"]`)),
		chromedp.WaitNotVisible(inBanner(`#cg-banner`)),
		chromedp.Navigate(demo+"/dynamic.html"),
		chromedp.WaitReady(chromedp.CSS("body")),
		chromedp.Sleep(300*time.Millisecond),
	); err != nil {
		t.Fatal(err)
	}
	assertNoTracking(t, ctx, "after reject all")
	if got := demoJar(t, ctx); !slices.Contains(jarNames(got), "cookie_consent") {
		t.Errorf("the consent cookie is missing: %v", jarNames(got))
	}
}

func TestDemoRuntimeTrackerHeldBackUntilConsent(t *testing.T) {
	ctx := demoVisitor(t)
	if err := chromedp.Do(ctx,
		chromedp.Navigate(demo+"/dynamic.html"),
		chromedp.WaitVisible(inBanner(`#cg-banner`)),
		chromedp.Sleep(300*time.Millisecond),
	); err != nil {
		t.Fatal(err)
	}
	held := evalInt(t, ctx, `document.querySelectorAll('[data-consent]').length`)
	assertNoTracking(t, ctx, "a tracker injected at run time")
	if held < 2 {
		t.Errorf("%d elements held back, want the injected script and pixel", held)
	}
	if err := chromedp.Do(ctx,
		chromedp.Click(inBanner(`#cg-banner button[value="accept_all"]`)),
		chromedp.Poll[chromedp.Void](`window.demoTrackerRan === 1`, chromedp.WithPollingTimeout(10*time.Second)),
	); err != nil {
		t.Fatalf("the injected tracker did not run after consent: %v", err)
	}
}

func TestDemoKeyboardOnly(t *testing.T) {
	ctx := demoVisitor(t)
	if err := chromedp.Do(ctx,
		chromedp.Navigate(demo+"/"),
		chromedp.WaitVisible(inBanner(`#cg-banner`)),
	); err != nil {
		t.Fatal(err)
	}
	// Tab until the focus is on "accept all", then press Enter.
	found := false
	for i := 0; i < 40 && !found; i++ {
		if err := chromedp.Do(ctx, chromedp.KeyEvent(kb.Tab)); err != nil {
			t.Fatal(err)
		}
		v, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.activeElement.shadowRoot ? document.activeElement.shadowRoot.activeElement : document.activeElement).value || ""`))
		if err != nil {
			t.Fatal(err)
		}
		found = v == "accept_all"
	}
	if !found {
		t.Fatal("Tab never reached the accept-all button")
	}
	if err := chromedp.Do(ctx,
		chromedp.KeyEvent(kb.Enter),
		chromedp.WaitNotVisible(inBanner(`#cg-banner`)),
		chromedp.Poll[chromedp.Void](`window.demoTrackerRan === 1`, chromedp.WithPollingTimeout(10*time.Second)),
	); err != nil {
		t.Fatalf("Enter on accept all: %v", err)
	}
}

// TestDemoChatPlaceholder: the demo's chat widget (an iframe of the
// preferences category) waits behind a placeholder of its size; its button
// allows preferences and loads the chat in its place, without a reload, and
// nothing else.
func TestDemoChatPlaceholder(t *testing.T) {
	ctx := demoVisitor(t)
	run(t, ctx, chromedp.Navigate(demo+"/?lang=en"), waitBannerReady())
	phs := evalJS[[]placeholderInfo](t, ctx, placeholdersJS)
	if len(phs) != 1 {
		t.Fatalf("%d placeholders, want the chat's: %+v", len(phs), phs)
	}
	p := phs[0]
	if p.Category != "preferences" || p.Title != "Content from chat.localhost" || p.Text != "It is shown once you allow Preferences cookies." ||
		p.Button != "Allow Preferences and load" || p.Box[2] != 304 || p.Box[3] != 124 || p.EmbedBox[2] != 0 {
		t.Errorf("the chat's placeholder: %+v", p)
	}
	run(t, ctx, chromedp.Evaluate[chromedp.Void](`window.beforeClick = 1`), clickPlaceholder(0),
		waitJS(`document.querySelectorAll('[data-cg-ph]').length == 0 && document.querySelector('iframe[src*="chat.localhost"]')`))
	boxes := evalJS[map[string][4]float64](t, ctx, embedBoxesJS)
	if b := boxes["http://chat.localhost:8082/widget.html"]; !sameBox(b, p.Box) {
		t.Errorf("the chat loaded at %v, its placeholder was at %v", b, p.Box)
	}
	if evalInt(t, ctx, "window.beforeClick || 0") != 1 {
		t.Error("the page reloaded")
	}
	if evalInt(t, ctx, "window.demoTrackerRan || 0") != 0 {
		t.Error("allowing preferences ran the statistics tag")
	}
	if got := evalJS[[]string](t, ctx, `consentgate.granted()`); !slices.Equal(got, []string{"necessary", "preferences"}) {
		t.Errorf("granted after allowing preferences: %v", got)
	}
	if got := demoJar(t, ctx); !slices.Contains(jarNames(got), "cookie_consent") {
		t.Errorf("no consent recorded: %v", jarNames(got))
	}
}
