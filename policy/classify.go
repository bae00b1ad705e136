package policy

import (
	"fmt"
	"time"
)

// Origin says where a cookie's classification came from.
type Origin uint8

const (
	FromNothing Origin = iota // neither declared nor known: unclassified
	FromPolicy                // declared in the policy
	FromKnown                 // the known-cookie database
	FromConsent               // the consent cookie itself (ours or the site's consent manager's)
)

func (o Origin) String() string {
	return [...]string{"undeclared", "declared", "known", "consent"}[o]
}

// Class is the classification of one cookie name.
type Class struct {
	Category string // a category id, or Unclassified
	Index    int    // in Policy.Categories; -1 when the policy has no such category
	Origin   Origin
	Decl     *Cookie // the declaration, for FromPolicy
	Nameless bool    // an empty name: never allowed
}

// Classifier classifies cookie names for one policy: declared, then known,
// else unclassified. It is built once per configuration and is read-only, so
// requests share it.
type Classifier struct {
	Policy    *Policy
	known     *Known
	necessary Matcher[struct{}]
	// exact is the class of every name written without a pattern in the
	// policy, the known list or the consent cookies, found once when the
	// classifier is built: the commonest names cost one map lookup.
	exact map[string]Class
}

// Tracker finds a host in the known tracker list (report mode observes the
// elements the policy does not block yet that the list names).
func (c *Classifier) Tracker(host string) (KnownTracker, bool) { return c.known.Tracker(host) }

// NewClassifier builds a classifier. known is the known-cookie database (may be
// empty); consentNames are the names or patterns of the consent manager's own
// cookies, which count as necessary.
func NewClassifier(p *Policy, known []KnownCookie, consentNames []string) *Classifier {
	// The trackers are built in: an Open Cookie Database CSV names no hosts.
	c := &Classifier{Policy: p, known: NewKnown(known, BuiltinKnown().Trackers())}
	_ = c.necessary.Add(p.Consent.Name, struct{}{})
	for _, n := range consentNames {
		_ = c.necessary.Add(n, struct{}{})
	}
	c.exact = map[string]Class{}
	for _, names := range []func(yield func(string) bool){c.necessary.names, p.declared.names, c.known.names.names} {
		for n := range names {
			c.exact[n] = c.classify(n, true)
		}
	}
	return c
}

// Classify finds the category of a cookie name.
func (c *Classifier) Classify(name string) Class {
	if cl, ok := c.exact[name]; ok {
		return cl
	}
	return c.classify(name, false)
}

// classify is Classify without the table of exact names; exactToo says
// whether to look for exact names too (past the table, only the patterns can
// still match).
func (c *Classifier) classify(name string, exactToo bool) Class {
	if name == "" {
		// A nameless cookie is sent as its bare value, which a server may read
		// as any name at all: it cannot be classified.
		return Class{Category: Unclassified, Index: -1, Nameless: true}
	}
	if _, ok := lookup(&c.necessary, name, exactToo); ok {
		return Class{Category: Necessary, Index: 0, Origin: FromConsent}
	}
	if i, ok := lookup(&c.Policy.declared, name, exactToo); ok {
		d := &c.Policy.Cookies[i]
		return Class{Category: d.Category, Index: c.Policy.CategoryIndex(d.Category), Origin: FromPolicy, Decl: d}
	}
	if c.known != nil {
		if i, ok := lookup(&c.known.names, name, exactToo); ok {
			k := &c.known.cookies[i]
			return Class{Category: k.Category, Index: c.Policy.CategoryIndex(k.Category), Origin: FromKnown}
		}
	}
	return Class{Category: Unclassified, Index: -1}
}

// lookup is m.Lookup, or only m's patterns when the exact names were
// already looked up (classify's exactToo).
func lookup[T any](m *Matcher[T], name string, exactToo bool) (T, bool) {
	if exactToo {
		return m.Lookup(name)
	}
	return m.lookupPattern(name)
}

// KnownCategory returns the known-cookie database's category for a name.
func (c *Classifier) KnownCategory(name string) (string, bool) {
	k, ok := c.known.Cookie(name)
	return k.Category, ok
}

// Known is what the classifier knows beyond the policy.
func (c *Classifier) Known() *Known { return c.known }

// Suggest proposes a category for a name the policy does not declare, for the
// "undeclared cookie" warnings: the known list's, or none, said plainly. The note
// also says when the policy has no such category, since a cookie of a category the
// policy lacks can never be granted.
func (c *Classifier) Suggest(name string) (category, note string) {
	category, note = c.known.Suggest(name)
	if category != "" && category != Necessary && c.Policy.CategoryIndex(category) < 0 {
		note += fmt.Sprintf(" (and add the category %s, which the policy lacks: until then it is never granted)", category)
	}
	return category, note
}

// Allows decides whether a cookie of this class may pass for this consent.
// Unclassified cookies (undeclared and unknown, or declared as unclassified)
// pass only with `undeclared: allow`; nameless ones never do; a category the
// policy does not have can never be granted.
func (c *Classifier) Allows(cl Class, cons Consent) bool {
	if cl.Category == Unclassified {
		return c.Policy.Undeclared == "allow" && !cl.Nameless
	}
	return cl.Index >= 0 && cons.Grants(cl.Index)
}

// ClampTo returns the longest lifetime a kept cookie may have: its declared
// duration. ok is false when there is nothing to clamp to (not declared,
// persistent, or declared without a duration).
func (cl Class) ClampTo() (d time.Duration, session, ok bool) {
	if cl.Decl == nil {
		return 0, false, false
	}
	switch cl.Decl.Duration.Kind {
	case Fixed:
		return cl.Decl.Duration.Len, false, true
	case Session:
		return 0, true, true
	}
	return 0, false, false
}
