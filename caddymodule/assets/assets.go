// Package assets is the browser side of consentgate: the guard that runs
// first on every page (guard.js), the consent banner (banner.js, banner.css),
// and the markup the HTML rewriter inserts to load them. Everything is
// embedded in the binary; the guard carries rules generated from the policy.
//
// The package has no Caddy import: a Bundle is built once per configuration
// and is read-only afterwards, safe for concurrent use.
package assets

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"

	"github.com/consentgate/consentgate/policy"
)

//go:embed static/guard.js static/banner.js static/banner.css
var static embed.FS

// Options are the configuration choices the assets depend on.
type Options struct {
	Prefix            string // reserved path prefix, e.g. "/_consent" (no trailing slash)
	GoogleConsentMode bool
	// ConsentCookies are further cookie names the guard always lets scripts
	// write, besides the policy's own consent cookie: the cookies of a
	// foreign consent manager (source cookiebot, onetrust, ...), which the
	// server counts as necessary too.
	ConsentCookies []string
	// Known is the known-cookie list the server classifies with (the
	// built-in one, an Open Cookie Database CSV, or none): the guard
	// classifies the cookie names and storage keys scripts write with it.
	Known []policy.KnownCookie
	// Report is mode report: the guard holds nothing back and reports what
	// it would have held.
	Report bool
	// Trackers are the known tracker hosts: in report mode the guard also
	// reports the elements scripts add from these when no blocker names
	// them, so that draft can propose blockers for a policy that has none
	// yet.
	Trackers []policy.KnownTracker
}

// Bundle holds the assets and texts of one configuration.
type Bundle struct {
	policy *policy.Policy
	opts   Options
	files  map[string]asset
	bodies bodyCache
}

type asset struct {
	body        []byte
	contentType string
	hash        string
}

const (
	jsType  = "text/javascript; charset=utf-8"
	cssType = "text/css; charset=utf-8"
)

// NewBundle builds the assets for a policy: the guard with the policy's
// rules, the banner script and style sheet, each with its content hash.
func NewBundle(p *policy.Policy, o Options) (*Bundle, error) {
	if p == nil {
		return nil, errors.New("assets: no policy")
	}
	if len(p.Categories) == 0 || p.Categories[0].ID != policy.Necessary {
		return nil, errors.New("assets: the policy has no necessary category")
	}
	b := &Bundle{policy: p, opts: o, files: map[string]asset{}}
	b.opts.ConsentCookies = slices.Clone(o.ConsentCookies)

	guard, err := static.ReadFile("static/guard.js")
	if err != nil {
		return nil, err
	}
	rj, err := rulesJSON(buildRules(p, o))
	if err != nil {
		return nil, fmt.Errorf("assets: encoding the guard's rules: %v", err)
	}
	// The rules come first as a block-scoped constant, then the static code.
	var g bytes.Buffer
	g.WriteString("{const R=")
	g.Write(rj)
	g.WriteString(";\n")
	g.Write(stripJS(guard))
	g.WriteString("}\n")
	b.add("guard.js", g.Bytes(), jsType)

	banner, err := static.ReadFile("static/banner.js")
	if err != nil {
		return nil, err
	}
	b.add("banner.js", stripJS(banner), jsType)

	css, err := static.ReadFile("static/banner.css")
	if err != nil {
		return nil, err
	}
	b.add("banner.css", stripCSS(css), cssType)
	return b, nil
}

func (b *Bundle) add(name string, body []byte, contentType string) {
	sum := sha256.Sum256(body)
	b.files[name] = asset{body: body, contentType: contentType, hash: hex.EncodeToString(sum[:6])}
}

// Asset returns an asset by name ("guard.js", "banner.js", "banner.css"): its
// body, Content-Type and content hash (the ?v= of its URL). The body is
// shared: callers must not modify it.
func (b *Bundle) Asset(name string) (body []byte, contentType, hash string, ok bool) {
	a, ok := b.files[name]
	if !ok {
		return nil, "", "", false
	}
	return a.body, a.contentType, a.hash, true
}

// url is the address of an asset, with its hash.
func (b *Bundle) url(name string) string {
	return b.opts.Prefix + "/" + name + "?v=" + b.files[name].hash
}

// stripJS removes what the browser does not need from a script written in
// this package's style (ES2017, no template literals, whole-line comments):
// comment lines, blank lines, indentation, and the spaces inside a line that
// separate no two words. Line breaks stay, so automatic semicolon insertion
// reads the code as written; strings and regular expressions are copied as
// they are. The browser tests run the result.
func stripJS(src []byte) []byte {
	var out bytes.Buffer
	for line := range bytes.Lines(src) {
		t := bytes.TrimSpace(line)
		if len(t) == 0 || bytes.HasPrefix(t, []byte("//")) {
			continue
		}
		squeezeLine(&out, t)
		out.WriteByte('\n')
	}
	return out.Bytes()
}

// squeezeLine writes one line of code without the spaces it can do without.
func squeezeLine(out *bytes.Buffer, t []byte) {
	var quote byte // inside a string: its quote
	var regex bool // inside a regular expression literal
	var class bool // inside a [...] of one
	var last byte  // the last significant character written
	for i := 0; i < len(t); i++ {
		c := t[i]
		switch {
		case quote != 0 || regex:
			out.WriteByte(c)
			switch {
			case c == '\\' && i+1 < len(t):
				i++
				out.WriteByte(t[i])
			case quote != 0 && c == quote:
				quote = 0
			case regex && c == '[':
				class = true
			case regex && c == ']':
				class = false
			case regex && !class && c == '/':
				regex = false
			}
			last = c
		case c == ' ' || c == '\t':
			j := i
			for j < len(t) && (t[j] == ' ' || t[j] == '\t') {
				j++
			}
			if j < len(t) && last != 0 && (isWord(last) && isWord(t[j]) || last == t[j] && bytes.IndexByte([]byte("+-/"), last) >= 0) {
				out.WriteByte(' ')
			}
			i = j - 1
		case c == '\'' || c == '"':
			quote = c
			out.WriteByte(c)
			last = c
		case c == '/' && (last == 0 || bytes.IndexByte([]byte("(,=:[!&|?{};+-*%<>~^"), last) >= 0 || endsWithKeyword(out.Bytes())):
			regex, class = true, false
			out.WriteByte(c)
			last = c
		default:
			out.WriteByte(c)
			last = c
		}
	}
}

func isWord(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '$' || c >= 0x80
}

// endsWithKeyword reports whether the code so far ends with a keyword after
// which a slash starts a regular expression.
func endsWithKeyword(b []byte) bool {
	for _, k := range []string{"return", "typeof", "case", "in", "of"} {
		if bytes.HasSuffix(b, []byte(k)) && (len(b) == len(k) || !isWord(b[len(b)-len(k)-1])) {
			return true
		}
	}
	return false
}

// stripCSS removes /* comments */, indentation and blank lines from a style
// sheet without strings that contain comment markers (as ours).
func stripCSS(src []byte) []byte {
	var noComments bytes.Buffer
	for {
		i := bytes.Index(src, []byte("/*"))
		if i < 0 {
			noComments.Write(src)
			break
		}
		noComments.Write(src[:i])
		j := bytes.Index(src[i+2:], []byte("*/"))
		if j < 0 {
			break
		}
		src = src[i+2+j+2:]
	}
	var out bytes.Buffer
	for line := range bytes.Lines(noComments.Bytes()) {
		if t := bytes.TrimSpace(line); len(t) > 0 {
			out.Write(t)
			out.WriteByte('\n')
		}
	}
	return out.Bytes()
}
