package htmlrewrite

import (
	"bytes"
	"hash/fnv"
	"math/rand/v2"
	"slices"
	"testing"
)

// hashBlock blocks about half of the elements, by a hash of what it is shown, so that
// both outcomes occur everywhere.
func hashBlock(e Element) string {
	h := fnv.New32a()
	h.Write([]byte(e.Tag))
	for _, u := range e.URLs {
		h.Write([]byte(u))
	}
	h.Write(e.Inline)
	if h.Sum32()%2 == 0 {
		return "c"
	}
	return ""
}

func chunkConfig(rec *recorder, maxHold int) *Config {
	rec.cat = hashBlock
	return &Config{Head: fixed("<!--H-->"), BodyEnd: fixed("<!--B-->"), Block: rec.block, MaxHold: maxHold,
		Placeholder: func(d Doc, e Element, cat string) []byte { return []byte("<!--P-->") }}
}

// randomCuts returns ascending cut offsets in (0, n) and the chunks after which to Flush.
func randomCuts(rng *rand.Rand, n int) ([]int, map[int]bool) {
	if n < 2 {
		return nil, nil
	}
	k := 1 + rng.IntN(min(n-1, 64))
	seen := map[int]bool{}
	var cuts []int
	for range k {
		c := 1 + rng.IntN(n-1)
		if !seen[c] {
			seen[c] = true
			cuts = append(cuts, c)
		}
	}
	slices.Sort(cuts)
	flushes := map[int]bool{}
	for i := range len(cuts) + 1 {
		if rng.IntN(3) == 0 {
			flushes[i] = true
		}
	}
	return cuts, flushes
}

// checkChunkings compares the output and the Block calls of iters random chunkings of
// in (with Flush calls between chunks) and, when bytewise, of writing one byte at a time,
// with those of one Write.
func checkChunkings(t *testing.T, name string, in []byte, maxHold int, rng *rand.Rand, iters int, bytewise bool) {
	t.Helper()
	var want bytes.Buffer
	wantRec := &recorder{}
	r := New(&want, chunkConfig(wantRec, maxHold))
	r.Write(in)
	r.Close()

	var out bytes.Buffer
	check := func(how string, cuts []int, flushes map[int]bool) bool {
		out.Reset()
		rec := &recorder{}
		r.Reset(&out, chunkConfig(rec, maxHold))
		got := rewriteChunks(t, r, &out, in, cuts, flushes)
		if !bytes.Equal(got, want.Bytes()) {
			t.Errorf("%s (MaxHold %d) %s cut at %v, flush after %v:\n got %q\nwant %q", name, maxHold, how, cuts, flushes, trunc(got), trunc(want.Bytes()))
			return false
		}
		if !slices.Equal(rec.calls, wantRec.calls) {
			t.Errorf("%s (MaxHold %d) %s cut at %v: calls\n got %v\nwant %v", name, maxHold, how, cuts, rec.calls, wantRec.calls)
			return false
		}
		return true
	}
	for range iters {
		cuts, flushes := randomCuts(rng, len(in))
		if !check("random", cuts, flushes) {
			return
		}
	}
	if bytewise {
		cuts := make([]int, 0, len(in))
		flushes := map[int]bool{}
		for i := 1; i < len(in); i++ {
			cuts = append(cuts, i)
			flushes[i] = i%2 == 0
		}
		check("bytewise", cuts, flushes)
	}
}

// TestChunking: the output does not depend on how the input is cut into writes, nor on
// Flush calls between them, with the default hold limit and with a small one.
func TestChunking(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, c := range readGolden(t) {
		for _, mh := range []int{0, 16, 40} {
			checkChunkings(t, "golden "+c.name, []byte(c.in), mh, rng, 20, true)
		}
	}
	for k, c := range html5libTests(t) {
		probe := oracleProbe
		if k%2 == 1 {
			probe = oracleProbe2
		}
		in := []byte(c.data + probe)
		checkChunkings(t, c.file, in, 0, rng, 4, len(in) < 300)
		checkChunkings(t, c.file, in, 20, rng, 2, false)
	}
	names, pages := corpus(t)
	for _, n := range names {
		checkChunkings(t, n, pages[n], 0, rng, 2, false)
		checkChunkings(t, n, pages[n], 200, rng, 1, false)
	}
}
