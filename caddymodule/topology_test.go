package caddymodule

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/consentgate/consentgate/internal/testshared"
)

// Deployment topologies, all in one Caddy configuration:
//
//	front  https://localhost:F  a certificate of the test's own, h1 and h2: a
//	       TLS-terminating load balancer, round-robin to A and B over plain HTTP
//	A, B   http://127.0.0.1:A|B  cookie_consent with the same secret, behind
//	       the front (trusted_proxies 127.0.0.1/32), proxying to one upstream
//	C      http://127.0.0.1:C   the same, but trusting no proxy
func TestBehindALoadBalancer(t *testing.T) {
	up := newUpstream(t, legacySite)
	front, a, b, c := testshared.FreePort(t), testshared.FreePort(t), testshared.FreePort(t), testshared.FreePort(t)
	site := func(port int) string {
		return fmt.Sprintf(`http://:%d {
	cookie_consent {
		policy testdata/policy.yaml
		secret shared-secret-of-the-cluster
	}
	reverse_proxy %s
}
`, port, up.hostport())
	}
	// A certificate loaded from files, not tls internal: Caddy v2.11.9 races with
	// itself when it issues one in the background at start-up (caddytls.(*TLS).Start
	// writes its context while certmagic's manageAll goroutine emits an event through
	// it), which the race detector reported in CI; a loaded certificate is not managed.
	certFile, keyFile := selfSigned(t, "localhost")
	p := startCaddy(t, fmt.Sprintf(`
{
	skip_install_trust
	servers :%d {
		trusted_proxies static 127.0.0.1/32
	}
	servers :%d {
		trusted_proxies static 127.0.0.1/32
	}
}
https://localhost:%d {
	tls %s %s
	reverse_proxy 127.0.0.1:%d 127.0.0.1:%d {
		lb_policy round_robin
	}
}
`, a, b, front, certFile, keyFile, a, b)+site(a)+site(b)+site(c)+`
http://127.0.0.1:{PORT} {
	respond "unused"
}
`)
	waitListening(t, front)
	frontURL := fmt.Sprintf("https://localhost:%d", front)
	// The front may take a moment to answer over TLS.
	for deadline := time.Now().Add(20 * time.Second); ; {
		res, err := tlsClient(false).Get(frontURL + "/_consent/consent")
		if err == nil {
			res.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the TLS front never answered: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}

	for _, proto := range []string{"h1", "h2"} {
		t.Run("consent recorded through the TLS terminator over "+proto, func(t *testing.T) {
			c := tlsClient(proto == "h2")
			for i := 0; i < 2; i++ { // both instances, round robin
				form := url.Values{"choice": {"custom"}, "category": {"statistics"}, "return": {"/page"}}
				req, _ := http.NewRequest("POST", frontURL+"/_consent/consent", strings.NewReader(form.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.Header.Set("Origin", frontURL)
				req.Header.Set("Sec-Fetch-Site", "same-origin")
				res := mustDo(t, c, req)
				if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/page" {
					t.Fatalf("POST through the terminator: %d Location %q", res.StatusCode, res.Header.Get("Location"))
				}
				if wantProto := map[string]int{"h1": 1, "h2": 2}[proto]; res.ProtoMajor != wantProto {
					t.Errorf("spoke HTTP/%d, want %d", res.ProtoMajor, wantProto)
				}
				cookie := consentSetCookie(t, res)
				if !strings.Contains(cookie, "; Secure") {
					t.Errorf("the visitor used https, the consent cookie is not Secure: %q", cookie)
				}
			}
		})
	}

	t.Run("an untrusted peer cannot claim another origin", func(t *testing.T) {
		req, _ := http.NewRequest("POST", fmt.Sprintf("http://127.0.0.1:%d/_consent/consent", c), strings.NewReader("choice=accept_all"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", "https://shop.example")
		req.Header.Set("X-Forwarded-Proto", "https")
		req.Header.Set("X-Forwarded-Host", "shop.example")
		if res := mustDo(t, client, req); res.StatusCode != http.StatusForbidden {
			t.Errorf("forwarded headers from an untrusted peer were believed: %d", res.StatusCode)
		}
	})

	t.Run("a choice made on one instance is honoured by the other", func(t *testing.T) {
		consent := choose(t, a, "statistics")
		for _, port := range []int{a, b} {
			res := get1(t, port, "/", "Cookie: "+consent+"; _ga=1; _gcl_au=1")
			set, expired := setCookieNames(res)
			if !slices.Contains(set, "_ga") || slices.Contains(set, "_gcl_au") || !slices.Contains(expired, "_gcl_au") {
				t.Errorf("instance %d: set %q expired %q, want _ga kept and _gcl_au expired", port, set, expired)
			}
		}
	})

	t.Run("records and cleanup agree across instances", func(t *testing.T) {
		choose(t, a, "marketing")
		choose(t, b, "marketing")
		var hashes []string
		for _, e := range p.logs(t, "http.handlers.cookie_consent.records", "consent") {
			hashes = append(hashes, fmt.Sprint(e["ip_hash"]))
		}
		if len(hashes) < 2 || len(slices.Compact(slices.Clone(hashes))) != 1 {
			t.Errorf("ip_hash differs between instances: %q", hashes)
		}
		var expiries [][]string
		for _, port := range []int{a, b} {
			res := get1(t, port, "/shop/cart", "Cookie: _ga=1; FPID=2; _gcl_au=3")
			expiries = append(expiries, res.Header.Values("Set-Cookie"))
		}
		if !slices.Equal(expiries[0], expiries[1]) || len(expiries[0]) == 0 {
			t.Errorf("cleanup differs:\nA %q\nB %q", expiries[0], expiries[1])
		}
	})
}

// selfSigned writes a self-signed certificate for host and its key as PEM
// files and returns their paths.
func selfSigned(t *testing.T, host string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: host},
		DNSNames:     []string{host},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}

func tlsClient(h2 bool) *http.Client {
	tr := &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, ForceAttemptHTTP2: h2, DisableKeepAlives: true}
	if !h2 {
		tr.TLSNextProto = map[string]func(string, *tls.Conn) http.RoundTripper{}
	}
	return &http.Client{Transport: tr, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func mustDo(t *testing.T, c *http.Client, req *http.Request) *http.Response {
	t.Helper()
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res
}

func consentSetCookie(t *testing.T, res *http.Response) string {
	t.Helper()
	for _, v := range res.Header.Values("Set-Cookie") {
		if strings.HasPrefix(v, "cookie_consent=") {
			return v
		}
	}
	t.Fatalf("no consent cookie in %q", res.Header.Values("Set-Cookie"))
	return ""
}

// choose posts a custom choice to the instance on port and returns the
// consent cookie's name=value.
func choose(t *testing.T, port int, categories ...string) string {
	t.Helper()
	form := url.Values{"choice": {"custom"}, "category": categories}
	req, _ := http.NewRequest("POST", fmt.Sprintf("http://127.0.0.1:%d/_consent/consent", port), strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res := mustDo(t, client, req)
	pair, _, _ := strings.Cut(consentSetCookie(t, res), ";")
	return pair
}

func get1(t *testing.T, port int, path string, headers ...string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest("GET", fmt.Sprintf("http://127.0.0.1:%d%s", port, path), nil)
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ": ")
		req.Header.Add(k, v)
	}
	return mustDo(t, client, req)
}

// TestEndpointsBehindRewrites: Caddy runs try_files, rewrite and
// handle_path's stripping before cookie_consent. The endpoints are found by
// the URI the visitor sent: an SPA's fallback to index.html, clean URLs and
// a site under a path (path_prefix set to it) keep the guard, the banner's
// assets and the consent endpoint reachable, and the pages still point at
// them. (try_files ending in =404 answers before cookie_consent runs:
// CONFIGURATION.md says what to do.)
func TestEndpointsBehindRewrites(t *testing.T) {
	dir := t.TempDir()
	page := `<!DOCTYPE html><html><head><title>spa</title></head><body><p>app</p><script src="https://www.googletagmanager.com/gtag/js"></script></body></html>`
	for _, f := range []string{"index.html", "about.html"} {
		if err := os.WriteFile(filepath.Join(dir, f), []byte(page), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	spa, clean, sub := testshared.FreePort(t), testshared.FreePort(t), testshared.FreePort(t)
	p := startCaddy(t, fmt.Sprintf(`
http://127.0.0.1:{PORT} {
	respond "unused"
}
http://127.0.0.1:%d {
	root * %s
	try_files {path} /index.html
	cookie_consent {
		policy testdata/policy.yaml
	}
	file_server
}
http://127.0.0.1:%d {
	root * %s
	try_files {path} {path}.html {path}/
	cookie_consent {
		policy testdata/policy.yaml
	}
	file_server
}
http://127.0.0.1:%d {
	handle_path /app/* {
		root * %s
		cookie_consent {
			policy testdata/policy.yaml
			path_prefix /app/_consent
		}
		file_server
	}
}
`, spa, dir, clean, dir, sub, dir))
	for _, c := range []struct{ name, base, prefix, page string }{
		{"try_files to index.html", fmt.Sprintf("http://127.0.0.1:%d", spa), "/_consent", "/some/route"},
		{"clean URLs", fmt.Sprintf("http://127.0.0.1:%d", clean), "/_consent", "/about"},
		{"handle_path with path_prefix", fmt.Sprintf("http://127.0.0.1:%d", sub), "/app/_consent", "/app/about.html"},
	} {
		t.Run(c.name, func(t *testing.T) {
			q := &proxy{base: c.base, logFile: p.logFile}
			res, body := q.do(t, "GET", c.page, nil, "Sec-Fetch-Dest: document", "Accept: text/html")
			if res.StatusCode != 200 || !strings.Contains(body, strings.TrimPrefix(c.base, "http:")+c.prefix+"/guard.js?v=") {
				t.Fatalf("the page %s: %d, no guard under %s:\n%.400s", c.page, res.StatusCode, c.prefix, body)
			}
			res, body = q.do(t, "GET", c.prefix+"/guard.js", nil)
			if ct := res.Header.Get("Content-Type"); res.StatusCode != 200 || !strings.Contains(ct, "javascript") {
				t.Errorf("%s/guard.js: %d %s %.80q", c.prefix, res.StatusCode, ct, body)
			}
			res, _ = q.do(t, "POST", c.prefix+"/consent", strings.NewReader("choice=accept_all&return=/"),
				"Content-Type: application/x-www-form-urlencoded", "Sec-Fetch-Site: same-origin", "Origin: "+c.base)
			if res.StatusCode != http.StatusSeeOther || !strings.Contains(strings.Join(res.Header.Values("Set-Cookie"), "\n"), "cookie_consent=") {
				t.Errorf("POST %s/consent: %d, Set-Cookie %q", c.prefix, res.StatusCode, res.Header.Values("Set-Cookie"))
			}
		})
	}
}

// TestErrorRoutesServeNoEndpoints: with cookie_consent in handle_errors, as
// CONFIGURATION.md advises, a request the site's routes refused (basic_auth
// without credentials) gets the error page, not the endpoints: no
// declaration, no guard, no consent recorded past the site's access control
// (the probe of 2026-11-29).
func TestErrorRoutesServeNoEndpoints(t *testing.T) {
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "inside") })
	p := startCaddy(t, `http://127.0.0.1:{PORT} {
	basic_auth {
		bob $2a$14$KfB43L09Q78BqhN5H3OjqOWCG6wb6EHyowSPXNLn/AhbjeWrM60B.
	}
	cookie_consent {
		policy testdata/policy.yaml
	}
	reverse_proxy `+up.hostport()+`
	handle_errors {
		cookie_consent {
			policy testdata/policy.yaml
		}
		header Set-Cookie "_ga=GA1.1.1; Path=/"
		respond "Error {err.status_code}" {err.status_code}
	}
}`)
	for _, path := range []string{"/_consent/declaration", "/_consent/guard.js", "/_consent/consent"} {
		res, body := p.do(t, "GET", path, nil)
		if res.StatusCode != 401 || body != "Error 401" {
			t.Errorf("GET %s without credentials: %d %.80q, want the error page", path, res.StatusCode, body)
		}
	}
	res := postChoice(t, p, url.Values{"choice": {"accept_all"}}, "Origin: "+p.base)
	if res.StatusCode != 401 || len(res.Header.Values("Set-Cookie")) != 0 {
		t.Errorf("a choice without credentials: %d, Set-Cookie %q", res.StatusCode, res.Header.Values("Set-Cookie"))
	}
	if records := p.logs(t, "http.handlers.cookie_consent.records", "consent"); len(records) != 0 {
		t.Errorf("a choice was recorded without credentials: %v", records)
	}
	// The error page itself is still enforced: its marketing cookie goes.
	res, _ = p.do(t, "GET", "/page", nil)
	if res.StatusCode != 401 || len(res.Header.Values("Set-Cookie")) != 0 {
		t.Errorf("the error page: %d, Set-Cookie %q", res.StatusCode, res.Header.Values("Set-Cookie"))
	}
}
