package caddymodule

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	zapobserver "go.uber.org/zap/zaptest/observer"
)

// Every per-visitor and per-name table is bounded in size and age, with keys
// of bounded length: floods of distinct, long keys must not grow memory.
// The figures: 10^5 distinct 1 KiB keys (100 MB of key material) leave the
// once-per-period table under 4 MiB and the observation table under 8 MiB.

const floodKeys = 100_000

func floodKey(i int) string {
	return fmt.Sprintf("%06d", i) + strings.Repeat("x", 1018)
}

func TestOnceEveryIsBoundedUnderAFlood(t *testing.T) {
	o := newOnceEvery(10*time.Minute, 10000)
	before := heapInUse()
	now := time.Now()
	for i := 0; i < floodKeys; i++ {
		if !o.ok(floodKey(i), now) {
			t.Fatalf("key %d refused the first time", i)
		}
	}
	after := heapInUse()
	if len(o.seen) > 10000 {
		t.Errorf("%d keys remembered, limit 10000", len(o.seen))
	}
	for k := range o.seen {
		if len(k) > maxOnceKey {
			t.Fatalf("a key of %d bytes is kept", len(k))
		}
	}
	grew := int64(after) - int64(before)
	t.Logf("10^5 keys of 1 KiB: %d remembered, heap %+d KiB", len(o.seen), grew>>10)
	if grew > 4<<20 {
		t.Errorf("heap grew %d KiB", grew>>10)
	}
	// The age bound: a period later, the old keys are swept.
	later := now.Add(11 * time.Minute)
	o.ok("fresh", later)
	if len(o.seen) != 1 {
		t.Errorf("after a period %d keys remain, want only the fresh one", len(o.seen))
	}
	// Still once per period: the same key again is refused, and allowed a
	// period later.
	if o.ok("fresh", later.Add(time.Minute)) || !o.ok("fresh", later.Add(11*time.Minute)) {
		t.Errorf("once per period broken")
	}
}

func TestObserverIsBoundedUnderAFlood(t *testing.T) {
	// The flood is logged to nowhere (the test's log must not be what grows).
	var logged countingWriter
	flood := zap.New(zapcore.NewCore(zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()), &logged, zapcore.InfoLevel))
	o := newObserver(flood, zapcore.InfoLevel)
	defer o.close()
	before := heapInUse()
	now := time.Now()
	for i := 0; i < floodKeys; i++ {
		o.observe(observation{Kind: "cookie", Name: floodKey(i), Source: "server", Path: "/" + floodKey(i)}, now)
	}
	after := heapInUse()
	o.mu.Lock()
	n := len(o.entries)
	o.mu.Unlock()
	grew := int64(after) - int64(before)
	t.Logf("10^5 names of 1 KiB: %d entries, heap %+d KiB, %d KiB logged", n, grew>>10, logged.n>>10)
	if n > observeLimit {
		t.Errorf("%d entries, limit %d", n, observeLimit)
	}
	if grew > 8<<20 {
		t.Errorf("heap grew %d KiB", grew>>10)
	}
	if perEntry := logged.n / floodKeys; perEntry > 2*maxObservedLen+300 {
		t.Errorf("%d bytes logged per entry: names and paths are not bounded", perEntry)
	}
}

// TestTablesKeepNoHeaderAlive: a short name or path is a piece of the
// request's Cookie header (or line), which the tables must not keep alive
// with it: a probe's 3,000 visitors with a 15 KB Cookie header of a name
// each grew the heap by 49 MB in report mode.
func TestTablesKeepNoHeaderAlive(t *testing.T) {
	var logged countingWriter
	flood := zap.New(zapcore.NewCore(zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()), &logged, zapcore.InfoLevel))
	o := newObserver(flood, zapcore.InfoLevel)
	defer o.close()
	once := newOnceEvery(10*time.Minute, 10000)
	const visitors = 3000
	before := heapInUse()
	now := time.Now()
	for i := 0; i < visitors; i++ {
		header := fmt.Sprintf("zz%d=1; pad=", i) + strings.Repeat("x", 16<<10)
		name, _, _ := strings.Cut(header, "=")
		o.observe(observation{Kind: "cookie", Name: name, Source: "server", Path: header[:5]}, now)
		once.ok(name, now)
	}
	grew := int64(heapInUse()) - int64(before)
	t.Logf("%d visitors with a 16 KiB Cookie header: heap %+d KiB", visitors, grew>>10)
	if grew > 4<<20 {
		t.Errorf("heap grew %d KiB: the tables keep the headers their names came from", grew>>10)
	}
}

func TestObserverAggregates(t *testing.T) {
	core, logs := zapobserver.New(zapcore.InfoLevel)
	o := newObserver(zap.New(core), zapcore.InfoLevel)
	defer o.close()
	now := time.Now()
	// A name seen again within the period is counted, not logged.
	for i := 0; i < 3; i++ {
		o.observe(observation{Kind: "cookie", Name: "_ga", Source: "server", MaxAge: int64(10 * i)}, now)
	}
	if got := logs.FilterField(zap.String("name", "_ga")).Len(); got != 1 {
		t.Errorf("_ga logged %d times, want once", got)
	}
	o.flush(now.Add(observeEvery))
	entries := logs.FilterField(zap.String("name", "_ga")).All()
	if len(entries) != 2 || entries[1].ContextMap()["count"] != int64(2) || entries[1].ContextMap()["max_age"] != int64(20) {
		t.Errorf("after the period: %v, want a second entry with count 2 and max_age 20", entries)
	}
	// Idle for a whole period: forgotten.
	// The provider is the majority's, not the first sighting's: a request
	// naming another Host first does not stand for the ones after it.
	o.observe(observation{Kind: "cookie", Name: "sid", Source: "server", Provider: "forged.example"}, now)
	for range 30 {
		o.observe(observation{Kind: "cookie", Name: "sid", Source: "server", Provider: "shop.example"}, now)
	}
	o.flush(now.Add(observeEvery))
	perProvider := map[string]int64{}
	for _, e := range logs.FilterField(zap.String("name", "sid")).All() {
		perProvider[e.ContextMap()["provider"].(string)] += e.ContextMap()["count"].(int64)
	}
	if perProvider["shop.example"] != 30 || perProvider["forged.example"] != 1 {
		t.Errorf("sightings by provider %v, want 30 for shop.example and 1 for forged.example", perProvider)
	}
	o.flush(now.Add(3 * observeEvery))
	o.mu.Lock()
	n := len(o.entries)
	o.mu.Unlock()
	if n != 0 {
		t.Errorf("%d idle entries kept", n)
	}
}

type countingWriter struct{ n int }

func (c *countingWriter) Write(p []byte) (int, error) { c.n += len(p); return len(p), nil }
func (c *countingWriter) Sync() error                 { return nil }

// TestGPCFloodThroughCaddy sends Sec-GPC requests with distinct 15 KB
// User-Agents from one address: the first few are a record each, of bounded
// size, and then the address's bound stops them (a new User-Agent a request
// made every page view a record); the de-duplication table stays bounded.
func TestGPCFloodThroughCaddy(t *testing.T) {
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {})
	p := startCaddy(t, behindTrustedProxy+consentSite(up.hostport(), ""))
	const n = 300
	for i := 0; i < n; i++ {
		ua := fmt.Sprintf("agent-%d ", i) + strings.Repeat("u", 15000)
		p.do(t, "GET", "/", nil, "Sec-GPC: 1", "Sec-Fetch-Dest: document", "User-Agent: "+ua, publicClient)
		if i == 0 {
			// The same visitor again: no second record.
			p.do(t, "GET", "/", nil, "Sec-GPC: 1", "Sec-Fetch-Dest: document", "User-Agent: "+ua, publicClient)
		}
	}
	records := p.logs(t, "http.handlers.cookie_consent.records", "consent")
	if len(records) < gpcRecordBurst || len(records) > gpcRecordBurst+1 {
		t.Errorf("%d GPC records for %d User-Agents from one address, want the burst of %d", len(records), n, gpcRecordBurst)
	}
	for _, r := range records {
		if ua := r["user_agent"].(string); len(ua) > maxRecordField {
			t.Fatalf("a record copies a %d-byte User-Agent", len(ua))
		}
	}
}

// TestObserverBudgets: new names from visitors' requests, and element hosts
// nothing knows, are admitted at newRequestNames a minute, new names in guard
// reports at newReportedNames; the rest are counted in one line at the tick. A
// table filled up by a flood of other observations (the site's Set-Cookie
// names) does not open the budgets again: only the tick does.
func TestObserverBudgets(t *testing.T) {
	core, logs := zapobserver.New(zapcore.InfoLevel)
	o := newObserver(zap.New(core), zapcore.InfoLevel)
	defer o.close()
	now := time.Now()
	for i := range newRequestNames + 10 {
		o.observe(observation{Kind: "cookie", Name: fmt.Sprint("r", i), Source: sourceRequest}, now)
		o.observe(observation{Kind: "element", Name: fmt.Sprint("h", i, ".example"), Source: "server", ClassifiedBy: "undeclared"}, now)
	}
	for i := range newReportedNames + 12 {
		o.observe(observation{Kind: "storage", Name: fmt.Sprint("g", i), Source: "guard"}, now)
	}
	// A flood fills the table: it is flushed whole, the budgets stay spent.
	for i := range observeLimit + 1 {
		o.observe(observation{Kind: "cookie", Name: fmt.Sprint("s", i), Source: "server"}, now)
	}
	o.observe(observation{Kind: "cookie", Name: "after-the-flood", Source: sourceRequest}, now)
	if logs.FilterField(zap.String("name", "after-the-flood")).Len() != 0 {
		t.Errorf("a full table opened the request budget again")
	}
	count := func(prefix string) (n int) {
		for _, e := range logs.FilterMessage("observed").All() {
			if name, _ := e.ContextMap()["name"].(string); strings.HasPrefix(name, prefix) && len(name) > 1 && name[1] >= '0' && name[1] <= '9' {
				n++
			}
		}
		return n
	}
	if r, h := count("r"), count("h"); r != newRequestNames || h != newRequestNames {
		t.Errorf("%d request names and %d hosts observed of %d each, want %d", r, h, newRequestNames+10, newRequestNames)
	}
	if g := count("g"); g != newReportedNames {
		t.Errorf("%d reported names observed of %d, want %d", g, newReportedNames+12, newReportedNames)
	}
	o.flush(now.Add(observeEvery / 10))
	for msg, want := range map[string]int64{"cookie names from visitors' requests not observed": 11, "element hosts nothing knows not observed": 10,
		"names reported by the guard not observed": 12} {
		var sum int64
		for _, e := range logs.FilterMessage(msg).All() {
			sum += e.ContextMap()["count"].(int64)
		}
		if sum != want {
			t.Errorf("%q: %d counted, want %d", msg, sum, want)
		}
	}
	o.observe(observation{Kind: "cookie", Name: "next-minute", Source: sourceRequest}, now.Add(observeEvery/10))
	if logs.FilterField(zap.String("name", "next-minute")).Len() != 1 {
		t.Errorf("the tick did not open the budget again")
	}
}

// TestChoiceFloodThroughCaddy: a client posting choices as fast as it can
// (the probe of 2026-11-29 wrote 96 MB of records in ten seconds) gets its
// burst and then 429, and every choice answered is recorded, none other.
func TestChoiceFloodThroughCaddy(t *testing.T) {
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {})
	p := startCaddy(t, behindTrustedProxy+consentSite(up.hostport(), ""))
	accepted, limited := 0, 0
	for range choiceBurst + 20 {
		res := postChoice(t, p, url.Values{"choice": {"accept_all"}}, "Origin: "+p.base, publicClient)
		switch res.StatusCode {
		case http.StatusSeeOther:
			accepted++
		case http.StatusTooManyRequests:
			limited++
			if res.Header.Get("Retry-After") == "" || len(res.Header.Values("Set-Cookie")) != 0 {
				t.Errorf("429 with Retry-After %q and Set-Cookie %q", res.Header.Get("Retry-After"), res.Header.Values("Set-Cookie"))
			}
		default:
			t.Fatalf("status %d", res.StatusCode)
		}
	}
	if accepted < choiceBurst || accepted > choiceBurst+3 || limited < 15 {
		t.Errorf("%d choices accepted, %d refused; want the burst of %d, then 429", accepted, limited, choiceBurst)
	}
	if records := p.logs(t, "http.handlers.cookie_consent.records", "consent"); len(records) != accepted {
		t.Errorf("%d records for %d choices accepted", len(records), accepted)
	}
	// A client address that is not public — a proxy in front whose
	// trusted_proxies Caddy was not given, standing for every visitor — is
	// not limited: a limit there would refuse the whole site's choices.
	for i := range choiceBurst + 20 {
		if res := postChoice(t, p, url.Values{"choice": {"accept_all"}}, "Origin: "+p.base, "X-Forwarded-For: 10.1.2.3"); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("choice %d from a private address: %d", i, res.StatusCode)
		}
	}
}

// behindTrustedProxy makes loopback a trusted proxy, so that a test's
// X-Forwarded-For (publicClient) is the client address Caddy gives.
const (
	behindTrustedProxy = `{
	servers {
		trusted_proxies static 127.0.0.1/8
	}
}
`
	publicClient = "X-Forwarded-For: 203.0.113.7"
)

// TestReportWarningsAreBounded: many clients posting reports of made-up names
// (enforce mode warns about each undeclared one) write at most the warnings'
// budget, not a line per name.
func TestReportWarningsAreBounded(t *testing.T) {
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {})
	p := startCaddy(t, consentSite(up.hostport(), ""))
	for c := range 10 {
		var items []string
		for i := range maxReportItems {
			items = append(items, fmt.Sprintf(`{"kind":"cookie","name":"made_up_%d_%d"}`, c, i))
		}
		if st := postReport(t, p, `{"path":"/","items":[`+strings.Join(items, ",")+`]}`); st != http.StatusNoContent {
			t.Fatalf("report %d: status %d", c, st)
		}
	}
	warnings := p.logs(t, logger, "undeclared cookie")
	if len(warnings) < reportWarnBurst || len(warnings) > reportWarnBurst+5 {
		t.Errorf("%d warnings for %d reported names, want the budget of %d", len(warnings), 10*maxReportItems, reportWarnBurst)
	}
}

// TestCutKeepsCharacters: what a record or an observation cuts short is still
// UTF-8 (a cut at 512 bytes split a two-byte character of a User-Agent).
func TestCutKeepsCharacters(t *testing.T) {
	for _, s := range []string{strings.Repeat("é", 300), "a" + strings.Repeat("€", 200), strings.Repeat("😀", 130)} {
		for _, got := range []string{cut(s, maxRecordField), boundString(s)} {
			if !utf8.ValidString(got) || len(got) > maxRecordField || len(got) < maxObservedLen-6 {
				t.Errorf("cut of %d bytes of %q…: %d bytes, valid UTF-8 %v", len(s), s[:4], len(got), utf8.ValidString(got))
			}
		}
	}
}
