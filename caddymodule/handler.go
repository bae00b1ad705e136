package caddymodule

import (
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"
	"golang.org/x/text/language"

	"github.com/consentgate/consentgate/policy"
	"github.com/consentgate/consentgate/policy/cmp"
)

// ServeHTTP serves the endpoints under the path prefix; any other request has
// its cookies filtered on the way in and its response enforced on the way out.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request, next caddyhttp.Handler) error {
	// In handle_errors the request is one the site's routes refused or
	// failed (basic_auth, an error directive denying an address): it gets
	// the error page, enforced, and never an endpoint's answer — a consent
	// record or the declaration past the site's access control.
	_, inErrorRoute := r.Context().Value(caddyhttp.ErrorCtxKey).(error)
	if rest, ok := h.endpointPath(r); ok && !inErrorRoute {
		h.serveEndpoint(w, r, rest)
		return nil
	}
	nav := navigationOf(r)
	rw := h.newResponseWriter(w, r, nav)
	cons, consentValue, _ := h.readConsentCookie(r)
	rw.consent = cons
	h.setPlaceholders(r, cons)
	rw.refused = h.filterRequestCookies(r, cons, consentValue, &rw.classes)
	if cons.GPC && nav != notNavigation {
		h.recordGPC(r, cons)
	}
	// Whatever happens below — an error, reverse_proxy's abort panic, a
	// client gone — nothing of ours outlives this call.
	recycled := false
	defer func() {
		if !recycled {
			rw.release()
		}
	}()
	if nav != notNavigation {
		rw.lang = h.language(r)
		rw.acceptEncoding = r.Header["Accept-Encoding"]
		narrowAcceptEncoding(r)
		if nav == isNavigation || prefersHTML(r.Header["Accept"]) {
			// A client that prefers something else (a feed reader) keeps
			// its validators: what it caches is not a page we rewrite.
			rw.ourTag = translateConditionals(r, cons, crossSiteFrame(r), rw.lang, h.pageGeneration)
			// A range of a page is bytes of the page before it was
			// rewritten, trackers live: a cache that puts pages together
			// from ranges (nginx's slice, a CDN's large objects) would serve
			// that whole to navigations. A server may ignore Range (RFC 9110
			// §14.2): the page is asked for and answered whole.
			delete(r.Header, "Range")
			delete(r.Header, "If-Range")
		}
	}
	err := next.ServeHTTP(rw, r)
	if err != nil {
		// Caddy's error handling writes its own response through w, with the
		// header map the failed handler left behind: filter it here, or a
		// Set-Cookie set before the error would reach the visitor.
		rw.abandon()
		return err
	}
	err = rw.Close()
	// The response is complete and next has returned: nothing may use rw
	// any more (net/http's rule for a ResponseWriter, which Caddy's handlers
	// keep, waiting even for their WebSocket copies), so it serves the next
	// request. After a panic or an error it is left to the collector.
	recycled = true
	rw.recycle()
	return err
}

// narrowAcceptEncoding offers the upstream (or an encode handler after us)
// only the codings we decode cheaply and compress again: gzip, else zstd,
// else identity.
func narrowAcceptEncoding(r *http.Request) {
	ae := r.Header["Accept-Encoding"]
	switch {
	case acceptsEncoding(ae, "gzip"):
		r.Header.Set("Accept-Encoding", "gzip")
	case acceptsEncoding(ae, "zstd"):
		r.Header.Set("Accept-Encoding", "zstd")
	default:
		// Said, not left out: without the header Go's transport asks for gzip
		// itself and takes one layer off before we see the body, with every
		// Content-Encoding line (a body gzipped twice, in two lines, would
		// reach the rewriter still gzipped and unlabelled).
		r.Header.Set("Accept-Encoding", "identity")
	}
}

// endpointPath is the path below the prefix of a request to the endpoints,
// read first from the URI the visitor sent: Caddy runs try_files, rewrite,
// uri and handle_path's stripping before this handler, and an SPA's
// try_files {path} /index.html would otherwise answer /_consent/guard.js
// with the site's index page and every choice posted with a 405 (the
// visitor could never choose). A path rewritten to the endpoints counts too.
func (h *Handler) endpointPath(r *http.Request) (string, bool) {
	if rest, ok := h.reserved(originalURL(r).Path); ok {
		return rest, true
	}
	return h.reserved(r.URL.Path)
}

// endpointWatch notices a handler whose pages point the browser at
// endpoints that never reach it: inside a `handle /blog/*` or next to a
// `handle @static { file_server }`, /_consent/guard.js goes to another route
// (a 404, or the site's page), so the guard and banner do not load and no
// choice can be made — silently. Browsers' page loads are counted until a
// request under the prefix arrives; past unansweredPages, a warning once.
type endpointWatch struct {
	reached atomic.Bool
	pages   atomic.Int64
	warned  atomic.Bool
}

// unansweredPages is how many page loads by browsers without one request
// under the prefix make the warning: among that many, a new visitor (who
// fetches the guard and the banner) or a choice is all but certain.
const unansweredPages = 1000

// pageServed counts a rewritten page a browser loads (Sec-Fetch-Dest:
// document); the thousandth before any request under the prefix warns. A
// visitor whose consent cookie this policy reads chose through the endpoints
// (after a reload, the guard and banner may all come from browsers' caches).
func (h *Handler) pageServed(r *http.Request, cons policy.Consent) {
	e := h.endpoints
	if e.reached.Load() {
		return
	}
	if cons.Given && h.Source == sourceOwn {
		e.reached.Store(true)
		return
	}
	if first(r.Header, "Sec-Fetch-Dest") != "document" || e.pages.Add(1) < unansweredPages || !e.warned.CompareAndSwap(false, true) {
		return
	}
	h.logger.Warn("pages point the browser at "+h.PathPrefix+"/ (the guard, the banner, the choices) but no request under it has reached this cookie_consent: if another route answers them (cookie_consent inside a handle, a handle for static files), the guard and banner do not load and no choice can be made; put cookie_consent at the site's level, or give it a path_prefix under its route's path",
		zap.Int64("pages", unansweredPages), zap.String("path_prefix", h.PathPrefix), zap.String("last_page", originalURL(r).Path))
}

// reserved returns the path below the prefix for requests to the endpoints.
func (h *Handler) reserved(path string) (string, bool) {
	rest, ok := strings.CutPrefix(path, h.PathPrefix)
	if !ok || (rest != "" && rest[0] != '/') {
		return "", false
	}
	return rest, true
}

// checkNewerRevision warns, once, when a consent cookie that counts as no
// choice names a revision newer than the policy's: most likely another
// cookie_consent with another policy answers the same prefix (two handle
// blocks, two policies, one consent cookie), and every choice made there
// is asked again here, for ever; or the policy was rolled back. (A visitor
// can forge such a cookie: the warning says what it may mean.)
func (h *Handler) checkNewerRevision(value string) {
	if rev, ok := h.codec.NewerRevision(value); ok && h.newerRevision.CompareAndSwap(false, true) {
		h.logger.Warn("a consent cookie names a newer revision of the policy than this cookie_consent's: choices made under it count as none here; if two cookie_consent with different policies share a path_prefix (two handle blocks), give each its own path_prefix and consent cookie name (consent.cookie), or raise this policy's revision",
			zap.Int("cookie_revision", rev), zap.Int("policy_revision", h.policy.Revision), zap.String("cookie", h.policy.Consent.Name))
	}
}

// maxConsentCookies bounds the consent cookies of one request that are read:
// a browser holds at most a few (host-only, and one per domain it was set on).
const maxConsentCookies = 4

// readConsent reads the visitor's consent from our cookie or from the site's
// consent manager; anything unreadable is no choice.
func (h *Handler) readConsent(r *http.Request) policy.Consent {
	cons, _, _ := h.readConsentCookie(r)
	return cons
}

// readConsentCookie is readConsent with the value of the consent cookie it
// went by ("" when none decoded), and whether the consent cookies that decode
// all carry one consent id (two with different ids: one was put there by
// someone else, a subdomain's script or a page's, and which is the
// visitor's cannot be told).
func (h *Handler) readConsentCookie(r *http.Request) (cons policy.Consent, value string, oneID bool) {
	cons, oneID = policy.NoChoice(), true
	if h.Source == sourceOwn {
		// Two consent cookies arrive once consent.domain is set or changed
		// (the host-only one of before and the domain one): the browser
		// sends the older first, which would keep a choice the visitor has
		// changed since. The newest that decodes wins, of the first few (a
		// visitor's thousand copies must not cost a thousand decodings).
		seen := 0
		for _, line := range r.Header["Cookie"] {
			for c := range policy.RequestCookies(line) {
				if c.Name != h.policy.Consent.Name || seen == maxConsentCookies {
					continue
				}
				seen++
				d := h.codec.Decode(c.Value)
				if d.Given && cons.Given && d.ID != cons.ID {
					oneID = false
				}
				if d.Given && (!cons.Given || !d.Time.Before(cons.Time)) {
					cons, value = d, c.Value
				} else if !d.Given {
					h.checkNewerRevision(c.Value)
				}
			}
		}
	} else {
		granted, given := cmp.Read(h.Source, func(name string) (string, bool) { return requestCookie(r, name) }, h.sourceMap)
		if given {
			cons = policy.Consent{Given: true, Granted: h.policy.SetOf(granted)}
		}
	}
	// "Sec-Gpc" is Sec-GPC in the header map's canonical form.
	if !cons.Given && *h.GPC && first(r.Header, "Sec-Gpc") == "1" {
		cons.GPC = true
	}
	return cons, value, oneID
}

// language picks the visitor's language among the policy's: ?lang= when it
// names one, else Accept-Language, else the policy's first.
func (h *Handler) language(r *http.Request) string {
	langs := h.policy.Languages
	if u := originalURL(r); u.RawQuery != "" {
		if l := u.Query().Get("lang"); slices.Contains(langs, l) {
			return l
		}
	}
	if al := first(r.Header, "Accept-Language"); al != "" {
		if i := h.langChoices.choose(al, h.langMatcher); i >= 0 {
			return langs[i]
		}
	}
	return langs[0]
}

// langChoices remembers which of the policy's languages an Accept-Language
// value chooses: parsing and matching it was the largest fixed cost of a
// page, and browsers send few distinct values. Bounded in size (values of at
// most maxLangKey bytes, at most maxLangChoices of them; full, it starts
// over); an entry never goes stale, since the choice depends only on the
// value and this configuration's languages, and a new configuration comes
// with a new handler.
type langChoices struct {
	mu sync.RWMutex
	m  map[string]int // index in the policy's languages; -1: none matches
}

const (
	maxLangChoices = 1024
	maxLangKey     = 256
)

// choose returns the index of the language al chooses, or -1; a nil
// langChoices (a handler not provisioned) decides without remembering.
func (lc *langChoices) choose(al string, m language.Matcher) int {
	if lc == nil || len(al) > maxLangKey {
		return matchLanguage(al, m)
	}
	lc.mu.RLock()
	i, ok := lc.m[al]
	lc.mu.RUnlock()
	if ok {
		return i
	}
	i = matchLanguage(al, m)
	lc.mu.Lock()
	if lc.m == nil || len(lc.m) >= maxLangChoices {
		lc.m = make(map[string]int)
	}
	lc.m[strings.Clone(al)] = i // not a slice of the request's header memory
	lc.mu.Unlock()
	return i
}

func matchLanguage(al string, m language.Matcher) int {
	_, i, conf := m.Match(acceptLanguage(al)...)
	if conf == language.No {
		return -1
	}
	return i
}

func acceptLanguage(header string) []language.Tag {
	tags, _, err := language.ParseAcceptLanguage(header)
	if err != nil {
		return nil
	}
	return tags
}

// requestCookie returns the first cookie of that name, as servers read it
// (browsers send the most specific path first).
func requestCookie(r *http.Request, name string) (value string, found bool) {
	for _, line := range r.Header["Cookie"] {
		for c := range policy.RequestCookies(line) {
			if c.Name == name {
				return c.Value, true
			}
		}
	}
	return "", false
}

// setPlaceholders publishes the consent to later handlers and to logs. The
// values are answered when asked (Replacer.Map) rather than stored: most
// requests never read them, and storing seven keys in the replacer's map
// would cost a map and its growth on every request. A request without an
// identified choice uses a provider made at provision, so it allocates
// nothing.
func (h *Handler) setPlaceholders(r *http.Request, cons policy.Consent) {
	repl, ok := r.Context().Value(caddy.ReplacerCtxKey).(*caddy.Replacer)
	if !ok {
		return
	}
	if f := h.placeholders.shared(cons); f != nil {
		repl.Map(f)
		return
	}
	// A method value of a value receiver: one allocation, the bound copy.
	repl.Map(consentPlaceholders{pv: h.placeholders, cons: cons}.get)
}

// placeholderValues are the placeholders' values made once per configuration
// rather than on every request: a string stored in a map[string]any is
// boxed, which allocates, unless the same boxed value is returned each time.
type placeholderValues struct {
	policy       *policy.Policy
	grantedLists []any // the granted list of each set below 1<<len(categories), when there are few categories
	// providers answers a request whose consent has no id (no choice, or a
	// choice read from a consent manager's cookie), by given and set.
	providers [2][]caddy.ReplacerFunc
}

// maxListedSets bounds the precomputed granted lists (256 for 8 categories).
const maxListedSets = 1 << 8

func newPlaceholderValues(p *policy.Policy) *placeholderValues {
	pv := &placeholderValues{policy: p}
	if n := 1 << len(p.Categories); len(p.Categories) < 64 && n <= maxListedSets {
		pv.grantedLists = make([]any, n)
		for given := range pv.providers {
			pv.providers[given] = make([]caddy.ReplacerFunc, n)
		}
		for s := range n {
			pv.grantedLists[s] = strings.Join(p.IDs(policy.Set(s)), ",")
			for given := range pv.providers {
				c := consentPlaceholders{pv: pv, cons: policy.Consent{Given: given == 1, Granted: policy.Set(s)}}
				pv.providers[given][s] = c.get
			}
		}
	}
	return pv
}

// shared returns the provider made at provision for this consent, or nil.
func (pv *placeholderValues) shared(cons policy.Consent) caddy.ReplacerFunc {
	if cons.ID != "" || cons.Granted >= policy.Set(len(pv.grantedLists)) {
		return nil
	}
	given := 0
	if cons.Given {
		given = 1
	}
	return pv.providers[given][cons.Granted]
}

// consentPlaceholders answers the http.cookie_consent.* placeholders of one
// consent (docs/CONFIGURATION.md).
type consentPlaceholders struct {
	pv   *placeholderValues
	cons policy.Consent
}

const placeholderPrefix = "http.cookie_consent."

func (c consentPlaceholders) get(key string) (any, bool) {
	name, ok := strings.CutPrefix(key, placeholderPrefix)
	if !ok {
		return nil, false
	}
	switch name {
	case "given":
		return boxedBool(c.cons.Given), true
	case "id":
		return c.cons.ID, true
	case "granted":
		if s := c.cons.Granted; s < policy.Set(len(c.pv.grantedLists)) {
			return c.pv.grantedLists[s], true
		}
		return strings.Join(c.pv.policy.IDs(c.cons.Granted), ","), true
	}
	if id, ok := strings.CutPrefix(name, "category."); ok {
		if i := c.pv.policy.CategoryIndex(id); i >= 0 {
			return boxedBool(c.cons.Grants(i)), true
		}
	}
	return nil, false
}

var boxedTrue, boxedFalse any = "true", "false"

func boxedBool(b bool) any {
	if b {
		return boxedTrue
	}
	return boxedFalse
}

// cookieClasses remembers the class of the first few cookie names a request
// and its response meet. The Set-Cookie of a response mostly names cookies
// the request carried: each is then found by a scan of a short list instead
// of being looked up again in the classifier's maps and pattern lists.
type cookieClasses struct {
	n       int
	names   [rememberedClasses]string
	classes [rememberedClasses]policy.Class
}

// rememberedClasses: a typical request carries fewer cookies (seven in
// BenchmarkHotCookies), and a name past the list is classified as it would
// be without it.
const rememberedClasses = 12

// classify is c.Classify(name), from the list when name is in it.
func (m *cookieClasses) classify(c *policy.Classifier, name string) policy.Class {
	for i := range m.n {
		if m.names[i] == name {
			return m.classes[i]
		}
	}
	cl := c.Classify(name)
	if m.n < rememberedClasses {
		m.names[m.n], m.classes[m.n] = name, cl
		m.n++
	}
	return cl
}

// filterRequestCookies removes the cookies that may not pass from the Cookie
// header before the upstream sees it, keeping the rest as it was sent. It
// returns the removed names (a nameless cookie as ""), which the response
// then expires; classes keeps the names' classes for the response.
func (h *Handler) filterRequestCookies(r *http.Request, cons policy.Consent, consentValue string, classes *cookieClasses) []string {
	var refused []string
	own, keptConsent := h.Source == sourceOwn, false
	lines := r.Header["Cookie"]
	for li, line := range lines {
		// The kept pairs stay on the stack for the usual few cookies; they
		// are joined only when a pair was removed.
		var keptBuf [16]string
		kept := keptBuf[:0]
		removed := false
		for c := range policy.RequestCookies(line) {
			if own && c.Name == h.policy.Consent.Name {
				// The upstream gets the consent cookie the proxy went by,
				// once, and no other: a backend that reads the first of
				// several (Go's r.Cookie, PHP) read an older accept-all
				// the visitor had withdrawn, or one a script or a
				// subdomain planted that does not decode here (unsigned,
				// with a secret). Not refused: nothing to expire.
				if c.Value == "" || c.Value != consentValue || keptConsent {
					removed = true
					continue
				}
				keptConsent = true
			}
			cl := classes.classify(h.classifier, c.Name)
			if h.classifier.Allows(cl, cons) {
				kept = append(kept, c.Raw)
				continue
			}
			removed = true
			refused = append(refused, c.Name)
			h.decided(r, "request cookie", c.Name, cl, "removed", 0)
		}
		if removed && h.Mode == modeEnforce {
			lines[li] = strings.Join(kept, "; ")
		}
	}
	if h.Mode == modeEnforce && len(lines) > 0 {
		out := lines[:0]
		for _, l := range lines {
			if l != "" {
				out = append(out, l)
			}
		}
		if len(out) == 0 {
			delete(r.Header, "Cookie")
		} else {
			r.Header["Cookie"] = out
		}
	}
	return refused
}

// decided counts a cookie decision, logs it at debug and aggregates it for
// the "observed" entries; in report mode nothing is counted and the log says
// what enforce mode would have done, which is the whole point of report mode.
func (h *Handler) decided(r *http.Request, what, name string, cl policy.Class, action string, maxAge int64) {
	if h.Mode != modeReport {
		h.cookieCounters.counter(cl, action).Inc()
	}
	// The message is built only when it is logged: at Caddy's default level
	// this runs for every cookie of every request and logs nothing.
	if h.logger.Core().Enabled(zap.DebugLevel) {
		msg := what + " " + action
		if h.Mode == modeReport {
			msg = "would have " + action + " " + what
		}
		if ce := h.logger.Check(zap.DebugLevel, msg); ce != nil {
			ce.Write(
				zap.String("name", boundString(name)),
				zap.String("category", cl.Category),
				zap.String("classified_by", cl.Origin.String()),
				zap.String("path", boundString(originalURL(r).Path)),
			)
		}
	}
	// observe drops what its level does not log; asked first, the request's
	// path and the observation are not even put together.
	if o := h.observer; o.logger.Core().Enabled(o.level) {
		// A request cookie (removed, or expired in the response) names
		// what the visitor sent, not what the site set: "request", which
		// draft lists apart and the observer admits at a bounded rate.
		if what == "set-cookie deletion" {
			// Kept, as the metrics say; for draft, a name the site only
			// deletes is no cookie it sets.
			action = "deleted"
		}
		h.observeCookie(r, name, cl, action, maxAge, what == "request cookie" || what == "cookie")
	}
}
