package caddymodule

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2/caddyconfig"
	"github.com/consentgate/consentgate/internal/testshared"
)

// A configuration reload through the admin API with a changed policy applies
// to new requests, lets the responses already streaming finish as they
// began, and the metrics keep counting across it.
func TestReloadWithAChangedPolicy(t *testing.T) {
	release := make(chan struct{})
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Set-Cookie", "_ga=GA1.1; Path=/")
		w.Header().Add("Set-Cookie", "lang=sv; Path=/")
		w.Header().Set("Content-Type", "text/html")
		if r.URL.Path != "/slow" {
			io.WriteString(w, trackerPage)
			return
		}
		io.WriteString(w, "<!DOCTYPE html><html><head><title>slow</title></head><body><p>first part</p>")
		http.NewResponseController(w).Flush()
		<-release
		io.WriteString(w, `<p>second part</p><script src="https://www.googletagmanager.com/gtag/js"></script></body></html>`)
	})
	dir := t.TempDir()
	policyFile := filepath.Join(dir, "policy.yaml")
	original, err := os.ReadFile("testdata/policy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(policyFile, original, 0o644); err != nil {
		t.Fatal(err)
	}
	admin := testshared.FreePort(t)
	caddyfile := func() string {
		return fmt.Sprintf(`
{
	admin 127.0.0.1:%d
}
http://127.0.0.1:{PORT} {
	route /metrics {
		metrics
	}
	cookie_consent {
		policy %s
	}
	reverse_proxy %s
}
`, admin, policyFile, up.hostport())
	}
	p := startCaddy(t, caddyfile())
	nav := []string{"Sec-Fetch-Dest: document"}

	res, _ := p.do(t, "GET", "/", nil, nav...)
	if set, _ := setCookieNames(res); len(set) != 0 {
		t.Fatalf("before the reload: %q set without consent", set)
	}
	removedBefore := metricValue(t, p, `caddy_cookie_consent_cookies_total{action="removed",category="statistics"}`)

	// A response starts streaming under the old policy.
	req, _ := http.NewRequest("GET", p.base+"/slow", nil)
	req.Header.Set("Sec-Fetch-Dest", "document")
	slow, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Body.Close()
	br := bufio.NewReader(slow.Body)
	var got strings.Builder
	for !strings.Contains(got.String(), "first part") {
		line, err := br.ReadString('>')
		got.WriteString(line)
		if err != nil {
			t.Fatalf("the first part never came: %q %v", got.String(), err)
		}
	}

	// The new policy declares lang necessary; it is loaded through the
	// admin API while the response is open.
	changed := strings.Replace(string(original), "{name: lang, category: preferences", "{name: lang, category: necessary", 1)
	if changed == string(original) {
		t.Fatal("the test policy changed shape: lang's declaration not found")
	}
	if err := os.WriteFile(policyFile, []byte(changed), 0o644); err != nil {
		t.Fatal(err)
	}
	reload(t, admin, strings.Replace(caddyfile(), "{PORT}", strings.TrimPrefix(p.base, "http://127.0.0.1:"), 1))

	// New requests follow the new policy.
	res, _ = p.do(t, "GET", "/", nil, nav...)
	if set, _ := setCookieNames(res); len(set) != 1 || set[0] != "lang" {
		t.Errorf("after the reload: set %q, want lang alone", set)
	}

	// The open response finishes as it began: rewritten, with its tracker
	// held back and the banner at the end.
	close(release)
	rest, err := io.ReadAll(br)
	if err != nil {
		t.Fatalf("the streaming response broke across the reload: %v", err)
	}
	body := got.String() + string(rest)
	if !strings.Contains(body, "second part") || !strings.Contains(body, `data-consent-src="https://www.googletagmanager.com/gtag/js"`) ||
		!strings.Contains(body, "/_consent/banner.js") || !strings.HasSuffix(strings.TrimSpace(body), "</html>") {
		t.Errorf("the response across the reload: %q", body)
	}

	// The counters kept counting: the reload did not reset them.
	p.do(t, "GET", "/", nil, nav...)
	removedAfter := metricValue(t, p, `caddy_cookie_consent_cookies_total{action="removed",category="statistics"}`)
	// _ga was removed once before the reload, then from the slow response,
	// the first response after the reload and this last one.
	// The counters are the process's: other tests count too, so compare.
	if removedBefore < 1 || removedAfter != removedBefore+3 {
		t.Errorf("statistics removals: %v before the reload, %v after, want 3 more: did the reload reset them?", removedBefore, removedAfter)
	}
}

func reload(t *testing.T, admin int, caddyfile string) {
	t.Helper()
	// The same global options the harness adds (logging), so that only the
	// policy changes.
	adapted, _, err := caddyconfig.GetAdapter("caddyfile").Adapt([]byte(caddyfile), nil)
	if err != nil {
		t.Fatalf("adapting: %v", err)
	}
	res, err := http.Post(fmt.Sprintf("http://127.0.0.1:%d/load", admin), "application/json", strings.NewReader(string(adapted)))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != 200 {
		b, _ := io.ReadAll(res.Body)
		t.Fatalf("reload: %d %s", res.StatusCode, b)
	}
	time.Sleep(100 * time.Millisecond)
}
