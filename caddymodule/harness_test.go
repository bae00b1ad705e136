package caddymodule

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig"
	_ "github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	_ "github.com/caddyserver/caddy/v2/modules/standard"
	"github.com/consentgate/consentgate/internal/testshared"
)

// The integration tests run real Caddy in this process (caddy.Load with the
// adapted Caddyfile), one configuration at a time: never t.Parallel them.

// upstream is a real HTTP server on loopback standing in for the legacy site.
// It records the Cookie header each request arrived with.
type upstream struct {
	*httptest.Server
	mu      sync.Mutex
	cookies []string
}

func newUpstream(t *testing.T, handler http.HandlerFunc) *upstream {
	u := &upstream{}
	u.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u.mu.Lock()
		u.cookies = append(u.cookies, strings.Join(r.Header.Values("Cookie"), "; "))
		u.mu.Unlock()
		handler(w, r)
	}))
	t.Cleanup(u.Close)
	return u
}

// lastCookie is the Cookie header of the last request the upstream saw.
func (u *upstream) lastCookie(t *testing.T) string {
	u.mu.Lock()
	defer u.mu.Unlock()
	if len(u.cookies) == 0 {
		t.Fatal("the upstream saw no request")
	}
	return u.cookies[len(u.cookies)-1]
}

func (u *upstream) hostport() string { return strings.TrimPrefix(u.URL, "http://") }

// proxy is a running Caddy with a cookie_consent site.
type proxy struct {
	base    string // http://127.0.0.1:PORT
	logFile string
}

// startCaddy adapts a Caddyfile (with {PORT} and {LOG} filled in), loads it
// into this process's Caddy and stops it when the test ends. Logs go as JSON
// to a file the test can read.
func startCaddy(t *testing.T, caddyfile string) *proxy {
	t.Helper()
	port := testshared.FreePort(t)
	logFile := filepath.Join(t.TempDir(), "caddy.log")
	// A test's own global options (a leading { ... } block) join ours.
	var extra string
	if trimmed := strings.TrimLeft(caddyfile, "\n\t "); strings.HasPrefix(trimmed, "{\n") {
		end := strings.Index(trimmed, "\n}\n")
		extra, caddyfile = trimmed[2:end+1], trimmed[end+3:]
	}
	admin := "admin off\n"
	if strings.Contains(extra, "admin ") {
		admin = ""
	}
	global := fmt.Sprintf(`{
	%smetrics
	log {
		output file %s
		format json
		level DEBUG
	}
%s}
`, admin, logFile, extra)
	cfg := global + strings.ReplaceAll(caddyfile, "{PORT}", fmt.Sprint(port))
	adapted, _, err := caddyconfig.GetAdapter("caddyfile").Adapt([]byte(cfg), nil)
	if err != nil {
		t.Fatalf("adapting the Caddyfile: %v\n%s", err, cfg)
	}
	if err := caddy.Load(adapted, true); err != nil {
		t.Fatalf("loading the config: %v", err)
	}
	t.Cleanup(func() { _ = caddy.Stop() })
	p := &proxy{base: fmt.Sprintf("http://127.0.0.1:%d", port), logFile: logFile}
	waitListening(t, port)
	return p
}

func waitListening(t *testing.T, port int) {
	for i := 0; i < 100; i++ {
		c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err == nil {
			c.Close()
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("nothing listens on port %d", port)
}

// client never follows redirects and keeps no cookies: the tests look at
// the raw Set-Cookie headers.
var client = &http.Client{
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	Timeout:       10 * time.Second,
}

// do sends a request with the given headers ("Name: value") and returns the
// response with its body read.
func (p *proxy) do(t *testing.T, method, path string, body io.Reader, headers ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, p.base+path, body)
	if err != nil {
		t.Fatal(err)
	}
	addLines(req.Header, headers)
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, string(b)
}

// logs returns the JSON log entries written so far whose logger and message match.
func (p *proxy) logs(t *testing.T, logger, msg string) []map[string]any {
	t.Helper()
	f, err := os.Open(p.logFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []map[string]any
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var e map[string]any
		if json.Unmarshal(sc.Bytes(), &e) != nil {
			continue
		}
		if e["logger"] == logger && (msg == "" || e["msg"] == msg) {
			out = append(out, e)
		}
	}
	return out
}

// setCookieNames lists the names of the response's Set-Cookie headers that
// set a value (deletions, Max-Age=0, are listed by expiredNames).
func setCookieNames(res *http.Response) (set, expired []string) {
	for _, v := range res.Header.Values("Set-Cookie") {
		pair, _, _ := strings.Cut(v, ";")
		name, _, found := strings.Cut(pair, "=")
		if !found {
			name = "" // a nameless cookie
		}
		if strings.Contains(v, "Max-Age=0") {
			expired = append(expired, name)
		} else {
			set = append(set, name)
		}
	}
	return set, expired
}

// writePolicy writes a policy file for a test and returns its path.
func writePolicy(t *testing.T, yaml string) string {
	p := filepath.Join(t.TempDir(), "policy.yaml")
	if err := os.WriteFile(p, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func urlValues(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v
}

// addLines adds header lines written "Name: value" (a name repeated makes
// several lines).
func addLines(h http.Header, lines []string) {
	for _, l := range lines {
		k, v, _ := strings.Cut(l, ": ")
		h.Add(k, v)
	}
}
