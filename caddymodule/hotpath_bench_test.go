package caddymodule

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sync"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"

	"github.com/consentgate/consentgate/internal/testshared"
	"github.com/consentgate/consentgate/internal/threadcpu"
)

// The per-request hot paths of the handler (bench/run.sh runs every
// BenchmarkHot*; docs/BENCHMARKS.md has the figures). Where a benchmark has
// a handler/ and a plain/ variant, plain runs the next handler alone with the
// request built the same way — a fresh request with a fresh replacer, as
// Caddy makes one per request — so the difference between the two is what
// cookie_consent costs, allocations included.

// hotLoop runs f in the benchmark loop on one locked thread and reports, next
// to the wall-clock ns/op, the thread's CPU time per op (cpu-ns/op): on a
// shared machine that is the number that measures the code.
func hotLoop(b *testing.B, f func()) {
	b.ReportAllocs()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	c0, ok := threadcpu.Now()
	for b.Loop() {
		f()
	}
	if c1, _ := threadcpu.Now(); ok && c1 > c0 {
		b.ReportMetric(float64(c1-c0)/float64(b.N), "cpu-ns/op")
	}
}

// hotBatch is how many requests hotLoopBatched builds at a time: few enough
// that they are still in the CPU cache when they are served, as a request
// Caddy has just prepared is.
const hotBatch = 32

// hotLoopBatched is hotLoop for work that needs a fresh input per op (a
// request, which a handler may change): prepare(n) makes n of them, then
// f(i) runs on each. Building a request with Caddy's context and replacer
// costs several times our handler and varies more than it costs; only the
// f calls are timed. The wall-clock and CPU times are taken around each
// batch of f calls (ns/op, cpu-ns/op; the testing package's timer would
// stop the world on every pause), and the allocations are counted over
// hotAllocRuns prepared requests (B/op, allocs/op, replacing the testing
// package's figures, which would count the preparing).
//
// The garbage collector is switched off while the batches run, and the
// garbage collected between batches, outside the timed part: the preparing
// allocates several kilobytes per request, ten times what it prepares for,
// and a collection running during a batch (its assists, its write barriers,
// the caches it empties) would be charged to f. What f allocates is
// reported as B/op and allocs/op.
func hotLoopBatched(b *testing.B, prepare func(n int), f func(i int)) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	var wall, cpu time.Duration
	measured := true
	for done := 0; done < b.N; {
		n := min(hotBatch, b.N-done)
		if done%(hotBatch*hotBatchesPerCollection) == 0 {
			runtime.GC()
		}
		prepare(n)
		c0, ok0 := threadcpu.Now()
		t0 := time.Now()
		for i := range n {
			f(i)
		}
		wall += time.Since(t0)
		c1, ok1 := threadcpu.Now()
		measured = measured && ok0 && ok1
		cpu += c1 - c0
		done += n
	}
	b.StopTimer()
	b.ReportMetric(float64(wall)/float64(b.N), "ns/op")
	if measured && cpu > 0 {
		b.ReportMetric(float64(cpu)/float64(b.N), "cpu-ns/op")
	}
	// ReadMemStats counts exactly (it stops the world, so once per batch
	// here, not in the timed loop).
	var before, after runtime.MemStats
	var bytes, objects uint64
	for runs := 0; runs < hotAllocRuns; {
		n := min(hotBatch, hotAllocRuns-runs)
		prepare(n)
		runtime.ReadMemStats(&before)
		for i := range n {
			f(i)
		}
		runtime.ReadMemStats(&after)
		bytes += after.TotalAlloc - before.TotalAlloc
		objects += after.Mallocs - before.Mallocs
		runs += n
	}
	b.ReportMetric(float64(bytes)/hotAllocRuns, "B/op")
	b.ReportMetric(float64(objects)/hotAllocRuns, "allocs/op")
}

// hotBatchesPerCollection is how many batches run between two collections:
// a few megabytes of garbage.
const hotBatchesPerCollection = 64

// hotAllocRuns is how many ops hotLoopBatched counts allocations over.
const hotAllocRuns = 1024

var (
	hotJSON     = []byte(`{"items":[{"id":1,"name":"item 1","price":7.95},{"id":2,"name":"item 2","price":14.95}]}` + "\n")
	hotJSONType = []string{"application/json"}
	hotJSONLen  = []string{"93"}

	// What the upstream of a typical page sets: a session, two statistics
	// cookies, an advertising one, a preference that lives longer than
	// declared (clamped), and one the policy does not declare (removed).
	hotSetCookies = []string{
		"JSESSIONID=5a1b2c3d4e5f; Path=/; HttpOnly",
		"_ga=GA1.1.1234567890.1700000000; Path=/; Max-Age=63072000",
		"_ga_ABC123=GS1.1.1700000000.1.0.1700000000.0.0.0; Path=/; Max-Age=63072000",
		"_gcl_au=1.1.1234567890.1700000000; Path=/; Max-Age=7776000",
		"lang=sv; Path=/; Max-Age=31536000",
		"visitor_fingerprint=f00d; Path=/; HttpOnly; Max-Age=31536000",
	}
)

// hotRequest is a request as Caddy hands it to the first handler: its own
// header map, and the context and replacer Caddy's server prepares
// (caddyhttp.PrepareRequest: the original request, the vars, the http.*
// placeholders).
func hotRequest(method, target string, hdr http.Header) *http.Request {
	u, _ := url.Parse(target)
	r := &http.Request{Method: method, URL: u, Host: u.Host, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: hdr.Clone(), RemoteAddr: "192.0.2.1:50000"}
	return caddyhttp.PrepareRequest(r.WithContext(context.Background()), caddy.NewReplacer(), hotResponse, nil)
}

// hotResponse is the writer hotRequest's placeholders refer to.
var hotResponse = &discard{h: http.Header{}}

// hotPair runs next with and without the handler in front.
// The requests are built outside the timed part (hotLoopBatched).
func hotPair(b *testing.B, h *Handler, method, target string, hdr http.Header, next caddyhttp.HandlerFunc) {
	w := &discard{h: http.Header{}}
	reqs := make([]*http.Request, hotBatch)
	prepare := func(n int) {
		for i := range n {
			reqs[i] = hotRequest(method, target, hdr)
		}
	}
	b.Run("handler", func(b *testing.B) {
		hotLoopBatched(b, prepare, func(i int) {
			clear(w.h)
			if err := h.ServeHTTP(w, reqs[i], next); err != nil {
				b.Fatal(err)
			}
		})
	})
	b.Run("plain", func(b *testing.B) {
		hotLoopBatched(b, prepare, func(i int) {
			clear(w.h)
			if err := next.ServeHTTP(w, reqs[i]); err != nil {
				b.Fatal(err)
			}
		})
	})
}

// fetchHeader is what a script's fetch() of JSON sends.
func fetchHeader(cookie string) http.Header {
	h := http.Header{
		"Accept":          {"application/json"},
		"Accept-Encoding": {"gzip, deflate, br, zstd"},
		"Sec-Fetch-Dest":  {"empty"},
		"Sec-Fetch-Mode":  {"cors"},
		"Sec-Fetch-Site":  {"same-origin"},
		"User-Agent":      {"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36"},
	}
	if cookie != "" {
		h["Cookie"] = []string{cookie}
	}
	return h
}

func serveJSON(setCookies []string) caddyhttp.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		hdr := w.Header()
		hdr["Content-Type"] = hotJSONType
		hdr["Content-Length"] = hotJSONLen
		if setCookies != nil {
			hdr["Set-Cookie"] = setCookies
		}
		w.WriteHeader(http.StatusOK)
		_, err := w.Write(hotJSON)
		return err
	}
}

// BenchmarkHotRequest: a request with no consent cookie answered with JSON,
// the commonest request a site gets: only the consent is read, the
// placeholders set and the header looked at.
func BenchmarkHotRequest(b *testing.B) {
	h := provisionHandler(b, &Handler{})
	b.Run("json-no-consent", func(b *testing.B) {
		hotPair(b, h, "GET", "http://example.test/api/items", fetchHeader(""), serveJSON(nil))
	})
	b.Run("json-session-cookie", func(b *testing.B) {
		hotPair(b, h, "GET", "http://example.test/api/items", fetchHeader("JSESSIONID=5a1b2c3d4e5f"), serveJSON(nil))
	})
}

// BenchmarkHotCookies: the Set-Cookie and Cookie work of a typical request,
// seven request cookies and six Set-Cookie, on a JSON answer so that no body
// work is counted:
//   - granted: a returning visitor who granted everything (five kept, one
//     clamped, one undeclared removed);
//   - first-visit: no consent, a session cookie (four removed);
//   - withdrawn: no consent any more, but the visitor still holds the
//     tracking cookies, which are expired in each variant the browser may
//     hold (the cleanup writes one header per variant);
//   - granted-signed: granted, the consent cookie signed with a secret.
func BenchmarkHotCookies(b *testing.B) {
	h := provisionHandler(b, &Handler{})
	consent := h.codec.Encode(h.codec.NewChoice(h.policy.SetOf(h.policy.CategoryIDs())))
	const tracking = "_ga=GA1.1.1234567890.1700000000; _ga_ABC123=GS1.1.1700000000.1.0.1700000000.0.0.0; _gcl_au=1.1.1234567890.1700000000; lang=sv; FPID=x"
	for _, tc := range []struct{ name, cookie string }{
		{"granted", "JSESSIONID=5a1b2c3d4e5f; cookie_consent=" + consent + "; " + tracking},
		{"first-visit", "JSESSIONID=5a1b2c3d4e5f"},
		{"withdrawn", "JSESSIONID=5a1b2c3d4e5f; " + tracking + "; _fbp=fb.1.1700000000.123"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			hotPair(b, h, "GET", "http://example.test/api/items", fetchHeader(tc.cookie), serveJSON(hotSetCookies))
		})
	}
	// granted, with the consent cookie signed (a secret configured).
	signed := provisionHandler(b, &Handler{Secret: "a secret of 32 bytes, more or less"})
	consent = signed.codec.Encode(signed.codec.NewChoice(signed.policy.SetOf(signed.policy.CategoryIDs())))
	b.Run("granted-signed", func(b *testing.B) {
		hotPair(b, signed, "GET", "http://example.test/api/items",
			fetchHeader("JSESSIONID=5a1b2c3d4e5f; cookie_consent="+consent+"; "+tracking), serveJSON(hotSetCookies))
	})
}

// BenchmarkHotPage: the fixed cost of a page document, a navigation answered
// with a small HTML page (1.2 KB): the document decision, the header
// decision, the rewriter set up, the guard and the banner inserted.
func BenchmarkHotPage(b *testing.B) {
	h := provisionHandler(b, &Handler{})
	page := []byte(`<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>A page</title>` +
		`<link rel="stylesheet" href="/style.css"><script async src="https://www.googletagmanager.com/gtag/js?id=G-1"></script>` +
		`</head><body><header><nav><a href="/">Home</a> <a href="/about">About</a></nav></header><main><h1>A page</h1>` +
		`<p>` + repeat("Some text of the page. ", 32) + `</p></main><footer>© Example</footer></body></html>`)
	hdr := http.Header{
		"Accept":          {"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"},
		"Accept-Encoding": {"gzip, deflate, br, zstd"},
		"Accept-Language": {"en-US,en;q=0.9"},
		"Sec-Fetch-Dest":  {"document"},
		"Sec-Fetch-Mode":  {"navigate"},
		"Sec-Fetch-Site":  {"none"},
		"Cookie":          {"JSESSIONID=5a1b2c3d4e5f"},
	}
	next := caddyhttp.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		w.Header()["Content-Type"] = []string{"text/html; charset=utf-8"}
		w.WriteHeader(http.StatusOK)
		_, err := w.Write(page)
		return err
	})
	hotPair(b, h, "GET", "http://example.test/", hdr, next)
}

func repeat(s string, n int) string {
	out := make([]byte, 0, len(s)*n)
	for range n {
		out = append(out, s...)
	}
	return string(out)
}

// BenchmarkHotDocumentDecision: is this request a navigation, is this
// response HTML, does its body begin as a document.
func BenchmarkHotDocumentDecision(b *testing.B) {
	r := hotRequest("GET", "http://example.test/", http.Header{
		"Accept": {"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"},
	})
	types := []string{"text/html; charset=utf-8"}
	prefix := []byte("<!DOCTYPE html>\n<html lang=\"en\"><head>")
	hotLoop(b, func() {
		if navigationOf(r) != maybeNavigation {
			b.Fatal("not a navigation")
		}
		if essence, _, ok := mimeType(types); !ok || !isHTMLType(essence) {
			b.Fatal("not HTML")
		}
		if doc, decided := beginsAsDocument(prefix); !doc || !decided {
			b.Fatal("not a document")
		}
	})
}

// BenchmarkHotHeaderDecision: the response writer's decision on the final
// header of a JSON answer with six Set-Cookie to a visitor who granted
// everything (filter, clamp, Vary), without the rest of the request.
func BenchmarkHotHeaderDecision(b *testing.B) {
	h := provisionHandler(b, &Handler{})
	cons := h.codec.NewChoice(h.policy.SetOf(h.policy.CategoryIDs()))
	r := hotRequest("GET", "http://example.test/api/items", fetchHeader(""))
	w := &discard{h: http.Header{}}
	hotLoop(b, func() {
		clear(w.h)
		w.h["Content-Type"] = hotJSONType
		w.h["Set-Cookie"] = hotSetCookies
		rw := h.newResponseWriter(w, r, notNavigation)
		rw.consent = cons
		rw.WriteHeader(http.StatusOK)
		if len(w.h["Set-Cookie"]) != 5 {
			b.Fatalf("%d Set-Cookie kept", len(w.h["Set-Cookie"]))
		}
		rw.recycle() // as ServeHTTP does
	})
}

// BenchmarkHotMemoryHeld: the live heap per response in flight, after a
// collection, with 500 responses stopped half-way — what a slow upstream or
// client makes the proxy keep. html: the first 128 KiB of a tracker-laden
// corpus page (breitbart.html, inline scripts and all) written in 16 KiB
// pieces, then the upstream waits; script: an inline script of 56 KiB,
// not yet ended, which the rewriter holds back whole (the worst case: it may
// hold up to 64 KiB in all). Reported as live-KiB/response (heap) and
// stack-KiB/response (the goroutines' stacks); plain is the next handler
// alone.
func BenchmarkHotMemoryHeld(b *testing.B) {
	h := provisionHandler(b, &Handler{})
	filler, err := os.ReadFile(filepath.Join(testshared.Dir(b), "corpus", "readability", "breitbart.html"))
	if err != nil {
		b.Fatal(err)
	}
	script := []byte(repeat(`var x = document.querySelector(".story"); x.dataset.n = (x.dataset.n|0) + 1;`+"\n", 740))
	for _, body := range []string{"html", "script"} {
		for _, variant := range []string{"handler", "plain"} {
			b.Run(body+"/"+variant, func(b *testing.B) {
				const n = 500
				var perResponse, stackPerResponse float64
				for b.Loop() {
					var started, done sync.WaitGroup
					release := make(chan struct{})
					started.Add(n)
					next := caddyhttp.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
						defer started.Done()
						w.Header()["Content-Type"] = []string{"text/html; charset=utf-8"}
						rc := http.NewResponseController(w)
						if _, err := w.Write([]byte("<!DOCTYPE html><html><head><title>Slow</title></head><body>")); err != nil {
							return err
						}
						if body == "script" {
							if _, err := w.Write([]byte("<script>")); err != nil {
								return err
							}
							if _, err := w.Write(script[:56<<10]); err != nil {
								return err
							}
						} else {
							for off := 0; off < 128<<10; off += 16 << 10 {
								if _, err := w.Write(filler[off : off+16<<10]); err != nil {
									return err
								}
							}
						}
						return rc.Flush()
					})
					wait := caddyhttp.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
						err := next.ServeHTTP(w, r)
						<-release
						return err
					})
					// Twice: the first collection moves what pools hold from the
					// previous round to their victim caches, the second frees it.
					runtime.GC()
					runtime.GC()
					var before, during runtime.MemStats
					runtime.ReadMemStats(&before)
					for range n {
						done.Add(1)
						go func() {
							defer done.Done()
							r := hotRequest("GET", "http://example.test/", http.Header{"Sec-Fetch-Dest": {"document"}, "Accept": {"text/html"}})
							w := &discard{h: http.Header{}}
							if variant == "handler" {
								_ = h.ServeHTTP(w, r, wait)
							} else {
								_ = wait.ServeHTTP(w, r)
							}
						}()
					}
					started.Wait()
					runtime.GC()
					runtime.ReadMemStats(&during)
					close(release)
					done.Wait()
					perResponse = (float64(during.HeapAlloc) - float64(before.HeapAlloc)) / n / 1024
					stackPerResponse = (float64(during.StackInuse) - float64(before.StackInuse)) / n / 1024
				}
				b.ReportMetric(perResponse, "live-KiB/response")
				b.ReportMetric(stackPerResponse, "stack-KiB/response")
			})
		}
	}
}
