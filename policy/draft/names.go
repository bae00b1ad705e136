package draft

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/consentgate/consentgate/policy"
)

// knownNote says where a known entry's category comes from. The known lists
// match by name alone; for a distinctive name (_ga, wordpress_logged_in_#) that
// is as good as knowing who sets it, but a generic one (lang, session, admin)
// is as likely the site's own cookie: the note then says it is a name match.
func knownNote(kc policy.KnownCookie, name string) string {
	source := ""
	if kc.Source != "" {
		source = " (" + kc.Source + ")"
	}
	if genericName(kc, name) {
		who := "a name " + kc.Platform + " also uses"
		if kc.Platform == "" {
			who = "a name in the known-cookie list"
		}
		return fmt.Sprintf("known by name only: %s is %s%s; a site may use the name for a cookie of its own: check what sets it before keeping the category", name, who, source)
	}
	who := kc.Platform
	if who == "" {
		who = "the known-cookie list"
	}
	return "known: " + who + source
}

// genericName reports whether a known entry matched name as a generic name:
// an exact entry (not a pattern) whose name is letters only and either all
// lower case (lang, session, messages, store) or at most four letters (NID,
// MR). Such names say nothing about who sets them. It is a heuristic: it also
// calls some names generic that only one platform uses (datr), where saying
// "a name Meta also uses" is still true.
func genericName(kc policy.KnownCookie, name string) bool {
	if policy.IsPattern(kc.Name) || kc.Name != name || name == "" {
		return false
	}
	lower := true
	for _, r := range name {
		if r > unicode.MaxASCII || !unicode.IsLetter(r) {
			return false
		}
		if unicode.IsUpper(r) {
			lower = false
		}
	}
	return lower || len(name) <= 4
}

// neededNote is the comment on a name that looks like one the site needs to
// work. It suggests, never decides: the category stays as drafted.
func neededNote(what string) string {
	return what + ": if the site needs it to work, declare it necessary"
}

// looksNeeded says what kind of cookie a site needs to work the name looks
// like ("the name looks like a session cookie"), or "" for none. It reads
// the name's words (split at anything not a letter or digit and at
// lowerUpper case changes):
//
//   - CSRF: csrf or xsrf anywhere (csrftoken, XSRF-TOKEN, _csrf);
//   - session: session or sessid anywhere (JSESSIONID, ci_session,
//     PHPSESSID), or a word sess, sess…, or sid (connect.sid, _sess);
//   - login: login, logged, remember or oauth anywhere, a word auth… but not
//     author…, sso or jwt, or the word token beside access, refresh, id, auth,
//     api, user, bearer (access_token, idToken), or the name token alone;
//   - shopping cart: a word cart… or basket…, or checkout;
//   - otherwise a __Host- or __Secure- prefix, which browsers accept only
//     from a secure page of the site itself and which sites use for session
//     and CSRF cookies.
//
// A false match costs a comment, as does a miss: the site owner chooses.
func looksNeeded(name string) string {
	lower := strings.ToLower(name)
	words := nameWords(name)
	has := func(pred func(w string) bool) bool {
		for _, w := range words {
			if pred(w) {
				return true
			}
		}
		return false
	}
	is := func(set ...string) func(string) bool {
		return func(w string) bool {
			for _, s := range set {
				if w == s {
					return true
				}
			}
			return false
		}
	}
	prefix := func(p string) func(string) bool {
		return func(w string) bool { return strings.HasPrefix(w, p) }
	}
	switch {
	case strings.Contains(lower, "csrf") || strings.Contains(lower, "xsrf"):
		return "the name looks like a CSRF cookie"
	case strings.Contains(lower, "session") || strings.Contains(lower, "sessid") ||
		has(prefix("sess")) || has(is("sid")):
		return "the name looks like a session cookie"
	case strings.Contains(lower, "login") || strings.Contains(lower, "logged") ||
		strings.Contains(lower, "remember") || strings.Contains(lower, "oauth") ||
		has(func(w string) bool { return strings.HasPrefix(w, "auth") && !strings.HasPrefix(w, "author") }) ||
		has(is("sso", "jwt")) ||
		(has(is("token")) && (len(words) == 1 || has(is("access", "refresh", "id", "auth", "api", "user", "bearer")))):
		return "the name looks like a login cookie"
	case has(prefix("cart")) || has(prefix("basket")) || strings.Contains(lower, "checkout"):
		return "the name looks like a shopping-cart cookie"
	case strings.HasPrefix(lower, "__host-") || strings.HasPrefix(lower, "__secure-"):
		return "its " + name[:strings.IndexByte(name, '-')+1] + " prefix is one sites give their session and CSRF cookies"
	}
	return ""
}

// nameWords splits a name into lower-case words at every character that is
// not a letter or digit and where a lower-case letter is followed by an
// upper-case one (idToken: id, token).
func nameWords(name string) []string {
	var words []string
	var cur []rune
	var prev rune
	flush := func() {
		if len(cur) > 0 {
			words = append(words, strings.ToLower(string(cur)))
			cur = cur[:0]
		}
	}
	for _, r := range name {
		switch {
		case !unicode.IsLetter(r) && !unicode.IsDigit(r):
			flush()
		case unicode.IsUpper(r) && unicode.IsLower(prev):
			flush()
			cur = append(cur, r)
		default:
			cur = append(cur, r)
		}
		prev = r
	}
	flush()
	return words
}
