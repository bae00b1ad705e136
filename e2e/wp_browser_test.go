//go:build browser && linux

package e2e

import (
	"context"
	"fmt"
	"math"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/cdproto/storage"
	"github.com/chromedp/chromedp"
)

// Browser tabs for the WordPress test: each in a browser context of its own
// (its own cookie jar and storage, as another person's browser), on one of
// the two sites, recording what a failure message needs.

// wpTab is one tab on one site.
type wpTab struct {
	ctx  context.Context
	site *wpSite

	mu      sync.Mutex
	console []string       // console errors and uncaught exceptions, in order
	traffic []string       // documents, XHR and fetch: "METHOD url -> status type"
	pending map[string]int // request id -> index in traffic
}

func newWPTab(t *testing.T, browser context.Context, site *wpSite) *wpTab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	tab := &wpTab{ctx: ctx, site: site, pending: map[string]int{}}
	// The first action opens the tab and binds it to ctx (no timeout).
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900)); err != nil {
		t.Fatalf("opening a tab: %v", err)
	}
	if err := chromedp.Listen(ctx, tab.event); err != nil {
		t.Fatal(err)
	}
	return tab
}

// event runs in the tab's message loop: record and return.
func (tab *wpTab) event(ev any) {
	tab.mu.Lock()
	defer tab.mu.Unlock()
	switch ev := ev.(type) {
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		tab.console = append(tab.console, fmt.Sprintf("exception: %s (%s:%d)", exceptionText(d), d.URL, d.LineNumber))
	case *runtime.EventConsoleAPICalled:
		if ev.Type != "error" && ev.Type != "assert" {
			return
		}
		var parts []string
		for _, a := range ev.Args {
			if a.Description != "" {
				parts = append(parts, a.Description)
			} else {
				parts = append(parts, strings.Trim(string(a.Value), `"`))
			}
		}
		tab.console = append(tab.console, "console."+string(ev.Type)+": "+firstLine(strings.Join(parts, " ")))
	case *log.EventEntryAdded:
		if ev.Entry.Level == log.EntryLevelError {
			tab.console = append(tab.console, fmt.Sprintf("%s: %s %s", ev.Entry.Source, ev.Entry.Text, ev.Entry.URL))
		}
	case *network.EventRequestWillBeSent:
		switch ev.Type {
		case network.ResourceTypeDocument, network.ResourceTypeXHR, network.ResourceTypeFetch:
		default:
			return
		}
		tab.pending[string(ev.RequestID)] = len(tab.traffic)
		tab.traffic = append(tab.traffic, ev.Request.Method+" "+ev.Request.URL)
	case *network.EventResponseReceived:
		if i, ok := tab.pending[string(ev.RequestID)]; ok {
			tab.traffic[i] += fmt.Sprintf(" -> %d %s", ev.Response.Status, ev.Response.MimeType)
			delete(tab.pending, string(ev.RequestID))
		}
	}
}

// exceptionText is an uncaught exception's message, in one line ("Uncaught
// TypeError: ...").
func exceptionText(d *runtime.ExceptionDetails) string {
	text := d.Text
	if d.Exception != nil && d.Exception.Description != "" {
		text += " " + d.Exception.Description
	}
	return firstLine(text)
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

// mark is a point in the tab's records, to read what came after it.
type wpMark struct{ console, traffic int }

func (tab *wpTab) mark() wpMark {
	tab.mu.Lock()
	defer tab.mu.Unlock()
	return wpMark{len(tab.console), len(tab.traffic)}
}

// consoleSince lists the console errors since m, with the site's origin
// written as {origin}, so that the two sites' lists compare.
func (tab *wpTab) consoleSince(m wpMark) []string {
	tab.mu.Lock()
	defer tab.mu.Unlock()
	var out []string
	for _, c := range tab.console[m.console:] {
		out = append(out, tab.site.normalise(c))
	}
	return out
}

func (tab *wpTab) trafficSince(m wpMark) []string {
	tab.mu.Lock()
	defer tab.mu.Unlock()
	return slices.Clone(tab.traffic[m.traffic:])
}

// normalise writes the sites' own names as placeholders, whichever site
// they belong to (the two share one database, so one site's pages show what
// was done through the other): the hosts, in every escaping WordPress uses
// (JSON escapes the slashes, URLs percent-encode the colon), the site names
// the flows write as "[plain]" and "[consent]", and the owners' user names.
func (s *wpSite) normalise(v string) string { return s.norm.Replace(v) }

// --- actions

func (tab *wpTab) do(ctx context.Context, steps ...chromedp.Action[chromedp.Void]) error {
	return chromedp.Do(ctx, steps...)
}

func wpEval[T any](ctx context.Context, js string) (T, error) {
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		return v, fmt.Errorf("%.80s: %w", js, err)
	}
	return v, nil
}

// waitJS polls an expression until it is true.
func wpWaitJS(ctx context.Context, js string, timeout time.Duration) error {
	err := chromedp.Do(ctx, chromedp.Poll[chromedp.Void](js, chromedp.WithPollingTimeout(timeout), chromedp.WithPollingInterval(50*time.Millisecond)))
	if err != nil {
		return fmt.Errorf("waiting %v for %s: %w", timeout, js, err)
	}
	return nil
}

// waitAcrossNavigation is waitJS for a page that may be navigating:
// evaluations fail while it does, and are tried again.
func wpWaitAcrossNavigation(ctx context.Context, js string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	var err error
	for time.Now().Before(deadline) {
		var done bool
		if done, err = wpEval[bool](ctx, js); err == nil && done {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("waiting %v for %s (last error: %v)", timeout, js, err)
}

// open navigates to a path of the tab's site and waits for the page to load.
func (tab *wpTab) open(ctx context.Context, path string) error {
	if err := tab.do(ctx, chromedp.Navigate(tab.site.url(path)), chromedp.WaitReady(chromedp.CSS("body"))); err != nil {
		return fmt.Errorf("opening %s: %w", path, err)
	}
	return wpWaitJS(ctx, `document.readyState === "complete"`, 20*time.Second)
}

// fill types a value into a form field, replacing what it had, the way a
// person does (focus, select all, type), and checks that the field has it:
// page scripts that move the focus while one types (wp-login.php focuses its
// user field 200 ms after it loads) would otherwise send the keys elsewhere.
func (tab *wpTab) fill(ctx context.Context, fields ...[2]string) error {
	check := func() (bool, error) {
		for _, f := range fields {
			got, err := wpEval[string](ctx, `document.querySelector(`+strconv.Quote(f[0])+`).value`)
			if err != nil || got != f[1] {
				return false, err
			}
		}
		return true, nil
	}
	for attempt := 0; attempt < 3; attempt++ {
		for _, f := range fields {
			if err := tab.do(ctx, chromedp.WaitVisible(chromedp.CSS(f[0]))); err != nil {
				return err
			}
			if _, err := wpEval[chromedp.Void](ctx, `(e => { e.focus(); e.select(); })(document.querySelector(`+strconv.Quote(f[0])+`))`); err != nil {
				return err
			}
			if err := tab.do(ctx, chromedp.KeyEvent(f[1])); err != nil {
				return err
			}
		}
		if ok, err := check(); err != nil || ok {
			return err
		}
	}
	return fmt.Errorf("the fields %q do not keep what was typed", fields)
}

// clickToNewPage clicks and waits for the next page to have loaded (a
// marker set on the old page is gone).
func (tab *wpTab) clickToNewPage(ctx context.Context, sel string) error {
	if _, err := wpEval[chromedp.Void](ctx, `window.e2eOldPage = true`); err != nil {
		return err
	}
	if err := tab.do(ctx, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible)); err != nil {
		return fmt.Errorf("clicking %s: %w", sel, err)
	}
	if err := wpWaitAcrossNavigation(ctx, `!window.e2eOldPage && document.readyState === "complete"`, 20*time.Second); err != nil {
		return fmt.Errorf("no new page after clicking %s: %w", sel, err)
	}
	return nil
}

// location is the page's path, query and fragment.
func (tab *wpTab) location(ctx context.Context) string {
	loc, err := wpEval[string](ctx, `location.pathname + location.search + location.hash`)
	if err != nil {
		return "(" + err.Error() + ")"
	}
	return loc
}

// wpBannerRootJS is where the banner's elements are: the shadow root of its
// container when it has one, else the document.
const wpBannerRootJS = `((c) => (c && c.shadowRoot) || document)(document.getElementById('cg'))`

// wpInBanner selects an element of the banner.
func wpInBanner(sel string) chromedp.JSPath {
	return chromedp.JSPath(wpBannerRootJS + `.querySelector(` + strconv.Quote(sel) + `)`)
}

// ourMarkup counts consentgate's elements in the page (the guard, the
// banner's stylesheet, script and container): a flow that changes the page
// by script must not add any.
const wpOurMarkupJS = `document.querySelectorAll('script[src*="/_consent/"], link[href*="/_consent/"], #cg, #cg-banner').length`

// wpCookie is a cookie of the tab's jar as the outcome shows it.
type wpCookie struct {
	name     string
	path     string
	httpOnly bool
	lifetime string // "session", or whole days
}

// jar reads the tab's cookies for its site through the DevTools protocol
// (HttpOnly ones too, not document.cookie, which the guard patches).
func (tab *wpTab) jar(ctx context.Context) (map[string]wpCookie, error) {
	id := chromedp.FromContext(tab.ctx).BrowserContextID
	res, err := chromedp.CallBrowser(ctx, storage.GetCookies, storage.GetCookiesParams{BrowserContextID: id})
	if err != nil {
		return nil, fmt.Errorf("reading the jar: %w", err)
	}
	host, _, _ := strings.Cut(tab.site.host, ":")
	out := map[string]wpCookie{}
	now := float64(time.Now().Unix())
	for _, c := range res.Cookies {
		if c.Domain != host {
			continue
		}
		life := "session"
		if !c.Session {
			life = fmt.Sprintf("%dd", int(math.Round((c.Expires-now)/86400)))
		}
		out[c.Name+" "+c.Path] = wpCookie{name: c.Name, path: c.Path, httpOnly: c.HTTPOnly, lifetime: life}
	}
	return out, nil
}

var wpCookieHash = regexp.MustCompile(`_[0-9a-f]{32}$`)

// jarSummary lists the cookies whose names start with one of prefixes, with
// WordPress's per-site hash written as _#: "name path httponly lifetime".
func (tab *wpTab) jarSummary(ctx context.Context, prefixes ...string) (string, error) {
	jar, err := tab.jar(ctx)
	if err != nil {
		return "", err
	}
	var lines []string
	for _, c := range jar {
		for _, p := range prefixes {
			if strings.HasPrefix(c.name, p) {
				name := wpCookieHash.ReplaceAllString(c.name, "_#")
				lines = append(lines, fmt.Sprintf("%s %s httponly=%v %s", name, c.path, c.httpOnly, c.lifetime))
				break
			}
		}
	}
	sort.Strings(lines)
	return strings.Join(lines, "; "), nil
}

// jarNames is the set of cookie names in the tab's jar for its site.
func (tab *wpTab) jarNames(ctx context.Context) (map[string]bool, error) {
	jar, err := tab.jar(ctx)
	if err != nil {
		return nil, err
	}
	names := map[string]bool{}
	for _, c := range jar {
		names[c.name] = c.httpOnly || names[c.name]
	}
	return names, nil
}

// --- comparing the two sites

// wpOutcome is what a flow ended with, as strings with the site's own names
// normalised away: it must be the same through both sites.
type wpOutcome map[string]string

// wpFlow does one thing a person does on the site, the same way on either
// site. An error means it could not be done at all.
type wpFlow func(ctx context.Context, tab *wpTab) (wpOutcome, error)

// sameOutcome runs a flow through the plain site and then through the
// proxy. The plain run must work (else the test is wrong: Fatal); through the
// proxy the flow must work, end with the same outcome and add no console
// error. A failure through the proxy is logged with what the browser did
// and what consentgate decided meanwhile.
func (wp *wpEnv) sameOutcome(t *testing.T, plain, consent *wpTab, flow wpFlow) {
	t.Helper()
	run := func(tab *wpTab) (wpOutcome, []string, error) {
		ctx, cancel := context.WithTimeout(tab.ctx, 90*time.Second)
		defer cancel()
		m := tab.mark()
		out, err := flow(ctx, tab)
		for k, v := range out {
			out[k] = tab.site.normalise(v)
		}
		return out, tab.consoleSince(m), err
	}
	want, plainConsole, err := run(plain)
	if err != nil {
		t.Fatalf("on the plain site (the test is wrong, not consentgate): %v\nconsole: %q\ntraffic:\n  %s",
			err, plainConsole, strings.Join(plain.trafficSince(wpMark{}), "\n  "))
	}
	logOffset := wp.consentLogSize()
	m := consent.mark()
	got, consentConsole, err := run(consent)
	failed := false
	if err != nil {
		t.Errorf("through consentgate the flow failed: %v", err)
		failed = true
	} else {
		for _, k := range wpSortedKeys(want, got) {
			if want[k] != got[k] {
				failed = true
				if len(want[k]) > 200 || len(got[k]) > 200 {
					t.Errorf("%s differs: %s", k, firstDifference(want[k], got[k]))
				} else {
					t.Errorf("%s: %q through consentgate, %q on the plain site", k, got[k], want[k])
				}
			}
		}
	}
	if extra := wpMissing(plainConsole, consentConsole); len(extra) > 0 {
		failed = true
		t.Errorf("console errors through consentgate that the plain site does not have:\n  %s", strings.Join(extra, "\n  "))
	}
	if failed {
		ctx, cancel := context.WithTimeout(consent.ctx, 5*time.Second)
		defer cancel()
		t.Logf("through consentgate, the page is at %s", consent.location(ctx))
		t.Logf("requests of the flow through consentgate:\n  %s", strings.Join(wpLast(consent.trafficSince(m), 40), "\n  "))
		t.Logf("what consentgate decided meanwhile:\n  %s", strings.Join(wpLast(wp.consentLogSince(logOffset), 60), "\n  "))
	}
}

func wpSortedKeys(a, b wpOutcome) []string {
	var keys []string
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}

// wpMissing lists the entries of got that want does not have (as many times
// as they are extra).
func wpMissing(want, got []string) []string {
	count := map[string]int{}
	for _, w := range want {
		count[w]++
	}
	var extra []string
	for _, g := range got {
		if count[g] > 0 {
			count[g]--
			continue
		}
		extra = append(extra, g)
	}
	return extra
}

func wpLast(s []string, n int) []string {
	if len(s) > n {
		return append([]string{fmt.Sprintf("(%d earlier)", len(s)-n)}, s[len(s)-n:]...)
	}
	return s
}
