package policy

import "strings"

// ExpireCookieAt is the Set-Cookie value that deletes the cookie of this name
// set for domain ("" for a host-only cookie) and path: a browser replaces
// only the cookie with the same name, domain and path.
func ExpireCookieAt(name, domain, path string, secure bool) string {
	var b strings.Builder
	if name == "" {
		// A nameless cookie is replaced by a nameless header, which needs a
		// value without '=' ("=; ..." is ignored, "=x" refused by Chromium).
		b.WriteString("x; Max-Age=0; Path=")
	} else {
		b.WriteString(name)
		b.WriteString("=; Max-Age=0; Path=")
	}
	b.WriteString(path)
	if domain != "" && !strings.HasPrefix(name, "__Host-") {
		b.WriteString("; Domain=")
		b.WriteString(domain)
	}
	if secure || strings.HasPrefix(name, "__Host-") || strings.HasPrefix(name, "__Secure-") {
		b.WriteString("; Secure")
	}
	return b.String()
}
