package caddymodule

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"

	"github.com/consentgate/consentgate/internal/testshared"
)

// discard is a ResponseWriter that keeps nothing, so a benchmark measures
// the handler and not a network.
type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(p []byte) (int, error) { return len(p), nil }
func (d *discard) WriteHeader(int)             {}
func (d *discard) Flush()                      {}

func benchRequest(cookie string) *http.Request {
	r, _ := http.NewRequest("GET", "http://example.test/", nil)
	r.Header.Set("Accept", "text/html")
	r.Header.Set("Accept-Language", "sv,en;q=0.8")
	if cookie != "" {
		r.Header.Set("Cookie", cookie)
	}
	return r.WithContext(context.WithValue(r.Context(), caddy.ReplacerCtxKey, caddy.NewReplacer()))
}

// BenchmarkServeHTML puts each corpus page through the handler (first visit:
// banner, guard, trackers held back, Set-Cookie filtered) next to a plain
// copy of the same bytes; the ratio of the two is the handler's cost.
func BenchmarkServeHTML(b *testing.B) {
	h := provisionHandler(b, &Handler{})
	pages, _ := filepath.Glob(filepath.Join(testshared.Dir(b), "corpus", "*", "*.html"))
	for _, path := range pages {
		page, err := os.ReadFile(path)
		if err != nil {
			b.Fatal(err)
		}
		name := strings.TrimSuffix(filepath.Base(path), ".html")
		next := caddyhttp.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Header().Add("Set-Cookie", "JSESSIONID=s; Path=/; HttpOnly")
			w.Header().Add("Set-Cookie", "_ga=GA1.1.1.1; Path=/; Max-Age=63072000")
			for i := 0; i < len(page); i += 32 << 10 { // as reverse_proxy copies
				if _, err := w.Write(page[i:min(i+32<<10, len(page))]); err != nil {
					return err
				}
			}
			return nil
		})
		b.Run("consent/"+name, func(b *testing.B) {
			b.SetBytes(int64(len(page)))
			b.ReportAllocs()
			for b.Loop() {
				w := &discard{h: http.Header{}}
				if err := h.ServeHTTP(w, benchRequest("JSESSIONID=s; _ga=GA1.1.1.1"), next); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("plain/"+name, func(b *testing.B) {
			b.SetBytes(int64(len(page)))
			b.ReportAllocs()
			for b.Loop() {
				w := &discard{h: http.Header{}}
				if err := next.ServeHTTP(w, benchRequest("")); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCookies measures the per-request cookie work without a body.
func BenchmarkCookies(b *testing.B) {
	h := provisionHandler(b, &Handler{})
	next := caddyhttp.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		for _, c := range []string{"JSESSIONID=s; Path=/; HttpOnly", "_ga=GA1.1.1.1; Path=/; Max-Age=63072000",
			"_ga_ABC=GS1; Path=/", "_gcl_au=1; Path=/", "lang=sv; Path=/; Max-Age=999999999", "mystery=1"} {
			w.Header().Add("Set-Cookie", c)
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	})
	b.ReportAllocs()
	for b.Loop() {
		w := &discard{h: http.Header{}}
		if err := h.ServeHTTP(w, benchRequest("JSESSIONID=s; _ga=GA1.1.1.1; _ga_ABC=x; _gcl_au=1; lang=sv; _fbp=1; mystery=2"), next); err != nil {
			b.Fatal(err)
		}
	}
}
