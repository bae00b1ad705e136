//go:build browser && linux

package e2e

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/consentgate/consentgate/internal/testshared"
	"github.com/consentgate/consentgate/policy"
)

// The corpus pages in Chromium: each of the shared corpus's real pages (news
// sites, shops, blogs, with their trackers and their own scripts) served as
// it is by a loopback upstream, opened directly and through cookie_consent.
// Every host name resolves to 127.0.0.1, where nothing answers on 80 or 443:
// the pages' third-party requests fail at once, but are still seen.

// corpusPolicy lists the trackers the corpus pages load (bench/run.sh's
// policy); the test runs it with undeclared: allow, so that "everything
// granted" is everything (the pages test whether cookies work by writing one
// of a random name, which undeclared: block refuses whatever is granted).
const corpusPolicy = "../bench/config/policy.yaml"

// corpusSnapshotJS is what a visitor gets of a page, our own elements left
// out: its title, the elements of its body in document order (scripts and
// frames apart: the pages insert theirs before the first script, which is
// now our guard in the head), how many of each name there are, its scripts
// (for the message) and its rendered text.
const corpusSnapshotJS = `(() => {
	const ours = e => e.id == 'cg' || /\/_consent\//.test((e.getAttribute('src') || '') + ' ' + (e.getAttribute('href') || ''));
	const order = [], count = {}, scripts = [];
	for (const e of document.getElementsByTagName('*')) if (!ours(e)) {
		count[e.localName] = (count[e.localName] || 0) + 1;
		if (document.body && document.body.contains(e) && !/^(script|iframe)$/.test(e.localName)) order.push(e.localName);
		if (e.localName == 'script') scripts.push(e.getAttribute('src') || 'inline ' + e.textContent.slice(0, 60).replace(/\s+/g, ' '));
	}
	return {title: document.title, elements: order.join(' '), counts: Object.keys(count).sort().map(k => k + ':' + count[k]).join(' '),
		scripts: scripts.sort().join('\n'), text: document.body ? document.body.innerText : ''};
})()`

// corpusEveryRun are the pages the test opens on every run: Chromium's three
// loads of a page keep a CPU busy for seconds (two pages at a time were no
// faster on two cores), and all 46 take 6 minutes of CI. These are the ones
// whose scripts do the most with cookies, storage, document.write, workers
// and inserted elements, the largest, and one not in UTF-8;
// CONSENTGATE_CORPUS=all opens every page.
var corpusEveryRun = []string{
	"minify/amazon.html", "minify/bbc.html", "minify/wikipedia.html",
	"readability/breitbart.html", "readability/cnn.html", "readability/ehow-2.html",
	"readability/lazy-image-2.html", "readability/liberation-1.html", "readability/qq.html",
	"readability/spiceworks.html", "readability/wordpress.html", "readability/yahoo-4.html",
}

// settleJS waits until the page has added or removed no node for half a
// second (at most 5 s): what its scripts do after the load (a feature test
// in a worker, then a fallback script) is part of the page.
const settleJS = `new Promise(done => {
	let quiet;
	const o = new MutationObserver(() => { clearTimeout(quiet); quiet = setTimeout(end, 500); });
	const end = () => { o.disconnect(); done(true); };
	o.observe(document, {subtree: true, childList: true});
	quiet = setTimeout(end, 500);
	setTimeout(end, 5000);
})`

type corpusSnapshot struct {
	Title, Elements, Counts, Scripts, Text string
}

// corpusTab records, in the tab's message loop, the uncaught exceptions and
// every request the page makes.
type corpusTab struct {
	mu         sync.Mutex
	exceptions []corpusException
	requests   []string
}

type corpusException struct {
	text string
	ours bool // thrown in, or through, a script of ours (/_consent/)
}

func (tab *corpusTab) event(ev any) {
	tab.mu.Lock()
	defer tab.mu.Unlock()
	switch ev := ev.(type) {
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		ours := strings.Contains(d.URL, "/_consent/")
		if d.StackTrace != nil {
			for _, f := range d.StackTrace.CallFrames {
				ours = ours || strings.Contains(f.URL, "/_consent/")
			}
		}
		tab.exceptions = append(tab.exceptions, corpusException{exceptionText(d), ours})
	case *network.EventRequestWillBeSent:
		tab.requests = append(tab.requests, ev.Request.URL)
	}
}

// reset forgets what was recorded and returns it.
func (tab *corpusTab) reset() (exceptions []corpusException, requests []string) {
	tab.mu.Lock()
	defer tab.mu.Unlock()
	exceptions, requests = tab.exceptions, tab.requests
	tab.exceptions, tab.requests = nil, nil
	return exceptions, requests
}

// TestCorpusPagesInChromium: on the corpus pages (corpusEveryRun, or all),
//   - with every category granted the page is the page: the same title, the
//     same elements, the same text and the same uncaught exceptions as
//     without the proxy (a difference counts where a second direct load
//     agrees with the first);
//   - without consent no request goes to a host the policy blocks, no
//     exception comes from our scripts, the banner shows on top of the page,
//     and a real click on "Accept all" takes.
func TestCorpusPagesInChromium(t *testing.T) {
	src, err := os.ReadFile(corpusPolicy)
	if err != nil {
		t.Fatal(err)
	}
	policyFile := filepath.Join(t.TempDir(), "policy.yaml")
	if err := os.WriteFile(policyFile, bytes.Replace(src, []byte("\nundeclared: block\n"), []byte("\nundeclared: allow\n"), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	pol, err := policy.LoadFile(policyFile)
	if err != nil {
		t.Fatal(err)
	}
	if pol.Undeclared != "allow" {
		t.Fatalf("the test's policy blocks undeclared cookies: %q", pol.Undeclared)
	}
	corpusDir := filepath.Join(testshared.Dir(t), "corpus")
	pages := testshared.CorpusPages(t)
	if os.Getenv("CONSENTGATE_CORPUS") != "all" {
		pages = slices.DeleteFunc(pages, func(p string) bool {
			rel, _ := filepath.Rel(corpusDir, p)
			return !slices.Contains(corpusEveryRun, filepath.ToSlash(rel))
		})
		if len(pages) != len(corpusEveryRun) {
			t.Fatalf("%d of the %d pages of corpusEveryRun are in the corpus", len(pages), len(corpusEveryRun))
		}
		t.Logf("%d of the corpus pages (CONSENTGATE_CORPUS=all runs every one)", len(pages))
	}

	// The upstream: each page as a static server sends it (no charset, so
	// that the page's own <meta charset> counts), anything else 404.
	up := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rel := strings.TrimPrefix(r.URL.Path, "/")
		if !strings.HasSuffix(rel, ".html") || strings.Contains(rel, "..") {
			http.NotFound(w, r)
			return
		}
		body, err := os.ReadFile(filepath.Join(corpusDir, filepath.FromSlash(rel)))
		if err != nil {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html")
		w.Write(body)
	})}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go up.Serve(l)
	t.Cleanup(func() { up.Close() })
	upstream := "http://" + l.Addr().String()

	port := proxyWithPolicy(t, upstream, "", policyFile)
	proxy := fmt.Sprintf("http://localhost:%d", port)
	// Text and messages may name the page's own address (a tracker's URL
	// carries it): both hosts are written alike, plain and URL-encoded.
	var hosts []string
	for _, h := range []string{l.Addr().String(), fmt.Sprintf("localhost:%d", port)} {
		hosts = append(hosts, h, "{host}", url.QueryEscape(h), "{host}")
	}
	norm := strings.NewReplacer(hosts...)

	browser := startChromium(t)

	compared, ran := map[string]int{}, 0
	for _, path := range pages {
		rel, _ := filepath.Rel(corpusDir, path)
		rel = filepath.ToSlash(rel)
		t.Run(rel, func(t *testing.T) {
			ran++
			// Each visit is a first visit: a tab in a browser context of its
			// own (no cookies, no storage from before), recording as it goes.
			visit := func(consent string) (context.Context, *corpusTab) {
				t.Helper()
				tabCtx, closeTab := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
				t.Cleanup(closeTab)
				// The first action opens the tab and binds it to tabCtx (no timeout).
				if err := chromedp.Do(tabCtx, chromedp.EmulateViewport(1280, 900)); err != nil {
					t.Fatalf("opening a tab: %v", err)
				}
				tab := &corpusTab{}
				if err := chromedp.Listen(tabCtx, tab.event); err != nil {
					t.Fatal(err)
				}
				if consent != "" {
					if _, err := chromedp.Call(tabCtx, network.SetCookie, network.SetCookieParams{Name: "cookie_consent", Value: consent, URL: proxy + "/"}); err != nil {
						t.Fatal(err)
					}
				}
				ctx, cancel := context.WithTimeout(tabCtx, 60*time.Second)
				t.Cleanup(cancel)
				return ctx, tab
			}
			load := func(u, consent string) (corpusSnapshot, []corpusException) {
				t.Helper()
				ctx, tab := visit(consent)
				run(t, ctx, chromedp.Navigate(u), waitJS(`document.readyState == 'complete'`))
				evalJS[bool](t, ctx, settleJS)
				snap := evalJS[corpusSnapshot](t, ctx, corpusSnapshotJS)
				snap.Title, snap.Text = norm.Replace(snap.Title), norm.Replace(snap.Text)
				ex, _ := tab.reset()
				return snap, ex
			}

			direct1, ex1 := load(upstream+"/"+rel, "")

			// A first visit through the proxy.
			ctx, tab := visit("")
			run(t, ctx, chromedp.Navigate(proxy+"/"+rel), waitBannerReady())
			evalJS[bool](t, ctx, settleJS)
			none := evalJS[corpusSnapshot](t, ctx, corpusSnapshotJS)
			exNone, reqNone := tab.reset()
			for _, u := range reqNone {
				pu, err := url.Parse(u)
				if err != nil || pu.Host == "" || pu.Hostname() == "localhost" {
					continue
				}
				if _, blocked := pol.BlockerFor(u, "localhost", nil); blocked {
					t.Errorf("without consent the page asked for %s, which the policy blocks", u)
				}
			}
			for _, e := range exNone {
				if e.ours {
					t.Errorf("without consent, an exception from our scripts: %s", e.text)
				}
			}
			// The banner is on top where its buttons are, and a real click on
			// "Accept all" (at the button's place on screen) takes.
			accept := `document.getElementById('cg').shadowRoot.querySelector('#cg-banner button[value=accept_all]')`
			if top := evalJS[string](t, ctx, `(b => { const r = b.getBoundingClientRect(), e = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
				return e ? (e.id || e.localName) : 'nothing'; })(`+accept+`)`); top != "cg" {
				t.Errorf("the banner's Accept all button is under the page's %s", top)
			}
			run(t, ctx, chromedp.Click(chromedp.JSPath(accept)),
				waitJS(`document.getElementById('cg').shadowRoot.getElementById('cg-banner').hidden && /cookie_consent=/.test(document.cookie)`))
			consent := ""
			cookies, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{proxy + "/"}})
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range cookies.Cookies {
				if c.Name == "cookie_consent" {
					consent = c.Value
				}
			}
			if consent == "" {
				t.Fatal("no consent cookie after Accept all")
			}

			// Every category granted: the page as it is. Where the two differ,
			// a second direct load tells the proxy's difference from the page's
			// own (a clock, a random teaser, a state kept from the first load):
			// an aspect the page itself changes is not compared.
			granted, exGranted := load(proxy+"/"+rel, consent)
			direct := corpusAspects(direct1, ex1, norm)
			got := corpusAspects(granted, exGranted, norm)
			// Without consent, the visitor reads what everyone reads: the
			// trackers' requests fail here either way, so nothing held back
			// takes text away. (A <style> with a tracker's url() stays a style
			// sheet: breitbart.html's Taboola and AddThis styles hide duplicates
			// of their widgets' text.)
			got["text without consent"] = norm.Replace(none.Text)
			var again map[string]string
			for _, aspect := range corpusAspectNames {
				if _, ok := direct[aspect]; !ok {
					continue
				}
				if got[aspect] == direct[aspect] {
					compared[aspect]++
					continue
				}
				if again == nil {
					direct2, ex2 := load(upstream+"/"+rel, "")
					again = corpusAspects(direct2, ex2, norm)
				}
				if again[aspect] != direct[aspect] {
					continue
				}
				compared[aspect]++
				t.Errorf("%s differ: %s", aspect, firstDifference(direct[aspect], got[aspect]))
				if aspect == "counts" {
					t.Errorf("scripts: %s", firstDifference(direct1.Scripts, granted.Scripts))
				}
			}
		})
	}
	// Each aspect is compared on nearly every page: a page that changes from
	// one load to the next (a clock, a random teaser) is left out of that one.
	for _, aspect := range corpusAspectNames {
		if n := compared[aspect]; n < ran*9/10 {
			t.Errorf("%s compared on %d of %d pages only", aspect, n, ran)
		}
	}
	t.Logf("compared on %d pages: %v", ran, compared)
}

var corpusAspectNames = []string{"title", "elements", "counts", "text", "exceptions", "text without consent"}

// corpusAspects is what is compared of a load, by aspect (the text without
// consent is compared with the text of a direct load).
func corpusAspects(s corpusSnapshot, ex []corpusException, norm *strings.Replacer) map[string]string {
	return map[string]string{"title": s.Title, "elements": s.Elements, "counts": s.Counts, "text": s.Text,
		"exceptions": strings.Join(exceptionTexts(ex, norm), "\n"), "text without consent": s.Text}
}

// exceptionTexts lists the exceptions' messages, sorted, with the two
// hosts written alike.
func exceptionTexts(ex []corpusException, norm *strings.Replacer) []string {
	var out []string
	for _, e := range ex {
		out = append(out, norm.Replace(e.text))
	}
	slices.Sort(out)
	return out
}
