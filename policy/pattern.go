package policy

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// A name pattern is an exact cookie name, or a name with wildcards:
// `*` matches any run of characters (also none) and `#` matches one or more,
// the notation cookie declarations such as Cookiebot's use (`_ga_#`).
// Names are case-sensitive, as browsers treat them.

// validPattern reports why a cookie name or pattern cannot be used, or "".
// Spaces inside a name are allowed: browsers keep them ("Portal Alias").
func validPattern(p string) string {
	switch {
	case p == "":
		return "empty name"
	case strings.Trim(p, "*#") == "":
		return "a pattern needs at least one literal character"
	case strings.TrimSpace(p) != p:
		return "leading or trailing white space (browsers trim it away)"
	}
	for i := 0; i < len(p); i++ {
		if c := p[i]; c < 0x20 || c == 0x7f || c == ';' || c == '=' {
			return "a cookie name cannot contain ';', '=' or control characters"
		}
	}
	return ""
}

func isPattern(p string) bool { return strings.ContainsAny(p, "*#") }

// literalLen is the number of non-wildcard characters: among patterns that match
// the same name, the one that says the most wins.
func literalLen(p string) int {
	return len(p) - strings.Count(p, "*") - strings.Count(p, "#")
}

// matchPattern matches name against p. A run of wildcards matches at least as
// many characters as it has '#'s, and any number more, so each literal between
// runs can take its leftmost place after the previous one: the time is linear
// in the name per literal. (Backtracking over the wildcards would let a long
// hostile cookie name stall a pattern with three wildcards for minutes.)
func matchPattern(p, name string) bool {
	c := compilePattern(p)
	return c.match(name)
}

// compiledPattern is a pattern cut at its wildcards once, so that matching
// a name does not look for them again (the Matcher keeps its patterns so).
type compiledPattern struct {
	lead  string // the literal before the first wildcard
	parts []patternPart
	exact bool // no wildcard: the lead is the whole name
}

// patternPart is a run of wildcards and the literal after it (the last
// part's literal ends the name; it may be empty).
type patternPart struct {
	need int // the '#'s of the run: the least it matches
	lit  string
}

func compilePattern(p string) compiledPattern {
	lit := strings.IndexAny(p, "*#")
	if lit < 0 {
		return compiledPattern{lead: p, exact: true}
	}
	c := compiledPattern{lead: p[:lit]}
	p = p[lit:]
	for p != "" {
		need, i := 0, 0
		for ; i < len(p) && (p[i] == '*' || p[i] == '#'); i++ {
			if p[i] == '#' {
				need++
			}
		}
		p = p[i:]
		lit = strings.IndexAny(p, "*#")
		if lit < 0 {
			lit = len(p)
		}
		c.parts = append(c.parts, patternPart{need, p[:lit]})
		p = p[lit:]
	}
	return c
}

func (c *compiledPattern) match(name string) bool {
	if c.exact {
		return name == c.lead
	}
	if !strings.HasPrefix(name, c.lead) {
		return false
	}
	name = name[len(c.lead):]
	last := len(c.parts) - 1
	for i, part := range c.parts {
		if len(name) < part.need {
			return false
		}
		name = name[part.need:]
		if i == last {
			return strings.HasSuffix(name, part.lit) // the last literal ends the name
		}
		at := strings.Index(name, part.lit)
		if at < 0 {
			return false
		}
		name = name[at+len(part.lit):]
	}
	return true
}

// Matcher finds the entry for a cookie name: an exact name beats any pattern,
// and among patterns the one with the longest literal text wins (ties: a
// prefix pattern "lit*", else the earlier entry). Prefix patterns ("lit*",
// the shape of most database entries) are found by their literal, and the
// other patterns are kept under the literal text they begin with, so a large
// list costs a map lookup and a few prefix comparisons per name rather than
// a match against every pattern.
type Matcher[T any] struct {
	exact  map[string]T
	prefix leadIndex[T] // "lit*" under lit
	// led holds the other patterns under the literal before their first
	// wildcard (only names beginning with it can match), each list longest
	// literal first; wild those that begin with a wildcard.
	led   leadIndex[*[]patternEntry[T]]
	wild  []patternEntry[T]
	added int // patterns in led and wild, for the order of ties
}

type patternEntry[T any] struct {
	pattern string
	match   compiledPattern
	lit     int
	order   int // when it was added: of equally long literals, the earlier wins
	value   T
}

// Add adds a name or pattern; the same name or pattern twice is an error.
func (m *Matcher[T]) Add(name string, v T) error {
	if m.exact == nil {
		m.exact = map[string]T{}
	}
	if !isPattern(name) {
		if _, dup := m.exact[name]; dup {
			return fmt.Errorf("%q is listed twice", name)
		}
		m.exact[name] = v
		return nil
	}
	if lit, ok := strings.CutSuffix(name, "*"); ok && !isPattern(lit) {
		if _, dup := m.prefix.get(lit); dup {
			return fmt.Errorf("%q is listed twice", name)
		}
		m.prefix.add(lit, v)
		return nil
	}
	lead := name[:strings.IndexAny(name, "*#")]
	list := &m.wild
	if lead != "" {
		var ok bool
		if list, ok = m.led.get(lead); !ok {
			list = new([]patternEntry[T])
			m.led.add(lead, list)
		}
	}
	for _, e := range *list {
		if e.pattern == name {
			return fmt.Errorf("%q is listed twice", name)
		}
	}
	*list = append(*list, patternEntry[T]{name, compilePattern(name), literalLen(name), m.added, v})
	m.added++
	sort.SliceStable(*list, func(i, j int) bool { return (*list)[i].lit > (*list)[j].lit })
	return nil
}

// names yields the names added without a pattern.
func (m *Matcher[T]) names(yield func(string) bool) {
	for n := range m.exact {
		if !yield(n) {
			return
		}
	}
}

// Lookup returns the value of the best entry for name.
func (m *Matcher[T]) Lookup(name string) (v T, ok bool) {
	if v, ok := m.exact[name]; ok {
		return v, true
	}
	return m.lookupPattern(name)
}

// lookupPattern is Lookup for a name known not to be an exact entry.
func (m *Matcher[T]) lookupPattern(name string) (v T, ok bool) {
	// The longest matching prefix pattern has the most literal text of all
	// prefix patterns; compare it with the general patterns by literal length.
	bestLit := -1
	if e := m.prefix.longest(name); e != nil {
		v, bestLit = e.value, len(e.lead)
	}
	var best *patternEntry[T]
	// Each list is ordered by literal length, then age: its first match is
	// its best, and a list is left as soon as it cannot beat the best so far.
	// The best over all lists does not depend on the order they are seen in.
	consider := func(list []patternEntry[T]) {
		for i := range list {
			e := &list[i]
			if e.lit <= bestLit || best != nil && (e.lit < best.lit || e.lit == best.lit && e.order > best.order) {
				return
			}
			if e.match.match(name) {
				best = e
				return
			}
		}
	}
	long, short := m.led.candidates(name)
	for _, e := range long {
		if strings.HasPrefix(name, e.lead) {
			consider(*e.value)
		}
	}
	for _, e := range short {
		if strings.HasPrefix(name, e.lead) {
			consider(*e.value)
		}
	}
	consider(m.wild)
	if best != nil {
		return best.value, true
	}
	return v, bestLit >= 0
}

// leadIndex finds the entries whose lead (a literal the name must begin
// with) begins a name, without a map lookup for every length the name could
// be cut at: the entries are grouped by their first two bytes, and the few
// leads shorter than that are kept apart. Every list is longest lead first.
type leadIndex[V any] struct {
	byTwo map[uint32][]leadEntry[V] // uint32, not uint16: the runtime has a fast path for 32-bit keys
	short []leadEntry[V]            // leads of no or one byte
}

type leadEntry[V any] struct {
	lead  string
	value V
}

func firstTwo(s string) uint32 { return uint32(s[0])<<8 | uint32(s[1]) }

// entries returns the list a lead is filed in.
func (x *leadIndex[V]) entries(lead string) []leadEntry[V] {
	if len(lead) < 2 {
		return x.short
	}
	return x.byTwo[firstTwo(lead)]
}

// add files a lead that is not there yet.
func (x *leadIndex[V]) add(lead string, v V) {
	l := x.entries(lead)
	at := sort.Search(len(l), func(i int) bool { return len(l[i].lead) < len(lead) })
	l = slices.Insert(l, at, leadEntry[V]{lead, v})
	if len(lead) < 2 {
		x.short = l
		return
	}
	if x.byTwo == nil {
		x.byTwo = map[uint32][]leadEntry[V]{}
	}
	x.byTwo[firstTwo(lead)] = l
}

// get returns the value filed under exactly this lead.
func (x *leadIndex[V]) get(lead string) (V, bool) {
	for _, e := range x.entries(lead) {
		if e.lead == lead {
			return e.value, true
		}
	}
	var zero V
	return zero, false
}

// candidates returns the entries that may begin name: those sharing its
// first two bytes, and the short ones.
func (x *leadIndex[V]) candidates(name string) (long, short []leadEntry[V]) {
	if len(name) >= 2 {
		long = x.entries(name)
	}
	return long, x.short
}

// longest returns the entry with the longest lead that begins name, or nil.
func (x *leadIndex[V]) longest(name string) *leadEntry[V] {
	long, short := x.candidates(name)
	for _, l := range [2][]leadEntry[V]{long, short} {
		for i := range l {
			if strings.HasPrefix(name, l[i].lead) {
				return &l[i]
			}
		}
	}
	return nil
}

// IsPattern reports whether a declared name is a pattern (has `*` or `#`).
func IsPattern(name string) bool { return isPattern(name) }

// NameProblem says why a name or pattern cannot be declared in a policy, or "".
func NameProblem(name string) string { return validPattern(name) }
