package assets

import (
	"bytes"
	"strconv"
	"strings"
)

// PlaceholderInfo describes a held-back embed for its placeholder.
type PlaceholderInfo struct {
	Tag      string // iframe, frame, video, audio, embed or object (lower case)
	Host     string // the host of the element's URL, e.g. "youtube.com"; "" if none
	Category string // the id of the category that holds it back
	// Width and Height are the element's width and height attributes as
	// written ("560", "100%", ""); they size the placeholder without
	// JavaScript. banner.js then gives it the element's computed size.
	Width, Height string
}

// Placeholder is the click-to-load placeholder the rewriter inserts right
// before the start tag of a held-back embed. It is a shadow host (a <span>,
// so that it is phrasing content wherever an embed may stand: an open <p>
// stays open) with a declarative shadow root, after a <link> to the style
// sheet, which hides the held-back element itself (our attribute selector,
// render-blocking for what follows it). It says what the embed is (its host)
// and why it is held back (its category's title); its button grants that
// category — without JavaScript through its own form, which keeps the
// categories already granted and comes back to the page (a <form> inside the
// shadow root's <template> does not close an open <p>: the template is a
// scope boundary for the parser) — and its link leads to the settings.
//
// It returns nil when there is nothing to show: a frame (a frameset renders
// no placeholder) or an embed whose width or height attribute is 2 pixels or
// less (a tracking frame nobody sees).
func (b *Bundle) Placeholder(pg Page, ph PlaceholderInfo) []byte {
	if ph.Tag == "frame" {
		return nil
	}
	w, wPct, wOK := dimension(ph.Width)
	h, hPct, hOK := dimension(ph.Height)
	if wOK && !wPct && w <= 2 || hOK && !hPct && h <= 2 {
		return nil
	}
	if !wOK || w > 4096 && !wPct {
		w, wPct = 300, false
	}
	if !hOK || hPct || h > 4096 {
		h = 150
		if ph.Tag == "audio" {
			h = 54
		}
	}
	lang := b.lang(pg.Lang)
	origin := cleanOrigin(pg.Origin)
	title := ph.Category
	if i := b.policy.CategoryIndex(ph.Category); i >= 0 {
		title = b.CategoryTitle(b.policy.Categories[i], lang)
	}
	fill := strings.NewReplacer("{host}", ph.Host, "{category}", title)

	var buf bytes.Buffer
	buf.Grow(1024)
	css := origin + b.url("banner.css")
	link := func() {
		buf.WriteString(`<link rel="stylesheet" href="`)
		escape.WriteString(&buf, css)
		buf.WriteByte('"')
		if pg.StyleNonce != "" {
			buf.WriteString(` nonce="`)
			escape.WriteString(&buf, pg.StyleNonce)
			buf.WriteByte('"')
		}
		buf.WriteString(`/>`)
	}
	link()
	buf.WriteString(`<span class="cg-ph" data-cg-ph="`)
	escape.WriteString(&buf, ph.Category)
	buf.WriteString(`"><template shadowrootmode="open">`)
	link()
	buf.WriteString(`<span class="ph`)
	if wPct {
		buf.WriteString(` ph-wide`)
	}
	buf.WriteString(`" lang="`)
	escape.WriteString(&buf, lang)
	buf.WriteString(`" dir="`)
	buf.WriteString(langDir(lang))
	buf.WriteString(`"><svg xmlns="http://www.w3.org/2000/svg" class="ph-sz" width="`)
	ws, hs := strconv.Itoa(int(w)), strconv.Itoa(int(h))
	if wPct {
		buf.WriteString(`100%" height="` + hs + `"`)
	} else {
		buf.WriteString(ws + `" height="` + hs + `" viewBox="0 0 ` + ws + " " + hs + `"`)
	}
	buf.WriteString(` aria-hidden="true"></svg><span class="ph-in">`)
	if ph.Host != "" {
		buf.WriteString(`<strong class="ph-t">`)
		escape.WriteString(&buf, fill.Replace(b.Text("placeholder_title", lang)))
		buf.WriteString(`</strong> `)
	}
	buf.WriteString(`<span class="ph-x">`)
	escape.WriteString(&buf, fill.Replace(b.Text("placeholder_text", lang)))
	buf.WriteString(`</span> <form class="ph-f" method="post" action="`)
	escape.WriteString(&buf, origin+b.opts.Prefix+"/consent")
	buf.WriteString(`"><input type="hidden" name="return" value="`)
	ret := pg.ReturnPath
	if ret == "" {
		ret = "/"
	}
	escape.WriteString(&buf, ret)
	buf.WriteString(`"/><input type="hidden" name="choice" value="custom"/>`)
	if pg.Consent.Given {
		for i, c := range b.policy.Categories {
			if i > 0 && pg.Consent.Granted.Has(i) && c.ID != ph.Category {
				buf.WriteString(`<input type="hidden" name="category" value="`)
				escape.WriteString(&buf, c.ID)
				buf.WriteString(`"/>`)
			}
		}
	}
	buf.WriteString(`<button class="ph-b" name="category" value="`)
	escape.WriteString(&buf, ph.Category)
	buf.WriteString(`">`)
	escape.WriteString(&buf, fill.Replace(b.Text("placeholder_allow", lang)))
	buf.WriteString(`</button></form> <a class="ph-a" href="`)
	escape.WriteString(&buf, origin+b.declarationPath(lang))
	buf.WriteString(`">`)
	escape.WriteString(&buf, b.Text("cookie_settings", lang))
	buf.WriteString(`</a></span></span></template></span>`)
	return buf.Bytes()
}

// dimension reads a width or height attribute as browsers do (the HTML
// standard's rules for parsing dimension values): leading spaces, digits, an
// optional fraction, then "%" makes it a percentage; anything after is ignored.
func dimension(s string) (v float64, pct, ok bool) {
	s = strings.TrimLeft(s, " \t\n\f\r")
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == 0 {
		return 0, false, false
	}
	j := i
	if j < len(s) && s[j] == '.' {
		j++
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
	}
	v, err := strconv.ParseFloat(strings.TrimSuffix(s[:j], "."), 64)
	if err != nil {
		return 0, false, false
	}
	return v, j < len(s) && s[j] == '%', true
}
