//go:build browser

package e2e

import (
	"context"
	"os"
	"slices"
	"testing"

	"github.com/chromedp/chromedp"
)

const chromiumPath = "/usr/bin/chromium"

// startChromium starts a headless Chromium for one test and returns a chromedp
// context for a tab in it; the browser stops when the test ends. Every host
// name resolves to 127.0.0.1, so a page can load fake trackers by their real
// names from a loopback server (with its port) and never reach the network.
// extra adds options (flags) for one test's needs.
func startChromium(t *testing.T, extra ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		// The browser tag promises a browser: a silent skip would pass a test that never ran.
		t.Fatalf("Chromium not found: %v", err)
	}
	opts := append(slices.Clone(chromedp.DefaultExecAllocatorOptions[:]),
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox, // the test runs as root
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		// Without these it keeps dialling Google's services on a closed network.
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("host-resolver-rules", "MAP * 127.0.0.1"),
		chromedp.UserDataDir(t.TempDir()),
	)
	opts = append(opts, extra...)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	// TempDir's own cleanup runs after this one, once the browser has let go of its profile.
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting Chromium: %v", err)
	}
	return ctx
}
