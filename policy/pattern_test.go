package policy

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// refMatch is a second, independent matcher for name patterns: dynamic
// programming over the bytes, where matchPattern backtracks.
func refMatch(pattern, name string) bool {
	// prev[j]: pattern[:i] matches name[:j].
	prev := make([]bool, len(name)+1)
	prev[0] = true
	for i := 0; i < len(pattern); i++ {
		cur := make([]bool, len(name)+1)
		switch pattern[i] {
		case '*':
			seen := false
			for j := range cur {
				seen = seen || prev[j]
				cur[j] = seen
			}
		case '#':
			seen := false
			for j := range cur {
				cur[j] = seen
				seen = seen || prev[j]
			}
		default:
			for j := 1; j < len(cur); j++ {
				cur[j] = prev[j-1] && name[j-1] == pattern[i]
			}
		}
		prev = cur
	}
	return prev[len(name)]
}

// refMatcher applies the documented precedence by scanning every entry.
type refMatcher struct{ entries []string } // in the order added; value = index

// add mirrors Matcher.Add: the same text twice is refused, the first stays.
func (r *refMatcher) add(p string) bool {
	for _, e := range r.entries {
		if e == p {
			return false
		}
	}
	r.entries = append(r.entries, p)
	return true
}

func (r *refMatcher) lookup(name string) (int, bool) {
	for i, e := range r.entries {
		if !strings.ContainsAny(e, "*#") && e == name {
			return i, true
		}
	}
	best := -1
	better := func(i, j int) bool { // is entry i preferred to entry j?
		li, lj := literalCount(r.entries[i]), literalCount(r.entries[j])
		if li != lj {
			return li > lj
		}
		if pi, pj := isPrefixShape(r.entries[i]), isPrefixShape(r.entries[j]); pi != pj {
			return pi
		}
		return i < j
	}
	for i, e := range r.entries {
		if strings.ContainsAny(e, "*#") && refMatch(e, name) && (best < 0 || better(i, best)) {
			best = i
		}
	}
	return best, best >= 0
}

func literalCount(p string) int {
	n := 0
	for i := 0; i < len(p); i++ {
		if p[i] != '*' && p[i] != '#' {
			n++
		}
	}
	return n
}

// isPrefixShape: "lit*" with no other wildcard.
func isPrefixShape(p string) bool {
	lit, ok := strings.CutSuffix(p, "*")
	return ok && !strings.ContainsAny(lit, "*#")
}

func TestMatchPattern(t *testing.T) {
	tests := []struct {
		pattern, name string
		want          bool
	}{
		{"_ga*", "_ga", true}, // * may match nothing
		{"_ga*", "_ga_XYZ", true},
		{"a*b", "ab", true},
		{"a*b", "axxb", true},
		{"a*b", "axxbc", false},
		{"*b", "b", true},
		{"_ga_#", "_ga_", false}, // # needs at least one
		{"_ga_#", "_ga_H", true},
		{"_ga_#", "_ga_HFVYCJEN26", true},
		{"_ga_#", "_ga", false},
		{"_ga_#", "_gat_1", false},
		{"a#b", "ab", false},
		{"a#b", "a#b", true},
		{"a##b", "axb", false},
		{"a##b", "axyb", true},
		{"a#*b", "axb", true},
		{"a*#b", "ab", false},
		{"#", "", false},
		{"#", "x", true},
		{"*", "", true},
		{"saplb_*", "saplb_PortalCluster", true},
		{"saplb_*", "saplb_", true},
		{"saplb_*", "Saplb_x", false},
		{"saplb_*", "xsaplb_", false},
		{"refreshToken_*_SAPEP", "refreshToken_ACME_SAPEP", true},
		{"refreshToken_*_SAPEP", "refreshToken__SAPEP", true},
		{"refreshToken_*_SAPEP", "refreshToken_SAPEP", false},
		{"refreshToken_*_SAPEP", "refreshToken_A_SAPEP_SAPEP", true},
		{"refreshToken_*_SAPEP", "refreshToken_ACME_SAPEPX", false},
		{"refreshToken_*_SAPEP", "refreshtoken_ACME_SAPEP", false},
		{"Portal Alias", "Portal Alias", true},
		{"Portal Alias", "portal alias", false},
		{"Portal *", "Portal Alias", true},
		{"*_*_*_x", "a_b_c_x", true},
		{"*_*_*_x", "a_b_x", false},
		{"é#", "éa", true},
	}
	for _, tc := range tests {
		if got := matchPattern(tc.pattern, tc.name); got != tc.want {
			t.Errorf("matchPattern(%q, %q) = %v, want %v", tc.pattern, tc.name, got, tc.want)
		}
		if got := refMatch(tc.pattern, tc.name); got != tc.want {
			t.Errorf("reference matcher disagrees with the table on (%q, %q)", tc.pattern, tc.name)
		}
	}
}

// TestMatchPatternHostileName: cookie names come from visitors, and a long one
// must not make a pattern with several wildcards backtrack for minutes.
func TestMatchPatternHostileName(t *testing.T) {
	name := strings.Repeat("a", 1<<16)
	var took time.Duration
	for _, p := range []string{"a*a*a*a*b", "#a#a#a#a#b", "*a*a*a*a*a*a*", "a*a*a*a*a*aa"} {
		start := time.Now()
		got := matchPattern(p, name)
		took += time.Since(start)
		if want := refMatch(p, name); got != want {
			t.Errorf("matchPattern(%q, a×65536) = %v, want %v", p, got, want)
		}
	}
	// Linear matching takes milliseconds even on a loaded machine under the
	// race detector; backtracking would take minutes.
	if took > 5*time.Second {
		t.Errorf("matching took %v", took)
	}
}

func TestValidPattern(t *testing.T) {
	for _, tc := range []struct {
		p  string
		ok bool
	}{
		{"_ga", true},
		{"_ga_#", true},
		{"Portal Alias", true},
		{"refreshToken_*_SAPEP", true},
		{"\"quoted\"", true},
		{"", false},
		{"*", false},
		{"#*#", false},
		{" _ga", false},
		{"_ga\t", false},
		{"a=b", false},
		{"a;b", false},
		{"a\x00b", false},
		{"a\x7fb", false},
		{"a\nb", false},
	} {
		if why := validPattern(tc.p); (why == "") != tc.ok {
			t.Errorf("validPattern(%q) = %q, want ok=%v", tc.p, why, tc.ok)
		}
	}
}

func TestMatcherPrecedence(t *testing.T) {
	tests := []struct {
		name    string
		entries []string
		lookup  string
		want    string // the entry that wins; "" for none
	}{
		{"exact beats pattern", []string{"_ga_#", "_ga_ABC", "_ga*"}, "_ga_ABC", "_ga_ABC"},
		{"exact beats a longer pattern", []string{"JSESSIONID", "JSESSIONI*"}, "JSESSIONID", "JSESSIONID"},
		{"longer literal: general over prefix", []string{"_ga*", "_ga_#"}, "_ga_1", "_ga_#"},
		{"longer literal: prefix over general", []string{"s*b_#", "saplb_*"}, "saplb_1", "saplb_*"},
		{"longest prefix", []string{"a*", "abc*", "ab*"}, "abcd", "abc*"},
		{"prefix that does not match", []string{"abc*", "a*"}, "abd", "a*"},
		{"Fora: the middle wildcard beats the prefix", []string{"refreshToken_*", "refreshToken_*_SAPEP"}, "refreshToken_ACME_SAPEP", "refreshToken_*_SAPEP"},
		{"Fora: the prefix when the suffix is missing", []string{"refreshToken_*", "refreshToken_*_SAPEP"}, "refreshToken_VERIFIED_USER", "refreshToken_*"},
		{"general pattern that does not match falls back", []string{"a*", "a#z"}, "abc", "a*"},
		{"tie between general patterns: the earlier", []string{"a#c", "#bc"}, "abc", "a#c"},
		{"tie between general patterns: the earlier (swapped)", []string{"#bc", "a#c"}, "abc", "#bc"},
		{"tie between prefix and general: the prefix", []string{"_ga_#", "_ga_*"}, "_ga_1", "_ga_*"},
		{"case-sensitive exact", []string{"JSESSIONID"}, "jsessionid", ""},
		{"case-sensitive pattern", []string{"_GA_#"}, "_ga_1", ""},
		{"name with a space", []string{"Portal*", "Portal Alias"}, "Portal Alias", "Portal Alias"},
		{"bare star matches anything", []string{"*"}, "whatever", "*"},
		{"bare star matches the empty name", []string{"*"}, "", "*"},
		{"bare star loses to any literal", []string{"*", "w#"}, "whatever", "w#"},
		{"no entries", nil, "x", ""},
		{"Almi _ga_# needs a suffix", []string{"_ga_#", "_ga"}, "_ga_", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var m Matcher[string]
			var ref refMatcher
			for _, e := range tc.entries {
				if err := m.Add(e, e); err != nil {
					t.Fatalf("Add(%q): %v", e, err)
				}
				ref.add(e)
			}
			got, ok := m.Lookup(tc.lookup)
			if !ok {
				got = ""
			}
			if got != tc.want {
				t.Errorf("Lookup(%q) = %q, want %q", tc.lookup, got, tc.want)
			}
			if i, ok := ref.lookup(tc.lookup); (ok && tc.entries[i] != tc.want) || (!ok && tc.want != "") {
				t.Errorf("the reference disagrees with the table")
			}
		})
	}
}

func TestMatcherAddTwice(t *testing.T) {
	for _, p := range []string{"JSESSIONID", "saplb_*", "_ga_#", "refreshToken_*_SAPEP", ""} {
		var m Matcher[int]
		if err := m.Add(p, 1); err != nil {
			t.Fatalf("Add(%q): %v", p, err)
		}
		err := m.Add(p, 2)
		if err == nil || !strings.Contains(err.Error(), "twice") {
			t.Errorf("second Add(%q) = %v, want an error", p, err)
		}
		if v, ok := m.Lookup(p); !ok || v != 1 {
			t.Errorf("after a refused Add(%q), Lookup = %v, %v; want the first entry", p, v, ok)
		}
	}
}

// TestMatcherAgainstReference compares Matcher with the brute-force scan over
// random entries and names from a small alphabet, so that overlaps, ties and
// wildcard runs are common.
func TestMatcherAgainstReference(t *testing.T) {
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 1))
	const alphabet = "ab_*#*#"
	gen := func(maxLen int, wild bool) string {
		var b strings.Builder
		for range rng.IntN(maxLen + 1) {
			c := alphabet[rng.IntN(len(alphabet))]
			if !wild && (c == '*' || c == '#') {
				c = "ab_"[rng.IntN(3)]
			}
			b.WriteByte(c)
		}
		return b.String()
	}
	for iter := range 20000 {
		var m Matcher[int]
		var ref refMatcher
		for range 1 + rng.IntN(8) {
			p := gen(5, true)
			wantErr := !ref.add(p)
			if err := m.Add(p, len(ref.entries)-1); (err != nil) != wantErr {
				t.Fatalf("iteration %d: Add(%q) = %v, want error %v", iter, p, err, wantErr)
			}
		}
		for range 8 {
			name := gen(7, false)
			got, gotOK := m.Lookup(name)
			want, wantOK := ref.lookup(name)
			if gotOK != wantOK || (gotOK && got != want) {
				t.Fatalf("iteration %d: entries %q: Lookup(%q) = %d %v, reference %d %v", iter, ref.entries, name, got, gotOK, want, wantOK)
			}
			for _, e := range ref.entries {
				if matchPattern(e, name) != refMatch(e, name) {
					t.Fatalf("matchPattern(%q, %q) = %v, reference %v", e, name, matchPattern(e, name), refMatch(e, name))
				}
			}
		}
	}
}

func TestDeclaredCookie(t *testing.T) {
	p, err := LoadFile("testdata/fora.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, decl string }{
		{"Portal Alias", "Portal Alias"},
		{"saplb_PortalCluster", "saplb_*"},
		{"refreshToken_ACME_SAPEP", "refreshToken_*_SAPEP"},
		{"refreshToken_VERIFIED_USER", "refreshToken_VERIFIED_USER"},
		{"ai_user", "ai_user"},
		{"Ai_user", ""},
		{"PortalAlias", ""},
		{"_ga", ""},
	} {
		c, ok := p.DeclaredCookie(tc.name)
		got := ""
		if ok {
			got = c.Name
		}
		if got != tc.decl {
			t.Errorf("DeclaredCookie(%q) = %q, want %q", tc.name, got, tc.decl)
		}
	}
}
