package caddymodule

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/consentgate/consentgate/policy"
)

// A rewritten page depends on the visitor's consent (the banner, the guard's
// state, what is held back) and language (the banner's texts), but the
// upstream's validators do not: a browser revalidating the page it cached
// before a choice, or in another language, would get 304 and show the old
// rewrite. So the ETag of a rewritten page carries the consent state and the
// language (W/"<upstream tag>-cg<state>.<lang>"), Last-Modified is dropped, and a conditional
// request is translated back for the upstream: the suffix is removed when it
// matches the current consent, the tag dropped when it does not — the way
// Caddy's encode handler treats its own ETag suffix.

// consentTag is the state a rewritten page depends on, in a few characters.
func consentTag(c policy.Consent, lang string) string {
	state := uint64(c.Granted) << 2
	if c.Given {
		state |= 1
	}
	if c.GPC {
		state |= 2
	}
	return "-cg" + strconv.FormatUint(state, 36) + "." + lang
}

// translateConditionals rewrites If-None-Match for the upstream and drops
// If-Modified-Since; it returns whether a tag of ours was matched, so that a
// 304 gets the suffix back.
func translateConditionals(r *http.Request, c policy.Consent, lang string) bool {
	delete(r.Header, "If-Modified-Since")
	values := r.Header["If-None-Match"]
	if len(values) == 0 {
		return false
	}
	suffix := consentTag(c, lang) + `"`
	matched := false
	var kept []string
	for _, v := range values {
		for _, tag := range strings.Split(v, ",") {
			tag = strings.TrimSpace(tag)
			switch {
			case tag == "":
			case strings.HasSuffix(tag, suffix):
				kept = append(kept, strings.TrimSuffix(tag, suffix)+`"`)
				matched = true
			case strings.Contains(tag, "-cg"):
				// A page rewritten for another consent or language: not a match.
			default:
				kept = append(kept, tag)
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
func consentETag(hdr http.Header, c policy.Consent, lang string) {
	etag := first(hdr, "Etag")
	if etag == "" {
		return
	}
	etag = strings.TrimPrefix(etag, "W/")
	if !strings.HasPrefix(etag, `"`) || !strings.HasSuffix(etag, `"`) || len(etag) < 2 {
		delete(hdr, "Etag")
		return
	}
	hdr.Set("ETag", "W/"+strings.TrimSuffix(etag, `"`)+consentTag(c, lang)+`"`)
}
