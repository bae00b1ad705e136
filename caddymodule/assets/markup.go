package assets

import (
	"bytes"
	"encoding/json"
	"html/template"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/consentgate/consentgate/policy"
)

// Page is the per-request state the inserted markup depends on.
type Page struct {
	Lang       string         // chosen language (one of the policy's)
	Consent    policy.Consent // Given, Granted, ID, Time, GPC
	ShowBanner bool           // no choice made yet: show the first layer
	// Framed: the page is in a frame of another site's page, where the
	// browser neither sends nor keeps the consent cookie (SameSite=Lax): a
	// choice made there would be lost. No banner, no settings link and no
	// spacer; what is held back stays held.
	Framed     bool
	ReturnPath string // the current request's path and query, for the forms' return field
	// Nonce is the page's CSP script nonce, "" if none; every <script> the
	// markup has carries it. The markup has no inline script or style at all.
	Nonce string
	// StyleNonce is the page's CSP style nonce, "" if none; every <link
	// rel=stylesheet> the markup has carries it (a site may give its style
	// sheets another nonce than its scripts), and banner.js gives it to the
	// style sheets of the placeholders it makes.
	StyleNonce string
	// Origin is scheme://host[:port] as the visitor addressed the site, or
	// //host[:port] when the scheme is not known. Every URL in the markup is
	// made absolute with it, so that a page's <base href> cannot send our
	// scripts, styles and forms elsewhere. Anything but an http(s) origin or
	// a scheme-relative one is ignored (the URLs stay root-relative).
	Origin string
}

// Head is the markup inserted right after <head>: the guard, a classic
// script (no async or defer) so that it runs before every other script. It
// starts with exactly `<script src="ORIGIN/PREFIX/guard.js?v=HASH"` (no
// ORIGIN when pg.Origin is empty). It is written
// directly, not with a template: it goes into every page. Category ids and
// languages are validated by the policy loader ([a-z0-9_-], a-z); the nonce
// comes from the page and is escaped. The tag's data attributes are the
// per-request state:
//
//	data-granted  the granted category ids, space-separated (necessary always)
//	data-given    1 when a valid choice was found, else 0
//	data-gpc      1 when no choice was made and Sec-GPC: 1 refuses for the visitor
//	data-lang     the page's language
func (b *Bundle) Head(pg Page) []byte {
	var buf bytes.Buffer
	buf.Grow(160)
	buf.WriteString(`<script src="`)
	escape.WriteString(&buf, cleanOrigin(pg.Origin))
	buf.WriteString(b.url("guard.js"))
	buf.WriteString(`" data-granted="`)
	for i, id := range b.policy.IDs(pg.Consent.Granted | 1) {
		if i > 0 {
			buf.WriteByte(' ')
		}
		escape.WriteString(&buf, id)
	}
	buf.WriteString(`" data-given="`)
	buf.WriteString(flag(pg.Consent.Given))
	buf.WriteString(`" data-gpc="`)
	buf.WriteString(flag(pg.Consent.GPC && !pg.Consent.Given))
	buf.WriteString(`" data-lang="`)
	escape.WriteString(&buf, b.lang(pg.Lang))
	buf.WriteByte('"')
	if pg.Nonce != "" {
		buf.WriteString(` nonce="`)
		escape.WriteString(&buf, pg.Nonce)
		buf.WriteByte('"')
	}
	buf.WriteString(`></script>`)
	return buf.Bytes()
}

func flag(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// bodyTemplate is the banner: the style sheet (in the document, for the
// rules on held-back embeds), and the shadow host #cg whose declarative shadow
// root holds the dialog (hidden when no banner is to be shown, so that the
// script can reopen it as the settings), the small "cookie settings" link that
// the script turns into a button, and a spacer that lets the page scroll out
// from under them; then the banner script. The shadow root keeps the site's
// style sheets out and ours in (docs/BANNER.md). Every choice is a plain form,
// so it works without JavaScript. On a first visit the host has tabindex 1 and
// delegates focus: the first Tab of the page reaches the banner's first control.
// The markup is well-formed XML as well as HTML (void elements closed with
// "/>", every attribute with a value): it goes into XHTML pages too, where the
// XML parser refuses the rest of a page after one HTML-only construct.
var bodyTemplate = template.Must(template.New("body").Parse(`
<link rel="stylesheet" href="{{.CSS}}"{{if .StyleNonce}} nonce="{{.StyleNonce}}"{{end}}/>
<div id="cg" class="cg-host" lang="{{.Lang}}" data-cg="{{.Data}}"{{if .Show}} tabindex="1"{{end}}><template shadowrootmode="open"{{if .Show}} shadowrootdelegatesfocus=""{{end}}><link rel="stylesheet" href="{{.CSS}}"{{if .StyleNonce}} nonce="{{.StyleNonce}}"{{end}}/>
<div class="cg" lang="{{.Lang}}" dir="{{.Dir}}">
<div id="cg-banner" class="cg-banner" role="dialog" aria-labelledby="cg-title" aria-describedby="cg-text"{{if not .Show}} hidden=""{{end}}>
{{- if .Notice}}
<h2 id="cg-title" class="cg-title">{{.T.notice_title}}</h2>
<p id="cg-text" class="cg-text">{{.T.notice_text}}</p>
<p class="cg-links"><a href="{{.Declaration}}">{{.T.declaration_link}}</a>{{if .Privacy}} <a href="{{.Privacy}}">{{.T.privacy_link}}</a>{{end}}</p>
<div class="cg-actions cg-single">
<form method="post" action="{{.Action}}"><input type="hidden" name="return" value="{{.Return}}"/><button type="submit" class="cg-btn" name="choice" value="accept_all">{{.T.ok}}</button></form>
</div>
{{- else}}
<button type="button" class="cg-close" hidden="">{{.T.close}}</button>
<h2 id="cg-title" class="cg-title">{{.T.banner_title}}</h2>
<p id="cg-text" class="cg-text">{{.T.banner_text}}</p>
<p class="cg-links"><a href="{{.Declaration}}">{{.T.declaration_link}}</a>{{if .Privacy}} <a href="{{.Privacy}}">{{.T.privacy_link}}</a>{{end}}</p>
<div class="cg-actions">
<form method="post" action="{{.Action}}"><input type="hidden" name="return" value="{{.Return}}"/><button type="submit" class="cg-btn" name="choice" value="accept_all">{{.T.accept_all}}</button></form>
<form method="post" action="{{.Action}}"><input type="hidden" name="return" value="{{.Return}}"/><button type="submit" class="cg-btn" name="choice" value="reject_all">{{.T.reject_all}}</button></form>
<details id="cg-settings" class="cg-settings">
<summary class="cg-btn">{{.T.settings}}</summary>
<form method="post" action="{{.Action}}" class="cg-panel" aria-labelledby="cg-stitle">
<input type="hidden" name="return" value="{{.Return}}"/>
<h3 id="cg-stitle" class="cg-stitle">{{.T.settings_title}}</h3>
<p class="cg-text">{{.T.settings_text}}</p>
<ul class="cg-cats">
{{- range .Categories}}
<li class="cg-cat"><input type="checkbox" id="cg-c-{{.ID}}"{{if .Always}} checked="" disabled=""{{else}} name="category" value="{{.ID}}"{{if .Checked}} checked=""{{end}}{{end}}{{if .Description}} aria-describedby="cg-d-{{.ID}}"{{end}}/><label for="cg-c-{{.ID}}">{{.Title}}{{if .Always}} <span class="cg-always">({{$.T.always_on}})</span>{{end}}</label>{{if .Description}}<p id="cg-d-{{.ID}}" class="cg-desc">{{.Description}}</p>{{end}}</li>
{{- end}}
</ul>
<p class="cg-info"{{if not .Given}} hidden=""{{end}}>{{.T.consent_id}}: <code class="cg-id">{{.ID}}</code><br/>{{.T.consent_date}}: <time class="cg-date" datetime="{{.Stamp}}">{{.Date}}</time></p>
<div class="cg-row">
<button type="submit" class="cg-btn" name="choice" value="custom">{{.T.save}}</button>
<button type="submit" class="cg-btn cg-withdraw" name="choice" value="reject_all"{{if not .Given}} hidden=""{{end}}>{{.T.withdraw}}</button>
</div>
</form>
</details>
</div>
{{- end}}
</div>
<a id="cg-open" class="cg-open" href="{{.Declaration}}"{{if or .Show .Framed}} hidden=""{{end}}>{{.T.cookie_settings}}</a>
<div class="cg-sp"{{if .Framed}} hidden=""{{end}}></div>
</div>
</template></div>
<script defer="" src="{{.JS}}"{{if .Nonce}} nonce="{{.Nonce}}"{{end}}></script>
`))

type bodyView struct {
	CSS, JS, Nonce, Lang string
	Dir                  string // ltr or rtl: the language's, not the page's
	StyleNonce           string
	Action, Return       string
	Declaration, Privacy string
	Data                 string
	Show, Notice, Given  bool
	Framed               bool
	ID, Stamp, Date      string
	T                    map[string]string
	Categories           []categoryView
}

type categoryView struct {
	ID, Title, Description string
	Always, Checked        bool
}

// BodyEnd is the markup inserted before </body>: the banner's stylesheet, the
// banner (shown when pg.ShowBanner; the notice for notice_only policies), the
// always-present "cookie settings" control, and the deferred banner script.
// It is put together from fragments rendered once per state (see bodyCache):
// running the template for every page cost more than rewriting the page.
func (b *Bundle) BodyEnd(pg Page) []byte {
	return b.AppendBodyEnd(nil, pg)
}

// AppendBodyEnd appends BodyEnd to dst: the proxy renders every page's
// banner into a buffer it reuses.
func (b *Bundle) AppendBodyEnd(dst []byte, pg Page) []byte {
	return b.bodies.render(dst, b, pg)
}

// renderBodyEnd runs the template; BodyEnd's fragments come from it. The
// origin is used as it is (BodyEnd cleans it; bodyCache passes a sentinel).
func (b *Bundle) renderBodyEnd(pg Page) []byte {
	lang := b.lang(pg.Lang)
	p := b.policy
	o := pg.Origin
	v := bodyView{
		CSS:         o + b.url("banner.css"),
		JS:          o + b.url("banner.js"),
		Nonce:       pg.Nonce,
		StyleNonce:  pg.StyleNonce,
		Lang:        lang,
		Dir:         langDir(lang),
		Action:      o + b.opts.Prefix + "/consent",
		Return:      pg.ReturnPath,
		Declaration: o + b.declarationPath(lang),
		Privacy:     p.Site.PrivacyPolicyURL,
		Data:        b.scriptData(lang),
		Show:        pg.ShowBanner && !pg.Framed,
		Framed:      pg.Framed,
		Notice:      p.NoticeOnly,
		Given:       pg.Consent.Given,
		T:           b.texts(lang),
	}
	if strings.HasPrefix(v.Privacy, "/") && !strings.HasPrefix(v.Privacy, "//") {
		v.Privacy = o + v.Privacy
	}
	if v.Return == "" {
		v.Return = "/"
	}
	if pg.Consent.Given {
		v.ID = pg.Consent.ID
		if !pg.Consent.Time.IsZero() {
			v.Stamp = pg.Consent.Time.UTC().Format(time.RFC3339)
			v.Date = pg.Consent.Time.UTC().Format(dateLayout)
		}
	}
	if !p.NoticeOnly {
		for i, c := range p.Categories {
			v.Categories = append(v.Categories, categoryView{
				ID:          c.ID,
				Title:       b.CategoryTitle(c, lang),
				Description: b.CategoryDescription(c, lang),
				Always:      i == 0,
				Checked:     i > 0 && pg.Consent.Given && pg.Consent.Granted.Has(i),
			})
		}
	}
	return b.exec(bodyTemplate, v)
}

func (b *Bundle) declarationPath(lang string) string {
	return b.opts.Prefix + "/declaration?lang=" + url.QueryEscape(lang)
}

// scriptData is what banner.js needs to make placeholders for embeds the guard
// holds back at run time: the placeholder texts, the declaration's path and
// the category titles, in the page's language, and the path prefix of the
// endpoints (JSON in the host's data-cg); and to read the consent cookie, so
// that a page made for another consent than the cookie holds when it is shown
// (fetched ahead of a choice) can tell: its name and the policy's revision.
func (b *Bundle) scriptData(lang string) string {
	titles := map[string]string{}
	for _, c := range b.policy.Categories {
		titles[c.ID] = b.CategoryTitle(c, lang)
	}
	js, err := json.Marshal(map[string]any{
		"t": b.Text("placeholder_title", lang),
		"x": b.Text("placeholder_text", lang),
		"a": b.Text("placeholder_allow", lang),
		"s": b.Text("cookie_settings", lang),
		"d": b.declarationPath(lang),
		"p": b.opts.Prefix,
		"c": titles,
		"n": b.policy.Consent.Name,
		"r": b.policy.Revision,
	})
	if err != nil {
		return "{}"
	}
	return string(js)
}

// cleanOrigin returns o if it is an http(s) origin — scheme://host[:port],
// or //host[:port] without the scheme, nothing else, in the characters a
// host and port have — else "".
func cleanOrigin(o string) string {
	rest, ok := strings.CutPrefix(o, "https://")
	if !ok {
		rest, ok = strings.CutPrefix(o, "http://")
	}
	if !ok {
		rest, ok = strings.CutPrefix(o, "//")
	}
	if !ok || rest == "" {
		return ""
	}
	for i := 0; i < len(rest); i++ {
		c := rest[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == ':' || c == '[' || c == ']' || c == '_') {
			return ""
		}
	}
	return o
}

// rtlLanguages are the languages written right to left (ISO 639 codes), and
// rtlScripts the scripts (ISO 15924) that are.
var (
	rtlLanguages = map[string]bool{"ar": true, "arc": true, "azb": true, "bal": true, "ckb": true, "dv": true, "fa": true,
		"glk": true, "he": true, "iw": true, "ji": true, "ks": true, "lrc": true, "mzn": true, "nqo": true, "pnb": true,
		"prs": true, "ps": true, "sd": true, "sdh": true, "syr": true, "ug": true, "ur": true, "yi": true}
	rtlScripts = map[string]bool{"adlm": true, "arab": true, "hebr": true, "mand": true, "nkoo": true, "rohg": true,
		"samr": true, "syrc": true, "thaa": true}
)

// langDir is the direction a language is written in, "ltr" or "rtl": the
// banner and the placeholders carry their language's direction, not the
// page's (an English banner on an Arabic page is written left to right; CSS's
// all: initial does not reset direction). A script subtag decides ("az-Arab"
// is rtl, "ug-Latn" ltr), else the language.
func langDir(lang string) string {
	base, sub, _ := strings.Cut(strings.ToLower(lang), "-")
	if len(sub) == 4 {
		if rtlScripts[sub] {
			return "rtl"
		}
		return "ltr"
	}
	if rtlLanguages[base] {
		return "rtl"
	}
	return "ltr"
}

// dateLayout is how the consent date is shown in the settings.
const dateLayout = "2006-01-02 15:04 UTC"

// texts gathers every UI text in a language for the template.
func (b *Bundle) texts(lang string) map[string]string {
	m := make(map[string]string, len(policy.TextKeys))
	for _, k := range policy.TextKeys {
		m[k] = b.Text(k, lang)
	}
	return m
}

// lang is the page's language if the policy has it, else the policy's default.
func (b *Bundle) lang(l string) string {
	if slices.Contains(b.policy.Languages, l) || len(b.policy.Languages) == 0 && l != "" {
		return l
	}
	if len(b.policy.Languages) > 0 {
		return b.policy.Languages[0]
	}
	return fallbackLang
}

func (b *Bundle) exec(t *template.Template, v any) []byte {
	var buf bytes.Buffer
	if err := t.Execute(&buf, v); err != nil {
		// The templates are fixed and their data plain strings, so this does
		// not happen (the tests render every variant); a page without the
		// markup is better than a failed response.
		return nil
	}
	return buf.Bytes()
}
