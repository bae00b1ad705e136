package htmlrewrite

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// FuzzRewrite: the rewriter never panics; with nothing to insert and nothing blocked the
// output is the input; and the output does not depend on how the input is cut into
// writes (seed picks the cuts, the Flush calls and the hold limit).
func FuzzRewrite(f *testing.F) {
	f.Add([]byte(`<!DOCTYPE html><head><script src=https://track.example/a.js></script></head><body><script>track()</script></body>`), uint64(1))
	f.Add([]byte(`<svg><![CDATA[</svg>]]><title><script>x</script></title></svg><noscript><!--</noscript><img src=x>-->`), uint64(2))
	f.Add([]byte(`<script><!--<script></script>--></script><style></style ><textarea></textarea x>`), uint64(3))
	f.Add([]byte(`<table><tr><td><svg><desc><td><math><mi><annotation-xml encoding=text/html><font color=1>`), uint64(4))
	// Long CSS values and data: scripts stream from a hold limit of 64 (seed 2*100).
	f.Add([]byte(`<div style="a:url(data:,`+strings.Repeat("p", 90)+`) url(&quot;//t.example/x&quot;)">x</div>`), uint64(200))
	f.Add([]byte(`<script src="data:text/javascript;base64,`+strings.Repeat("Z3RhZygp", 20)+`&#43;Zw%3D%3D"></script>`), uint64(200))
	f.Add([]byte(`<link rel=stylesheet href="data:text/css;base64,`+strings.Repeat("LmF7YmFja2dyb3VuZDp1cmwoLy90LmV4YW1wbGUvcCl9", 5)+`">`), uint64(200))
	for _, c := range readGoldenF(f) {
		f.Add([]byte(c.in), uint64(len(c.in)))
	}
	f.Fuzz(func(t *testing.T, in []byte, seed uint64) {
		for _, cfg := range []*Config{nil, {Block: func(Element) string { return "" }, MaxHold: int(seed % 100)}} {
			if out := rewriteAll(t, in, cfg); !bytes.Equal(out, in) {
				t.Fatalf("no-op output differs:\n in %q\nout %q", in, out)
			}
		}
		maxHold := 0
		if seed%2 == 0 {
			maxHold = int(seed>>1) % 300
		}
		var want bytes.Buffer
		wantRec := &recorder{}
		r := New(&want, chunkConfig(wantRec, maxHold))
		r.Write(in)
		r.Close()

		rng := rand.New(rand.NewPCG(seed, 0))
		cuts, flushes := randomCuts(rng, len(in))
		var got bytes.Buffer
		rec := &recorder{}
		r.Reset(&got, chunkConfig(rec, maxHold))
		rewriteChunks(t, r, &got, in, cuts, flushes)
		if !bytes.Equal(got.Bytes(), want.Bytes()) || !slices.Equal(rec.calls, wantRec.calls) {
			t.Fatalf("cut at %v, flush after %v, MaxHold %d:\n got %q %v\nwant %q %v", cuts, flushes, maxHold, got.Bytes(), rec.calls, want.Bytes(), wantRec.calls)
		}
	})
}
