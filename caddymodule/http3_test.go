package caddymodule

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/quic-go/quic-go/http3"
)

// TestHTTP3: Caddy serves every HTTPS site over HTTP/3 too (browsers move to
// it after the first response's Alt-Svc), through quic-go's ResponseWriter
// instead of net/http's. The same page is rewritten, cookies filtered and a
// trailer's Set-Cookie dropped over it, and 200 streams the client cancels
// at a random byte leave nothing of ours running.
func TestHTTP3(t *testing.T) {
	page := trackerHTML(200 << 10)
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if r.URL.Path == "/trailer" {
			w.Header().Set("Trailer", "Set-Cookie")
			w.WriteHeader(http.StatusOK)
			fmt.Fprint(w, "<html><head></head><body><p>x</p></body></html>")
			w.Header().Set("Set-Cookie", "_ga=GA1.2.3; Path=/")
			return
		}
		w.Header().Add("Set-Cookie", "_ga=GA1.2.3; Path=/")
		w.Header().Add("Set-Cookie", "PHPSESSID=abc; Path=/; HttpOnly")
		w.Write(page)
	})
	p := startCaddy(t, fmt.Sprintf(`
{
	storage file_system %s
	skip_install_trust
	local_certs
}
https://127.0.0.1:{PORT} {
	tls internal
	encode zstd gzip
	cookie_consent {
		policy testdata/policy.yaml
	}
	reverse_proxy %s {
		# Caddy 2.11.9 copies an HTTP/3 request's trailers into the map its
		# transport reads while net/http probes the body (of unknown length
		# over HTTP/3) in another goroutine: the race detector's report is
		# Caddy's (reverseproxy.go, requestBodyWithTrailers). Buffering the
		# body reads it to its end before the round trip.
		request_buffers 4k
		# No idle upstream connections: the goroutine count below is ours.
		transport http {
			keepalive off
		}
	}
}
`, t.TempDir(), up.hostport()))
	base := strings.Replace(p.base, "http://", "https://", 1)
	tr := &http3.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}
	defer tr.Close()
	c := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	get := func(ctx context.Context, path, encoding string) (*http.Response, error) {
		req, _ := http.NewRequestWithContext(ctx, "GET", base+path, nil)
		req.Header.Set("Sec-Fetch-Dest", "document")
		req.Header.Set("Sec-Fetch-Mode", "navigate")
		if encoding != "" {
			req.Header.Set("Accept-Encoding", encoding)
		}
		return c.Do(req)
	}
	var res *http.Response
	var err error
	// The UDP listener may come up a moment after the TCP one.
	for i := 0; i < 50; i++ {
		if res, err = get(context.Background(), "/", ""); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("no HTTP/3: %v", err)
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil || res.ProtoMajor != 3 || res.StatusCode != http.StatusOK {
		t.Fatalf("%s %d, %v", res.Proto, res.StatusCode, err)
	}
	if sc := res.Header.Values("Set-Cookie"); len(sc) != 1 || !strings.HasPrefix(sc[0], "PHPSESSID=") {
		t.Errorf("Set-Cookie over HTTP/3: %q, want the session cookie alone", sc)
	}
	if !strings.Contains(string(body), "/_consent/guard.js") || strings.Contains(string(body), `<script src="https://www.googletagmanager.com`) {
		t.Errorf("the page over HTTP/3 is not rewritten (%d bytes)", len(body))
	}
	res, err = get(context.Background(), "/", "gzip")
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.Header.Get("Content-Encoding") != "gzip" {
		t.Errorf("encode over HTTP/3: Content-Encoding %q", res.Header.Get("Content-Encoding"))
	}
	res, err = get(context.Background(), "/trailer", "")
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if sc := res.Trailer.Values("Set-Cookie"); len(sc) != 0 {
		t.Errorf("trailer Set-Cookie over HTTP/3: %q", sc)
	}

	baseG := settle(0, 2*time.Second)
	var wg sync.WaitGroup
	for i := 0; i < 200; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			res, err := get(ctx, "/", []string{"", "gzip", "zstd"}[i%3])
			if err != nil {
				return
			}
			io.CopyN(io.Discard, res.Body, rand.Int64N(64<<10))
			cancel()
			res.Body.Close()
		}(i)
	}
	wg.Wait()
	if g := settle(baseG+5, 10*time.Second); g > baseG+5 {
		buf := make([]byte, 1<<20)
		n := runtime.Stack(buf, true)
		t.Errorf("goroutines %d, baseline %d: something outlived its stream\n%s", g, baseG, buf[:n])
	}
	res, err = get(context.Background(), "/", "")
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("after the cancelled streams: %v", err)
	}
	res.Body.Close()
}
