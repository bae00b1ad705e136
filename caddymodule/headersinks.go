package caddymodule

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Response headers other than Link that make the browser contact a host
// before (or without) any markup, each filtered like the element it stands
// for (heldBack: the host's blocker, unless the visitor granted its
// category), on every response and every 103 Early Hints:
//
//   - Report-To: groups of reporting endpoints, which NEL (Network Error
//     Logging) and a CSP's report-to send to. Chromium keeps a NEL policy
//     and reports every later request of the origin to its group, pages
//     without these headers included. A group with an endpoint on a held
//     back host is removed, and NEL with it when it names that group.
//   - Reporting-Endpoints: name="url" members; those on a held back host go.
//   - Content-Security-Policy(-Report-Only): report-uri URLs on a held back
//     host go (the directive with them when none is left), and report-to
//     naming a group or endpoint removed above; the rest of the policy, the
//     part that enforces, is kept byte for byte.
//   - Speculation-Rules: rulesets whose rules may prefetch or prerender any
//     URL, a tracker's too (document rules match every <a href>); removed
//     whole while a category with blockers is refused.
//   - Refresh: a navigation to its URL.
//
// What cannot be parsed is removed whole when a held back host appears in
// it (fail closed: the browser may read it otherwise).

// filterHeaderSinks filters the headers above and Link; filterLinks found
// one of them at least. docOrWorker: the response may be a document's or a
// worker's (documentOrWorker); only Link, Report-To and NEL act from others.
func (rw *responseWriter) filterHeaderSinks(hdr http.Header, docOrWorker bool, named namedHeaders) {
	if lines := hdr["Link"]; len(lines) > 0 {
		rw.filterLinkHeader(hdr, lines)
	}
	var gone removedGroups
	// Report-To, Reporting-Endpoints and CSP are parsed only when they may
	// name a blocker's host: most sites send the same harmless ones on
	// every response (a CDN's NEL group), which cost 20 µs to parse.
	if lines := hdr["Report-To"]; len(lines) > 0 && named&namesReportTo != 0 {
		rw.filterReportTo(hdr, lines, &gone)
	}
	if lines := hdr["Reporting-Endpoints"]; len(lines) > 0 && docOrWorker && named&namesReportingEndpoints != 0 {
		rw.filterReportingEndpoints(hdr, lines, &gone)
	}
	if gone.any() {
		rw.filterNEL(hdr, &gone)
	}
	if !docOrWorker {
		return
	}
	for _, csp := range [...]struct {
		name string
		bit  namedHeaders
	}{{"Content-Security-Policy", namesCSP}, {"Content-Security-Policy-Report-Only", namesCSPReportOnly}} {
		if lines := hdr[csp.name]; len(lines) > 0 && (gone.any() || named&csp.bit != 0) {
			rw.filterCSP(hdr, csp.name, lines, &gone)
		}
	}
	if lines := hdr["Speculation-Rules"]; len(lines) > 0 {
		rw.filterSpeculationRules(hdr, lines)
	}
	if lines := hdr["Refresh"]; len(lines) > 0 {
		rw.filterRefresh(hdr, lines)
	}
}

// mayNameBlockedHost reports whether header lines may name a host a blocker
// holds back: one of the blockers' hosts (a "*.domain" one's domain) appears
// in them, in any case, or they hold what could spell a host another way (an
// escape, a percent sign, a byte beyond ASCII), or they are too long to look
// at here. A false answer means nothing in them can be held back.
func (h *Handler) mayNameBlockedHost(lines []string) bool {
	var buf [2048]byte
	for _, line := range lines {
		if len(line) > len(buf) {
			return true
		}
		low := buf[:len(line)]
		for i := 0; i < len(line); i++ {
			c := line[i]
			switch {
			case c == '\\' || c == '%' || c >= 0x80:
				return true
			case 'A' <= c && c <= 'Z':
				c += 'a' - 'A'
			}
			low[i] = c
		}
		for _, host := range h.blockedHostNeedles {
			if bytes.Contains(low, host) {
				return true
			}
		}
	}
	return false
}

// blockedHostNeedles are the blockers' hosts as mayNameBlockedHost looks for
// them: lower case, a "*.domain" host's domain.
func blockedHostNeedles(hosts [][]string) [][]byte {
	var out [][]byte
	for _, list := range hosts {
		for _, host := range list {
			out = append(out, []byte(strings.TrimSuffix(strings.TrimPrefix(strings.ToLower(host), "*."), ".")))
		}
	}
	return out
}

// removedGroups are the reporting groups (Report-To) and endpoints
// (Reporting-Endpoints) a response had removed: NEL and a CSP's report-to
// naming one go too. all: a header was removed whole, its names unknown.
type removedGroups struct {
	names []string
	all   bool
}

func (g *removedGroups) any() bool { return g.all || len(g.names) > 0 }

func (g *removedGroups) has(name string) bool {
	return g.all || slices.Contains(g.names, name)
}

// remove records the names removed, less those that stay (a name given
// twice, once with an endpoint that may stay: it names that one then).
func (g *removedGroups) remove(removed, kept []string) {
	for _, n := range removed {
		if !slices.Contains(kept, n) {
			g.names = append(g.names, n)
		}
	}
}

// filterReportTo removes the Report-To groups with an endpoint on a held
// back host. Chromium reads the header (its lines joined with ", ") as the
// elements of a JSON array; every string in a group is read as a URL here,
// whatever its member, so that no spelling of a group hides an endpoint.
func (rw *responseWriter) filterReportTo(hdr http.Header, lines []string, gone *removedGroups) {
	joined := strings.Join(lines, ", ")
	var groups []json.RawMessage
	if err := json.Unmarshal([]byte("["+joined+"]"), &groups); err != nil {
		if rw.namesHeldHost(joined, "report-to header") {
			gone.all = true
			rw.deleteHeader(hdr, "Report-To")
		}
		return
	}
	var kept []string
	var keptNames, removedNames []string
	for _, g := range groups {
		cat, names := rw.scanJSON(g, "group", "report-to header")
		if cat != "" {
			removedNames = append(removedNames, names...)
			continue
		}
		keptNames = append(keptNames, names...)
		kept = append(kept, string(g))
	}
	if len(kept) == len(groups) {
		return
	}
	gone.remove(removedNames, keptNames)
	if rw.h.Mode == modeEnforce {
		setOrDelete(hdr, "Report-To", kept)
	}
}

// filterNEL removes NEL when its policy names a reporting group that was
// removed (report_to, "default" when not given), or when it cannot be read.
func (rw *responseWriter) filterNEL(hdr http.Header, gone *removedGroups) {
	for _, name := range [...]string{"Nel", "NEL"} {
		lines := hdr[name]
		if len(lines) == 0 {
			continue
		}
		var policies []json.RawMessage
		drop := json.Unmarshal([]byte("["+strings.Join(lines, ", ")+"]"), &policies) != nil
		for _, p := range policies {
			_, names := rw.scanJSON(p, "report_to", "")
			for _, n := range names {
				drop = drop || gone.has(n)
			}
		}
		if drop {
			rw.deleteHeader(hdr, name)
		}
	}
}

// scanJSON reads one JSON value: the category holding back a string in it
// read as a URL (none looked at when element is ""), and, if it is an
// object, the string values of its member key ("default" when it has none:
// the default group's name).
func (rw *responseWriter) scanJSON(raw []byte, key, element string) (cat string, names []string) {
	type frame struct{ object, wantKey bool }
	var stack []frame
	isObject, named := false, false
	member := "" // the last member name read at the top level
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	for {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		n := len(stack)
		if d, ok := tok.(json.Delim); ok {
			switch d {
			case '{', '[':
				if n == 0 && d == '{' {
					isObject = true
				}
				stack = append(stack, frame{object: d == '{', wantKey: true})
				continue
			}
			stack = stack[:n-1]
			n--
		} else if s, ok := tok.(string); ok {
			if n > 0 && stack[n-1].object && stack[n-1].wantKey {
				if n == 1 {
					member = s
				}
				stack[n-1].wantKey = false
				continue
			}
			if n == 1 && member == key {
				names, named = append(names, s), true
			}
			if cat == "" && element != "" {
				cat = rw.heldBack(s, element)
			}
		}
		if n > 0 && stack[n-1].object {
			stack[n-1].wantKey = true // a member's value read
		}
	}
	if isObject && !named {
		names = append(names, "default")
	}
	return cat, names
}

// filterReportingEndpoints removes the Reporting-Endpoints members whose URL
// is on a held back host. The header is a structured-field dictionary
// (RFC 8941); one that does not parse is removed whole if it names a held
// back host.
func (rw *responseWriter) filterReportingEndpoints(hdr http.Header, lines []string, gone *removedGroups) {
	joined := strings.Join(lines, ", ")
	members, ok := parseSFDictionary(joined)
	if !ok {
		if rw.namesHeldHost(joined, "reporting-endpoints header") {
			gone.all = true
			rw.deleteHeader(hdr, "Reporting-Endpoints")
		}
		return
	}
	var kept, keptNames, removedNames []string
	for _, m := range members {
		held := false
		for _, s := range m.strings {
			if rw.heldBack(s, "reporting-endpoints header") != "" {
				held = true
				break
			}
		}
		if held {
			removedNames = append(removedNames, m.key)
			continue
		}
		kept, keptNames = append(kept, m.raw), append(keptNames, m.key)
	}
	if len(kept) == len(members) {
		return
	}
	gone.remove(removedNames, keptNames)
	if rw.h.Mode == modeEnforce {
		setOrDelete(hdr, "Reporting-Endpoints", kept)
	}
}

// filterCSP filters the reporting destinations of each policy of a
// Content-Security-Policy(-Report-Only) header, and nothing else.
func (rw *responseWriter) filterCSP(hdr http.Header, name string, lines []string, gone *removedGroups) {
	var out []string
	for i, line := range lines {
		if v, changed := rw.filterCSPLine(line, gone); changed && out == nil {
			out = append(append(make([]string, 0, len(lines)), lines[:i]...), v)
		} else if out != nil {
			out = append(out, v)
		}
	}
	if out != nil && rw.h.Mode == modeEnforce {
		hdr[name] = out
	}
}

// filterCSPLine filters one header line: policies separated by ',',
// directives by ';' (a browser reads them so). In report-uri, the URLs on a
// held back host are removed, and the directive when none is left; a
// report-to naming a removed group goes (its reports would go to whatever
// the browser still keeps under that name, from an earlier response).
// Everything else is kept as it was.
func (rw *responseWriter) filterCSPLine(line string, gone *removedGroups) (string, bool) {
	if !hasSubstringFold(line, "report-") {
		return line, false
	}
	policies := strings.Split(line, ",")
	changed := false
	for pi, policy := range policies {
		directives := strings.Split(policy, ";")
		kept := directives[:0:0]
		for _, d := range directives {
			trimmed := strings.TrimLeft(d, " \t\n\r\f")
			nameEnd := strings.IndexAny(trimmed, " \t\n\r\f")
			if nameEnd < 0 {
				nameEnd = len(trimmed)
			}
			values := strings.FieldsFunc(trimmed[nameEnd:], isASCIISpace)
			switch strings.ToLower(trimmed[:nameEnd]) {
			case "report-uri":
				var urls []string
				for _, u := range values {
					if rw.heldBack(u, "csp report-uri") == "" {
						urls = append(urls, u)
					}
				}
				if len(urls) == len(values) {
					break
				}
				changed = true
				if len(urls) == 0 {
					continue
				}
				d = d[:len(d)-len(trimmed)] + trimmed[:nameEnd] + " " + strings.Join(urls, " ")
			case "report-to":
				if gone.any() && len(values) > 0 && gone.has(values[0]) {
					changed = true
					continue
				}
			}
			kept = append(kept, d)
		}
		policies[pi] = strings.Join(kept, ";")
	}
	if !changed {
		return line, false
	}
	return strings.Join(policies, ","), true
}

func isASCIISpace(r rune) bool {
	return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\f'
}

// hasSubstringFold reports whether s contains the lower-case ASCII sub, in any case.
func hasSubstringFold(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(sub)], sub) {
			return true
		}
	}
	return false
}

// filterSpeculationRules removes Speculation-Rules while the visitor refuses
// a category that has blockers: a ruleset (same-origin or not) may list a
// tracker's URLs, or have document rules that prefetch any link the page
// has, and the browser fetches them with no element to hold back.
// Speculation only makes navigations faster; without it nothing breaks.
func (rw *responseWriter) filterSpeculationRules(hdr http.Header, lines []string) {
	p := rw.h.policy
	for i := range p.Blockers {
		cat := p.Blockers[i].Category
		if rw.consent.Grants(p.CategoryIndex(cat)) {
			continue
		}
		ruleset := ""
		if _, rest, ok := strings.Cut(lines[0], `"`); ok {
			ruleset, _, _ = strings.Cut(rest, `"`)
		}
		h := rw.h
		if h.Mode == modeEnforce {
			h.metrics.elements.WithLabelValues(cat, "speculation-rules header").Inc()
		}
		h.observer.observe(observation{
			Kind: "element", Name: hostOf(ruleset), Category: cat, ClassifiedBy: "declared",
			Action: "blocked", Source: "server", Element: "speculation-rules header", Provider: hostOf(ruleset),
			Path: originalURL(rw.r).Path,
		}, time.Now())
		rw.deleteHeader(hdr, "Speculation-Rules")
		return
	}
}

// filterRefresh removes a Refresh header whose URL is on a held back host:
// the browser navigates there, from any response it shows (a text/plain
// one has no guard to stop it).
func (rw *responseWriter) filterRefresh(hdr http.Header, lines []string) {
	// Chromium reads the lines joined with ", " ("Refresh: 0" and "Refresh:
	// url=…" make one); each line alone is read too.
	if len(lines) > 1 {
		lines = append(lines[:len(lines):len(lines)], strings.Join(lines, ", "))
	}
	for _, line := range lines {
		for _, u := range refreshURLs(line) {
			if rw.heldBack(u, "refresh header") != "" {
				rw.deleteHeader(hdr, "Refresh")
				return
			}
		}
	}
}

// refreshURLs finds the URL of a Refresh value as Chromium reads it
// (ParseHTTPRefresh: a delay, then ';', ',' or whitespace, then the URL,
// after an optional "url =", in optional quotes up to the last matching
// one), and as the HTML standard reads it (up to the first matching quote).
// Both begin at the same place; either may be what a browser loads.
func refreshURLs(v string) []string {
	isWS := func(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' }
	pos := 0
	for pos < len(v) && isWS(v[pos]) {
		pos++
	}
	for pos < len(v) && v[pos] != ',' && v[pos] != ';' && !isWS(v[pos]) {
		pos++
	}
	if pos == len(v) {
		return nil // a delay alone: the page reloads itself
	}
	for pos < len(v) && isWS(v[pos]) {
		pos++
	}
	if pos < len(v) && (v[pos] == ',' || v[pos] == ';') {
		pos++
	}
	for pos < len(v) && isWS(v[pos]) {
		pos++
	}
	start := pos
	if len(v)-start >= 3 && strings.EqualFold(v[start:start+3], "url") {
		s := start + 3
		for s < len(v) && isWS(v[s]) {
			s++
		}
		if s < len(v) && v[s] == '=' {
			s++
			for s < len(v) && isWS(v[s]) {
				s++
			}
			start = s
		}
	}
	rest := v[start:]
	if rest == "" || rest[0] != '"' && rest[0] != '\'' {
		return []string{rest}
	}
	q := rest[0]
	rest = rest[1:]
	last, first := rest, rest
	if i := strings.LastIndexByte(rest, q); i > 0 {
		last = rest[:i]
	}
	if i := strings.IndexByte(rest, q); i >= 0 {
		first = rest[:i]
	}
	return []string{last, first}
}

// namesHeldHost reports whether text, which did not parse, names a host held
// back: any run of the characters of a host name (escapes undone, as a
// JSON or JavaScript-like parser would; percent-encoded and non-ASCII
// characters are read as the URL parser reads a host).
func (rw *responseWriter) namesHeldHost(text, element string) bool {
	if strings.IndexByte(text, '\\') >= 0 {
		text = unescapeForScan(text)
	}
	start := -1
	for i := 0; i <= len(text); i++ {
		if i < len(text) && isHostByte(text[i]) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			if rw.heldBack("//"+text[start:i], element) != "" {
				return true
			}
			start = -1
		}
	}
	return false
}

func isHostByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '.' || c == '-' || c == '_' || c == '%' || c >= 0x80
}

// unescapeForScan undoes backslash escapes: \uXXXX, \xXX and \c for any
// other character c.
func unescapeForScan(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		i++
		switch s[i] {
		case 'u':
			if i+4 < len(s) {
				if r, err := strconv.ParseUint(s[i+1:i+5], 16, 32); err == nil {
					b.WriteRune(rune(r))
					i += 4
					continue
				}
			}
		case 'x':
			if i+2 < len(s) {
				if r, err := strconv.ParseUint(s[i+1:i+3], 16, 8); err == nil {
					b.WriteRune(rune(r))
					i += 2
					continue
				}
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// deleteHeader removes a header in enforce mode.
func (rw *responseWriter) deleteHeader(hdr http.Header, name string) {
	if rw.h.Mode == modeEnforce {
		delete(hdr, name)
	}
}

// sfMember is one member of a structured-field dictionary: its text as
// written, its key, and the strings in its value and parameters.
type sfMember struct {
	raw, key string
	strings  []string
}

// parseSFDictionary parses a structured-field dictionary (RFC 8941 §4.2.2,
// with RFC 9651's dates and display strings); ok is false when it does not
// parse, as a browser would then ignore it.
func parseSFDictionary(s string) (members []sfMember, ok bool) {
	s = strings.Trim(s, " \t")
	p := &sfParser{s: s}
	for p.i < len(s) {
		start := p.i
		key, ok := p.key()
		if !ok {
			return nil, false
		}
		m := sfMember{key: key}
		if p.peek() == '=' {
			p.i++
			if p.peek() == '(' {
				if !p.innerList(&m) {
					return nil, false
				}
			} else if !p.bareItem(&m) {
				return nil, false
			}
		}
		if !p.params(&m) {
			return nil, false
		}
		m.raw = s[start:p.i]
		members = append(members, m)
		p.ows()
		if p.i == len(s) {
			break
		}
		if p.peek() != ',' {
			return nil, false
		}
		p.i++
		p.ows()
		if p.i == len(s) {
			return nil, false // a trailing comma
		}
	}
	return members, true
}

type sfParser struct {
	s string
	i int
}

func (p *sfParser) peek() byte {
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

func (p *sfParser) ows() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t') {
		p.i++
	}
}

func (p *sfParser) key() (string, bool) {
	start := p.i
	if c := p.peek(); !(c >= 'a' && c <= 'z' || c == '*') {
		return "", false
	}
	for p.i++; p.i < len(p.s); p.i++ {
		c := p.s[p.i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.' || c == '*') {
			break
		}
	}
	return p.s[start:p.i], true
}

func (p *sfParser) params(m *sfMember) bool {
	for p.peek() == ';' {
		p.i++
		for p.peek() == ' ' {
			p.i++
		}
		if _, ok := p.key(); !ok {
			return false
		}
		if p.peek() == '=' {
			p.i++
			if !p.bareItem(m) {
				return false
			}
		}
	}
	return true
}

func (p *sfParser) innerList(m *sfMember) bool {
	p.i++ // '('
	for {
		for p.peek() == ' ' {
			p.i++
		}
		if p.peek() == ')' {
			p.i++
			return p.params(m)
		}
		if !p.bareItem(m) || !p.params(m) {
			return false
		}
		if c := p.peek(); c != ' ' && c != ')' {
			return false
		}
	}
}

func (p *sfParser) bareItem(m *sfMember) bool {
	c := p.peek()
	switch {
	case c == '"':
		s, ok := p.str()
		if ok {
			m.strings = append(m.strings, s)
		}
		return ok
	case c == '%':
		p.i++
		if p.peek() != '"' {
			return false
		}
		_, ok := p.str()
		return ok
	case c == '-' || c >= '0' && c <= '9' || c == '@':
		p.i++
		n := 0
		for p.i < len(p.s) && (p.s[p.i] >= '0' && p.s[p.i] <= '9' || p.s[p.i] == '.' || p.s[p.i] == '-') {
			p.i++
			n++
		}
		return n > 0 || c != '-' && c != '@'
	case c == '*' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
		for p.i++; p.i < len(p.s); p.i++ {
			if c := p.s[p.i]; !isTokenChar(c) && c != ':' && c != '/' {
				break
			}
		}
		return true
	case c == ':':
		end := strings.IndexByte(p.s[p.i+1:], ':')
		if end < 0 {
			return false
		}
		p.i += end + 2
		return true
	case c == '?':
		if p.i+1 < len(p.s) && (p.s[p.i+1] == '0' || p.s[p.i+1] == '1') {
			p.i += 2
			return true
		}
	}
	return false
}

// str reads an sf-string: printable ASCII, with \" and \\ only.
func (p *sfParser) str() (string, bool) {
	var b strings.Builder
	for p.i++; p.i < len(p.s); p.i++ {
		c := p.s[p.i]
		switch {
		case c == '\\':
			p.i++
			if p.i == len(p.s) || p.s[p.i] != '"' && p.s[p.i] != '\\' {
				return "", false
			}
			b.WriteByte(p.s[p.i])
		case c == '"':
			p.i++
			return b.String(), true
		case c < 0x20 || c > 0x7e:
			return "", false
		default:
			b.WriteByte(c)
		}
	}
	return "", false
}

// isTokenChar: an RFC 9110 tchar.
func isTokenChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}
