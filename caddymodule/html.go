package caddymodule

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/consentgate/consentgate/caddymodule/assets"
	"github.com/consentgate/consentgate/caddymodule/htmlrewrite"
	"github.com/consentgate/consentgate/internal/csp"
	"github.com/consentgate/consentgate/policy"
)

// maxHold is what a rewritten response may hold back in all (SPEC §5):
// the rewriter's share is what the other stages do not use.
const maxHold = 64 << 10

// rewrittenAway are the headers a rewritten body cannot keep: its length,
// its date, ranges and digests of the bytes as sent. They are written in the
// header map's canonical form (Content-Md5), so they are deleted without
// canonicalising each on every page.
var rewrittenAway = []string{"Content-Length", "Last-Modified", "Accept-Ranges", "Content-Md5", "Digest", "Content-Digest", "Repr-Digest"}

// bodyFor sets up the stages of a page document's body and fixes its entity
// headers. In report mode the page gets the guard alone — it holds nothing
// back there, and reports what it would drop — and everything else passes as
// it came.
func (h *Handler) bodyFor(rw *responseWriter) {
	hdr := rw.Header()
	essence, headerCharset, _ := mimeType(hdr["Content-Type"])
	if !isHTMLType(essence) {
		essence = "text/html" // a type the browser sniffs (unknown/unknown, none that parses): it sniffed HTML
	}
	codings, known := contentCodings(hdr["Content-Encoding"])
	if !known {
		// Browsers render the raw body when a coding is unknown (Chromium
		// passes it through undecoded): so do we, rather than let it pass
		// unread.
		codings = nil
	}
	warn := func(err error) {
		h.logger.Warn("compressed HTML could not be decoded to the end",
			zap.Strings("content_encoding", hdr["Content-Encoding"]), zap.String("path", originalURL(rw.r).Path), zap.Error(err))
	}

	// The rewritten body has another length and other bytes: the length and
	// digests go, the validator becomes weak and specific to the consent and
	// language, and caches must key on what the bytes depend on.
	for _, k := range rewrittenAway {
		delete(hdr, k)
	}
	if rw.status == http.StatusPartialContent {
		// An unsolicited 206 is rendered as a whole page, and rewritten as one.
		rw.status = http.StatusOK
		delete(hdr, "Content-Range")
	}
	h.pageVary(hdr)
	consentETag(hdr, rw.consent, crossSiteFrame(rw.r), rw.lang, h.pageGeneration)
	if rw.consent.Given && *h.Banner {
		// The banner's settings show the visitor's consent id and the time
		// of their choice: the page is theirs, for no shared cache.
		privateCacheControl(hdr)
	}

	var out stage = sink{rw.ResponseWriterWrapper}
	if len(codings) > 0 {
		addVary(hdr, "Accept-Encoding")
		if coding := outputCoding(rw.acceptEncoding, codings); coding != "" {
			hdr.Set("Content-Encoding", coding)
			out = newEncodeStage(coding, out)
		} else {
			delete(hdr, "Content-Encoding")
		}
	}
	h.pageServed(rw.r, rw.consent)
	cfg := h.rewriteConfig(rw, essence)
	if h.Mode == modeReport {
		cfg = h.reportingConfig(rw, essence)
	}
	rw.coalesce = newCoalesceStage(out)
	rw.body = h.stages(headerCharset, codings, cfg, rw.coalesce, warn, &rw.legacyCharset)
}

// stages chains decode → charset → rewrite → out; the charset stage sets
// *legacy when the page is not known to be UTF-8.
func (h *Handler) stages(headerCharset string, codings []string, cfg *htmlrewrite.Config, out stage, warn func(error), legacy *bool) stage {
	cfg.MaxHold = maxHold - coalesceSize - docStart
	var body stage = newCharsetStages(headerCharset, cfg.XML, func(o stage) stage { return newRewriteStage(cfg, o) }, out, legacy)
	if len(codings) > 0 {
		body = newDecodeStage(codings, body, warn)
	}
	return body
}

// pageVary names what a rewritten page depends on besides what the request
// was for: the consent cookie, Sec-GPC (without a choice, Sec-GPC: 1 is a
// refusal, and the page says so: the guard's data-gpc, the ETag), and the
// language when there is more than one. A 304 revalidating such a page names
// the same (RFC 9110 §15.4.5: a browser copies a 304's Vary onto its copy).
func (h *Handler) pageVary(hdr http.Header) {
	addVary(hdr, "Cookie")
	if *h.GPC {
		addVary(hdr, "Sec-GPC")
	}
	if len(h.policy.Languages) > 1 {
		addVary(hdr, "Accept-Language")
	}
}

// rewriteConfig is what the rewriter inserts and holds back in this page.
func (h *Handler) rewriteConfig(rw *responseWriter, essence string) *htmlrewrite.Config {
	cfg := &htmlrewrite.Config{
		XML: essence != "text/html",
		Debug: func(msg string) {
			h.logger.Debug("the rewriter held back what it could not read to the end", zap.String("reason", msg), zap.String("path", originalURL(rw.r).Path))
		},
	}
	if h.firstRefusedBlocked(rw.consent) != "" {
		// Something may be held back. A visitor who granted every category
		// that has blockers gets a rewriter without Block: nothing can be
		// held back, so it reads no URLs, scans no CSS and holds no inline
		// script, and only follows the document for the insertions (1.7
		// times as fast over the corpus; docs/BENCHMARKS.md).
		cfg.Block = h.blocker(rw.r, rw.consent)
	}
	if !takesMarkup(essence) {
		return cfg
	}
	pg := h.page(rw)
	cfg.Head = func(d htmlrewrite.Doc) []byte { return h.bundle.Head(h.pageIn(pg, d)) }
	if *h.Banner {
		// The banner's and the placeholders' texts (å, ä, ö) are UTF-8: in
		// a page of another encoding they go as character references, which
		// read the same in every encoding (a windows-1252 page showed
		// "GodkÃ¤nn alla").
		cfg.BodyEnd = func(d htmlrewrite.Doc) []byte { return rw.renderBanner(h.pageIn(pg, d)) }
	}
	if *h.Banner && !pg.Framed {
		// In a frame of another site no choice can be kept: a
		// placeholder's "allow" would record one the browser drops.
		cfg.Placeholder = func(d htmlrewrite.Doc, el htmlrewrite.Element, category string) []byte {
			return asciiMarkup(h.bundle.Placeholder(h.pageIn(pg, d), assets.PlaceholderInfo{
				Tag: el.Tag, Host: strings.TrimPrefix(elementHost(el), "www."), Category: category,
				Width: el.Width, Height: el.Height,
			}), rw.legacyCharset)
		}
	}
	return cfg
}

// pageIn completes the page from the document: its <html lang>, when that is
// one of the policy's languages, beats Accept-Language (SPEC §7); without a
// script or style nonce in the response's Content-Security-Policy header, the
// one of a <meta http-equiv="Content-Security-Policy"> goes on our script or
// style sheet tags, which that policy binds too (they come after it).
func (h *Handler) pageIn(pg assets.Page, d htmlrewrite.Doc) assets.Page {
	if (pg.Nonce == "" || pg.StyleNonce == "") && len(d.CSP) > 0 {
		policies := csp.Parse(d.CSP)
		if pg.Nonce == "" {
			pg.Nonce = policies.Nonce(csp.Scripts)
		}
		if pg.StyleNonce == "" {
			pg.StyleNonce = policies.Nonce(csp.StyleSheets)
		}
	}
	if d.Lang == "" {
		return pg
	}
	primary, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(d.Lang)), "-")
	for _, l := range h.policy.Languages {
		if l == primary {
			pg.Lang = l
			break
		}
	}
	return pg
}

// reportingConfig is report mode's: the guard goes in (it drops nothing in
// report mode and reports what it would), every element enforce mode would
// hold back is observed, and so is every other element that loads from
// another host — a policy being drafted has no blockers yet, and draft
// proposes them from these (the known tracker list's, or a list of hosts to
// look at) — and nothing else changes.
func (h *Handler) reportingConfig(rw *responseWriter, essence string) *htmlrewrite.Config {
	cfg := &htmlrewrite.Config{XML: essence != "text/html"}
	var wouldBlock func(htmlrewrite.Element) string
	if h.firstRefusedBlocked(rw.consent) != "" {
		// As in rewriteConfig: with every category that has blockers
		// granted, there is nothing enforce mode would hold back.
		wouldBlock = h.blocker(rw.r, rw.consent)
	}
	pageHost := visitorHost(rw.r)
	cfg.Block = func(el htmlrewrite.Element) string {
		if wouldBlock != nil {
			if cat := wouldBlock(el); cat != "" {
				h.logger.Debug("would have blocked element",
					zap.String("element", el.Tag), zap.String("src", boundString(el.Src)),
					zap.String("category", cat), zap.String("path", boundString(originalURL(rw.r).Path)))
				return ""
			}
		}
		h.observeUnblocked(rw.r, el, pageHost)
		return ""
	}
	if takesMarkup(essence) {
		pg := h.page(rw)
		cfg.Head = func(d htmlrewrite.Doc) []byte { return h.bundle.Head(h.pageIn(pg, d)) }
	}
	return cfg
}

// blocker is the rewriter's question "hold this element back?" for one
// request: an element matched by a blocker whose category is not granted.
// An element the rewriter could not read to the end (Partial) is held back
// under the first category not granted that has blockers (fail closed).
func (h *Handler) blocker(r *http.Request, cons policy.Consent) func(htmlrewrite.Element) string {
	pageHost := visitorHost(r)
	return func(el htmlrewrite.Element) string {
		var category string
		if b, ok := h.policy.BlockerForElement(el.Tag, el.URLs, el.Base, pageHost, el.Inline); ok {
			category = b.Category
		} else if el.Partial {
			category = h.firstRefusedBlocked(cons)
		}
		if el.SpeculationRules && (category == "" || cons.Grants(h.policy.CategoryIndex(category))) {
			// Speculation rules are data naming what the browser fetches: held
			// back under the first refused category of a host they name, or,
			// when they may fetch links of the page or cannot be read, under
			// the first refused category that has blockers (fail closed).
			blockers, open := h.policy.SpeculationRules(el.Inline, el.Base, pageHost)
			category = ""
			for _, b := range blockers {
				if !cons.Grants(h.policy.CategoryIndex(b.Category)) {
					category = b.Category
					break
				}
			}
			if category == "" && open {
				category = h.firstRefusedBlocked(cons)
			}
		}
		if (el.Module || el.ImportMap) && (category == "" || cons.Grants(h.policy.CategoryIndex(category))) {
			// A module's imports, and the URLs an import map maps specifiers
			// to, are fetched by the module loader, where the guard cannot see
			// them: held back under the first refused category of a host they
			// name as a URL (classic scripts: markers only).
			var blockers []*policy.Blocker
			if el.ImportMap {
				blockers = h.policy.ImportMap(el.Inline, el.Base, pageHost)
			} else {
				blockers = h.policy.ModuleScript(el.Inline, el.Base, pageHost)
			}
			for _, b := range blockers {
				if !cons.Grants(h.policy.CategoryIndex(b.Category)) {
					category = b.Category
					break
				}
			}
		}
		if category == "" || cons.Grants(h.policy.CategoryIndex(category)) {
			return ""
		}
		if h.Mode == modeEnforce {
			// The page names its elements, custom ones too: any name
			// would be a new series, never deleted.
			tag := el.Tag
			if !htmlrewrite.KnownTag(tag) {
				tag = "other"
			}
			h.metrics.elements.WithLabelValues(category, tag).Inc()
		}
		// As for cookies (Handler.decided): nothing is put together for an
		// observation its level does not log.
		if o := h.observer; o.logger.Core().Enabled(o.level) {
			host := elementHost(el)
			o.observe(observation{
				Kind: "element", Name: host, Category: category, ClassifiedBy: "declared",
				Action: "blocked", Source: "server", Element: el.Tag, Provider: host, Path: originalURL(r).Path,
			}, time.Now())
		}
		return category
	}
}

// observeUnblocked observes, in report mode, an element from another host
// that no blocker of the policy names: under the category the known tracker
// list gives its host ("known"), or none ("undeclared"). Same-origin and
// inline elements are the site's own.
func (h *Handler) observeUnblocked(r *http.Request, el htmlrewrite.Element, pageHost string) {
	if el.Src == "" {
		return
	}
	host := hostOf(el.Src)
	if strings.HasPrefix(host, "(") || strings.EqualFold(host, cookieHost(pageHost)) {
		return
	}
	if _, ok := h.policy.BlockerForElement(el.Tag, el.URLs, el.Base, pageHost, el.Inline); ok {
		return // a blocker names it: granted by this visitor, and observed when not
	}
	obs := observation{Kind: "element", Name: host, ClassifiedBy: "undeclared", Action: "kept",
		Source: "server", Element: el.Tag, Provider: host, Path: originalURL(r).Path}
	if t, ok := h.classifier.Tracker(host); ok {
		obs.Category, obs.ClassifiedBy = t.Category, "known"
	}
	h.observer.observe(obs, time.Now())
}

// firstRefusedBlocked is the first category with blockers that the consent
// does not grant; "" when every such category is granted.
func (h *Handler) firstRefusedBlocked(cons policy.Consent) string {
	for _, b := range h.policy.Blockers {
		if !cons.Grants(h.policy.CategoryIndex(b.Category)) {
			return b.Category
		}
	}
	return ""
}

// elementHost names an element in observations: its URL's host, or
// "inline" for an inline script held back by a marker.
func elementHost(el htmlrewrite.Element) string {
	if el.Src == "" {
		return "inline"
	}
	return hostOf(el.Src)
}

// hostOf is a URL's host for observations, read as blockers read it (a
// browser loads https://tracker.test/a%zz and https:\\tracker.test\x from
// tracker.test); "(same origin)" for a relative one.
func hostOf(u string) string {
	if h := policy.HostOf(u); h != "" {
		return h
	}
	return "(same origin)"
}

// page gathers what the inserted markup depends on for this response.
func (h *Handler) page(rw *responseWriter) assets.Page {
	pg := assets.Page{
		Lang:       rw.lang,
		Consent:    rw.consent,
		ShowBanner: *h.Banner && !rw.consent.Given,
		Framed:     crossSiteFrame(rw.r),
		ReturnPath: originalURL(rw.r).RequestURI(),
		Origin:     markupOrigin(rw.r),
	}
	if headers := rw.Header()["Content-Security-Policy"]; len(headers) > 0 {
		policies := csp.Parse(headers)
		pg.Nonce, pg.StyleNonce = policies.Nonce(csp.Scripts), policies.Nonce(csp.StyleSheets)
		h.warnCSP(rw.r, policies, pg)
	}
	return pg
}

// warnCSP tells the site owner, once per directive per 10 minutes, when the
// page's Content-Security-Policy keeps the guard and the banner script from
// running even with its nonce ('strict-dynamic' with hashes only, no 'self'):
// trackers the site's scripts add at run time are then not held back, and the
// banner works only as plain forms; or keeps the banner's style sheet from
// loading. The proxy does not rewrite the policy.
func (h *Handler) warnCSP(r *http.Request, policies csp.Policies, pg assets.Page) {
	origin, err := url.Parse(pg.Origin)
	if err != nil {
		return
	}
	if d := policies.Blocking(origin, pg.Nonce, csp.Scripts); d != "" && h.cspWarned.ok("script "+d, time.Now()) {
		h.logger.Warn("the page's Content-Security-Policy keeps the consent guard and banner script from running",
			zap.String("directive", d), zap.String("path", originalURL(r).Path),
			zap.String("fix", "allow "+h.PathPrefix+"/ scripts: 'self' (without 'strict-dynamic'), or a nonce the proxy can put on them"))
	}
	if d := policies.Blocking(origin, pg.StyleNonce, csp.StyleSheets); d != "" && h.cspWarned.ok("style "+d, time.Now()) {
		h.logger.Warn("the page's Content-Security-Policy keeps the banner's style sheet from loading",
			zap.String("directive", d), zap.String("path", originalURL(r).Path),
			zap.String("fix", "allow "+h.PathPrefix+"/ style sheets: 'self', or a nonce the proxy can put on them"))
	}
}
