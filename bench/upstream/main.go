// Command upstream is the origin server of bench/run.sh: a legacy site on
// loopback that serves, from memory, what the proxies under test are put in
// front of — a JSON answer, tracker-laden HTML pages assembled from the
// shared corpus, a slowly streamed page, and a slow 10 MB page for the
// memory test. It is a plain net/http server so that it costs the machine
// as little as possible next to the proxies being measured.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// The pages: a real page of about the size, or a page with the bodies of
// others inserted before its </body> to reach it. Every one of them loads
// trackers (Google Analytics or Tag Manager, DoubleClick, Facebook, ...).
var pages = []struct {
	path  string
	base  string
	extra []string
}{
	{"/12k.html", "readability/001.html", nil},
	{"/100k.html", "readability/ehow-2.html", nil},
	{"/1m.html", "readability/breitbart.html", []string{"readability/heise.html", "readability/tmz-1.html"}},
}

// setCookies are what the legacy site sets on every page: a session, two
// statistics cookies, an advertising one, a preference whose lifetime the
// policy caps, and one the policy does not declare.
var setCookies = []string{
	"JSESSIONID=5a1b2c3d4e5f; Path=/; HttpOnly",
	"_ga=GA1.1.1234567890.1700000000; Path=/; Max-Age=63072000",
	"_ga_ABC123=GS1.1.1700000000.1.0.1700000000.0.0.0; Path=/; Max-Age=63072000",
	"_gcl_au=1.1.1234567890.1700000000; Path=/; Max-Age=7776000",
	"lang=sv; Path=/; Max-Age=999999999",
	"visitor_fingerprint=f00d; Path=/; HttpOnly; Max-Age=31536000",
}

func main() {
	addr := flag.String("addr", "127.0.0.1:9100", "listen address")
	corpus := flag.String("corpus", "../shared/corpus", "the shared HTML corpus")
	list := flag.Bool("list", false, "print the pages' paths and sizes and exit")
	flag.Parse()

	mux := http.NewServeMux()
	for _, p := range pages {
		body, err := assemble(*corpus, p.base, p.extra)
		if err != nil {
			log.Fatal(err)
		}
		if *list {
			fmt.Printf("%s\t%d\t%s\n", p.path, len(body), strings.Join(append([]string{p.base}, p.extra...), " + "))
			continue
		}
		mux.HandleFunc(p.path, servePage(body))
	}
	if *list {
		return
	}
	mux.HandleFunc("/api.json", serveJSON(jsonBody(1024)))
	filler, err := bodyOf(filepath.Join(*corpus, "readability/breitbart.html"))
	if err != nil {
		log.Fatal(err)
	}
	mux.HandleFunc("/slow.html", serveSlow(filler))
	mux.HandleFunc("/slow10m.html", serveSlowHuge(filler))
	mux.HandleFunc("/_stats", serveStats)
	srv := &http.Server{Addr: *addr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	log.Fatal(srv.ListenAndServe())
}

// assemble reads base and inserts the bodies of extra before its last </body>.
func assemble(corpus, base string, extra []string) ([]byte, error) {
	page, err := os.ReadFile(filepath.Join(corpus, base))
	if err != nil {
		return nil, err
	}
	if len(extra) == 0 {
		return page, nil
	}
	end := bytes.LastIndex(page, []byte("</body>"))
	if end < 0 {
		end = len(page)
	}
	out := append([]byte(nil), page[:end]...)
	for _, e := range extra {
		body, err := bodyOf(filepath.Join(corpus, e))
		if err != nil {
			return nil, err
		}
		out = append(out, body...)
	}
	return append(out, page[end:]...), nil
}

// bodyOf is what lies between a page's <body ...> start tag and its last </body>.
func bodyOf(path string) ([]byte, error) {
	page, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	start := bytes.Index(page, []byte("<body"))
	end := bytes.LastIndex(page, []byte("</body>"))
	if start < 0 || end < start {
		return nil, fmt.Errorf("%s: no <body>...</body>", path)
	}
	start += bytes.IndexByte(page[start:], '>') + 1
	return page[start:end], nil
}

func servePage(body []byte) http.HandlerFunc {
	length := strconv.Itoa(len(body))
	return func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h["Content-Type"] = []string{"text/html; charset=utf-8"}
		h["Content-Length"] = []string{length}
		h["Cache-Control"] = []string{"no-cache"}
		h["Set-Cookie"] = setCookies
		_, _ = w.Write(body)
	}
}

// jsonBody is a JSON document of exactly n bytes (n ≥ 64), a list of items
// as an API would answer.
func jsonBody(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"items":[`)
	for i := 0; ; i++ {
		item := fmt.Sprintf(`{"id":%d,"name":"item %d","price":%d.95},`, i, i, i*7%100)
		if b.Len()+len(item)+len(`{"id":-1}]}`) > n-1 {
			break
		}
		b.WriteString(item)
	}
	b.WriteString(`{"id":-1}]`)
	for b.Len() < n-2 {
		b.WriteByte(' ')
	}
	b.WriteString("}\n")
	return b.Bytes()
}

func serveJSON(body []byte) http.HandlerFunc {
	length := strconv.Itoa(len(body))
	return func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h["Content-Type"] = []string{"application/json"}
		h["Content-Length"] = []string{length}
		h["Cache-Control"] = []string{"no-store"}
		_, _ = w.Write(body)
	}
}

// serveSlow streams a page as a server that renders while it sends: the head
// at once, then ?chunks= pieces of the body ?every= apart (20 × 50ms), each
// flushed. Its time to first byte is the measure of what a proxy delays.
func serveSlow(filler []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		chunks := queryInt(r, "chunks", 20)
		every := queryDuration(r, "every", 50*time.Millisecond)
		h := w.Header()
		h["Content-Type"] = []string{"text/html; charset=utf-8"}
		h["Set-Cookie"] = setCookies
		rc := http.NewResponseController(w)
		_, _ = w.Write([]byte(`<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Streamed</title>` +
			`<script async src="https://www.googletagmanager.com/gtag/js?id=G-BENCH"></script></head><body><h1>Streamed page</h1>`))
		if rc.Flush() != nil {
			return
		}
		piece := len(filler) / chunks
		for i := 0; i < chunks; i++ {
			select {
			case <-r.Context().Done():
				return
			case <-time.After(every):
			}
			if _, err := w.Write(filler[i*piece : (i+1)*piece]); err != nil || rc.Flush() != nil {
				return
			}
		}
		_, _ = w.Write([]byte("</body></html>\n"))
	}
}

// serveSlowHuge streams 10 MB of HTML in ?chunk= bytes (16 KiB) every ?every=
// (250ms), so that a thousand of them are in flight at once for as long as
// the memory test lasts. With ?script=1 the body is one inline script, the
// worst case for a rewriter that holds an inline script back until it has
// seen enough of it: every response then holds its full limit.
func serveSlowHuge(html []byte) http.HandlerFunc {
	// Script text that neither ends nor escapes the script.
	script := bytes.ReplaceAll(bytes.ReplaceAll(html, []byte("</"), []byte("<\\/")), []byte("<!"), []byte("<\\!"))
	return func(w http.ResponseWriter, r *http.Request) {
		defer hugeStarted()()
		const total = 10 << 20
		chunk := queryInt(r, "chunk", 16<<10)
		every := queryDuration(r, "every", 250*time.Millisecond)
		h := w.Header()
		h["Content-Type"] = []string{"text/html; charset=utf-8"}
		h["Content-Length"] = []string{strconv.Itoa(total)}
		head := `<!DOCTYPE html><html><head><title>Huge</title></head><body>`
		tail := `</body></html>`
		if r.URL.Query().Get("script") == "1" {
			head += `<script>`
			tail = `</script>` + tail
		}
		rc := http.NewResponseController(w)
		filler := html
		if r.URL.Query().Get("script") == "1" {
			filler = script
		}
		sent := 0
		write := func(p []byte) bool {
			_, err := w.Write(p)
			sent += len(p)
			return err == nil && rc.Flush() == nil
		}
		if !write([]byte(head)) {
			return
		}
		ticker := time.NewTicker(every)
		defer ticker.Stop()
		for off := 0; sent < total-len(tail); {
			select {
			case <-r.Context().Done():
				return
			case <-ticker.C:
			}
			n := min(chunk, total-len(tail)-sent)
			p := make([]byte, 0, n)
			for len(p) < n {
				take := min(n-len(p), len(filler)-off)
				p = append(p, filler[off:off+take]...)
				off = (off + take) % len(filler)
			}
			if !write(p) {
				return
			}
		}
		write([]byte(tail))
	}
}

func queryInt(r *http.Request, key string, def int) int {
	if n, err := strconv.Atoi(r.URL.Query().Get(key)); err == nil && n > 0 {
		return n
	}
	return def
}

func queryDuration(r *http.Request, key string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(r.URL.Query().Get(key)); err == nil && d > 0 {
		return d
	}
	return def
}

// inFlight and peakInFlight count the slow 10 MB responses, so that the
// memory test can show that a thousand were open at once.
var inFlight, peakInFlight atomic.Int64

func hugeStarted() (done func()) {
	n := inFlight.Add(1)
	for {
		p := peakInFlight.Load()
		if n <= p || peakInFlight.CompareAndSwap(p, n) {
			break
		}
	}
	return func() { inFlight.Add(-1) }
}

// serveStats answers "in_flight peak" of the slow 10 MB responses; ?reset=1
// starts a new peak.
func serveStats(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("reset") == "1" {
		peakInFlight.Store(inFlight.Load())
	}
	fmt.Fprintf(w, "%d %d\n", inFlight.Load(), peakInFlight.Load())
}
