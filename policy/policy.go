// Package policy is the domain of consentgate, with no Caddy import: the
// cookie policy (schema, loading, validation, lint), cookie-name patterns,
// classification, the visitor's consent and its cookie codec, and the
// decisions "may this cookie or element pass for this consent?". The server,
// the linter and the declaration page all use these same functions.
package policy

import (
	"bytes"
	"net/url"
	"strings"

	"golang.org/x/net/idna"
)

// Text is a text in several languages, keyed by language code.
type Text map[string]string

// In returns the text in lang, else the text given for every language (a plain
// string in the policy), else the text in the first of fallbacks that has it.
func (t Text) In(lang string, fallbacks ...string) string {
	if s, ok := t[lang]; ok {
		return s
	}
	if s, ok := t["*"]; ok {
		return s
	}
	for _, l := range fallbacks {
		if s, ok := t[l]; ok {
			return s
		}
	}
	return ""
}

// The reserved and well-known category ids.
const (
	Necessary    = "necessary"
	Unclassified = "unclassified"
)

// TextKeys are the banner and declaration texts a policy may override under
// `texts:`; the built-in sv and en texts live with the assets.
var TextKeys = []string{
	"banner_title", "banner_text", "accept_all", "reject_all", "settings", "save",
	"close", "settings_title", "settings_text", "always_on", "declaration_link",
	"privacy_link", "cookie_settings", "notice_title", "notice_text", "ok",
	"consent_id", "consent_date", "withdraw",
	// The click-to-load placeholder of a held-back embed; {host} and
	// {category} stand for the embed's host and its category's title.
	"placeholder_title", "placeholder_text", "placeholder_allow",
}

// Policy is a loaded, validated policy file (SPEC §3).
type Policy struct {
	File       string // where it came from, for messages
	Version    int
	Revision   int
	Languages  []string // the first is the default
	Site       Site
	Consent    ConsentCookie
	Undeclared string // "block" or "allow"
	NoticeOnly bool
	Categories []Category // Categories[0] is always necessary
	Cookies    []Cookie
	Blockers   []Blocker
	Texts      map[string]Text // overrides of the banner's texts, by key (see TextKeys)

	// categoryIDs are the categories' ids in order, apart from the rest of
	// each category: CategoryIndex runs for every category of every consent
	// read and of every cookie classified, and a policy has a few (at most
	// 63), so a scan of this short list beats a map.
	categoryIDs  []string
	declared     Matcher[int]   // name or pattern → index in Cookies
	blockHosts   map[string]int // host, or "*.domain", → index in Blockers
	blockDomains map[string]int // domain of each "*.domain" in blockHosts → index in Blockers
}

type Site struct {
	Name             string
	PrivacyPolicyURL string
	Line             int // of privacy_policy_url, or of site when it is missing
}

// ConsentCookie says how the own consent cookie is written.
type ConsentCookie struct {
	Name   string
	MaxAge Duration
	Domain string
	Line   int // of max_age, for lint
}

type Category struct {
	ID          string
	Title       Text
	Description Text
	Line        int
}

// Cookie is one declared cookie or browser-storage key.
type Cookie struct {
	Name     string // exact, or a pattern (see Matcher)
	Category string
	Provider string
	Type     string // http, html or pixel
	Duration Duration
	Purpose  Text
	Transfer *Transfer
	UsedBy   Text
	Line     int // of the entry
	Lines    CookieLines
}

// CookieLines are where a cookie's values are written, so that a message about a
// value points at its line rather than at the entry's first.
type CookieLines struct {
	Name, Category, Provider, Duration int
}

type Transfer struct {
	Country  string
	Adequate bool
}

// Blocker holds back elements until its category is granted.
type Blocker struct {
	Category string
	Hosts    []string // exact hosts, or "*.domain" for the domain and every subdomain
	Inline   []string // markers in inline <script> text
	Line     int
}

// CategoryIndex returns the position of a category id in Categories, or -1.
func (p *Policy) CategoryIndex(id string) int {
	for i, c := range p.categoryIDs {
		if c == id {
			return i
		}
	}
	return -1
}

// CategoryIDs lists the category ids in display order.
func (p *Policy) CategoryIDs() []string {
	ids := make([]string, len(p.Categories))
	for i, c := range p.Categories {
		ids[i] = c.ID
	}
	return ids
}

// All is the set of every category of the policy.
func (p *Policy) All() Set { return Set(1)<<len(p.Categories) - 1 }

// SetOf builds a set from category ids; ids the policy does not have are left out.
// necessary is always in it.
func (p *Policy) SetOf(ids []string) Set {
	s := Set(1)
	for _, id := range ids {
		if i := p.CategoryIndex(id); i >= 0 {
			s |= 1 << i
		}
	}
	return s
}

// IDs lists the ids of the categories in s, in display order.
func (p *Policy) IDs(s Set) []string {
	var ids []string
	for i, c := range p.Categories {
		if s.Has(i) {
			ids = append(ids, c.ID)
		}
	}
	return ids
}

// Set is a set of categories, by their index in Policy.Categories. Policies
// have at most 64 categories, so a set is one word and decisions are a mask.
type Set uint64

func (s Set) Has(i int) bool { return i >= 0 && i < 64 && s&(1<<i) != 0 }

// BlockerFor returns the blocker that matches an element, judged by the host
// of its src (pageHost for relative URLs) or, for an inline script, by its
// text. ok is false when no blocker matches.
func (p *Policy) BlockerFor(src, pageHost string, inline []byte) (b *Blocker, ok bool) {
	if src != "" {
		host := srcHost(src, pageHost)
		if host == "" {
			return nil, false
		}
		if i, ok := p.lookupHost(host); ok {
			return &p.Blockers[i], true
		}
		return nil, false
	}
	for i := range p.Blockers {
		for _, m := range p.Blockers[i].Inline {
			// bytes.Contains: string(inline) would copy the script for every marker.
			if bytes.Contains(inline, []byte(m)) {
				return &p.Blockers[i], true
			}
		}
	}
	return nil, false
}

// lookupHost finds host or, walking up its labels, a "*.domain" blocker.
func (p *Policy) lookupHost(host string) (int, bool) {
	if i, ok := p.blockHosts[host]; ok {
		return i, true
	}
	for d := host; ; {
		if i, ok := p.blockDomains[d]; ok {
			return i, true
		}
		dot := strings.IndexByte(d, '.')
		if dot < 0 {
			return 0, false
		}
		d = d[dot+1:]
	}
}

// HostOf is the lower-case host a URL loads from as a browser reads it (as
// blockers match it), "" for a relative URL or one that loads from no host.
func HostOf(src string) string { return srcHost(src, "") }

// srcHost extracts the lower-case host of a URL as a browser would resolve it
// against the page. It returns "" for URLs that load nothing from a host
// (data:, javascript:, blob:, about:).
func srcHost(src, pageHost string) string {
	// Browsers drop tabs and newlines anywhere in a URL and trim spaces and
	// control characters; a tracker URL split that way still loads.
	// Most URLs need none of this: one pass finds out.
	if needsCleaning(src) {
		src = cleanURL(src)
	}
	var rest string
	switch {
	case strings.HasPrefix(src, "//"):
		// Against an http(s) page any run of slashes starts the host: "///x.com/a" loads from x.com.
		rest = strings.TrimLeft(src, "/")
	default:
		colon := strings.IndexByte(src, ':')
		slash := indexPathStart(src)
		if colon < 0 || (slash >= 0 && slash < colon) {
			return hostOnly(pageHost) // relative: the page's own host
		}
		scheme := strings.ToLower(src[:colon])
		if !isScheme(scheme) {
			return hostOnly(pageHost) // "u@host:443/x" has no scheme: a relative path
		}
		if scheme != "http" && scheme != "https" {
			return ""
		}
		rest = strings.TrimLeft(src[colon+1:], "/")
	}
	if end := indexPathStart(rest); end >= 0 {
		rest = rest[:end]
	}
	if at := strings.LastIndexByte(rest, '@'); at >= 0 {
		rest = rest[at+1:]
	}
	return hostOnly(rest)
}

// cleanURL removes tabs and newlines, trims spaces and control characters,
// and turns backslashes into slashes, as browsers do before parsing a URL.
// It works on bytes: whatever else the URL holds is left as it is.
func cleanURL(src string) string {
	if strings.ContainsAny(src, "\t\r\n") {
		b := make([]byte, 0, len(src))
		for i := 0; i < len(src); i++ {
			if c := src[i]; c != '\t' && c != '\r' && c != '\n' {
				b = append(b, c)
			}
		}
		src = string(b)
	}
	for src != "" && src[0] <= ' ' {
		src = src[1:]
	}
	for src != "" && src[len(src)-1] <= ' ' {
		src = src[:len(src)-1]
	}
	return strings.ReplaceAll(src, `\`, "/")
}

// needsCleaning reports whether a URL has what browsers remove or change
// before parsing it: a tab or newline anywhere, a space or control
// character at either end, a backslash.
func needsCleaning(src string) bool {
	if src == "" {
		return false
	}
	if src[0] <= ' ' || src[len(src)-1] <= ' ' {
		return true
	}
	for i := 0; i < len(src); i++ {
		switch src[i] {
		case '\t', '\r', '\n', '\\':
			return true
		}
	}
	return false
}

// indexPathStart is the index of the first '/', '?' or '#' (where a URL's
// authority ends), or -1: strings.IndexAny makes its set on every call.
func indexPathStart(s string) int {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '/', '?', '#':
			return i
		}
	}
	return -1
}

// isScheme reports whether s is a URL scheme: a letter, then letters, digits, '+', '-' or '.'.
func isScheme(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || i > 0 && (c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.')) {
			return false
		}
	}
	return s != ""
}

// hostOnly strips a port and a trailing dot and lower-cases. Like a browser
// it percent-decodes the host and maps it with IDNA (UTS #46), so that
// %77ww.googletagmanager.com or full-width letters name the host they load
// from; a host that does not map is returned as it is (no blocker names it).
func hostOnly(hostport string) string {
	h := hostport
	if strings.HasPrefix(h, "[") {
		if end := strings.IndexByte(h, ']'); end > 0 {
			return strings.ToLower(h[:end+1])
		}
	} else if colon := strings.LastIndexByte(h, ':'); colon >= 0 {
		h = h[:colon]
	}
	if strings.IndexByte(h, '%') >= 0 {
		if dec, err := url.PathUnescape(h); err == nil {
			h = dec
		}
	}
	if !isASCII(h) {
		if mapped, err := idna.Lookup.ToASCII(h); err == nil {
			h = mapped
		}
	}
	return strings.ToLower(strings.TrimSuffix(h, "."))
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// DeclaredCookie returns the declaration that matches a cookie name.
func (p *Policy) DeclaredCookie(name string) (*Cookie, bool) {
	if i, ok := p.declared.Lookup(name); ok {
		return &p.Cookies[i], true
	}
	return nil, false
}
