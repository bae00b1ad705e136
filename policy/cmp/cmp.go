// Package cmp reads the decision a site's existing consent manager ("CMP") stored in its
// own cookies, for sites that keep that manager and let consentgate enforce it (SPEC §4,
// "Other sources"). Results are in consentgate's category ids: necessary, preferences,
// statistics, marketing.
//
// Every reader is defensive: the cookie comes from the visitor's browser and may be
// missing, truncated, tampered with or from another version of the manager. Anything
// that is not clearly a recorded choice reads as "no choice", never as an error.
package cmp

import (
	"slices"
	"strings"
)

// Sources lists the consent managers Read understands, as named in the configuration.
var Sources = []string{"cookiebot", "onetrust", "cc_cookie", "klaro", "complianz", "cookieyes"}

// Mapping maps a manager's own group, service or category name to one of our categories.
//
// For onetrust it maps OneTrust group ids and extends or overrides DefaultMapping; for
// cc_cookie it maps orestbida category names and likewise extends the default; for klaro
// it maps Klaro service names and is the only mapping (a service not in it is ignored).
// The other sources have a fixed vocabulary and ignore it. A name mapped to "" is
// ignored, which lets a configuration drop a default entry.
type Mapping map[string]string

const (
	necessary   = "necessary"
	preferences = "preferences"
	statistics  = "statistics"
	marketing   = "marketing"
)

// maxValue bounds the cookie values parsed. Browsers keep at most 4096 bytes per cookie,
// so anything longer did not come from the manager and is not worth the work.
const maxValue = 16 << 10

// Read returns the categories granted by the manager's cookie(s) and whether a choice was
// made. cookie looks a request cookie up by name; its value is as sent, still URL-encoded
// where the manager encodes. A missing, malformed or unrecognised value gives
// given=false and nil. When given, "necessary" is always first in granted, followed by
// the other granted categories in the order preferences, statistics, marketing, then any
// other names a Mapping produced, sorted.
//
// When several groups or services of the manager map to one of our categories, the
// category is granted only if every one of them that the cookie mentions is accepted:
// our category is coarser than the manager's, and the visitor refused part of it.
func Read(source string, cookie func(name string) (string, bool), m Mapping) (granted []string, given bool) {
	get := func(name string) (string, bool) {
		v, ok := cookie(name)
		if !ok || len(v) > maxValue {
			return "", false
		}
		return stripQuotes(strings.TrimSpace(v)), true
	}
	var d decision
	switch source {
	case "cookiebot":
		d, given = readCookiebot(get)
	case "onetrust":
		d, given = readOneTrust(get, merge(DefaultMapping(source), m))
	case "cc_cookie":
		d, given = readCCCookie(get, merge(DefaultMapping(source), m))
	case "klaro":
		d, given = readKlaro(get, m)
	case "complianz":
		d, given = readComplianz(get)
	case "cookieyes":
		d, given = readCookieYes(get)
	}
	if !given {
		return nil, false
	}
	return d.granted(), true
}

// CookieNames returns the manager's own cookie names or name patterns (`*` any run of
// characters, `#` one or more), which count as necessary because they hold the
// visitor's choice. It returns a fresh slice, nil for an unknown source.
func CookieNames(source string) []string {
	switch source {
	case "cookiebot":
		return []string{"CookieConsent", "CookieConsentBulkSetting-#"}
	case "onetrust":
		// eupubconsent-v2 holds the IAB TCF string when the TCF template is used.
		return []string{"OptanonConsent", "OptanonAlertBoxClosed", "eupubconsent-v2"}
	case "cc_cookie":
		return []string{"cc_cookie"}
	case "klaro":
		return []string{"klaro"}
	case "complianz":
		// cmplz_ covers the per-category choices, banner status, policy id and
		// consented-services records; complianz_ the names of older releases.
		return []string{"cmplz_#", "complianz_#"}
	case "cookieyes":
		return []string{"cookieyes-consent"}
	}
	return nil
}

// DefaultMapping returns the built-in mapping of a source as a fresh map: OneTrust's
// standard groups, and orestbida's customary category names. Other sources have none.
func DefaultMapping(source string) Mapping {
	switch source {
	case "onetrust":
		// The ids of OneTrust's default category set: Strictly Necessary, Performance,
		// Functional, Targeting, Social Media.
		return Mapping{
			"C0001": necessary,
			"C0002": statistics,
			"C0003": preferences,
			"C0004": marketing,
			"C0005": marketing,
		}
	case "cc_cookie":
		return Mapping{
			"necessary":     necessary,
			"functionality": preferences,
			"preferences":   preferences,
			"analytics":     statistics,
			"marketing":     marketing,
			"ads":           marketing,
			"advertising":   marketing,
		}
	}
	return nil
}

func merge(base, over Mapping) Mapping {
	if base == nil {
		base = Mapping{}
	}
	for k, v := range over {
		base[k] = v
	}
	return base
}

// decision collects, per category of ours, whether everything that maps to it was
// accepted.
type decision map[string]bool

// set records one of the manager's verdicts for category. A refusal is sticky, so a
// category stays refused when any group mapping to it was refused.
func (d *decision) set(category string, accepted bool) {
	if category == "" {
		return
	}
	if *d == nil {
		*d = decision{}
	}
	prev, seen := (*d)[category]
	(*d)[category] = accepted && (prev || !seen)
}

var order = []string{necessary, preferences, statistics, marketing}

func (d decision) granted() []string {
	out := []string{necessary}
	for _, c := range order[1:] {
		if d[c] {
			out = append(out, c)
		}
	}
	var extra []string
	for c, ok := range d {
		if ok && !slices.Contains(order, c) {
			extra = append(extra, c)
		}
	}
	slices.Sort(extra)
	return append(out, extra...)
}

// stripQuotes removes the double quotes RFC 6265 allows around a cookie value, which a
// caller working from the raw header may leave in place.
func stripQuotes(s string) string {
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		return s[1 : len(s)-1]
	}
	return s
}

// unescape decodes %XX sequences and leaves everything else alone: managers differ in
// what they encode, and a stray % must not make a value unreadable. Unlike
// url.QueryUnescape it keeps '+', which appears literally in base64 stamps.
func unescape(s string) string {
	i := strings.IndexByte(s, '%')
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:i])
	for ; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			b.WriteByte(unhex(s[i+1])<<4 | unhex(s[i+2]))
			i += 2
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	default:
		return c - 'a' + 10
	}
}
