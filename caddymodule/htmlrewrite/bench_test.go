package htmlrewrite

import (
	"bytes"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/consentgate/consentgate/internal/threadcpu"
	"golang.org/x/net/html"
)

// benchHosts are blocked hosts as a policy would list them; "*." matches any subdomain.
var benchHosts = []string{
	"www.google-analytics.com", "*.google-analytics.com", "www.googletagmanager.com",
	"connect.facebook.net", "*.doubleclick.net", "*.scorecardresearch.com",
	"*.quantserve.com", "platform.twitter.com",
}

// hostOf returns the host of a URL as written in a src attribute.
func hostOf(src string) string {
	s := src
	if i := strings.Index(s, "//"); i >= 0 && !strings.ContainsAny(s[:i], "/?#") {
		s = s[i+2:]
	} else {
		return "" // relative: the site itself
	}
	if i := strings.IndexAny(s, "/?#:"); i >= 0 {
		s = s[:i]
	}
	return strings.ToLower(s)
}

// benchBlock blocks by host; inline scripts pass (matching their text is up to the
// policy), but are still held back and shown to it.
func benchBlock(e Element) string {
	for _, u := range e.URLs {
		h := hostOf(u)
		if h == "" {
			continue
		}
		for _, p := range benchHosts {
			if rest, ok := strings.CutPrefix(p, "*"); ok {
				if strings.HasSuffix(h, rest) {
					return "marketing"
				}
			} else if h == p {
				return "marketing"
			}
		}
	}
	return ""
}

var benchConfig = Config{
	Head:    fixed(`<script src="/_consent/guard.js?v=0123456789abcdef"></script>`),
	BodyEnd: fixed(`<link rel="stylesheet" href="/_consent/banner.css?v=0123456789abcdef"><div id="consentgate-banner" hidden></div><script defer src="/_consent/banner.js?v=0123456789abcdef"></script>`),
	Block:   benchBlock,
}

// benchGranted is benchConfig for a visitor who granted every category that has
// blockers: the handler gives the rewriter no Block then (nothing can be held back).
var benchGranted = Config{Head: benchConfig.Head, BodyEnd: benchConfig.BodyEnd}

// measure runs f in the benchmark loop and, where the thread's CPU time can be read,
// reports the throughput per CPU second as cpu-MB/s next to the usual wall-clock MB/s.
func measure(b *testing.B, size int, f func()) {
	b.SetBytes(int64(size))
	b.ReportAllocs()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	c0, ok := threadcpu.Now()
	for b.Loop() {
		f()
	}
	if c1, _ := threadcpu.Now(); ok && c1 > c0 {
		b.ReportMetric(float64(size)*float64(b.N)/(c1-c0).Seconds()/1e6, "cpu-MB/s")
	}
}

// BenchmarkCorpus runs, per corpus page, the rewriter with a realistic configuration
// ("rewriter": a visitor who has not granted everything, so every element that loads is
// read and shown to Block), the same for a visitor who granted every category that has
// blockers ("rewriter-granted": no Block, only the insertions), and x/net/html's
// tokenizer (Next to EOF) over the same bytes. Each page is written in 32 KiB chunks, as
// a proxy receives it.
func BenchmarkCorpus(b *testing.B) {
	names, pages := corpus(b)
	for _, v := range []struct {
		name string
		cfg  *Config
	}{{"rewriter", &benchConfig}, {"rewriter-granted", &benchGranted}} {
		b.Run(v.name, func(b *testing.B) { corpusRewriter(b, names, pages, v.cfg) })
	}
	b.Run("xnet-tokenizer", func(b *testing.B) {
		for _, n := range names {
			page := pages[n]
			b.Run(n, func(b *testing.B) {
				measure(b, len(page), func() {
					z := html.NewTokenizer(bytes.NewReader(page))
					for z.Next() != html.ErrorToken {
					}
					if z.Err() != io.EOF {
						b.Fatal(z.Err())
					}
				})
			})
		}
	})
}

// corpusRewriter runs the rewriter with cfg over each page, in 32 KiB writes.
func corpusRewriter(b *testing.B, names []string, pages map[string][]byte, cfg *Config) {
	for _, n := range names {
		page := pages[n]
		b.Run(n, func(b *testing.B) {
			r := New(io.Discard, cfg)
			measure(b, len(page), func() {
				r.Reset(io.Discard, cfg)
				rewriteProxied(b, r, page)
			})
		})
	}
}

// rewriteProxied writes page through r in 32 KiB writes, as reverse_proxy copies a
// body, and closes it.
func rewriteProxied(b *testing.B, r *Rewriter, page []byte) {
	for p := page; len(p) > 0; {
		c := p[:min(len(p), 32<<10)]
		if _, err := r.Write(c); err != nil {
			b.Fatal(err)
		}
		p = p[len(c):]
	}
	if err := r.Close(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkCorpusTotal runs the rewriter (and x/net/html's tokenizer) over the whole
// corpus in one loop: one figure per run, steadier than 46 small ones for comparing
// changes.
func BenchmarkCorpusTotal(b *testing.B) {
	names, pages := corpus(b)
	size := 0
	for _, n := range names {
		size += len(pages[n])
	}
	b.Run("rewriter", func(b *testing.B) {
		r := New(io.Discard, &benchConfig)
		measure(b, size, func() {
			for _, n := range names {
				r.Reset(io.Discard, &benchConfig)
				rewriteProxied(b, r, pages[n])
			}
		})
	})
	b.Run("xnet-tokenizer", func(b *testing.B) {
		measure(b, size, func() {
			for _, n := range names {
				z := html.NewTokenizer(bytes.NewReader(pages[n]))
				for z.Next() != html.ErrorToken {
				}
			}
		})
	})
}

// BenchmarkFloor measures, per corpus page, what any scanner that finds the tags must
// spend at the least, for the arithmetic in docs/BENCHMARKS.md: "indexbyte" finds every
// '<' with bytes.IndexByte and nothing else; "tags" also reads each tag to its '>' (quoted
// attribute values skipped with bytes.IndexByte), which is less than a tokenizer does
// (no comments, no raw text, no names looked up).
func BenchmarkFloor(b *testing.B) {
	names, pages := corpus(b)
	sink := 0
	for _, kind := range []string{"indexbyte", "tags"} {
		b.Run(kind, func(b *testing.B) {
			for _, n := range names {
				page := pages[n]
				b.Run(n, func(b *testing.B) {
					measure(b, len(page), func() {
						count := 0
						for i := 0; ; {
							j := bytes.IndexByte(page[i:], '<')
							if j < 0 {
								break
							}
							i += j + 1
							count++
							if kind == "indexbyte" {
								continue
							}
							for i < len(page) && page[i] != '>' {
								if c := page[i]; c == '"' || c == '\'' {
									k := bytes.IndexByte(page[i+1:], c)
									if k < 0 {
										i = len(page)
										break
									}
									i += k + 1
								}
								i++
							}
						}
						sink += count
					})
				})
			}
		})
	}
	_ = sink
}
