package caddymodule

import (
	"bytes"
	"compress/flate"
	"compress/zlib"
	"context"
	"errors"
	"fmt"
	"github.com/prometheus/client_golang/prometheus"
	"html"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/andybalholm/brotli"
	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"go.uber.org/zap"

	"github.com/consentgate/consentgate/policy"
)

// The writer is driven through a real net/http server with the handler
// provisioned as Caddy would, and a "next" handler per scenario standing in
// for what reverse_proxy or file_server write — the shape of Caddy's own
// encode conformance tests.

func provisionHandler(t testing.TB, h *Handler) *Handler {
	t.Helper()
	if h.Policy == nil {
		h.setPolicyPath("testdata/policy.yaml")
	}
	ctx, cancel := caddy.NewContext(caddy.Context{Context: context.Background()})
	t.Cleanup(cancel)
	if err := h.Provision(ctx); err != nil {
		t.Fatal(err)
	}
	if err := h.Validate(); err != nil {
		t.Fatal(err)
	}
	// A context without a config logs everything at debug level to stderr;
	// Caddy's default is info, where decisions are not logged.
	h.logger = zap.NewNop()
	h.records = zap.NewNop()
	h.observer.close()
	h.observer = newObserver(h.logger, zap.DebugLevel)
	t.Cleanup(func() { _ = h.Cleanup() })
	return h
}

// serve runs h in front of next on a loopback server.
func serve(t *testing.T, h *Handler, next func(w http.ResponseWriter, r *http.Request) error) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		repl := caddy.NewReplacer()
		r = r.WithContext(context.WithValue(r.Context(), caddy.ReplacerCtxKey, repl))
		err := h.ServeHTTP(w, r, caddyhttp.HandlerFunc(next))
		if err != nil {
			// As Caddy's error handling would: a status through w.
			var he caddyhttp.HandlerError
			status := http.StatusBadGateway
			if errors.As(err, &he) {
				status = he.StatusCode
			}
			w.WriteHeader(status)
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

const trackerPage = `<!DOCTYPE html><html><head><title>t</title>` +
	`<script src="https://www.googletagmanager.com/gtag/js?id=G-1"></script>` +
	`<script>gtag('config','G-1')</script><script src="/own.js"></script></head>` +
	`<body><p>hello</p></body></html>`

func get(t *testing.T, url, method string, headers ...string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, nil)
	// A browser's navigation, unless the case says otherwise.
	req.Header.Set("Sec-Fetch-Dest", "document")
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ": ")
		req.Header.Set(k, v)
	}
	// No transparent decompression: the test sees the bytes as sent.
	tr := &http.Transport{DisableCompression: true}
	defer tr.CloseIdleConnections()
	res, err := (&http.Client{Transport: tr, Timeout: 20 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("reading the body: %v", err)
	}
	return res, string(b)
}

// navigate starts a browser-like page request and returns the response
// with its body unread.
func navigate(t *testing.T, url string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Sec-Fetch-Dest", "document")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func compress(t *testing.T, encoding string, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	var w io.WriteCloser
	switch encoding {
	case "gzip":
		w = gzip.NewWriter(&buf)
	case "deflate":
		w = zlib.NewWriter(&buf)
	case "deflate-raw":
		w, _ = flate.NewWriter(&buf, flate.DefaultCompression)
	case "br":
		w = brotli.NewWriter(&buf)
	case "zstd":
		w, _ = zstd.NewWriter(&buf)
	}
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	w.Close()
	return buf.Bytes()
}

// assertRewritten checks the marks of a rewritten page: the guard first in
// head, the tracker neutralised, the site's own script untouched.
func assertRewritten(t *testing.T, body string) {
	t.Helper()
	if !regexp.MustCompile(`<head><script src="((http:)?//127\.0\.0\.1:\d+)?/_consent/guard\.js\?v=`).MatchString(body) {
		t.Errorf("the guard is not right after <head>: %.300s", body)
	}
	if !strings.Contains(body, `<script type="text/plain" data-consent="statistics" data-consent-src="https://www.googletagmanager.com/gtag/js?id=G-1">`) {
		t.Errorf("the tracker script was not neutralised: %.600s", body)
	}
	if !strings.Contains(body, `<script type="text/plain" data-consent="statistics">gtag('config','G-1')</script>`) {
		t.Errorf("the inline tracker was not neutralised")
	}
	if !strings.Contains(body, `<script src="/own.js"></script>`) {
		t.Errorf("the site's own script changed")
	}
	if !strings.Contains(body, "/_consent/banner.js") || strings.Index(body, "/_consent/banner.js") > strings.Index(body, "</body>") {
		t.Errorf("the banner is not before </body>")
	}
}

func TestWriterConformance(t *testing.T) {
	h := provisionHandler(t, &Handler{})
	for _, tc := range []struct {
		name    string
		method  string
		headers []string
		next    func(w http.ResponseWriter, r *http.Request) error
		check   func(t *testing.T, res *http.Response, body string)
	}{
		{
			name: "HTML with a length and a strong ETag",
			next: func(w http.ResponseWriter, r *http.Request) error {
				w.Header().Set("Content-Type", "text/html; charset=utf-8")
				w.Header().Set("Content-Length", fmt.Sprint(len(trackerPage)))
				w.Header().Set("ETag", `"abc"`)
				_, err := io.WriteString(w, trackerPage)
				return err
			},
			check: func(t *testing.T, res *http.Response, body string) {
				assertRewritten(t, body)
				if res.ContentLength != -1 || res.Header.Get("Content-Length") != "" {
					t.Errorf("Content-Length kept: %q", res.Header.Get("Content-Length"))
				}
				if res.Header.Get("ETag") != `W/"abc`+strongTag(consentTag(policy.NoChoice(), false, "en", h.pageGeneration))+`"` {
					t.Errorf("ETag %q, want weak and consent-specific", res.Header.Get("ETag"))
				}
				if res.Header.Get("Last-Modified") != "" {
					t.Errorf("Last-Modified kept: revalidation by date cannot see the consent")
				}
				if !strings.Contains(strings.Join(res.Header.Values("Vary"), ","), "Cookie") {
					t.Errorf("Vary %q", res.Header.Values("Vary"))
				}
			},
		},
		{
			name: "digests, ranges and dates of the bytes as sent go",
			next: func(w http.ResponseWriter, r *http.Request) error {
				hdr := w.Header()
				hdr.Set("Content-Type", "text/html; charset=utf-8")
				for _, k := range []string{"Content-MD5", "Digest", "Content-Digest", "Repr-Digest", "Accept-Ranges", "Last-Modified", "Content-Length"} {
					hdr.Set(k, "x") // Set canonicalises the name, as reverse_proxy's copy does
				}
				_, err := io.WriteString(w, trackerPage)
				return err
			},
			check: func(t *testing.T, res *http.Response, body string) {
				assertRewritten(t, body)
				for _, k := range []string{"Content-MD5", "Digest", "Content-Digest", "Repr-Digest", "Accept-Ranges", "Last-Modified", "Content-Length"} {
					if v := res.Header.Get(k); v != "" {
						t.Errorf("%s kept: %q", k, v)
					}
				}
			},
		},
		{
			name: "the page's CSP nonce is on every script tag we add",
			next: func(w http.ResponseWriter, r *http.Request) error {
				w.Header().Set("Content-Type", "text/html")
				w.Header().Set("Content-Security-Policy", "default-src 'self'; script-src 'self' 'nonce-r4nd0m+/='; style-src 'self'")
				_, err := io.WriteString(w, trackerPage)
				return err
			},
			check: func(t *testing.T, res *http.Response, body string) {
				assertRewritten(t, body)
				tags := regexp.MustCompile(`<script[^>]*consent/(guard|banner)\.js[^>]*>`).FindAllString(body, -1)
				if len(tags) != 2 {
					t.Fatalf("found %d of our script tags: %q", len(tags), tags)
				}
				for _, tag := range tags {
					m := regexp.MustCompile(`nonce="([^"]*)"`).FindStringSubmatch(tag)
					if m == nil || html.UnescapeString(m[1]) != "r4nd0m+/=" {
						t.Errorf("our script tag lacks the page's nonce: %s", tag)
					}
				}
			},
		},
		{
			name: "HTML without a Content-Type is sniffed and rewritten",
			next: func(w http.ResponseWriter, r *http.Request) error {
				_, err := io.WriteString(w, trackerPage)
				return err
			},
			check: func(t *testing.T, res *http.Response, body string) {
				assertRewritten(t, body)
				if !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
					t.Errorf("Content-Type %q", res.Header.Get("Content-Type"))
				}
			},
		},
		{
			name: "ReadFrom (file_server's io.Copy) goes through the rewriter",
			next: func(w http.ResponseWriter, r *http.Request) error {
				w.Header().Set("Content-Type", "text/html")
				http.ServeContent(w, r, "page.html", time.Time{}, strings.NewReader(trackerPage))
				return nil
			},
			check: func(t *testing.T, res *http.Response, body string) { assertRewritten(t, body) },
		},
		{
			name:   "HEAD: no body, the headers of the GET",
			method: http.MethodHead,
			next: func(w http.ResponseWriter, r *http.Request) error {
				w.Header().Set("Content-Type", "text/html")
				w.Header().Set("Content-Length", "1000")
				w.Header().Set("ETag", `"abc"`)
				return nil
			},
			check: func(t *testing.T, res *http.Response, body string) {
				// HEAD is never rewritten: its header is the upstream's.
				if body != "" || res.Header.Get("ETag") != `"abc"` || res.Header.Get("Content-Length") != "1000" {
					t.Errorf("HEAD: body %q ETag %q Content-Length %q", body, res.Header.Get("ETag"), res.Header.Get("Content-Length"))
				}
			},
		},
		{
			// A range of a page is bytes of the page before it was
			// rewritten: a navigation's Range and If-Range are not passed
			// on, and the page comes whole (the probe of 2026-11-29).
			name:    "a navigation's Range is not passed on",
			headers: []string{"Range: bytes=0-9", "If-Range: \"v1\""},
			next: func(w http.ResponseWriter, r *http.Request) error {
				w.Header().Set("Content-Type", "text/html")
				if r.Header.Get("Range") != "" || r.Header.Get("If-Range") != "" {
					w.Header().Set("Content-Range", "bytes 0-9/100")
					w.WriteHeader(http.StatusPartialContent)
					_, err := io.WriteString(w, "<html><he")
					return err
				}
				_, err := io.WriteString(w, "<html><head></head><body>page</body></html>")
				return err
			},
			check: func(t *testing.T, res *http.Response, body string) {
				if res.StatusCode != 200 || !strings.Contains(body, "guard.js") || !strings.Contains(body, "page") {
					t.Errorf("a navigation with Range: %d %.80q, want the whole page rewritten", res.StatusCode, body)
				}
			},
		},
		{
			name: "an unsolicited 206 is rendered whole, so rewritten as a 200",
			next: func(w http.ResponseWriter, r *http.Request) error {
				w.Header().Set("Content-Type", "text/html")
				w.Header().Set("Content-Range", "bytes 0-199/200")
				w.WriteHeader(http.StatusPartialContent)
				_, err := io.WriteString(w, trackerPage)
				return err
			},
			check: func(t *testing.T, res *http.Response, body string) {
				assertRewritten(t, body)
				if res.StatusCode != 200 || res.Header.Get("Content-Range") != "" {
					t.Errorf("unsolicited 206: %d Content-Range %q", res.StatusCode, res.Header.Get("Content-Range"))
				}
			},
		},
		{
			name: "304 passes with no body",
			next: func(w http.ResponseWriter, r *http.Request) error {
				w.Header().Set("Content-Type", "text/html")
				w.Header().Set("ETag", `"abc"`)
				w.WriteHeader(http.StatusNotModified)
				return nil
			},
			check: func(t *testing.T, res *http.Response, body string) {
				if res.StatusCode != 304 || body != "" {
					t.Errorf("304: %d %q", res.StatusCode, body)
				}
			},
		},
		{
			name: "204 passes",
			next: func(w http.ResponseWriter, r *http.Request) error {
				w.Header().Set("Content-Type", "text/html")
				w.WriteHeader(http.StatusNoContent)
				return nil
			},
			check: func(t *testing.T, res *http.Response, body string) {
				if res.StatusCode != 204 || body != "" {
					t.Errorf("204: %d %q", res.StatusCode, body)
				}
			},
		},
		{
			name: "JSON passes untouched with its length",
			next: func(w http.ResponseWriter, r *http.Request) error {
				w.Header().Set("Content-Type", "application/json")
				w.Header().Set("Content-Length", "27")
				w.Header().Set("ETag", `"j"`)
				_, err := io.WriteString(w, `{"html":"<head></head>x"}`+"\n\n")
				return err
			},
			check: func(t *testing.T, res *http.Response, body string) {
				if body != `{"html":"<head></head>x"}`+"\n\n" || res.Header.Get("Content-Length") != "27" || res.Header.Get("ETag") != `"j"` {
					t.Errorf("JSON changed: %q %q %q", body, res.Header.Get("Content-Length"), res.Header.Get("ETag"))
				}
			},
		},
		{
			name: "an unknown encoding is read raw, as browsers render it; cookies still enforced",
			next: func(w http.ResponseWriter, r *http.Request) error {
				w.Header().Set("Content-Type", "text/html")
				w.Header().Set("Content-Encoding", "compress")
				w.Header().Add("Set-Cookie", "_ga=1; Path=/")
				_, err := io.WriteString(w, trackerPage)
				return err
			},
			check: func(t *testing.T, res *http.Response, body string) {
				assertRewritten(t, body)
				if res.Header.Get("Content-Encoding") != "compress" {
					t.Errorf("unknown encoding: Content-Encoding %q", res.Header.Get("Content-Encoding"))
				}
				if len(res.Header.Values("Set-Cookie")) != 0 {
					t.Errorf("Set-Cookie leaked: %q", res.Header.Values("Set-Cookie"))
				}
			},
		},
		{
			name: "an error after Set-Cookie: the error response carries no unconsented cookie",
			next: func(w http.ResponseWriter, r *http.Request) error {
				w.Header().Add("Set-Cookie", "_ga=1; Path=/")
				w.Header().Add("Set-Cookie", "JSESSIONID=1; Path=/")
				return caddyhttp.Error(http.StatusBadGateway, errors.New("upstream down"))
			},
			check: func(t *testing.T, res *http.Response, body string) {
				if res.StatusCode != 502 {
					t.Errorf("status %d", res.StatusCode)
				}
				if got := strings.Join(res.Header.Values("Set-Cookie"), " | "); got != "JSESSIONID=1; Path=/" {
					t.Errorf("Set-Cookie on the error response: %q", got)
				}
			},
		},
		{
			name: "a handler that writes nothing still has its cookies filtered",
			next: func(w http.ResponseWriter, r *http.Request) error {
				w.Header().Add("Set-Cookie", "_gcl_au=1; Path=/")
				return nil
			},
			check: func(t *testing.T, res *http.Response, body string) {
				if len(res.Header.Values("Set-Cookie")) != 0 {
					t.Errorf("Set-Cookie leaked: %q", res.Header.Values("Set-Cookie"))
				}
			},
		},
		{
			name: "1xx passes through before the final response",
			next: func(w http.ResponseWriter, r *http.Request) error {
				w.Header().Add("Link", "</style.css>; rel=preload")
				w.WriteHeader(http.StatusEarlyHints)
				w.Header().Set("Content-Type", "text/plain")
				_, err := io.WriteString(w, "final")
				return err
			},
			check: func(t *testing.T, res *http.Response, body string) {
				if res.StatusCode != 200 || body != "final" {
					t.Errorf("after 103: %d %q", res.StatusCode, body)
				}
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			url := serve(t, h, tc.next)
			method := tc.method
			if method == "" {
				method = http.MethodGet
			}
			res, body := get(t, url, method, tc.headers...)
			tc.check(t, res, body)
		})
	}
}

func TestWriterDecodesCompressedHTML(t *testing.T) {
	h := provisionHandler(t, &Handler{})
	for _, enc := range []string{"gzip", "deflate", "deflate-raw", "br", "zstd"} {
		t.Run(enc, func(t *testing.T) {
			header := enc
			if enc == "deflate-raw" {
				header = "deflate"
			}
			body := compress(t, enc, []byte(trackerPage))
			url := serve(t, h, func(w http.ResponseWriter, r *http.Request) error {
				w.Header().Set("Content-Type", "text/html")
				w.Header().Set("Content-Encoding", header)
				w.Header().Set("Content-Length", fmt.Sprint(len(body)))
				// In small pieces, as a proxy streams it.
				for i := 0; i < len(body); i += 7 {
					if _, err := w.Write(body[i:min(i+7, len(body))]); err != nil {
						return err
					}
				}
				return nil
			})
			res, got := get(t, url, "GET")
			if res.Header.Get("Content-Encoding") != "" {
				t.Errorf("Content-Encoding %q left on a decoded body", res.Header.Get("Content-Encoding"))
			}
			assertRewritten(t, got)
		})
	}
}

func TestWriterSurvivesBrokenCompressedBodies(t *testing.T) {
	h := provisionHandler(t, &Handler{})
	full := compress(t, "gzip", []byte(strings.Repeat(trackerPage, 50)))
	for name, body := range map[string][]byte{
		"truncated gzip": full[:len(full)/2],
		"garbage":        []byte("this is not gzip at all, not even close"),
		"empty":          nil,
	} {
		t.Run(name, func(t *testing.T) {
			url := serve(t, h, func(w http.ResponseWriter, r *http.Request) error {
				w.Header().Set("Content-Type", "text/html")
				w.Header().Set("Content-Encoding", "gzip")
				_, err := w.Write(body)
				return err
			})
			res, got := get(t, url, "GET")
			if res.StatusCode != 200 {
				t.Errorf("status %d", res.StatusCode)
			}
			// A tag cut off by the end of the body may pass as it came: a
			// browser drops a tag that the end of the file interrupts.
			if regexp.MustCompile(`<script src="https://www.googletagmanager.com[^>]*>`).MatchString(got) {
				t.Errorf("a tracker passed unneutralised from a broken body")
			}
		})
	}
}

// TestWriterStreams proves the body is not buffered: the client reads the
// first part while the handler still waits to write the second.
func TestWriterStreams(t *testing.T) {
	h := provisionHandler(t, &Handler{})
	for _, tc := range []struct{ name, contentType, first string }{
		{"HTML", "text/html", "<html><head></head><body><p>first part</p>"},
		{"server-sent events", "text/event-stream", "data: first part\n\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			release := make(chan struct{})
			url := serve(t, h, func(w http.ResponseWriter, r *http.Request) error {
				w.Header().Set("Content-Type", tc.contentType)
				io.WriteString(w, tc.first)
				if err := http.NewResponseController(w).Flush(); err != nil {
					return err
				}
				<-release
				io.WriteString(w, "second part")
				return nil
			})
			res := navigate(t, url)
			defer res.Body.Close()
			buf := make([]byte, 4096)
			var got []byte
			deadline := time.Now().Add(5 * time.Second)
			for !strings.Contains(string(got), "first part") {
				if time.Now().After(deadline) {
					t.Fatalf("the first part did not arrive before the handler finished; got %q", got)
				}
				n, err := res.Body.Read(buf)
				got = append(got, buf[:n]...)
				if err != nil {
					t.Fatalf("read: %v (got %q)", err, got)
				}
			}
			close(release)
			rest, _ := io.ReadAll(res.Body)
			if !strings.Contains(string(rest), "second part") {
				t.Errorf("the second part is missing: %q", rest)
			}
		})
	}
}

// TestWriterLargePageHoldsLittle streams a 50 MB page and checks the client
// receives bytes long before the upstream has written them all.
func TestWriterLargePageHoldsLittle(t *testing.T) {
	h := provisionHandler(t, &Handler{})
	chunk := []byte(strings.Repeat(`<p>lorem ipsum <script src="https://www.googletagmanager.com/x.js"></script><img src="/a.png"></p>`, 300))
	const total = 50 << 20
	var written int64
	progress := make(chan int64, 1)
	url := serve(t, h, func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("Content-Type", "text/html")
		io.WriteString(w, "<html><head></head><body>")
		for written < total {
			n, err := w.Write(chunk)
			if err != nil {
				return err
			}
			written += int64(n)
			select {
			case progress <- written:
			default:
			}
		}
		return nil
	})
	res := navigate(t, url)
	defer res.Body.Close()
	var read int64
	maxLag := int64(0)
	buf := make([]byte, 64<<10)
	for {
		n, err := res.Body.Read(buf)
		read += int64(n)
		select {
		case w := <-progress:
			// Bytes written upstream but not yet read here sit in the
			// rewriter, the connection's buffers and the kernel's socket
			// buffers; the rewriter's share is at most 64 KiB.
			maxLag = max(maxLag, w-read)
		default:
		}
		if err != nil {
			break
		}
	}
	if read < total {
		t.Fatalf("read %d bytes, want at least %d", read, total)
	}
	if maxLag > 16<<20 {
		t.Errorf("the client lagged %d bytes behind the upstream: the body is being buffered", maxLag)
	}
	t.Logf("max lag %d KiB over %d MiB", maxLag>>10, read>>20)
}

// TestWriterRevalidation: a page cached under one consent must not be
// revalidated (304) under another, or the visitor keeps the old rewrite.
func TestWriterRevalidation(t *testing.T) {
	h := provisionHandler(t, &Handler{})
	var sawINM, sawIMS []string
	url := serve(t, h, func(w http.ResponseWriter, r *http.Request) error {
		sawINM = append(sawINM, r.Header.Get("If-None-Match"))
		sawIMS = append(sawIMS, r.Header.Get("If-Modified-Since"))
		w.Header().Set("ETag", `"v1"`)
		w.Header().Set("Last-Modified", "Mon, 02 Jan 2006 15:04:05 GMT")
		if r.Header.Get("If-None-Match") == `W/"v1"` || r.Header.Get("If-None-Match") == `"v1"` {
			w.WriteHeader(http.StatusNotModified)
			return nil
		}
		w.Header().Set("Content-Type", "text/html")
		_, err := io.WriteString(w, trackerPage)
		return err
	})
	res, _ := get(t, url, "GET", "Accept: text/html")
	tag := res.Header.Get("ETag")
	if tag != `W/"v1`+strongTag(consentTag(policy.NoChoice(), false, "en", h.pageGeneration))+`"` {
		t.Fatalf("ETag %q", tag)
	}

	// Same consent: the upstream sees its own tag and answers 304; the
	// visitor gets the tag back as sent.
	res, _ = get(t, url, "GET", "Accept: text/html", "If-None-Match: "+tag, "If-Modified-Since: Mon, 02 Jan 2006 15:04:05 GMT")
	if res.StatusCode != http.StatusNotModified || res.Header.Get("ETag") != tag {
		t.Errorf("same consent: %d ETag %q, want 304 %q", res.StatusCode, res.Header.Get("ETag"), tag)
	}
	// The upstream's tag was strong: it gets it back strong, as it issued
	// it (an application may compare If-None-Match byte for byte).
	if sawINM[1] != `"v1"` || sawIMS[1] != "" {
		t.Errorf("the upstream saw If-None-Match %q If-Modified-Since %q", sawINM[1], sawIMS[1])
	}

	// Another consent: the cached page is not this visitor's any more.
	other := `W/"v1` + strongTag(consentTag(policy.Consent{Given: true, Granted: 0b1111}, false, "en", h.pageGeneration)) + `"`
	res, body := get(t, url, "GET", "Accept: text/html", "If-None-Match: "+other)
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "guard.js") {
		t.Errorf("another consent: %d, want 200 with a fresh rewrite", res.StatusCode)
	}
	if sawINM[2] != "" {
		t.Errorf("the upstream saw If-None-Match %q for another consent's page", sawINM[2])
	}

	// "Only if there is none" is not a cached copy: it goes on.
	get(t, url, "GET", "Accept: text/html", "If-None-Match: *")
	if got := sawINM[len(sawINM)-1]; got != "*" {
		t.Errorf("If-None-Match: * reached the upstream as %q", got)
	}
	sawINM = sawINM[:len(sawINM)-1]

	// The upstream's own tag, from a copy cached before consentgate was in
	// front: no page we rewrote had it, so it is not sent on.
	res, body = get(t, url, "GET", "Accept: text/html", `If-None-Match: "v1", W/"v1"`)
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "guard.js") || sawINM[3] != "" {
		t.Errorf("the upstream's own tag: %d, the upstream saw %q; want 200 with a fresh rewrite", res.StatusCode, sawINM[3])
	}

	// The same consent after the owner changed what a page becomes (a
	// blocker added, report switched to enforce): the tag is another, and
	// the one cached before does not match.
	src, err := os.ReadFile("testdata/policy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	added := &Handler{}
	added.setPolicyPath(writePolicy(t, strings.Replace(string(src), "hosts: [www.googletagmanager.com,", "hosts: [stats.example.net, www.googletagmanager.com,", 1)))
	same := &Handler{}
	same.setPolicyPath(writePolicy(t, string(src)))
	for _, tc := range []struct {
		what  string
		h     *Handler
		match bool
	}{
		{"the same policy elsewhere", provisionHandler(t, same), true},
		{"a blocker added", provisionHandler(t, added), false},
		{"report mode", provisionHandler(t, &Handler{Mode: modeReport}), false},
		{"without the banner", provisionHandler(t, &Handler{Banner: new(bool)}), false},
	} {
		if got := tc.h.pageGeneration == h.pageGeneration; got != tc.match {
			t.Errorf("%s: generation %q, before %q", tc.what, tc.h.pageGeneration, h.pageGeneration)
		}
		if tc.match {
			continue
		}
		n := len(sawINM)
		res, _ = get(t, serve(t, tc.h, func(w http.ResponseWriter, r *http.Request) error {
			sawINM = append(sawINM, r.Header.Get("If-None-Match"))
			if r.Header.Get("If-None-Match") != "" {
				w.WriteHeader(http.StatusNotModified)
				return nil
			}
			w.Header().Set("ETag", `"v1"`)
			w.Header().Set("Content-Type", "text/html")
			_, err := io.WriteString(w, trackerPage)
			return err
		}), "GET", "Accept: text/html", "If-None-Match: "+tag)
		if res.StatusCode != http.StatusOK || sawINM[n] != "" {
			t.Errorf("%s: the tag of before gave %d (the upstream saw %q), want 200", tc.what, res.StatusCode, sawINM[n])
		}
	}
}

// TestWriterBannerWhereverTheWriteEnds: the banner is rendered into a
// buffer that is reused once the upstream's write that inserted it has
// returned. Whatever write the </body> arrives in, and with pages of two
// languages served at once, every page must equal the one written in a
// single write: a buffer handed back too early would show as another
// page's banner or bytes overwritten.
func TestWriterBannerWhereverTheWriteEnds(t *testing.T) {
	h := provisionHandler(t, &Handler{})
	page := trackerPage[:len(trackerPage)-len("</html>")] + `<p>after the body</p></html>`
	end := strings.Index(page, "</body>")
	url := serve(t, h, func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		cut, _ := strconv.Atoi(r.URL.Query().Get("cut"))
		for _, part := range []string{page[:cut], page[cut:]} {
			if _, err := io.WriteString(w, part); err != nil {
				return err
			}
		}
		return nil
	})
	langs := h.policy.Languages
	want := map[string]string{}
	for _, lang := range langs {
		_, want[lang] = get(t, fmt.Sprintf("%s/p?lang=%s&cut=%d", url, lang, len(page)), "GET")
		if !strings.Contains(want[lang], "after the body") || !strings.Contains(want[lang], `lang="`+lang) {
			t.Fatalf("%s: the reference page is not rewritten as expected: %q", lang, want[lang])
		}
	}
	var wg sync.WaitGroup
	for cut := end - 8; cut <= end+len("</body>")+8; cut++ {
		for _, lang := range langs {
			wg.Go(func() {
				// Only the cut differs from the reference's URL, and the
				// banner's return path does not carry the query.
				if _, got := get(t, fmt.Sprintf("%s/p?lang=%s&cut=%d", url, lang, cut), "GET"); got != strings.ReplaceAll(want[lang], fmt.Sprintf("cut=%d", len(page)), fmt.Sprintf("cut=%d", cut)) {
					t.Errorf("%s, cut at %d: the page differs from the one written at once:\n%q\nwant\n%q", lang, cut, got, want[lang])
				}
			})
		}
	}
	wg.Wait()
}

// TestWriterGrantedVisitorPassesTrackers: a visitor who granted every category
// that has blockers gets the page's elements byte for byte (the rewriter runs
// without Block, docs/BENCHMARKS.md), with the guard and the settings button
// inserted; one category refused, and its trackers are held back again. The
// page also ends inside an inline script that never ends (a truncated page),
// which passes through as it came.
func TestWriterGrantedVisitorPassesTrackers(t *testing.T) {
	h := provisionHandler(t, &Handler{})
	page := trackerPage + `<script>gtag('event','x')`
	url := serve(t, h, func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, err := io.WriteString(w, page)
		return err
	})
	all := h.codec.Encode(h.codec.NewChoice(h.policy.SetOf(h.policy.CategoryIDs())))
	_, body := get(t, url, "GET", "Cookie: cookie_consent="+all)
	guard := regexp.MustCompile(`<script src="[^"]*/_consent/guard\.js\?v=[^"]*"[^>]*></script>`)
	if n := len(guard.FindAllString(body, -1)); n != 1 || !strings.HasPrefix(body[strings.Index(body, "<head>")+6:], guard.FindString(body)) {
		t.Fatalf("the guard is not once right after <head>: %s", body)
	}
	settings := strings.Index(body, "</body>")
	if settings < 0 || !strings.Contains(body[:settings], "/_consent/banner.js") {
		t.Fatalf("no settings button before </body>: %s", body)
	}
	// Take the insertions out: what is left is the page as it came.
	rest := guard.ReplaceAllString(body, "")
	bodyIn := strings.Index(rest, "<p>hello</p>") + len("<p>hello</p>")
	rest = rest[:bodyIn] + rest[strings.Index(rest, "</body>"):]
	if rest != page {
		t.Errorf("the granted visitor's page changed beyond the insertions:\n got %s\nwant %s", rest, page)
	}

	var ids []string
	for _, id := range h.policy.CategoryIDs() {
		if id != "statistics" {
			ids = append(ids, id)
		}
	}
	some := h.codec.Encode(h.codec.NewChoice(h.policy.SetOf(ids)))
	_, body = get(t, url, "GET", "Cookie: cookie_consent="+some)
	if !strings.Contains(body, `<script type="text/plain" data-consent="statistics" data-consent-src="https://www.googletagmanager.com/gtag/js?id=G-1">`) {
		t.Errorf("statistics refused, its tracker passed: %s", body)
	}
}

// TestCookieClassesRemember: the classes a request remembers for its
// response are the classifier's, whichever order the names come in, for
// names declared exactly or by a pattern, known, undeclared, the consent
// cookie's and the empty one, and for the names past the remembered few.
func TestCookieClassesRemember(t *testing.T) {
	h := provisionHandler(t, &Handler{})
	names := []string{"JSESSIONID", "_ga", "_ga_ABC123", "_ga_XYZ", "lang", "FPID", "_gcl_au",
		"oep.selectedView", h.policy.Consent.Name, "", "_fbp", "wordpress_logged_in_abc",
		"visitor_fingerprint", "__utma", "x", "_GA", "_ga_"}
	if len(names) <= rememberedClasses {
		t.Fatalf("%d names do not reach past the %d remembered", len(names), rememberedClasses)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 50 {
		var m cookieClasses
		order := append(slices.Clone(names), names...)
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, n := range order {
			if got, want := m.classify(h.classifier, n), h.classifier.Classify(n); got != want {
				t.Fatalf("round %d: %q remembered as %+v, classified %+v", round, n, got, want)
			}
		}
		if m.n != rememberedClasses {
			t.Fatalf("round %d: %d remembered, want %d", round, m.n, rememberedClasses)
		}
	}
}

// TestMetaCSPNonce: a page whose Content-Security-Policy comes in a <meta>
// gets its script nonce on the scripts we insert after it (the banner, a
// placeholder's) and its style nonce on our style sheet links; the guard,
// inserted right after <head> and so before the meta, is not bound by it.
// A nonce in the header wins for its kind: the header's policy binds every
// tag; the meta's still gives the other kind's.
func TestMetaCSPNonce(t *testing.T) {
	h := provisionHandler(t, &Handler{})
	const page = `<!DOCTYPE html><html><head><meta http-equiv="Content-Security-Policy" content="script-src 'nonce-m&quot;1'; style-src 'nonce-m2'"></head>` +
		`<body><p>hello</p><iframe src="https://www.googletagmanager.com/ns.html?id=GTM-1"></iframe></body></html>`
	var header string
	url := serve(t, h, func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if header != "" {
			w.Header().Set("Content-Security-Policy", header)
		}
		_, err := io.WriteString(w, page)
		return err
	})
	tags := regexp.MustCompile(`<script[^>]*>|<link rel="stylesheet"[^>]*>`)
	for _, tc := range []struct{ header, script, style string }{
		{"", `nonce="m&#34;1"`, `nonce="m2"`},
		{"script-src 'nonce-h2'; style-src 'nonce-h3'", `nonce="h2"`, `nonce="h3"`},
		{"script-src 'nonce-h2'", `nonce="h2"`, `nonce="m2"`},
		{"style-src 'nonce-h5'", `nonce="m&#34;1"`, `nonce="h5"`},
		{"default-src 'nonce-h4'", `nonce="h4"`, `nonce="h4"`},
	} {
		header = tc.header
		_, body := get(t, url, "GET")
		meta := strings.Index(body, "<meta http-equiv")
		if meta < 0 {
			t.Fatalf("no meta in %s", body)
		}
		after := tags.FindAllString(body[meta:], -1)
		if len(after) < 5 || !strings.Contains(body, `data-cg-ph="statistics"`) {
			t.Fatalf("the banner and the iframe's placeholder are not both after the meta: %s", body)
		}
		for _, s := range after {
			want := tc.script
			if strings.HasPrefix(s, "<link") {
				want = tc.style
			}
			if !strings.Contains(s, want) {
				t.Errorf("header %q: %s lacks %s", tc.header, s, want)
			}
		}
	}
}

// manyRefusedCookies is a hostile Cookie header: 20,000 copies of one refused
// name, then 20,000 of a second (each looked for past all of the first), then
// 100 distinct refused names.
func manyRefusedCookies() string {
	var b strings.Builder
	for range 20000 {
		b.WriteString("_ga_A=1; ")
	}
	for range 20000 {
		b.WriteString("_ga_B=1; ")
	}
	for i := range 100 {
		fmt.Fprintf(&b, "_ga_C%d=1; ", i)
	}
	b.WriteString("JSESSIONID=s")
	return b.String()
}

// TestManyRefusedCookiesExpiredOnce: each refused name the request carried is
// expired once, in the order first seen, at most maxExpiries headers in all,
// and the site's own cookie is kept. (Before, the names were deduplicated by
// searching all earlier ones: quadratic, 15 s of CPU for 100,000 cookies where
// the server allows 1 MB headers; BenchmarkManyRefusedCookies shows the cost.)
func TestManyRefusedCookiesExpiredOnce(t *testing.T) {
	h := provisionHandler(t, &Handler{})
	r := httptest.NewRequest(http.MethodGet, "http://example.test/", nil)
	r.Header.Set("Cookie", manyRefusedCookies())
	w := httptest.NewRecorder()
	var upstreamCookies string
	next := caddyhttp.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		upstreamCookies = r.Header.Get("Cookie")
		w.Header().Set("Content-Type", "application/json")
		_, err := io.WriteString(w, "{}")
		return err
	})
	if err := h.ServeHTTP(w, r, next); err != nil {
		t.Fatal(err)
	}
	if upstreamCookies != "JSESSIONID=s" {
		t.Errorf("the upstream got %.80q, want only JSESSIONID", upstreamCookies)
	}
	sc := w.Result().Header["Set-Cookie"]
	if len(sc) == 0 || len(sc) > maxExpiries {
		t.Fatalf("%d Set-Cookie, want 1 to %d", len(sc), maxExpiries)
	}
	var names []string
	for _, v := range sc {
		c := policy.ParseSetCookie(v)
		if !c.Valid {
			t.Fatalf("%q is no valid header", v)
		}
		if !slices.Contains(names, c.Name) {
			names = append(names, c.Name)
		}
	}
	if len(names) < 3 || names[0] != "_ga_A" || names[1] != "_ga_B" || names[2] != "_ga_C0" {
		t.Errorf("expired %q, want _ga_A, _ga_B, _ga_C0, ... in the order first seen", names)
	}
	seen := map[string]bool{}
	for _, v := range sc {
		if seen[v] {
			t.Errorf("%q twice", v)
		}
		seen[v] = true
	}
}

// BenchmarkManyRefusedCookies: the hostile header of TestManyRefusedCookiesExpiredOnce
// through the handler (40,100 cookies): linear in the header's length.
func BenchmarkManyRefusedCookies(b *testing.B) {
	h := provisionHandler(b, &Handler{})
	cookies := manyRefusedCookies()
	next := caddyhttp.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("Content-Type", "application/json")
		_, err := io.WriteString(w, "{}")
		return err
	})
	b.ReportAllocs()
	for b.Loop() {
		r := httptest.NewRequest(http.MethodGet, "http://example.test/", nil)
		r.Header.Set("Cookie", cookies)
		if err := h.ServeHTTP(httptest.NewRecorder(), r, next); err != nil {
			b.Fatal(err)
		}
	}
}

// TestElementMetricLabelsBounded: the page names its elements, custom ones
// too; each name would be a Prometheus series never deleted (a probe's page
// of 200 <x-comment-N style="background:url(tracker)"> made 200). Names the
// rewriter does not know count as "other".
func TestElementMetricLabelsBounded(t *testing.T) {
	h := provisionHandler(t, &Handler{})
	var page strings.Builder
	page.WriteString(`<!DOCTYPE html><html><head></head><body><script src="https://www.googletagmanager.com/gtag/js"></script><div style="background:url(https://www.googletagmanager.com/p.png)"></div>`)
	for i := range 200 {
		fmt.Fprintf(&page, `<x-comment-%d style="background:url(https://www.googletagmanager.com/p.png)"></x-comment-%d>`, i, i)
	}
	page.WriteString(`</body></html>`)
	// The registry is the process's, shared with the package's other tests.
	series := func() int {
		ch := make(chan prometheus.Metric, 1<<14)
		h.metrics.elements.Collect(ch)
		return len(ch)
	}
	before := series()
	url := serve(t, h, func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("Content-Type", "text/html")
		_, err := io.WriteString(w, page.String())
		return err
	})
	if res, body := get(t, url, "GET", "Accept: text/html"); res.StatusCode != 200 || strings.Contains(body, `style="background:url(https://www.googletagmanager.com`) {
		t.Fatalf("%d, not held back: %.300s", res.StatusCode, body)
	}
	if n := series() - before; n > 3 {
		t.Errorf("%d new series of elements_blocked_total, want at most 3 (script, div, other)", n)
	}
	for _, tag := range []string{"script", "div", "other"} {
		if !h.metrics.elements.DeleteLabelValues("statistics", tag) {
			t.Errorf("no series for element %q", tag)
		}
	}
}

// TestUpstreamTagComesBackAsIssued: the upstream gets its own tag back, strong
// or weak, as it issued it: an application that compares If-None-Match byte
// for byte (PHP's ===) answered 200 to the weak form of its strong tag.
func TestUpstreamTagComesBackAsIssued(t *testing.T) {
	h := provisionHandler(t, &Handler{})
	for _, issued := range []string{`"abc"`, `W/"abc"`, `"abc-s"`, `W/"x-cgs"`} {
		var saw string
		url := serve(t, h, func(w http.ResponseWriter, r *http.Request) error {
			w.Header().Set("ETag", issued)
			if saw = r.Header.Get("If-None-Match"); saw == issued {
				w.WriteHeader(http.StatusNotModified)
				return nil
			}
			w.Header().Set("Content-Type", "text/html")
			_, err := io.WriteString(w, trackerPage)
			return err
		})
		res, _ := get(t, url, "GET", "Accept: text/html")
		tag := res.Header.Get("ETag")
		res, _ = get(t, url, "GET", "Accept: text/html", "If-None-Match: "+tag)
		if saw != issued || res.StatusCode != http.StatusNotModified || res.Header.Get("ETag") != tag {
			t.Errorf("%s: ours %s, the upstream got back %s, answer %d %s", issued, tag, saw, res.StatusCode, res.Header.Get("ETag"))
		}
	}
}
