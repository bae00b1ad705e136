//go:build browser && linux

package e2e

import (
	"bytes"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/consentgate/consentgate/caddymodule/assets"
	"github.com/consentgate/consentgate/caddymodule/htmlrewrite"
	"github.com/consentgate/consentgate/policy"
)

// The page comparison: a page served through consentgate must be the page the
// site served, byte for byte, but for what SPEC §5 says consentgate changes.
// wpUndoConsent removes exactly those changes, and fails on anything it cannot
// account for, so that the caller can require byte equality with the plain
// site's page.

var (
	// The guard, right after the <head> start tag (assets.Bundle.Head).
	wpGuardTag = regexp.MustCompile(`<script src="(?:(?:https?:)?//[^"/]+)?/_consent/guard\.js\?v=[0-9a-f]+" data-granted="[a-z0-9_ -]*" data-given="[01]" data-gpc="[01]" data-lang="[a-z-]+"(?: nonce="[^"]*")?></script>`)
	wpHeadEnd  = regexp.MustCompile(`(?i)<head(?:\s[^>]*)?>$`)
	// The banner, right before </body> (assets.Bundle.BodyEnd): from its
	// stylesheet to its deferred script. (The assets' URLs may be absolute.)
	wpBanner  = regexp.MustCompile(`(?s)\n<link rel="stylesheet" href="(?:(?:https?:)?//[^"/]+)?/_consent/banner\.css\?v=[0-9a-f]+"(?: nonce="[^"]*")?/>\n<div id="cg" .*?\n<script defer="" src="(?:(?:https?:)?//[^"/]+)?/_consent/banner\.js\?v=[0-9a-f]+"(?: nonce="[^"]*")?></script>\n`)
	wpBodyEnd = regexp.MustCompile(`(?i)^</body\s*>`)
	// A click-to-load placeholder, right before the start tag of the embed
	// it stands for (assets.Bundle.Placeholder).
	wpPlaceholder = regexp.MustCompile(`(?s)<link rel="stylesheet" href="(?:(?:https?:)?//[^"/]+)?/_consent/banner\.css\?v=[0-9a-f]+"(?: nonce="[^"]*")?/><span class="cg-ph" data-cg-ph="[a-z0-9_-]+"><template shadowrootmode="open">.*?</template></span>`)
	wpEmbedStart  = regexp.MustCompile(`(?i)^<(iframe|frame|video|audio|embed|object)[\s/>]`)
	// A neutralised element: the attributes consentgate puts right after the
	// tag name (htmlrewrite's package documentation).
	wpNeutralised = regexp.MustCompile(`(?i)<(script|iframe|img|image)( type="text/plain")? data-consent="([a-z0-9_-]+)"`)
)

// wpHeld is one element consentgate held back, as the comparison found it.
type wpHeld struct {
	tag, category, src string
}

func (h wpHeld) String() string { return h.tag + "[" + h.category + "] " + h.src }

// wpUndoConsent returns the page as the site sent it: the guard tag and the
// banner removed (each must be there exactly once, where the SPEC puts it),
// and every neutralised element's start tag given back its attributes. It
// also lists the elements that were held back.
func wpUndoConsent(page string) (string, []wpHeld, error) {
	guards := wpGuardTag.FindAllStringIndex(page, -1)
	if len(guards) != 1 {
		return "", nil, fmt.Errorf("%d guard tags, want 1", len(guards))
	}
	g := guards[0]
	if !wpHeadEnd.MatchString(page[:g[0]]) {
		return "", nil, fmt.Errorf("the guard tag is not right after <head>: …%s", wpTail(page[:g[0]], 80))
	}
	page = page[:g[0]] + page[g[1]:]

	banners := wpBanner.FindAllStringIndex(page, -1)
	if len(banners) != 1 {
		return "", nil, fmt.Errorf("%d banners, want 1", len(banners))
	}
	b := banners[0]
	if rest := page[b[1]:]; !wpBodyEnd.MatchString(rest) {
		return "", nil, fmt.Errorf("the banner is not right before </body>: %.80q…", rest)
	}
	page = page[:b[0]] + page[b[1]:]

	for {
		m := wpPlaceholder.FindStringIndex(page)
		if m == nil {
			break
		}
		if !wpEmbedStart.MatchString(page[m[1]:]) {
			return "", nil, fmt.Errorf("a placeholder not right before an embed: %.80q…", page[m[1]:])
		}
		page = page[:m[0]] + page[m[1]:]
	}

	var out strings.Builder
	var held []wpHeld
	for {
		m := wpNeutralised.FindStringSubmatchIndex(page)
		if m == nil {
			out.WriteString(page)
			break
		}
		tag := page[m[2]:m[3]]
		isScript := strings.EqualFold(tag, "script")
		if isScript != (m[4] >= 0) {
			return "", nil, fmt.Errorf("a neutralised <%s> with the wrong attributes: %.120q", tag, page[m[0]:])
		}
		attrs, src, n, err := wpRestoreAttributes(page[m[1]:])
		if err != nil {
			return "", nil, err
		}
		out.WriteString(page[:m[0]])
		out.WriteString("<" + tag + attrs)
		held = append(held, wpHeld{tag: strings.ToLower(tag), category: page[m[6]:m[7]], src: src})
		page = page[m[1]+n:]
	}
	return out.String(), held, nil
}

// wpRestoreAttributes renames, in the rest of one start tag (s runs from
// there to the end of the page), the attributes consentgate renamed
// (data-consent-src, -srcset, -type) back, keeping every other byte. It
// returns the restored attributes up to the tag's '>', the src value, and
// how many bytes of s they replace.
func wpRestoreAttributes(s string) (restored, src string, n int, err error) {
	end := wpTagEnd(s)
	if end == len(s) {
		return "", "", 0, fmt.Errorf("a neutralised start tag does not end: %.120q", s)
	}
	var b strings.Builder
	i := 0
	for i < end {
		c := s[i]
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '/' {
			b.WriteByte(c)
			i++
			continue
		}
		if c == '>' {
			break
		}
		// An attribute: name, then maybe = and a value.
		j := i
		for j < end && !strings.ContainsRune(" \t\n\r\f/>=", rune(s[j])) {
			j++
		}
		name := s[i:j]
		switch strings.ToLower(name) {
		case "data-consent-src":
			name = "src"
		case "data-consent-srcset":
			name = "srcset"
		case "data-consent-type":
			name = "type"
		}
		b.WriteString(name)
		i = j
		// Spaces around '=' are allowed.
		k := i
		for k < end && strings.ContainsRune(" \t\n\r\f", rune(s[k])) {
			k++
		}
		if k < end && s[k] == '=' {
			k++
			for k < end && strings.ContainsRune(" \t\n\r\f", rune(s[k])) {
				k++
			}
			vStart := k
			var value string
			if k < end && (s[k] == '"' || s[k] == '\'') {
				q := s[k]
				close := strings.IndexByte(s[k+1:end], q)
				if close < 0 {
					return "", "", 0, fmt.Errorf("an unterminated attribute value: %.120q", s)
				}
				k += close + 2
				value = s[vStart+1 : k-1]
			} else {
				for k < end && !strings.ContainsRune(" \t\n\r\f>", rune(s[k])) {
					k++
				}
				value = s[vStart:k]
			}
			if name == "src" && src == "" {
				src = value
			}
			b.WriteString(s[i:k])
			i = k
		}
	}
	b.WriteString(s[i:end])
	return b.String(), src, end, nil
}

// wpTagEnd is the index of the '>' that ends the start tag s is inside of
// (quotes respected), or len(s).
func wpTagEnd(s string) int {
	var quote byte
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			// A quote starts a value only after '=' (possibly with spaces).
			j := i - 1
			for j >= 0 && strings.ContainsRune(" \t\n\r\f", rune(s[j])) {
				j--
			}
			if j >= 0 && s[j] == '=' {
				quote = c
			}
		case c == '>':
			return i
		}
	}
	return len(s)
}

func wpTail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// firstDifference describes where two texts first differ, with context,
// for failure messages about long bodies.
func firstDifference(want, got string) string {
	if want == got {
		return "no difference"
	}
	i := 0
	for i < len(want) && i < len(got) && want[i] == got[i] {
		i++
	}
	from := max(0, i-120)
	excerpt := func(s string) string {
		return fmt.Sprintf("%q", s[from:min(len(s), i+240)])
	}
	return fmt.Sprintf("lengths %d and %d, first difference at byte %d:\n  plain:   …%s\n  consent: …%s", len(want), len(got), i, excerpt(want), excerpt(got))
}

// wpRewriteSample is a WordPress-like page with a tracker of every shape the
// comparison must give back: attributes in every quoting, an original
// script type, srcset, a noscript image, and scripts and images of the site's
// own that stay as they are. (The case of a renamed attribute's name is not
// kept: an upper-case SRC comes back as src. WordPress writes lower case.)
const wpRewriteSample = `<!DOCTYPE html>
<html lang="en-US">
<head>
<meta charset="UTF-8" />
<script async src="http://www.googletagmanager.com:4000/gtag/js?id=G-TEST"></script>
<script>
	window.dataLayer = window.dataLayer || [];
	function gtag() { dataLayer.push( arguments ); }
	gtag( 'config', 'G-TEST' );
</script>
<script type='text/javascript' id='fb' src='http://connect.facebook.net/en_US/fbevents.js'></script>
<script>fbq( 'init', '1' );</script>
<noscript><img height="1" width="1" style="display:none" src="http://www.facebook.com/tr?id=1&#038;ev=PageView" alt=""></noscript>
<script src="/wp-includes/js/jquery/jquery.min.js?ver=3.6.1" id="jquery-core-js"></script>
</head>
<body class="home">
<img src=/wp-content/uploads/own.png alt=own>
<IMG
  src = "http://www.facebook.com/tr?id=2"
  srcset="http://www.facebook.com/tr?id=2 1x, http://www.facebook.com/tr?id=3 2x">
<iframe title="A video" src="http://www.youtube.com/embed/x?feature=oembed" allowfullscreen></iframe>
</body>
</html>
`

func TestWPUndoConsentInvertsTheRewriter(t *testing.T) {
	p, err := policy.LoadFile(filepath.Join(wpExampleDir, "policy.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := assets.NewBundle(p, assets.Options{Prefix: "/_consent"})
	if err != nil {
		t.Fatal(err)
	}
	pg := assets.Page{Lang: "en", Consent: policy.NoChoice(), ShowBanner: true, ReturnPath: "/"}
	cfg := &htmlrewrite.Config{
		Head:    func(htmlrewrite.Doc) []byte { return b.Head(pg) },
		BodyEnd: func(htmlrewrite.Doc) []byte { return b.BodyEnd(pg) },
		Placeholder: func(_ htmlrewrite.Doc, el htmlrewrite.Element, category string) []byte {
			return b.Placeholder(pg, assets.PlaceholderInfo{Tag: el.Tag, Host: "youtube.com", Category: category, Width: el.Width, Height: el.Height})
		},
		Block: func(el htmlrewrite.Element) string {
			if bl, ok := p.BlockerFor(el.Src, "wp.test", el.Inline); ok {
				return bl.Category
			}
			return ""
		},
	}
	var out bytes.Buffer
	rw := htmlrewrite.New(&out, cfg)
	if _, err := rw.Write([]byte(wpRewriteSample)); err != nil {
		t.Fatal(err)
	}
	if err := rw.Close(); err != nil {
		t.Fatal(err)
	}
	served := out.String()
	back, held, err := wpUndoConsent(served)
	if err != nil {
		t.Fatalf("%v\n%s", err, served)
	}
	if back != wpRewriteSample {
		t.Errorf("not the original: %s", firstDifference(wpRewriteSample, back))
	}
	want := []string{
		"script[statistics] http://www.googletagmanager.com:4000/gtag/js?id=G-TEST",
		"script[statistics] ",
		"script[marketing] http://connect.facebook.net/en_US/fbevents.js",
		"script[marketing] ",
		"img[marketing] http://www.facebook.com/tr?id=1&#038;ev=PageView",
		"img[marketing] http://www.facebook.com/tr?id=2",
		"iframe[marketing] http://www.youtube.com/embed/x?feature=oembed",
	}
	var got []string
	for _, h := range held {
		got = append(got, h.String())
	}
	if !slices.Equal(got, want) {
		t.Errorf("held back:\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}

	// What the comparison must not explain away.
	head, bodyEnd := string(cfg.Head(htmlrewrite.Doc{})), string(cfg.BodyEnd(htmlrewrite.Doc{}))
	for name, bad := range map[string]string{
		"no guard":             strings.Replace(served, head, "", 1),
		"two guards":           strings.Replace(served, head, head+head, 1),
		"guard not after head": strings.Replace(strings.Replace(served, head, "", 1), "<meta", head+"<meta", 1),
		"no banner":            strings.Replace(served, bodyEnd, "", 1),
		"banner twice":         strings.Replace(served, bodyEnd, bodyEnd+bodyEnd, 1),
		"banner inside body":   strings.Replace(strings.Replace(served, bodyEnd, "", 1), "<iframe", bodyEnd+"<iframe", 1),
	} {
		if back, _, err := wpUndoConsent(bad); err == nil && back == wpRewriteSample {
			t.Errorf("%s: taken for the original page", name)
		}
	}
	// A neutralised element the site never had is no part of the original.
	extra := strings.Replace(served, "<img src=/wp-content", `<img data-consent="marketing" data-consent-src=/wp-content`, 1)
	if back, _, err := wpUndoConsent(extra); err != nil || back != wpRewriteSample {
		// The undo must give the site's bytes back: the element was the
		// site's own image, so the page is the same; this checks the parser
		// copes with unquoted values.
		t.Errorf("an unquoted neutralised src: %v %s", err, firstDifference(wpRewriteSample, back))
	}
}
