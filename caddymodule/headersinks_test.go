package caddymodule

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/textproto"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// The response headers that make a browser contact a host (linkheader.go,
// headersinks.go), filtered for a visitor who has not consented to the
// category of a tracker blocked as tracker.test and *.tracker.test.

const sinkPolicy = `version: 1
revision: 1
languages: [en]
site:
  name: Sink AB
  privacy_policy_url: https://example.test/privacy
categories:
  - id: necessary
  - id: marketing
cookies:
  - {name: JSESSIONID, category: necessary, provider: example.test, duration: session}
blockers:
  - category: marketing
    hosts: [tracker.test, "*.tracker.test"]
`

// sinkHandler is a handler with the sink policy, and the Cookie header of a
// visitor who granted every category.
func sinkHandler(t *testing.T, mode string) (*Handler, string) {
	h := &Handler{Mode: mode}
	h.setPolicyPath(writePolicy(t, sinkPolicy))
	h = provisionHandler(t, h)
	return h, "Cookie: cookie_consent=" + h.codec.Encode(h.codec.NewChoice(h.policy.SetOf(h.policy.CategoryIDs())))
}

// sinkResponse serves one response with the header lines given ("Name:
// value", repeated names make several lines) and the body, and returns the
// response's header. A navigation unless headers say otherwise.
func sinkResponse(t *testing.T, h *Handler, contentType string, lines []string, body string, headers ...string) http.Header {
	t.Helper()
	url := serve(t, h, func(w http.ResponseWriter, r *http.Request) error {
		addLines(w.Header(), lines)
		w.Header().Set("Content-Type", contentType)
		_, err := io.WriteString(w, body)
		return err
	})
	res, _ := get(t, url, "GET", headers...)
	return res.Header
}

const sinkPage = `<!DOCTYPE html><html><head><title>t</title></head><body><p>hi</p></body></html>`

func TestHeaderSinkLinkParsedAsChromium(t *testing.T) {
	h, granted := sinkHandler(t, "")
	for _, tc := range []struct {
		name  string
		lines []string
		want  []string // the Link lines sent
	}{
		{"a quote inside <...> starts no quoted string",
			[]string{`</x">; rel=next, <https://tracker.test/a.png>; rel=preload; as=image; title="y"`},
			[]string{`</x">; rel=next`}},
		{"a quoted rel is unquoted with its escapes",
			[]string{`<https://tracker.test/a.js>; rel="pre\load"; as=script, </own.css>; rel=preload; as=style`},
			[]string{`</own.css>; rel=preload; as=style`}},
		{"the lines are one value joined with a comma",
			[]string{`</ok>; rel=next; title="a`, `b", <https://tracker.test/b.png>; rel=preload; as=image`},
			[]string{`</ok>; rel=next; title="a, b"`}},
		{"every imagesrcset candidate is looked at",
			[]string{`</img/a.png>; rel=preload; as=image; imagesrcset="/img/a.png 1x,https://x.tracker.test/b.png 2x"`, `</own.css>; rel=preload; as=style`},
			[]string{`</own.css>; rel=preload; as=style`}},
		{"an unquoted imagesrcset too",
			[]string{`</img/a.png>; rel=preload; as=image; imagesrcset=https://tracker.test/c.png; imagesizes=50vw`},
			nil},
		{"a relation not known to load nothing fetches",
			[]string{`<https://tracker.test/dict>; rel=compression-dictionary`, `<https://tracker.test/next>; rel=next`},
			[]string{`<https://tracker.test/next>; rel=next`}},
		{"a rel given twice",
			[]string{`<https://tracker.test/x.js>; rel=next; rel=modulepreload`},
			nil},
		{"nothing removed: the lines as they were",
			[]string{`</a.css>; rel=preload; as=style`, `</b.css>; rel=preload; as=style`},
			[]string{`</a.css>; rel=preload; as=style`, `</b.css>; rel=preload; as=style`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var lines []string
			for _, l := range tc.lines {
				lines = append(lines, "Link: "+l)
			}
			got := sinkResponse(t, h, "text/plain", lines, "x").Values("Link")
			if !slices.Equal(got, tc.want) {
				t.Errorf("Link %q, want %q", got, tc.want)
			}
			if got := sinkResponse(t, h, "text/plain", lines, "x", granted).Values("Link"); !slices.Equal(got, tc.lines) {
				t.Errorf("with consent, Link %q, want %q", got, tc.lines)
			}
		})
	}
}

func TestHeaderSinkReportToAndNEL(t *testing.T) {
	h, granted := sinkHandler(t, "")
	const tracker = `{"group":"default","max_age":10886400,"endpoints":[{"url":"https://nel.tracker.test/report"}]}`
	const own = `{"group":"site","max_age":10886400,"endpoints":[{"url":"https://example.test/r"}]}`
	for _, tc := range []struct {
		name          string
		lines         []string
		reportTo, nel []string
	}{
		{"the tracker's group goes, and NEL naming it by default",
			[]string{"Report-To: " + tracker + ", " + own, `NEL: {"max_age":10886400}`},
			[]string{own}, nil},
		{"NEL naming a group that stays is kept",
			[]string{"Report-To: " + tracker + ", " + own, `NEL: {"report_to":"site","max_age":10886400}`},
			[]string{own}, []string{`{"report_to":"site","max_age":10886400}`}},
		{"NEL naming the tracker's group",
			[]string{"Report-To: " + own, "Report-To: " + strings.Replace(tracker, `"default"`, `"nel"`, 1), `NEL: {"report_to":"nel","max_age":1}`},
			[]string{own}, nil},
		{"an endpoint written with escapes",
			[]string{`Report-To: {"group":"default","max_age":1,"endpoints":[{"url":"https://tracker\u002etest/r"}]}`, `NEL: {"max_age":1}`},
			nil, nil},
		{"unparseable with a tracker in it: removed whole, NEL with it",
			[]string{`Report-To: {"group":"default","max_age":1,"endpoints":[{"url":"https://tracker.test/r"}]},`, `NEL: {"max_age":1}`},
			nil, nil},
		{"unparseable without a tracker: left as it is",
			[]string{`Report-To: {"group":"default",}`, `NEL: {"max_age":1}`},
			[]string{`{"group":"default",}`}, []string{`{"max_age":1}`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hdr := sinkResponse(t, h, "application/json", tc.lines, "{}")
			if got := hdr.Values("Report-To"); !slices.Equal(got, tc.reportTo) {
				t.Errorf("Report-To %q, want %q", got, tc.reportTo)
			}
			if got := hdr.Values("NEL"); !slices.Equal(got, tc.nel) {
				t.Errorf("NEL %q, want %q", got, tc.nel)
			}
			hdr = sinkResponse(t, h, "application/json", tc.lines, "{}", granted)
			if len(hdr.Values("Report-To")) == 0 || len(hdr.Values("NEL")) == 0 {
				t.Errorf("with consent: Report-To %q NEL %q", hdr.Values("Report-To"), hdr.Values("NEL"))
			}
		})
	}
}

func TestHeaderSinkReportingEndpointsAndCSP(t *testing.T) {
	h, granted := sinkHandler(t, "")
	const csp = `default-src 'self'; script-src 'nonce-abc123' 'strict-dynamic'; report-uri https://tracker.test/csp /own-csp; report-to csp`
	for _, tc := range []struct {
		name                  string
		lines                 []string
		endpoints, csp, cspRO []string
	}{
		{"the tracker's endpoint goes, report-to naming it, its report-uri URL",
			[]string{`Reporting-Endpoints: csp="https://tracker.test/r", own="/r"`, "Content-Security-Policy: " + csp,
				"Content-Security-Policy-Report-Only: img-src 'none';REPORT-URI https://a.tracker.test/x, script-src 'none'; report-to own"},
			[]string{`own="/r"`},
			[]string{`default-src 'self'; script-src 'nonce-abc123' 'strict-dynamic'; report-uri /own-csp`},
			[]string{`img-src 'none', script-src 'none'; report-to own`}},
		{"a report-uri on the site's own host is kept byte for byte",
			[]string{"Content-Security-Policy: default-src 'self';  report-uri  /a  /b ;report-to x"},
			nil, []string{"default-src 'self';  report-uri  /a  /b ;report-to x"}, nil},
		{"unparseable with a tracker in it",
			[]string{`Reporting-Endpoints: csp="https://tracker.test/r", bad`, `Reporting-Endpoints: ="x"`, "Content-Security-Policy: default-src 'self'; report-to csp"},
			nil, []string{"default-src 'self'"}, nil},
		{"unparseable without",
			[]string{`Reporting-Endpoints: csp="https://example.test/r",`},
			[]string{`csp="https://example.test/r",`}, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hdr := sinkResponse(t, h, "text/plain", tc.lines, "x")
			if got := hdr.Values("Reporting-Endpoints"); !slices.Equal(got, tc.endpoints) {
				t.Errorf("Reporting-Endpoints %q, want %q", got, tc.endpoints)
			}
			if got := hdr.Values("Content-Security-Policy"); !slices.Equal(got, tc.csp) {
				t.Errorf("Content-Security-Policy %q, want %q", got, tc.csp)
			}
			if got := hdr.Values("Content-Security-Policy-Report-Only"); !slices.Equal(got, tc.cspRO) {
				t.Errorf("Content-Security-Policy-Report-Only %q, want %q", got, tc.cspRO)
			}
			hdr = sinkResponse(t, h, "text/plain", tc.lines, "x", granted)
			for _, l := range tc.lines {
				k, v, _ := strings.Cut(l, ": ")
				if !slices.Contains(hdr.Values(k), v) {
					t.Errorf("with consent, %s %q, want %q in it", k, hdr.Values(k), v)
				}
			}
		})
	}
	t.Run("the page's nonce is still read from the filtered policy", func(t *testing.T) {
		url := serve(t, h, func(w http.ResponseWriter, r *http.Request) error {
			w.Header().Set("Content-Security-Policy", csp)
			w.Header().Set("Content-Type", "text/html")
			_, err := io.WriteString(w, sinkPage)
			return err
		})
		res, body := get(t, url, "GET")
		if got := res.Header.Get("Content-Security-Policy"); strings.Contains(got, "tracker") || !strings.Contains(got, "'nonce-abc123'") {
			t.Errorf("Content-Security-Policy %q", got)
		}
		if !strings.Contains(body, `nonce="abc123"`) {
			t.Errorf("the inserted markup has no nonce: %s", body)
		}
	})
}

func TestHeaderSinkSpeculationRulesAndRefresh(t *testing.T) {
	h, granted := sinkHandler(t, "")
	spec := `Speculation-Rules: "/rules.json"`
	if hdr := sinkResponse(t, h, "text/html", []string{spec}, sinkPage); hdr.Get("Speculation-Rules") != "" {
		t.Errorf("Speculation-Rules %q kept for a visitor who refused marketing", hdr.Get("Speculation-Rules"))
	}
	if hdr := sinkResponse(t, h, "text/html", []string{spec}, sinkPage, granted); hdr.Get("Speculation-Rules") != `"/rules.json"` {
		t.Errorf("with consent, Speculation-Rules %q", hdr.Get("Speculation-Rules"))
	}
	for _, tc := range []struct{ refresh, want string }{
		{"0;url=https://tracker.test/t", ""},
		{"5, URL = 'https://x.tracker.test/t'", ""},
		{`0; "//tracker.test/t"`, ""},
		{"0;url=/next", "0;url=/next"},
		{"0;url=https://example.test/?to=tracker.test", "0;url=https://example.test/?to=tracker.test"},
		{"3", "3"},
	} {
		if got := sinkResponse(t, h, "text/plain", []string{"Refresh: " + tc.refresh}, "x").Get("Refresh"); got != tc.want {
			t.Errorf("Refresh %q sent as %q, want %q", tc.refresh, got, tc.want)
		}
		if got := sinkResponse(t, h, "text/plain", []string{"Refresh: " + tc.refresh}, "x", granted).Get("Refresh"); got != tc.refresh {
			t.Errorf("with consent, Refresh %q sent as %q", tc.refresh, got)
		}
	}
	// Chromium reads two lines joined: "0" and "url=…" make one Refresh.
	for _, second := range []string{"url=https://tracker.test/rf-2lines", "https://tracker.test/rf-2lines-b"} {
		if got := sinkResponse(t, h, "text/plain", []string{"Refresh: 0", "Refresh: " + second}, "x").Values("Refresh"); len(got) != 0 {
			t.Errorf("Refresh split across lines kept: %q", got)
		}
	}
}

// Report-To and NEL act from any response (a fetch's too); a CSP from a
// worker's script as from a document.
func TestHeaderSinksBeyondDocuments(t *testing.T) {
	h, _ := sinkHandler(t, "")
	lines := []string{`Report-To: {"group":"default","max_age":1,"endpoints":[{"url":"https://tracker.test/r"}]}`, `NEL: {"max_age":1}`,
		"Content-Security-Policy: script-src 'self'; report-uri https://tracker.test/csp"}
	hdr := sinkResponse(t, h, "application/json", lines, "{}", "Sec-Fetch-Dest: empty")
	if v := hdr.Values("Report-To"); len(v) > 0 {
		t.Errorf("fetch: Report-To %q kept", v)
	}
	if v := hdr.Values("NEL"); len(v) > 0 {
		t.Errorf("fetch: NEL %q kept", v)
	}
	for _, dest := range []string{"worker", "sharedworker", "serviceworker"} {
		hdr = sinkResponse(t, h, "text/javascript", lines, "x", "Sec-Fetch-Dest: "+dest)
		if got := hdr.Get("Content-Security-Policy"); got != "script-src 'self'" {
			t.Errorf("%s: Content-Security-Policy %q", dest, got)
		}
	}
}

// startSinkSite runs real Caddy with the sink policy in front of up; options
// go into the cookie_consent block.
func startSinkSite(t *testing.T, up *upstream, options string) *proxy {
	return startCaddy(t, `http://127.0.0.1:{PORT} {
	cookie_consent {
		policy `+writePolicy(t, sinkPolicy)+`
		`+options+`
	}
	reverse_proxy `+up.hostport()+`
}
`)
}

// Through real Caddy: the upstream's 103 Early Hints and its final response.
func TestHeaderSinksInEarlyHintsThroughCaddy(t *testing.T) {
	sinks := []string{
		"Link: <https://tracker.test/gtm.js>; rel=preload; as=script, </app.css>; rel=preload; as=style",
		`Report-To: {"group":"default","max_age":86400,"endpoints":[{"url":"https://tracker.test/nel"}]}`,
		`NEL: {"max_age":86400}`,
		`Reporting-Endpoints: default="https://tracker.test/r"`,
		"Content-Security-Policy: script-src 'self'; report-uri https://tracker.test/csp",
		`Speculation-Rules: "/rules.json"`,
	}
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		addLines(w.Header(), sinks)
		w.WriteHeader(http.StatusEarlyHints)
		w.Header().Set("Refresh", "0;url=https://tracker.test/go")
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, "plain")
	})
	p := startSinkSite(t, up, "")
	hints, res := getWithHints(t, p.base+"/")
	if len(hints) != 1 {
		t.Fatalf("%d 1xx responses, want one 103", len(hints))
	}
	for name, hdr := range map[string]http.Header{"103": hints[0], "final": res.Header} {
		if got := hdr.Values("Link"); !slices.Equal(got, []string{"</app.css>; rel=preload; as=style"}) {
			t.Errorf("%s: Link %q", name, got)
		}
		if got := hdr.Values("Content-Security-Policy"); !slices.Equal(got, []string{"script-src 'self'"}) {
			t.Errorf("%s: Content-Security-Policy %q", name, got)
		}
		for _, gone := range []string{"Report-To", "NEL", "Reporting-Endpoints", "Speculation-Rules", "Refresh"} {
			if v := hdr.Values(gone); len(v) > 0 {
				t.Errorf("%s: %s %q kept", name, gone, v)
			}
		}
	}
}

// Report mode changes no header and logs what enforce mode would remove.
func TestHeaderSinksReportModeObserves(t *testing.T) {
	sinks := []string{
		"Link: <https://tracker.test/gtm.js>; rel=preload; as=script",
		`Report-To: {"group":"default","max_age":86400,"endpoints":[{"url":"https://nel.tracker.test/nel"}]}`,
		`NEL: {"max_age":86400}`,
		`Reporting-Endpoints: default="https://ep.tracker.test/r"`,
		"Content-Security-Policy: script-src 'self'; report-uri https://csp.tracker.test/csp",
		`Speculation-Rules: "/rules.json"`,
		"Refresh: 0;url=https://refresh.tracker.test/go",
	}
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		addLines(w.Header(), sinks)
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, "plain")
	})
	p := startSinkSite(t, up, "mode report")
	res, _ := p.do(t, "GET", "/", nil, "Sec-Fetch-Dest: document")
	for _, l := range sinks {
		k, v, _ := strings.Cut(l, ": ")
		if got := res.Header.Values(k); !slices.Equal(got, []string{v}) {
			t.Errorf("report mode changed %s: %q", k, got)
		}
	}
	want := map[string]string{
		"tracker.test":         "link header",
		"nel.tracker.test":     "report-to header",
		"ep.tracker.test":      "reporting-endpoints header",
		"csp.tracker.test":     "csp report-uri",
		"(same origin)":        "speculation-rules header",
		"refresh.tracker.test": "refresh header",
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		seen := map[string]string{}
		for _, e := range p.logs(t, logger, "observed") {
			name, _ := e["name"].(string)
			element, _ := e["element"].(string)
			if e["kind"] == "element" && e["category"] == "marketing" {
				seen[name] = element
			}
		}
		missing := ""
		for name, element := range want {
			if seen[name] != element {
				missing += fmt.Sprintf(" %s (%s)", name, element)
			}
		}
		if missing == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not observed:%s; seen %v", missing, seen)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// getWithHints GETs url as a navigation and returns the headers of its 1xx
// responses and the final response.
func getWithHints(t *testing.T, url string) ([]http.Header, *http.Response) {
	t.Helper()
	var mu sync.Mutex
	var hints []http.Header
	trace := &httptrace.ClientTrace{Got1xxResponse: func(code int, h textproto.MIMEHeader) error {
		mu.Lock()
		defer mu.Unlock()
		hints = append(hints, http.Header(h).Clone())
		return nil
	}}
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Sec-Fetch-Dest", "document")
	req = req.WithContext(httptrace.WithClientTrace(req.Context(), trace))
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	mu.Lock()
	defer mu.Unlock()
	return hints, res
}

func TestSplitLinksAsChromium(t *testing.T) {
	for in, want := range map[string][]string{
		`</x">; rel=next, <https://t/a>; rel=preload`:  {`</x">; rel=next`, ` <https://t/a>; rel=preload`},
		`</a>; title="x, <y>", </b>`:                   {`</a>; title="x, <y>"`, ` </b>`},
		`</a>; title="q\", r", </b>`:                   {`</a>; title="q\", r"`, ` </b>`},
		` , </a> ,, </b>;rel=x `:                       {` `, ` </a> `, ``, ` </b>;rel=x `},
		`</a,b>; rel=preload, <c>`:                     {`</a,b>; rel=preload`, ` <c>`},
		`</a>; title="never closed, <https://t/>; x=1`: {`</a>; title="never closed, <https://t/>; x=1`},
	} {
		if got := splitLinks(in); !slices.Equal(got, want) {
			t.Errorf("splitLinks(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLinkParams(t *testing.T) {
	for _, tc := range []struct {
		params  string
		fetches bool
	}{
		{`; rel=next`, false},
		{`; rel="next prev"; as=x`, false},
		{`; REL = "pre\load"`, true},
		{`; rel=alternate stylesheet`, true},
		{`; rel=compression-dictionary`, true},
		{`; title="a;rel=preload"; rel=next`, true}, // read both ways: fails closed
		{`; as=script`, false},
	} {
		if got, _ := linkParams(tc.params); got != tc.fetches {
			t.Errorf("linkParams(%q) fetches = %v", tc.params, got)
		}
	}
	if _, srcsets := linkParams(`; rel=preload; imagesrcset="a.png 1x, b.png 2x"`); !slices.Contains(srcsets, "a.png 1x, b.png 2x") {
		t.Errorf("imagesrcset %q", srcsets)
	}
	if got := srcsetTokens("a.png 1x,https://t/b,c.png 2x , //t/d.png"); !slices.Contains(got, "https://t/b") || !slices.Contains(got, "//t/d.png") {
		t.Errorf("srcsetTokens %q", got)
	}
}

func TestRefreshURLs(t *testing.T) {
	for in, want := range map[string][]string{
		"0;url=https://t/x":         {"https://t/x"},
		"  5 , URL = 'https://t/y'": {"https://t/y", "https://t/y"},
		`0; "https://t/z" junk"`:    {`https://t/z" junk`, "https://t/z"},
		"0 https://t/w":             {"https://t/w"},
		"0;urlx":                    {"urlx"},
		"10":                        nil,
	} {
		if got := refreshURLs(in); !slices.Equal(got, want) {
			t.Errorf("refreshURLs(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseSFDictionary(t *testing.T) {
	members, ok := parseSFDictionary(`a="https://t/a";p=1, b=?1, c=(1 "x" tok);q="y", *d, e=:aGk=:, f=-1.5, g=%"h"`)
	if !ok {
		t.Fatal("did not parse")
	}
	var keys []string
	for _, m := range members {
		keys = append(keys, m.key)
	}
	if !slices.Equal(keys, []string{"a", "b", "c", "*d", "e", "f", "g"}) {
		t.Errorf("keys %q", keys)
	}
	if members[0].raw != `a="https://t/a";p=1` || !slices.Equal(members[0].strings, []string{"https://t/a"}) {
		t.Errorf("a: %+v", members[0])
	}
	if !slices.Equal(members[2].strings, []string{"x", "y"}) {
		t.Errorf("c: %+v", members[2])
	}
	for _, bad := range []string{`a="x",`, `A="x"`, `a="x\n"`, `a="x`, `a="x" b`, `a=(1`, `,a=1`} {
		if _, ok := parseSFDictionary(bad); ok {
			t.Errorf("%q parsed", bad)
		}
	}
}

// mayNameBlockedHost lets a header that cannot name a blocked host skip
// its parsing (a CDN's Report-To on every response cost 20 µs); anything
// that could spell one another way is parsed.
func TestMayNameBlockedHost(t *testing.T) {
	h, _ := sinkHandler(t, "")
	for line, want := range map[string]bool{
		`{"group":"cf-nel","max_age":604800,"endpoints":[{"url":"https://a.nel.cloudflare.com/report/v4?s=x"}]}`: false,
		"script-src 'self'; report-uri /csp-report":                                                              false,
		`{"endpoints":[{"url":"https://TRACKER.test/r"}]}`:                                                       true,
		`{"endpoints":[{"url":"https://x.tracker.test./r"}]}`:                                                    true,
		`{"endpoints":[{"url":"https://tracker\u002etest/r"}]}`:                                                  true,
		`{"endpoints":[{"url":"https://tracker%2etest/r"}]}`:                                                     true,
		"{\"endpoints\":[{\"url\":\"https://tracker\u3002test/r\"}]}":                                            true,
		strings.Repeat("x", 3000):                                                                                true,
	} {
		if got := h.mayNameBlockedHost([]string{line}); got != want {
			t.Errorf("%.60q: %v, want %v", line, got, want)
		}
	}
	// A harmless group is left as it came, unparsed.
	nel := `{"group":"cf-nel","max_age":604800,"endpoints":[{"url":"https://a.nel.cloudflare.com/report/v4?s=x"}]}`
	if got := sinkResponse(t, h, "image/png", []string{"Report-To: " + nel, `NEL: {"report_to":"cf-nel","max_age":604800}`}, "x", "Sec-Fetch-Dest: image").Get("Report-To"); got != nel {
		t.Errorf("a CDN's Report-To: %q", got)
	}
}

// Headers filtered by the consent make the response depend on it: a shared
// cache must not give one visitor's (a consenting one's) to another.
func TestHeaderSinksVaryOnCookie(t *testing.T) {
	h, granted := sinkHandler(t, "")
	for _, tc := range []struct {
		line string
		vary bool
	}{
		{"Link: <https://tracker.test/a.js>; rel=preload; as=script", true},
		{"Refresh: 0;url=https://tracker.test/t", true},
		{`Link: </wp-json/>; rel="https://api.w.org/"`, false},
	} {
		for _, who := range []string{"X-Visitor: no choice", granted} {
			hdr := sinkResponse(t, h, "text/plain", []string{tc.line}, "x", who)
			if got := strings.Contains(strings.Join(hdr.Values("Vary"), ","), "Cookie"); got != tc.vary {
				t.Errorf("%s (%s): Vary %q, want Cookie %v", tc.line, who, hdr.Values("Vary"), tc.vary)
			}
		}
	}
}
