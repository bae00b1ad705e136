package caddymodule

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2/caddyconfig"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// TestAdaptGolden checks that each Caddyfile in testdata/adapt adapts to the
// JSON next to it, as `caddy adapt` prints it. Run with -update after a
// deliberate change and review the diff.
func TestAdaptGolden(t *testing.T) {
	files, _ := filepath.Glob("testdata/adapt/*.caddyfile")
	if len(files) == 0 {
		t.Fatal("no golden Caddyfiles")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			in, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			out, warnings, err := caddyconfig.GetAdapter("caddyfile").Adapt(in, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(warnings) > 0 {
				t.Errorf("warnings: %v", warnings)
			}
			var pretty bytes.Buffer
			if err := json.Indent(&pretty, out, "", "\t"); err != nil {
				t.Fatal(err)
			}
			pretty.WriteByte('\n')
			golden := strings.TrimSuffix(f, ".caddyfile") + ".json"
			if *update {
				if err := os.WriteFile(golden, pretty.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if pretty.String() != string(want) {
				t.Errorf("adapted JSON differs from %s:\n%s", golden, pretty.String())
			}
		})
	}
}

// TestCaddyfileErrors checks the errors `caddy adapt` (and so `caddy validate`)
// gives for a wrong cookie_consent directive: each names the Caddyfile line and
// says what to write instead.
func TestCaddyfileErrors(t *testing.T) {
	missing, _ := filepath.Abs("testdata/no-such-policy.yaml")
	for name, tc := range map[string]struct {
		caddyfile string
		want      []string
	}{
		"no policy":         {"cookie_consent {\n mode report\n}", []string{"policy is required", "Caddyfile:2"}},
		"bad mode":          {"cookie_consent {\n policy testdata/policy.yaml\n mode loud\n}", []string{`mode "loud"`}},
		"unknown option":    {"cookie_consent {\n policy testdata/policy.yaml\n colour blue\n}", []string{`unknown cookie_consent option "colour" (known: policy, mode,`, "Caddyfile:4"}},
		"misspelt option":   {"cookie_consent {\n policy testdata/policy.yaml\n clamp_lifetim off\n}", []string{`unknown cookie_consent option "clamp_lifetim": did you mean clamp_lifetime?`, "Caddyfile:4"}},
		"misspelt option 2": {"cookie_consent {\n polcy testdata/policy.yaml\n}", []string{`unknown cookie_consent option "polcy": did you mean policy?`, "Caddyfile:3"}},
		"bad on/off":        {"cookie_consent {\n policy testdata/policy.yaml\n gpc maybe\n}", []string{`gpc: want on or off`}},
		"group before src":  {"cookie_consent {\n policy testdata/policy.yaml\n onetrust_group C0002 statistics\n}", []string{"onetrust_group needs source onetrust"}},
		"too many args":     {"cookie_consent testdata/policy.yaml b.yaml", []string{"wrong argument count"}},
		"group missing arg": {"cookie_consent {\n policy testdata/policy.yaml\n source onetrust\n onetrust_group C0002\n}", []string{"wrong argument count"}},
		"policy twice":      {"cookie_consent {\n policy testdata/policy.yaml testdata/policy.yaml\n}", []string{"wrong argument count"}},

		// An option given twice is a mistake that the last one would hide.
		"policy given twice": {"cookie_consent {\n policy testdata/policy.yaml\n mode report\n policy testdata/policy.yaml\n}", []string{
			"cookie_consent: policy is given twice in one cookie_consent (first at Caddyfile:3): keep one", "Caddyfile:5"}},
		"policy as argument and in the block": {"cookie_consent testdata/policy.yaml {\n policy testdata/policy.yaml\n}", []string{
			"the policy is given twice in one cookie_consent (first at Caddyfile:2)", "Caddyfile:3"}},
		"mode given twice":  {"cookie_consent {\n policy testdata/policy.yaml\n mode report\n mode enforce\n}", []string{"mode is given twice", "first at Caddyfile:4", "Caddyfile:5"}},
		"group given twice": {"cookie_consent {\n policy testdata/policy.yaml\n source onetrust\n onetrust_group C0002 statistics\n onetrust_group C0002 marketing\n}", []string{"onetrust_group C0002 is given twice (statistics, then marketing)", "Caddyfile:6"}},

		// path_prefix is checked as written, at adapt time, with its line.
		"path_prefix /":                  {"cookie_consent {\n policy testdata/policy.yaml\n path_prefix /\n}", []string{`path_prefix "/" would reserve every path of the site`, "Caddyfile:4"}},
		"path_prefix //":                 {"cookie_consent {\n policy testdata/policy.yaml\n path_prefix //\n}", []string{`path_prefix "//" would reserve every path`, "Caddyfile:4"}},
		"path_prefix relative":           {"cookie_consent {\n policy testdata/policy.yaml\n path_prefix consent\n}", []string{`path_prefix "consent" must be a path that starts with /, such as /consent`, "Caddyfile:4"}},
		"path_prefix with query":         {"cookie_consent {\n policy testdata/policy.yaml\n path_prefix /c?x=1\n}", []string{`path_prefix "/c?x=1" must be a path such as /_consent`, "Caddyfile:4"}},
		"path_prefix placeholder":        {"cookie_consent {\n policy testdata/policy.yaml\n path_prefix {env.PREFIX}\n}", []string{`path_prefix "{env.PREFIX}" must be a path that starts with /`, "Caddyfile:4"}},
		"path_prefix placeholder inside": {"cookie_consent {\n policy testdata/policy.yaml\n path_prefix /{env.CP}\n}", []string{`path_prefix "/{env.CP}": placeholders are not supported here`, "Caddyfile:4"}},

		// An absolute path as the only argument is a path matcher to Caddy.
		"absolute path argument": {"cookie_consent /etc/caddy/policy.yaml", []string{
			`"/etc/caddy/policy.yaml" was read as a path matcher`, "use the block form, cookie_consent { policy /etc/caddy/policy.yaml }",
			"cookie_consent * /etc/caddy/policy.yaml", "Caddyfile:2"}},
		"absolute path argument with a block": {"cookie_consent /srv/p.yaml {\n mode report\n}", []string{`"/srv/p.yaml" was read as a path matcher`}},

		// A missing file: the Caddyfile line and the path it resolved to.
		"missing policy file": {"cookie_consent {\n mode report\n policy testdata/no-such-policy.yaml\n}", []string{
			`policy file "testdata/no-such-policy.yaml" (resolved to ` + missing + " from the directory caddy runs in) does not exist", "Caddyfile:4"}},
		"missing policy file, short form": {"cookie_consent testdata/no-such-policy.yaml", []string{"resolved to " + missing, "does not exist", "Caddyfile:2"}},
		"missing absolute policy file":    {"cookie_consent * /no/such/policy.yaml", []string{`policy file "/no/such/policy.yaml" does not exist`, "Caddyfile:2"}},
		"policy is a directory":           {"cookie_consent testdata", []string{"is a directory"}},
	} {
		t.Run(name, func(t *testing.T) {
			cfg := "example.com {\n" + tc.caddyfile + "\n}\n"
			_, _, err := caddyconfig.GetAdapter("caddyfile").Adapt([]byte(cfg), nil)
			if err == nil {
				t.Fatalf("adapted without error, want %q", tc.want[0])
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

// TestCaddyfilePolicyPaths checks what adapts: a matcher before the path, a path
// with placeholders (checked when the config loads, not now).
func TestCaddyfilePolicyPaths(t *testing.T) {
	for _, c := range []string{
		"cookie_consent /shop/* testdata/policy.yaml",
		"cookie_consent * testdata/policy.yaml",
		"cookie_consent {env.NO_SUCH_VARIABLE}/policy.yaml",
		"cookie_consent {\n policy {env.POLICY_DIR}/policy.yaml\n}",
		"cookie_consent {\n policy testdata/policy.yaml\n path_prefix /app/_consent/\n}",
		"cookie_consent {\n policy testdata/policy.yaml\n source onetrust\n onetrust_group C0002 statistics\n onetrust_group C0004 marketing\n}",
	} {
		cfg := "example.com {\n" + c + "\n}\n"
		if _, _, err := caddyconfig.GetAdapter("caddyfile").Adapt([]byte(cfg), nil); err != nil {
			t.Errorf("%q: %v", c, err)
		}
	}
}
