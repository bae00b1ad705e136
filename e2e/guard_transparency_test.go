//go:build browser

package e2e

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// The guard's promise to a site: its own legitimate scripts behave exactly
// as without the proxy. TestGuardTransparency loads the same battery page
// directly from the upstream and through Caddy, for a visitor who has not
// chosen and for one who accepted everything, and compares the result of
// every case: document.write of markup that is cut or quoted in odd places,
// text set to null, the natives' own argument checks, localStorage as the
// page sees it, cookie feature detection, and whether wrapped natives look
// native.

// transparencyWrites: the document.write cases, each a page of its own
// (/write/N: the case in <div id=w>, whose markup it ends with) that the
// battery loads in a frame, so that one that takes the rest of its page
// spoils no other.
var transparencyWrites = []string{
	`<script>document.write("<!-- it's a comment -->"); document.write('<i>after comment</i>')</script>`,
	`<script>document.write("<img alt=don't src=/img.png>"); document.write('<i>after img</i>')</script>`,
	`<script>document.write('<script>var s = "it\'s <b"; window.__v = s<\/script><i>after</i>')</script>`,
	`<script>document.write('1 <')</script>`,
	`<script>document.write(1, null, undefined)</script>`,
	`<script>try { document.write(Symbol()) } catch (e) { document.write('threw ' + e.name) }</script>`,
	`<script>document.write('<b'); document.write(' id=b7>bold</b>')</script>`,
	`<script>document.writeln('<textarea>it\'s <b>'); document.write('</textarea><u>u</u>')</script>`,
	`<script>document.write('<b title="a>b')</script>c">x</b>`,
	`<script>document.write('<p>tail <')</script>i>italic</i>`,
	`<script>document.write('<style>p::after { content: "it\'s" }</style><s>s</s>')</script>`,
	`<script>document.write('<a href=/x title=\'q\'>a</a> "<b>b</b>')</script>`,
	`<script>document.write("<!-- don't"); document.write(' -->'); document.write('<i>i</i>')</script>`,
	`<script>document.write('<script>window.__v = "a<'); document.write('b"<\/script><i>i</i>')</script>`,
	`<script>document.write('<scr'); document.write('ipt>window.__v = 1<\/script>')</script>`,
	`<script>document.write('<img src=/img.png alt=x ')</script>`,
	`<script>document.write('<title>it\'s <b></title><i>i</i>')</script>`,
}

// transparencyBattery: every case's result (or the name of what it threw)
// in window.results; the write cases' pages load in frames. {NW} is the
// number of write cases.
const transparencyBattery = `<!DOCTYPE html>
<html><head><title>battery</title></head>
<body>
<script>
window.results = {};
const T = async (k, f) => {
	try {
		results[k] = String(await Promise.race([f(), new Promise(r => setTimeout(r, 3000, 'timed out'))]));
	} catch (e) {
		results[k] = 'threw ' + e.name;
	}
};
const $ = id => document.getElementById(id);
const el = () => document.createElement('p');
const frame = () => {
	const f = document.createElement('iframe');
	document.body.append(f);
	return f.contentDocument;
};
const ts = f => Function.prototype.toString.call(f);
const look = f => [f.name, f.length, 'prototype' in f, ts(f)].join('|');
(async () => {
	localStorage.clear();
	for (let i = 0; i < {NW}; i++) await T('write ' + i, () => new Promise(r => {
		const f = document.createElement('iframe');
		f.src = '/write/' + i;
		f.onload = () => {
			// (The proxy's own elements, which an unclosed tag may take in, left out.)
			const d = f.contentDocument, w = d.getElementById('w'), c = w && w.cloneNode(true);
			if (c) c.querySelectorAll('[href*="/_consent/"], [src*="/_consent/"], #cg').forEach(e => e.remove());
			r((c ? c.innerHTML.replace(/\s+/g, ' ').trim() : 'no div') + ' | after: ' + !!d.getElementById('after') + (d.defaultView.__v ? ' | __v: ' + d.defaultView.__v : ''));
		};
		document.body.append(f);
	}));
	await T('open: comment then markup', () => {
		const d = frame();
		d.open();
		d.write("<!-- don't -->");
		d.write('<p id=x>x</p>');
		d.close();
		return d.body.innerHTML;
	});
	await T('open: a tag cut at close', () => {
		const d = frame();
		d.open();
		d.write('<p>a <');
		d.close();
		return d.body.innerHTML;
	});

	for (const v of [null, undefined]) {
		const n = ' = ' + v, j = JSON.stringify;
		await T('textContent' + n, () => { const e = el(); e.textContent = 'x'; e.textContent = v; return j(e.textContent); });
		await T('nodeValue' + n, () => { const t = new Text('x'); t.nodeValue = v; return j(t.data); });
		await T('data' + n, () => { const t = new Text('x'); t.data = v; return j(t.data); });
		await T('innerText' + n, () => { const e = el(); document.body.append(e); e.innerText = v; const r = j(e.textContent); e.remove(); return r; });
		await T('style textContent' + n, () => { const e = document.createElement('style'); e.textContent = v; return j(e.textContent); });
		await T('script textContent' + n, () => { const e = document.createElement('script'); e.type = 'text/x-none'; e.textContent = v; return j(e.textContent); });
		await T('script text' + n, () => { const e = document.createElement('script'); e.type = 'text/x-none'; e.text = v; return j(e.textContent); });
		await T('script innerText' + n, () => { const e = document.createElement('script'); e.type = 'text/x-none'; e.innerText = v; return j(e.textContent); });
		await T('Attr textContent' + n, () => { const a = document.createAttribute('title'); a.value = 'x'; a.textContent = v; return j(a.value); });
	}
	await T('textContent = Symbol()', () => { el().textContent = Symbol(); });

	await T('fetch()', () => fetch().then(() => 'resolved', e => 'rejected ' + e.name));
	await T('fetch(Symbol())', () => fetch(Symbol()).then(() => 'resolved', e => 'rejected ' + e.name));
	await T('sendBeacon()', () => navigator.sendBeacon());
	await T('xhr.open()', () => new XMLHttpRequest().open());
	await T('xhr.open(GET)', () => new XMLHttpRequest().open('GET'));
	await T('xhr.open(GET, Symbol())', () => new XMLHttpRequest().open('GET', Symbol()));
	await T('setAttribute()', () => el().setAttribute());
	await T('setAttribute(x)', () => { const e = el(); e.setAttribute('x'); return e.outerHTML; });
	await T('setAttribute(Symbol(), v)', () => { const e = el(); e.setAttribute(Symbol(), 'v'); return e.outerHTML; });
	await T('setAttribute(x, Symbol())', () => { const e = el(); e.setAttribute('x', Symbol()); return e.outerHTML; });
	await T('localStorage.setItem(k)', () => { localStorage.setItem('k'); return localStorage.getItem('k'); });
	await T('localStorage.getItem()', () => localStorage.getItem());
	await T('cookieStore.set(n)', () => cookieStore.set('n').then(() => 'resolved ' + document.cookie.includes('n='), e => 'rejected ' + e.name));
	await T('new WebSocket()', () => new WebSocket());
	await T('new fetch()', () => new fetch('/'));
	await T('toString of a non-function', () => Function.prototype.toString.call({}));

	await T('localStorage.getItem stable', () => localStorage.getItem === localStorage.getItem);
	await T('localStorage.getItem is the prototype\'s', () => localStorage.getItem === Storage.prototype.getItem);
	await T('localStorage.getItem looks', () => look(localStorage.getItem));
	await T('localStorage.constructor', () => localStorage.constructor === Storage);
	await T('localStorage.valueOf()', () => localStorage.valueOf() === localStorage);
	await T('localStorage strings', () => String(localStorage) + Object.prototype.toString.call(sessionStorage));
	await T('localStorage set and read', () => { localStorage.setItem('k', 'v'); return [localStorage.k, localStorage.getItem('k'), localStorage.length, Object.keys(localStorage)].join('|'); });
	await T('new StorageEvent with localStorage', () => new StorageEvent('storage', {key: 'k', storageArea: localStorage}).storageArea === localStorage);
	await T('storage event from another document', () => new Promise(r => {
		const f = document.createElement('iframe');
		f.src = '/blank';
		f.onload = () => {
			addEventListener('storage', e => r([e.key, e.newValue, e.storageArea === localStorage, e.storageArea === sessionStorage].join('|')), {once: true});
			f.contentWindow.localStorage.setItem('k', 'from frame');
		};
		document.body.append(f);
	}));

	const jar = () => document.cookie.split('; ').filter(c => c && !c.startsWith('cookie_consent=')).sort().join('; ');
	await T('cookie testcookie', () => { document.cookie = 'testcookie'; return document.cookie.indexOf('testcookie') != -1; });
	await T('cookie =v', () => { document.cookie = '=v2'; return [document.cookie.indexOf('v2') != -1, document.cookie.indexOf('testcookie') != -1].join('|'); });
	await T('cookie null', () => { document.cookie = null; return document.cookie.split('; ').includes('null'); });
	await T('cookie undefined', () => { document.cookie = undefined; return document.cookie.split('; ').includes('undefined'); });
	await T('cookie modernizr', () => {
		document.cookie = 'cookietest=1';
		const r = document.cookie.indexOf('cookietest=') != -1;
		document.cookie = 'cookietest=1; expires=Thu, 01-Jan-1970 00:00:01 GMT';
		return [r, document.cookie.indexOf('cookietest=') != -1].join('|');
	});
	await T('cookie overwritten', () => { document.cookie = 'over=1'; document.cookie = 'over=2; max-age=100'; return jar(); });
	await T('cookie max-age=0', () => { document.cookie = 'over=; max-age=0'; return jar(); });
	await T('cookie of a category', () => { document.cookie = 'stat_c=1; max-age=60'; return document.cookie.includes('stat_c=1'); });
	await T('cookies seen', jar);
	await T('cookieStore', async () => {
		await cookieStore.set('cstest', '1');
		const a = await cookieStore.get('cstest'), all = (await cookieStore.getAll()).map(c => c.name + '=' + c.value).filter(c => !c.startsWith('cookie_consent=')).sort();
		await cookieStore.delete('cstest');
		return [a && a.value, await cookieStore.get('cstest'), all, jar()].join('|');
	});
	await T('cookies seen in a frame', () => frame().cookie.split('; ').filter(c => c && !c.startsWith('cookie_consent=')).sort().join('; '));

	await T('fetch looks', () => look(fetch) + '|' + /^function fetch\(\)\s+\{\s+\[native code\]\s+\}$/.test(fetch.toString()));
	await T('document.write looks', () => look(document.write));
	await T('setAttribute looks', () => look(Element.prototype.setAttribute));
	await T('appendChild looks', () => look(Node.prototype.appendChild));
	await T('XMLHttpRequest open looks', () => look(XMLHttpRequest.prototype.open));
	await T('Storage setItem looks', () => look(Storage.prototype.setItem));
	await T('Function toString looks', () => look(Function.prototype.toString) + '|' + Function.prototype.toString.toString());
	await T('WebSocket looks', () => [WebSocket.name, WebSocket.length, String(WebSocket), ts(WebSocket), WebSocket.prototype.constructor === WebSocket].join('|'));
	await T('Audio looks', () => [Audio.name, Audio.length, ts(Audio)].join('|'));
	const acc = (o, p) => { const d = Object.getOwnPropertyDescriptor(o, p); return [d.get && look(d.get), d.set && look(d.set)].join('|'); };
	await T('cookie accessors look', () => acc(Document.prototype, 'cookie'));
	await T('textContent accessors look', () => acc(Node.prototype, 'textContent'));
	await T('img src accessors look', () => acc(HTMLImageElement.prototype, 'src'));
	await T('localStorage accessors look', () => acc(window, 'localStorage'));
	await T('storageArea accessors look', () => acc(StorageEvent.prototype, 'storageArea'));
	await T('a rule\'s style', () => {
		const s = document.createElement('style');
		s.textContent = 'p { color: red }';
		document.head.append(s);
		const st = s.sheet.cssRules[0].style, r = [CSSStyleDeclaration.prototype.getPropertyValue.call(st, 'color'), st.setProperty === st.setProperty, st.getPropertyValue('color'),
			st.item(0), st[0], st.length, [...st].join(), String(st), st.removeProperty('color'), st.cssText, s.sheet.cssRules[0].style === st];
		st.setProperty('margin', '1px');
		st.color = 'blue';
		r.push(st.cssText, st.getPropertyPriority('margin'));
		s.remove();
		return r.join('|');
	});
	window.done = true;
})();
</script>
</body></html>
`

// transparencySite is the upstream: the battery, a blank page, an image,
// /echo (which records the cookies it is sent), and fake trackers on any
// host name but localhost and 127.0.0.1.
type transparencySite struct {
	srv  *httptest.Server
	port string

	mu      sync.Mutex
	paths   []string // every request, host-less, as path
	hits    []string // tracker requests, as host+path
	cookies []string // the Cookie header of each /echo request
	pages   map[string]string
}

func newTransparencySite(t *testing.T) *transparencySite {
	s := &transparencySite{pages: map[string]string{"/battery": transparencyBattery, "/blank": "<!DOCTYPE html><title>blank</title><p>blank</p>"}}
	s.srv = httptest.NewServer(s)
	t.Cleanup(s.srv.Close)
	_, s.port, _ = net.SplitHostPort(s.srv.Listener.Addr().String())
	return s
}

func (s *transparencySite) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	host, _, _ := net.SplitHostPort(r.Host)
	s.mu.Lock()
	defer s.mu.Unlock()
	if host != "localhost" && host != "127.0.0.1" {
		s.hits = append(s.hits, host+r.URL.Path)
		w.Header().Set("Content-Type", "image/gif")
		return
	}
	s.paths = append(s.paths, r.URL.Path)
	switch r.URL.Path {
	case "/img.png":
		w.Header().Set("Content-Type", "image/png")
	case "/echo":
		s.cookies = append(s.cookies, r.Header.Get("Cookie"))
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprint(w, r.Header.Get("Cookie"))
	default:
		body, ok := s.pages[r.URL.Path]
		if n, err := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/write/")); err == nil && n >= 0 && n < len(transparencyWrites) {
			body, ok = "<!DOCTYPE html><html><head><title>write</title></head><body>\n<div id=w>"+transparencyWrites[n]+"</div>\n<p id=after>after</p>\n</body></html>", true
		}
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, strings.NewReplacer("{TP}", s.port, "{NW}", strconv.Itoa(len(transparencyWrites))).Replace(body))
	}
}

func (s *transparencySite) snapshot() (paths, hits, cookies []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.paths), slices.Clone(s.hits), slices.Clone(s.cookies)
}

// transparencyProxy runs Caddy with the transparency policy in front of the
// site at http://localhost:PORT and returns that base URL.
func transparencyProxy(t *testing.T, s *transparencySite) string {
	return fmt.Sprintf("http://localhost:%d", proxyWithPolicy(t, "127.0.0.1:"+s.port, "", "testdata/transparency/policy.yaml"))
}

// visit opens u with an empty jar (plus the consent cookie of a visitor who
// accepted everything, when accepted) and returns window.results.
func transparencyVisit(t *testing.T, ctx context.Context, u string, accepted bool) map[string]string {
	t.Helper()
	if _, err := chromedp.Call(ctx, network.ClearBrowserCookies, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	if accepted {
		setConsentCookie(t, ctx, u, "1", "statistics")
	}
	run(t, ctx, chromedp.Navigate(u), waitJS(`window.done === true`))
	return evalJS[map[string]string](t, ctx, `window.results`)
}

func TestGuardTransparency(t *testing.T) {
	s := newTransparencySite(t)
	proxy := transparencyProxy(t, s)
	ctx, cancel := context.WithTimeout(startChromium(t), 90*time.Second)
	defer cancel()
	for _, accepted := range []bool{false, true} {
		t.Run(map[bool]string{false: "no consent", true: "all accepted"}[accepted], func(t *testing.T) {
			// Two origins: the upstream directly (127.0.0.1) and the proxy
			// (localhost); the jar is emptied before each.
			direct := transparencyVisit(t, ctx, "http://127.0.0.1:"+s.port+"/battery", accepted)
			proxied := transparencyVisit(t, ctx, proxy+"/battery", accepted)
			keys := make([]string, 0, len(direct))
			for k := range direct {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			if len(keys) < 89 {
				t.Fatalf("the battery ran %d cases directly, want them all (89)", len(keys))
			}
			for _, k := range keys {
				if direct[k] != proxied[k] {
					t.Errorf("%s:\n\tdirect:  %q\n\tproxied: %q", k, direct[k], proxied[k])
				}
			}
			if len(proxied) != len(direct) {
				t.Errorf("the battery ran %d cases through the proxy, %d directly", len(proxied), len(direct))
			}
		})
	}
	// Calls the natives refuse make no request (fetch(), sendBeacon()).
	paths, _, _ := s.snapshot()
	if slices.Contains(paths, "/undefined") || slices.Contains(paths, "/Symbol()") {
		t.Errorf("a request reached /undefined or /Symbol(): %q", paths)
	}
}

// TestGuardTransparencyWriteHeld: a tracker's tag that document.write gets
// in pieces, or that a script leaves unfinished, is still held back.
func TestGuardTransparencyWriteHeld(t *testing.T) {
	s := newTransparencySite(t)
	s.pages["/pieces"] = `<!DOCTYPE html><html><head><title>pieces</title></head><body>
<script>document.write('<img id=t1 src="http://stats.tracker.test:{TP}/p1.gif'); document.write('" alt="it\'s">')</script>
<script>document.write('<scr'); document.write('ipt src=http://stats.tracker.test:{TP}/s1.js></scr'); document.write('ipt>')</script>
<script>document.write('<!-- a comment\'s -->'); document.write('<img id=t2 alt=don\'t src=http://stats.tracker.test:{TP}/p2.gif>')</script>
<script>document.write('<img id=t3 src=http://stats.tracker.test:{TP}/p3.gif ')</script>
<p id=after>after</p>
<script>document.write('<script>window.ran = 1; gtag("x <'); document.write('")<\/script>')</script>
<script>window.done = true</script>
</body></html>`
	proxy := transparencyProxy(t, s)
	ctx, cancel := context.WithTimeout(startChromium(t), 60*time.Second)
	defer cancel()
	run(t, ctx, chromedp.Navigate(proxy+"/pieces"), waitJS(`window.done === true && document.readyState == 'complete'`))
	time.Sleep(500 * time.Millisecond)
	if _, hits, _ := s.snapshot(); len(hits) > 0 {
		t.Errorf("tracker requests through the proxy: %q", hits)
	}
	held := evalJS[[]string](t, ctx, `['t1', 't2', 't3'].map(id => { const e = document.getElementById(id); return id + ':' + (e ? e.getAttribute('data-consent') : 'missing'); })`)
	if !slices.Equal(held, []string{"t1:statistics", "t2:statistics", "t3:statistics"}) {
		t.Errorf("the tracker images: %q, want each held (data-consent=statistics)", held)
	}
	if n := evalJS[int](t, ctx, `document.querySelectorAll('script[data-consent=statistics][data-consent-src]').length`); n != 1 {
		t.Errorf("%d held tracker scripts, want the one written in pieces", n)
	}
	if evalJS[string](t, ctx, `(document.getElementById('after') || {}).textContent || ''`) != "after" {
		t.Errorf("the page's markup after the unfinished tag is gone")
	}
	// Directly, the same page loads them (else this test proves nothing).
	run(t, ctx, chromedp.Navigate("http://127.0.0.1:"+s.port+"/pieces"), waitJS(`window.done === true && document.readyState == 'complete'`))
	time.Sleep(300 * time.Millisecond)
	if _, hits, _ := s.snapshot(); len(hits) < 3 {
		t.Errorf("directly, the page made %d tracker requests (%q), want the images and the script", len(hits), hits)
	}
}

// TestGuardTransparencyInPageCookie: a cookie the guard refuses is kept in
// the page's memory only: its scripts read it, the server never gets it, and
// a reload forgets it.
func TestGuardTransparencyInPageCookie(t *testing.T) {
	s := newTransparencySite(t)
	s.pages["/cookie"] = `<!DOCTYPE html><title>cookie</title><body><script>
document.cookie = 'cookietest=1';
document.cookie = 'testcookie';
window.seen = document.cookie;
window.echo = fetch('/echo').then(r => r.text());
</script></body>`
	proxy := transparencyProxy(t, s)
	ctx, cancel := context.WithTimeout(startChromium(t), 60*time.Second)
	defer cancel()
	if _, err := chromedp.Call(ctx, network.ClearBrowserCookies, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	run(t, ctx, chromedp.Navigate(proxy+"/cookie"), waitJS(`!!window.echo`))
	if seen := evalJS[string](t, ctx, `window.seen`); seen != "cookietest=1; testcookie" {
		t.Errorf("document.cookie after the writes: %q, want both in-page cookies", seen)
	}
	if echo := evalJS[string](t, ctx, `window.echo`); echo != "" {
		t.Errorf("the server got Cookie %q from the page's fetch, want none", echo)
	}
	res, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{proxy + "/"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Cookies) > 0 {
		t.Errorf("the browser's jar has %d cookies (first %q), want none", len(res.Cookies), res.Cookies[0].Name)
	}
	run(t, ctx, chromedp.Navigate(proxy+"/blank"), waitJS(`document.readyState == 'complete'`))
	if c := evalJS[string](t, ctx, `document.cookie`); c != "" {
		t.Errorf("after a reload document.cookie is %q, want empty", c)
	}
	run(t, ctx, chromedp.Navigate(proxy+"/echo"), waitJS(`document.readyState == 'complete'`))
	_, _, cookies := s.snapshot()
	for _, c := range cookies {
		if c != "" {
			t.Errorf("the server got Cookie %q, want none", c)
		}
	}
	if len(cookies) != 2 {
		t.Errorf("%d requests to /echo, want 2", len(cookies))
	}
}
