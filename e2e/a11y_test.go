//go:build browser

package e2e

import (
	"context"
	"encoding/json"
	"os"
	"strings"
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
		Target []string `json:"target"`
	} `json:"nodes"`
}

// axeCheck runs axe-core's WCAG 2.1 A and AA rules on the consent UI.
func axeCheck(t *testing.T, ctx context.Context, what string) {
	t.Helper()
	res, err := chromedp.Run(ctx, chromedp.Evaluate[string](`axe.run(document.querySelector('#cg'), {
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
	for _, v := range out.Violations {
		var targets []string
		for _, n := range v.Nodes {
			targets = append(targets, strings.Join(n.Target, " "))
		}
		t.Errorf("%s: %s (%s) at %v", what, v.ID, v.Help, targets)
	}
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
