// Package declaration renders the cookie declaration of a policy (SPEC §6):
// the data of /_consent/declaration.json and the HTML page of
// /_consent/declaration, which also lets the visitor change their consent.
// It knows nothing of Caddy, so the page can be rendered for static hosting too.
package declaration

import (
	"slices"
	"strings"

	"github.com/consentgate/consentgate/policy"
)

// Data is the declaration as served by declaration.json.
type Data struct {
	Revision   int            `json:"revision"`
	Language   string         `json:"language"`
	Categories []CategoryData `json:"categories"`
}

type CategoryData struct {
	ID          string       `json:"id"`
	Title       string       `json:"title"`
	Description string       `json:"description"`
	Cookies     []CookieData `json:"cookies"`
}

// CookieData is one declared cookie in the declaration's language. Type is the
// policy's value (http, html, pixel); Duration is written out for reading
// ("2 år"), since that is what a page showing this data needs.
type CookieData struct {
	Name     string        `json:"name"`
	Provider string        `json:"provider"`
	Type     string        `json:"type"`
	Duration string        `json:"duration"`
	Purpose  string        `json:"purpose"`
	Transfer *TransferData `json:"transfer"`
	UsedBy   string        `json:"used_by"`
}

type TransferData struct {
	Country  string `json:"country"`
	Adequate bool   `json:"adequate"`
}

// Texts supplies the built-in UI texts and category titles and descriptions in
// a language (the banner's assets have them). Overrides written in the policy
// (texts:, a category's title: and description:) are applied here, before
// Texts is asked, so every implementation shows them alike.
type Texts interface {
	Text(key, lang string) string // keys: policy.TextKeys
	CategoryTitle(c policy.Category, lang string) string
	CategoryDescription(c policy.Category, lang string) string
}

// Build collects the declaration in lang, or in the policy's default language
// when the policy does not offer lang.
func Build(p *policy.Policy, t Texts, lang string) Data {
	return newRenderer(p, t, lang).data()
}

type renderer struct {
	p    *policy.Policy
	t    Texts
	lang string
	l    *labels
}

func newRenderer(p *policy.Policy, t Texts, lang string) *renderer {
	if len(p.Languages) > 0 && !slices.Contains(p.Languages, lang) {
		lang = p.Languages[0]
	}
	return &renderer{p: p, t: t, lang: lang, l: labelsFor(lang)}
}

func (r *renderer) data() Data {
	d := Data{Revision: r.p.Revision, Language: r.lang, Categories: []CategoryData{}}
	for i, c := range r.p.Categories {
		cd := CategoryData{ID: c.ID, Title: r.categoryTitle(c), Description: r.categoryDescription(c), Cookies: []CookieData{}}
		if i == 0 && !r.declaresConsentCookie() {
			cd.Cookies = append(cd.Cookies, r.consentCookie())
		}
		cd.Cookies = append(cd.Cookies, r.cookiesOf(c.ID)...)
		d.Categories = append(d.Categories, cd)
	}
	// Unclassified cookies are listed last and only when there are some, as
	// seed 000's declaration does: a visitor can grant nothing there.
	if cs := r.cookiesOf(policy.Unclassified); len(cs) > 0 {
		c := policy.Category{ID: policy.Unclassified}
		d.Categories = append(d.Categories, CategoryData{ID: c.ID, Title: r.categoryTitle(c), Description: r.categoryDescription(c), Cookies: cs})
	}
	return d
}

func (r *renderer) cookiesOf(category string) []CookieData {
	var out []CookieData
	for _, c := range r.p.Cookies {
		if c.Category != category {
			continue
		}
		cd := CookieData{
			Name:     c.Name,
			Provider: c.Provider,
			Type:     c.Type,
			Duration: r.l.duration(c.Duration),
			Purpose:  r.policyText(c.Purpose),
			UsedBy:   r.policyText(c.UsedBy),
		}
		if c.Transfer != nil {
			cd.Transfer = &TransferData{Country: c.Transfer.Country, Adequate: c.Transfer.Adequate}
		}
		out = append(out, cd)
	}
	return out
}

// declaresConsentCookie reports whether the policy lists the consent cookie by
// its own name. A pattern that happens to cover it does not count: its purpose
// would not say that this cookie holds the visitor's choice.
func (r *renderer) declaresConsentCookie() bool {
	return slices.ContainsFunc(r.p.Cookies, func(c policy.Cookie) bool { return c.Name == r.p.Consent.Name })
}

func (r *renderer) consentCookie() CookieData {
	provider := strings.TrimPrefix(r.p.Consent.Domain, ".")
	if provider == "" {
		provider = r.p.Site.Name
	}
	return CookieData{
		Name:     r.p.Consent.Name,
		Provider: provider,
		Type:     "http",
		Duration: r.l.duration(r.p.Consent.MaxAge),
		Purpose:  r.l.ConsentPurpose,
	}
}

// policyText picks a text of the policy in the page's language, else in the
// policy's other languages in order: a text missing in one language is better
// shown in another than not at all.
func (r *renderer) policyText(t policy.Text) string {
	return t.In(r.lang, r.p.Languages...)
}

// text is a UI text: the policy's override in this language, else the
// built-in one. An override in another language is not used, because the
// built-in text in the page's language reads better than a foreign one.
func (r *renderer) text(key string) string {
	if s := r.p.Texts[key].In(r.lang); s != "" {
		return s
	}
	if s := r.t.Text(key, r.lang); s != "" {
		return s
	}
	return key
}

func (r *renderer) categoryTitle(c policy.Category) string {
	if s := c.Title.In(r.lang); s != "" {
		return s
	}
	if s := r.t.CategoryTitle(c, r.lang); s != "" {
		return s
	}
	if c.ID == policy.Unclassified {
		return r.l.Unclassified
	}
	return c.ID
}

func (r *renderer) categoryDescription(c policy.Category) string {
	if s := c.Description.In(r.lang); s != "" {
		return s
	}
	if s := r.t.CategoryDescription(c, r.lang); s != "" {
		return s
	}
	if c.ID == policy.Unclassified {
		return r.l.UnclassifiedDescription
	}
	return ""
}
