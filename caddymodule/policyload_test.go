package caddymodule

import (
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2"

	"github.com/consentgate/consentgate/internal/testshared"
	"github.com/consentgate/consentgate/policy"
)

// TestUndeclaredWarningSuggests checks issue 9's promise: every "undeclared cookie"
// warning carries a suggested category, or says plainly that none is known.
func TestUndeclaredWarningSuggests(t *testing.T) {
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		for _, c := range []string{
			"wordpress_1eca930428ee9df8af6bdb65c698e531=admin; Path=/wp-admin; HttpOnly",
			"wp-postpass_1eca930428ee9df8af6bdb65c698e531=x; Path=/",
			"_fbp=fb.1.2; Path=/",
			"mystery=1; Path=/",
		} {
			w.Header().Add("Set-Cookie", c)
		}
		fmt.Fprint(w, "ok")
	})
	p := startCaddy(t, consentSite(up.hostport(), ""))
	p.do(t, "GET", "/", nil)
	got := map[string][2]string{}
	for _, w := range p.logs(t, "http.handlers.cookie_consent", "undeclared cookie") {
		got[fmt.Sprint(w["name"])] = [2]string{fmt.Sprint(w["suggested_category"]), fmt.Sprint(w["suggestion"])}
	}
	for name, want := range map[string][2]string{
		"wordpress_1eca930428ee9df8af6bdb65c698e531":   {"necessary", "known to WordPress as wordpress_#"},
		"wp-postpass_1eca930428ee9df8af6bdb65c698e531": {"necessary", "known to WordPress as wp-postpass_#"},
		"_fbp":    {"marketing", "known to Meta"},
		"mystery": {"", policy.NoSuggestion},
	} {
		g, ok := got[name]
		if !ok {
			t.Errorf("no undeclared-cookie warning for %s (got %v)", name, got)
			continue
		}
		if g[0] != want[0] || !strings.Contains(g[1], want[1]) {
			t.Errorf("%s: suggested %q, suggestion %q; want %q and a suggestion containing %q", name, g[0], g[1], want[0], want[1])
		}
	}
}

// TestMissingPolicyFileInJSON checks the error of a JSON config (no Caddyfile line
// to name): the path as given and where it was looked for.
func TestMissingPolicyFileInJSON(t *testing.T) {
	cfg := fmt.Sprintf(`{"apps":{"http":{"servers":{"s":{"listen":["127.0.0.1:%d"],"routes":[{"handle":[{"handler":"cookie_consent","policy":"testdata/no-such-policy.yaml"}]}]}}}}}`, testshared.FreePort(t))
	err := caddy.Validate(mustConfig(t, cfg))
	abs, _ := filepath.Abs("testdata/no-such-policy.yaml")
	if err == nil || !strings.Contains(err.Error(), `policy file "testdata/no-such-policy.yaml" (resolved to `+abs+` from the directory caddy runs in) does not exist`) {
		t.Errorf("error %v", err)
	}
}
