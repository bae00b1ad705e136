// Package draft turns what consentgate observed in report mode into a policy: it
// reads Caddy's JSON logs (the "observed" entries and the "undeclared cookie"
// warnings of http.handlers.cookie_consent) and writes a policy YAML declaring
// every cookie, storage key and tracker host seen that the policy does not
// declare, with the category the known lists suggest. Given an existing policy it
// appends to it, keeping every existing line as it is, so the change reads as a
// diff of added lines. Cookie names seen only in visitors' requests
// ("source":"request") are visitor input: they are listed as comments, never
// proposed, and bounded apart from the site's own. `caddy cookie-consent draft`
// is this package on the command line.
package draft

import (
	"fmt"
	"hash/maphash"
	"io"
	"net"
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/consentgate/consentgate/policy"
)

// Options say what to draft against.
type Options struct {
	// Existing is the policy file to merge into; nil drafts a new policy.
	Existing []byte
	// ExistingName names it in messages.
	ExistingName string
	// Known is what is known beyond the policy; nil is the built-in lists.
	Known *policy.Known
	// LogNames name the logs in messages, in the order of the readers (a file's
	// path, "stdin"); a log without a name is "log N".
	LogNames []string
}

// Summary counts what a draft read and proposed.
type Summary struct {
	Lines   int // log lines read
	Entries int // entries of ours among them
	Skipped int // lines that are not JSON log entries (or too long)

	Cookies      int // cookie and storage-key entries proposed
	Unclassified int // of them, with no suggested category
	Hosts        int // tracker hosts proposed as blockers
	Unknown      int // third-party hosts nothing knows, listed as comments
	Declared     int // names and hosts seen that the policy already declares
	Undeclarable int // names and hosts that cannot be declared as they are (listed as comments)
	// RequestOnly counts the cookie names seen only in visitors' requests (the
	// Cookie header, "source":"request"), never set by the site while the proxy
	// watched: visitor input, listed as comments and never proposed.
	RequestOnly int
	// DeletedOnly counts the names the site only ever deleted while the proxy
	// watched ("action":"deleted": a logout clearing names it may no longer
	// set): listed as comments, not proposed.
	DeletedOnly int

	// Dropped counts the distinct names past the per-kind bound that were not
	// looked at: DroppedRequest those seen in visitors' requests, Dropped the
	// others (the site's Set-Cookie headers, the guard's reports). The names
	// are told apart by a bounded set of their hashes; past maxDroppedCounted
	// the counts stop growing and DroppedAtLeast says they are lower bounds.
	Dropped        int
	DroppedRequest int
	DroppedAtLeast bool
}

// Draft reads the logs and returns the drafted policy: a new one, or Existing
// with the new entries appended. The result always loads as a policy.
func Draft(logs []io.Reader, opt Options) ([]byte, *Summary, error) {
	s := &Summary{}
	obs := newObservations(s)
	for i, r := range logs {
		name := fmt.Sprintf("log %d", i+1)
		if i < len(opt.LogNames) && opt.LogNames[i] != "" {
			name = opt.LogNames[i]
		}
		if err := readLog(r, name, s, obs.add); err != nil {
			return nil, s, err
		}
	}
	known := opt.Known
	if known == nil {
		known = policy.BuiltinKnown()
	}
	var existing *policy.Policy
	name := opt.ExistingName
	if name == "" {
		name = "policy"
	}
	if opt.Existing != nil {
		p, err := policy.Parse(opt.Existing, name)
		if err != nil {
			return nil, s, fmt.Errorf("the policy to merge into has errors; fix them first:\n%w", err)
		}
		existing = p
	}
	d := propose(obs, existing, known, s)
	var out []byte
	var err error
	if existing == nil {
		out = d.render()
	} else {
		out, err = merge(opt.Existing, existing, d)
		if err != nil {
			return nil, s, err
		}
	}
	// The draft is reviewed and then loaded by the proxy: it must load.
	if _, err := policy.Parse(out, "draft"); err != nil {
		return nil, s, fmt.Errorf("the drafted policy does not load (a bug in draft): %w", err)
	}
	return out, s, nil
}

// seen aggregates the log entries of one (kind, name).
type seen struct {
	kind, name string
	count      int64 // from "observed" entries
	warnings   int64 // "undeclared cookie" warnings: the count when nothing was observed
	maxAge     int64 // the longest lifetime the site's Set-Cookie gave, in seconds; -1 when only session cookies were; 0 unknown
	// scriptMaxAge is the same for the writes the guard reported. A report is
	// the visitor's word (any client can post one), so it counts only for a
	// name the site's Set-Cookie never gave a lifetime.
	scriptMaxAge int64
	types        map[string]bool
	sources      map[string]bool
	providers    map[string]int64
	elements     map[string]bool
	firstPath    string
	category     string // as the running proxy classified it
	classifiedBy string
	// fromSite: seen from another source than visitors' requests (the site's
	// Set-Cookie, the guard's report, an old log's "server"). A name without
	// it was only ever sent by visitors, and is not proposed.
	fromSite bool
	// classes has a bit for each source class the name took a place of.
	classes uint8
	// deleted: the site deleted it (a Set-Cookie that expires it); with
	// fromSite false, that is all the site did with it.
	deleted bool
}

// longer keeps in *age the longer of two lifetimes (-1, a session cookie,
// over 0, unknown).
func longer(age *int64, a int64) {
	if a > *age || (a == -1 && *age == 0) {
		*age = a
	}
}

// sightings counts the entries' sightings; the warnings only when no "observed"
// entry counted them (enforce mode logs "observed" at debug).
func (x *seen) sightings() int64 {
	if x.count > 0 {
		return x.count
	}
	return x.warnings
}

// Source classes, each bounded apart: what the site set (its Set-Cookie), what
// the guard in a browser reported, and what a visitor's request brought (its
// Cookie header). Reports and requests both come from visitors, and any client
// can make them up: a flood of either cannot take the places of the site's own
// cookies.
const (
	classSite    = "site"
	classGuard   = "guard"
	classRequest = "request"
)

var classBit = map[string]uint8{classSite: 1, classGuard: 2, classRequest: 4}

// maxDroppedCounted bounds the set that tells dropped names apart: past it,
// the dropped counts are lower bounds.
const maxDroppedCounted = 1 << 16

type observations struct {
	s     *Summary
	byKey map[string]*seen
	// held counts the names held per kind and source class: at most
	// maxDistinct each, so at most twice that per kind in all.
	held    map[string]int
	dropped map[uint64]struct{} // hashes of the class, kind and name of the names dropped
	seed    maphash.Seed
}

func newObservations(s *Summary) *observations {
	return &observations{s: s, byKey: map[string]*seen{}, held: map[string]int{},
		dropped: map[uint64]struct{}{}, seed: maphash.MakeSeed()}
}

func (o *observations) add(e entry) {
	if e.Name == "" || (e.Kind != kindCookie && e.Kind != kindStorage && e.Kind != kindElement) {
		return
	}
	class := classSite
	switch e.Source {
	case sourceRequest:
		class = classRequest
	case sourceGuard:
		class = classGuard
	}
	key := e.Kind + "\x00" + e.Name
	x, ok := o.byKey[key]
	// A name takes a place of its class when first seen from it: a name
	// visitors sent and the site then set takes one of each.
	if !ok || x.classes&classBit[class] == 0 {
		slot := e.Kind + "\x00" + class
		if o.held[slot] >= maxDistinct {
			o.drop(class, key)
			return
		}
		o.held[slot]++
	}
	if !ok {
		x = &seen{kind: e.Kind, name: e.Name, types: map[string]bool{}, sources: map[string]bool{},
			providers: map[string]int64{}, elements: map[string]bool{}, firstPath: e.FirstPath}
		o.byKey[key] = x
	}
	x.classes |= classBit[class]
	if e.Action == actionDeleted {
		x.deleted = true
	} else if class != classRequest {
		x.fromSite = true
	}
	if e.fromWarning {
		x.warnings += e.Count
	} else {
		x.count += e.Count
	}
	if e.MaxAge > 0 || e.MaxAge == -1 {
		if class == classGuard {
			longer(&x.scriptMaxAge, e.MaxAge)
		} else {
			longer(&x.maxAge, e.MaxAge)
		}
	}
	if e.Type != "" {
		x.types[e.Type] = true
	}
	if e.Source != "" {
		x.sources[e.Source] = true
	}
	if h := providerHost(e.Provider); h != "" {
		x.providers[h] += e.Count
	}
	if e.Element != "" {
		x.elements[e.Element] = true
	}
	if e.Category != "" {
		x.category, x.classifiedBy = e.Category, e.ClassifiedBy
	}
	if x.classifiedBy == "" {
		x.classifiedBy = e.ClassifiedBy
	}
}

// drop counts a name past the bound of its class once, however many entries
// name it, in bounded memory: a set of hashes that stops growing at
// maxDroppedCounted, past which the counts are lower bounds.
func (o *observations) drop(class, key string) {
	h := maphash.String(o.seed, class+"\x00"+key)
	if _, ok := o.dropped[h]; ok {
		return
	}
	if len(o.dropped) >= maxDroppedCounted {
		o.s.DroppedAtLeast = true
		return
	}
	o.dropped[h] = struct{}{}
	if class == classRequest {
		o.s.DroppedRequest++
	} else {
		o.s.Dropped++
	}
}

// hostsOnly keeps the providers that can be host names. A provider comes from
// the request's Host header, so it is one; one that is not (a newline, spaces,
// YAML: a hand-made or damaged log) is no provider to declare.
func hostsOnly(providers map[string]int64) map[string]int64 {
	out := make(map[string]int64, len(providers))
	for h, n := range providers {
		if isHostName(h) {
			out[h] = n
		}
	}
	return out
}

// isHostName reports whether h can be a host as draft writes a provider: at
// most 253 characters, each a letter or digit (of any script: bücher.de), '-',
// '.', '_' or, in an IPv6 address, ':'.
func isHostName(h string) bool {
	if h == "" || len(h) > 253 || !utf8.ValidString(h) {
		return false
	}
	for _, r := range h {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !strings.ContainsRune("-._:", r) {
			return false
		}
	}
	return true
}

// providerHost is the host of a logged provider, without a port.
func providerHost(p string) string {
	p = strings.ToLower(strings.TrimSpace(p))
	if h, port, err := net.SplitHostPort(p); err == nil && port != "" && strings.Trim(port, "0123456789") == "" {
		p = h
	}
	return strings.Trim(p, "[]")
}

// sorted lists the observations of a kind in name order.
func (o *observations) sorted(kind string) []*seen {
	var out []*seen
	for _, x := range o.byKey {
		if x.kind == kind {
			out = append(out, x)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// A drafted policy: what to add.
type drafted struct {
	categories []string // categories the entries need, in display order
	cookies    []cookieDraft
	blockers   []blockerDraft
	unknown    []string // comment lines about hosts nothing knows
	skipped    []string // comment lines about names that cannot be declared
	// requestOnly are the names seen only in visitors' requests, most seen
	// first: listed as comments, never proposed.
	requestOnly []*seen
	// deletedOnly are the names the site only deleted: comments too.
	deletedOnly []*seen
	// notNotice are the entries a notice_only policy cannot take (it says only
	// necessary cookies exist); they are written as comments.
	notNotice *drafted
	summary   *Summary
}

type cookieDraft struct {
	name, category, provider, typ, duration string
	comments                                []string
}

type blockerDraft struct {
	category string
	hosts    []string
	comments []string
}

// builtinOrder is the display order of the categories with built-in texts; a
// draft only adds these (any other needs titles in every language).
var builtinOrder = []string{policy.Necessary, "preferences", "statistics", "marketing"}

// propose decides the entries: one per cookie name or storage key not declared
// (names a known pattern covers are one entry under that pattern), and blockers
// for tracker hosts.
func propose(o *observations, existing *policy.Policy, known *policy.Known, s *Summary) *drafted {
	d := &drafted{summary: s}
	consentName := "cookie_consent"
	if existing != nil {
		consentName = existing.Consent.Name
	}
	hasCategory := func(id string) bool {
		return id == policy.Necessary || slices.Contains(builtinOrder, id) || (existing != nil && existing.CategoryIndex(id) >= 0)
	}

	type group struct {
		name    string
		known   policy.KnownCookie
		isKnown bool
		seen    []*seen
	}
	groups := map[string]*group{}
	for _, kind := range []string{kindCookie, kindStorage} {
		for _, x := range o.sorted(kind) {
			if x.classifiedBy == classConsent || x.name == consentName {
				continue // the consent cookies are declared automatically
			}
			if existing != nil {
				if _, ok := existing.DeclaredCookie(x.name); ok {
					s.Declared++
					continue
				}
			}
			if !x.fromSite && x.deleted {
				// The site only deleted it (WordPress's logout expires names
				// it stopped setting years ago): no evidence that it sets it.
				s.DeletedOnly++
				d.deletedOnly = append(d.deletedOnly, x)
				continue
			}
			if !x.fromSite {
				// Only ever in visitors' Cookie headers: what a visitor sends is
				// no evidence that the site uses the name.
				s.RequestOnly++
				d.requestOnly = append(d.requestOnly, x)
				continue
			}
			kc, isKnown := known.Cookie(x.name)
			name := x.name
			if isKnown && policy.IsPattern(kc.Name) {
				name = kc.Name
			} else if why := declarable(x.name); why != "" {
				s.Undeclarable++
				d.skipped = append(d.skipped, fmt.Sprintf("%s %s: %s; it cannot be declared by name", x.kind, quoteComment(x.name), why))
				continue
			}
			g, ok := groups[name]
			if !ok {
				g = &group{name: name, known: kc, isKnown: isKnown}
				groups[name] = g
			}
			g.seen = append(g.seen, x)
		}
	}
	names := make([]string, 0, len(groups))
	for n := range groups {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		g := groups[n]
		c := cookieDraft{name: g.name}
		var count int64
		var siteAge, scriptAge int64
		types, sources, providers := map[string]bool{}, map[string]bool{}, map[string]int64{}
		first, logged, loggedBy := "", "", ""
		for _, x := range g.seen {
			count += x.sightings()
			longer(&siteAge, x.maxAge)
			longer(&scriptAge, x.scriptMaxAge)
			for t := range x.types {
				types[t] = true
			}
			if x.kind == kindStorage {
				types["html"] = true
			}
			for src := range x.sources {
				sources[src] = true
			}
			for h, k := range x.providers {
				providers[h] += k
			}
			if first == "" {
				first = x.firstPath
			}
			if x.category != "" && x.category != policy.Unclassified {
				logged, loggedBy = x.category, x.classifiedBy
			}
		}
		// Category: the known list's, else what the running proxy knew (its
		// policy, or an Open Cookie Database file the built-in list lacks).
		switch {
		case g.isKnown:
			c.category = g.known.Category
			c.comments = append(c.comments, knownNote(g.known, g.name))
			if genericName(g.known, g.name) && c.category != policy.Necessary {
				if what := looksNeeded(g.name); what != "" {
					c.comments = append(c.comments, neededNote(what))
				}
			}
		case logged != "" && hasCategory(logged):
			c.category = logged
			c.comments = append(c.comments, fmt.Sprintf("the running proxy classed it %s (%s)", logged, loggedBy))
		default:
			c.category = policy.Unclassified
			why := "unclassified: nothing knows this name"
			if logged != "" {
				why = fmt.Sprintf("unclassified: the running policy's category %s has no built-in texts to draft it with", logged)
			}
			_, note := known.Suggest(g.seen[0].name)
			if hint, ok := strings.CutPrefix(note, policy.NoSuggestion+"; "); ok {
				why += "; " + hint
			}
			c.comments = append(c.comments, why+"; choose its category (necessary only if the site cannot work without it)")
			if what := looksNeeded(g.name); what != "" {
				c.comments = append(c.comments, neededNote(what))
			}
			s.Unclassified++
		}
		if c.category != policy.Unclassified && !hasCategory(c.category) {
			c.comments = append(c.comments, fmt.Sprintf("its category %s needs title and description in the policy", c.category))
			c.category = policy.Unclassified
		}
		switch {
		case types["http"]:
			c.typ = "http"
		case types["html"]:
			c.typ = "html"
		case g.isKnown && g.known.Type != "":
			c.typ = g.known.Type
		default:
			c.typ = "http"
		}
		c.provider = mostSeen(hostsOnly(providers))
		if c.provider == "" && len(providers) > 0 {
			c.comments = append(c.comments, fmt.Sprintf("provider left out: the logged host %s is not a host name; write who holds it", quoteComment(mostSeen(providers))))
		}
		lifetime := ""
		if g.isKnown {
			lifetime = g.known.Lifetime
		}
		// The site's own lifetime, else what scripts wrote (a visitor's report).
		maxAge := siteAge
		if maxAge == 0 {
			maxAge = scriptAge
		}
		c.duration, c.comments = duration(maxAge, c.typ, lifetime, c.comments)
		c.comments = append(c.comments, seenNote(count, sources, first))
		if len(g.seen) > 1 || g.seen[0].name != c.name {
			c.comments = append(c.comments, "seen as: "+seenNames(g.seen))
		}
		d.cookies = append(d.cookies, c)
		s.Cookies++
	}
	sort.SliceStable(d.cookies, func(i, j int) bool {
		return categoryRank(d.cookies[i].category) < categoryRank(d.cookies[j].category)
	})

	// Blockers: tracker hosts the known list names, grouped by category.
	byCategory := map[string]*blockerDraft{}
	listed := map[string]bool{}
	for _, x := range o.sorted(kindElement) {
		if !x.fromSite {
			continue // no element comes from a request's Cookie header; one that says so is not the site's
		}
		host := providerHost(x.name)
		if host == "" || host == "inline" || strings.HasPrefix(host, "(") {
			continue // inline scripts and same-origin elements have no host to block
		}
		if existing != nil {
			if _, ok := existing.BlockerFor("https://"+host+"/", "", nil); ok {
				s.Declared++
				continue
			}
		}
		t, isTracker := known.Tracker(host)
		var blockHost, category, note string
		switch {
		case isTracker:
			blockHost, category = t.Host, t.Category
			note = fmt.Sprintf("%s: %s (%s)", t.Host, t.Platform, t.Source)
		case existing == nil && x.classifiedBy == classDeclared && hasCategory(x.category) && x.category != policy.Necessary:
			// An old or hand-made log may say so of a host no policy can name:
			// it is checked by the loader's own rule, so the draft loads.
			if err := policy.CheckBlockerHost(host); err != nil {
				s.Undeclarable++
				d.skipped = append(d.skipped, fmt.Sprintf("element host %s (%s, %s): the running policy blocked it as %s, but a blocker cannot name it as it is: %v",
					quoteComment(host), strings.Join(sortedKeys(x.elements), ", "), seenNote(x.sightings(), x.sources, x.firstPath), x.category, err))
				continue
			}
			blockHost, category = host, x.category
			note = fmt.Sprintf("%s: the running policy blocked it as %s", host, x.category)
		default:
			s.Unknown++
			d.unknown = append(d.unknown, fmt.Sprintf("%s (%s, %s)", host, strings.Join(sortedKeys(x.elements), ", "), seenNote(x.sightings(), x.sources, x.firstPath)))
			continue
		}
		if listed[blockHost] {
			continue
		}
		listed[blockHost] = true
		b, ok := byCategory[category]
		if !ok {
			b = &blockerDraft{category: category}
			byCategory[category] = b
		}
		b.hosts = append(b.hosts, blockHost)
		b.comments = append(b.comments, note)
		s.Hosts++
	}
	for _, id := range sortedKeys(byCategory) {
		d.blockers = append(d.blockers, *byCategory[id])
	}
	sort.SliceStable(d.blockers, func(i, j int) bool {
		return categoryRank(d.blockers[i].category) < categoryRank(d.blockers[j].category)
	})

	// The names visitors sent, most seen first: the ones worth a look lead.
	sort.SliceStable(d.requestOnly, func(i, j int) bool {
		return d.requestOnly[i].sightings() > d.requestOnly[j].sightings()
	})
	sort.SliceStable(d.deletedOnly, func(i, j int) bool {
		return d.deletedOnly[i].sightings() > d.deletedOnly[j].sightings()
	})

	if existing != nil && existing.NoticeOnly {
		d.splitNoticeOnly()
	}
	need := map[string]bool{}
	for _, c := range d.cookies {
		need[c.category] = true
	}
	for _, b := range d.blockers {
		need[b.category] = true
	}
	for _, id := range builtinOrder[1:] {
		if need[id] {
			d.categories = append(d.categories, id)
		}
	}
	return d
}

// splitNoticeOnly moves what a notice_only policy cannot declare (cookies that
// are not necessary, and blockers) out of the entries, to be written as comments:
// the logs contradict notice_only, and only the site owner can decide whether to
// ask for consent or make the site stop.
func (d *drafted) splitNoticeOnly() {
	out := &drafted{summary: d.summary}
	kept := d.cookies[:0]
	for _, c := range d.cookies {
		if c.category == policy.Necessary {
			kept = append(kept, c)
		} else {
			out.cookies = append(out.cookies, c)
		}
	}
	d.cookies = kept
	out.blockers, d.blockers = d.blockers, nil
	if len(out.cookies) > 0 || len(out.blockers) > 0 {
		d.notNotice = out
	}
}

// declarable says why an observed name cannot be declared as it is, or "".
func declarable(name string) string {
	switch {
	case strings.HasSuffix(name, "...") && len(name) >= 250:
		return "the log cut this long name short"
	case policy.IsPattern(name):
		return "a declared name with * or # would be read as a pattern"
	}
	return policy.NameProblem(name)
}

// duration turns the longest lifetime seen into the policy's syntax. Without
// one it takes the known list's; without that, persistent, which never cuts a
// cookie short (clamp_lifetime only shortens to a declared length) and which
// lint flags for any category but necessary.
func duration(maxAge int64, typ, knownLifetime string, comments []string) (string, []string) {
	const longest = 100 * 365 * 86400 // the longest duration a policy takes
	switch {
	case maxAge > longest:
		return durationText(longest), append(comments, "the site asks for longer than 100 years")
	case maxAge > 0:
		return durationText(maxAge), comments
	case maxAge == -1:
		return "session", comments
	}
	if knownLifetime != "" {
		return knownLifetime, append(comments, "duration: from the known list (no lifetime was observed)")
	}
	why := "no lifetime was observed"
	if typ == "html" {
		why = "browser storage keeps a key until it is deleted, and no lifetime was observed"
	}
	return "persistent", append(comments, "TODO duration: "+why+"; declare how long it is kept")
}

// durationText writes seconds in the largest whole unit, rounding up: the
// declared duration is what clamp_lifetime cuts to, so it must not be shorter
// than what the site sets (and a lifetime taken from an Expires date comes out a
// second or so short of what the site meant).
func durationText(sec int64) string {
	const minute, day = 60, 86400
	switch {
	case sec >= day:
		days := (sec + day - 1) / day
		if days%365 == 0 {
			return fmt.Sprintf("%dy", days/365)
		}
		return fmt.Sprintf("%dd", days)
	case sec >= minute:
		mins := (sec + minute - 1) / minute
		if mins%60 == 0 {
			return fmt.Sprintf("%dh", mins/60)
		}
		return fmt.Sprintf("%dmin", mins)
	}
	return fmt.Sprintf("%ds", sec)
}

func seenNote(count int64, sources map[string]bool, firstPath string) string {
	note := fmt.Sprintf("seen %d time", count)
	if count != 1 {
		note += "s"
	}
	if len(sources) > 0 {
		by := map[string]string{sourceServer: "by the proxy", sourceGuard: "by the guard in the browser", sourceRequest: "in visitors' requests"}
		var parts []string
		for _, src := range sortedKeys(sources) {
			if w, ok := by[src]; ok {
				parts = append(parts, w)
			} else {
				parts = append(parts, src)
			}
		}
		note += " " + strings.Join(parts, " and ")
	}
	if firstPath != "" {
		note += ", first on " + firstPath
	}
	return note
}

func seenNames(xs []*seen) string {
	var names []string
	for _, x := range xs {
		names = append(names, x.name)
	}
	sort.Strings(names)
	names = slices.Compact(names)
	if len(names) > 3 {
		return strings.Join(names[:3], ", ") + fmt.Sprintf(" and %d more", len(names)-3)
	}
	return strings.Join(names, ", ")
}

// mostSeen is the provider seen most often (ties: the first in name order).
func mostSeen(m map[string]int64) string {
	best, n := "", int64(-1)
	for _, h := range sortedKeys(m) {
		if m[h] > n {
			best, n = h, m[h]
		}
	}
	return best
}

func categoryRank(id string) int {
	if i := slices.Index(builtinOrder, id); i >= 0 {
		return i
	}
	if id == policy.Unclassified {
		return len(builtinOrder) + 1
	}
	return len(builtinOrder)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// quoteComment makes a name safe inside a comment line.
func quoteComment(s string) string {
	return fmt.Sprintf("%q", s)
}
