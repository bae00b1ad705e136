package caddymodule

import (
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/netip"
	"regexp"
	"time"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"

	"github.com/consentgate/consentgate/policy"
)

// POST {prefix}/report receives what the guard dropped in the browser (in
// report mode: what it would have dropped): cookie writes, storage keys and
// elements, batched per page. A report is hostile input like any other: it is
// bounded in size, items and string lengths, limited in rate per client and
// overall, and never makes the server answer 5xx. Each item becomes an
// "observed" entry (source guard, action dropped), and an undeclared cookie
// name or storage key the "undeclared cookie" warning, as a Set-Cookie does.

const (
	// maxReportBody bounds a report's body; the guard's batches are a few
	// hundred bytes (at most 50 items of names cut to 200 characters).
	maxReportBody = 8 << 10
	// maxReportItems bounds the items of one report; more are ignored.
	maxReportItems = 50
	// maxReportCount bounds the count one item may claim: a client cannot
	// make one request weigh like thousands.
	maxReportCount = 100
	// Per client: a burst of reportBurst reports, then one per reportEvery.
	// A visitor's guard sends at most one batch every few seconds per page.
	reportBurst = 20
	reportEvery = 2 * time.Second
	// All clients together: reportAllBurst, then reportAllRate a second.
	reportAllBurst = 500
	reportAllRate  = 100
	// Reported names the site does not declare are warned about at most
	// reportWarnRate a second (a burst of reportWarnBurst): each report may
	// name 50 new ones, and many clients together would otherwise write
	// megabytes of warnings a second.
	reportWarnBurst = 60
	reportWarnRate  = 1
)

func newReportLimiter() *rateLimiter {
	return newRateLimiter(reportBurst, reportEvery, reportAllBurst, reportAllRate)
}

// guardReport is the body the guard sends (see guard.js, flush).
type guardReport struct {
	Path  string       `json:"path"`
	Items []reportItem `json:"items"`
}

type reportItem struct {
	Kind     string `json:"kind"` // cookie, storage, element
	Name     string `json:"name"` // cookie name, storage key, or the host an element loads from ("inline")
	Category string `json:"category"`
	Element  string `json:"element"` // for elements: script, img, fetch, beacon, ...
	Count    int64  `json:"count"`
	MaxAge   *int64 `json:"max_age"` // cookies: the lifetime the write asked for, -1 for a session cookie
}

var elementName = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9-]{0,31}$`)

// decodeReport parses and bounds a report: unknown kinds are skipped, items
// past maxReportItems ignored, strings cut, counts clamped to
// 1..maxReportCount, a path that is not a local path dropped.
func decodeReport(body []byte) (guardReport, error) {
	var rep guardReport
	if err := json.Unmarshal(body, &rep); err != nil {
		return guardReport{}, err
	}
	if !isLocalPath(rep.Path) {
		rep.Path = ""
	}
	rep.Path = boundString(rep.Path)
	items := rep.Items[:0]
	for _, it := range rep.Items {
		if len(items) == maxReportItems {
			break
		}
		switch it.Kind {
		case "cookie", "storage", "element":
		default:
			continue
		}
		it.Name, it.Category = boundString(it.Name), boundString(it.Category)
		if it.Kind != "element" || !elementName.MatchString(it.Element) {
			it.Element = ""
		}
		it.Count = min(max(it.Count, 1), maxReportCount)
		if it.Kind != "cookie" {
			it.MaxAge = nil
		}
		items = append(items, it)
	}
	rep.Items = items
	return rep, nil
}

// postReport serves POST {prefix}/report.
func (h *Handler) postReport(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if !sameOrigin(r) {
		// Only the site's own pages report; another site must not fill its logs.
		http.Error(w, "cross-site reports are refused", http.StatusForbidden)
		return
	}
	now := time.Now()
	if !h.reports.allow(clientKey(r), now) {
		http.Error(w, "too many reports", http.StatusTooManyRequests)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxReportBody))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			http.Error(w, "report too large", http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "bad report", http.StatusBadRequest)
		return
	}
	rep, err := decodeReport(body)
	if err != nil {
		http.Error(w, "bad report: "+err.Error(), http.StatusBadRequest)
		return
	}
	for _, it := range rep.Items {
		h.observeReported(rep.Path, it, now)
	}
	w.WriteHeader(http.StatusNoContent)
}

// observeReported turns one reported item into observations and, for an
// undeclared cookie or storage key, the "undeclared cookie" warning.
func (h *Handler) observeReported(path string, it reportItem, now time.Time) {
	obs := observation{Kind: it.Kind, Name: it.Name, Action: "dropped", Source: "guard", Path: path}
	switch it.Kind {
	case "element":
		// The report is the visitor's word, not ours: it counts as the
		// running policy's decision ("declared", which draft turns into a
		// blocker) only when a blocker of that category holds back that
		// host, so a forged report cannot make draft propose blocking a
		// host the policy never blocked (the site's own, "*.com").
		obs.Element, obs.Provider, obs.ClassifiedBy = it.Element, it.Name, "undeclared"
		if h.blocksReported(it.Name, it.Category) {
			obs.Category, obs.ClassifiedBy = it.Category, "declared"
		} else if t, ok := h.classifier.Tracker(it.Name); ok && t.Category == it.Category {
			// Report mode's guard reports the known trackers' hosts too.
			obs.Category, obs.ClassifiedBy = it.Category, "known"
		}
	default:
		cl := h.classifier.Classify(it.Name)
		if it.Kind == "storage" {
			cl = h.storageClass(it.Name)
		}
		obs.Category, obs.ClassifiedBy, obs.Type = cl.Category, cl.Origin.String(), "html"
		if it.MaxAge != nil {
			obs.MaxAge = *it.MaxAge
			if obs.MaxAge < -1 {
				obs.MaxAge = 0
			}
		}
		if (cl.Origin == policy.FromNothing || cl.Origin == policy.FromKnown) && it.Name != "" && h.undeclared.ok(it.Name, now) && h.reportWarns.take(now) {
			// As for a Set-Cookie (warnUndeclared): a name the known list
			// classifies is handled without a declaration, a note.
			suggested, level := "", zap.WarnLevel
			if cl.Origin == policy.FromKnown {
				suggested, level = cl.Category, zap.InfoLevel
			}
			h.logger.Log(level, "undeclared cookie",
				zap.String("name", it.Name),
				zap.String("suggested_category", suggested),
				zap.String("path", path),
				zap.String("kind", it.Kind),
				zap.String("source", "guard"),
			)
		}
	}
	for range it.Count {
		h.observer.observe(obs, now)
	}
}

// blocksReported reports whether the running policy has a blocker of
// category for name, the host a reported element loads from, or "inline"
// for an inline script held by a marker.
func (h *Handler) blocksReported(name, category string) bool {
	if name == "inline" {
		for _, b := range h.policy.Blockers {
			if b.Category == category && len(b.Inline) > 0 {
				return true
			}
		}
		return false
	}
	if name == "" || hostOf("https://"+name+"/") != name {
		return false // not a host alone
	}
	b, ok := h.policy.BlockerFor("https://"+name+"/", "", nil)
	return ok && b.Category == category
}

// storageClass classifies a storage key as the guard does: the keys the
// policy declares with type html, else the known-cookie list.
func (h *Handler) storageClass(key string) policy.Class {
	cl := h.classifier.Classify(key)
	if cl.Origin != policy.FromPolicy || cl.Decl.Type == "html" {
		return cl
	}
	if cat, ok := h.classifier.KnownCategory(key); ok {
		return policy.Class{Category: cat, Index: h.policy.CategoryIndex(cat), Origin: policy.FromKnown}
	}
	return policy.Class{Category: policy.Unclassified, Index: -1}
}

// clientKey names the client a report comes from for rate limiting: its
// address as Caddy sees it (trusted_proxies honoured), an IPv6 address by
// its /64, which one subscriber usually has whole.
func clientKey(r *http.Request) string {
	ip, _ := caddyhttp.GetVar(r.Context(), caddyhttp.ClientIPVarKey).(string)
	if ip == "" {
		ip = r.RemoteAddr
		if host, _, err := net.SplitHostPort(ip); err == nil {
			ip = host
		}
	}
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return boundString(ip)
	}
	if a.Is6() && !a.Is4In6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.Unmap().String()
}
