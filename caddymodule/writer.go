package caddymodule

import (
	"io"
	"iter"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"

	"github.com/consentgate/consentgate/caddymodule/assets"
	"github.com/consentgate/consentgate/policy"
)

// responseWriter enforces the consent on the response. When the final header
// goes out it filters Set-Cookie (and Link) and adds the expiries of refused
// cookies; the body of a page document flows through the rewriting stages
// (pipeline.go). Like Caddy's encode handler it holds the header back until
// the first body bytes tell what the response is: an HTML answer to a
// navigation is a document only when its body is not empty (and, for a
// client that does not say what the request is for, when the body begins as
// a document).
type responseWriter struct {
	*caddyhttp.ResponseWriterWrapper
	// own is the wrapper when w is not one already: allocated with us, not
	// separately.
	own     caddyhttp.ResponseWriterWrapper
	h       *Handler
	r       *http.Request
	consent policy.Consent
	refused []string      // request cookies to expire
	classes cookieClasses // the request cookies' classes, for the Set-Cookie
	nav     navigation
	ourTag  bool // the request revalidated a page we rewrote (see validators.go)
	// innerRewrites: a cookie_consent further in on this request rewrites
	// the page (see finalize).
	innerRewrites bool
	lang          string // the language the request asks for (?lang=, Accept-Language), part of the ETag
	// acceptEncoding is the client's, kept before the upstream's was narrowed.
	acceptEncoding []string

	status      int            // the final status, once WriteHeader was called with one
	pending     bool           // status known, the header waits for body bytes
	held        []byte         // the first body bytes, while they decide (at most docStart)
	headerSent  bool           // the final header went downstream
	body        stage          // the rewriting stages; nil: the body passes through
	coalesce    *coalesceStage // the last of them, told when a write of the upstream has gone through
	cookiesSent int            // Set-Cookie values when the header went out; later ones are trailers
	// banner is the page's BodyEnd, rendered into a pooled buffer that goes
	// back once the write that inserted it has returned (putBanner).
	banner *[]byte
	// legacyCharset: the page is not known to be UTF-8 (charsetStage), so
	// the text we insert goes as character references (asciiMarkup).
	legacyCharset bool
}

// responseWriters are reused: one per request would be the only allocation
// of a request without cookies to our handler.
var responseWriters = sync.Pool{New: func() any { return new(responseWriter) }}

// newResponseWriter wraps w for one request; the caller sets the consent
// and the refused cookies once read.
func (h *Handler) newResponseWriter(w http.ResponseWriter, r *http.Request, nav navigation) *responseWriter {
	rw := responseWriters.Get().(*responseWriter)
	*rw = responseWriter{h: h, r: r, nav: nav}
	if rww, ok := w.(*caddyhttp.ResponseWriterWrapper); ok {
		rw.ResponseWriterWrapper = rww
	} else {
		rw.own.ResponseWriter = w
		rw.ResponseWriterWrapper = &rw.own
	}
	return rw
}

// WriteHeader passes 1xx responses straight on (with their Set-Cookie and
// Link filtered) and defers the final one until the body is known.
func (rw *responseWriter) WriteHeader(status int) {
	if rw.headerSent || rw.pending {
		return
	}
	if status >= 100 && status <= 199 {
		rw.filterSetCookies(false)
		rw.filterLinks()
		rw.ResponseWriterWrapper.WriteHeader(status)
		return
	}
	rw.status = status
	if rw.mayBeDocument() {
		rw.pending = true
		return
	}
	rw.finalize(false)
}

// mayBeDocument: what the header says does not rule out a page document.
func (rw *responseWriter) mayBeDocument() bool {
	if rw.nav == notNavigation || !rewritableStatus(rw.status, rw.r, rw.Header()) {
		return false
	}
	hdr := rw.Header()
	if cl := first(hdr, "Content-Length"); cl == "0" {
		return false
	}
	if isAttachment(first(hdr, "Content-Disposition")) {
		return false // saved, not shown: the file must stay as the site made it
	}
	essence, unknown := responseType(hdr)
	if unknown {
		// Sniffed from the first bytes, as the browser will (a compressed
		// body once decoded).
		_, known := contentCodings(hdr["Content-Encoding"])
		return known
	}
	return isHTMLType(essence)
}

func (rw *responseWriter) Write(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if !rw.headerSent {
		if rw.status == 0 {
			rw.WriteHeader(http.StatusOK)
		}
		if rw.pending {
			return rw.hold(p)
		}
	}
	return rw.writeBody(p)
}

// hold keeps the first body bytes until they tell whether the response is a
// document, then sends the header and them.
func (rw *responseWriter) hold(p []byte) (int, error) {
	prefix := p
	if len(rw.held) > 0 {
		rw.held = append(rw.held, p...)
		prefix = rw.held
	}
	doc, decided := rw.isDocument(prefix, false)
	if !decided && len(prefix) < docStart {
		if len(rw.held) == 0 {
			rw.held = append(rw.held, p...) // p is not ours to keep
		}
		return len(p), nil
	}
	rw.held = nil
	rw.finalize(doc)
	if _, err := rw.writeBody(prefix); err != nil {
		return 0, err
	}
	return len(p), nil
}

// isDocument decides from the first body bytes (see document.go); last says
// no more will come before the decision (a flush, the end).
func (rw *responseWriter) isDocument(prefix []byte, last bool) (doc, decided bool) {
	hdr := rw.Header()
	essence, unknown := responseType(hdr)
	if unknown {
		// The browser sniffs up to 512 bytes: a page whose first write is
		// a line break is not plain text (net/http itself waits for them).
		if len(prefix) < sniffLen && !last {
			return false, false
		}
		codings, _ := contentCodings(hdr["Content-Encoding"])
		_, typed := hdr["Content-Type"]
		switch {
		case len(codings) > 0:
			// The browser sniffs what the body decodes to.
			start, _ := decodedStart(codings, prefix, sniffLen)
			essence = sniffedType(hdr, start)
		case !typed:
			// As net/http will (it does not sniff a compressed body); the
			// browser then has a type, nosniff or not.
			hdr.Set("Content-Type", http.DetectContentType(prefix))
			essence, _, _ = mimeType(hdr["Content-Type"])
		default:
			essence = sniffedType(hdr, prefix)
		}
	}
	if !isHTMLType(essence) {
		return false, true
	}
	if rw.nav == isNavigation {
		return true, true
	}
	if codings, known := contentCodings(hdr["Content-Encoding"]); known && len(codings) > 0 {
		// Compressed: what it begins with is not readable here; a client
		// that asked for HTML gets it rewritten.
		return true, true
	}
	return beginsAsDocument(prefix)
}

// decideHeld ends the wait when no more body bytes will help: a flush, or
// the end of the response. Bytes that could still begin a document count as
// one on a flush (a tracker must not pass for want of bytes) and as none at
// the end.
func (rw *responseWriter) decideHeld(atEnd bool) error {
	if len(rw.held) == 0 {
		rw.finalize(false)
		return nil
	}
	prefix := rw.held
	rw.held = nil
	doc, decided := rw.isDocument(prefix, true)
	if !decided {
		doc = !atEnd
	}
	rw.finalize(doc)
	_, err := rw.writeBody(prefix)
	return err
}

func (rw *responseWriter) writeBody(p []byte) (int, error) {
	if rw.body != nil {
		n, err := rw.body.Write(p)
		rw.putBanner()
		if err == nil {
			err = rw.coalesce.endWrite()
		}
		return n, err
	}
	return rw.ResponseWriterWrapper.Write(p)
}

// ReadFrom is overridden because the wrapper's ReadFrom would hand the body
// (file_server uses io.Copy) straight to the connection, past Write.
func (rw *responseWriter) ReadFrom(src io.Reader) (int64, error) {
	if rw.headerSent && rw.body == nil {
		return rw.ResponseWriterWrapper.ReadFrom(src)
	}
	return io.Copy(writerOnly{rw}, src)
}

// writerOnly hides ReadFrom so io.Copy uses Write.
type writerOnly struct{ io.Writer }

// FlushError lets http.ResponseController flush through the stages. Before
// any body byte a flush waits, as in Caddy's encode handler; with body bytes
// held, it decides.
func (rw *responseWriter) FlushError() error {
	if !rw.headerSent {
		if !rw.pending || len(rw.held) == 0 {
			return nil
		}
		if err := rw.decideHeld(false); err != nil {
			return err
		}
	}
	if rw.body != nil {
		return rw.body.Flush()
	}
	//nolint:bodyclose
	return http.NewResponseController(rw.ResponseWriterWrapper).Flush()
}

// Close finishes the response after the next handler returned without error.
func (rw *responseWriter) Close() error {
	if !rw.headerSent {
		// A handler that wrote nothing still sends the header map, with any
		// Set-Cookie in it, when it returns: decide it here.
		if rw.status == 0 {
			rw.status = http.StatusOK
		}
		if err := rw.decideHeld(true); err != nil {
			rw.release()
			return err
		}
	}
	var err error
	if rw.body != nil {
		err = rw.body.Close()
		rw.body, rw.coalesce = nil, nil
	}
	rw.putBanner()
	rw.filterTrailers()
	return err
}

// abandon is for a handler that failed: no body of ours follows, but the
// header map may still be sent by the error handler.
func (rw *responseWriter) abandon() {
	if !rw.headerSent {
		rw.filterSetCookies(true)
		rw.filterLinks()
	}
	rw.release()
}

// release drops the stages without writing: ServeHTTP defers it, so an
// aborted response (reverse_proxy panics with http.ErrAbortHandler on an
// upstream error mid-body) leaves nothing running and nothing that could
// write to the connection after the handler returned.
func (rw *responseWriter) release() {
	if rw.body != nil {
		rw.body.release()
		rw.body, rw.coalesce = nil, nil
	}
	rw.putBanner()
	rw.held = nil
}

// renderBanner renders the page's BodyEnd into a pooled buffer. The
// rewriter has written the bytes on (or copied them) before the write of
// the body that made it ask returns, and then the buffer goes back.
func (rw *responseWriter) renderBanner(pg assets.Page) []byte {
	if rw.banner == nil {
		rw.banner = bannerPool.Get().(*[]byte)
	}
	b := rw.h.bundle.AppendBodyEnd((*rw.banner)[:0], pg)
	if rw.legacyCharset && hasNonASCII(b) {
		// In the same pooled buffer, after the banner as rendered.
		n := len(b)
		b = appendCharRefs(b, b[:n])
		*rw.banner = b
		return b[n:]
	}
	*rw.banner = b
	return b
}

func (rw *responseWriter) putBanner() {
	if rw.banner != nil {
		if cap(*rw.banner) <= maxPooledBanner {
			bannerPool.Put(rw.banner)
		}
		rw.banner = nil
	}
}

// bannerPool holds the buffers banners are rendered into (a few KiB each);
// one that grew past maxPooledBanner is left to the collector.
var bannerPool = sync.Pool{New: func() any { b := make([]byte, 0, 8<<10); return &b }}

const maxPooledBanner = 64 << 10

// recycle returns rw to the pool once ServeHTTP is done with it, with
// nothing of the request left in it.
func (rw *responseWriter) recycle() {
	*rw = responseWriter{}
	responseWriters.Put(rw)
}

// finalize decides the final header and sends it; rewrite says the body is a
// page document.
func (rw *responseWriter) finalize(rewrite bool) {
	rw.headerSent, rw.pending = true, false
	hdr := rw.Header()
	hadCookies := len(hdr["Set-Cookie"]) > 0 || len(rw.refused) > 0
	rw.filterSetCookies(true)
	headersDepend := rw.filterLinks()
	enforce := rw.h.Mode == modeEnforce
	if (hadCookies || headersDepend) && enforce {
		addVary(hdr, "Cookie")
	}
	if ct := hdr["Content-Type"]; rewrite || mentionsDocType(ct) && isHTMLTyped(ct) || typeUnknown(hdr) {
		// Rewritten or not depends on what the request was for, on both sides:
		// a cache that kept the page a fetch or a prefetch got (as it came,
		// trackers and all) must not serve it to a navigation. Without
		// Sec-Fetch-Dest, Accept and X-Requested-With decide (navigationOf).
		addVary(hdr, "Sec-Fetch-Dest")
		dest := first(rw.r.Header, "Sec-Fetch-Dest")
		if rewrite && frameDest(dest) {
			// A frame's page depends on the site around it (crossSiteFrame).
			addVary(hdr, "Sec-Fetch-Site")
		}
		if dest == "" {
			addVary(hdr, "Accept")
			addVary(hdr, "X-Requested-With")
		}
	}
	if rewrite && rw.innerRewrites {
		rewrite = false
	}
	if rewrite && rw.outerAnswers() {
		// A cookie_consent further out answers this one's endpoints (both
		// at /_consent): a page made here would load that one's guard and
		// post its choices there. That one rewrites the page, consistent
		// with what it answers.
		rewrite = false
		if rw.h.nestedWarned.CompareAndSwap(false, true) {
			rw.h.logger.Warn("two cookie_consent handlers on one request share the path_prefix "+rw.h.PathPrefix+": the outer one answers the endpoints and rewrites the page, the inner one's options are not used for it; give the inner one a path_prefix of its own (under its route's path)",
				zap.String("path", originalURL(rw.r).Path))
		}
	}
	if rewrite && rw.markOuter() && rw.h.nestedWarned.CompareAndSwap(false, true) {
		// Two cookie_consent on one request (a site-wide one and another in
		// a handle or route inside it): the innermost rewrites the page,
		// with its policy, mode and banner — what the owner wrote for this
		// part of the site — and those further out pass it on as it comes
		// (twice made two guards and two banners). Their Set-Cookie and
		// Cookie filters all apply.
		rw.h.logger.Info("two cookie_consent handlers on one request: the inner one rewrites the page",
			zap.String("path", originalURL(rw.r).Path))
	}
	if rewrite {
		rw.h.bodyFor(rw)
	}
	if rw.status == http.StatusNotModified && rw.ourTag {
		// Still the page rewritten for this consent: its tag comes back as sent.
		consentETag(hdr, rw.consent, crossSiteFrame(rw.r), rw.lang, rw.h.pageGeneration)
		delete(hdr, "Last-Modified")
		rw.h.pageVary(hdr)
	}
	rw.cookiesSent = len(hdr["Set-Cookie"])
	if rw.nav == notNavigation {
		rw.ResponseWriterWrapper.WriteHeader(rw.status)
		rw.checkDeferredCookies()
		return
	}
	wasHTML, hadCookieVary := isHTMLTyped(hdr["Content-Type"]), varies(hdr, "Cookie")
	rw.ResponseWriterWrapper.WriteHeader(rw.status)
	rw.checkDeferredCookies()
	rw.checkDeferredHeaders(wasHTML, hadCookieVary)
}

// checkDeferredCookies warns when a `header` operation deferred to the
// response added a Set-Cookie after we filtered them (`header { -Server;
// Set-Cookie ... }`, `header >Set-Cookie ...`, common in Caddyfiles): it went
// to the visitor unfiltered, whatever they chose, and only the log can say
// so. Once per cookie name per 10 minutes.
func (rw *responseWriter) checkDeferredCookies() {
	added := rw.Header()["Set-Cookie"]
	if len(added) <= rw.cookiesSent {
		return
	}
	for range rw.outerWriters() {
		return // an outer cookie_consent adds its own expiries, and filters the rest
	}
	for _, v := range added[rw.cookiesSent:] {
		name, _, _ := strings.Cut(v, "=")
		name = strings.TrimSpace(name)
		if rw.h.deferredCookies.ok(name, time.Now()) {
			rw.h.logger.Warn("a header operation deferred to the response added a Set-Cookie after cookie_consent, which cannot filter it: it reaches every visitor whatever they chose; put cookie_consent before header (order cookie_consent before header), or set the cookie in the site, where cookie_consent sees it",
				zap.String("name", boundString(name)), zap.String("path", originalURL(rw.r).Path))
		}
	}
}

// checkDeferredHeaders warns, once, when what went out is not what we
// decided on: a `header` operation deferred to the response (a `header`
// block with a deletion, `header >Name`) that runs before cookie_consent
// changes the shared header map when the header is written, after us. Such
// a Vary without Cookie lets a shared cache give one visitor's page to
// another; a Content-Type made HTML shows a page we did not rewrite.
func (rw *responseWriter) checkDeferredHeaders(wasHTML, hadCookieVary bool) {
	hdr := rw.Header()
	var what string
	switch {
	case hadCookieVary && !varies(hdr, "Cookie"):
		what = "Vary"
	case !wasHTML && isHTMLTyped(hdr["Content-Type"]):
		what = "Content-Type"
	default:
		return
	}
	if rw.h.deferredWarned.CompareAndSwap(false, true) {
		rw.h.logger.Warn("a header operation deferred to the response changed "+what+" after cookie_consent: put cookie_consent before header (order cookie_consent before header), or set the header without a deletion",
			zap.String("path", originalURL(rw.r).Path), zap.Strings(strings.ToLower(what), hdr[what]))
	}
}

// varies reports whether Vary names token.
func varies(hdr http.Header, token string) bool {
	for _, v := range hdr["Vary"] {
		for _, t := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}

// outerWriters are the cookie_consent writers this response goes through
// further out: a second handler on the same request (a site-wide one and
// another in a route inside it).
func (rw *responseWriter) outerWriters() iter.Seq[*responseWriter] {
	return func(yield func(*responseWriter) bool) {
		w := rw.ResponseWriterWrapper.ResponseWriter
		for range 32 {
			switch x := w.(type) {
			case *responseWriter:
				if !yield(x) {
					return
				}
				w = x.ResponseWriterWrapper.ResponseWriter
			case interface{ Unwrap() http.ResponseWriter }:
				w = x.Unwrap()
			default:
				return
			}
		}
	}
}

// outerAnswers reports whether a cookie_consent writer further out on this
// response answers this handler's endpoints.
func (rw *responseWriter) outerAnswers() bool {
	for x := range rw.outerWriters() {
		if _, ok := x.h.reserved(rw.h.PathPrefix + "/guard.js"); ok {
			return true
		}
	}
	return false
}

// markOuter tells every cookie_consent writer further out that this one
// rewrites the page; it reports whether there was one. It runs before the
// header goes on to them, so before they decide.
func (rw *responseWriter) markOuter() bool {
	found := false
	for x := range rw.outerWriters() {
		x.innerRewrites, found = true, true
	}
	return found
}

// filterSetCookies enforces the consent on the Set-Cookie headers; on the
// final response it also expires the refused cookies the request carried.
func (rw *responseWriter) filterSetCookies(final bool) {
	h, hdr := rw.h, rw.Header()
	values := hdr["Set-Cookie"]
	if len(values) == 0 && (!final || len(rw.refused) == 0) {
		return
	}
	now := time.Now()
	expiring := final && len(rw.refused) > 0
	// kept is made only when the header changes: on most responses every
	// Set-Cookie passes as it is and the header map keeps its slice.
	var kept, keptNames []string
	changed := false
	for i, v := range values {
		out, name, ok := rw.decideSetCookie(v, now)
		if ok && expiring {
			keptNames = append(keptNames, name)
		}
		if !changed && ok && out == v {
			continue
		}
		if !changed {
			changed = true
			kept = make([]string, i, len(values)+len(rw.refused))
			copy(kept, values[:i])
		}
		if ok {
			kept = append(kept, out)
		}
	}
	if expiring {
		var expire []string
		// Each name once, linearly: a client may send thousands of cookies
		// where the server allows large headers. A set only for many (most
		// requests refuse a few); and names past what one response expires
		// (maxExpiries headers in all) are not looked at.
		var seen map[string]bool
		if len(rw.refused)+len(keptNames) > 32 {
			seen = make(map[string]bool, len(keptNames)+maxExpiries)
			for _, name := range keptNames {
				seen[name] = true
			}
		}
		for i, name := range rw.refused {
			if len(expire) == maxExpiries {
				break
			}
			if seen != nil {
				if seen[name] {
					continue
				}
				seen[name] = true
			} else if slices.Contains(keptNames, name) || slices.Contains(rw.refused[:i], name) {
				continue
			}
			h.decided(rw.r, "cookie", name, rw.classes.classify(h.classifier, name), "expired", 0)
			expire = append(expire, name)
		}
		if exp := h.expiries(rw.r, expire, maxExpiries); len(exp) > 0 {
			if !changed {
				changed = true
				kept = append(make([]string, 0, len(values)+len(exp)), values...)
			}
			kept = append(kept, exp...)
		}
	}
	if h.Mode == modeReport {
		return
	}
	switch {
	case !changed && len(values) > 0:
		// Every value passed unchanged.
	case len(kept) == 0:
		delete(hdr, "Set-Cookie")
	default:
		hdr["Set-Cookie"] = kept
	}
}

// filterTrailers enforces the consent on Set-Cookie sent as a trailer:
// reverse_proxy adds the upstream's trailers to the header map after the
// body, either under their announced names or with http.TrailerPrefix.
func (rw *responseWriter) filterTrailers() {
	hdr := rw.Header()
	trailer, late := hdr[http.TrailerPrefix+"Set-Cookie"], hdr["Set-Cookie"]
	if len(trailer) == 0 && len(late) <= rw.cookiesSent {
		return
	}
	now := time.Now()
	filter := func(values []string) []string {
		var kept []string
		for _, v := range values {
			if out, _, ok := rw.decideSetCookie(v, now); ok {
				kept = append(kept, out)
			}
		}
		return kept
	}
	if rw.h.Mode != modeEnforce {
		// Report mode logs what enforce mode would decide, and changes
		// nothing.
		filter(trailer)
		if len(late) > rw.cookiesSent {
			filter(late[rw.cookiesSent:])
		}
		return
	}
	if vs := trailer; len(vs) > 0 {
		if kept := filter(vs); len(kept) > 0 {
			hdr[http.TrailerPrefix+"Set-Cookie"] = kept
		} else {
			delete(hdr, http.TrailerPrefix+"Set-Cookie")
		}
	}
	if vs := late; len(vs) > rw.cookiesSent {
		hdr["Set-Cookie"] = append(vs[:rw.cookiesSent:rw.cookiesSent], filter(vs[rw.cookiesSent:])...)
	}
}

// decideSetCookie returns the header to send for one Set-Cookie (possibly
// with its lifetime clamped), or ok=false to remove it.
func (rw *responseWriter) decideSetCookie(v string, now time.Time) (out, name string, ok bool) {
	h := rw.h
	sc := policy.ParseSetCookie(v)
	cl := rw.classes.classify(h.classifier, sc.Name)
	life, session := sc.Lifetime(now)
	maxAge := observedMaxAge(life, session)
	switch {
	case !sc.Valid:
		// A browser ignores it anyway; dropping it costs nothing.
		h.decided(rw.r, "invalid set-cookie", sc.Name, cl, "removed", maxAge)
		return "", "", false
	case h.Source == sourceOwn && sc.Name == h.policy.Consent.Name:
		// Only the consent endpoint writes the consent cookie.
		h.decided(rw.r, "upstream set-cookie of the consent cookie", sc.Name, cl, "removed", maxAge)
		return "", "", false
	}
	if maxAge == 0 {
		// A deletion (Max-Age=0, an Expires in the past) takes a cookie
		// away: it never needs consent, and a site's logout needs it.
		h.decided(rw.r, "set-cookie deletion", sc.Name, cl, "kept", maxAge)
		return v, sc.Name, true
	}
	if cl.Origin == policy.FromNothing || cl.Origin == policy.FromKnown {
		rw.warnUndeclared(sc.Name, cl, now)
	}
	if !h.classifier.Allows(cl, rw.consent) {
		h.decided(rw.r, "set-cookie", sc.Name, cl, "removed", maxAge)
		return "", "", false
	}
	if *h.ClampLifetime {
		if clamped, changed := clamp(sc, cl, life, session); changed {
			h.decided(rw.r, "set-cookie", sc.Name, cl, "clamped", maxAge)
			return clamped, sc.Name, true
		}
	}
	h.decided(rw.r, "set-cookie", sc.Name, cl, "kept", maxAge)
	return v, sc.Name, true
}

// observedMaxAge is a Set-Cookie's lifetime in seconds as observations
// record it: -1 for a session cookie, 0 for a deletion.
func observedMaxAge(life time.Duration, session bool) int64 {
	switch {
	case session:
		return -1
	case life <= 0:
		return 0
	}
	return max(int64(life/time.Second), 1)
}

// clamp caps the cookie's lifetime (life, session: sc.Lifetime) at its
// declared duration.
func clamp(sc policy.SetCookie, cl policy.Class, life time.Duration, session bool) (string, bool) {
	limit, sessionOnly, ok := cl.ClampTo()
	if !ok {
		return "", false
	}
	switch {
	case session || life <= 0:
		return "", false // already as short as it gets, or a deletion
	case sessionOnly:
		return sc.WithMaxAge(0, true), true
	case life > limit+time.Second: // Expires has one-second resolution
		return sc.WithMaxAge(limit, false), true
	}
	return "", false
}

// warnUndeclared tells the site owner about a cookie the policy does not
// declare, at most once per name per period.
func (rw *responseWriter) warnUndeclared(name string, cl policy.Class, now time.Time) {
	if name == "" || !rw.h.undeclared.ok(name, now) {
		return
	}
	suggested, suggestion := rw.h.classifier.Suggest(name)
	// A cookie the known list classifies is handled without a declaration
	// (the WordPress recipe relies on it): a note, not a warning.
	level := zap.WarnLevel
	if cl.Origin == policy.FromKnown {
		level = zap.InfoLevel
	}
	rw.h.logger.Log(level, "undeclared cookie",
		zap.String("name", boundString(name)),
		zap.String("suggested_category", suggested),
		zap.String("suggestion", suggestion),
		zap.String("path", boundString(originalURL(rw.r).Path)),
	)
}

// addVary adds a token to Vary unless it is there already.
func addVary(hdr http.Header, token string) {
	for _, v := range hdr["Vary"] {
		for rest, more := v, true; more; {
			var t string
			t, rest, more = strings.Cut(rest, ",")
			if t = strings.TrimSpace(t); strings.EqualFold(t, token) || t == "*" {
				return
			}
		}
	}
	hdr.Add("Vary", token)
}
