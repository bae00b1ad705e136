package caddymodule

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zlib"
	"github.com/klauspost/compress/zstd"
	"golang.org/x/net/http2"
)

// The lifetime tests drive every way a response can end early through real
// Caddy — an upstream that promises more than it sends, resets, stalls or
// sends garbage, and clients that go away at any byte, over HTTP/1.1 and
// HTTP/2 — and check that the process survives and that goroutines and heap
// come back to where they were: nothing we start outlives the request, and
// nothing writes to a connection after our ServeHTTP returned.

// hostileUpstream is a raw TCP server: each connection gets the response the
// test's plan says, byte for byte, and then whatever ending the plan picks.
type hostileUpstream struct {
	ln   net.Listener
	plan func(n int) hostileResponse
	wg   sync.WaitGroup
	n    int
	mu   sync.Mutex
}

type hostileResponse struct {
	coding string // Content-Encoding of the body
	body   []byte // already encoded
	cut    int    // bytes of the body sent before the ending
	ending string // "short" (Content-Length promises 5000 more, then close), "reset", "stall" (wait, then close), "garbage"
	chunk  bool   // chunked, with a flush per piece
}

func newHostileUpstream(t *testing.T, plan func(n int) hostileResponse) *hostileUpstream {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u := &hostileUpstream{ln: ln, plan: plan}
	u.wg.Add(1)
	go func() {
		defer u.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			u.mu.Lock()
			u.n++
			n := u.n
			u.mu.Unlock()
			u.wg.Add(1)
			go func() {
				defer u.wg.Done()
				u.serve(c, u.plan(n))
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		u.wg.Wait()
	})
	return u
}

func (u *hostileUpstream) addr() string { return u.ln.Addr().String() }

func (u *hostileUpstream) serve(c net.Conn, resp hostileResponse) {
	defer c.Close()
	br := bufio.NewReader(c)
	req, err := http.ReadRequest(br)
	if err != nil {
		return
	}
	_, _ = io.Copy(io.Discard, req.Body)
	body := resp.body
	cut := min(resp.cut, len(body))
	var head strings.Builder
	head.WriteString("HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nConnection: close\r\n")
	if resp.coding != "" {
		head.WriteString("Content-Encoding: " + resp.coding + "\r\n")
	}
	if resp.chunk {
		head.WriteString("Transfer-Encoding: chunked\r\n\r\n")
	} else {
		fmt.Fprintf(&head, "Content-Length: %d\r\n\r\n", len(body)+5000)
	}
	if _, err := io.WriteString(c, head.String()); err != nil {
		return
	}
	send := func(p []byte) error {
		if resp.chunk {
			if _, err := fmt.Fprintf(c, "%x\r\n", len(p)); err != nil {
				return err
			}
			if _, err := c.Write(p); err != nil {
				return err
			}
			_, err := io.WriteString(c, "\r\n")
			return err
		}
		_, err := c.Write(p)
		return err
	}
	for i := 0; i < cut; i += 4096 {
		if send(body[i:min(i+4096, cut)]) != nil {
			return
		}
	}
	switch resp.ending {
	case "reset":
		if tc, ok := c.(*net.TCPConn); ok {
			_ = tc.SetLinger(0)
		}
	case "stall":
		time.Sleep(300 * time.Millisecond)
	case "garbage":
		_ = send(bytes.Repeat([]byte{0xde, 0xad, 0xbe, 0xef}, 300))
	}
}

// trackerHTML is a page of about size bytes with trackers throughout.
func trackerHTML(size int) []byte {
	var b bytes.Buffer
	b.WriteString("<!DOCTYPE html><html><head><title>t</title></head><body>")
	for i := 0; b.Len() < size; i++ {
		fmt.Fprintf(&b, `<p>paragraph %d <script src="https://www.googletagmanager.com/gtag/js?id=%d"></script><img src="/a%d.png"></p>`, i, i, i)
	}
	b.WriteString("</body></html>")
	return b.Bytes()
}

func encodeAs(t testing.TB, coding string, data []byte) []byte {
	var buf bytes.Buffer
	var w io.WriteCloser
	switch coding {
	case "gzip":
		w = gzip.NewWriter(&buf)
	case "deflate":
		w = zlib.NewWriter(&buf)
	case "br":
		w = brotli.NewWriter(&buf)
	case "zstd":
		zw, err := zstd.NewWriter(&buf)
		if err != nil {
			t.Fatal(err)
		}
		w = zw
	}
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	w.Close()
	return buf.Bytes()
}

// settle waits for the goroutine count to come back to at most want.
func settle(want int, within time.Duration) int {
	deadline := time.Now().Add(within)
	for {
		runtime.GC()
		n := runtime.NumGoroutine()
		if n <= want || time.Now().After(deadline) {
			return n
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

func TestAbortedResponsesLeaveNothingBehind(t *testing.T) {
	codings := []string{"gzip", "br", "zstd", "deflate"}
	page := trackerHTML(96 << 10)
	encoded := map[string][]byte{}
	for _, c := range codings {
		encoded[c] = encodeAs(t, c, page)
	}
	endings := []string{"short", "reset", "stall", "garbage"}
	up := newHostileUpstream(t, func(n int) hostileResponse {
		c := codings[n%len(codings)]
		body := encoded[c]
		cut := len(body) - 10
		if n%3 == 0 {
			cut = len(body) / 2
		}
		return hostileResponse{coding: c, body: body, cut: cut, ending: endings[(n/len(codings))%len(endings)], chunk: n%2 == 0}
	})
	p := startCaddy(t, `
{
	servers {
		protocols h1 h2c
	}
}
http://127.0.0.1:{PORT} {
	encode zstd gzip
	cookie_consent {
		policy testdata/policy.yaml
	}
	reverse_proxy `+up.addr()+`
}
`)
	h1 := &http.Client{Transport: &http.Transport{DisableKeepAlives: true, DisableCompression: true}, Timeout: 10 * time.Second}
	h2 := &http.Client{Transport: &http2.Transport{AllowHTTP: true, DisableCompression: true,
		DialTLSContext: func(ctx context.Context, network, addr string, _ *tls.Config) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, addr)
		}}, Timeout: 10 * time.Second}
	defer h2.Transport.(*http2.Transport).CloseIdleConnections()

	// A third of the visitors granted everything: their pages go through
	// the rewriter without Block.
	granted := provisionHandler(t, &Handler{})
	all := "cookie_consent=" + granted.codec.Encode(granted.codec.NewChoice(granted.policy.SetOf(granted.policy.CategoryIDs())))
	request := func(c *http.Client, readAll, allGranted bool) {
		req, _ := http.NewRequest("GET", p.base+"/", nil)
		req.Header.Set("Sec-Fetch-Dest", "document")
		if allGranted {
			req.Header.Set("Cookie", all)
		}
		req.Header.Set("Accept-Encoding", "gzip, zstd")
		res, err := c.Do(req)
		if err != nil {
			return
		}
		if readAll {
			_, _ = io.Copy(io.Discard, res.Body)
		} else {
			// The client goes away at a random byte.
			_, _ = io.CopyN(io.Discard, res.Body, rand.Int64N(16<<10))
		}
		res.Body.Close()
	}
	// Warm up pools, Caddy's own goroutines and the transports.
	for i := 0; i < 8; i++ {
		request(h1, true, i%2 == 0)
	}
	baseG := settle(0, 2*time.Second)
	baseHeap := heapInUse()

	const total = 500
	var wg sync.WaitGroup
	sem := make(chan struct{}, 16)
	for i := 0; i < total; i++ {
		wg.Add(1)
		sem <- struct{}{}
		go func(i int) {
			defer wg.Done()
			defer func() { <-sem }()
			c := h1
			if i%4 == 3 {
				c = h2
			}
			request(c, i%2 == 0, i%3 == 1)
		}(i)
	}
	wg.Wait()
	h2.Transport.(*http2.Transport).CloseIdleConnections()

	// The process is alive and answers.
	res, body := p.do(t, "GET", "/_consent/consent", nil)
	if res.StatusCode != 200 || !strings.Contains(body, "necessary") {
		t.Fatalf("after the aborts: %d %q", res.StatusCode, body)
	}
	g := settle(baseG+5, 10*time.Second)
	heap := heapInUse()
	t.Logf("%d aborted responses: goroutines %d → %d, heap in use %d → %d KiB", total, baseG, g, baseHeap>>10, heap>>10)
	if g > baseG+5 {
		buf := make([]byte, 1<<20)
		n := runtime.Stack(buf, true)
		t.Errorf("goroutines %d, baseline %d: something outlived its request\n%s", g, baseG, buf[:n])
	}
	if heap > baseHeap+32<<20 {
		t.Errorf("heap in use grew from %d to %d KiB", baseHeap>>10, heap>>10)
	}
}

// TestFileServerClientGoneMidPage: file_server ignores the error of its copy
// when the client goes away and returns as if the page had been sent, so the
// handler closes the response after a failed write: the rewriter then held
// a script across the chunk that was gone, and slicing it panicked (net/http
// recovers and logs "http: panic serving"). Clients read 2,000 bytes of a
// page of inline tracker scripts and reset the connection.
func TestFileServerClientGoneMidPage(t *testing.T) {
	dir := t.TempDir()
	var b bytes.Buffer
	b.WriteString("<!DOCTYPE html><html><head><title>t</title></head><body>")
	for b.Len() < 3<<20 {
		b.WriteString(`<p>paragraph</p><script>gtag("event", "x");` + strings.Repeat("var a = 1; ", 40) + `</script>`)
	}
	b.WriteString("</body></html>")
	if err := os.WriteFile(filepath.Join(dir, "inline.html"), b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	p := startCaddy(t, `
http://127.0.0.1:{PORT} {
	cookie_consent {
		policy testdata/policy.yaml
	}
	root * `+dir+`
	file_server
}
`)
	addr := strings.TrimPrefix(p.base, "http://")
	for i := 0; i < 20; i++ {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(c, "GET /inline.html HTTP/1.1\r\nHost: %s\r\nSec-Fetch-Dest: document\r\nAccept: text/html\r\n\r\n", addr)
		_, _ = io.ReadFull(c, make([]byte, 2000))
		c.(*net.TCPConn).SetLinger(0) // a reset, not a polite close
		c.Close()
	}
	// The server still answers, and nothing panicked meanwhile.
	res, body := p.do(t, "GET", "/_consent/consent", nil)
	if res.StatusCode != 200 || !strings.Contains(body, "necessary") {
		t.Fatalf("after the aborts: %d %q", res.StatusCode, body)
	}
	time.Sleep(200 * time.Millisecond)
	log, err := os.ReadFile(p.logFile)
	if err != nil {
		t.Fatal(err)
	}
	if i := bytes.Index(log, []byte("panic")); i >= 0 {
		t.Errorf("a client gone mid-page made the server panic:\n%s", log[max(0, i-200):min(len(log), i+600)])
	}
}
