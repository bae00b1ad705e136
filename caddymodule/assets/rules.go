package assets

import (
	"encoding/json"
	"regexp"
	"sort"
	"strings"

	"github.com/consentgate/consentgate/policy"
)

// rules is what the guard knows of the policy. It is written into guard.js as
// a JSON literal; the keys are short because every page loads it. Names are
// classified as the server classifies them (policy.Classifier): the consent
// manager's own cookies, then the policy's declarations, then the known-cookie
// list.
type rules struct {
	// Consent are the cookie names no consent is needed for: the own consent
	// cookie and those of a foreign consent manager (Options.ConsentCookies).
	Consent nameRules `json:"k"`
	// Cookies classifies names written through document.cookie (and the
	// Cookie Store API): every declared cookie, whatever its type, since a
	// script may write an "http" cookie such as _ga as well.
	Cookies nameRules `json:"c"`
	// Storage classifies localStorage and sessionStorage keys: the cookies
	// declared with type html.
	Storage nameRules `json:"s"`
	// Known is the known-cookie list (Options.Known), for cookie names and
	// storage keys the policy does not declare.
	Known nameRules `json:"n"`
	// Hosts maps blocker hosts ("host" or "*.domain") to their category.
	Hosts [][2]string `json:"h"`
	// Inline lists the markers of inline scripts and their category, in the
	// order the server tries them.
	Inline [][2]string `json:"i"`
	// Block is undeclared: block (undeclared cookies and unclassified ones
	// are dropped).
	Block bool `json:"b"`
	// GCM turns on Google Consent Mode signals.
	GCM bool `json:"g"`
	// Report is mode report: the guard holds nothing back and reports what
	// it would have.
	Report bool `json:"m"`
	// ReportPath is the path of the report endpoint ({prefix}/report); the
	// guard puts the page's own origin before it.
	ReportPath string `json:"p"`
	// Own is the own consent cookie's name under source own (empty under
	// another source): the guard lets no script write it, and a grant lets
	// in only what it grants. Revision is the policy's revision, which the
	// cookie must name.
	Own      string `json:"o"`
	Revision int    `json:"r"`
}

// nameRules is a name matcher for the guard: exact names by category, joined
// with ";" (which no cookie name has; the guard puts them in a Map, so that
// names such as __proto__ are safe), and patterns as [regexp source, category]
// pairs in the order they are to be tried, so that the first match is the one
// policy.Matcher would pick.
type nameRules struct {
	Exact    map[string]string `json:"e"`
	Patterns [][2]string       `json:"p"`
}

// nameEntry is a name or pattern and its category.
type nameEntry struct{ name, category string }

type patternRule struct {
	pattern, category string
	lit               int
	prefix            bool // "lit*": wins a tie on literal length
	order             int
}

func (n *nameRules) build(entries []nameEntry) {
	n.Exact, n.Patterns = map[string]string{}, [][2]string{}
	var pats []patternRule
	seen := map[string]bool{}
	for i, c := range entries {
		// As in policy.Matcher, a name listed twice keeps its first entry.
		if seen[c.name] {
			continue
		}
		seen[c.name] = true
		if !strings.ContainsAny(c.name, "*#") {
			if n.Exact[c.category] != "" {
				n.Exact[c.category] += ";"
			}
			n.Exact[c.category] += c.name
			continue
		}
		lit := len(c.name) - strings.Count(c.name, "*") - strings.Count(c.name, "#")
		head, isPrefix := strings.CutSuffix(c.name, "*")
		pats = append(pats, patternRule{c.name, c.category, lit, isPrefix && !strings.ContainsAny(head, "*#"), i})
	}
	// policy.Matcher: the longest literal wins; on a tie a prefix pattern
	// ("lit*") beats the others, then the earlier declaration.
	sort.SliceStable(pats, func(i, j int) bool {
		a, b := pats[i], pats[j]
		if a.lit != b.lit {
			return a.lit > b.lit
		}
		if a.prefix != b.prefix {
			return a.prefix
		}
		return a.order < b.order
	})
	for _, p := range pats {
		n.Patterns = append(n.Patterns, [2]string{patternRegexp(p.pattern), p.category})
	}
}

// patternRegexp turns a cookie-name pattern into an anchored JavaScript
// regular expression: * is any run of characters, # one or more.
func patternRegexp(p string) string {
	var b strings.Builder
	b.WriteString("^")
	lit := 0
	flush := func(i int) {
		b.WriteString(regexp.QuoteMeta(p[lit:i]))
	}
	for i := 0; i < len(p); i++ {
		switch p[i] {
		case '*':
			flush(i)
			b.WriteString("[^]*")
			lit = i + 1
		case '#':
			flush(i)
			b.WriteString("[^]+")
			lit = i + 1
		}
	}
	flush(len(p))
	b.WriteString("$")
	return b.String()
}

// buildRules derives the guard's rules from the policy.
func buildRules(p *policy.Policy, o Options) rules {
	var r rules
	var cookies, storage, known []nameEntry
	for _, c := range p.Cookies {
		cookies = append(cookies, nameEntry{c.Name, c.Category})
		if c.Type == "html" {
			storage = append(storage, nameEntry{c.Name, c.Category})
		}
	}
	for _, k := range o.Known {
		known = append(known, nameEntry{k.Name, k.Category})
	}
	name := p.Consent.Name
	if name == "" {
		name = "cookie_consent"
	}
	consent := []nameEntry{{name, policy.Necessary}}
	for _, n := range o.ConsentCookies {
		consent = append(consent, nameEntry{n, policy.Necessary})
	}
	r.Consent.build(consent)
	r.Cookies.build(cookies)
	r.Storage.build(storage)
	r.Known.build(known)
	r.Hosts, r.Inline = [][2]string{}, [][2]string{}
	seen := map[string]bool{}
	for _, bl := range p.Blockers {
		for _, h := range bl.Hosts {
			h = strings.TrimSuffix(strings.ToLower(h), ".")
			if !seen[h] { // the first blocker of a host wins, as on the server
				seen[h] = true
				r.Hosts = append(r.Hosts, [2]string{h, bl.Category})
			}
		}
		for _, m := range bl.Inline {
			r.Inline = append(r.Inline, [2]string{m, bl.Category})
		}
	}
	if o.Report {
		// After the policy's own: its blockers win, as on the server.
		for _, t := range o.Trackers {
			if !seen[t.Host] {
				seen[t.Host] = true
				r.Hosts = append(r.Hosts, [2]string{t.Host, t.Category})
			}
		}
	}
	r.Block = p.Undeclared != "allow"
	r.GCM = o.GoogleConsentMode
	r.Report = o.Report
	r.ReportPath = o.Prefix + "/report"
	if len(o.ConsentCookies) == 0 {
		// Options.ConsentCookies is empty exactly under source own.
		r.Own = name
	}
	r.Revision = p.Revision
	return r
}

// rulesJSON encodes the rules for a <script src> file: HTML escaping is off
// (the file is not inline), and U+2028/9 are escaped by encoding/json anyway.
func rulesJSON(r rules) ([]byte, error) {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r); err != nil {
		return nil, err
	}
	return []byte(strings.TrimSuffix(b.String(), "\n")), nil
}
