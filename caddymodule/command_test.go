package caddymodule

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	caddycmd "github.com/caddyserver/caddy/v2/cmd"
	"github.com/spf13/cobra"

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
}

// TestDraftCommandNoEntries: logs with nothing of ours (Caddy's console
// format, another log) draft nothing. Without --policy that is an error with
// nothing on stdout, so `draft > p.yaml && lint p.yaml && deploy` stops
// instead of deploying an empty policy; with --policy the policy comes out
// unchanged, and stderr says why.
func TestDraftCommandNoEntries(t *testing.T) {
	for name, log := range map[string]string{
		"another logger": `{"logger":"http.log.access","msg":"handled request"}` + "\n",
		"console format": "2026/11/27 10:00:00.000\tINFO\thttp.handlers.cookie_consent\tobserved\t{\"kind\": \"cookie\", \"name\": \"sid\"}\n",
		"empty":          "",
	} {
		var out, errOut bytes.Buffer
		err := draftCommand([]string{"-"}, "", strings.NewReader(log), &out, &errOut)
		if err == nil || !strings.Contains(err.Error(), "no observed entries: run the handler with mode report and Caddy's log at info level in JSON format") {
			t.Errorf("%s: err %v, want the hint", name, err)
		}
		if out.Len() != 0 {
			t.Errorf("%s: printed a policy:\n%s", name, out.String())
		}
		if !strings.Contains(errOut.String(), "draft: read 0 entries of cookie_consent in 1 log(s)") {
			t.Errorf("%s: no summary: %s", name, errOut.String())
		}

		out.Reset()
		errOut.Reset()
		if err := draftCommand([]string{"-"}, "../examples/legacy-site/policy.yaml", strings.NewReader(log), &out, &errOut); err != nil {
			t.Errorf("%s, --policy: %v", name, err)
		}
		demo, _ := os.ReadFile("../examples/legacy-site/policy.yaml")
		if !bytes.Equal(out.Bytes(), demo) {
			t.Errorf("%s, --policy: the policy is not printed unchanged:\n%s", name, out.String())
		}
		if !strings.Contains(errOut.String(), "no observed entries: run the handler with mode report") || !strings.Contains(errOut.String(), "../examples/legacy-site/policy.yaml is printed unchanged") {
			t.Errorf("%s, --policy: stderr %s", name, errOut.String())
		}
	}
}

// TestDraftCommandSummaryRequestNames: the summary counts the names seen only
// in visitors' requests, and those past the limit, apart from the site's.
func TestDraftCommandSummaryRequestNames(t *testing.T) {
	var log strings.Builder
	for i := 0; i < 5003; i++ {
		fmt.Fprintf(&log, `{"logger":"http.handlers.cookie_consent","msg":"observed","kind":"cookie","name":"r%d","source":"request"}`+"\n", i)
	}
	log.WriteString(`{"logger":"http.handlers.cookie_consent","msg":"observed","kind":"cookie","name":"sid","source":"server","type":"http"}` + "\n")
	var out, errOut bytes.Buffer
	if err := draftCommand([]string{"-"}, "", strings.NewReader(log.String()), &out, &errOut); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"proposed 1 cookies", "; 5000 names seen only in visitors' requests listed as comments, not proposed", "; 3 names from visitors' requests past the limit not looked at"} {
		if !strings.Contains(errOut.String(), want) {
			t.Errorf("summary lacks %q: %s", want, errOut.String())
		}
	}
	if strings.Contains(errOut.String(), "; 3 names past the limit") {
		t.Errorf("request names counted as the site's: %s", errOut.String())
	}
}

// cookieConsentCommand builds `caddy cookie-consent` as caddy's command line
// does: the registered command under a root that silences usage.
func cookieConsentCommand(t *testing.T, args ...string) (out string, err error) {
	t.Helper()
	reg, ok := caddycmd.Commands()["cookie-consent"]
	if !ok {
		t.Fatal("cookie-consent is not registered")
	}
	root := &cobra.Command{Use: "caddy", SilenceUsage: true}
	cmd := &cobra.Command{Use: reg.Name + " " + reg.Usage, Short: reg.Short, Long: reg.Long}
	reg.CobraFunc(cmd)
	root.AddCommand(cmd)
	var buf bytes.Buffer
	root.SetOut(&buf)
	root.SetErr(&buf)
	root.SetArgs(append([]string{"cookie-consent"}, args...))
	err = root.Execute()
	return buf.String(), err
}

// TestCommandUnknownSubcommand: a misspelt subcommand is an error (exit status
// 1), with the one meant, so that `caddy cookie-consent lnit policy.yaml &&
// deploy` does not deploy; cookie-consent alone prints its help, as caddy alone
// does.
func TestCommandUnknownSubcommand(t *testing.T) {
	for args, want := range map[string]string{
		"lnit bad.yaml":   `unknown command "lnit" for "caddy cookie-consent": did you mean lint?`,
		"declaraton x":    `unknown command "declaraton" for "caddy cookie-consent": did you mean declaration?`,
		"drat x.log":      `did you mean draft?`,
		"drat --log x":    `unknown flag: --log`, // cobra reads the flags first: an error all the same
		"frobnicate":      `unknown command "frobnicate" for "caddy cookie-consent" (its commands: declaration, draft, lint;`,
		"help lnit":       `unknown command "lnit" for "caddy cookie-consent": did you mean lint?`,
		"help lint extra": `help takes one command name`,
	} {
		out, err := cookieConsentCommand(t, strings.Fields(args)...)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("cookie-consent %s: %v, want an error saying %q\n%s", args, err, want, out)
		}
		if strings.Contains(out, "Available Commands") {
			t.Errorf("cookie-consent %s printed the help as if nothing were wrong:\n%s", args, out)
		}
	}
	for args, want := range map[string]string{
		"":          "Available Commands",
		"help":      "Available Commands",
		"--help":    "Available Commands",
		"help lint": "Checks a cookie policy for errors and compliance warnings",
	} {
		out, err := cookieConsentCommand(t, strings.Fields(args)...)
		if err != nil || !strings.Contains(out, want) {
			t.Errorf("cookie-consent %s: %v, want the help with %q:\n%s", args, err, want, out)
		}
	}
	// The subcommands still run.
	if out, err := cookieConsentCommand(t, "lint", "../examples/legacy-site/policy.yaml"); err != nil || !strings.Contains(out, "no errors") {
		t.Errorf("lint: %v\n%s", err, out)
	}
}

// TestDraftCommandReadErrorNamesTheFile: a log that cannot be read is named,
// with the line of that log, not a running count over every log.
func TestDraftCommandReadErrorNamesTheFile(t *testing.T) {
	log, err := os.ReadFile("../policy/draft/testdata/wordpress-report.log") // 23 lines
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "logs")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	gz := func(b []byte, level int) []byte {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, level)
		zw.Write(b)
		zw.Close()
		return buf.Bytes()
	}
	lines := strings.SplitAfter(string(log), "\n")
	// Stored, not compressed: cutting off the trailer and the end of the
	// fifth line leaves four whole lines.
	trunc := gz([]byte(strings.Join(lines[:5], "")), gzip.NoCompression)
	trunc = trunc[:len(trunc)-20]
	for name, data := range map[string][]byte{"a.log": log, "b.log.gz": gz(log, gzip.DefaultCompression), "c-trunc.gz": trunc} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	err = draftCommand([]string{dir}, "", nil, io.Discard, io.Discard)
	want := "draft: " + filepath.Join(dir, "c-trunc.gz") + ": line 5: unexpected EOF (the gzip stream ends early"
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("err = %v, want %q…", err, want)
	}
	err = draftCommand([]string{"-"}, "", bytes.NewReader(trunc), io.Discard, io.Discard)
	if err == nil || !strings.HasPrefix(err.Error(), "draft: stdin: line 5: ") {
		t.Errorf("stdin: %v", err)
	}
}
