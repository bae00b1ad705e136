package caddymodule

import (
	"fmt"
	"hash/fnv"
	"net/http"
	"strconv"
	"strings"

	"github.com/consentgate/consentgate/policy"
)

// A rewritten page depends on the visitor's consent (the banner, the guard's
// state, what is held back) and language (the banner's texts), and on the
// configuration that rewrote it (the policy's blockers and texts, the mode,
// our assets), but the upstream's validators do not: a browser revalidating
// the page it cached before a choice, in another language, before the owner
// added a blocker or switched from report to enforce — or before consentgate
// was put in front of the site at all — would get 304 and show the old page,
// trackers and all. So the ETag of a rewritten page carries all of that
// (W/"<upstream tag>-cg<state>.<generation>.<lang>"), Last-Modified is
// dropped, and a navigation's conditional request is translated back for the
// upstream: the suffix is removed when it matches, a tag of ours that does
// not match is dropped, and so is a tag without our suffix, which no page we
// rewrote ever had — the way Caddy's encode handler treats its own ETag
// suffix.

// pageGeneration names, in a few characters, what a rewritten page depends
// on besides the visitor: the policy as written, the settings that change the
// markup, and the assets' versions. A reload that changes none of them keeps
// the visitors' cached pages valid.
func pageGeneration(h *Handler, policySource []byte) string {
	f := fnv.New64a()
	f.Write(policySource)
	fmt.Fprintf(f, "\x00%s\x00%s\x00%s\x00%v\x00%v\x00%v", h.Mode, h.PathPrefix, h.Source, *h.Banner, *h.GPC, h.GoogleConsentMode)
	for _, name := range []string{"guard.js", "banner.js", "banner.css"} {
		_, _, hash, _ := h.bundle.Asset(name)
		fmt.Fprintf(f, "\x00%s", hash)
	}
	return strconv.FormatUint(f.Sum64()&(1<<30-1), 36)
}

// consentTag is the state a rewritten page depends on, in a few characters:
// the consent, whether the page is for a frame of another site (no banner),
// the configuration and the language — and, once the visitor chose, their
// consent id and the time of the choice, which the banner's settings show: a
// page with one visitor's id must not validate another's cached copy (a
// shared cache may revalidate with the tags of the variants it holds, RFC
// 9111 §4.3.1, and serve the one a 304 names), nor the same visitor's copy
// from before a later choice.
func consentTag(c policy.Consent, framed bool, lang, generation string) string {
	state := uint64(c.Granted) << 3
	if c.Given {
		state |= 1
	}
	if c.GPC {
		state |= 2
	}
	if framed {
		state |= 4
	}
	tag := "-cg" + strconv.FormatUint(state, 36) + "." + generation + "." + lang
	if c.Given && c.ID != "" {
		h := fnv.New32a()
		h.Write([]byte(c.ID))
		h.Write([]byte{0})
		h.Write(strconv.AppendInt(nil, c.Time.Unix(), 10))
		tag += "." + strconv.FormatUint(uint64(h.Sum32()), 36)
	}
	return tag
}

// translateConditionals rewrites a navigation's If-None-Match for the
// upstream and drops If-Modified-Since; it returns whether a tag of ours was
// matched, so that a 304 gets the suffix back.
func translateConditionals(r *http.Request, c policy.Consent, framed bool, lang, generation string) bool {
	delete(r.Header, "If-Modified-Since")
	values := r.Header["If-None-Match"]
	if len(values) == 0 {
		return false
	}
	suffix := consentTag(c, framed, lang, generation) + `"`
	strong := strongTag(suffix)
	matched := false
	var kept []string
	for _, v := range values {
		for _, tag := range strings.Split(v, ",") {
			tag = strings.TrimSpace(tag)
			switch {
			case tag == "":
			case strings.HasSuffix(tag, strong) && strings.HasPrefix(tag, `W/"`):
				// The upstream's tag was strong: it gets it back as it
				// issued it (an application may compare byte for byte).
				kept = append(kept, strings.TrimSuffix(tag[2:], strong)+`"`)
				matched = true
			case strings.HasSuffix(tag, suffix):
				kept = append(kept, strings.TrimSuffix(tag, suffix)+`"`)
				matched = true
			case tag == "*":
				// "Only if there is none": a PUT's guard against overwriting,
				// not a cached copy.
				kept = append(kept, tag)
			default:
				// A page rewritten for another consent, language or
				// configuration, or one cached as it came before we
				// were in front (a navigation that is not a page, a
				// PDF, is fetched whole again): not a match.
			}
		}
	}
	if len(kept) == 0 {
		delete(r.Header, "If-None-Match")
	} else {
		r.Header.Set("If-None-Match", strings.Join(kept, ", "))
	}
	return matched
}

// consentETag turns the upstream's ETag into the weak, consent-specific one.
func consentETag(hdr http.Header, c policy.Consent, framed bool, lang, generation string) {
	etag := first(hdr, "Etag")
	if etag == "" {
		return
	}
	weak := strings.HasPrefix(etag, "W/")
	etag = strings.TrimPrefix(etag, "W/")
	if !strings.HasPrefix(etag, `"`) || !strings.HasSuffix(etag, `"`) || len(etag) < 2 {
		delete(hdr, "Etag")
		return
	}
	suffix := consentTag(c, framed, lang, generation)
	if !weak {
		suffix = strongTag(suffix)
	}
	hdr.Set("ETag", "W/"+strings.TrimSuffix(etag, `"`)+suffix+`"`)
}

// privateCacheControl makes a response's Cache-Control private: "public"
// and the shared caches' "s-maxage" and "proxy-revalidate" go, "private" is
// added (a response with no Cache-Control gets just that); "no-store" and
// the browser's own directives (max-age, no-cache, ...) stay.
func privateCacheControl(hdr http.Header) {
	var kept []string
	private := false
	for _, v := range hdr["Cache-Control"] {
		for _, d := range strings.Split(v, ",") {
			d = strings.TrimSpace(d)
			name, _, _ := strings.Cut(d, "=")
			switch strings.ToLower(strings.TrimSpace(name)) {
			case "":
			case "public", "s-maxage", "proxy-revalidate":
			case "private", "no-store":
				private = true
				kept = append(kept, d)
			default:
				kept = append(kept, d)
			}
		}
	}
	if !private {
		kept = append([]string{"private"}, kept...)
	}
	hdr["Cache-Control"] = []string{strings.Join(kept, ", ")}
}

// strongTag marks a consentTag for an upstream tag that was strong: "-cgs"
// for "-cg", so that the upstream gets it back as it issued it.
func strongTag(suffix string) string { return "-cgs" + suffix[len("-cg"):] }
