package htmlrewrite

import (
	"strings"
	"testing"
)

// xnetEscapedLTRisk reports whether in may hit x/net/html's script data escaped state
// deviation: a "<" followed by neither a letter nor "/" after a "<!--".
func xnetEscapedLTRisk(in string) bool {
	i := strings.Index(in, "<!--")
	if i < 0 {
		return false
	}
	for j := i + 4; j < len(in); j++ {
		if in[j] != '<' {
			continue
		}
		if j+1 == len(in) || !isAlpha(in[j+1]) && in[j+1] != '/' {
			return true
		}
	}
	return false
}

// xnetCDATARisk reports whether in has a CDATA section with a "&" in its text, or one
// that the end of input cuts off: x/net/html decodes character references in CDATA
// text (<svg><script><![CDATA[&lt;]]> is "<" to it), browsers (and the standard) do
// not (TestForeignScriptTextAsBrowsersReadIt checks the rewriter against Chromium's
// reading).
func xnetCDATARisk(in string) bool {
	for rest := in; ; {
		i := strings.Index(rest, "<![CDATA[")
		if i < 0 {
			return false
		}
		rest = rest[i+len("<![CDATA["):]
		j := strings.Index(rest, "]]>")
		if j < 0 || strings.IndexByte(rest[:j], '&') >= 0 {
			return true
		}
		rest = rest[j+len("]]>"):]
	}
}

// FuzzOracle looks for inputs on which the rewriter and x/net/html disagree about the
// elements that load something (oracleCheck, with each probe appended). Inputs that may
// hit x/net/html's deviations (escaped script state, cut-off CDATA) are skipped.
func FuzzOracle(f *testing.F) {
	for _, c := range readGoldenF(f) {
		f.Add(c.in)
	}
	f.Add(`<table><td><svg><desc><p>x</desc><script>a</script>`)
	f.Add(`<svg><g><circle></g><script>x</script><style>a{b:url(c)}</style></svg>`)
	f.Add(`<frameset><script><frame src=a></script></frameset>`)
	f.Add(`<b><p><svg></b><style><![CDATA[</style><img src=x>]]></style>`)
	f.Fuzz(func(t *testing.T, in string) {
		if xnetEscapedLTRisk(in) || xnetCDATARisk(in) {
			t.Skip()
		}
		for _, probe := range []string{oracleProbe, oracleProbe2} {
			if probs := oracleCheck([]byte(in+probe), true); len(probs) > 0 {
				t.Fatalf("%q\n%s", in+probe, strings.Join(probs, "\n"))
			}
		}
	})
}
