package policy

import (
	"runtime"
	"testing"
	"time"

	"github.com/consentgate/consentgate/internal/threadcpu"
)

// The per-request hot paths of policy, as the proxy runs them on every
// request (bench/run.sh runs every BenchmarkHot*; docs/BENCHMARKS.md has the
// figures). Run with -benchmem: the allocation counts are part of what a
// review should see change.

// hotSetCookies are the Set-Cookie headers of a typical page: a session, two
// statistics cookies, an advertising one, a preference living longer than
// declared, and one the policy does not declare.
var hotSetCookies = []string{
	"JSESSIONID=5a1b2c3d4e5f; Path=/; HttpOnly",
	"_ga=GA1.1.1234567890.1700000000; Path=/; Max-Age=63072000",
	"_ga_ABC123=GS1.1.1700000000.1.0.1700000000.0.0.0; Path=/; Max-Age=63072000",
	"_gcl_au=1.1.1234567890.1700000000; Path=/; Max-Age=7776000",
	"lang=sv; Path=/; Max-Age=999999999",
	"visitor_fingerprint=f00d; Path=/; HttpOnly; Max-Age=31536000",
}

// hotCookieHeader is what a returning visitor who granted everything sends:
// seven cookies, the consent cookie among them.
const hotCookieHeader = "JSESSIONID=5a1b2c3d4e5f; cookie_consent=1.3.necessary:preferences:statistics:marketing.1763805600.k3Jx9QpZ0aV2b7Lw1mN8cQ; " +
	"_ga=GA1.1.1234567890.1700000000; _ga_ABC123=GS1.1.1700000000.1.0.1700000000.0.0.0; _gcl_au=1.1.1234567890.1700000000; lang=sv; _fbp=fb.1.1700000000.123"

func hotClassifier(b *testing.B) *Classifier {
	return NewClassifier(examplePolicy(b), BuiltinKnown().Cookies(), nil)
}

// BenchmarkHotConsentDecode reads the own consent cookie's value.
func BenchmarkHotConsentDecode(b *testing.B) {
	p := examplePolicy(b)
	now := time.Unix(1763805600+3600, 0)
	for _, tc := range []struct {
		name   string
		secret []byte
	}{{"unsigned", nil}, {"signed", []byte("a secret of 32 bytes, more or less")}} {
		c := &Codec{Policy: p, Secret: tc.secret, Now: func() time.Time { return now }}
		value := c.Encode(Consent{Granted: p.SetOf(p.CategoryIDs()), ID: "k3Jx9QpZ0aV2b7Lw1mN8cQ", Time: time.Unix(1763805600, 0)})
		if !c.Decode(value).Given {
			b.Fatalf("%s: %q does not decode", tc.name, value)
		}
		b.Run(tc.name, func(b *testing.B) {
			hotLoop(b, func() {
				if !c.Decode(value).Given {
					b.Fatal("no consent")
				}
			})
		})
	}
}

// BenchmarkHotSetCookie splits and classifies the six Set-Cookie headers of a
// typical page and decides each for a visitor who granted everything,
// reading the lifetime as the clamp does (one op = six headers).
func BenchmarkHotSetCookie(b *testing.B) {
	c := hotClassifier(b)
	all := Consent{Given: true, Granted: c.Policy.SetOf(c.Policy.CategoryIDs())}
	now := time.Now()
	hotLoop(b, func() {
		kept := 0
		for _, h := range hotSetCookies {
			sc := ParseSetCookie(h)
			cl := c.Classify(sc.Name)
			if sc.Valid && c.Allows(cl, all) {
				kept++
			}
			sc.Lifetime(now)
		}
		if kept != 5 {
			b.Fatalf("kept %d of 6", kept)
		}
	})
}

// BenchmarkHotRequestCookies splits a seven-cookie Cookie header and decides
// each pair, as the request filter does (one op = one header).
func BenchmarkHotRequestCookies(b *testing.B) {
	c := hotClassifier(b)
	all := Consent{Given: true, Granted: c.Policy.SetOf(c.Policy.CategoryIDs())}
	hotLoop(b, func() {
		n := 0
		for rc := range RequestCookies(hotCookieHeader) {
			if c.Allows(c.Classify(rc.Name), all) {
				n++
			}
		}
		if n != 7 {
			b.Fatalf("%d of 7 pass", n)
		}
	})
}

// hotLoop runs f in the benchmark loop on one locked thread and reports, next
// to the wall-clock ns/op, the thread's CPU time per op: on a shared machine
// that is the number that measures the code.
func hotLoop(b *testing.B, f func()) {
	b.ReportAllocs()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	c0, ok := threadcpu.Now()
	for b.Loop() {
		f()
	}
	if c1, _ := threadcpu.Now(); ok && c1 > c0 {
		b.ReportMetric(float64(c1-c0)/float64(b.N), "cpu-ns/op")
	}
}
