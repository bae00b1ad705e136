package policy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
	"golang.org/x/net/idna"
	"golang.org/x/net/publicsuffix"
)

// Problem is one error or warning about a policy file, with its place.
type Problem struct {
	File string
	Line int
	Msg  string
}

func (p Problem) Error() string {
	if p.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Msg)
	}
	return p.File + ": " + p.Msg
}

// Problems are all the errors found in one policy file, in file order.
type Problems []Problem

func (ps Problems) Error() string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = p.Error()
	}
	return strings.Join(s, "\n")
}

// LoadFile reads and validates a policy file.
func LoadFile(path string) (*Policy, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading policy: %w", err)
	}
	return Parse(data, path)
}

var (
	idRE   = regexp.MustCompile(`^[a-z0-9_-]+$`)
	langRE = regexp.MustCompile(`^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$`)
	hostRE = regexp.MustCompile(`^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$`)
)

// yamlParserProblems are the messages of yaml.v3's parser, which numbers lines
// from 0 (its scanner numbers them from 1): "line 2: did not find expected key"
// is about line 3.
var yamlParserProblems = []string{
	"did not find expected <stream-start>", "did not find expected <document start>",
	"did not find expected node content", "did not find expected '-' indicator",
	"did not find expected key", "did not find expected ',' or ']'", "did not find expected ',' or '}'",
	"found undefined tag handle", "found duplicate %YAML directive", "found duplicate %TAG directive",
	"found incompatible YAML document",
}

// blockIndentProblems are the parser's messages for a line of a block list or
// mapping that is indented unlike its neighbours.
var blockIndentProblems = []string{"did not find expected '-' indicator", "did not find expected key"}

// The built-in categories in their usual display order.
var builtinCategories = []string{Necessary, "preferences", "statistics", "marketing"}

// Parse reads and validates a policy (YAML, or JSON, which is YAML too).
// name is used in messages. The error is a Problems listing every error found.
func Parse(data []byte, name string) (*Policy, error) {
	l := &loader{file: name}
	root, second, err := readDocument(data)
	if err != nil {
		return nil, Problems{yamlProblem(data, name, err)}
	}
	if root == nil {
		return nil, Problems{{name, 0, "the policy is empty (it needs at least version: 1 and categories)"}}
	}
	if second != nil {
		l.errorf(second, "a second YAML document starts here: a policy is one YAML document, and this one would be ignored; remove the --- (or ...) above it to make it part of the policy")
	}
	if aliases := aliasesIn(root, nil); len(aliases) > 0 {
		// What an alias stands for is not read, so every error about its
		// value would only repeat this one.
		for i, a := range aliases {
			if i == 0 || a.Line != aliases[i-1].Line {
				l.errorf(a, "anchors and aliases (&name, *name, <<) are not supported in a policy: write the value out")
			}
		}
		l.sortErrors()
		return nil, l.errs
	}
	p := l.policy(root)
	if len(l.errs) > 0 {
		l.sortErrors()
		return nil, l.errs
	}
	return p, nil
}

// readDocument returns the content of the policy's YAML document, nil for an
// empty file, and the first further document, if any: a policy is one
// document, and yaml.Unmarshal would read the first and silently drop the
// rest. Documents with nothing in them (a lone trailing --- or ...) count as
// none.
func readDocument(data []byte) (root, second *yaml.Node, err error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var doc yaml.Node
		if err := dec.Decode(&doc); err == io.EOF {
			return root, nil, nil
		} else if err != nil {
			return nil, nil, err
		}
		if len(doc.Content) == 0 || isEmptyDocument(doc.Content[0]) {
			continue
		}
		if root != nil {
			return root, &doc, nil
		}
		root = doc.Content[0]
	}
}

// isEmptyDocument reports whether n is the null of a document with nothing
// written in it: a written null (~, null) is content, if odd.
func isEmptyDocument(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null" && n.Value == ""
}

// aliasesIn appends the nodes under n that refer to an anchor: aliases (*name)
// and merge keys (<<). It does not follow them, so a document of aliases of
// aliases (an alias bomb) costs no more than its text.
func aliasesIn(n *yaml.Node, found []*yaml.Node) []*yaml.Node {
	switch n.Kind {
	case yaml.AliasNode:
		return append(found, n)
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Tag == "!!merge" {
				found = append(found, n.Content[i])
				continue
			}
			found = aliasesIn(n.Content[i], found)
			found = aliasesIn(n.Content[i+1], found)
		}
		return found
	}
	for _, c := range n.Content {
		found = aliasesIn(c, found)
	}
	return found
}

// yamlProblem turns an error of the YAML parser into a Problem at the line
// the mistake is on, as nearly as can be told.
func yamlProblem(data []byte, name string, err error) Problem {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		return Problem{name, 0, err.Error()}
	}
	line, msg := yamlErrorLine(err)
	if tab := leadingTabLine(data, line+1); tab > 0 {
		// yaml's own words ("found character that cannot start any token")
		// do not say that the invisible tab is the problem.
		return Problem{name, tab, "a tab indents this line: tabs are not allowed for indentation in YAML; indent with spaces"}
	}
	if strings.Contains(msg, "UTF-8") && !utf8.Valid(data) {
		return invalidUTF8Problem(data, name)
	}
	if slices.Contains(yamlParserProblems, msg) {
		if at := lineOfParserProblem(data, line, msg); at != line {
			where := fmt.Sprintf(" (in the list or mapping that begins on line %d)", line)
			if slices.Contains(blockIndentProblems, msg) {
				where += ": check this line's indentation against the lines above it"
			}
			return Problem{name, at, "not valid YAML: " + msg + where}
		}
	}
	return Problem{name, line, "not valid YAML: " + msg}
}

// yamlErrorLine splits one of yaml's messages, "yaml: line N: ...", into the
// line (numbered from 1) and the message.
func yamlErrorLine(err error) (line int, msg string) {
	msg = strings.TrimPrefix(err.Error(), "yaml: ")
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if n, after, ok := strings.Cut(rest, ": "); ok {
			line, _ = strconv.Atoi(n)
			msg = after
		}
	}
	if slices.Contains(yamlParserProblems, msg) {
		line++
	}
	return line, msg
}

// lineOfParserProblem finds the line of a parser error that yaml.v3 reports at
// the start of the enclosing list or mapping rather than at the line that
// broke it ("did not find expected '-' indicator" on the list's first line when
// an entry's key is indented wrongly ten lines down). That line is the first
// whose inclusion makes the text fail so: found by parsing ever longer
// beginnings of the file, a few times, and only for a file that did not load.
// When the answer does not check out, yaml's own line stands.
func lineOfParserProblem(data []byte, yamlLine int, msg string) int {
	lineEnds := []int{}
	for i, b := range data {
		if b == '\n' {
			lineEnds = append(lineEnds, i+1)
		}
	}
	if len(data) > 0 && data[len(data)-1] != '\n' {
		lineEnds = append(lineEnds, len(data))
	}
	failsSo := func(lines int) bool {
		if lines < 1 {
			return false
		}
		_, _, err := readDocument(data[:lineEnds[lines-1]])
		if err == nil {
			return false
		}
		_, m := yamlErrorLine(err)
		return m == msg
	}
	lo, hi := max(yamlLine, 1), len(lineEnds)
	if lo > hi {
		return yamlLine
	}
	for lo < hi {
		mid := (lo + hi) / 2
		if failsSo(mid) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	if lo == yamlLine || !failsSo(lo) || failsSo(lo-1) {
		return yamlLine
	}
	return lo
}

// invalidUTF8Problem reports the first byte that is not UTF-8, where yaml only
// says "invalid trailing UTF-8 octet": usually a file saved as Latin-1 or
// Windows-1252, whose å, ä and ö are single bytes.
func invalidUTF8Problem(data []byte, name string) Problem {
	at := 0
	for at < len(data) {
		r, size := utf8.DecodeRune(data[at:])
		if r == utf8.RuneError && size <= 1 {
			break
		}
		at += size
	}
	lineStart := bytes.LastIndexByte(data[:at], '\n') + 1
	line := 1 + bytes.Count(data[:at], []byte("\n"))
	column := 1 + utf8.RuneCount(data[lineStart:at])
	b := data[at] // the caller saw that the data is not all UTF-8
	latin1 := ""
	if b >= 0xa0 {
		latin1 = fmt.Sprintf(" (%c in Latin-1)", rune(b))
	}
	return Problem{name, line, fmt.Sprintf("not valid UTF-8: byte 0x%02x in column %d%s; a policy is read as UTF-8: save the file as UTF-8", b, column, latin1)}
}

// leadingTabLine returns the first line, up to and including line upTo, whose
// indentation contains a tab, or 0.
func leadingTabLine(data []byte, upTo int) int {
	for n, line := range strings.Split(string(data), "\n") {
		if n+1 > upTo {
			break
		}
		indent := line[:len(line)-len(strings.TrimLeft(line, " \t"))]
		if strings.Contains(indent, "\t") {
			return n + 1
		}
	}
	return 0
}

type loader struct {
	file string
	errs Problems
	// categoriesBroken is set when the categories could not all be read (a
	// misspelt key, an entry without a usable id): "unknown category" errors
	// would then only repeat that one mistake.
	categoriesBroken bool
	// textLanguages are the language keys of every text read, checked against
	// the policy's languages once those are known (languages may come last).
	textLanguages []textLanguage
	// languagesBroken is set when languages could not be read as written:
	// the texts' languages are then not checked against a list that is not
	// the one meant.
	languagesBroken bool
}

// textLanguage is the language key of a text, and whose text it is.
type textLanguage struct {
	key  *yaml.Node
	what string // "texts.banner_title", `cookie "_ga": purpose`
}

func (l *loader) sortErrors() {
	sort.SliceStable(l.errs, func(i, j int) bool { return l.errs[i].Line < l.errs[j].Line })
}

func (l *loader) errorf(n *yaml.Node, format string, args ...any) {
	line := 0
	if n != nil {
		line = n.Line
	}
	l.errs = append(l.errs, Problem{l.file, line, fmt.Sprintf(format, args...)})
}

// fields walks a mapping node, calling the handler of each key; unknown keys are
// errors, since a misspelt key silently ignored would leave a site believing it
// configured something it did not. The error suggests the nearest known key, or
// lists them all. missed holds the known keys that unknown ones were probably
// meant as, so that the caller does not report their absence as well: one
// misspelling is one error, not one more for everything that followed from it.
// ok is false when n is not a mapping.
func (l *loader) fields(n *yaml.Node, what string, handlers map[string]func(*yaml.Node)) (missed map[string]bool, ok bool) {
	missed = map[string]bool{}
	if n.Kind != yaml.MappingNode {
		l.errorf(n, "%s must be a mapping of keys to values", what)
		return missed, false
	}
	seen := map[string]bool{}
	known := make([]string, 0, len(handlers))
	for name := range handlers {
		known = append(known, name)
	}
	sort.Strings(known)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		h, ok := handlers[k.Value]
		switch {
		case !ok:
			if near := Nearest(k.Value, known); near != "" {
				missed[near] = true
				l.errorf(k, "%s: unknown key %q: did you mean %s?", what, k.Value, near)
			} else {
				l.errorf(k, "%s: unknown key %q (known: %s)", what, k.Value, strings.Join(known, ", "))
			}
		case seen[k.Value]:
			l.errorf(k, "%s: key %q given twice", what, k.Value)
		default:
			seen[k.Value] = true
			h(v)
		}
	}
	return missed, true
}

// Nearest returns the word of known that s is most likely a misspelling of: at
// an edit distance of at most a third of its length (two for short words),
// letter case and - versus _ aside, or else the only longer word that begins
// with the same four letters (an abbreviation); "" when none is that close.
func Nearest(s string, known []string) string {
	norm := func(w string) string { return strings.ReplaceAll(strings.ToLower(w), "-", "_") }
	best, bestDist := "", -1
	for _, k := range known {
		d := editDistance(norm(s), norm(k))
		limit := max(2, len(k)/3)
		if d <= limit && (bestDist < 0 || d < bestDist) {
			best, bestDist = k, d
		}
	}
	if best != "" || len(s) < 4 {
		return best
	}
	// An abbreviation ("stats", "pref"): the one known word that begins alike.
	for _, k := range known {
		if len(k) > len(s) && strings.HasPrefix(norm(k), norm(s[:4])) {
			if best != "" {
				return ""
			}
			best = k
		}
	}
	return best
}

// editDistance is the Damerau-Levenshtein distance (optimal string alignment):
// insertions, deletions, substitutions and swaps of neighbours each count one.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}

func (l *loader) str(n *yaml.Node, what string, dst *string) {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		l.errorf(n, "%s must be a string", what)
		return
	}
	*dst = n.Value
}

func (l *loader) integer(n *yaml.Node, what string, dst *int) {
	v, err := strconv.Atoi(n.Value)
	if n.Kind != yaml.ScalarNode || err != nil || v < 0 {
		l.errorf(n, "%s must be a whole number ≥ 0, not %q", what, n.Value)
		return
	}
	*dst = v
}

func (l *loader) boolean(n *yaml.Node, what string, dst *bool) {
	if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" {
		l.errorf(n, "%s must be true or false, not %q", what, n.Value)
		return
	}
	*dst = n.Value == "true"
}

func (l *loader) list(n *yaml.Node, what string) []*yaml.Node {
	if n.Kind != yaml.SequenceNode {
		l.errorf(n, "%s must be a list", what)
		return nil
	}
	return n.Content
}

func (l *loader) strings(n *yaml.Node, what string) []string {
	var out []string
	for _, item := range l.list(n, what) {
		var s string
		l.str(item, what+" entry", &s)
		out = append(out, s)
	}
	return out
}

// text reads either a plain string (in every language) or {lang: text}.
func (l *loader) text(n *yaml.Node, what string) Text {
	t := Text{}
	if n.Kind == yaml.ScalarNode {
		t["*"] = n.Value
		return t
	}
	if n.Kind != yaml.MappingNode {
		l.errorf(n, "%s must be a text or a mapping of language to text, e.g. {sv: \"...\", en: \"...\"}", what)
		return t
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if !langRE.MatchString(k.Value) {
			l.errorf(k, "%s: %q is not a language code (e.g. sv, en)", what, k.Value)
			continue
		}
		l.str(v, what+"."+k.Value, new(string))
		t[k.Value] = v.Value
		l.textLanguages = append(l.textLanguages, textLanguage{k, what})
	}
	return t
}

// whose prefixes the texts read since the mark'th with their owner, once it
// is known (a cookie's purpose may come before its name).
func (l *loader) whose(mark int, owner string) {
	for i := mark; i < len(l.textLanguages); i++ {
		l.textLanguages[i].what = owner + ": " + l.textLanguages[i].what
	}
}

// checkTextLanguages reports texts in a language the policy does not list:
// the banner and the declaration page show only the policy's languages, so
// such a text would never be shown, and the site would believe it was.
func (l *loader) checkTextLanguages(p *Policy, languagesGiven bool) {
	if l.languagesBroken {
		return
	}
	listed := strings.Join(p.Languages, ", ")
	if !languagesGiven {
		listed += ", the default when languages is not given"
	}
	for _, t := range l.textLanguages {
		lang := t.key.Value
		if slices.Contains(p.Languages, lang) {
			continue
		}
		advice := "correct the language, or add it to languages"
		if near := nearestLanguage(lang, p.Languages); near != "" {
			advice = "did you mean " + near + "?"
		}
		l.errorf(t.key, "%s: %q is not one of the policy's languages (%s), so this text would never be shown: %s", t.what, lang, listed, advice)
	}
}

// countryLanguages are country codes written where a language code belongs,
// for the languages whose codes differ: Sweden is se, Swedish sv.
var countryLanguages = map[string]string{
	"se": "sv", "dk": "da", "gb": "en", "uk": "en", "us": "en", "jp": "ja", "cz": "cs",
	"gr": "el", "ee": "et", "si": "sl", "ua": "uk", "cn": "zh", "kr": "ko", "il": "he", "vn": "vi",
}

// nearestLanguage returns the language of listed that lang was probably meant
// as: the language of a country code, the same language with or without a
// region (en-GB, en), or one letter away; "" when none is.
func nearestLanguage(lang string, listed []string) string {
	if l, ok := countryLanguages[lang]; ok && slices.Contains(listed, l) {
		return l
	}
	base, _, _ := strings.Cut(lang, "-")
	for _, l := range listed {
		lBase, _, _ := strings.Cut(l, "-")
		if strings.EqualFold(l, lang) || lBase == base {
			return l
		}
	}
	best := ""
	for _, l := range listed {
		if editDistance(lang, l) == 1 {
			if best != "" {
				return "" // two as near: no guess
			}
			best = l
		}
	}
	return best
}

// duration reads a duration; what names whose it is (`cookie "_ga"`,
// `consent.max_age`), since "unit m is ambiguous" alone does not say where.
// ifZero, appended to the message about a zero length, says what to write
// instead, which depends on whose duration it is.
func (l *loader) duration(n *yaml.Node, what, ifZero string) Duration {
	if n.Kind != yaml.ScalarNode {
		l.errorf(n, "%s: a duration must be a string such as 30d, \"2 years\" or session", what)
		return Duration{}
	}
	d, err := ParseDuration(n.Value)
	switch {
	case errors.As(err, new(zeroDurationError)):
		l.errorf(n, "%s: %v%s", what, err, ifZero)
	case err != nil:
		l.errorf(n, "%s: %v", what, err)
	}
	return d
}

func (l *loader) policy(root *yaml.Node) *Policy {
	p := &Policy{File: l.file, Revision: 1, Undeclared: "block", Languages: []string{"en"}}
	p.Consent = ConsentCookie{Name: "cookie_consent", MaxAge: Duration{Kind: Fixed, Len: 182 * 24 * 3600e9, Text: "182d"}}
	var catNodes, cookieNodes, blockerNodes []*yaml.Node
	var versionNode *yaml.Node
	languagesGiven := false
	missed, ok := l.fields(root, "policy", map[string]func(*yaml.Node){
		"version": func(n *yaml.Node) {
			// A version that is not a number is reported by integer; keeping 1
			// avoids a second, confusing "version 0 is not supported".
			versionNode, p.Version = n, 1
			l.integer(n, "version", &p.Version)
		},
		"revision": func(n *yaml.Node) { l.integer(n, "revision", &p.Revision) },
		"languages": func(n *yaml.Node) {
			languagesGiven = true
			errsBefore := len(l.errs)
			defer func() { l.languagesBroken = len(l.errs) > errsBefore }()
			p.Languages = l.strings(n, "languages")
			for i, lang := range p.Languages {
				if !langRE.MatchString(lang) {
					l.errorf(n.Content[i], "languages: %q is not a language code (e.g. sv, en)", lang)
				}
			}
			if n.Kind == yaml.SequenceNode && len(p.Languages) == 0 {
				l.errorf(n, "languages: list at least one language; the first is the default")
			}
		},
		"site": func(n *yaml.Node) {
			p.Site.Line = n.Line
			l.fields(n, "site", map[string]func(*yaml.Node){
				"name": func(n *yaml.Node) { l.str(n, "site.name", &p.Site.Name) },
				"privacy_policy_url": func(n *yaml.Node) {
					p.Site.Line = n.Line
					l.str(n, "site.privacy_policy_url", &p.Site.PrivacyPolicyURL)
					if u, err := url.Parse(p.Site.PrivacyPolicyURL); err != nil || !(u.Scheme == "https" || u.Scheme == "http" || (u.Scheme == "" && strings.HasPrefix(u.Path, "/"))) {
						l.errorf(n, "site.privacy_policy_url: %q must be an http(s) URL or a path starting with /", p.Site.PrivacyPolicyURL)
					}
				},
			})
		},
		"consent": func(n *yaml.Node) {
			l.fields(n, "consent", map[string]func(*yaml.Node){
				"cookie": func(n *yaml.Node) {
					l.str(n, "consent.cookie", &p.Consent.Name)
					if validPattern(p.Consent.Name) != "" || isPattern(p.Consent.Name) || strings.ContainsAny(p.Consent.Name, " ,\"\\") {
						l.errorf(n, "consent.cookie: %q is not a usable cookie name (letters, digits and _-.)", p.Consent.Name)
					}
				},
				"max_age": func(n *yaml.Node) {
					p.Consent.Line = n.Line
					p.Consent.MaxAge = l.duration(n, "consent.max_age", ", so no choice would be kept and the banner would ask again on every page; write how long a choice is kept, e.g. 182d")
					if p.Consent.MaxAge.Kind == Session || p.Consent.MaxAge.Kind == Persistent {
						l.errorf(n, "consent.max_age must be a length such as 182d (browsers cap cookies at 400 days)")
					}
				},
				"domain": func(n *yaml.Node) {
					l.str(n, "consent.domain", &p.Consent.Domain)
					d := strings.TrimPrefix(p.Consent.Domain, ".")
					switch {
					case p.Consent.Domain == "":
					case !hostRE.MatchString(d) || strings.HasPrefix(d, "*."):
						l.errorf(n, "consent.domain: %q is not a domain such as .example.se", p.Consent.Domain)
					case publicSuffix(d) != "":
						// Browsers refuse a cookie whose Domain is a public
						// suffix: the consent cookie would never be stored.
						l.errorf(n, "consent.domain: %q: %s is a public suffix, under which anyone registers a site, and browsers refuse a cookie for it, so no choice would ever be kept; write the site's own domain, e.g. .example.%s", p.Consent.Domain, d, d)
					case !strings.Contains(d, "."):
						l.errorf(n, "consent.domain: %q is not a domain such as .example.se", p.Consent.Domain)
					}
				},
			})
		},
		"undeclared": func(n *yaml.Node) {
			l.str(n, "undeclared", &p.Undeclared)
			if p.Undeclared != "block" && p.Undeclared != "allow" {
				l.errorf(n, "undeclared must be block or allow, not %q", p.Undeclared)
			}
		},
		"notice_only": func(n *yaml.Node) { l.boolean(n, "notice_only", &p.NoticeOnly) },
		"categories": func(n *yaml.Node) {
			catNodes = l.list(n, "categories")
			l.categoriesBroken = n.Kind != yaml.SequenceNode
		},
		"cookies":  func(n *yaml.Node) { cookieNodes = l.list(n, "cookies") },
		"blockers": func(n *yaml.Node) { blockerNodes = l.list(n, "blockers") },
		"texts": func(n *yaml.Node) {
			p.Texts = map[string]Text{}
			handlers := map[string]func(*yaml.Node){}
			for _, k := range TextKeys {
				handlers[k] = func(v *yaml.Node) { p.Texts[k] = l.text(v, "texts."+k) }
			}
			l.fields(n, "texts", handlers)
		},
	})
	if !ok {
		return nil
	}
	// A misspelt categories key leaves every category unread; the cookies and
	// blockers that name them are not wrong. Likewise the texts in the
	// languages of a misspelt languages key.
	l.categoriesBroken = l.categoriesBroken || missed["categories"]
	l.languagesBroken = l.languagesBroken || missed["languages"]
	switch {
	case versionNode == nil && missed["version"]:
		// The misspelling is the error.
	case versionNode == nil:
		l.errorf(root, "version: missing; write version: 1 at the top")
	case p.Version != 1:
		l.errorf(versionNode, "version %d is not supported (this build reads version 1)", p.Version)
	}
	l.categories(p, catNodes)
	for _, n := range cookieNodes {
		l.cookie(p, n)
	}
	for _, n := range blockerNodes {
		l.blocker(p, n)
	}
	l.checkTextLanguages(p, languagesGiven)
	if p.NoticeOnly {
		for _, c := range p.Cookies {
			if c.Category != Necessary {
				l.errorf(&yaml.Node{Line: c.Lines.Category}, "cookie %q is %s, but notice_only: true says only necessary cookies exist; ask for consent (remove notice_only) or recategorise", c.Name, c.Category)
			}
		}
	}
	if c, ok := p.DeclaredCookie(p.Consent.Name); ok && c.Category != Necessary {
		l.errorf(&yaml.Node{Line: c.Lines.Category}, "cookie %q is the consent cookie, which is always necessary", c.Name)
	}
	return p
}

func (l *loader) categories(p *Policy, nodes []*yaml.Node) {
	add := func(c Category) {
		p.categoryIDs = append(p.categoryIDs, c.ID)
		p.Categories = append(p.Categories, c)
	}
	add(Category{ID: Necessary}) // always first, always granted
	for _, n := range nodes {
		var c Category
		c.Line = n.Line
		idNode := n
		texts := len(l.textLanguages)
		missed, _ := l.fields(n, "category", map[string]func(*yaml.Node){
			"id":          func(n *yaml.Node) { idNode = n; l.str(n, "category id", &c.ID) },
			"title":       func(n *yaml.Node) { c.Title = l.text(n, "title") },
			"description": func(n *yaml.Node) { c.Description = l.text(n, "description") },
		})
		if c.ID != "" {
			l.whose(texts, fmt.Sprintf("category %q", c.ID))
		}
		switch {
		case c.ID == "":
			l.categoriesBroken = true
			if !missed["id"] && n.Kind == yaml.MappingNode {
				l.errorf(n, "category: id missing")
			}
		case !idRE.MatchString(c.ID):
			l.categoriesBroken = true
			l.errorf(idNode, "category id %q: use lower-case letters, digits, _ and -", c.ID)
		case c.ID == Unclassified:
			l.errorf(idNode, "category id %q is reserved for cookies not yet classified; declare such cookies with category: unclassified instead", c.ID)
		case c.ID == Necessary:
			p.Categories[0].Title, p.Categories[0].Description, p.Categories[0].Line = c.Title, c.Description, c.Line
		case p.CategoryIndex(c.ID) >= 0:
			l.errorf(idNode, "category %q is listed twice", c.ID)
		case len(p.Categories) == 63:
			l.errorf(n, "too many categories (at most 63)")
		default:
			if !slices.Contains(builtinCategories, c.ID) {
				for _, lang := range p.Languages {
					if c.Title.In(lang) == "" || c.Description.In(lang) == "" {
						l.errorf(n, "category %q has no built-in texts: give title and description in %s", c.ID, strings.Join(p.Languages, ", "))
						break
					}
				}
			}
			add(c)
		}
	}
}

func (l *loader) known(p *Policy) string {
	ids := append(p.CategoryIDs(), Unclassified)
	return strings.Join(ids, ", ")
}

// unknownCategory reports a category a cookie or blocker names that the policy
// does not list, unless the categories could not all be read.
func (l *loader) unknownCategory(n *yaml.Node, who, id string, known []string) {
	if l.categoriesBroken {
		return
	}
	msg := fmt.Sprintf("%s: unknown category %q", who, id)
	if near := Nearest(id, known); near != "" {
		msg += fmt.Sprintf(": did you mean %s?", near)
	}
	l.errorf(n, "%s (known: %s)", msg, strings.Join(known, ", "))
}

func (l *loader) cookie(p *Policy, n *yaml.Node) {
	c := Cookie{Line: n.Line, Type: "http"}
	var nameNode, catNode, typeNode, durNode *yaml.Node
	texts := len(l.textLanguages)
	missed, ok := l.fields(n, "cookie", map[string]func(*yaml.Node){
		"name":     func(n *yaml.Node) { nameNode = n; l.str(n, "cookie name", &c.Name) },
		"category": func(n *yaml.Node) { catNode = n; l.str(n, "cookie category", &c.Category) },
		"provider": func(n *yaml.Node) { c.Lines.Provider = n.Line; l.str(n, "cookie provider", &c.Provider) },
		"type":     func(n *yaml.Node) { typeNode = n; l.str(n, "cookie type", &c.Type) },
		"duration": func(n *yaml.Node) { durNode = n },
		"purpose":  func(n *yaml.Node) { c.Purpose = l.text(n, "purpose") },
		"used_by":  func(n *yaml.Node) { c.UsedBy = l.text(n, "used_by") },
		"transfer": func(n *yaml.Node) {
			c.Transfer = &Transfer{}
			l.fields(n, "transfer", map[string]func(*yaml.Node){
				"country":  func(n *yaml.Node) { l.str(n, "transfer.country", &c.Transfer.Country) },
				"adequate": func(n *yaml.Node) { l.boolean(n, "transfer.adequate", &c.Transfer.Adequate) },
			})
		},
	})
	if !ok {
		return
	}
	// Each value's problem is reported at the value's own line.
	at := func(v *yaml.Node) *yaml.Node {
		if v != nil {
			return v
		}
		return n
	}
	c.Lines.Name, c.Lines.Category, c.Lines.Duration = at(nameNode).Line, at(catNode).Line, at(durNode).Line
	if c.Lines.Provider == 0 {
		c.Lines.Provider = n.Line
	}
	if nameNode == nil && missed["name"] {
		return // the misspelt key is the error
	}
	where := fmt.Sprintf("cookie %q", c.Name)
	if c.Name != "" {
		l.whose(texts, where)
	}
	if why := validPattern(c.Name); why != "" {
		l.errorf(at(nameNode), "cookie name %q: %s", c.Name, why)
		return
	}
	if typeNode != nil && c.Type != "http" && c.Type != "html" && c.Type != "pixel" {
		l.errorf(typeNode, "%s: type %q: use http (Set-Cookie), html (browser storage or document.cookie) or pixel", where, c.Type)
	}
	if durNode != nil {
		c.Duration = l.duration(durNode, where, "; write session if it should last until the browser closes, or how long it is kept")
	} else if !missed["duration"] {
		l.errorf(n, "%s: duration missing (e.g. session, 30d, \"2 years\", persistent)", where)
	}
	switch {
	case c.Category == "" && missed["category"]:
		return
	case c.Category == "" && catNode == nil:
		l.errorf(n, "%s: category missing (known: %s)", where, l.known(p))
		return
	case c.Category == "":
		if catNode.Kind == yaml.ScalarNode && catNode.Tag != "!!null" { // a null was reported as not a string
			l.errorf(catNode, "%s: category is empty (known: %s)", where, l.known(p))
		}
		return
	case c.Category != Unclassified && p.CategoryIndex(c.Category) < 0:
		l.unknownCategory(catNode, where, c.Category, append(p.CategoryIDs(), Unclassified))
		return
	}
	if err := p.declared.Add(c.Name, len(p.Cookies)); err != nil {
		// Add refuses only the very same text; Lookup could return a broader
		// pattern that merely matches that text.
		prev := p.Cookies[slices.IndexFunc(p.Cookies, func(d Cookie) bool { return d.Name == c.Name })]
		l.errorf(at(nameNode), "%s is declared twice (line %d, category %s, and here, category %s): keep one", where, prev.Line, prev.Category, c.Category)
		return
	}
	p.Cookies = append(p.Cookies, c)
}

// CheckBlockerHost says why host cannot be written in a blocker's hosts, or
// returns nil when it can. A blocker host is a host name of letters a-z (in
// either case), digits, - and dots, optionally with *. before it, that is not
// a public suffix and whose wildcard's base is not one. It is the loader's rule
// for blockers[].hosts and draft's for the hosts it proposes, so that the two
// cannot drift apart; the error is the reason alone, without the host.
func CheckBlockerHost(host string) error {
	h := strings.ToLower(host)
	if !hostRE.MatchString(h) {
		reason := "write a host name such as www.googletagmanager.com or *.google-analytics.com (no scheme or path)"
		bare := strings.TrimSuffix(h, ".")
		switch {
		case bare != h && hostRE.MatchString(bare):
			reason += "; write it without the final dot: " + bare
		case !isASCII(h):
			if ascii, err := idna.Lookup.ToASCII(strings.TrimPrefix(h, "*.")); err == nil && hostRE.MatchString(ascii) {
				if strings.HasPrefix(h, "*.") {
					ascii = "*." + ascii
				}
				reason += "; a name with letters outside a-z is written in its ASCII form: " + ascii
			} else {
				reason += "; a name with letters outside a-z is written in its ASCII form (xn--...)"
			}
		}
		return errors.New(reason)
	}
	if suffix := publicSuffix(h); suffix != "" {
		if strings.HasPrefix(h, "*.") {
			return fmt.Errorf("%s is a public suffix, under which anyone registers a site, so this would hold back the elements of every site under it, this site's own included; name the tracker's own domain, e.g. *.tracker.%s", suffix, suffix)
		}
		return fmt.Errorf("%s is a public suffix, not a site's host; name the host that serves the elements, e.g. tracker.%s", suffix, suffix)
	}
	return nil
}

// publicSuffix returns the domain of a blocker host ("*.co.uk", "com") when
// it is a public suffix, one under which anyone can register a site, or "".
// The list's default rule makes any unlisted top-level name a suffix too; such
// names (localhost, intranet) are no one's registry, so only a listed suffix
// counts: an ICANN one, or a private one of more than one label (github.io).
// An IP address is no one's suffix (the list's code reports 127.0.0.1 as one).
func publicSuffix(host string) string {
	domain := strings.TrimPrefix(host, "*.")
	if net.ParseIP(domain) != nil {
		return ""
	}
	suffix, icann := publicsuffix.PublicSuffix(domain)
	if suffix == domain && (icann || strings.Contains(suffix, ".")) {
		return domain
	}
	return ""
}

func (l *loader) blocker(p *Policy, n *yaml.Node) {
	if p.blockHosts == nil {
		p.blockHosts = map[string]int{}
	}
	b := Blocker{Line: n.Line}
	var catNode, hostsNode, inlineNode *yaml.Node
	missed, ok := l.fields(n, "blocker", map[string]func(*yaml.Node){
		"category": func(n *yaml.Node) { catNode = n; l.str(n, "blocker category", &b.Category) },
		"hosts":    func(n *yaml.Node) { hostsNode = n; b.Hosts = l.strings(n, "blocker hosts") },
		"inline":   func(n *yaml.Node) { inlineNode = n; b.Inline = l.strings(n, "blocker inline") },
	})
	if !ok {
		return
	}
	if catNode == nil {
		catNode = n
	}
	switch {
	case b.Category == "" && missed["category"]:
		return
	case b.Category == Necessary:
		l.errorf(catNode, "blocker: category necessary is always granted, so it would block nothing")
		return
	case p.CategoryIndex(b.Category) < 0:
		if b.Category == "" {
			l.errorf(n, "blocker: category missing (known: %s)", strings.Join(p.CategoryIDs()[1:], ", "))
		} else {
			l.unknownCategory(catNode, "blocker", b.Category, p.CategoryIDs()[1:])
		}
		return
	case len(b.Hosts) == 0 && len(b.Inline) == 0:
		if hostsNode == nil && inlineNode == nil && !missed["hosts"] && !missed["inline"] {
			l.errorf(n, "blocker for %s: give hosts, inline markers or both", b.Category)
		}
		return
	}
	if p.NoticeOnly {
		// A notice asks nothing, so nothing but necessary is ever granted:
		// what the blocker holds back would never load (as draft has it too).
		l.errorf(catNode, "blocker for %s: notice_only: true says only necessary cookies exist, and a notice asks nothing, so what this blocker holds back could never be granted; ask for consent (remove notice_only) or remove the blocker", b.Category)
	}
	for i, h := range b.Hosts {
		b.Hosts[i] = strings.ToLower(h)
		if err := CheckBlockerHost(h); err != nil {
			l.errorf(hostsNode.Content[i], "blocker host %q: %v", h, err)
			continue
		}
		if _, dup := p.blockHosts[b.Hosts[i]]; dup {
			l.errorf(hostsNode.Content[i], "blocker host %q is listed twice", h)
			continue
		}
		p.blockHosts[b.Hosts[i]] = len(p.Blockers)
		if d, ok := strings.CutPrefix(b.Hosts[i], "*."); ok {
			if p.blockDomains == nil {
				p.blockDomains = map[string]int{}
			}
			p.blockDomains[d] = len(p.Blockers)
		}
	}
	for i, m := range b.Inline {
		if strings.TrimSpace(m) == "" {
			l.errorf(inlineNode.Content[i], "blocker inline marker is empty: it would match every inline script")
		}
	}
	p.Blockers = append(p.Blockers, b)
}
