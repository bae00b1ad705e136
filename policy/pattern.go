package policy

import (
	"fmt"
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
	lit := strings.IndexAny(p, "*#")
	if lit < 0 {
		return p == name
	}
	if !strings.HasPrefix(name, p[:lit]) {
		return false
	}
	p, name = p[lit:], name[lit:]
	for {
		need, i := 0, 0
		for ; i < len(p) && (p[i] == '*' || p[i] == '#'); i++ {
			if p[i] == '#' {
				need++
			}
		}
		if len(name) < need {
			return false
		}
		p, name = p[i:], name[need:]
		lit = strings.IndexAny(p, "*#")
		if lit < 0 {
			return strings.HasSuffix(name, p) // the last literal ends the name
		}
		at := strings.Index(name, p[:lit])
		if at < 0 {
			return false
		}
		p, name = p[lit:], name[at+lit:]
	}
}

// Matcher finds the entry for a cookie name: an exact name beats any pattern,
// and among patterns the one with the longest literal text wins (ties: a
// prefix pattern "lit*", else the earlier entry). Prefix patterns ("lit*", the shape of most database entries)
// are looked up by prefix, and the other patterns are kept under the literal
// text they begin with, so a large list costs a few map lookups per name
// rather than a match against every pattern.
type Matcher[T any] struct {
	exact  map[string]T
	prefix map[string]T // "lit*" keyed by lit
	maxPre int
	// led holds the other patterns under the literal before their first
	// wildcard (only names beginning with it can match), each list longest
	// literal first; wild those that begin with a wildcard.
	led    map[string][]patternEntry[T]
	maxLed int
	wild   []patternEntry[T]
	added  int // patterns in led and wild, for the order of ties
}

type patternEntry[T any] struct {
	pattern string
	lit     int
	order   int // when it was added: of equally long literals, the earlier wins
	value   T
}

// Add registers a name or pattern. It returns an error when the same name or
// pattern was added before; the first stays.
func (m *Matcher[T]) Add(name string, v T) error {
	if m.exact == nil {
		m.exact, m.prefix, m.led = map[string]T{}, map[string]T{}, map[string][]patternEntry[T]{}
	}
	if !isPattern(name) {
		if _, dup := m.exact[name]; dup {
			return fmt.Errorf("%q is listed twice", name)
		}
		m.exact[name] = v
		return nil
	}
	if lit, ok := strings.CutSuffix(name, "*"); ok && !isPattern(lit) {
		if _, dup := m.prefix[lit]; dup {
			return fmt.Errorf("%q is listed twice", name)
		}
		m.prefix[lit] = v
		m.maxPre = max(m.maxPre, len(lit))
		return nil
	}
	lead := name[:strings.IndexAny(name, "*#")]
	list := m.wild
	if lead != "" {
		list = m.led[lead]
	}
	for _, e := range list {
		if e.pattern == name {
			return fmt.Errorf("%q is listed twice", name)
		}
	}
	list = append(list, patternEntry[T]{name, literalLen(name), m.added, v})
	m.added++
	sort.SliceStable(list, func(i, j int) bool { return list[i].lit > list[j].lit })
	if lead == "" {
		m.wild = list
	} else {
		m.led[lead] = list
		m.maxLed = max(m.maxLed, len(lead))
	}
	return nil
}

// Lookup returns the entry for name.
func (m *Matcher[T]) Lookup(name string) (v T, ok bool) {
	if v, ok := m.exact[name]; ok {
		return v, true
	}
	// The longest matching prefix pattern has the most literal text of all
	// prefix patterns; compare it with the general patterns by literal length.
	bestLit := -1
	for n := min(len(name), m.maxPre); n >= 0; n-- { // n = 0: a bare "*"
		if pv, ok := m.prefix[name[:n]]; ok {
			v, bestLit = pv, n
			break
		}
	}
	var best *patternEntry[T]
	// Each list is ordered by literal length, then age: its first match is
	// its best, and a list is left as soon as it cannot beat the best so far.
	consider := func(list []patternEntry[T]) {
		for i := range list {
			e := &list[i]
			if e.lit <= bestLit || best != nil && (e.lit < best.lit || e.lit == best.lit && e.order > best.order) {
				return
			}
			if matchPattern(e.pattern, name) {
				best = e
				return
			}
		}
	}
	for n := min(len(name), m.maxLed); n > 0; n-- {
		if list, ok := m.led[name[:n]]; ok {
			consider(list)
		}
	}
	consider(m.wild)
	if best != nil {
		return best.value, true
	}
	return v, bestLit >= 0
}

// IsPattern reports whether a declared name is a pattern (has `*` or `#`).
func IsPattern(name string) bool { return isPattern(name) }

// NameProblem says why a name or pattern cannot be declared in a policy, or "".
func NameProblem(name string) string { return validPattern(name) }
