package caddymodule

import (
	"bytes"
	"strings"
	"testing"
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
