package draft

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/consentgate/consentgate/policy"
)

// observedLine is one "observed" entry of ours, as the proxy logs it.
func observedLine(fields string) string {
	return `{"level":"info","logger":"http.handlers.cookie_consent","msg":"observed",` + fields + "}\n"
}

// TestDraftDeclaredHostsThatCannotBeBlockers feeds element hosts that an old or
// hand-made log says the running policy blocked ("declared"), but that no
// policy can name as blocker hosts: the draft still loads, has no blocker for
// them, and lists each with the reason. Hosts the loader takes become blockers.
func TestDraftDeclaredHostsThatCannotBeBlockers(t *testing.T) {
	bad := map[string]string{ // host as logged → what the comment says
		"a_b.example.com": `element host "a_b.example.com"`,
		"[::1]:8080":      `element host "::1"`,
		"bücher.de":       `element host "bücher.de"`,
		"x.com.":          `element host "x.com."`,
		"*.com":           `element host "*.com"`,
		"*.co.uk":         `element host "*.co.uk"`,
		"github.io":       `element host "github.io"`,
	}
	good := []string{"localhost", "tags.example.net", "*.ads.example.org"}
	var log strings.Builder
	for _, h := range append(sortedKeys(bad), good...) {
		log.WriteString(observedLine(fmt.Sprintf(`"kind":"element","name":%q,"count":2,"category":"marketing","classified_by":"declared","source":"guard","element":"script","first_path":"/"`, h)))
	}
	out, s, p := mustDraft(t, []io.Reader{strings.NewReader(log.String())}, Options{})
	text := string(out)
	var hosts []string
	for _, b := range p.Blockers {
		hosts = append(hosts, b.Hosts...)
	}
	if got, want := strings.Join(hosts, " "), "*.ads.example.org localhost tags.example.net"; got != want {
		t.Errorf("blocker hosts %q, want %q:\n%s", got, want, out)
	}
	for h, want := range bad {
		if !strings.Contains(text, "#   "+want+" (script, seen 2 times by the guard in the browser, first on /): the running policy blocked it as marketing, but a blocker cannot name it as it is: ") {
			t.Errorf("%s: the draft does not list it as not declarable (%s):\n%s", h, want, out)
		}
	}
	for _, reason := range []string{
		"*.com\" (script, seen 2 times by the guard in the browser, first on /): the running policy blocked it as marketing, but a blocker cannot name it as it is: com is a public suffix",
		"x.com.\" (script, seen 2 times by the guard in the browser, first on /): the running policy blocked it as marketing, but a blocker cannot name it as it is: write a host name such as",
		"without the final dot",
		"xn--bcher-kva.de",
	} {
		if !strings.Contains(text, reason) {
			t.Errorf("the draft lacks %q:\n%s", reason, out)
		}
	}
	if s.Hosts != 3 || s.Undeclarable != len(bad) {
		t.Errorf("summary %+v", s)
	}
}

// TestCheckBlockerHostIsTheLoadersRule checks that draft's rule is the loader's:
// a host CheckBlockerHost takes loads in a blocker, and one it refuses does not.
func TestCheckBlockerHostIsTheLoadersRule(t *testing.T) {
	for _, h := range []string{"localhost", "tags.example.net", "*.example.co.uk", "a_b.example.com", "::1", "bücher.de", "x.com.", "*.com", "com", "github.io", "*.github.io", "*.localhost", "127.0.0.1"} {
		data := fmt.Sprintf("version: 1\ncategories: [{id: marketing}]\nblockers:\n  - category: marketing\n    hosts:\n      - %s\n", scalar(h))
		_, loadErr := policy.Parse([]byte(data), "p.yaml")
		checkErr := policy.CheckBlockerHost(h)
		if (loadErr == nil) != (checkErr == nil) {
			t.Errorf("%q: CheckBlockerHost says %v, the loader %v", h, checkErr, loadErr)
		}
		if checkErr != nil && !strings.Contains(loadErr.Error(), checkErr.Error()) {
			t.Errorf("%q: the loader's message %q does not carry CheckBlockerHost's %q", h, loadErr, checkErr)
		}
	}
}

// TestDraftProviderNotAHost: a logged provider is the host a cookie was set on.
// One that cannot be a host (a newline, spaces, YAML) is left out, with a
// comment, and never breaks the draft.
func TestDraftProviderNotAHost(t *testing.T) {
	log := observedLine(`"kind":"cookie","name":"PHPSESSID","count":1,"source":"server","type":"http","provider":"evil\n- name: x","max_age":-1`) +
		observedLine(`"kind":"cookie","name":"tracking_uid","count":1,"source":"server","type":"http","provider":"shop.example.se:8443","max_age":3600`) +
		observedLine(`"kind":"cookie","name":"other","count":1,"source":"server","type":"http","provider":"a b","max_age":3600`) + observedLine(`"kind":"cookie","name":"other","count":9,"source":"server","type":"http","provider":"a b"`) +
		observedLine(`"kind":"cookie","name":"other","count":5,"source":"server","type":"http","provider":"www.example.se","max_age":3600`)
	out, _, p := mustDraft(t, []io.Reader{strings.NewReader(log)}, Options{})
	if c := declared(t, p, "PHPSESSID"); c.Provider != "" {
		t.Errorf("PHPSESSID drafted with provider %q:\n%s", c.Provider, out)
	}
	if !strings.Contains(string(out), `# provider left out: the logged host "evil\n- name: x" is not a host name`) {
		t.Errorf("no comment on the provider left out:\n%s", out)
	}
	if c := declared(t, p, "tracking_uid"); c.Provider != "shop.example.se" {
		t.Errorf("tracking_uid: provider %q", c.Provider)
	}
	// A host that is one wins over one that is not, however often that was seen.
	if c := declared(t, p, "other"); c.Provider != "www.example.se" {
		t.Errorf("other: provider %q", c.Provider)
	}
	if strings.Contains(string(out), "- name: x\n") {
		t.Errorf("the logged provider wrote an entry of its own:\n%s", out)
	}
}

// TestScalarIsOneLine: every value draft writes after "key: " is one line, and
// reads back as the string it was.
func TestScalarIsOneLine(t *testing.T) {
	for _, s := range []string{"plain", "a: b", "- x", "evil\n- name: x", "tab\there", "cr\rlf", "nel\u0085ls\u2028ps\u2029", "bom\ufeff", "del\x7f", "nul\x00", `quote " and \ backslash`, "'single'", strings.Repeat("long words ", 30), "bücher", "#hash", ""} {
		got := scalar(s)
		if strings.ContainsAny(got, "\r\n") || strings.ContainsRune(got, '\u0085') || strings.ContainsRune(got, '\u2028') || strings.ContainsRune(got, '\u2029') {
			t.Errorf("scalar(%q) = %q spans lines", s, got)
			continue
		}
		var back struct{ K string }
		if err := yaml.Unmarshal([]byte("k: "+got+"\n"), &back); err != nil || back.K != s {
			t.Errorf("scalar(%q) = %q reads back as %q (%v)", s, got, back.K, err)
		}
	}
}

// TestDraftMergeFlowStyle merges into policies written in flow style: a JSON
// policy is refused with a message that says why; an empty flow list split over
// lines becomes a block list.
func TestDraftMergeFlowStyle(t *testing.T) {
	log := observedLine(`"kind":"cookie","name":"PHPSESSID","count":1,"source":"server","type":"http","provider":"shop.example.se","max_age":-1`)
	for name, existing := range map[string]string{
		"JSON":                     "{\n  \"version\": 1,\n  \"categories\": [{\"id\": \"statistics\"}],\n  \"cookies\": []\n}\n",
		"JSON, cookies on its own": "{\n  \"version\": 1,\n  \"cookies\":\n    []\n}\n",
		"JSON without cookies":     "{\"version\": 1}\n",
		"YAML flow mapping":        "{version: 1, cookies: []}\n",
	} {
		_, _, err := Draft([]io.Reader{strings.NewReader(log)}, Options{Existing: []byte(existing), ExistingName: "policy.json"})
		if err == nil || !strings.Contains(err.Error(), "policy.json: cannot merge into a policy written in flow style (JSON, or YAML in { }):") || strings.Contains(err.Error(), "a bug in draft") {
			t.Errorf("%s: %v, want a refusal saying it is flow style", name, err)
		}
	}
	for name, tc := range map[string]struct{ existing, want string }{
		"empty flow list over two lines":  {"version: 1\ncookies: [\n]\nblockers: []\n", "version: 1\ncookies:\n\n  # added by caddy cookie-consent draft\n"},
		"with a comment inside":           {"version: 1\ncookies: [   # none yet\n  ]  # really\n", "version: 1\ncookies:   # none yet\n    # really\n  # added by caddy cookie-consent draft\n"},
		"bracket on the next line":        {"version: 1\ncookies:\n  [ ]\nlanguages: [en]\n", "version: 1\ncookies:\n\n  # added by caddy cookie-consent draft\n"},
		"CRLF":                            {"version: 1\r\ncookies: [\r\n]\r\n", "version: 1\r\ncookies:\r\n\r\n  # added by caddy cookie-consent draft\r\n"},
		"indented root":                   {"  version: 1\n  languages: [en]\n", "  version: 1\n  languages: [en]\n  cookies:\n    # added by caddy cookie-consent draft\n"},
		"document end marker":             {"version: 1\ncookies:\n  - {name: a, category: necessary, duration: session}\n...\n# the end\n", "  - {name: a, category: necessary, duration: session}\n  # added by caddy cookie-consent draft\n"},
		"document end marker, no cookies": {"version: 1\n...\n", "version: 1\ncookies:\n  # added by caddy cookie-consent draft\n"},
	} {
		t.Run(name, func(t *testing.T) {
			out, _, p := mustDraft(t, []io.Reader{strings.NewReader(log)}, Options{Existing: []byte(tc.existing)})
			declared(t, p, "PHPSESSID")
			if !strings.Contains(string(out), tc.want) {
				t.Errorf("the merged file lacks %q:\n%s", tc.want, out)
			}
		})
	}
	// A non-empty flow list is still refused, as before.
	_, _, err := Draft([]io.Reader{strings.NewReader(log)}, Options{Existing: []byte("version: 1\ncookies: [\n  {name: a, category: necessary, duration: session}\n]\n"), ExistingName: "p.yaml"})
	if err == nil || !strings.Contains(err.Error(), "p.yaml:2: cookies: is written as a flow list") {
		t.Errorf("a non-empty flow list: %v", err)
	}
}

// TestDraftReadErrorNamesTheLog: an error names the log it is in and the line of
// that log, not a running count over every log read.
func TestDraftReadErrorNamesTheLog(t *testing.T) {
	plain := readTestdata(t, "wordpress-report.log") // 23 lines
	zipped := gzipped(t, plain)
	var five strings.Builder
	for _, l := range strings.SplitAfter(string(plain), "\n")[:5] {
		five.WriteString(l)
	}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.NoCompression) // stored: the cut falls after whole lines
	zw.Write([]byte(five.String()))
	zw.Close()
	trunc := buf.Bytes()[:buf.Len()-20] // the last line is cut, and the trailer
	_, _, err := Draft([]io.Reader{bytes.NewReader(plain), bytes.NewReader(zipped), bytes.NewReader(trunc)},
		Options{LogNames: []string{"logs/a.log", "logs/b.log.gz", "logs/c-trunc.gz"}})
	if err == nil || !strings.HasPrefix(err.Error(), "logs/c-trunc.gz: line 5: ") || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("a truncated third log: %v, want logs/c-trunc.gz: line 5: … unexpected EOF", err)
	}
	if err != nil && !strings.Contains(err.Error(), "gzip") {
		t.Errorf("the error does not say the gzip stream is cut short: %v", err)
	}
	// Without names, the logs are numbered.
	_, _, err = Draft([]io.Reader{bytes.NewReader(plain), bytes.NewReader(trunc)}, Options{})
	if err == nil || !strings.HasPrefix(err.Error(), "log 2: line 5: ") {
		t.Errorf("unnamed logs: %v", err)
	}
}
