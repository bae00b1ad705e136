package declaration

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"net/url"
	"strings"

	"github.com/consentgate/consentgate/policy"
)

//go:embed page.html
var pageSource string

var pageTemplate = template.Must(template.New("page").Parse(pageSource))

// Page renders the declaration page in lang, with the visitor's consent and,
// when forms, forms that post a new choice to prefix+"/consent" (none when
// the site's own consent manager takes the choices). A page under a strict
// Content-Security-Policy can only style itself with a nonce, so the <style>
// block is written only when nonce is given; without it the page is plain
// HTML that reads well unstyled. The page has no script.
func Page(w io.Writer, p *policy.Policy, t Texts, lang string, cons policy.Consent, prefix, nonce string, forms bool) error {
	r := newRenderer(p, t, lang)
	v := r.view()
	v.Style, v.Nonce = nonce != "", nonce
	for _, l := range p.Languages {
		v.Languages = append(v.Languages, languageLink{
			Lang: l, Name: nativeName(l), Current: l == r.lang,
			Href: prefix + "/declaration?lang=" + url.QueryEscape(l),
		})
	}
	if !p.NoticeOnly {
		v.Consent = r.consentView(cons, prefix)
		if !forms {
			v.Consent.Action = ""
		}
	}
	return render(w, v)
}

// Static renders the page for hosting as a file (`caddy cookie-consent
// declaration`): no consent of a visitor and no forms, but a link to where the
// proxy serves them. It has no language switch either, as a file is in one
// language; render one file per language. Its <style> block carries no nonce,
// as the hosting's policy is unknown; where it is refused, the page still reads.
func Static(w io.Writer, p *policy.Policy, t Texts, lang string) error {
	r := newRenderer(p, t, lang)
	v := r.view()
	v.Style = true
	if !p.NoticeOnly {
		v.StaticNote = r.l.StaticNote
		v.SettingsLink = r.text("cookie_settings")
		v.SettingsHref = "/_consent/declaration?lang=" + url.QueryEscape(r.lang)
	}
	return render(w, v)
}

// render buffers the page, so that a failure writes nothing and the caller
// can still answer with an error.
func render(w io.Writer, v *view) error {
	var buf bytes.Buffer
	if err := pageTemplate.Execute(&buf, v); err != nil {
		return fmt.Errorf("rendering the cookie declaration: %w", err)
	}
	_, err := w.Write(buf.Bytes())
	return err
}

type view struct {
	Lang        string
	L           *labels
	Title       string
	Intro       string
	PrivacyURL  string
	PrivacyText string
	Notice      string // for notice_only policies

	Style bool
	Nonce string

	Languages []languageLink
	Consent   *consentView // nil: no consent state and no forms

	StaticNote, SettingsLink, SettingsHref string

	Categories []categoryView
}

type languageLink struct {
	Lang, Name, Href string
	Current          bool
}

type consentView struct {
	Given, GPC        bool
	ID, Date, Granted string
	IDLabel           string
	DateLabel         string

	Action, Return       string
	AcceptAll, RejectAll string
	Settings, Save       string
	AlwaysOn             string
	Choices              []choiceView
}

type choiceView struct {
	ID, Title         string
	Checked, Disabled bool
}

type categoryView struct {
	ID, Title, Description string
	Count                  int
	Groups                 []groupView
}

// groupView is the cookies of a category used by one part of the site; Title
// is empty when the category is not divided so.
type groupView struct {
	Title string
	Rows  []rowView
}

type rowView struct {
	Name, Provider, Type, Duration, Purpose, SentTo string
	NameParts                                       []string // Name, with a line break allowed between them
}

// nameParts cuts a cookie name after the dots, underscores and hyphens that
// separate words of at least three characters, where a narrow screen may
// break the line: com.sap.engine.security… breaks between its words, never
// inside one ("cookie_cons/ent"), and _ga_# not at all.
func nameParts(name string) []string {
	var parts []string
	start := 0
	for i := 0; i < len(name); i++ {
		if c := name[i]; (c == '.' || c == '_' || c == '-') && i-start >= 3 && len(name)-(i+1) >= 3 {
			parts = append(parts, name[start:i+1])
			start = i + 1
		}
	}
	return append(parts, name[start:])
}

func (r *renderer) view() *view {
	site := r.p.Site.Name
	if site == "" {
		site = r.l.SiteFallback
	}
	v := &view{
		Lang:        r.lang,
		L:           r.l,
		Title:       r.l.Title,
		Intro:       fmt.Sprintf(r.l.Intro, site),
		PrivacyURL:  r.p.Site.PrivacyPolicyURL,
		PrivacyText: r.text("privacy_link"),
	}
	if r.p.Site.Name != "" {
		v.Title += " – " + r.p.Site.Name
	}
	if r.p.NoticeOnly {
		v.Notice = fmt.Sprintf(r.l.NoticeOnly, site)
	}
	for _, c := range r.data().Categories {
		v.Categories = append(v.Categories, categoryView{
			ID: c.ID, Title: c.Title, Description: c.Description,
			Count: len(c.Cookies), Groups: r.groups(c.Cookies),
		})
	}
	return v
}

// groups splits a category's cookies by the part of the site that uses them,
// in the order the policy first names each part. Cookies that name none are
// used everywhere and come first, under a heading only when there are parts.
func (r *renderer) groups(cookies []CookieData) []groupView {
	var gs []groupView
	index := map[string]int{}
	for _, c := range cookies {
		i, ok := index[c.UsedBy]
		if !ok {
			i = len(gs)
			index[c.UsedBy] = i
			gs = append(gs, groupView{Title: c.UsedBy})
		}
		gs[i].Rows = append(gs[i].Rows, r.row(c))
	}
	if i, ok := index[""]; ok && i > 0 {
		everywhere := gs[i]
		copy(gs[1:i+1], gs[:i])
		gs[0] = everywhere
	}
	if len(gs) > 1 && gs[0].Title == "" {
		gs[0].Title = r.l.WholeSite
	}
	return gs
}

func (r *renderer) row(c CookieData) rowView {
	row := rowView{Name: c.Name, NameParts: nameParts(c.Name), Provider: c.Provider, Type: typeName(c.Type), Duration: c.Duration, Purpose: c.Purpose}
	if c.Transfer != nil {
		adequacy := r.l.NotAdequate
		if c.Transfer.Adequate {
			adequacy = r.l.Adequate
		}
		row.SentTo = c.Transfer.Country + " (" + adequacy + ")"
	}
	return row
}

func (r *renderer) consentView(cons policy.Consent, prefix string) *consentView {
	cv := &consentView{
		Given:     cons.Given,
		GPC:       cons.GPC && !cons.Given,
		IDLabel:   r.text("consent_id"),
		DateLabel: r.text("consent_date"),
		Action:    prefix + "/consent",
		Return:    prefix + "/declaration?lang=" + url.QueryEscape(r.lang),
		AcceptAll: r.text("accept_all"),
		RejectAll: r.text("reject_all"),
		Settings:  r.text("settings"),
		Save:      r.text("save"),
		AlwaysOn:  r.text("always_on"),
	}
	var granted []string
	for i, c := range r.p.Categories {
		title := r.categoryTitle(c)
		// Only a choice made ticks a box: a visitor who has not chosen sees
		// none ticked (necessary aside), as in the banner's settings.
		on := i == 0 || cons.Given && cons.Grants(i)
		if on {
			granted = append(granted, title)
		}
		cv.Choices = append(cv.Choices, choiceView{ID: c.ID, Title: title, Checked: on, Disabled: i == 0})
	}
	if cons.Given {
		cv.ID = cons.ID
		cv.Date = cons.Time.UTC().Format("2006-01-02 15:04 UTC")
		cv.Granted = strings.Join(granted, ", ")
		// Once something beyond necessary is granted, refusing all is a withdrawal.
		if cons.Granted&^1 != 0 {
			cv.RejectAll = r.text("withdraw")
		}
	}
	return cv
}
