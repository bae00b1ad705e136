// Command report turns the raw numbers bench/run.sh collected into the
// markdown report: medians with their spread, ratios to the plain proxies,
// and each target of the performance issue stated as met or missed with its
// number.
//
//	report -dir DIR
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

func main() {
	dir := flag.String("dir", ".", "the run's output directory")
	flag.Parse()
	r := &report{dir: *dir, w: bufio.NewWriter(os.Stdout)}
	defer r.w.Flush()
	r.run()
}

type report struct {
	dir     string
	w       *bufio.Writer
	targets []string
}

func (r *report) printf(format string, args ...any) { fmt.Fprintf(r.w, format, args...) }

// target records a verdict for the summary.
func (r *report) target(met bool, what, number string) {
	verdict := "MISSED"
	if met {
		verdict = "met"
	}
	r.targets = append(r.targets, fmt.Sprintf("| %s | %s | %s |", what, number, verdict))
}

func (r *report) run() {
	r.printf("# consentgate benchmark report\n\n")
	if b, err := os.ReadFile(filepath.Join(r.dir, "machine.txt")); err == nil {
		for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			r.printf("- %s\n", l)
		}
		r.printf("\n")
	}
	r.pages()
	r.throughput()
	r.memory()
	r.ttfb()
	r.hotPaths()
	r.rewriter()
	r.printf("## Targets\n\n| target | number | verdict |\n| --- | --- | --- |\n")
	for _, t := range r.targets {
		r.printf("%s\n", t)
	}
}

// readTSV reads a tab-separated file with a header line into maps.
func (r *report) readTSV(name string) []map[string]string {
	f, err := os.Open(filepath.Join(r.dir, name))
	if err != nil {
		return nil
	}
	defer f.Close()
	var head []string
	var rows []map[string]string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		cols := strings.Split(sc.Text(), "\t")
		if head == nil {
			head = cols
			continue
		}
		row := map[string]string{}
		for i, c := range cols {
			if i < len(head) {
				row[head[i]] = c
			}
		}
		rows = append(rows, row)
	}
	return rows
}

func num(s string) float64 {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		return math.NaN()
	}
	return f
}

func median(v []float64) float64 {
	v = slices.DeleteFunc(slices.Clone(v), func(f float64) bool { return math.IsNaN(f) })
	if len(v) == 0 {
		return math.NaN()
	}
	slices.Sort(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

func spread(v []float64) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, f := range v {
		lo, hi = min(lo, f), max(hi, f)
	}
	return lo, hi
}

func (r *report) pages() {
	f, err := os.Open(filepath.Join(r.dir, "pages.tsv"))
	if err != nil {
		return
	}
	defer f.Close()
	r.printf("Pages (upstream, from the shared corpus): `/api.json` 1,024 bytes of JSON")
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		c := strings.Split(sc.Text(), "\t")
		if len(c) == 3 {
			r.printf("; `%s` %s bytes (%s)", c[0], commas(int(num(c[1]))), c[2])
		}
	}
	r.printf(".\n\n")
}

func commas(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// cell is one setup on one page at one connection count, over the rounds.
type cell struct {
	rps, p50, p99, cpuPerK []float64
	errors                 int
}

func (c *cell) med() (rps, p50, p99, cpu float64) {
	return median(c.rps), median(c.p50), median(c.p99), median(c.cpuPerK)
}

var setupNames = map[string]string{
	"a": "(a) Caddy reverse_proxy", "b": "(b) cookie_consent, no consent", "c": "(c) cookie_consent, all granted",
	"d": "(d) nginx proxy_pass", "e": "(e) nginx sub_filter + hide Set-Cookie",
}

func setupName(s string) string {
	base, gz := strings.CutSuffix(s, "+gz")
	if gz {
		return setupNames[base] + ", gzip"
	}
	return setupNames[base]
}

func (r *report) throughput() {
	rows := r.readTSV("throughput.tsv")
	if len(rows) == 0 {
		return
	}
	cells := map[string]*cell{}
	var pages []string
	var conns []string
	for _, row := range rows {
		k := row["setup"] + "|" + row["page"] + "|" + row["conns"]
		c := cells[k]
		if c == nil {
			c = &cell{}
			cells[k] = c
		}
		// Responses' worth of bytes read, in flight ones included; the
		// completed count when that is not known.
		n := num(row["requests"])
		if read, per := num(row["bytes_read"]), num(row["response_bytes"]); read > 0 && per > 0 {
			n = read / per
		}
		if !(n > 0) {
			n = math.NaN() // nothing completed: the round says nothing
		}
		c.rps = append(c.rps, num(row["req_s"]))
		c.p50 = append(c.p50, num(row["p50_ms"]))
		c.p99 = append(c.p99, num(row["p99_ms"]))
		c.cpuPerK = append(c.cpuPerK, num(row["cpu_s"])/n*1000)
		c.errors += int(num(row["errors"]))
		if !slices.Contains(pages, row["page"]) {
			pages = append(pages, row["page"])
		}
		if !slices.Contains(conns, row["conns"]) {
			conns = append(conns, row["conns"])
		}
	}
	get := func(s, pg, c string) *cell { return cells[s+"|"+pg+"|"+c] }

	r.printf("## Throughput (wrk)\n\n")
	r.printf("Medians over the rounds; req/s (as wrk counts them: completed responses) with its spread min–max over the rounds. " +
		"CPU-s/1k req is the proxy's user+system time (the Caddy process; all nginx workers) from /proc, per 1,000 responses' " +
		"worth of bytes read (so that responses still in flight when a run ends count for what was sent of them). " +
		"Ratios against (a) and (d) of the same compression: req/s (above 1 is faster), CPU (above 1 costs more).\n\n")
	for _, pg := range pages {
		for _, c := range conns {
			r.printf("### %s, %s connections\n\n", pg, c)
			r.printf("| setup | req/s | spread | ×(a) | ×(d) | p50 ms | p99 ms | CPU-s/1k req | CPU ×(a) | CPU ×(d) | errors |\n")
			r.printf("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n")
			for _, gz := range []string{"", "+gz"} {
				a, d := get("a"+gz, pg, c), get("d"+gz, pg, c)
				for _, s := range []string{"a", "b", "c", "d", "e"} {
					x := get(s+gz, pg, c)
					if x == nil {
						continue
					}
					rps, p50, p99, cpu := x.med()
					lo, hi := spread(x.rps)
					ratio := func(base *cell) (string, string) {
						if base == nil {
							return "", ""
						}
						brps, _, _, bcpu := base.med()
						return fmt.Sprintf("%.2f", rps/brps), fmt.Sprintf("%.2f", cpu/bcpu)
					}
					ra, ca := ratio(a)
					rd, cd := ratio(d)
					r.printf("| %s | %.0f | %.0f–%.0f | %s | %s | %.2f | %.2f | %.3f | %s | %s | %d |\n",
						setupName(s+gz), rps, lo, hi, ra, rd, p50, p99, cpu, ca, cd, x.errors)
				}
			}
			r.printf("\n")
		}
	}

	// Targets: req/s of (b) and (c) against (a), plain and gzip, at each
	// connection count; the worst counts.
	goals := []struct {
		page string
		min  float64
		what string
	}{{"/api.json", 0.98, "non-HTML (JSON)"}, {"/12k.html", 0.95, "12 KB page"}, {"/100k.html", 0.90, "100 KB page"}, {"/1m.html", 0.85, "1 MB page"}}
	for _, g := range goals {
		worst, worstAt := math.Inf(1), ""
		var cpuWorst float64 = math.Inf(1)
		for _, c := range conns {
			for _, gz := range []string{"", "+gz"} {
				a := get("a"+gz, g.page, c)
				for _, s := range []string{"b", "c"} {
					x := get(s+gz, g.page, c)
					if a == nil || x == nil {
						continue
					}
					arps, _, _, acpu := a.med()
					xrps, _, _, xcpu := x.med()
					if q := xrps / arps; q < worst {
						worst, worstAt = q, fmt.Sprintf("(%s%s) at %s connections", s, gz, c)
					}
					cpuWorst = min(cpuWorst, acpu/xcpu)
				}
			}
		}
		if worstAt == "" {
			continue
		}
		r.target(worst >= g.min, fmt.Sprintf("%s ≥ %.2f× the req/s of (a)", g.what, g.min),
			fmt.Sprintf("worst %.2f× %s (by CPU per request, worst %.2f×)", worst, worstAt, cpuWorst))
	}
	// Our CPU overhead over (a) against (e)'s over (d), on every HTML page.
	for _, pg := range pages {
		if !strings.HasSuffix(pg, ".html") {
			continue
		}
		ok := true
		var parts []string
		for _, c := range conns {
			for _, gz := range []string{"", "+gz"} {
				a, b, d, e := get("a"+gz, pg, c), get("b"+gz, pg, c), get("d"+gz, pg, c), get("e"+gz, pg, c)
				if a == nil || b == nil || d == nil || e == nil {
					continue
				}
				_, _, _, ac := a.med()
				_, _, _, bc := b.med()
				_, _, _, dc := d.med()
				_, _, _, ec := e.med()
				ours, theirs := bc/ac-1, ec/dc-1
				ok = ok && ours < theirs
				parts = append(parts, fmt.Sprintf("%s%s: +%.0f%% (+%.3f s) vs +%.0f%% (+%.3f s)", c, gz, ours*100, bc-ac, theirs*100, ec-dc))
			}
		}
		r.target(ok, fmt.Sprintf("%s: CPU overhead of (b) over (a) smaller than (e)'s over (d)", pg),
			"per 1k req, by connections: "+strings.Join(parts, "; "))
	}
}

func (r *report) memory() {
	rows := r.readTSV("memory.tsv")
	held := readBench(filepath.Join(r.dir, "hotpaths.txt"))
	if len(rows) == 0 && len(held) == 0 {
		return
	}
	r.printf("## Memory: 1,000 concurrent slow 10 MB pages\n\n")
	r.printf("Each setup in a fresh Caddy process; idle is its RSS before the load, peak its VmHWM after; " +
		"in flight is the most responses the upstream had open at once. `script`: the page is one 10 MB inline " +
		"script, which the rewriter holds back up to its limit (the worst case); `html`: corpus markup.\n\n")
	r.printf("| setup | body | idle MiB | peak MiB | in flight | KiB per response over idle |\n| --- | --- | ---: | ---: | ---: | ---: |\n")
	per := map[string]float64{}
	for _, row := range rows {
		idle, peak, n := num(row["idle_kib"]), num(row["peak_kib"]), num(row["peak_in_flight"])
		per[row["setup"]+"|"+row["body"]] = (peak - idle) / n
		r.printf("| %s | %s | %.1f | %.1f | %.0f | %.1f |\n", setupName(row["setup"]), row["body"], idle/1024, peak/1024, n, (peak-idle)/n)
	}
	r.printf("\n")
	for _, gz := range []string{"", "+gz"} {
		a, okA := per["a"+gz+"|script"]
		b, okB := per["b"+gz+"|script"]
		if okA && okB {
			r.printf("cookie_consent's own share%s, worst case: %.1f KiB per response ((b) − (a)); the rewriter may hold 64 KiB, "+
				"and Go's heap may grow to twice what is live before a collection.\n\n", map[string]string{"": "", "+gz": " behind encode gzip"}[gz], b-a)
		}
	}
	if h := held["BenchmarkHotMemoryHeld/script/handler"]; h != nil {
		r.printf("What one response in flight keeps alive, measured in the process (`BenchmarkHotMemoryHeld`: 500 responses " +
			"stopped half-way, the live heap after a collection, and the goroutines' stacks; the next handler alone keeps under 0.2 KiB of heap):\n\n")
		r.printf("| body | live heap KiB per response | stack KiB per response (plain: next alone) |\n| --- | ---: | ---: |\n")
		for _, body := range []string{"html", "script"} {
			hb, pb := held["BenchmarkHotMemoryHeld/"+body+"/handler"], held["BenchmarkHotMemoryHeld/"+body+"/plain"]
			r.printf("| %s | %.1f | %.1f (%.1f) |\n", body, medianOf(hb, "live-KiB/response"), medianOf(hb, "stack-KiB/response"), medianOf(pb, "stack-KiB/response"))
		}
		r.printf("\n")
		worst := medianOf(h, "live-KiB/response")
		r.target(worst <= 64+16, "memory per response bounded: at most 64 KiB held back, plus the stages' fixed state (< 16 KiB)",
			fmt.Sprintf("%.1f KiB live per response in the worst case (an unfinished 56 KiB inline script)", worst))
	}
}

func (r *report) ttfb() {
	rows := r.readTSV("ttfb.tsv")
	if len(rows) == 0 {
		return
	}
	r.printf("## Time to first byte of a streamed page\n\n")
	r.printf("The upstream sends the head at once and the rest in pieces 40 ms apart; median [min,max] in ms over kept-alive requests.\n\n")
	r.printf("| setup | header | first body byte | whole page | bytes |\n| --- | ---: | ---: | ---: | ---: |\n")
	first := map[string]float64{}
	for _, row := range rows {
		name := row["setup"]
		if name != "upstream" {
			name = setupName(name)
		} else {
			name = "upstream directly"
		}
		r.printf("| %s | %s | %s | %s | %s |\n", name, row["header_ms"], row["first_body_ms"], row["total_ms"], row["body_bytes"])
		first[row["setup"]] = num(strings.Fields(row["first_body_ms"])[0])
	}
	r.printf("\n")
	if up, ok := first["upstream"]; ok {
		worst, at := math.Inf(-1), ""
		for _, s := range []string{"b", "c", "b+gz"} {
			if v, ok := first[s]; ok && v-up > worst {
				worst, at = v-up, s
			}
		}
		r.target(worst <= 5, "time to first byte of a streamed page within 5 ms of the upstream's",
			fmt.Sprintf("first body byte +%.2f ms through (%s), the slowest of (b), (c), (b, gzip)", worst, at))
	}
}

// bench is one go test -bench result line.
type bench struct {
	name   string
	values map[string]float64
}

func readBench(path string) map[string][]bench {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	return parseBench(f)
}

func parseBench(rd io.Reader) map[string][]bench {
	out := map[string][]bench{}
	sc := bufio.NewScanner(rd)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) < 4 || !strings.HasPrefix(fs[0], "Benchmark") {
			continue
		}
		name := fs[0]
		if i := strings.LastIndexByte(name, '-'); i > 0 {
			if _, err := strconv.Atoi(name[i+1:]); err == nil {
				name = name[:i]
			}
		}
		b := bench{name: name, values: map[string]float64{}}
		for i := 2; i+1 < len(fs); i += 2 {
			b.values[fs[i+1]] = num(fs[i])
		}
		out[name] = append(out[name], b)
	}
	return out
}

func medianOf(bs []bench, unit string) float64 {
	var v []float64
	for _, b := range bs {
		if x, ok := b.values[unit]; ok {
			v = append(v, x)
		}
	}
	return median(v)
}

func (r *report) hotPaths() {
	res := readBench(filepath.Join(r.dir, "hotpaths.txt"))
	if len(res) == 0 {
		return
	}
	r.printf("## Per-request hot paths (go test -bench -benchmem)\n\n")
	r.printf("Medians over the runs; cpu-ns/op is the benchmark thread's CPU time per op (what the targets are judged on: " +
		"wall-clock ns/op on a shared machine is mostly the neighbours'). `…/handler` runs Handler.ServeHTTP in front of a next handler; `…/plain` the next handler alone, " +
		"each op on a fresh request with the context and replacer Caddy's server prepares (caddyhttp.PrepareRequest), built outside the timed part " +
		"and counted outside it (B/op, allocs/op of the served requests alone), its garbage collected between the timed batches: the difference is ours.\n\n")
	r.printf("| benchmark | ns/op | cpu-ns/op | B/op | allocs/op |\n| --- | ---: | ---: | ---: | ---: |\n")
	var names []string
	for n := range res {
		if !strings.HasPrefix(n, "BenchmarkHotMemory") {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	for _, n := range names {
		r.printf("| %s | %.0f | %.0f | %.0f | %.0f |\n", strings.TrimPrefix(n, "Benchmark"), medianOf(res[n], "ns/op"),
			medianOf(res[n], "cpu-ns/op"), medianOf(res[n], "B/op"), medianOf(res[n], "allocs/op"))
	}
	r.printf("\n")
	// cpu-ns/op (the thread's CPU time) where it was measured: on a shared
	// machine wall-clock time is mostly the neighbours'.
	cost := func(bs []bench) float64 {
		if v := medianOf(bs, "cpu-ns/op"); !math.IsNaN(v) {
			return v
		}
		return medianOf(bs, "ns/op")
	}
	diff := func(base string) (ns, allocs float64, ok bool) {
		h, p := res[base+"/handler"], res[base+"/plain"]
		if h == nil || p == nil {
			return 0, 0, false
		}
		return cost(h) - cost(p), medianOf(h, "allocs/op") - medianOf(p, "allocs/op"), true
	}
	if ns, allocs, ok := diff("BenchmarkHotRequest/json-no-consent"); ok {
		r.target(allocs == 0 && ns <= 1000, "no consent cookie, non-HTML response: 0 allocations in our handler, ≤ 1 µs",
			fmt.Sprintf("%.0f ns, %.0f allocations", ns, allocs))
	}
	if ns, allocs, ok := diff("BenchmarkHotCookies/granted"); ok {
		r.target(allocs <= 5 && ns <= 3000, "Set-Cookie/Cookie work of a typical request (7 request cookies, 6 Set-Cookie) ≤ 3 µs, ≤ 5 allocations",
			fmt.Sprintf("%.0f ns, %.0f allocations (every category granted)", ns, allocs))
	}
}

// rewriterRow is one page's medians.
type rewriterRow struct {
	page         string
	bytes        float64
	ours, oursC  float64
	granted      float64 // cpu-MB/s of rewriter-granted
	xnet, xnetC  float64
	lol, lolC    float64
	allocs, xall float64
}

func (r *report) rewriter() {
	res := readBench(filepath.Join(r.dir, "rewriter.txt"))
	if len(res) == 0 {
		return
	}
	rows := map[string]*rewriterRow{}
	var pages []string
	for name, bs := range res {
		rest, ok := strings.CutPrefix(name, "BenchmarkCorpus/")
		if !ok {
			continue
		}
		kind, page, _ := strings.Cut(rest, "/")
		row := rows[page]
		if row == nil {
			row = &rewriterRow{page: page}
			rows[page] = row
			pages = append(pages, page)
		}
		switch kind {
		case "rewriter":
			row.ours, row.oursC, row.allocs = medianOf(bs, "MB/s"), medianOf(bs, "cpu-MB/s"), medianOf(bs, "allocs/op")
		case "rewriter-granted":
			row.granted = medianOf(bs, "cpu-MB/s")
		case "xnet-tokenizer":
			row.xnet, row.xnetC, row.xall = medianOf(bs, "MB/s"), medianOf(bs, "cpu-MB/s"), medianOf(bs, "allocs/op")
		}
	}
	lol := map[string][][2]float64{}
	if f, err := os.Open(filepath.Join(r.dir, "lolhtml.tsv")); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			c := strings.Split(sc.Text(), "\t")
			if len(c) == 4 {
				lol[c[0]] = append(lol[c[0]], [2]float64{num(c[2]), num(c[3])})
				if row := rows[c[0]]; row != nil {
					row.bytes = num(c[1])
				}
			}
		}
		f.Close()
	}
	for p, v := range lol {
		if row := rows[p]; row != nil {
			var w, c []float64
			for _, x := range v {
				w, c = append(w, x[0]), append(c, x[1])
			}
			row.lol, row.lolC = median(w), median(c)
		}
	}
	slices.Sort(pages)
	col := func(f func(*rewriterRow) float64) float64 {
		var v []float64
		for _, p := range pages {
			v = append(v, f(rows[p]))
		}
		return median(v)
	}
	r.printf("## HTML rewriter over the corpus (%d pages)\n\n", len(pages))
	r.printf("The same edits by each: the guard script after `<head>`, tracker `<script src>`, `<img>`, `<iframe>` held back, " +
		"the banner before `</body>`; pages written in 32 KiB chunks. MB/s is wall clock, cpu-MB/s per CPU second of the " +
		"thread (Go) or process (node: lol-html as WebAssembly, html-rewriter-wasm, one thread, a new rewriter per page); " +
		"x/net/html only tokenizes. Per page the median of the runs; here the median over the pages.\n\n")
	r.printf("| | consentgate htmlrewrite | x/net/html tokenizer | lol-html (wasm) | ours ÷ x/net | ours ÷ lol-html |\n| --- | ---: | ---: | ---: | ---: | ---: |\n")
	mo, mx, ml := col(func(x *rewriterRow) float64 { return x.ours }), col(func(x *rewriterRow) float64 { return x.xnet }), col(func(x *rewriterRow) float64 { return x.lol })
	co, cx, cl := col(func(x *rewriterRow) float64 { return x.oursC }), col(func(x *rewriterRow) float64 { return x.xnetC }), col(func(x *rewriterRow) float64 { return x.lolC })
	r.printf("| median MB/s | %.0f | %.0f | %.1f | %.1f× | %.0f× |\n", mo, mx, ml, mo/mx, mo/ml)
	r.printf("| median cpu-MB/s | %.0f | %.0f | %.1f | %.1f× | %.0f× |\n", co, cx, cl, co/cx, co/cl)
	r.printf("| median of per-page ratios (cpu) | | | | %.1f× | %.0f× |\n\n",
		col(func(x *rewriterRow) float64 { return x.oursC / x.xnetC }), col(func(x *rewriterRow) float64 { return x.oursC / x.lolC }))
	if cg := col(func(x *rewriterRow) float64 { return x.granted }); cg > 0 {
		r.printf("For a visitor who granted every category that has blockers the handler runs the rewriter without Block "+
			"(nothing can be held back; only the insertions are made): median %.0f cpu-MB/s, %.1f× x/net/html's tokenizer. "+
			"The targets below are judged on the rewriter that reads and asks about every element.\n\n", cg, cg/cx)
	}
	r.printf("<details><summary>per page</summary>\n\n| page | bytes | ours cpu-MB/s | ours, all granted, cpu-MB/s | x/net cpu-MB/s | lol-html cpu-MB/s | allocs ours | allocs x/net |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n")
	for _, p := range pages {
		x := rows[p]
		r.printf("| %s | %s | %.0f | %.0f | %.0f | %.1f | %.0f | %.0f |\n", p, commas(int(x.bytes)), x.oursC, x.granted, x.xnetC, x.lolC, x.allocs, x.xall)
	}
	r.printf("\n</details>\n\n")
	r.target(co >= 2000, "rewriter ≥ 2 GB/s median per core", fmt.Sprintf("%.0f MB/s per CPU second (%.0f MB/s wall)", co, mo))
	r.target(co/cx >= 10, "rewriter ≥ 10× x/net/html's tokenizer", fmt.Sprintf("%.1f× (cpu-MB/s medians)", co/cx))
}
