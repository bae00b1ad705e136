package policy

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

// thirteenMonths is the longest storage that supervisory authorities (CNIL,
// and the EDPB guidance that follows it) accept for consent and for cookies
// that need it; 395 days rounds 13 months up.
const thirteenMonths = 395 * 24 * time.Hour

// builtinLanguages have texts for the built-in categories in the banner and
// on the declaration page.
var builtinLanguages = []string{"sv", "en"}

// Lint returns warnings about a policy that loaded without errors: things that
// are allowed but that a supervisory authority or a visitor would question, or
// that would quietly break the site. known is what is known beyond the policy
// (nil: nothing). The warnings are sorted by line.
func Lint(p *Policy, known *Known) []Problem {
	var ws []Problem
	warn := func(line int, format string, args ...any) {
		ws = append(ws, Problem{File: p.File, Line: line, Msg: fmt.Sprintf(format, args...)})
	}

	if m := p.Consent.MaxAge; m.Kind == Fixed && m.Len > thirteenMonths {
		warn(p.Consent.Line, "consent.max_age %s keeps a choice for more than 13 months; ask again sooner, e.g. max_age: 182d", m)
	}

	if p.Site.PrivacyPolicyURL == "" {
		warn(p.Site.Line, "site.privacy_policy_url is missing; the banner and the declaration page link to it, so add it")
	}

	var samples []knownSample // made when a necessary pattern needs them
	for i, c := range p.Cookies {
		// Patterns are looked up by their text, which finds the database entries
		// written the same way ("_ga_#").
		kc, isKnown := known.Cookie(c.Name)
		switch {
		case c.Category == Necessary:
			switch {
			case isKnown && kc.Category != Necessary && kc.Category != Unclassified:
				warn(c.Lines.Category, "cookie %q is declared necessary, but the known-cookie database classes it as %s; declare it as %s (it then needs consent), or make sure the site needs it to work", c.Name, kc.Category, kc.Category)
			case isPattern(c.Name):
				if samples == nil {
					samples = knownSamples(known)
				}
				lintBroadNecessary(p, i, samples, warn)
			}
			if c.Duration.Kind == Session {
				lintSessionClamp(c, kc, isKnown, warn)
			}
		case c.Category == Unclassified && p.Undeclared == "block":
			// Never kept, so how long it would be kept does not matter.
			warn(c.Lines.Category, "cookie %q is declared category: unclassified while undeclared: block, so it is removed for every visitor, whatever they choose: declare its category (necessary if the site needs it to work)", c.Name)
		case c.Duration.Kind == Persistent:
			warn(c.Lines.Duration, "cookie %q (%s) is kept with no limit; a cookie that needs consent should expire within 13 months, so declare and set a duration such as 13mo", c.Name, c.Category)
		case c.Duration.Kind == Fixed && c.Duration.Len > thirteenMonths:
			warn(c.Lines.Duration, "cookie %q (%s) is kept for %s, more than 13 months; shorten it to 13mo or less (clamp_lifetime caps what the site sets at the declared duration)", c.Name, c.Category, c.Duration)
		}
		if slices.ContainsFunc(mapValues(c.Purpose), func(s string) bool { return strings.HasPrefix(s, PurposeTODO) }) {
			warn(c.Line, "cookie %q: its purpose is still the TODO of caddy cookie-consent draft; say what it does for the visitor (the declaration page shows it)", c.Name)
		}
		if t, ok := firstPartyOf(known, c); ok {
			warn(c.Lines.Provider, "cookie %q has provider %s, but it is a first-party cookie: the script of %s sets it on your site's own domain, whatever host serves the script; write your site's domain as its provider", c.Name, c.Provider, t.Platform)
		}
	}

	for _, b := range p.Blockers {
		for _, h := range b.Hosts {
			lintBlockerHost(p, known, b, h, warn)
		}
	}

	for _, c := range p.Categories {
		var missing []string
		for _, lang := range p.Languages {
			if slices.Contains(builtinLanguages, lang) {
				continue
			}
			if c.Title.In(lang) == "" || c.Description.In(lang) == "" {
				missing = append(missing, lang)
			}
		}
		if len(missing) > 0 {
			warn(c.Line, "category %q has no title or description in %s (built-in texts exist only in %s); add title: and description: in %s, or visitors read another language", c.ID, strings.Join(missing, ", "), strings.Join(builtinLanguages, " and "), strings.Join(missing, ", "))
		}
	}

	for _, c := range p.Categories[1:] {
		if !slices.ContainsFunc(p.Cookies, func(k Cookie) bool { return k.Category == c.ID }) &&
			!slices.ContainsFunc(p.Blockers, func(b Blocker) bool { return b.Category == c.ID }) {
			warn(c.Line, "category %q has no declared cookies and no blockers, so it asks the visitor about nothing; declare what it covers or remove it", c.ID)
		}
	}

	sort.SliceStable(ws, func(i, j int) bool { return ws[i].Line < ws[j].Line })
	return ws
}

// PurposeTODO is the purpose `caddy cookie-consent draft` writes for the site
// owner to replace; lint warns while it is there.
const PurposeTODO = "TODO: what it does for the visitor"

func mapValues(t Text) []string {
	out := make([]string, 0, len(t))
	for _, v := range t {
		out = append(out, v)
	}
	return out
}

// knownSample is a known cookie that needs consent, with a name it matches:
// the name itself, or for a pattern one character for each # and none for *.
type knownSample struct {
	cookie KnownCookie
	name   string
}

// knownSamples lists the known cookies that a necessary declaration could
// wrongly let through: those of another category than necessary.
func knownSamples(known *Known) []knownSample {
	out := []knownSample{}
	seen := map[string]bool{}
	for _, kc := range known.Cookies() {
		if kc.Category == Necessary || kc.Category == Unclassified || seen[kc.Name] {
			continue
		}
		seen[kc.Name] = true
		name := strings.ReplaceAll(strings.ReplaceAll(kc.Name, "*", ""), "#", "0")
		out = append(out, knownSample{kc, name})
	}
	return out
}

// lintBroadNecessary warns when the necessary pattern p.Cookies[i] covers known
// cookies that need consent (`_*` covers _ga and _fbp, `*session*` ai_session):
// the policy's declaration beats the known list, so they would pass without
// consent. A known cookie counts only when this pattern is what classifies it,
// not a longer declaration of the policy. A few are named, one per platform
// before a second of any, so that the warning shows the range of what the
// pattern lets through.
func lintBroadNecessary(p *Policy, i int, samples []knownSample, warn func(int, string, ...any)) {
	c := p.Cookies[i]
	pattern := compilePattern(c.Name)
	var covered []knownSample
	for _, s := range samples {
		if !pattern.match(s.name) {
			continue
		}
		if j, ok := p.declared.Lookup(s.name); ok && j == i {
			covered = append(covered, s)
		}
	}
	if len(covered) == 0 {
		return
	}
	const shown = 5
	picked := make([]bool, len(covered))
	platforms := map[string]bool{}
	n := 0
	for k, s := range covered {
		if n < shown && !platforms[s.cookie.Platform] {
			platforms[s.cookie.Platform], picked[k] = true, true
			n++
		}
	}
	for k := range covered {
		if n < shown && !picked[k] {
			picked[k] = true
			n++
		}
	}
	var named []string
	for k, s := range covered {
		if picked[k] {
			named = append(named, fmt.Sprintf("%s (%s)", s.cookie.Name, s.cookie.Category))
		}
	}
	list := strings.Join(named, ", ")
	if more := len(covered) - len(named); more > 0 {
		list += fmt.Sprintf(" and %d more", more)
	}
	warn(c.Lines.Category, "cookie %q is declared necessary, and the pattern also covers cookies the known-cookie database classes otherwise: %s; they would pass without consent. Narrow the pattern, or declare those the site sets in their own categories (a longer name or pattern wins over this one)", c.Name, list)
}

// lintSessionClamp warns about a necessary cookie declared session that the site
// may set for longer: with clamp_lifetime on, the proxy makes it a session cookie,
// and a "Remember me" login then ends when the browser closes. Lint cannot read
// the Caddyfile, so it says the default.
func lintSessionClamp(c Cookie, kc KnownCookie, isKnown bool, warn func(int, string, ...any)) {
	switch {
	case isKnown && kc.Lifetime != "" && kc.Lifetime != "session":
		warn(c.Lines.Duration, "cookie %q is declared session, but %s keeps it up to %s (\"Remember me\" style); with clamp_lifetime on (the default) the proxy cuts it to a session cookie and it ends when the browser closes: declare duration: %s", c.Name, kc.Platform, kc.Lifetime, kc.Lifetime)
	case strings.Contains(strings.ToLower(c.Name), "remember"):
		warn(c.Lines.Duration, "cookie %q is declared session, but its name says it remembers a login; with clamp_lifetime on (the default) the proxy cuts it to a session cookie and it ends when the browser closes: declare the lifetime the site gives it", c.Name)
	}
}

// firstPartyOf finds the tracker whose script sets cookie c on the site's own
// domain while c names that tracker's host as its provider: the declaration would
// send visitors looking for it in the wrong place.
func firstPartyOf(known *Known, c Cookie) (KnownTracker, bool) {
	if c.Provider == "" {
		return KnownTracker{}, false
	}
	provider := lastTwoLabels(c.Provider)
	for _, t := range known.Trackers() {
		if lastTwoLabels(t.Host) != provider {
			continue
		}
		for _, fp := range t.FirstParty {
			if fp == c.Name || matchPattern(fp, c.Name) {
				return t, true
			}
		}
	}
	return KnownTracker{}, false
}

// lintBlockerHost warns when nothing declared explains what a blocker host
// stores. What to advise depends on where its cookies live: a tracker whose
// script writes first-party cookies (the Google tag's _ga) needs those declared
// with the site as provider; other hosts need their own cookies declared under
// their domain.
func lintBlockerHost(p *Policy, known *Known, b Blocker, h string, warn func(int, string, ...any)) {
	site := lastTwoLabels(h)
	if providedBy(p.Cookies, site) {
		return
	}
	t, isTracker := known.Tracker(h)
	if isTracker && len(t.FirstParty) > 0 {
		for _, fp := range t.FirstParty {
			if _, ok := p.DeclaredCookie(fp); ok {
				return
			}
		}
		shown := t.FirstParty
		if len(shown) > 4 {
			shown = shown[:4]
		}
		warn(b.Line, "blocker host %s (%s): its script sets cookies on your site's own domain, such as %s, and the policy declares none of them; declare the ones your pages get, with your site's domain as provider (caddy cookie-consent draft lists what it saw)", h, t.Platform, strings.Join(shown, ", "))
		return
	}
	warn(b.Line, "blocker host %s: no declared cookie has a provider under %s, so the declaration page does not show what it stores; declare what it stores: the cookies %s sets itself with provider: %s, those its script writes on your pages with your site's domain as provider", h, site, strings.TrimPrefix(h, "*."), site)
}

// lastTwoLabels approximates the registrable domain by its last two labels:
// right for .com and .se, too short for a suffix such as .co.uk, where it
// makes a provider of another site under the same suffix count as explaining
// the host. A lint warning missed there is cheaper than a public suffix list.
func lastTwoLabels(host string) string {
	host = strings.TrimPrefix(strings.ToLower(strings.TrimSuffix(host, ".")), "*.")
	labels := strings.Split(host, ".")
	if len(labels) <= 2 {
		return host
	}
	return strings.Join(labels[len(labels)-2:], ".")
}

// providedBy reports whether a declared cookie's provider shares site, the
// last two labels of a blocker host: the cookies that host's elements set.
func providedBy(cookies []Cookie, site string) bool {
	for _, c := range cookies {
		if c.Provider != "" && lastTwoLabels(c.Provider) == site {
			return true
		}
	}
	return false
}
