package policy

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/consentgate/consentgate/policy/knowncookies"
)

// KnownCookie is an entry of the known-cookie database.
type KnownCookie = knowncookies.Cookie

// KnownTracker is a host known to serve a tracker's scripts, frames or pixels.
type KnownTracker = knowncookies.Tracker

// Known is what consentgate knows beyond a policy: well-known cookies and storage
// keys, and tracker hosts. Classification, suggestions, lint and draft all ask it.
// A nil *Known knows nothing.
type Known struct {
	cookies  []KnownCookie
	names    Matcher[int] // name or pattern → index in cookies
	trackers []KnownTracker
	// hosts and domains index the trackers: an exact host, and the domain of
	// a "*.domain" entry (the first entry of each wins, as in the list).
	hosts, domains map[string]int
}

// NewKnown builds the lookups. A cookie listed twice keeps its first entry.
func NewKnown(cookies []KnownCookie, trackers []KnownTracker) *Known {
	k := &Known{cookies: cookies, trackers: trackers, hosts: map[string]int{}, domains: map[string]int{}}
	for i, c := range cookies {
		_ = k.names.Add(c.Name, i)
	}
	for i, t := range trackers {
		m, key := k.hosts, t.Host
		if d, ok := strings.CutPrefix(t.Host, "*."); ok {
			m, key = k.domains, d
		}
		if _, seen := m[key]; !seen {
			m[key] = i
		}
	}
	return k
}

// BuiltinKnown is the built-in cookie list and tracker hosts.
func BuiltinKnown() *Known {
	return NewKnown(knowncookies.Builtin(), knowncookies.Trackers())
}

// Cookie finds the entry for a cookie name or storage key, by the policy's
// matching rules (an exact name beats a pattern, the longest pattern wins). A
// pattern such as "_ga_#" also finds the entry written the same way.
func (k *Known) Cookie(name string) (KnownCookie, bool) {
	if k == nil {
		return KnownCookie{}, false
	}
	if i, ok := k.names.Lookup(name); ok {
		return k.cookies[i], true
	}
	return KnownCookie{}, false
}

// Tracker finds the tracker entry for a host: the host itself, or a "*.domain"
// entry above it. A blocker host written "*.domain" finds the entry written so.
func (k *Known) Tracker(host string) (KnownTracker, bool) {
	if k == nil || len(host) > 253 {
		return KnownTracker{}, false // no host name is longer
	}
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if i, ok := k.hosts[host]; ok {
		return k.trackers[i], true
	}
	// The labels are walked by slicing: a visitor's report may name a host
	// of 127 labels.
	for d := strings.TrimPrefix(host, "*."); ; {
		if i, ok := k.domains[d]; ok {
			return k.trackers[i], true
		}
		dot := strings.IndexByte(d, '.')
		if dot < 0 {
			return KnownTracker{}, false
		}
		d = d[dot+1:]
	}
}

// Cookies lists the known cookies and storage keys, for what must carry them
// elsewhere (the guard's rules in the browser). The slice is shared: do not modify.
func (k *Known) Cookies() []KnownCookie {
	if k == nil {
		return nil
	}
	return k.cookies
}

// Trackers lists the known tracker hosts.
func (k *Known) Trackers() []KnownTracker {
	if k == nil {
		return nil
	}
	return k.trackers
}

// NoSuggestion is what Suggest says of a name nothing knows.
const NoSuggestion = "no known category: declare it in the policy"

// Suggest proposes a category for a cookie name or storage key the policy does
// not declare: the known list's, with a note saying where it comes from; or no
// category and a note that says so plainly (with a hint when the name has the
// shape of a platform's session cookie that no pattern can safely match).
func (k *Known) Suggest(name string) (category, note string) {
	if kc, ok := k.Cookie(name); ok {
		who := "the known-cookie database"
		if kc.Platform != "" {
			who = kc.Platform
		}
		if kc.Name != name {
			return kc.Category, fmt.Sprintf("known to %s as %s: declare it in the policy as %s", who, kc.Name, kc.Category)
		}
		return kc.Category, fmt.Sprintf("known to %s: declare it in the policy as %s", who, kc.Category)
	}
	for _, h := range nameHints {
		if h.re.MatchString(name) {
			return "", NoSuggestion + "; " + h.note
		}
	}
	return "", NoSuggestion
}

// nameHints recognise session cookies whose names no known-list pattern can
// match without also matching trackers: the name is fixed per site, so the
// policy declares it exactly.
var nameHints = []struct {
	re   *regexp.Regexp
	note string
}{
	{regexp.MustCompile(`^[0-9a-f]{32}$`), "a name of 32 hexadecimal digits is how Joomla names its session cookie (necessary, if this site runs Joomla)"},
	{regexp.MustCompile(`^_[A-Za-z0-9]+(_[A-Za-z0-9]+)*_session$`), "_<application>_session is how Ruby on Rails names its session cookie (necessary, if this site runs Rails)"},
	{regexp.MustCompile(`^[a-z0-9]+(_[a-z0-9]+)*_session$`), "<application>_session is how Laravel names its session cookie (necessary, if this site runs Laravel)"},
}
