package caddymodule

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

const logger = "http.handlers.cookie_consent"

func postReport(t *testing.T, p *proxy, body string, headers ...string) int {
	t.Helper()
	res, _ := p.do(t, "POST", "/_consent/report", strings.NewReader(body), append([]string{"Content-Type: text/plain;charset=UTF-8"}, headers...)...)
	return res.StatusCode
}

// byName indexes log entries by their name field.
func byName(entries []map[string]any) map[string][]map[string]any {
	out := map[string][]map[string]any{}
	for _, e := range entries {
		n, _ := e["name"].(string)
		out[n] = append(out[n], e)
	}
	return out
}

func TestReportLogsObservationsAndUndeclared(t *testing.T) {
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {})
	p := startCaddy(t, consentSite(up.hostport(), ""))
	body := `{"path":"/shop/cart","items":[
		{"kind":"cookie","name":"_ga","category":"statistics","count":3,"max_age":63072000},
		{"kind":"cookie","name":"_fbp","count":1,"max_age":7776000},
		{"kind":"cookie","name":"mystery_id","count":2,"max_age":-1},
		{"kind":"storage","name":"theme","count":1},
		{"kind":"storage","name":"lang","count":1},
		{"kind":"element","name":"www.googletagmanager.com","category":"statistics","element":"script","count":1},
		{"kind":"element","name":"evil.example","category":"made-up","element":"<img onerror>","count":1},
		{"kind":"element","name":"127.0.0.1","category":"marketing","element":"script","count":1},
		{"kind":"element","name":"connect.facebook.net","category":"statistics","element":"script","count":1},
		{"kind":"element","name":"*.com","category":"marketing","element":"script","count":1},
		{"kind":"nonsense","name":"x","count":1}
	]}`
	if st := postReport(t, p, body, "Origin: "+p.base, "Sec-Fetch-Site: same-origin"); st != http.StatusNoContent {
		t.Fatalf("status %d, want 204", st)
	}
	obs := byName(p.logs(t, logger, "observed"))
	for _, tc := range []struct {
		name, kind, category, classifiedBy, element string
		maxAge                                      float64
	}{
		{"_ga", "cookie", "statistics", "declared", "", 63072000},
		{"_fbp", "cookie", "marketing", "known", "", 7776000},
		{"mystery_id", "cookie", "unclassified", "undeclared", "", -1},
		{"theme", "storage", "unclassified", "undeclared", "", 0},
		// lang is declared, but not as browser storage (type html): as a
		// storage key the known list classifies it.
		{"lang", "storage", "preferences", "known", "", 0},
		{"www.googletagmanager.com", "element", "statistics", "declared", "script", 0},
		// The visitor's word counts as the policy's only when the policy
		// blocks that host in that category: a forged report must not make
		// draft propose blocking the site's own host, or "*.com".
		{"evil.example", "element", "", "undeclared", "", 0},
		{"127.0.0.1", "element", "", "undeclared", "script", 0},
		{"connect.facebook.net", "element", "", "undeclared", "script", 0},
		{"*.com", "element", "", "undeclared", "script", 0},
	} {
		l := obs[tc.name]
		if len(l) != 1 {
			t.Errorf("%s: %d observed entries, want 1 (the first sighting is logged at once)", tc.name, len(l))
			continue
		}
		e := l[0]
		got := fmt.Sprint(e["kind"], e["category"], e["classified_by"], e["action"], e["source"], e["first_path"], e["element"], e["max_age"])
		want := fmt.Sprint(tc.kind, tc.category, tc.classifiedBy, "dropped", "guard", "/shop/cart", map[bool]any{true: tc.element, false: nil}[tc.element != ""], map[bool]any{true: tc.maxAge, false: nil}[tc.maxAge != 0])
		if got != want {
			t.Errorf("%s: observed %s, want %s", tc.name, got, want)
		}
		if e["level"] != "debug" {
			t.Errorf("%s: level %v, want debug in enforce mode", tc.name, e["level"])
		}
	}
	if _, ok := obs["x"]; ok {
		t.Errorf("an item of an unknown kind was logged")
	}
	warn := byName(p.logs(t, logger, "undeclared cookie"))
	for name, suggested := range map[string]string{"_fbp": "marketing", "mystery_id": "", "theme": "", "lang": "preferences"} {
		l := warn[name]
		if len(l) != 1 || l[0]["suggested_category"] != suggested || l[0]["path"] != "/shop/cart" || l[0]["source"] != "guard" {
			t.Errorf("%s: undeclared warnings %v, want one suggesting %q", name, l, suggested)
			continue
		}
		// A name the known list classifies is a note, as for a Set-Cookie.
		if want := map[bool]string{true: "info", false: "warn"}[name == "lang" || name == "_fbp"]; l[0]["level"] != want {
			t.Errorf("%s: undeclared cookie logged at %v, want %s", name, l[0]["level"], want)
		}
	}
	if len(warn["_ga"]) != 0 || len(warn["www.googletagmanager.com"]) != 0 {
		t.Errorf("a declared name or an element was warned about: %v", warn)
	}
	// Once per name per period: the same names again give no new warning,
	// and the counts wait for the next aggregated entry.
	if st := postReport(t, p, body); st != http.StatusNoContent {
		t.Fatalf("second report: %d", st)
	}
	if w := p.logs(t, logger, "undeclared cookie"); len(w) != 4 {
		t.Errorf("%d undeclared warnings after the same report twice, want 4", len(w))
	}
	if o := p.logs(t, logger, "observed"); len(o) != 10 {
		t.Errorf("%d observed entries after the same report twice, want 10", len(o))
	}
}

func TestReportModeLogsAtInfo(t *testing.T) {
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {})
	p := startCaddy(t, consentSite(up.hostport(), "mode report"))
	if st := postReport(t, p, `{"path":"/","items":[{"kind":"cookie","name":"_gcl_au","count":1}]}`); st != http.StatusNoContent {
		t.Fatalf("status %d", st)
	}
	l := byName(p.logs(t, logger, "observed"))["_gcl_au"]
	if len(l) != 1 || l[0]["level"] != "info" || l[0]["action"] != "dropped" || l[0]["category"] != "marketing" {
		t.Errorf("report mode: observed %v, want one info entry (what enforce mode drops)", l)
	}
}

func TestReportRefusesCrossSite(t *testing.T) {
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {})
	p := startCaddy(t, consentSite(up.hostport(), ""))
	body := `{"path":"/","items":[{"kind":"cookie","name":"forged","count":1}]}`
	for _, h := range [][]string{
		{"Sec-Fetch-Site: cross-site"},
		{"Origin: https://evil.example"},
		{"Origin: null"},
	} {
		if st := postReport(t, p, body, h...); st != http.StatusForbidden {
			t.Errorf("%v: status %d, want 403", h, st)
		}
	}
	if l := byName(p.logs(t, logger, "observed"))["forged"]; len(l) != 0 {
		t.Errorf("a cross-site report was logged: %v", l)
	}
	if res, _ := p.do(t, "GET", "/_consent/report", nil); res.StatusCode != http.StatusMethodNotAllowed || res.Header.Get("Allow") != "POST" {
		t.Errorf("GET: %d, Allow %q", res.StatusCode, res.Header.Get("Allow"))
	}
}

func TestReportBounds(t *testing.T) {
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {})
	p := startCaddy(t, consentSite(up.hostport(), ""))
	// Too large: refused before it is parsed.
	big := `{"path":"/","items":[{"kind":"cookie","name":"` + strings.Repeat("a", maxReportBody) + `"}]}`
	if st := postReport(t, p, big); st != http.StatusRequestEntityTooLarge {
		t.Errorf("a %d-byte report: status %d, want 413", len(big), st)
	}
	// Many items: the first maxReportItems count; long names are cut.
	var items []string
	for i := range maxReportItems + 30 {
		items = append(items, fmt.Sprintf(`{"kind":"storage","name":"k%03d","count":1}`, i))
	}
	items = append(items[:1], append([]string{`{"kind":"cookie","name":"` + strings.Repeat("n", 1000) + `","count":1000000}`}, items[1:]...)...)
	if st := postReport(t, p, `{"path":"/","items":[`+strings.Join(items, ",")+`]}`); st != http.StatusNoContent {
		t.Fatalf("status %d", st)
	}
	obs := p.logs(t, logger, "observed")
	if len(obs) != maxReportItems {
		t.Errorf("%d observed entries, want %d", len(obs), maxReportItems)
	}
	for _, e := range obs {
		if n, _ := e["name"].(string); len(n) > maxObservedLen {
			t.Errorf("a name of %d bytes was logged", len(n))
		}
	}
}

func TestReportRateLimit(t *testing.T) {
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {})
	p := startCaddy(t, consentSite(up.hostport(), ""))
	var ok, limited int
	for range reportBurst + 10 {
		switch st := postReport(t, p, `{"path":"/","items":[]}`); st {
		case http.StatusNoContent:
			ok++
		case http.StatusTooManyRequests:
			limited++
		default:
			t.Fatalf("status %d", st)
		}
	}
	// The burst passes (a token may refill while the loop runs), the rest waits.
	if ok < reportBurst || ok > reportBurst+2 || limited < 8 {
		t.Errorf("%d accepted, %d limited; want a burst of %d and then 429", ok, limited, reportBurst)
	}
}

func TestReportHostileBodiesNever5xx(t *testing.T) {
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {})
	p := startCaddy(t, consentSite(up.hostport(), ""))
	for _, body := range []string{
		"", "null", "[]", "{", `{"items":null}`, `{"items":{}}`, `{"items":[null,1,"x",[]]}`,
		`{"path":12,"items":[]}`, `{"items":[{"kind":"cookie","name":{"toString":1}}]}`,
		`{"items":[{"kind":"cookie","name":"a","count":-5}]}`, `{"items":[{"kind":"cookie","name":"b","count":1e400}]}`,
		`{"items":[{"kind":"cookie","name":"c","max_age":-99999999999999999999}]}`,
		`{"path":"//evil.example/x","items":[{"kind":"cookie","name":"d"}]}`,
		"{\"items\":[{\"kind\":\"cookie\",\"name\":\"\xff\xfe\"}]}",
		strings.Repeat("[", 4000) + strings.Repeat("]", 4000),
		`{"items":[` + strings.Repeat(`{"kind":"cookie","name":"e"},`, 400) + `{}]}`,
		"\x00\x01\x02",
	} {
		res, _ := p.do(t, "POST", "/_consent/report", strings.NewReader(body), "X-Forwarded-For: 10.0.0.1")
		if res.StatusCode >= 500 || (res.StatusCode != 204 && res.StatusCode != 400 && res.StatusCode != 413) {
			t.Errorf("%.40q: status %d", body, res.StatusCode)
		}
	}
	for _, e := range p.logs(t, logger, "observed") {
		if e["first_path"] == "//evil.example/x" {
			t.Errorf("a non-local path was logged: %v", e)
		}
	}
}

func TestReportLimiterTableIsBounded(t *testing.T) {
	l := newReportLimiter()
	now := time.Now()
	for i := range rateClients + 500 {
		l.allow(fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255), now)
	}
	if n := len(l.clients); n > rateClients {
		t.Errorf("%d clients remembered, bound %d", n, rateClients)
	}
	// A client whose bucket has filled again is forgotten first.
	l = newReportLimiter()
	l.allow("old", now)
	for i := range rateClients - 1 {
		l.allow(fmt.Sprint(i), now.Add(time.Hour))
	}
	l.allow("new", now.Add(time.Hour))
	if _, ok := l.clients["old"]; ok {
		t.Errorf("an idle client survived a full table")
	}
	if _, ok := l.clients["new"]; !ok {
		t.Errorf("the new client was not added")
	}
}

func TestClientKey(t *testing.T) {
	for addr, want := range map[string]string{
		"192.0.2.7:5555":                 "192.0.2.7",
		"[2001:db8:1:2:3:4:5:6]:443":     "2001:db8:1:2::/64",
		"[2001:db8:1:2:ffff::1]:443":     "2001:db8:1:2::/64",
		"[::ffff:192.0.2.7]:80":          "192.0.2.7",
		"not an address":                 "not an address",
		strings.Repeat("x", 1000) + ":1": strings.Repeat("x", maxObservedLen-3) + "...",
	} {
		r, _ := http.NewRequest("POST", "/", nil)
		r.RemoteAddr = addr
		if got := clientKey(r); got != want {
			t.Errorf("%.30s: %q, want %q", addr, got, want)
		}
	}
}

// FuzzReport: the decoder never panics, and what it returns is bounded.
func FuzzReport(f *testing.F) {
	f.Add([]byte(`{"path":"/a","items":[{"kind":"cookie","name":"_ga","count":2,"max_age":-1},{"kind":"element","name":"h","element":"img"}]}`))
	f.Add([]byte(`{"items":[{"kind":"storage","name":"` + strings.Repeat("k", 300) + `","count":-1}]}`))
	f.Add([]byte(`[`))
	f.Fuzz(func(t *testing.T, body []byte) {
		rep, err := decodeReport(body)
		if err != nil {
			return
		}
		if len(rep.Items) > maxReportItems || len(rep.Path) > maxObservedLen || (rep.Path != "" && !isLocalPath(rep.Path) && !strings.HasSuffix(rep.Path, "...")) {
			t.Fatalf("unbounded report: %d items, path %q", len(rep.Items), rep.Path)
		}
		for _, it := range rep.Items {
			if len(it.Name) > maxObservedLen || len(it.Category) > maxObservedLen || it.Count < 1 || it.Count > maxReportCount ||
				(it.Kind != "cookie" && it.Kind != "storage" && it.Kind != "element") || (it.Kind != "cookie" && it.MaxAge != nil) ||
				(it.Element != "" && !elementName.MatchString(it.Element)) {
				t.Fatalf("unbounded item %+v", it)
			}
		}
		if _, err := json.Marshal(rep); err != nil && utf8.Valid(body) {
			t.Fatalf("re-encoding: %v", err)
		}
	})
}

// A policy being drafted has no blockers yet: report mode still observes
// the elements the page loads from other hosts (a known tracker's under its
// category), and its guard reports the known trackers scripts add, so that
// draft can propose the blockers (the README's rollout ended with every
// tracker live: "0 tracker hosts").
func TestReportModeObservesTrackersNoBlockerNames(t *testing.T) {
	page := `<!doctype html><html><head><title>t</title></head><body>
<script async src="https://www.googletagmanager.com/gtag/js?id=G-1"></script>
<img src="https://cdn.example.org/a.png"><img src="/local.png"><img src="https://cdn2.example.org/a%zz.png">
<iframe src="https://www.youtube.com/embed/x"></iframe>
<img src="http://127.0.0.1:8443/same-host-other-port.png">
<script src="https://connect.facebook.net/en_US/fbevents.js"></script>
</body></html>`
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if r.URL.Path == "/comments" {
			// Visitors' comments with images from anywhere: the hosts no list
			// knows are observed at a bounded rate.
			for i := range 200 {
				fmt.Fprintf(w, `<img src="https://img%d.example.net/p.png">`, i)
			}
			return
		}
		fmt.Fprint(w, page)
	})
	policyFile := writePolicy(t, `version: 1
revision: 1
languages: [en]
site: {name: Shop, privacy_policy_url: /privacy}
categories: [{id: necessary}, {id: preferences}, {id: statistics}, {id: marketing}]
blockers:
  - category: marketing
    hosts: [connect.facebook.net]
`)
	p := startCaddy(t, `http://127.0.0.1:{PORT} {
	cookie_consent {
		policy `+policyFile+`
		mode report
	}
	reverse_proxy `+up.hostport()+`
}
`)
	res, body := p.do(t, "GET", "/", nil, "Sec-Fetch-Dest: document", "Accept: text/html")
	if res.StatusCode != 200 || !strings.Contains(body, `src="https://www.googletagmanager.com/gtag/js?id=G-1"`) {
		t.Fatalf("report mode changed the page: %d\n%s", res.StatusCode, body)
	}
	obs := byName(p.logs(t, logger, "observed"))
	for name, want := range map[string]string{
		"www.googletagmanager.com": "element statistics known kept server script info",
		"www.youtube.com":          "element marketing known kept server iframe info",
		"cdn.example.org":          "element  undeclared kept server img info",
		// Read as a browser reads it (url.Parse refuses %zz: it was "(same origin)").
		"cdn2.example.org": "element  undeclared kept server img info",
		// The policy's own blocker: what enforce mode would hold back.
		"connect.facebook.net": "element marketing declared blocked server script info",
	} {
		l := obs[name]
		if len(l) != 1 {
			t.Errorf("%s: %d observed entries, want 1: %v", name, len(l), l)
			continue
		}
		e := l[0]
		if got := fmt.Sprint(e["kind"], " ", e["category"], " ", e["classified_by"], " ", e["action"], " ", e["source"], " ", e["element"], " ", e["level"]); got != want {
			t.Errorf("%s: observed %q, want %q", name, got, want)
		}
	}
	for _, own := range []string{"127.0.0.1", "(same origin)", "inline"} {
		if l := obs[own]; len(l) != 0 {
			t.Errorf("the site's own element observed as %q: %v", own, l)
		}
	}
	p.do(t, "GET", "/comments", nil, "Sec-Fetch-Dest: document", "Accept: text/html")
	hosts := 0
	for name := range byName(p.logs(t, logger, "observed")) {
		if strings.HasSuffix(name, ".example.net") {
			hosts++
		}
	}
	if hosts == 0 || hosts > newRequestNames {
		t.Errorf("%d of 200 unknown image hosts observed at once, want 1..%d", hosts, newRequestNames)
	}
	// The guard of report mode knows the known trackers' hosts.
	res, guard := p.do(t, "GET", "/_consent/guard.js", nil)
	if res.StatusCode != 200 || !strings.Contains(guard, `["www.googletagmanager.com","statistics"]`) || !strings.Contains(guard, `["connect.facebook.net","marketing"]`) {
		t.Errorf("report mode's guard lacks the known tracker hosts: %d", res.StatusCode)
	}
	// Its report of one counts as known, not as the policy's.
	if st := postReport(t, p, `{"path":"/","items":[{"kind":"element","name":"www.googletagmanager.com","category":"statistics","element":"script","count":1}]}`,
		"Origin: "+p.base, "Sec-Fetch-Site: same-origin"); st != http.StatusNoContent {
		t.Fatalf("report: %d", st)
	}
	var fromGuard []map[string]any
	for _, e := range byName(p.logs(t, logger, "observed"))["www.googletagmanager.com"] {
		if e["source"] == "guard" {
			fromGuard = append(fromGuard, e)
		}
	}
	if len(fromGuard) != 1 || fromGuard[0]["classified_by"] != "known" || fromGuard[0]["category"] != "statistics" {
		t.Errorf("the guard's report of a known tracker: %v", fromGuard)
	}
}

// Names a visitor's Cookie header carries are the visitor's words: they are
// observed as "request" (draft lists them apart), and a visitor sending
// made-up names by the thousand cannot flood the log.
func TestRequestCookieNamesAreBounded(t *testing.T) {
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Set-Cookie", "sessionid=abc; Path=/; HttpOnly")
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{}`)
	})
	p := startCaddy(t, consentSite(up.hostport(), "mode report"))
	for i := range 6 {
		var names []string
		for j := range 1000 {
			names = append(names, fmt.Sprintf("k%d_%d=1", i, j))
		}
		res, _ := p.do(t, "GET", "/api", nil, "Cookie: "+strings.Join(names, "; "))
		if res.StatusCode != 200 {
			t.Fatalf("status %d", res.StatusCode)
		}
	}
	fromRequests, server := 0, 0
	for _, e := range p.logs(t, logger, "observed") {
		switch e["source"] {
		case "request":
			fromRequests++
			if _, typed := e["type"]; typed {
				t.Errorf("a request name observed with a type: %v", e)
			}
		case "server":
			server++
			if e["name"] != "sessionid" || e["type"] != "http" {
				t.Errorf("server observation: %v", e)
			}
		}
	}
	if fromRequests == 0 || fromRequests > newRequestNames {
		t.Errorf("%d request names observed from 6,000 made-up ones, want 1..%d", fromRequests, newRequestNames)
	}
	if server != 1 {
		t.Errorf("%d server observations of the site's Set-Cookie, want 1", server)
	}
}

// A Set-Cookie sent as a trailer is a decision enforce mode takes: report
// mode logs it (and changes nothing).
func TestReportModeLogsTrailerSetCookie(t *testing.T) {
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Trailer", "Set-Cookie")
		fmt.Fprint(w, `{}`)
		w.(http.Flusher).Flush()
		w.Header().Add(http.TrailerPrefix+"Set-Cookie", "_fbp=fb.1.2; Path=/; Max-Age=7776000")
	})
	p := startCaddy(t, consentSite(up.hostport(), "mode report"))
	res, _ := p.do(t, "GET", "/trailer", nil)
	if got := res.Trailer.Get("Set-Cookie"); !strings.HasPrefix(got, "_fbp=") {
		t.Errorf("report mode changed the trailer: %q", got)
	}
	l := byName(p.logs(t, logger, "observed"))["_fbp"]
	if len(l) != 1 || l[0]["action"] != "removed" || l[0]["source"] != "server" || l[0]["category"] != "marketing" {
		t.Errorf("the trailer's _fbp observed as %v, want one entry: removed, marketing", l)
	}
}

// TestReportModeObservesDeletions: a Set-Cookie that deletes is observed as
// "deleted" (the metrics still count it kept), apart from the sets of the
// same name, so that draft does not propose a name the site only deletes.
func TestReportModeObservesDeletions(t *testing.T) {
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Set-Cookie", "wordpressuser_abc=+; Expires=Thu, 01 Jan 1970 00:00:01 GMT; Path=/")
		w.Header().Add("Set-Cookie", "sid=1; Path=/")
		if r.URL.Path == "/logout" {
			w.Header().Add("Set-Cookie", "sid=; Max-Age=0; Path=/")
		}
	})
	p := startCaddy(t, consentSite(up.hostport(), "mode report"))
	p.do(t, "GET", "/", nil)
	p.do(t, "GET", "/logout", nil)
	obs := byName(p.logs(t, logger, "observed"))
	actions := func(name string) (out []string) {
		for _, e := range obs[name] {
			out = append(out, e["action"].(string))
		}
		slices.Sort(out)
		return out
	}
	if got := actions("wordpressuser_abc"); !slices.Equal(got, []string{"deleted"}) {
		t.Errorf("wordpressuser_abc observed as %v, want deleted", got)
	}
	if got := actions("sid"); !slices.Equal(got, []string{"deleted", "removed"}) {
		t.Errorf("sid observed as %v, want one entry deleted and one for its set (undeclared: removed)", got)
	}
}
