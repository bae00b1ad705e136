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
// are allowed but that a supervisory authority or a visitor would question.
// knownCategory looks a cookie name up in the known-cookie database (may be
// nil). The warnings are sorted by line.
func Lint(p *Policy, knownCategory func(name string) (string, bool)) []Problem {
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

	for _, c := range p.Cookies {
		switch {
		case c.Category == Necessary:
			if knownCategory == nil {
				continue
			}
			// Patterns are looked up by their text, which finds the database
			// entries written the same way ("_ga_#").
			if known, ok := knownCategory(c.Name); ok && known != Necessary && known != Unclassified {
				warn(c.Line, "cookie %q is declared necessary, but the known-cookie database classes it as %s; declare it as %s (it then needs consent), or make sure the site needs it to work", c.Name, known, known)
			}
		case c.Duration.Kind == Persistent:
			warn(c.Line, "cookie %q (%s) is kept with no limit; a cookie that needs consent should expire within 13 months, so declare and set a duration such as 13mo", c.Name, c.Category)
		case c.Duration.Kind == Fixed && c.Duration.Len > thirteenMonths:
			warn(c.Line, "cookie %q (%s) is kept for %s, more than 13 months; shorten it to 13mo or less (clamp_lifetime caps what the site sets at the declared duration)", c.Name, c.Category, c.Duration)
		}
	}

	for _, b := range p.Blockers {
		for _, h := range b.Hosts {
			if site := lastTwoLabels(h); !providedBy(p.Cookies, site) {
				warn(b.Line, "blocker host %s: no declared cookie has a provider under %s, so the declaration page does not show what it stores; declare its cookies with provider: %s", h, site, strings.TrimPrefix(h, "*."))
			}
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
