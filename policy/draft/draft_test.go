package draft

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/consentgate/consentgate/policy"
)

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func gzipped(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// mustDraft drafts and checks what every draft must be: a policy that loads
// and lints without errors.
func mustDraft(t *testing.T, logs []io.Reader, opt Options) ([]byte, *Summary, *policy.Policy) {
	t.Helper()
	out, s, err := Draft(logs, opt)
	if err != nil {
		t.Fatalf("Draft: %v", err)
	}
	p, err := policy.Parse(out, "draft.yaml")
	if err != nil {
		t.Fatalf("the draft does not load: %v\n%s", err, out)
	}
	policy.Lint(p, policy.BuiltinKnown()) // warnings are fine; it must not fail
	return out, s, p
}

func declared(t *testing.T, p *policy.Policy, name string) policy.Cookie {
	t.Helper()
	for _, c := range p.Cookies {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("the draft does not declare %q", name)
	return policy.Cookie{}
}

func TestDraftNew(t *testing.T) {
	out, s, p := mustDraft(t, []io.Reader{bytes.NewReader(readTestdata(t, "wordpress-report.log"))}, Options{})
	text := string(out)

	for _, want := range []struct {
		name, category, typ, duration, provider string
	}{
		// WordPress's auth cookie over plain HTTP, under its known pattern, its
		// observed lifetime (14 days and 12 hours) rounded up to whole days.
		{"wordpress_#", "necessary", "http", "15d", "blog.example.se"},
		{"wordpress_logged_in_#", "necessary", "http", "15d", "blog.example.se"},
		{"wordpress_test_cookie", "necessary", "http", "session", "blog.example.se"},
		// Script-set and storage, reported by the guard; lifetimes from the known list.
		{"wp-settings-#", "necessary", "html", "1y", "blog.example.se"},
		{"wp-autosave-#", "necessary", "html", "session", "blog.example.se"},
		{"WP_DATA_USER_#", "necessary", "html", "persistent", "blog.example.se"},
		{"_ga", "statistics", "html", "2y", "blog.example.se"},
		{"_ga_#", "statistics", "html", "2y", "blog.example.se"}, // 63071998 s is 2 years
		// Nothing knows these.
		{"tracking_uid", "unclassified", "http", "1y", "blog.example.se"},
		{"e58483f46a435e3dafb1b3b4e75abdc6", "unclassified", "http", "session", "blog.example.se"},
	} {
		c := declared(t, p, want.name)
		if c.Category != want.category || c.Type != want.typ || c.Duration.String() != want.duration || c.Provider != want.provider {
			t.Errorf("%s: %s %s %s %s, want %s %s %s %s", want.name, c.Category, c.Type, c.Duration, c.Provider,
				want.category, want.typ, want.duration, want.provider)
		}
		if c.Purpose.In("en") != policy.PurposeTODO {
			t.Errorf("%s: purpose %q, want the TODO", want.name, c.Purpose.In("en"))
		}
	}
	if len(p.Cookies) != 10 {
		t.Errorf("%d cookies declared, want 10:\n%s", len(p.Cookies), out)
	}
	// The consent cookie is declared automatically; an inline script has no host;
	// a name with a wildcard cannot be declared as it is.
	for _, absent := range []string{"name: cookie_consent", "- inline", "name: weird"} {
		if strings.Contains(text, absent) {
			t.Errorf("the draft holds %q:\n%s", absent, out)
		}
	}
	for _, want := range []string{
		"seen as: wp-autosave-1, wp-autosave-block-editor-post-12",
		"known: WordPress (https://wordpress.org/documentation/article/wordpress-cookies/",
		"unclassified: nothing knows this name; a name of 32 hexadecimal digits is how Joomla names its session cookie",
		"#   cdn.tracker.example (script, seen 3 times by the guard in the browser, first on /shop/)",
		`#   cookie "weird*name": a declared name with * or # would be read as a pattern`,
		"seen 42 times by the proxy, first on /wp-login.php", // 1 + 41 over two periods
		// The warning repeats the observation of the same Set-Cookie: not counted twice.
		"seen 1 time by the proxy, first on /wp-login.php\n  # seen as: wordpress_1eca930428ee9df8af6bdb65c698e531",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the draft lacks %q:\n%s", want, out)
		}
	}
	if want := []string{"necessary", "statistics", "marketing"}; strings.Join(p.CategoryIDs(), ",") != strings.Join(want, ",") {
		t.Errorf("categories %v, want %v", p.CategoryIDs(), want)
	}
	var hosts []string
	for _, b := range p.Blockers {
		for _, h := range b.Hosts {
			hosts = append(hosts, b.Category+":"+h)
		}
	}
	if got, want := strings.Join(hosts, " "), "statistics:www.googletagmanager.com marketing:connect.facebook.net marketing:www.facebook.com"; got != want {
		t.Errorf("blockers %s, want %s", got, want)
	}
	if s.Entries != 20 || s.Skipped != 1 || s.Cookies != 10 || s.Unclassified != 2 || s.Hosts != 3 || s.Unknown != 1 || s.Undeclarable != 1 {
		t.Errorf("summary %+v", s)
	}
	// The TODO purposes draw one warning each; the unclassified entries, removed
	// for every visitor while undeclared: block, one each asking for a category.
	todo, unclassified := 0, 0
	for _, w := range policy.Lint(p, policy.BuiltinKnown()) {
		if strings.Contains(w.Msg, "purpose is still the TODO") {
			todo++
		}
		if strings.Contains(w.Msg, "is removed for every visitor") {
			unclassified++
		}
	}
	if todo != 10 || unclassified != 2 {
		t.Errorf("%d TODO warnings, want 10; %d unclassified warnings, want 2", todo, unclassified)
	}
}

// TestDraftCompressed reads the same log gzipped, as Caddy's rotation leaves it,
// and as several gzip members in one stream.
func TestDraftCompressed(t *testing.T) {
	plain := readTestdata(t, "wordpress-report.log")
	want, _, _ := mustDraft(t, []io.Reader{bytes.NewReader(plain)}, Options{})

	got, _, _ := mustDraft(t, []io.Reader{bytes.NewReader(gzipped(t, plain))}, Options{})
	if !bytes.Equal(got, want) {
		t.Errorf("the gzipped log drafts differently:\n%s", got)
	}
	// A rotated log checked in as it was written (gzip -n of the first lines).
	rotated := readTestdata(t, "rotated/access-2026-11-26T10-00-00.000.log.gz")
	_, s, p := mustDraft(t, []io.Reader{bytes.NewReader(rotated)}, Options{})
	if s.Entries == 0 || len(p.Cookies) == 0 {
		t.Errorf("nothing read from the rotated log: %+v", s)
	}

	half := len(plain) / 2
	for plain[half-1] != '\n' {
		half++
	}
	multi := append(gzipped(t, plain[:half]), gzipped(t, plain[half:])...)
	got, _, _ = mustDraft(t, []io.Reader{bytes.NewReader(multi)}, Options{})
	if !bytes.Equal(got, want) {
		t.Errorf("a multi-member gzip stream drafts differently:\n%s", got)
	}

	// Split over two logs, one of them read a byte at a time.
	got, _, _ = mustDraft(t, []io.Reader{bytes.NewReader(plain[:half]), iotest.OneByteReader(bytes.NewReader(plain[half:]))}, Options{})
	if !bytes.Equal(got, want) {
		t.Errorf("the log split in two drafts differently:\n%s", got)
	}

	// A corrupt gzip stream is an error, not a silent half draft.
	broken := gzipped(t, plain)
	broken = broken[:len(broken)/2]
	if _, _, err := Draft([]io.Reader{bytes.NewReader(broken)}, Options{}); err == nil {
		t.Error("a truncated gzip log drafted without error")
	}
}

func TestDraftReadErrors(t *testing.T) {
	boom := errors.New("disk on fire")
	if _, _, err := Draft([]io.Reader{iotest.ErrReader(boom)}, Options{}); !errors.Is(err, boom) {
		t.Errorf("a failing reader: %v", err)
	}
}

func TestDraftEmptyAndForeignLogs(t *testing.T) {
	for name, log := range map[string]string{
		"empty":          "",
		"other loggers":  `{"level":"info","logger":"http.log.access","msg":"handled request","request":{"uri":"/"}}` + "\n",
		"console format": "2026/11/27 10:00:00.000\tINFO\thttp.handlers.cookie_consent\tobserved\t{\"kind\": \"cookie\"}\n",
		"records only":   `{"level":"info","logger":"http.handlers.cookie_consent.records","msg":"consent","id":"x"}` + "\n",
	} {
		out, s, p := mustDraft(t, []io.Reader{strings.NewReader(log)}, Options{})
		if s.Entries != 0 || len(p.Cookies) != 0 || len(p.Blockers) != 0 {
			t.Errorf("%s: drafted %d cookies from %+v:\n%s", name, len(p.Cookies), s, out)
		}
	}
}

// TestDraftBounds feeds a flood of random names and an overlong line: the draft
// stays bounded and says what it left out.
func TestDraftBounds(t *testing.T) {
	var log bytes.Buffer
	for i := 0; i < maxDistinct+10; i++ {
		fmt.Fprintf(&log, `{"logger":"http.handlers.cookie_consent","msg":"observed","kind":"cookie","name":"flood%d","count":1,"source":"server","type":"http"}`+"\n", i)
	}
	log.WriteString(`{"logger":"http.handlers.cookie_consent","msg":"observed","kind":"cookie","name":"` + strings.Repeat("x", maxLineLen) + `"}` + "\n")
	log.WriteString(`{"logger":"http.handlers.cookie_consent","msg":"observed","kind":"element","name":"static.hotjar.com","count":1,"source":"server"}` + "\n")
	_, s, p := mustDraft(t, []io.Reader{&log}, Options{})
	if s.Dropped != 10 || len(p.Cookies) != maxDistinct || s.Skipped != 1 {
		t.Errorf("summary %+v, %d cookies", s, len(p.Cookies))
	}
	if len(p.Blockers) != 1 || p.Blockers[0].Hosts[0] != "*.hotjar.com" {
		t.Errorf("the line after the overlong one was lost: blockers %+v", p.Blockers)
	}
}

func TestDurationText(t *testing.T) {
	for sec, want := range map[int64]string{
		1: "1s", 59: "59s", 60: "1min", 61: "2min", 1800: "30min", 3600: "1h", 3599: "1h", 7200: "2h",
		86400: "1d", 86399: "24h", 1209600: "14d", 1252800: "15d", 7776000: "90d",
		31536000: "1y", 31535999: "1y", 63072000: "2y", 34560000: "400d",
	} {
		if got := durationText(sec); got != want {
			t.Errorf("durationText(%d) = %q, want %q", sec, got, want)
		}
		d, err := policy.ParseDuration(durationText(sec))
		if err != nil || d.Seconds() < sec {
			t.Errorf("%d s drafted as %q, which is shorter or does not parse (%v)", sec, durationText(sec), err)
		}
	}
}

// onlyAdded checks that merged keeps every line of original, in order and
// unchanged, and adds lines only: the diff a reviewer sees.
func onlyAdded(t *testing.T, original, merged []byte) {
	t.Helper()
	orig := strings.SplitAfter(string(original), "\n")
	got := strings.SplitAfter(string(merged), "\n")
	i := 0
	for _, l := range got {
		if i < len(orig) && l == orig[i] {
			i++
		}
	}
	if i < len(orig) && !(i == len(orig)-1 && orig[i] == "") {
		t.Errorf("line %d of the original (%q) is changed or gone in the merged file:\n%s", i+1, orig[i], merged)
	}
	// The same with diff(1), an independent oracle, where the machine has it.
	if _, err := exec.LookPath("diff"); err != nil {
		return
	}
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	if err := os.WriteFile(a, original, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(b, merged, 0o600); err != nil {
		t.Fatal(err)
	}
	out, _ := exec.Command("diff", a, b).Output()
	for _, l := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(l, "<") || strings.HasPrefix(l, "---") || (l != "" && l[0] >= '0' && l[0] <= '9' && !strings.Contains(l, "a")) {
			t.Errorf("diff shows more than added lines:\n%s", out)
			break
		}
	}
}

func TestDraftMerge(t *testing.T) {
	existing := readTestdata(t, "existing.yaml")
	out, s, p := mustDraft(t, []io.Reader{bytes.NewReader(readTestdata(t, "wordpress-report.log"))},
		Options{Existing: existing, ExistingName: "existing.yaml"})
	onlyAdded(t, existing, out)
	text := string(out)

	// What the policy declares stays as it was; what it blocks is not proposed again.
	if s.Declared != 3 { // wordpress_logged_in_…, _ga, www.googletagmanager.com
		t.Errorf("%d seen names already declared, want 3 (%+v)", s.Declared, s)
	}
	if strings.Count(text, "wordpress_logged_in_#") != 1 || strings.Count(text, "name: _ga\n") != 0 || strings.Count(text, "www.googletagmanager.com") != 1 {
		t.Errorf("a declared name or blocked host was proposed again:\n%s", out)
	}
	// New entries in the file's own indentation: dash at 4, keys at 8.
	for _, want := range []string{
		"    - id: statistics      # Google Analytics\n    # added by caddy cookie-consent draft\n    - id: marketing\n\n# Everything the site stores.",
		"    # _gid is not used any more\n    # added by caddy cookie-consent draft\n",
		"    -   name: wordpress_#\n        category: necessary\n",
		"        hosts: [www.googletagmanager.com]\n    # added by caddy cookie-consent draft\n",
		"    -   category: marketing\n        hosts:\n          - connect.facebook.net\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the merged file lacks %q:\n%s", want, out)
		}
	}
	if c := declared(t, p, "_ga_#"); c.Category != "statistics" {
		t.Errorf("_ga_# drafted as %s", c.Category)
	}
	if p.Revision != 2 || p.Languages[0] != "sv" || p.Site.Name != "Exempelbloggen" {
		t.Errorf("the existing settings changed: %+v", p)
	}
	// The notes go at the end, after the file's own last line.
	if !strings.Contains(text, "# end of policy\n# Third-party hosts seen that nothing knows") {
		t.Errorf("the notes are not at the end:\n%s", out)
	}

	// Merging the same logs into the merged file adds nothing more.
	again, s2, _ := mustDraft(t, []io.Reader{bytes.NewReader(readTestdata(t, "wordpress-report.log"))},
		Options{Existing: out, ExistingName: "merged.yaml"})
	if s2.Cookies != 0 || s2.Hosts != 0 {
		t.Errorf("a second merge proposed %d cookies and %d hosts:\n%s", s2.Cookies, s2.Hosts, again)
	}
}

// TestDraftMergeShapes merges into policies written in other shapes.
func TestDraftMergeShapes(t *testing.T) {
	log := readTestdata(t, "wordpress-report.log")
	for name, tc := range map[string]struct {
		existing string
		want     []string // substrings of the merged file
		changed  bool     // one line may change (an empty flow list)
	}{
		"only version": {
			existing: "version: 1\n",
			want:     []string{"version: 1\ncategories:\n  # added by caddy cookie-consent draft\n  - id: statistics\n", "\ncookies:\n  # added", "\nblockers:\n  # added"},
		},
		"no final newline": {
			existing: "version: 1\ncategories:\n  - id: statistics\n  - id: marketing",
			want:     []string{"  - id: marketing\ncookies:\n"},
			changed:  true, // the last line gains its newline
		},
		"two-space lists and flow entries": {
			existing: "version: 1\ncategories:\n- id: statistics\n- id: marketing\ncookies:\n- {name: JSESSIONID, category: necessary, duration: session}\nblockers:\n- {category: statistics, hosts: [x.example]}\n",
			want:     []string{"- {name: JSESSIONID, category: necessary, duration: session}\n# added by caddy cookie-consent draft\n", "- name: wordpress_#\n  category: necessary\n"},
		},
		"empty cookies list": {
			existing: "version: 1\ncategories: \n  - id: statistics\n  - id: marketing\ncookies: []   # none yet\nblockers: []\n",
			want:     []string{"cookies:   # none yet\n  # added by caddy cookie-consent draft\n  # known", "blockers:\n  # added"},
			changed:  true,
		},
		"windows line ends": {
			existing: "version: 1\r\ncategories:\r\n  - id: statistics\r\n  - id: marketing\r\ncookies:\r\n  - {name: JSESSIONID, category: necessary, duration: session}\r\n",
			want:     []string{"  - {name: JSESSIONID, category: necessary, duration: session}\r\n  # added by caddy cookie-consent draft\r\n  # known: WordPress", "\r\n  - name: wordpress_#\r\n    category: necessary\r\n"},
		},
	} {
		t.Run(name, func(t *testing.T) {
			out, _, _ := mustDraft(t, []io.Reader{bytes.NewReader(log)}, Options{Existing: []byte(tc.existing)})
			if !tc.changed {
				onlyAdded(t, []byte(tc.existing), out)
			}
			for _, w := range tc.want {
				if !strings.Contains(string(out), w) {
					t.Errorf("the merged file lacks %q:\n%s", w, out)
				}
			}
			if strings.Contains(tc.existing, "\r\n") && strings.Count(string(out), "\n") != strings.Count(string(out), "\r\n") {
				t.Errorf("mixed line ends:\n%q", out)
			}
		})
	}
}

func TestDraftMergeErrors(t *testing.T) {
	log := readTestdata(t, "wordpress-report.log")
	for name, tc := range map[string]struct{ existing, want string }{
		"policy with errors": {"version: 1\ncatgories: []\n", "fix them first"},
		"flow list":          {"version: 1\ncategories: [{id: statistics}]\n", "categories: is written as a flow list"},
	} {
		_, _, err := Draft([]io.Reader{bytes.NewReader(log)}, Options{Existing: []byte(tc.existing), ExistingName: "p.yaml"})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error saying %q", name, err, tc.want)
		}
	}
}

// TestDraftMergeSeeds merges the WordPress log into every example and seed policy:
// each merge loads, lints and only adds lines, Fora's notice_only policy included
// (what it cannot take is written as comments).
func TestDraftMergeSeeds(t *testing.T) {
	log := readTestdata(t, "wordpress-report.log")
	files, _ := filepath.Glob("../../examples/*/policy.yaml")
	seeds, _ := filepath.Glob("../testdata/*.yaml")
	files = append(files, seeds...)
	if len(files) < 4 {
		t.Fatalf("found only %v", files)
	}
	for _, f := range files {
		existing, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out, _, p := mustDraft(t, []io.Reader{bytes.NewReader(log)}, Options{Existing: existing, ExistingName: f})
		onlyAdded(t, existing, out)
		if p.NoticeOnly && !strings.Contains(string(out), "# notice_only: true says only necessary cookies exist, but the logs show these too.") {
			t.Errorf("%s: the notice_only merge does not say why entries are comments:\n%s", f, out)
		}
	}
}
