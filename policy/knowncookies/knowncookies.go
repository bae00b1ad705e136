// Package knowncookies is the database of well-known cookies that consentgate uses to
// classify cookies a site did not declare in its policy: a built-in list, or a CSV in the
// Open Cookie Database format that an operator downloads. Matching names against the
// patterns is left to the caller, so that declared and known cookies share one matcher.
package knowncookies

import "strings"

// Cookie is one well-known cookie name or name pattern.
type Cookie struct {
	// Name is an exact cookie name, or a pattern in which `*` stands for any run of
	// characters (also none) and `#` for one or more characters. Matching is
	// case-sensitive, as browsers compare cookie names.
	Name string
	// Category is one of necessary, preferences, statistics, marketing.
	Category string
	// Platform names who sets the cookie, e.g. "Google Analytics".
	Platform string
	// Type is how the platform usually sets it, in the words of a policy's `type`:
	// "http" (a Set-Cookie header) or "html" (a script: document.cookie, or a
	// localStorage / sessionStorage key). Empty when not known (Open Cookie Database rows).
	Type string
	// Lifetime is the longest lifetime the platform gives it, in the policy's duration
	// syntax ("15d", "1y"), or "session"; empty when not known. Lint uses it to notice a
	// cookie declared `session` that the platform keeps longer ("Remember me").
	Lifetime string
	// Source names the public documentation or source file the entry was written from.
	Source string
}

// How an entry is set, as a policy's `type` says it.
const (
	server  = "http" // a Set-Cookie header
	script  = "html" // document.cookie from a script
	storage = "html" // a localStorage or sessionStorage key
)

// Our category ids. Kept unexported: the policy package owns the public vocabulary,
// this package only has to agree with it.
const (
	necessary   = "necessary"
	preferences = "preferences"
	statistics  = "statistics"
	marketing   = "marketing"
)

// ocdCategories maps the Open Cookie Database's categories (lowercased) to ours.
var ocdCategories = map[string]string{
	"analytics":       statistics,
	"marketing":       marketing,
	"functional":      preferences,
	"personalization": preferences,
	"security":        necessary,
	"necessary":       necessary,
}

// Category maps an Open Cookie Database category to ours: Analytics → statistics,
// Marketing → marketing, Functional and Personalization → preferences, Security and
// Necessary → necessary. Case and surrounding space are ignored; ok is false for
// anything else.
func Category(ocd string) (category string, ok bool) {
	category, ok = ocdCategories[strings.ToLower(strings.TrimSpace(ocd))]
	return category, ok
}

// strictness orders our categories from the least to the most consent-demanding, so
// that a name listed twice with different categories can be resolved towards blocking.
func strictness(category string) int {
	switch category {
	case necessary:
		return 0
	case preferences:
		return 1
	case statistics:
		return 2
	default:
		return 3
	}
}
