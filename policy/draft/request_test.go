package draft

import (
	"fmt"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/consentgate/consentgate/policy"
)

// TestDraftRequestOnlyFlood is the attack on the cap: a visitor sends six
// requests with a thousand random cookie names each, before the site's own
// cookies are logged. Names seen only in visitors' requests ("source":
// "request") are never proposed, and they cannot take the places of the
// names the site sets: its session and CSRF cookies are still drafted.
func TestDraftRequestOnlyFlood(t *testing.T) {
	var log strings.Builder
	for r := 0; r < 6; r++ {
		for i := 0; i < 1000; i++ {
			log.WriteString(observedLine(fmt.Sprintf(`"kind":"cookie","name":"rnd%d_%d","count":1,"category":"unclassified","classified_by":"undeclared","action":"removed","source":"request","first_path":"/"`, r, i)))
		}
	}
	// The site's own, set by its Set-Cookie headers.
	log.WriteString(observedLine(`"kind":"cookie","name":"sessionid","count":7,"category":"unclassified","classified_by":"undeclared","action":"removed","source":"server","type":"http","first_path":"/login","provider":"shop.example","max_age":-1`))
	log.WriteString(observedLine(`"kind":"cookie","name":"csrftoken","count":3,"category":"unclassified","classified_by":"undeclared","action":"removed","source":"server","type":"http","first_path":"/login","provider":"shop.example","max_age":31449600`))

	out, s, p := mustDraft(t, []io.Reader{strings.NewReader(log.String())}, Options{})
	text := string(out)
	if len(p.Cookies) != 2 {
		t.Fatalf("%d cookies drafted, want sessionid and csrftoken only:\n%.3000s", len(p.Cookies), text)
	}
	declared(t, p, "sessionid")
	declared(t, p, "csrftoken")
	if s.Cookies != 2 || s.RequestOnly != maxDistinct || s.DroppedRequest != 6000-maxDistinct || s.Dropped != 0 {
		t.Errorf("summary %+v", s)
	}
	if regexp.MustCompile(`(?m)^\s*-\s+name: rnd`).MatchString(text) {
		t.Errorf("a name only visitors sent is proposed:\n%.3000s", text)
	}
	if !strings.Contains(text, "# Seen only in visitors' requests, never set by the site while the proxy watched: probably\n"+
		"# cookies left from before, or sent by the visitor; declare them if the site uses them.\n") {
		t.Errorf("no section for the names seen only in requests:\n%.3000s", text)
	}
	listed := regexp.MustCompile(`(?m)^#   cookie "rnd`).FindAllString(text, -1)
	if len(listed) != maxRequestOnlyListed {
		t.Errorf("%d request-only names listed, want %d", len(listed), maxRequestOnlyListed)
	}
	if want := fmt.Sprintf("#   and %d more\n", maxDistinct-maxRequestOnlyListed); !strings.Contains(text, want) {
		t.Errorf("the draft lacks %q", want)
	}
}

// TestDraftRequestOnlyNames: a name seen only in requests is a comment, with
// its count, most seen first, quoted so that no name can add a line of its
// own; a name seen in requests and set by the site (or written by a script
// the guard saw) is an ordinary entry with the sightings summed; an old log,
// where request names came as "server", drafts them as before.
func TestDraftRequestOnlyNames(t *testing.T) {
	log := observedLine(`"kind":"cookie","name":"old_pref","count":2,"source":"request","first_path":"/"`) +
		observedLine(`"kind":"cookie","name":"evil\n- name: x\n  category: necessary","count":9,"source":"request","first_path":"/a\nb"`) +
		observedLine(`"kind":"cookie","name":"csrftoken","count":3,"source":"request","first_path":"/"`) +
		observedLine(`"kind":"cookie","name":"csrftoken","count":2,"source":"server","type":"http","provider":"shop.example","max_age":3600,"first_path":"/login"`) +
		observedLine(`"kind":"cookie","name":"ui_state","count":4,"source":"request","first_path":"/"`) +
		observedLine(`"kind":"cookie","name":"ui_state","count":1,"source":"guard","type":"html","provider":"shop.example","first_path":"/app"`) +
		// An old log: the proxy logged request names as "server" too.
		observedLine(`"kind":"cookie","name":"legacy_req","count":5,"source":"server","type":"http","first_path":"/"`)
	out, s, p := mustDraft(t, []io.Reader{strings.NewReader(log)}, Options{})
	text := string(out)
	for _, name := range []string{"csrftoken", "ui_state", "legacy_req"} {
		declared(t, p, name)
	}
	if len(p.Cookies) != 3 || s.RequestOnly != 2 {
		t.Errorf("%d cookies, summary %+v:\n%s", len(p.Cookies), s, text)
	}
	for _, want := range []string{
		"# seen 5 times in visitors' requests and by the proxy, first on /",
		"# seen 5 times by the guard in the browser and in visitors' requests, first on /",
		// Most seen first, each quoted on one line.
		"#   cookie \"evil\\n- name: x\\n  category: necessary\" (seen 9 times, first on /a b)\n" +
			"#   cookie \"old_pref\" (seen 2 times, first on /)\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the draft lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "\n- name: x") || strings.Contains(text, "name: old_pref") {
		t.Errorf("a request-only name became an entry:\n%s", text)
	}

	// Merged into a policy, the section follows it too.
	merged, _, _ := mustDraft(t, []io.Reader{strings.NewReader(observedLine(`"kind":"cookie","name":"old_pref","count":2,"source":"request"`))},
		Options{Existing: []byte("version: 1\ncookies: []\n")})
	if !strings.Contains(string(merged), "# Seen only in visitors' requests") || !strings.Contains(string(merged), `#   cookie "old_pref" (seen 2 times)`) {
		t.Errorf("merged draft lacks the request-only names:\n%s", merged)
	}
}

// TestDraftDroppedCountsNames: the names past the bound are counted once each,
// however many entries name them (a name is logged every ten minutes).
func TestDraftDroppedCountsNames(t *testing.T) {
	var log strings.Builder
	for i := 0; i < maxDistinct; i++ {
		log.WriteString(observedLine(fmt.Sprintf(`"kind":"cookie","name":"site%d","source":"server","type":"http"`, i)))
	}
	for round := 0; round < 3; round++ {
		for i := 0; i < 10; i++ {
			log.WriteString(observedLine(fmt.Sprintf(`"kind":"cookie","name":"late%d","source":"server","type":"http"`, i)))
		}
		log.WriteString(observedLine(`"kind":"cookie","name":"visitor0","source":"request"`))
	}
	_, s, p := mustDraft(t, []io.Reader{strings.NewReader(log.String())}, Options{})
	if s.Dropped != 10 || s.DroppedRequest != 0 || s.DroppedAtLeast || len(p.Cookies) != maxDistinct || s.RequestOnly != 1 {
		t.Errorf("summary %+v, %d cookies; want 10 names dropped", s, len(p.Cookies))
	}
}

// TestDraftNamesTheSiteNeeds: names shaped like session, login, CSRF and cart
// cookies get a comment saying so; the category stays what the draft found
// (unclassified, or the known list's), never necessary by the name alone.
func TestDraftNamesTheSiteNeeds(t *testing.T) {
	var log strings.Builder
	for _, n := range []string{"ci_session", "app_xsrf", "__Host-id", "cart_id", "remember_device", "access_token", "tracking_uid", "author_pref", "lang", "_ga"} {
		log.WriteString(observedLine(`"kind":"cookie","name":"` + n + `","source":"server","type":"http","provider":"shop.example","max_age":3600`))
	}
	out, _, p := mustDraft(t, []io.Reader{strings.NewReader(log.String())}, Options{})
	text := string(out)
	comments := func(name string) string {
		i := strings.Index(text, "name: "+name+"\n")
		if i < 0 {
			t.Fatalf("no entry %s:\n%s", name, text)
		}
		start := strings.LastIndex(text[:i], "purpose:")
		if start < 0 {
			start = strings.Index(text, "cookies:")
		}
		return text[start:i]
	}
	for name, want := range map[string]string{
		"ci_session":      "the name looks like a session cookie: if the site needs it to work, declare it necessary",
		"app_xsrf":        "the name looks like a CSRF cookie: if the site needs it to work, declare it necessary",
		"__Host-id":       "its __Host- prefix is one sites give their session and CSRF cookies: if the site needs it to work, declare it necessary",
		"cart_id":         "the name looks like a shopping-cart cookie",
		"remember_device": "the name looks like a login cookie",
		"access_token":    "the name looks like a login cookie",
	} {
		if got := comments(name); !strings.Contains(got, want) {
			t.Errorf("%s: comments lack %q:\n%s", name, want, got)
		}
		if c := declared(t, p, name); c.Category != policy.Unclassified {
			t.Errorf("%s: category %s, want unclassified: the name alone decides nothing", name, c.Category)
		}
	}
	for _, name := range []string{"tracking_uid", "author_pref", "_ga", "lang"} {
		if got := comments(name); strings.Contains(got, "if the site needs it to work") {
			t.Errorf("%s: comments say it looks needed:\n%s", name, got)
		}
	}
	// lang is a name LinkedIn uses on linkedin.com; on this site it is a name match.
	if got := comments("lang"); !strings.Contains(got, "# known by name only: lang is a name LinkedIn also uses (") || strings.Contains(got, "# known: LinkedIn") {
		t.Errorf("lang: comments do not say it is a name match:\n%s", got)
	}
	if c := declared(t, p, "lang"); c.Category != "preferences" {
		t.Errorf("lang: category %s, want the known list's preferences", c.Category)
	}
	// A distinctive name keeps the plain note.
	if got := comments("_ga"); !strings.Contains(got, "# known: Google Analytics (") {
		t.Errorf("_ga: comments:\n%s", got)
	}
}

func TestLooksNeeded(t *testing.T) {
	for name, want := range map[string]string{
		"PHPSESSID":         "session",
		"JSESSIONID":        "session",
		"connect.sid":       "session",
		"_myapp_sess":       "session",
		"sessionId":         "session",
		"csrftoken":         "CSRF",
		"_csrf":             "CSRF",
		"XSRF-TOKEN":        "CSRF",
		"auth":              "login",
		"authToken":         "login",
		"idToken":           "login",
		"token":             "login",
		"user_logged_in":    "login",
		"remember_me":       "login",
		"basket":            "shopping-cart",
		"cartHash":          "shopping-cart",
		"__Secure-next":     "__Secure- prefix",
		"__Host-next-auth":  "login",
		"author_pref":       "",
		"tracking_uid":      "",
		"visitor_token":     "",
		"consider":          "",
		"_ga":               "",
		"assistant_enabled": "",
	} {
		got := looksNeeded(name)
		if (want == "") != (got == "") || !strings.Contains(got, want) {
			t.Errorf("looksNeeded(%q) = %q, want one saying %q", name, got, want)
		}
	}
}

// TestDraftReportsAreTheVisitorsWord: what a visitor sends — a guard report
// (any client can post one) or a request path — cannot add lines of its own to
// the draft, push the site's own cookies out, or change the lifetime the site
// gave a cookie (the probe of 2026-11-29).
func TestDraftReportsAreTheVisitorsWord(t *testing.T) {
	var log strings.Builder
	// A comment's text carrying NEL (U+0085), which YAML reads as a line
	// break: in the guard report's path and in a request's path.
	log.WriteString(observedLine(`"kind":"cookie","name":"zz_inject","count":1,"source":"guard","type":"html","first_path":"/x\u0085  - {name: visitor_fingerprint_x, category: necessary, provider: evil.example, type: http, duration: 100y, purpose: {en: injected}}"`))
	log.WriteString(observedLine(`"kind":"cookie","name":"sessionid","count":1,"source":"server","type":"http","provider":"shop.example","max_age":-1,"first_path":"/a\u0085site: {name: Evil, privacy_policy_url: https://evil.example/p} #"`))
	log.WriteString(observedLine(`"kind":"cookie","name":"csrftoken","count":1,"source":"server","type":"http","provider":"shop.example","max_age":3600,"first_path":"/q\u0085- {"`))
	// A forged report claims the site's session cookie lives 100 years.
	log.WriteString(observedLine(`"kind":"cookie","name":"sessionid","count":3,"source":"guard","type":"html","max_age":3153600000,"first_path":"/"`))
	// Six thousand made-up names reported before the site's own last cookie.
	for i := range 6000 {
		log.WriteString(observedLine(fmt.Sprintf(`"kind":"cookie","name":"made_up_%d","count":1,"source":"guard","type":"html","first_path":"/"`, i)))
	}
	log.WriteString(observedLine(`"kind":"cookie","name":"cart","count":5,"source":"server","type":"http","provider":"shop.example","max_age":86400,"first_path":"/shop"`))

	out, s, p := mustDraft(t, []io.Reader{strings.NewReader(log.String())}, Options{})
	text := string(out)
	for _, r := range []rune{'\r', '\u0085', '\u2028', '\u2029'} {
		if strings.ContainsRune(text, r) {
			t.Errorf("the draft holds %U, a line break to YAML", r)
		}
	}
	for _, c := range p.Cookies {
		if c.Name == "visitor_fingerprint_x" {
			t.Errorf("a comment's text became an entry: %+v", c)
		}
	}
	if p.Site.PrivacyPolicyURL != "" {
		t.Errorf("a request path set the site's privacy policy URL: %q", p.Site.PrivacyPolicyURL)
	}
	if c := declared(t, p, "sessionid"); c.Duration.Kind != policy.Session {
		t.Errorf("sessionid, a session cookie of the site, drafted as %+v after a report said 100 years", c.Duration)
	}
	if c := declared(t, p, "cart"); c.Duration.Len != 24*time.Hour {
		t.Errorf("cart drafted with %+v", c.Duration)
	}
	declared(t, p, "csrftoken")
	if s.Dropped != 6002-maxDistinct {
		t.Errorf("%d reported names dropped, want %d (zz_inject and sessionid took places too)", s.Dropped, 6002-maxDistinct)
	}
}

// TestDraftDeletedOnly: a name the site only ever deleted while the proxy
// watched (WordPress's logout expires wordpressuser_*, names it stopped
// setting long ago) is no cookie it sets: listed as a comment, not proposed; a
// name it deleted and set is an entry as ever (the probe of 2026-11-29).
func TestDraftDeletedOnly(t *testing.T) {
	log := observedLine(`"kind":"cookie","name":"wordpressuser_abc","count":2,"action":"deleted","source":"server","type":"http","first_path":"/wp-login.php"`) +
		observedLine(`"kind":"cookie","name":"sid","count":1,"action":"deleted","source":"server","type":"http","first_path":"/logout"`) +
		observedLine(`"kind":"cookie","name":"sid","count":3,"action":"kept","source":"server","type":"http","max_age":-1,"first_path":"/login"`)
	out, s, p := mustDraft(t, []io.Reader{strings.NewReader(log)}, Options{})
	text := string(out)
	declared(t, p, "sid")
	for _, c := range p.Cookies {
		if strings.HasPrefix(c.Name, "wordpressuser") {
			t.Errorf("a name only deleted is proposed: %+v", c)
		}
	}
	if s.DeletedOnly != 1 || !strings.Contains(text, "# Only deleted by the site while the proxy watched") || !strings.Contains(text, `#   cookie "wordpressuser_abc" (seen 2 times`) {
		t.Errorf("summary %+v; the deleted-only names are not listed:\n%s", s, text)
	}
}
