package caddymodule

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/consentgate/consentgate/caddymodule/assets"
	"github.com/consentgate/consentgate/caddymodule/htmlrewrite"
	"github.com/consentgate/consentgate/policy"
)

// isHTML reports whether a Content-Type is a document the rewriter handles.
func isHTML(contentType string) bool {
	mt, _, _ := strings.Cut(contentType, ";")
	mt = strings.ToLower(strings.TrimSpace(mt))
	return mt == "text/html" || mt == "application/xhtml+xml"
}

// isDocumentRequest guesses whether the response will be a page: then the
// upstream is asked for an uncompressed body (Go's transport still compresses
// the upstream link itself and decodes transparently), which spares decoding.
func isDocumentRequest(r *http.Request) bool {
	if r.Method != http.MethodGet {
		return false
	}
	switch r.Header.Get("Sec-Fetch-Dest") {
	case "document", "iframe", "frame", "embed", "object":
		return true
	case "":
		return strings.Contains(r.Header.Get("Accept"), "text/html")
	}
	return false
}

var rewriterPool = sync.Pool{New: func() any { return htmlrewrite.New(nil, nil) }}

// bodyFor decides, when the final header goes out, whether the body is
// rewritten, and fixes the entity headers of a rewritten one. It returns nil
// to pass the body through untouched.
func (h *Handler) bodyFor(rw *responseWriter) bodyWriter {
	hdr := rw.Header()
	if !isHTML(hdr.Get("Content-Type")) || rw.status == http.StatusPartialContent {
		return nil
	}
	encoding := strings.ToLower(strings.TrimSpace(hdr.Get("Content-Encoding")))
	if encoding == "identity" {
		encoding = ""
	}
	if h.Mode == modeReport {
		return h.reportingBody(rw, encoding)
	}
	if encoding != "" && !canDecode(encoding) {
		h.logger.Warn("HTML with an unknown content encoding passed through unrewritten",
			zap.String("content_encoding", encoding), zap.String("path", rw.r.URL.Path))
		return nil
	}
	// The rewritten body has another length and other bytes: the length goes,
	// the validator becomes weak and consent-specific, and caches must key on
	// the consent.
	hdr.Del("Content-Length")
	hdr.Del("Last-Modified")
	addVary(hdr, "Cookie")
	consentETag(hdr, rw.consent)
	if !bodyAllowed(rw.r.Method, rw.status) {
		return nil
	}
	if encoding != "" {
		hdr.Del("Content-Encoding")
	}

	pg := h.page(rw.r, rw.consent, hdr)
	cfg := &htmlrewrite.Config{
		Head:  insertion(h.bundle.Head(pg)),
		Block: h.blocker(rw.r, rw.consent),
	}
	if *h.Banner {
		cfg.BodyEnd = insertion(h.bundle.BodyEnd(pg))
	}
	plain := h.newRewritingBody(rw, cfg)
	if encoding == "" {
		return plain
	}
	return newDecodingBody(plain, encoding, h.logger, rw.r.URL.Path)
}

// insertion is markup inserted whatever the page's language.
func insertion(b []byte) func(htmlrewrite.Doc) []byte {
	return func(htmlrewrite.Doc) []byte { return b }
}

// reportingBody scans an uncompressed page in report mode: every element
// enforce mode would hold back is logged, and the rewriter, asked to change
// nothing, passes the bytes through exactly (so the headers stay as they are).
func (h *Handler) reportingBody(rw *responseWriter, encoding string) bodyWriter {
	if encoding != "" || !bodyAllowed(rw.r.Method, rw.status) {
		return nil
	}
	wouldBlock := h.blocker(rw.r, rw.consent)
	return h.newRewritingBody(rw, &htmlrewrite.Config{Block: func(el htmlrewrite.Element) string {
		if cat := wouldBlock(el); cat != "" {
			h.logger.Debug("would have blocked element",
				zap.String("element", el.Tag), zap.String("src", el.Src),
				zap.String("category", cat), zap.String("path", rw.r.URL.Path))
		}
		return ""
	}})
}

// blocker is the rewriter's question "hold this element back?" for one
// request: an element matched by a blocker whose category is not granted.
func (h *Handler) blocker(r *http.Request, cons policy.Consent) func(htmlrewrite.Element) string {
	return func(el htmlrewrite.Element) string {
		b, ok := h.policy.BlockerFor(el.Src, r.Host, el.Inline)
		if !ok || cons.Grants(h.policy.CategoryIndex(b.Category)) {
			return ""
		}
		if h.Mode == modeEnforce {
			h.metrics.elements.WithLabelValues(b.Category, el.Tag).Inc()
		}
		h.observer.observe(observation{
			Kind: "element", Name: elementHost(el), Category: b.Category, ClassifiedBy: "declared",
			Action: "blocked", Source: "server", Element: el.Tag, Provider: elementHost(el), Path: r.URL.Path,
		}, time.Now())
		return b.Category
	}
}

// elementHost names an element in observations: its URL's host, or
// "inline" for an inline script held back by a marker.
func elementHost(el htmlrewrite.Element) string {
	if el.Src == "" {
		return "inline"
	}
	u, err := url.Parse(strings.TrimSpace(el.Src))
	if err != nil || u.Host == "" {
		return "(same origin)"
	}
	return u.Hostname()
}

// page gathers what the inserted markup depends on for this response.
func (h *Handler) page(r *http.Request, cons policy.Consent, hdr http.Header) assets.Page {
	return assets.Page{
		Lang:       h.language(r),
		Consent:    cons,
		ShowBanner: *h.Banner && !cons.Given,
		ReturnPath: r.URL.RequestURI(),
		Nonce:      scriptNonce(hdr.Values("Content-Security-Policy")),
	}
}

// scriptNonce finds the nonce a page's CSP allows scripts with, so that our
// script tags run under it.
func scriptNonce(policies []string) string {
	for _, csp := range policies {
		var fallback string
		for _, dir := range strings.Split(csp, ";") {
			fields := strings.Fields(dir)
			if len(fields) == 0 {
				continue
			}
			name := strings.ToLower(fields[0])
			if name != "script-src" && name != "script-src-elem" && name != "default-src" {
				continue
			}
			for _, src := range fields[1:] {
				if n, ok := strings.CutPrefix(src, "'nonce-"); ok && strings.HasSuffix(n, "'") {
					if name == "default-src" {
						fallback = strings.TrimSuffix(n, "'")
					} else {
						return strings.TrimSuffix(n, "'")
					}
				}
			}
		}
		if fallback != "" {
			return fallback
		}
	}
	return ""
}

func (h *Handler) newRewritingBody(rw *responseWriter, cfg *htmlrewrite.Config) *rewritingBody {
	rwr := rewriterPool.Get().(*htmlrewrite.Rewriter)
	rwr.Reset(rw.ResponseWriterWrapper, cfg)
	return &rewritingBody{rw: rw, rewriter: rwr}
}

// rewritingBody feeds the body through the rewriter to the client.
type rewritingBody struct {
	rw       *responseWriter
	rewriter *htmlrewrite.Rewriter
}

func (b *rewritingBody) Write(p []byte) (int, error) { return b.rewriter.Write(p) }

// Flush writes what the rewriter may release, then flushes the connection.
func (b *rewritingBody) Flush() error {
	if err := b.rewriter.Flush(); err != nil {
		return err
	}
	//nolint:bodyclose
	return http.NewResponseController(b.rw.ResponseWriterWrapper).Flush()
}

func (b *rewritingBody) Close() error {
	err := b.rewriter.Close()
	b.rewriter.Reset(nil, nil)
	rewriterPool.Put(b.rewriter)
	return err
}
