package caddymodule

import (
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"

	"github.com/consentgate/consentgate/policy"
)

// responseWriter enforces the consent on the response: when the final header
// goes out it filters Set-Cookie and adds the expiries of refused cookies; an
// HTML body flows through the rewriter. Like Caddy's encode handler, it holds
// the header back until it knows what the body is (a response without a
// Content-Type is sniffed from its first bytes, as net/http would, so HTML
// sent without a type is still rewritten).
type responseWriter struct {
	*caddyhttp.ResponseWriterWrapper
	h       *Handler
	r       *http.Request
	consent policy.Consent
	refused []string // request cookies to expire

	status      int  // the final status, once WriteHeader was called with one
	wroteHeader bool // the final header went downstream
	ourTag      bool // the request revalidated a page we rewrote (see validators.go)
	body        bodyWriter
}

// bodyWriter is a body transformation (the HTML rewriter, with a decoder in
// front when the upstream compressed the body).
type bodyWriter interface {
	io.Writer
	Flush() error
	Close() error
}

func (h *Handler) newResponseWriter(w http.ResponseWriter, r *http.Request, cons policy.Consent, refused []string) *responseWriter {
	rww, ok := w.(*caddyhttp.ResponseWriterWrapper)
	if !ok {
		rww = &caddyhttp.ResponseWriterWrapper{ResponseWriter: w}
	}
	return &responseWriter{ResponseWriterWrapper: rww, h: h, r: r, consent: cons, refused: refused}
}

// WriteHeader passes 1xx responses straight on (with their Set-Cookie
// filtered) and defers the final one until the body is known.
func (rw *responseWriter) WriteHeader(status int) {
	if rw.wroteHeader {
		return
	}
	if status >= 100 && status <= 199 {
		rw.filterSetCookies(false)
		rw.ResponseWriterWrapper.WriteHeader(status)
		return
	}
	rw.status = status
	if !rw.needsSniff() {
		rw.finalize()
	}
}

// needsSniff: net/http would pick the Content-Type from the first body bytes.
func (rw *responseWriter) needsSniff() bool {
	_, typed := rw.Header()["Content-Type"]
	return !typed && bodyAllowed(rw.r.Method, rw.status) && rw.Header().Get("Content-Encoding") == ""
}

func bodyAllowed(method string, status int) bool {
	return method != http.MethodHead && status != http.StatusNoContent && status != http.StatusNotModified && (status < 100 || status > 199)
}

func (rw *responseWriter) Write(p []byte) (int, error) {
	if !rw.wroteHeader {
		if len(p) == 0 {
			return 0, nil
		}
		if rw.status == 0 {
			rw.status = http.StatusOK
		}
		if rw.needsSniff() {
			rw.Header().Set("Content-Type", http.DetectContentType(p))
		}
		rw.finalize()
	}
	if rw.body != nil {
		return rw.body.Write(p)
	}
	return rw.ResponseWriterWrapper.Write(p)
}

// ReadFrom is overridden because the wrapper's ReadFrom would hand the body
// (file_server uses io.Copy) straight to the connection, past Write.
func (rw *responseWriter) ReadFrom(src io.Reader) (int64, error) {
	if rw.wroteHeader && rw.body == nil {
		return rw.ResponseWriterWrapper.ReadFrom(src)
	}
	return io.Copy(writerOnly{rw}, src)
}

// writerOnly hides ReadFrom so io.Copy uses Write.
type writerOnly struct{ io.Writer }

// FlushError lets http.ResponseController flush through the rewriter. Before
// the header is decided a flush waits, as in Caddy's encode handler.
func (rw *responseWriter) FlushError() error {
	if !rw.wroteHeader {
		return nil
	}
	if rw.body != nil {
		return rw.body.Flush()
	}
	//nolint:bodyclose
	return http.NewResponseController(rw.ResponseWriterWrapper).Flush()
}

// Close finishes the response after the next handler returned without error.
func (rw *responseWriter) Close() error {
	if !rw.wroteHeader {
		// A handler that wrote nothing still sends the header map, with any
		// Set-Cookie in it, when it returns: decide it here.
		if rw.status == 0 {
			rw.status = http.StatusOK
		}
		rw.finalize()
	}
	if rw.body != nil {
		return rw.body.Close()
	}
	return nil
}

// abandon is for a handler that failed: no body of ours follows, but the
// header map may still be sent by the error handler.
func (rw *responseWriter) abandon() {
	if !rw.wroteHeader {
		rw.filterSetCookies(true)
	}
	if rw.body != nil {
		_ = rw.body.Close()
	}
}

// finalize decides the final header and sends it.
func (rw *responseWriter) finalize() {
	rw.wroteHeader = true
	hdr := rw.Header()
	hadCookies := len(hdr["Set-Cookie"]) > 0 || len(rw.refused) > 0
	rw.filterSetCookies(true)
	if hadCookies && rw.h.Mode == modeEnforce {
		addVary(hdr, "Cookie")
	}
	rw.body = rw.h.bodyFor(rw)
	if rw.status == http.StatusNotModified && rw.ourTag {
		// Still the page rewritten for this consent: its tag comes back as sent.
		consentETag(hdr, rw.consent)
		hdr.Del("Last-Modified")
		addVary(hdr, "Cookie")
	}
	rw.ResponseWriterWrapper.WriteHeader(rw.status)
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
	kept := make([]string, 0, len(values)+len(rw.refused))
	var keptNames []string
	for _, v := range values {
		out, name, ok := rw.decideSetCookie(v, now)
		if ok {
			kept = append(kept, out)
			keptNames = append(keptNames, name)
		}
	}
	if final {
		for i, name := range rw.refused {
			if slices.Contains(keptNames, name) || slices.Contains(rw.refused[:i], name) {
				continue
			}
			h.decided(rw.r, "cookie", name, h.classifier.Classify(name), "expired", 0)
			kept = append(kept, h.expiries(name, rw.r.TLS != nil)...)
		}
	}
	if h.Mode == modeReport {
		return
	}
	if len(kept) == 0 {
		delete(hdr, "Set-Cookie")
	} else {
		hdr["Set-Cookie"] = kept
	}
}

// decideSetCookie returns the header to send for one Set-Cookie (possibly
// with its lifetime clamped), or ok=false to remove it.
func (rw *responseWriter) decideSetCookie(v string, now time.Time) (out, name string, ok bool) {
	h := rw.h
	sc := policy.ParseSetCookie(v)
	cl := h.classifier.Classify(sc.Name)
	maxAge := observedMaxAge(sc, now)
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
	if cl.Origin == policy.FromNothing || cl.Origin == policy.FromKnown {
		rw.warnUndeclared(sc.Name, cl, now)
	}
	if !h.classifier.Allows(cl, rw.consent) {
		h.decided(rw.r, "set-cookie", sc.Name, cl, "removed", maxAge)
		return "", "", false
	}
	if *h.ClampLifetime {
		if clamped, changed := clamp(sc, cl, now); changed {
			h.decided(rw.r, "set-cookie", sc.Name, cl, "clamped", maxAge)
			return clamped, sc.Name, true
		}
	}
	h.decided(rw.r, "set-cookie", sc.Name, cl, "kept", maxAge)
	return v, sc.Name, true
}

// observedMaxAge is a Set-Cookie's lifetime in seconds as observations
// record it: -1 for a session cookie.
func observedMaxAge(sc policy.SetCookie, now time.Time) int64 {
	life, session := sc.Lifetime(now)
	if session {
		return -1
	}
	return int64(life / time.Second)
}

// clamp caps the cookie's lifetime at its declared duration.
func clamp(sc policy.SetCookie, cl policy.Class, now time.Time) (string, bool) {
	limit, sessionOnly, ok := cl.ClampTo()
	if !ok {
		return "", false
	}
	life, session := sc.Lifetime(now)
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
	rw.h.logger.Warn("undeclared cookie",
		zap.String("name", name),
		zap.String("suggested_category", suggested),
		zap.String("suggestion", suggestion),
		zap.String("path", rw.r.URL.Path),
	)
}

// addVary adds a token to Vary unless it is there already.
func addVary(hdr http.Header, token string) {
	for _, v := range hdr.Values("Vary") {
		for _, t := range strings.Split(v, ",") {
			if t = strings.TrimSpace(t); strings.EqualFold(t, token) || t == "*" {
				return
			}
		}
	}
	hdr.Add("Vary", token)
}
