package caddymodule

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/consentgate/consentgate/caddymodule/declaration"
	"github.com/consentgate/consentgate/policy"
)

// serveEndpoint answers requests under the path prefix.
func (h *Handler) serveEndpoint(w http.ResponseWriter, r *http.Request, rest string) {
	h.endpoints.reached.Store(true)
	if len(rest) > 1 {
		// A site that adds a slash to paths without a dot (a `redir` before
		// us, as many do) sends the choice to /consent/ with a 308: the
		// visitor could never choose.
		rest = strings.TrimSuffix(rest, "/")
	}
	switch rest {
	case "/consent":
		switch r.Method {
		case http.MethodGet, http.MethodHead:
			h.writeConsentJSON(w, http.StatusOK, h.readConsent(r))
		case http.MethodPost:
			if h.Source != sourceOwn {
				// The site's consent manager holds the choice (SPEC §4): one
				// recorded here would not be enforced, and its record would
				// misstate the consent.
				http.Error(w, "consent is read from the site's consent manager ("+h.Source+"): make the choice there", http.StatusConflict)
				return
			}
			h.postConsent(w, r)
		default:
			w.Header().Set("Allow", "GET, HEAD, POST")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		}
	case "/declaration", "/declaration.json":
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		h.serveDeclaration(w, r, rest == "/declaration.json")
	case "/report":
		h.postReport(w, r)
	case "/guard.js", "/banner.js", "/banner.css":
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		h.serveAsset(w, r, rest[1:])
	default:
		http.NotFound(w, r)
	}
}

// serveAsset serves an embedded asset. Its URL carries the content hash, so
// a matching ?v= may be cached for good; any other is revalidated.
func (h *Handler) serveAsset(w http.ResponseWriter, r *http.Request, name string) {
	body, contentType, hash, ok := h.bundle.Asset(name)
	if !ok {
		http.NotFound(w, r)
		return
	}
	hdr := w.Header()
	hdr.Set("Content-Type", contentType)
	hdr.Set("ETag", `"`+hash+`"`)
	hdr.Set("X-Content-Type-Options", "nosniff")
	if r.URL.Query().Get("v") == hash {
		hdr.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		hdr.Set("Cache-Control", "no-cache")
	}
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(body))
}

// serveDeclaration renders the cookie declaration from the policy, in the
// visitor's language, with their current consent.
func (h *Handler) serveDeclaration(w http.ResponseWriter, r *http.Request, asJSON bool) {
	lang := h.language(r)
	hdr := w.Header()
	hdr.Set("Cache-Control", "no-store")
	addVary(hdr, "Cookie")
	addVary(hdr, "Accept-Language")
	if asJSON {
		hdr.Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(declaration.Build(h.policy, h.bundle, lang))
		return
	}
	hdr.Set("Content-Type", "text/html; charset=utf-8")
	hdr.Set("Content-Language", lang)
	// The page is ours alone: it may load nothing, and its one style block
	// runs under a fresh nonce.
	nonce := newNonce()
	hdr.Set("Content-Security-Policy", "default-src 'none'; style-src 'nonce-"+nonce+"'; form-action 'self'; frame-ancestors 'self'; base-uri 'none'")
	var buf bytes.Buffer
	if err := declaration.Page(&buf, h.policy, h.bundle, lang, h.readConsent(r), h.PathPrefix, nonce, h.Source == sourceOwn); err != nil {
		h.logger.Error("rendering the declaration", zap.Error(err))
		http.Error(w, "the declaration could not be rendered", http.StatusInternalServerError)
		return
	}
	_, _ = w.Write(buf.Bytes())
}

func newNonce() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return base64.RawStdEncoding.EncodeToString(b[:])
}

// consentJSON is the answer of GET and POST /consent.
type consentJSON struct {
	ID         string   `json:"id,omitempty"`
	Revision   int      `json:"revision"`
	Categories []string `json:"categories"`
	Timestamp  string   `json:"timestamp,omitempty"` // RFC 3339
}

func (h *Handler) writeConsentJSON(w http.ResponseWriter, status int, c policy.Consent) {
	out := consentJSON{Revision: h.policy.Revision, Categories: h.policy.IDs(c.Granted)}
	if c.Given && c.ID != "" {
		out.ID = c.ID
		out.Timestamp = c.Time.UTC().Format(time.RFC3339)
	}
	hdr := w.Header()
	hdr.Set("Content-Type", "application/json")
	hdr.Set("Cache-Control", "no-store")
	addVary(hdr, "Cookie")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(out)
}

// maxChoiceBody bounds what a choice may weigh; a real one is a few hundred bytes.
const maxChoiceBody = 16 << 10

// postConsent records a choice: it sets the consent cookie, expires the
// cookies of refused categories, writes a consent record, and answers 303
// back to the page (forms) or with the consent as JSON.
func (h *Handler) postConsent(w http.ResponseWriter, r *http.Request) {
	if !sameOrigin(r) {
		// A choice must be the visitor's own: another site must not be able
		// to grant consent in their name.
		http.Error(w, "cross-site consent requests are refused", http.StatusForbidden)
		return
	}
	if !h.choices.allow(clientKey(r), time.Now()) {
		w.Header().Set("Retry-After", "1")
		http.Error(w, "too many choices from this address; try again in a moment", http.StatusTooManyRequests)
		return
	}
	if ce := r.Header.Get("Content-Encoding"); ce != "" && !strings.EqualFold(ce, "identity") {
		w.Header().Set("Accept-Encoding", "identity")
		http.Error(w, "a choice is sent uncompressed", http.StatusUnsupportedMediaType)
		return
	}
	if r.ContentLength > maxChoiceBody {
		// Said before the body is read: no "100 Continue" asks the client
		// to send what will be refused.
		http.Error(w, "consent body too large", http.StatusRequestEntityTooLarge)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxChoiceBody)
	mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	isJSON := mediaType == "application/json"

	var granted policy.Set
	returnTo := ""
	if isJSON {
		var in struct {
			Choice     string    `json:"choice"`
			Categories *[]string `json:"categories"`
		}
		dec := json.NewDecoder(r.Body)
		if err := dec.Decode(&in); err != nil {
			badBody(w, "bad consent JSON", err)
			return
		}
		if err := dec.Decode(&struct{}{}); err != io.EOF {
			badBody(w, "bad consent JSON", errors.New("more than one JSON value"))
			return
		}
		// A choice says what it is: a choice name, or the categories (a custom
		// choice names them, none being a choice too). {} or null is none.
		var categories []string
		if in.Categories != nil {
			categories = *in.Categories
		}
		var ok bool
		if granted, ok = h.choiceSet(in.Choice, categories, in.Categories != nil); !ok {
			http.Error(w, `choice must be accept_all, reject_all, or custom with "categories" (or give "categories" alone)`, http.StatusBadRequest)
			return
		}
	} else {
		if err := r.ParseForm(); err != nil {
			badBody(w, "bad consent form", err)
			return
		}
		var ok bool
		// A form always names its choice (the buttons do).
		choice := r.PostForm.Get("choice")
		if granted, ok = h.choiceSet(choice, r.PostForm["category"], choice != ""); !ok {
			http.Error(w, "choice must be accept_all, reject_all or custom", http.StatusBadRequest)
			return
		}
		returnTo = safeReturn(r.PostForm.Get("return"), r)
	}

	// Keeping the id of an earlier choice links the records of one visitor's
	// changes of mind, which is what an auditor asks for — unless the
	// request carried consent cookies of two ids: one was planted (a
	// subdomain's cookie for the whole domain, a script's at a deeper
	// path), and the visitor's records must not go under its id.
	prev, _, oneID := h.readConsentCookie(r)
	cons := h.codec.NewChoice(granted)
	if prev.Given && prev.ID != "" && oneID {
		cons.ID = prev.ID
	}
	hdr := w.Header()
	if consentCookies(r, h.policy.Consent.Name) > 1 {
		// Every other consent cookie the browser may hold for this page
		// goes, before the new one is set (a later Set-Cookie of the same
		// name, domain and path wins): the host-only one of before
		// consent.domain was set, and one planted for the parent domain
		// or a deeper path, which would otherwise stay and may be read
		// again (a future stamp beat the visitor's newer choices).
		hdr["Set-Cookie"] = append(hdr["Set-Cookie"], h.expiries(r, []string{h.policy.Consent.Name}, maxExpiries)...)
	}
	domain := h.consentDomain(r)
	hdr.Add("Set-Cookie", h.consentCookie(h.codec.Encode(cons), visitorSecure(r), domain))
	if h.Mode == modeEnforce && h.firstRefusedBlocked(cons) != "" && visitorSecure(r) {
		// A Network Error Logging policy the browser stored while the
		// visitor consented keeps reporting every request of the site to
		// its group, a tracker's too, until it expires: a policy of no age
		// removes it (the site's own comes back with its next response,
		// its groups on held back hosts filtered).
		hdr.Set("NEL", `{"report_to":"default","max_age":0}`)
	}
	refused := h.refusedRequestCookies(r, cons)
	for _, name := range refused {
		h.decided(r, "cookie", name, h.classifier.Classify(name), "expired", 0)
	}
	if h.Mode == modeEnforce {
		hdr["Set-Cookie"] = append(hdr["Set-Cookie"], h.expiries(r, refused, maxExpiries)...)
	}
	for i, c := range h.policy.Categories {
		choice := "refused"
		if cons.Grants(i) {
			choice = "granted"
		}
		h.metrics.choices.WithLabelValues(c.ID, choice).Inc()
	}
	h.logRecord(r, cons, "explicit")

	if isJSON {
		h.writeConsentJSON(w, http.StatusOK, cons)
		return
	}
	hdr.Set("Cache-Control", "no-store")
	http.Redirect(w, r, returnTo, http.StatusSeeOther)
}

// choiceSet turns a choice into the granted set. listed says the categories
// were given: a form lists only the boxes ticked (none is a custom choice
// too), a JSON body must name them for custom and may give them alone.
func (h *Handler) choiceSet(choice string, categories []string, listed bool) (policy.Set, bool) {
	switch choice {
	case "accept_all":
		return h.policy.All(), true
	case "reject_all":
		return 1, true
	case "custom":
		if listed {
			return h.policy.SetOf(categories), true
		}
	case "":
		if listed {
			return h.policy.SetOf(categories), true
		}
	}
	return 0, false
}

// badBody answers a body that could not be read: 413 when it was too large,
// else 400.
func badBody(w http.ResponseWriter, what string, err error) {
	status := http.StatusBadRequest
	if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
		status = http.StatusRequestEntityTooLarge
	}
	http.Error(w, what+": "+err.Error(), status)
}

// consentCookies counts the consent cookies a request carries.
func consentCookies(r *http.Request, name string) int {
	n := 0
	for _, line := range r.Header["Cookie"] {
		for c := range policy.RequestCookies(line) {
			if c.Name == name {
				n++
			}
		}
	}
	return n
}

// consentCookie is the Set-Cookie of the consent cookie: readable by scripts
// (the banner and the backend may read it), site-wide, Lax; on domain when
// one is given.
func (h *Handler) consentCookie(value string, secure bool, domain string) string {
	c := h.policy.Consent
	var b strings.Builder
	b.WriteString(c.Name)
	b.WriteByte('=')
	b.WriteString(value)
	b.WriteString("; Path=/; Max-Age=")
	b.WriteString(strconv.FormatInt(c.MaxAge.Seconds(), 10))
	if domain != "" {
		b.WriteString("; Domain=")
		b.WriteString(domain)
	}
	b.WriteString("; SameSite=Lax")
	if secure {
		b.WriteString("; Secure")
	}
	return b.String()
}

// refusedRequestCookies lists the cookies the request carries that the new
// consent does not allow.
func (h *Handler) refusedRequestCookies(r *http.Request, cons policy.Consent) []string {
	var names []string
	seen := map[string]bool{}
	for _, line := range r.Header["Cookie"] {
		for c := range policy.RequestCookies(line) {
			if seen[c.Name] {
				continue
			}
			seen[c.Name] = true
			if !h.classifier.Allows(h.classifier.Classify(c.Name), cons) {
				names = append(names, c.Name)
			}
		}
	}
	return names
}

// sameOrigin refuses what a browser marks as cross-site and any foreign
// Origin ("null" included: an opaque origin is not this site). A client that
// sends neither (an old browser) is judged by its Referer, when it sends one.
func sameOrigin(r *http.Request) bool {
	site := r.Header.Get("Sec-Fetch-Site")
	if site == "cross-site" {
		return false
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		if ref := r.Referer(); site == "" && ref != "" {
			u, err := url.Parse(ref)
			return err == nil && strings.EqualFold(u.Host, visitorHost(r))
		}
		return true
	}
	u, err := url.Parse(origin)
	if err != nil {
		return false
	}
	if !strings.EqualFold(u.Host, visitorHost(r)) {
		return false
	}
	// Behind a TLS-terminating proxy Caddy was not told to trust, the page
	// is https while the request here is plain HTTP: the same host over
	// https is the visitor's own page.
	return u.Scheme == visitorScheme(r) || !schemeKnown(r) && u.Scheme == "https"
}

// safeReturn accepts a same-origin path only, so the endpoint cannot be used
// as an open redirect; otherwise it falls back to the page the form was on
// (a same-origin Referer) or /.
func safeReturn(ret string, r *http.Request) string {
	if isLocalPath(ret) {
		return ret
	}
	if ref, err := url.Parse(r.Referer()); err == nil && strings.EqualFold(ref.Host, visitorHost(r)) && isLocalPath(ref.RequestURI()) {
		return ref.RequestURI()
	}
	return "/"
}

func isLocalPath(p string) bool {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.HasPrefix(p, `/\`) {
		return false
	}
	for i := 0; i < len(p); i++ {
		if p[i] < 0x20 || p[i] == 0x7f || p[i] == '\\' {
			return false
		}
	}
	return true
}

// consentDomain is the policy's consent.domain when the visitor's host is
// that domain or under it, else "" (a host-only cookie). A browser drops a
// cookie whose Domain does not cover the page's host: on a staging host, an
// alias or an address, the choice would never stick and the banner would
// come back on every page.
func (h *Handler) consentDomain(r *http.Request) string {
	d := h.policy.Consent.Domain
	if d == "" {
		return ""
	}
	host := cookieHost(visitorHost(r))
	bare := strings.ToLower(strings.TrimPrefix(d, "."))
	if host == bare || strings.HasSuffix(host, "."+bare) {
		return d
	}
	return ""
}
