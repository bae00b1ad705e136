package policy

import (
	"bytes"
	"errors"
	"html"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.yaml")
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range []string{
		"",
		"version: 1\n",
		"version: 1\ncategories: [{id: statistics}]\ncookies: [{name: '_ga_#', category: statistics, duration: 2y}]\n",
		"version: 1\nnotice_only: true\ncookies: [{name: a, category: unclassified, duration: session}]\n",
		"version: 1\nconsent: {cookie: c, max_age: 6m}\n",
		"version: 1\nblockers: [{category: necessary, hosts: ['*.x']}]\n",
		"a: &x [*x]\n",
		"- [\n",
		"version: 1\ncategories:\n  - id: a\n   title: x\n",
		"{version: 1, categories: [{id: chat, title: {sv: a, en: b}, description: c}]}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse(data, "f.yaml")
		if err != nil {
			var probs Problems
			if !errors.As(err, &probs) || len(probs) == 0 {
				t.Fatalf("error %T %v is not Problems", err, err)
			}
			for i, pr := range probs {
				if pr.File != "f.yaml" || pr.Line < 0 || pr.Msg == "" || (i > 0 && pr.Line < probs[i-1].Line) {
					t.Fatalf("problem %d = %+v (out of place, or saying nothing)", i, pr)
				}
			}
			return
		}
		if len(p.Categories) == 0 || p.Categories[0].ID != Necessary || p.CategoryIndex(Necessary) != 0 {
			t.Fatalf("categories %v: necessary is not first", p.CategoryIDs())
		}
		for i, c := range p.Categories {
			if p.CategoryIndex(c.ID) != i {
				t.Fatalf("CategoryIndex(%q) = %d, want %d", c.ID, p.CategoryIndex(c.ID), i)
			}
		}
		for _, c := range p.Cookies {
			if c.Category != Unclassified && p.CategoryIndex(c.Category) < 0 {
				t.Fatalf("cookie %q has category %q the policy lacks", c.Name, c.Category)
			}
			if c.Duration.Kind == Unset {
				t.Fatalf("cookie %q loaded without a duration", c.Name)
			}
			if !isPattern(c.Name) {
				if d, ok := p.DeclaredCookie(c.Name); !ok || d.Name != c.Name {
					t.Fatalf("DeclaredCookie(%q) does not find its own declaration", c.Name)
				}
			}
		}
		for _, b := range p.Blockers {
			if b.Category == Necessary || p.CategoryIndex(b.Category) < 0 {
				t.Fatalf("blocker for %q loaded", b.Category)
			}
		}
		if p.Undeclared != "block" && p.Undeclared != "allow" {
			t.Fatalf("undeclared %q loaded", p.Undeclared)
		}
		if p.Consent.MaxAge.Kind != Fixed {
			t.Fatalf("consent max_age %+v loaded", p.Consent.MaxAge)
		}
		if p.NoticeOnly {
			for _, c := range p.Cookies {
				if c.Category != Necessary {
					t.Fatalf("notice_only policy with %s cookie %q", c.Category, c.Name)
				}
			}
		}
		for _, w := range Lint(p, fuzzKnown) {
			if w.File != "f.yaml" || w.Msg == "" {
				t.Fatalf("lint warning %+v", w)
			}
		}
	})
}

// fuzzKnown knows every name (as statistics) and the built-in trackers, so that
// every lint path runs on the fuzzed policies.
var fuzzKnown = NewKnown([]KnownCookie{{Name: "*x", Category: "statistics", Lifetime: "1y"}, {Name: "#", Category: "statistics", Lifetime: "1y"}}, BuiltinKnown().Trackers())

func FuzzMatcher(f *testing.F) {
	f.Add("_ga_#\n_ga\n_ga*", "_ga_HFVYCJEN26")
	f.Add("saplb_*\nrefreshToken_*_SAPEP\nPortal Alias", "refreshToken_ACME_SAPEP")
	f.Add("refreshToken_*\nrefreshToken_*_SAPEP", "refreshToken_VERIFIED_USER")
	f.Add("a#c\n#bc\n_ga_*\n_ga_#", "abc")
	f.Add("*\n#\n**", "")
	f.Add("a*a*a*b\n#a#", "aaaaaaaaaaaaaaaaaaaaaaaab")
	f.Fuzz(func(t *testing.T, entries, name string) {
		if len(entries) > 512 || len(name) > 256 {
			return // keeps the reference's quadratic table small
		}
		var m Matcher[int]
		var ref refMatcher
		for i, e := range strings.Split(entries, "\n") {
			if i == 16 {
				break
			}
			dup := !ref.add(e)
			if err := m.Add(e, len(ref.entries)-1); (err != nil) != dup {
				t.Fatalf("Add(%q) = %v; a duplicate: %v", e, err, dup)
			}
		}
		got, gotOK := m.Lookup(name)
		want, wantOK := ref.lookup(name)
		if gotOK != wantOK || (gotOK && got != want) {
			t.Fatalf("entries %q: Lookup(%q) = %d %v, reference %d %v", ref.entries, name, got, gotOK, want, wantOK)
		}
		for _, e := range ref.entries {
			if matchPattern(e, name) != refMatch(e, name) {
				t.Fatalf("matchPattern(%q, %q) = %v, reference %v", e, name, matchPattern(e, name), refMatch(e, name))
			}
		}
	})
}

func FuzzDecode(f *testing.F) {
	p, err := LoadFile("testdata/example.yaml")
	if err != nil {
		f.Fatal(err)
	}
	const now = specStamp + 600
	unsigned := codecAt(p, nil, now)
	signed := codecAt(p, secret, now)
	good := "1.3.necessary:statistics.1763805600." + specID
	f.Add(good)
	f.Add(good + "." + hmacSig(secret, good))
	f.Add("1.3..1763805600." + specID)
	f.Add("1.3.marketing:necessary:bogus:statistics.1763805600." + specID)
	f.Add("1.03.necessary.+1763805600." + specID)
	f.Add("1.2.necessary.1763805600." + specID)
	f.Add("1.3.necessary.99999999999999999999." + specID)
	f.Add("......")
	f.Add("")
	f.Fuzz(func(t *testing.T, v string) {
		for _, c := range []*Codec{unsigned, signed} {
			d := c.Decode(v)
			if !d.Given {
				if d.Granted != 1 || d.ID != "" {
					t.Fatalf("no choice with granted %b, id %q", d.Granted, d.ID)
				}
				continue
			}
			if d.Granted&1 == 0 || d.Granted&^p.All() != 0 {
				t.Fatalf("Decode(%q) granted %b: necessary missing or a category the policy lacks", v, d.Granted)
			}
			if age := time.Unix(now, 0).Sub(d.Time); age > 182*day || age < -24*time.Hour {
				t.Fatalf("Decode(%q) accepted a consent aged %v", v, age)
			}
			if len(d.ID) != 22 || strings.Trim(d.ID, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") != "" {
				t.Fatalf("Decode(%q) accepted id %q", v, d.ID)
			}
			if c.Secret != nil {
				// Anything accepted under a secret carries that secret's
				// signature over exactly the text before it.
				dot := strings.LastIndexByte(v, '.')
				if dot < 0 || v[dot+1:] != hmacSig(secret, v[:dot]) {
					t.Fatalf("Decode(%q) accepted a value without a valid signature", v)
				}
			}
			// Writing back what was read gives a value that reads the same,
			// and is a fixed point from then on.
			e := c.Encode(d)
			d2 := c.Decode(e)
			if !d2.Given || d2.Granted != d.Granted || d2.ID != d.ID || !d2.Time.Equal(d.Time) {
				t.Fatalf("Decode(%q) = %+v, but its encoding %q decodes to %+v", v, d, e, d2)
			}
			if e2 := c.Encode(d2); e2 != e {
				t.Fatalf("Encode is not stable: %q then %q", e, e2)
			}
			if want := 4 + len(c.Secret[:min(len(c.Secret), 1)]); strings.Count(e, ".") != want {
				t.Fatalf("Encode = %q: want %d dots (a signature exactly when a secret is set)", e, want)
			}
		}
	})
}

func FuzzParseSetCookie(f *testing.F) {
	for _, s := range []string{
		"_ga=GA1.2.3.4; Path=/; Max-Age=63072000; Secure",
		"=_ga=1", "foo", " a b = c d ", `"q"=1`, "a=b=c", "a=", "=", ";a=b", "\ta\t=\tb\t",
		"a\x01b=c", "Portal Alias=1; Expires=Wed, 21 Oct 2026 07:28:00 GMT",
		"a=b; Max-Age=-9300000000", "ä=ö; max-age=5; MAX-AGE=6",
		strings.Repeat("x", 4095) + "=y",
	} {
		f.Add(s)
	}
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	squash := func(s string) string { return strings.NewReplacer(" ", "", "\t", "").Replace(s) }
	f.Fuzz(func(t *testing.T, h string) {
		sc := ParseSetCookie(h)
		for _, s := range []string{sc.Name, sc.Value} {
			if strings.Trim(s, " \t") != s {
				t.Fatalf("ParseSetCookie(%q) = %q=%q: white space left at an end", h, sc.Name, sc.Value)
			}
		}
		sc.Attr("Path")
		life, session := sc.Lifetime(now)
		if rlife, rsession := referenceLifetime(sc, now); life != rlife || session != rsession {
			t.Fatalf("ParseSetCookie(%q).Lifetime = %v, %v; by its attributes %v, %v", h, life, session, rlife, rsession)
		}
		hasCTL := strings.IndexFunc(h, func(r rune) bool { return r < 0x20 && r != '\t' || r == 0x7f }) >= 0
		if !sc.Valid {
			innerTab := strings.Contains(sc.Name+sc.Value, "\t")
			if !hasCTL && !innerTab && len(sc.Name)+len(sc.Value) <= 4096 && squash(strings.SplitN(h, ";", 2)[0]) != "" && squash(strings.SplitN(h, ";", 2)[0]) != "=" {
				t.Fatalf("ParseSetCookie(%q) is not valid, but has a pair of %d bytes and no control character", h, len(sc.Name)+len(sc.Value))
			}
			return
		}
		if hasCTL || len(sc.Name)+len(sc.Value) > 4096 || strings.ContainsAny(sc.Name, "=;\t") || strings.ContainsAny(sc.Value, ";\t") {
			t.Fatalf("ParseSetCookie(%q) = %q=%q is valid", h, sc.Name, sc.Value)
		}
		pair, _, _ := strings.Cut(h, ";")
		rebuilt := sc.Value
		if strings.Contains(pair, "=") {
			rebuilt = sc.Name + "=" + sc.Value
		}
		if squash(rebuilt) != squash(pair) {
			t.Fatalf("ParseSetCookie(%q) = %q=%q does not rebuild the pair %q", h, sc.Name, sc.Value, pair)
		}
		clamped := sc.WithMaxAge(time.Hour, false)
		re := ParseSetCookie(clamped)
		if !re.Valid || re.Name != sc.Name || re.Value != sc.Value {
			t.Fatalf("%q WithMaxAge = %q, which parses as %q=%q", h, clamped, re.Name, re.Value)
		}
		if d, session := re.Lifetime(now); d != time.Hour || session {
			t.Fatalf("%q WithMaxAge(1h) = %q with lifetime %v, session %v", h, clamped, d, session)
		}
		if want := referenceWithMaxAge(sc, time.Hour); clamped != want {
			t.Fatalf("%q WithMaxAge(1h) = %q; split attribute by attribute %q", h, clamped, want)
		}
	})
}

// referenceWithMaxAge is WithMaxAge written plainly: every attribute split
// off and its name compared, the named ones but Max-Age and Expires kept.
func referenceWithMaxAge(sc SetCookie, d time.Duration) string {
	out := sc.Name + "=" + sc.Value
	for _, a := range strings.Split(sc.attrs, ";")[1:] {
		k, _, _ := strings.Cut(a, "=")
		k = strings.Map(func(r rune) rune { // ASCII lower case only, as browsers compare
			if 'A' <= r && r <= 'Z' {
				return r + 'a' - 'A'
			}
			return r
		}, strings.Trim(k, " \t"))
		if k == "" || k == "max-age" || k == "expires" {
			continue
		}
		out += ";" + a
	}
	return out + "; Max-Age=" + strconv.FormatInt(int64(d/time.Second), 10)
}

// FuzzMayImport: mayImport, the check that spares most style sheets the
// decoding, never says no to a text that has an @import once decoded as a
// browser decodes it (character references, then the at-keyword's name with
// its CSS escapes; the '@' itself must be literal after the first step).
func FuzzMayImport(f *testing.F) {
	for _, s := range []string{"@import url(x)", "@IMPORT", `@\69mport`, "&#64;import", "&#x40;import", "&commat;import",
		"@&#105;mport", "a{b:c}", "@media print{}", "&lt;svg&gt;", `\40import`, "&#64", "@", "&", "@\\"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if !mayImport(b) && decodedHasImport(b) {
			t.Fatalf("mayImport(%q) = false, but it imports once decoded", b)
		}
	})
}

// decodedHasImport is the reference for FuzzMayImport: decode everything,
// then look at every '@'.
func decodedHasImport(b []byte) bool {
	t := []byte(html.UnescapeString(string(b)))
	for i, c := range t {
		if c != '@' {
			continue
		}
		if rest := cssUnescape(t[i+1:]); len(rest) >= 6 && bytes.EqualFold(rest[:6], []byte("import")) {
			return true
		}
	}
	return false
}

func TestMayImport(t *testing.T) {
	for s, want := range map[string]bool{
		"@import url(x)": true, "@IMPORT": true, `@\69mport`: true, "&#64;import": true, "&#x40;import": true,
		"&commat;import": true, "@&#105;mport": true,
		"a{b:c}": false, "@media print{}": false, "&lt;svg&gt; html&gt;body{}": false, `\40import`: false,
	} {
		if got := mayImport([]byte(s)); got != want {
			t.Errorf("mayImport(%q) = %v, want %v", s, got, want)
		}
		if !want && decodedHasImport([]byte(s)) {
			t.Errorf("reference: %q imports", s)
		}
	}
}

// referenceLifetime is Lifetime read through Attr, the attribute reader
// that Lifetime's single pass replaces on the hot path.
func referenceLifetime(sc SetCookie, now time.Time) (time.Duration, bool) {
	if v, ok := sc.Attr("Max-Age"); ok && isMaxAge(v) {
		n, err := strconv.ParseInt(v, 10, 64)
		switch {
		case err != nil && v[0] == '-', err == nil && n <= 0:
			return 0, false
		case err != nil, n > int64(math.MaxInt64/time.Second):
			return math.MaxInt64, false
		}
		return time.Duration(n) * time.Second, false
	}
	if v, ok := sc.Attr("Expires"); ok {
		if t, ok := parseCookieDate(v); ok {
			return t.Sub(now), false
		}
	}
	return 0, true
}

// FuzzURLShortcuts: srcHost skips cleaning a URL that needsCleaning says
// has nothing to clean, and finds the end of an authority with
// indexPathStart; neither may change what srcHost reads.
func FuzzURLShortcuts(f *testing.F) {
	for _, s := range []string{"/a.js", " https://x/", "https:\\\\x.com", "/\t/x.com", "a\nb", "x?y#z", "\x00", "https://www.googletagmanager.com/gtag/js?id=G-1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !needsCleaning(s) && cleanURL(s) != s {
			t.Fatalf("needsCleaning(%q) = false, but cleaning gives %q", s, cleanURL(s))
		}
		if got, want := indexPathStart(s), strings.IndexAny(s, "/?#"); got != want {
			t.Fatalf("indexPathStart(%q) = %d, want %d", s, got, want)
		}
	})
}
