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

func TestCaddyfileErrors(t *testing.T) {
	for name, tc := range map[string]struct{ caddyfile, want string }{
		"no policy":         {"cookie_consent {\n mode report\n}", "policy is required"},
		"bad mode":          {"cookie_consent {\n policy p.yaml\n mode loud\n}", `mode "loud"`},
		"unknown option":    {"cookie_consent {\n policy p.yaml\n colour blue\n}", `unknown cookie_consent option "colour"`},
		"bad on/off":        {"cookie_consent {\n policy p.yaml\n gpc maybe\n}", `gpc: want on or off`},
		"group before src":  {"cookie_consent {\n policy p.yaml\n onetrust_group C0002 statistics\n}", "onetrust_group needs source onetrust"},
		"too many args":     {"cookie_consent a.yaml b.yaml", "wrong argument count"},
		"group missing arg": {"cookie_consent {\n policy p.yaml\n source onetrust\n onetrust_group C0002\n}", "wrong argument count"},
	} {
		t.Run(name, func(t *testing.T) {
			cfg := "example.com {\n" + tc.caddyfile + "\n}\n"
			_, _, err := caddyconfig.GetAdapter("caddyfile").Adapt([]byte(cfg), nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}
