//go:build browser

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// axeSource is axe-core from npm (.ci/run installs it into e2e/node_modules:
// npm install --prefix e2e --no-save axe-core@4.14.1).
func axeSource(t *testing.T) string {
	t.Helper()
	path := os.Getenv("AXE_CORE_JS")
	if path == "" {
		path = "node_modules/axe-core/axe.min.js"
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("axe-core not found (npm install --prefix e2e --no-save axe-core@4.14.1): %v", err)
	}
	return string(b)
}

type axeViolation struct {
	ID    string `json:"id"`
	Help  string `json:"help"`
	Nodes []struct {
		Target []any `json:"target"` // a selector, or a path of selectors into shadow roots
	} `json:"nodes"`
}

// axeCheck runs axe-core's WCAG 2.1 A and AA rules on the consent UI: the
// banner's shadow host and the placeholders' (axe looks into open shadow roots).
func axeCheck(t *testing.T, ctx context.Context, what string) []axeViolation {
	t.Helper()
	res, err := chromedp.Run(ctx, chromedp.Evaluate[string](`axe.run([document.getElementById('cg'), ...document.querySelectorAll('[data-cg-ph]')], {
		runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}
	}).then(r => JSON.stringify({violations: r.violations, passes: r.passes.length}))`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("%s: running axe: %v", what, err)
	}
	var out struct {
		Violations []axeViolation `json:"violations"`
		Passes     int            `json:"passes"`
	}
	if err := json.Unmarshal([]byte(res), &out); err != nil {
		t.Fatal(err)
	}
	if out.Passes == 0 {
		t.Errorf("%s: axe checked nothing (no passing rule): is the banner there?", what)
	}
	if what == "" {
		return out.Violations // the caller expects violations
	}
	for _, v := range out.Violations {
		var targets []string
		for _, n := range v.Nodes {
			targets = append(targets, fmt.Sprint(n.Target))
		}
		t.Errorf("%s: %s (%s) at %v", what, v.ID, v.Help, targets)
	}
	return nil
}

func TestDemoBannerAccessibility(t *testing.T) {
	axe := axeSource(t)
	startDemo(t)
	ctx := startChromium(t)
	ctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	for _, lang := range []string{"sv", "en"} {
		for _, scheme := range []string{"light", "dark"} {
			what := lang + "/" + scheme
			if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
				Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}},
			}); err != nil {
				t.Fatal(err)
			}
			if err := chromedp.Do(ctx,
				chromedp.Navigate(demo+"/?lang="+lang),
				chromedp.WaitVisible(inBanner(`#cg-banner`)),
				chromedp.Evaluate[chromedp.Void](axe),
			); err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			axeCheck(t, ctx, what+" banner")
			if err := chromedp.Do(ctx,
				chromedp.Click(inBanner(`#cg-settings summary`)),
				chromedp.WaitVisible(inBanner(`#cg-c-statistics`)),
			); err != nil {
				t.Fatalf("%s: opening settings: %v", what, err)
			}
			axeCheck(t, ctx, what+" settings")
		}
	}
}

// TestBannerAccessibility: the banner, its settings and the placeholders (the
// server's and the script's) in sv and en, light and dark, on a page that
// supports a dark scheme; first a control that axe sees into our shadow roots.
func TestBannerAccessibility(t *testing.T) {
	axe := axeSource(t)
	s := newBannerSite(t)
	u := s.page("/films", bannerPage{body: bannerPageHTML("en", `<meta name="color-scheme" content="light dark">`)})
	ctx := startChromium(t)
	ctx, cancel := context.WithTimeout(ctx, 300*time.Second)
	defer cancel()
	freshVisit(t, ctx, u)
	run(t, ctx, chromedp.Evaluate[chromedp.Void](axe), chromedp.Evaluate[chromedp.Void](`document.getElementById('cg').shadowRoot.querySelector('.cg-links').append(document.createElement('button'))`))
	found := false
	for _, v := range axeCheck(t, ctx, "") {
		found = found || v.ID == "button-name"
	}
	if !found {
		t.Fatal("axe did not see a button without a name in the banner's shadow root")
	}
	for _, lang := range []string{"sv", "en"} {
		for _, scheme := range []string{"light", "dark"} {
			what := lang + "/" + scheme
			colorScheme(t, ctx, scheme)
			freshVisit(t, ctx, u+"?lang="+lang)
			run(t, ctx, waitPlaceholders(4), chromedp.Evaluate[chromedp.Void](axe))
			if bg := bannerColours(t, ctx)[0]; (scheme == "dark") != (bg == "rgb(31, 33, 37)") {
				t.Fatalf("%s: the banner's background is %s", what, bg)
			}
			axeCheck(t, ctx, what+" banner and placeholders")
			run(t, ctx, chromedp.Click(inBanner(`#cg-settings summary`)), chromedp.WaitVisible(inBanner(`#cg-c-statistics`)))
			axeCheck(t, ctx, what+" settings")
		}
	}
}
