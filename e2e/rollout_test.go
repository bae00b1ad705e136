//go:build browser

package e2e

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/chromedp/chromedp"

	"github.com/consentgate/consentgate/policy"
	"github.com/consentgate/consentgate/policy/draft"
)

// The rollout workflow of the README, end to end on the demo site: a policy
// written from what the owner remembers (nothing), `mode report` in front of
// the site while Chromium and curl browse it, the logs drafted into a policy,
// and the drafted policy in enforce mode: the site keeps working (its session
// cookie), and exactly what the draft classed as not necessary is removed.

// firstPolicy is what an owner starts with before they know their cookies
// (the README's rollout starts from the same file).
const firstPolicy = "../examples/legacy-site/first-policy.yaml"

func TestRolloutFromReportModeToADraftedPolicy(t *testing.T) {
	dir := t.TempDir()
	remembered := filepath.Join(dir, "policy.yaml")
	rememberedPolicy, err := os.ReadFile(firstPolicy)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(remembered, rememberedPolicy, 0o644); err != nil {
		t.Fatal(err)
	}

	// 1. Report mode: nothing changes for the visitor, everything is logged.
	reportLog := filepath.Join(dir, "report.log")
	startDemo(t, demoSetup{policy: remembered, options: "mode report", log: reportLog})
	ctx, cancel := context.WithTimeout(startChromium(t), 90*time.Second)
	defer cancel()
	for _, page := range []string{"/", "/about.html", "/dynamic.html", "/"} {
		if err := chromedp.Do(ctx, chromedp.Navigate(demo+page), chromedp.WaitReady("body")); err != nil {
			t.Fatal(err)
		}
	}
	// In report mode the page is the site's: every cookie it sets is in the jar.
	jar := demoJar(t, ctx)
	for _, name := range []string{"JSESSIONID", "_ga", "FPID", "_gcl_au", "lang", "visitor_fingerprint"} {
		if _, ok := jar[name]; !ok {
			t.Errorf("report mode removed %s: the jar has %v", name, jarNames(jar))
		}
	}
	// The guard sends its reports when the page goes away.
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/", "/about.html"} {
		req, _ := http.NewRequest("GET", demo+path, nil)
		req.Header.Set("Accept", "text/html")
		req.Header.Set("Cookie", "JSESSIONID=demo-session-1; _ga=GA1.1.1.1")
		if res, err := http.DefaultClient.Do(req); err == nil {
			res.Body.Close()
		}
	}
	time.Sleep(time.Second)
	_ = caddy.Stop()

	// 2. The draft, merged into the remembered policy.
	logData, err := os.ReadFile(reportLog)
	if err != nil {
		t.Fatal(err)
	}
	drafted, summary, err := draft.Draft([]io.Reader{bytes.NewReader(logData)}, draft.Options{Existing: rememberedPolicy, ExistingName: "policy.yaml"})
	if err != nil {
		t.Fatalf("draft: %v", err)
	}
	t.Logf("draft: %+v\n%s", *summary, drafted)
	// The demo's trackers are on hosts no list knows: the draft names them
	// for the owner to look at (the known ones it proposes as blockers;
	// before, report mode saw no element the policy did not block yet, and
	// the README's rollout left every tracker live).
	for _, host := range []string{"stats.localhost", "ads.localhost", "chat.localhost"} {
		if !bytes.Contains(drafted, []byte("#   "+host+" (")) {
			t.Errorf("the draft does not list %s among the hosts to look at", host)
		}
	}
	if out := os.Getenv("CONSENTGATE_EXAMPLE_LOG"); out != "" {
		// The README's transcript drafts from this log: its entries of
		// cookie_consent, as they came.
		var kept []byte
		for _, line := range bytes.SplitAfter(logData, []byte("\n")) {
			if bytes.Contains(line, []byte(`"logger":"http.handlers.cookie_consent`)) {
				kept = append(kept, line...)
			}
		}
		if err := os.WriteFile(out, kept, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	p, err := policy.Parse(drafted, "drafted policy")
	if err != nil {
		t.Fatalf("the draft does not load: %v", err)
	}
	categoryOf := map[string]string{}
	for _, c := range p.Cookies {
		categoryOf[c.Name] = c.Category
	}
	for _, name := range []string{"JSESSIONID", "_ga", "FPID", "_gcl_au", "lang", "visitor_fingerprint"} {
		if _, ok := p.DeclaredCookie(name); !ok {
			t.Errorf("the draft does not declare %s, which the site sets", name)
		}
	}
	if c, ok := p.DeclaredCookie("JSESSIONID"); !ok || c.Category != "necessary" {
		t.Errorf("JSESSIONID drafted as %+v, want necessary", c)
	}

	// 3. Enforce the drafted policy: the site keeps its session, and
	// what the draft did not class as necessary is gone.
	draftedFile := filepath.Join(dir, "drafted.yaml")
	if err := os.WriteFile(draftedFile, drafted, 0o644); err != nil {
		t.Fatal(err)
	}
	startDemo(t, demoSetup{policy: draftedFile, log: filepath.Join(dir, "enforce.log")})
	ctx2, cancel2 := context.WithTimeout(startChromium(t), 90*time.Second)
	defer cancel2()
	if err := chromedp.Do(ctx2, chromedp.Navigate(demo+"/"), chromedp.WaitReady("body"), chromedp.Navigate(demo+"/about.html"), chromedp.WaitReady("body")); err != nil {
		t.Fatal(err)
	}
	jar = demoJar(t, ctx2)
	if _, ok := jar["JSESSIONID"]; !ok {
		t.Errorf("the drafted policy lost the session: the jar has %v", jarNames(jar))
	}
	for _, name := range []string{"_ga", "FPID", "_gcl_au", "lang", "visitor_fingerprint"} {
		d, _ := p.DeclaredCookie(name)
		necessary := d != nil && d.Category == "necessary"
		if _, in := jar[name]; in != necessary {
			t.Errorf("%s drafted as %q: in the jar %v, want %v", name, categoryOf[name], in, necessary)
		}
	}
	t.Logf("jar under the drafted policy, no choice made: %v", jarNames(jar))
}
