package caddymodule

import (
	"strings"
	"time"
)

// A Link response header (RFC 8288), in the final response or in 103 Early
// Hints, makes the browser fetch or connect before any markup is read:
// `Link: <https://www.googletagmanager.com/gtag/js>; rel=preload; as=script`.
// A link whose target a blocker holds back is removed like the element it
// stands for.

// fetchingRels are the link relations on which a browser fetches or
// connects to the target from a header.
var fetchingRels = []string{"preload", "modulepreload", "prefetch", "preconnect", "dns-prefetch", "prerender", "stylesheet", "icon"}

// filterLinks removes the Link values whose target is held back.
func (rw *responseWriter) filterLinks() {
	hdr := rw.Header()
	values := hdr["Link"]
	if len(values) == 0 || len(rw.h.policy.Blockers) == 0 {
		return
	}
	var kept []string
	changed := false
	for _, line := range values {
		var keep []string
		for _, link := range splitLinks(line) {
			if cat := rw.linkCategory(link); cat != "" {
				changed = true
				continue
			}
			keep = append(keep, link)
		}
		if len(keep) > 0 {
			kept = append(kept, strings.Join(keep, ","))
		}
	}
	if !changed || rw.h.Mode == modeReport {
		return
	}
	if len(kept) == 0 {
		delete(hdr, "Link")
	} else {
		hdr["Link"] = kept
	}
}

// linkCategory is the category holding a link back, "" when it may pass.
func (rw *responseWriter) linkCategory(link string) string {
	link = strings.TrimSpace(link)
	if !strings.HasPrefix(link, "<") {
		return ""
	}
	end := strings.IndexByte(link, '>')
	if end < 0 {
		return ""
	}
	target, params := link[1:end], link[end+1:]
	fetches := false
	for _, p := range strings.Split(params, ";") {
		k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(k), "rel") {
			continue
		}
		for _, rel := range strings.Fields(strings.ToLower(strings.Trim(strings.TrimSpace(v), `"`))) {
			for _, f := range fetchingRels {
				fetches = fetches || rel == f
			}
		}
	}
	if !fetches {
		return ""
	}
	h := rw.h
	b, ok := h.policy.BlockerFor(target, visitorHost(rw.r), nil)
	if !ok || rw.consent.Grants(h.policy.CategoryIndex(b.Category)) {
		return ""
	}
	if h.Mode == modeEnforce {
		h.metrics.elements.WithLabelValues(b.Category, "link header").Inc()
	}
	h.observer.observe(observation{
		Kind: "element", Name: hostOf(target), Category: b.Category, ClassifiedBy: "declared",
		Action: "blocked", Source: "server", Element: "link header", Provider: hostOf(target), Path: originalURL(rw.r).Path,
	}, time.Now())
	return b.Category
}

// splitLinks splits a Link header value into link-values: on commas outside
// the <...> target and quoted strings.
func splitLinks(v string) []string {
	var out []string
	start, inTarget, quoted := 0, false, false
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case quoted:
			if c == '\\' {
				i++
			} else if c == '"' {
				quoted = false
			}
		case c == '"':
			quoted = true
		case c == '<':
			inTarget = true
		case c == '>':
			inTarget = false
		case c == ',' && !inTarget:
			out = append(out, v[start:i])
			start = i + 1
		}
	}
	return append(out, v[start:])
}
