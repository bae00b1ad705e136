package caddymodule

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/consentgate/consentgate/policy"
)

func TestLintCommand(t *testing.T) {
	var out bytes.Buffer
	if err := lintCommand("../examples/legacy-site/policy.yaml", &out); err != nil {
		t.Fatalf("the demo policy has errors: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "no errors") {
		t.Errorf("output: %s", out.String())
	}

	out.Reset()
	bad := writePolicy(t, "version: 1\ncookies:\n  - {name: _ga, category: stats, duration: 2y}\n  - {name: x, category: necessary, duration: 5m}\n")
	err := lintCommand(bad, &out)
	if err == nil {
		t.Fatal("a broken policy linted without error (the command must exit 1)")
	}
	for _, want := range []string{bad + `:3: error: cookie "_ga": unknown category "stats"`, bad + ":4: error: cookie \"x\": duration \"5m\": unit m is ambiguous"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestDeclarationCommand(t *testing.T) {
	var out bytes.Buffer
	if err := declarationCommand("../examples/legacy-site/policy.yaml", "sv", &out); err != nil {
		t.Fatal(err)
	}
	page := out.String()
	for _, want := range []string{"<html", "FPID", "_gcl_au", "JSESSIONID", `lang="sv"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the declaration lacks %q", want)
		}
	}
	if err := declarationCommand("../examples/legacy-site/policy.yaml", "de", &out); err == nil || !strings.Contains(err.Error(), "sv, en") {
		t.Errorf("an unknown language: %v", err)
	}
}

// TestDraftCommand runs `caddy cookie-consent draft` as the CLI does: logs from
// files, a directory of rotated logs, and stdin; the result loads and lints.
func TestDraftCommand(t *testing.T) {
	log, err := os.ReadFile("../policy/draft/testdata/wordpress-report.log")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	// A log directory as Caddy's rotation leaves it: the current log and a
	// gzipped predecessor, each with part of the entries.
	lines := strings.SplitAfter(string(log), "\n")
	half := len(lines) / 2
	if err := os.WriteFile(filepath.Join(dir, "access.log"), []byte(strings.Join(lines[half:], "")), 0o600); err != nil {
		t.Fatal(err)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(strings.Join(lines[:half], "")))
	zw.Close()
	if err := os.WriteFile(filepath.Join(dir, "access-2026-11-26T10-00-00.000.log.gz"), gz.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}

	var fromFile, fromDir, fromStdin, errOut bytes.Buffer
	if err := draftCommand([]string{"../policy/draft/testdata/wordpress-report.log"}, "", nil, &fromFile, &errOut); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(errOut.String(), "read 20 entries of cookie_consent in 1 log(s)") || !strings.Contains(errOut.String(), "proposed 10 cookies and storage keys (2 unclassified) and 3 tracker hosts") {
		t.Errorf("summary: %s", errOut.String())
	}
	if err := draftCommand([]string{dir}, "", nil, &fromDir, io.Discard); err != nil {
		t.Fatal(err)
	}
	if err := draftCommand([]string{"-"}, "", bytes.NewReader(gz.Bytes()), &fromStdin, io.Discard); err != nil {
		t.Fatal(err)
	}
	// The same entries, read whole, rotated or from stdin, draft the same lists.
	p1, err := policy.Parse(fromFile.Bytes(), "file")
	if err != nil {
		t.Fatalf("the draft does not load: %v\n%s", err, fromFile.String())
	}
	p2, err := policy.Parse(fromDir.Bytes(), "dir")
	if err != nil {
		t.Fatal(err)
	}
	if len(p1.Cookies) != 10 || len(p2.Cookies) != len(p1.Cookies) || len(p2.Blockers) != len(p1.Blockers) {
		t.Errorf("file: %d cookies %d blockers, directory: %d cookies %d blockers", len(p1.Cookies), len(p1.Blockers), len(p2.Cookies), len(p2.Blockers))
	}
	if p3, err := policy.Parse(fromStdin.Bytes(), "stdin"); err != nil || len(p3.Cookies) == 0 {
		t.Errorf("stdin (gzipped): %v\n%s", err, fromStdin.String())
	}

	// The draft lints without errors, through the lint command itself.
	drafted := filepath.Join(dir, "drafted.yaml")
	if err := os.WriteFile(drafted, fromFile.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	var lintOut bytes.Buffer
	if err := lintCommand(drafted, &lintOut); err != nil {
		t.Errorf("the draft does not lint: %v\n%s", err, lintOut.String())
	}
	if !strings.Contains(lintOut.String(), "purpose is still the TODO") {
		t.Errorf("lint does not point at the TODO purposes:\n%s", lintOut.String())
	}

	// Merged into the demo policy: its lines unchanged, the new ones after them.
	var merged bytes.Buffer
	if err := draftCommand([]string{"../policy/draft/testdata/wordpress-report.log"}, "../examples/legacy-site/policy.yaml", nil, &merged, io.Discard); err != nil {
		t.Fatal(err)
	}
	demo, _ := os.ReadFile("../examples/legacy-site/policy.yaml")
	if !bytes.HasPrefix(merged.Bytes(), demo[:bytes.Index(demo, []byte("blockers:"))]) {
		t.Errorf("the merged demo policy does not begin with the demo policy's own lines:\n%s", merged.String())
	}

	for _, tc := range []struct {
		logs   []string
		policy string
		want   string
	}{
		{nil, "", "name the logs to read with --log"},
		{[]string{filepath.Join(dir, "no-such.log")}, "", "no such file"},
		{[]string{"../policy/draft/testdata/wordpress-report.log"}, filepath.Join(dir, "no-such.yaml"), "--policy"},
	} {
		if err := draftCommand(tc.logs, tc.policy, nil, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("draft %v --policy %q: %v, want an error saying %q", tc.logs, tc.policy, err, tc.want)
		}
	}
	errOut.Reset()
	if err := draftCommand([]string{"-"}, "", strings.NewReader(`{"logger":"http.log.access","msg":"handled request"}`+"\n"), io.Discard, &errOut); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(errOut.String(), "no observed entries: run the handler with mode report") {
		t.Errorf("no hint when nothing was read: %s", errOut.String())
	}
}
