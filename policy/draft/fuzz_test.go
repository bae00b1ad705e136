package draft

import (
	"bytes"
	"io"
	"os"
	"testing"
)

// FuzzDraft feeds arbitrary logs and policies: Draft must never panic, and what
// it returns without error must load (Draft checks that itself, so an error
// saying "a bug in draft" is a failure here).
func FuzzDraft(f *testing.F) {
	log, _ := os.ReadFile("testdata/wordpress-report.log")
	existing, _ := os.ReadFile("testdata/existing.yaml")
	f.Add(log, existing)
	f.Add(log, []byte("version: 1\ncookies: []\n"))
	f.Add([]byte(`{"logger":"http.handlers.cookie_consent","msg":"observed","kind":"cookie","name":"a: b","max_age":9223372036854775807}`), []byte(nil))
	f.Add([]byte(`{"logger":"http.handlers.cookie_consent","msg":"observed","kind":"element","name":"[::1]:80"}`), []byte("version: 1\n"))
	// A host a log says the running policy blocked, that no blocker can name.
	f.Add([]byte(`{"logger":"http.handlers.cookie_consent","msg":"observed","kind":"element","name":"*.co.uk","category":"marketing","classified_by":"declared"}`), []byte(nil))
	// A provider that is no host.
	f.Add([]byte(`{"logger":"http.handlers.cookie_consent","msg":"observed","kind":"cookie","name":"PHPSESSID","provider":"evil\n- name: x"}`), []byte(nil))
	// Policies in flow style, and an empty flow list over two lines.
	f.Add([]byte(`{"logger":"http.handlers.cookie_consent","msg":"observed","kind":"cookie","name":"PHPSESSID"}`), []byte("{\n  \"version\": 1,\n  \"cookies\": []\n}\n"))
	f.Add([]byte(`{"logger":"http.handlers.cookie_consent","msg":"observed","kind":"cookie","name":"PHPSESSID"}`), []byte("version: 1\ncookies: [\n]\n...\n"))
	// Names seen only in visitors' requests, one also set by the site.
	f.Add([]byte(`{"logger":"http.handlers.cookie_consent","msg":"observed","kind":"cookie","name":"a\n- name: b","source":"request","first_path":"/\n#"}`+"\n"+
		`{"logger":"http.handlers.cookie_consent","msg":"observed","kind":"cookie","name":"sid","source":"request"}`+"\n"+
		`{"logger":"http.handlers.cookie_consent","msg":"observed","kind":"cookie","name":"sid","source":"server","type":"http"}`), []byte("version: 1\ncookies: []\n"))
	// A path with NEL, a line break to YAML, in a comment.
	f.Add([]byte(`{"logger":"http.handlers.cookie_consent","msg":"observed","kind":"cookie","name":"sid","source":"server","type":"http","first_path":"/a\u0085site: {name: x}"}`), []byte(nil))
	f.Fuzz(func(t *testing.T, log, existing []byte) {
		opt := Options{}
		if len(existing) > 0 {
			opt.Existing = existing
		}
		out, _, err := Draft([]io.Reader{bytes.NewReader(log)}, opt)
		if err != nil && bytes.Contains([]byte(err.Error()), []byte("a bug in draft")) {
			t.Fatal(err)
		}
		// Every line draft writes is one line to YAML: no character YAML
		// reads as a line break but the newlines, unless the policy merged
		// into had them.
		if err == nil && !bytes.ContainsAny(existing, "\r\u0085\u2028\u2029") && bytes.ContainsAny(out, "\r\u0085\u2028\u2029") {
			t.Fatalf("the draft holds a line break other than a newline:\n%q", out)
		}
	})
}
