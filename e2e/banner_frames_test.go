//go:build browser

package e2e

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// Placeholders in a same-origin frame the page writes (docs/BANNER.md,
// "In a frame the page writes"): WordPress's block editor writes each embed's
// preview into an iframe of its own with document.write. The guard holds the
// tracker's iframe in there; banner.js gives it the placeholder it would get
// in the page.

// writtenFramePage is an editor-like page: an empty iframe, into which a
// script writes a document with a film from a blocked host while the page
// loads; and another that a script adds once the page has loaded (and
// banner.js runs) and writes into a moment later, as the block editor does.
// (The markup is cut in the script, so that the test server's stand-ins for
// the rewriter leave it alone: the guard is what holds the films back.)
const writtenFramePage = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Editor</title>
</head>
<body>
<h1>Edit post</h1>
<iframe id="preview" width="640" height="400" title="Embed preview"></iframe>
<p id="more"></p>
<script>
const film = v => '<!DOCTYPE html><html><head><style>body { margin: 8px; }</style></head><body><p>Preview</p><' +
	'iframe src="http://www.youtube.test:{P}/frame.html?v=' + v + '" width="560" height="315" title="Film ' + v + '"></' + 'iframe></' + 'body></html>';
const write = (f, v) => {
	const d = f.contentWindow.document;
	d.open();
	d.write(film(v));
	d.close();
};
write(document.getElementById('preview'), 'written');
window.addEventListener('load', () => setTimeout(() => {
	const f = document.createElement('iframe');
	f.id = 'later';
	f.width = 640;
	f.height = 400;
	f.title = 'Later preview';
	document.getElementById('more').append(f);
	setTimeout(() => {
		write(f, 'later');
		window.written = true;
	}, 300);
}, 100));
</script>
</body>
</html>`

// framePlaceholderJS: what a visitor sees of the placeholder inside a
// preview frame (F, its id), and of the film held back there.
const framePlaceholderJS = `(() => {
	const d = document.getElementById(F).contentDocument, l = [...d.querySelectorAll('[data-cg-ph]')];
	const h = l[0], s = h && h.shadowRoot, e = d.querySelector('iframe');
	if (!s) return {count: l.length};
	const q = c => (s.querySelector(c) || {}).textContent || '', ph = s.querySelector('.ph'), r = ph.getBoundingClientRect(), b = s.querySelector('.ph-b').getBoundingClientRect();
	const st = getComputedStyle(ph), link = s.querySelector('link');
	return {count: l.length, category: h.dataset.cgPh, title: q('.ph-t'), text: q('.ph-x'), button: q('.ph-b'), link: q('.ph-a'),
		next: h.nextElementSibling == e, embed: e.dataset.consentSrc || '', embedSrc: e.getAttribute('src') || '',
		styled: !!(link && link.sheet) && st.display.includes('grid'), box: [r.width, r.height], buttonBox: [b.width, b.height],
		embedBox: [e.getBoundingClientRect().width, e.getBoundingClientRect().height]};
})()`

// framePlaceholderReady: the frame's placeholder is there with its style
// sheet, and so is the document's rule that hides the held-back film.
const framePlaceholderReady = `(d => { const h = d.querySelector('[data-cg-ph]'), e = d.querySelector('iframe[data-consent]');
	return !!(h && h.shadowRoot && h.shadowRoot.querySelector('link').sheet && e && getComputedStyle(e).display == 'none'); })(document.getElementById(F).contentDocument)`

func inFrame(js, id string) string { return strings.ReplaceAll(js, "(F)", "("+jsString(id)+")") }

type framePlaceholder struct {
	Count                               int
	Category, Title, Text, Button, Link string
	Next                                bool
	Embed, EmbedSrc                     string
	Styled                              bool
	Box, ButtonBox, EmbedBox            [2]float64
}

// frameRequests records the requests for documents of a host, as the
// browser starts them (also those it cancels, which may not reach the server).
type frameRequests struct {
	mu   sync.Mutex
	host string
	urls []string
}

func (r *frameRequests) event(ev any) {
	if e, ok := ev.(*network.EventRequestWillBeSent); ok && e.Type == network.ResourceTypeDocument && strings.Contains(e.Request.URL, r.host) {
		r.mu.Lock()
		r.urls = append(r.urls, e.Request.URL)
		r.mu.Unlock()
	}
}

func (r *frameRequests) list() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.urls...)
}

func countHits(hits []string, s string) int {
	n := 0
	for _, h := range hits {
		if strings.Contains(h, s) {
			n++
		}
	}
	return n
}

// TestBannerPlaceholdersInWrittenFrame: a film held back in a frame the page
// wrote, while loading or later, has the placeholder the page's own would
// have (labelled, styled, with its button; the film itself hidden), nothing
// loads before the click, and the button grants the category for the page:
// the films of both frames load, once each.
func TestBannerPlaceholdersInWrittenFrame(t *testing.T) {
	s := newBannerSite(t)
	ctx, cancel := context.WithTimeout(startChromium(t), 120*time.Second)
	defer cancel()
	reqs := &frameRequests{host: "youtube.test"}
	if err := chromedp.Listen(ctx, reqs.event); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	u := s.page("/editor", bannerPage{body: writtenFramePage})
	viewport(t, ctx, 1280, 900)
	freshVisit(t, ctx, u)
	run(t, ctx, waitJS(`window.written`), waitJS(inFrame(framePlaceholderReady, "preview")), waitJS(inFrame(framePlaceholderReady, "later")))
	boxes := map[string][2]float64{}
	for _, f := range []struct{ id, v string }{{"preview", "v=written"}, {"later", "v=later"}} {
		p := evalJS[framePlaceholder](t, ctx, inFrame(framePlaceholderJS, f.id))
		boxes[f.id] = [2]float64{p.Box[0], p.Box[1]}
		if p.Count != 1 || p.Category != "marketing" || p.Title != "Content from youtube.test" || p.Text != "It is shown once you allow Marketing cookies." ||
			p.Button != "Allow Marketing and load" || p.Link != "Cookie settings" || !p.Next || !strings.Contains(p.Embed, f.v) || p.EmbedSrc != "" {
			t.Errorf("the placeholder in the frame %s: %+v", f.id, p)
		}
		if !p.Styled || p.Box[0] < 500 || p.Box[1] < 250 || p.ButtonBox[0] < 40 || p.ButtonBox[1] < 20 {
			t.Errorf("the placeholder in the frame %s is not shown as one: %+v", f.id, p)
		}
		if p.EmbedBox[0] != 0 || p.EmbedBox[1] != 0 {
			t.Errorf("the film held back in the frame %s is a box of %v", f.id, p.EmbedBox)
		}
	}
	time.Sleep(300 * time.Millisecond)
	if hits := s.thirdPartyHits(); len(hits) != 0 {
		t.Fatalf("third parties reached before consent: %v", hits)
	}
	if r := reqs.list(); len(r) != 0 {
		t.Fatalf("requests for the film before consent: %v", r)
	}

	// The button of the first, inside its frame: marketing is granted for the
	// page, and both films load where their placeholders were, once each.
	frameLoaded := `(d => !d.querySelector('[data-cg-ph]') && d.querySelectorAll('iframe[src]').length == 1 && !d.querySelector('[data-consent]'))(document.getElementById(F).contentDocument)`
	run(t, ctx, chromedp.Evaluate[chromedp.Void](`window.marker = 1`),
		chromedp.Click(chromedp.JSPath(`document.getElementById('preview').contentDocument.querySelector('[data-cg-ph]').shadowRoot.querySelector('.ph-b')`)),
		waitJS(inFrame(frameLoaded, "preview")), waitJS(inFrame(frameLoaded, "later")))
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline) && len(s.thirdPartyHits()) < 2; time.Sleep(20 * time.Millisecond) {
	}
	time.Sleep(500 * time.Millisecond)
	for id, b := range boxes {
		got := evalJS[[2]float64](t, ctx, `(r => [r.width, r.height])(document.getElementById(`+jsString(id)+`).contentDocument.querySelector('iframe').getBoundingClientRect())`)
		if d0, d1 := got[0]-b[0], got[1]-b[1]; d0 > 2 || d0 < -2 || d1 > 2 || d1 < -2 {
			t.Errorf("the film in the frame %s loaded as %v, its placeholder was %v", id, got, b)
		}
	}
	if h := s.thirdPartyHits(); countHits(h, "www.youtube.test/frame.html?v=written") != 1 || countHits(h, "www.youtube.test/frame.html?v=later") != 1 || len(h) != 2 {
		t.Errorf("third-party requests after allowing marketing: %v, want each film once", h)
	}
	if r := reqs.list(); len(r) != 2 {
		t.Errorf("requests for the films after allowing marketing: %v, want one each", r)
	}
	if evalJS[int](t, ctx, `window.marker || 0`) != 1 {
		t.Errorf("the page reloaded")
	}
	if c := s.codec.Decode(bannerJar(t, ctx, s)["cookie_consent"]); !c.Given || strings.Join(s.policy.IDs(c.Granted), " ") != "necessary marketing" {
		t.Errorf("after allowing marketing the consent is %+v", c)
	}
	if !evalJS[bool](t, ctx, `document.getElementById('cg').shadowRoot.getElementById('cg-banner').hidden`) {
		t.Errorf("the banner stays open after a choice in the frame's placeholder")
	}

	// With marketing granted from the start, the written films load at once,
	// once each, without a placeholder.
	before, hitsBefore := len(reqs.list()), len(s.thirdPartyHits())
	run(t, ctx, chromedp.Navigate(u), waitJS(`window.written && document.readyState == 'complete' &&
		['preview', 'later'].every(id => document.getElementById(id).contentDocument.querySelectorAll('iframe[src]').length == 1)`))
	time.Sleep(time.Second)
	if r := reqs.list()[before:]; len(r) != 2 {
		t.Errorf("requests for the films with marketing granted: %v, want one each", r)
	}
	if h := s.thirdPartyHits()[hitsBefore:]; len(h) != 2 {
		t.Errorf("third-party requests with marketing granted: %v, want each film once", h)
	}
	if n := evalJS[int](t, ctx, `['preview', 'later'].reduce((n, id) => n + document.getElementById(id).contentDocument.querySelectorAll('[data-cg-ph], [data-consent]').length, 0)`); n != 0 {
		t.Errorf("%d placeholders or held elements in the frames with marketing granted", n)
	}
}
