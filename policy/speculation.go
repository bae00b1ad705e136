package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
)

// SpeculationRules reads the JSON of a <script type="speculationrules"> for what
// it may make the browser fetch. Such a script is data, not code: the browser
// prefetches or prerenders the URLs its rules name, and a document rule
// ("where", or "source": "document") makes it fetch links of the page that the
// rule matches, from whatever host they point to. base and pageHost are as for
// BlockerForElement (the rules' relative URLs and patterns are resolved against
// the document's base URL).
//
// blockers are the blockers of the hosts the rules name, each once, in the
// policy's order: every string in the JSON read as a URL (each URL of a list rule,
// and any other that is one), and the host of each "href_matches" pattern. open
// is true when the rules may fetch from a host they do not name: a document rule
// whose "where" is not bounded to named hosts (a "selector_matches", a "not", a
// pattern whose host is a wildcard; a relative pattern is bounded to the base's
// host), or a text that is not JSON as browsers read it — a key written twice,
// which readers may take either way, included. The caller holds an open script
// back under the first refused category that has blockers (fail closed: such
// rules may fetch any link to a tracker). An empty text fetches nothing.
func (p *Policy) SpeculationRules(text []byte, base, pageHost string) (blockers []*Blocker, open bool) {
	if len(bytes.TrimLeft(text, " \t\n\r")) == 0 {
		return nil, false
	}
	v, err := strictJSON(text)
	if err != nil {
		return nil, true
	}
	s := speculation{hostBlockers: hostBlockers{p: p, relativeTo: baseHost(base, pageHost)}}
	s.urls(v)
	// Every array of the top-level object is a list of rules ("prefetch",
	// "prerender", and actions browsers may add).
	if top, ok := v.(map[string]any); ok {
		for _, rules := range top {
			list, _ := rules.([]any)
			for _, r := range list {
				if rule, ok := r.(map[string]any); ok {
					s.rule(rule)
				}
			}
		}
	}
	return s.sorted(), s.open
}

func (p *Policy) blockerIndex(b *Blocker) int {
	for i := range p.Blockers {
		if &p.Blockers[i] == b {
			return i
		}
	}
	return len(p.Blockers)
}

type speculation struct {
	hostBlockers
	open bool
}

// urls reads every string value in v as a URL.
func (s *speculation) urls(v any) {
	switch v := v.(type) {
	case string:
		s.host(srcHost(v, s.relativeTo))
	case []any:
		for _, e := range v {
			s.urls(e)
		}
	case map[string]any:
		for _, e := range v {
			s.urls(e)
		}
	}
}

// rule reads one rule. A list rule names its URLs (read by urls); any
// other is taken for a document rule, which matches links of the page (a rule
// browsers reject is read the strict way too).
func (s *speculation) rule(r map[string]any) {
	where, hasWhere := r["where"]
	_, hasURLs := r["urls"]
	source, _ := r["source"].(string)
	if !hasWhere && (source == "list" || source == "" && hasURLs) {
		return
	}
	if !hasWhere || !s.bounded(where, 0) {
		// {"source": "document"} alone matches every link.
		s.open = true
	}
}

// predicates are the keys of a document rule's predicate; it has one.
var predicates = [...]string{"and", "or", "not", "href_matches", "selector_matches"}

// bounded reports whether a document rule's predicate matches only links to
// hosts it names (recording them): an "href_matches" whose patterns all have a
// literal host, an "and" with such a conjunct, an "or" of such predicates.
func (s *speculation) bounded(pred any, depth int) bool {
	m, ok := pred.(map[string]any)
	if !ok || depth > 64 {
		return false
	}
	kind := ""
	for _, k := range predicates {
		if _, ok := m[k]; ok {
			if kind != "" {
				return false // ambiguous: browsers reject it; read strictly
			}
			kind = k
		}
	}
	switch kind {
	case "and":
		list, _ := m["and"].([]any)
		some := false
		for _, c := range list {
			// Each conjunct is read, for the hosts it names.
			if s.bounded(c, depth+1) {
				some = true
			}
		}
		return some
	case "or":
		list, ok := m["or"].([]any)
		all := ok
		for _, c := range list {
			if !s.bounded(c, depth+1) {
				all = false
			}
		}
		return all
	case "href_matches":
		pats, ok := m["href_matches"].([]any)
		if !ok {
			pats = []any{m["href_matches"]}
		}
		all := true
		for _, pat := range pats {
			if !s.pattern(pat) {
				all = false
			}
		}
		return all
	}
	return false
}

// pattern reports whether a URL pattern (the URL Pattern standard's string or
// object form) matches only URLs of one literal host, recording it: a pattern
// relative to the base ("/*", "/blog/:slug") has the base's host; an
// absolute one ("https://example.com/*") its own when that has no wildcard,
// group or escape. Anything else (a wildcard host, "//host", an object
// without a literal hostname) is not bounded.
func (s *speculation) pattern(pat any) bool {
	switch pat := pat.(type) {
	case string:
		if strings.HasPrefix(pat, "/") && !strings.HasPrefix(pat, "//") && !strings.HasPrefix(pat, `/\`) {
			s.host(s.relativeTo)
			return true
		}
		low := strings.ToLower(pat)
		rest, ok := strings.CutPrefix(low, "https://")
		if !ok {
			rest, ok = strings.CutPrefix(low, "http://")
		}
		if !ok {
			return false
		}
		host, _, _ := strings.Cut(rest, "/")
		if !literalHost(host) {
			return false
		}
		s.host(hostOnly(host)) // as a browser reads it: "www.googletagmanager.com." is that host
		return true
	case map[string]any:
		host, _ := pat["hostname"].(string)
		if !literalHost(strings.ToLower(host)) {
			return false
		}
		s.host(hostOnly(host))
		return true
	}
	return false
}

// literalHost: a lower-case host name with none of the pattern syntax
// (wildcards, groups, escapes, modifiers) nor a port.
func literalHost(h string) bool {
	if h == "" {
		return false
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '.' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

var errDuplicateKey = errors.New("json: a key twice in an object")

// strictJSON parses one JSON text (RFC 8259, as JSON.parse reads it) into
// maps, slices and strings (numbers, booleans and null are nil), refusing a
// key written twice in an object and anything after the value.
func strictJSON(text []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(text))
	v, err := jsonValue(dec, 0)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("json: data after the value")
	}
	return v, nil
}

func jsonValue(dec *json.Decoder, depth int) (any, error) {
	if depth > 1000 {
		return nil, errors.New("json: nested too deep")
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch tok := tok.(type) {
	case string:
		return tok, nil
	case json.Delim:
		switch tok {
		case '{':
			m := map[string]any{}
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					return nil, err
				}
				key, _ := k.(string)
				if _, dup := m[key]; dup {
					return nil, errDuplicateKey
				}
				v, err := jsonValue(dec, depth+1)
				if err != nil {
					return nil, err
				}
				m[key] = v
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			return m, nil
		case '[':
			var a []any
			for dec.More() {
				e, err := jsonValue(dec, depth+1)
				if err != nil {
					return nil, err
				}
				a = append(a, e)
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			return a, nil
		}
		return nil, errors.New("json: unexpected " + tok.String())
	}
	return nil, nil
}
