package assets

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/consentgate/consentgate/policy"
)

func TestLangDir(t *testing.T) {
	for lang, want := range map[string]string{
		"sv": "ltr", "en": "ltr", "en-GB": "ltr", "de": "ltr", "": "ltr",
		"ar": "rtl", "ar-EG": "rtl", "he": "rtl", "fa": "rtl", "ur": "rtl", "ckb": "rtl", "yi": "rtl",
		"az-Arab": "rtl", "pa-Arab": "rtl", "ug-Latn": "ltr", "ar-Latn": "ltr", "AR": "rtl",
	} {
		if got := langDir(lang); got != want {
			t.Errorf("langDir(%q) = %s, want %s", lang, got, want)
		}
	}
}

// rtlPolicy adds Arabic to the test policy, with its texts.
var rtlPolicy = strings.Replace(testPolicy, "languages: [sv, en]", "languages: [sv, en, ar]", 1) + `  placeholder_title: {sv: "Innehåll från {host}", en: "Content from {host}", ar: "محتوى من {host}"}
`

// TestMarkupDirection: the banner's root and every placeholder carry their
// language's direction (an English banner on an Arabic page is ltr; an
// Arabic one rtl), whatever the page's; the host does not (it is the
// page's element, display: contents).
func TestMarkupDirection(t *testing.T) {
	b := bundle(t, rtlPolicy, Options{})
	for _, lang := range []string{"sv", "en", "ar"} {
		want := map[string]string{"ar": "rtl"}[lang]
		if want == "" {
			want = "ltr"
		}
		for _, show := range []bool{true, false} {
			doc := parseFragment(t, string(b.BodyEnd(Page{Lang: lang, Consent: policy.NoChoice(), ShowBanner: show})))
			if root := findClass(doc, "cg"); root == nil || val(root, "dir") != want || val(root, "lang") != lang {
				t.Errorf("%s: the banner's root %v, want lang %s dir %s", lang, root, lang, want)
			}
			if h := byID(t, doc, "cg"); attr(h, "dir") != nil {
				t.Errorf("%s: the host carries dir", lang)
			}
		}
		ph := findClass(parseFragment(t, string(b.Placeholder(Page{Lang: lang}, PlaceholderInfo{Tag: "iframe", Host: "x.example", Category: "marketing"}))), "ph")
		if val(ph, "dir") != want || val(ph, "lang") != lang {
			t.Errorf("%s: placeholder lang %q dir %q, want dir %s", lang, val(ph, "lang"), val(ph, "dir"), want)
		}
	}
}

// TestScriptDataConsentCookie: banner.js reads the consent cookie's name and
// the policy's revision from data-cg, to tell a page made for another
// consent than the cookie holds.
func TestScriptDataConsentCookie(t *testing.T) {
	b := bundle(t, testPolicy+"consent:\n  cookie: cg_choice\n", Options{})
	doc := parseFragment(t, string(b.BodyEnd(Page{Lang: "en", Consent: policy.NoChoice(), ShowBanner: true})))
	var data struct {
		N string
		R int
	}
	if err := json.Unmarshal([]byte(val(byID(t, doc, "cg"), "data-cg")), &data); err != nil {
		t.Fatal(err)
	}
	if data.N != "cg_choice" || data.R != 2 {
		t.Errorf("data-cg names the cookie %q, revision %d; want cg_choice, 2", data.N, data.R)
	}
}
