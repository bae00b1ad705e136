// Package e2e holds the browser tests: real Chromium (Debian's chromium),
// driven with chromedp, against real Caddy with the cookie_consent handler.
// They need the build tag browser:
//
//	go test -tags browser ./e2e/
//
// Without the tag this package has no tests, so `go test ./...` runs on a
// machine without Chromium.
package e2e
