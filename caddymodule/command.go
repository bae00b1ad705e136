package caddymodule

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	caddycmd "github.com/caddyserver/caddy/v2/cmd"
	"github.com/spf13/cobra"

	"github.com/consentgate/consentgate/caddymodule/assets"
	"github.com/consentgate/consentgate/caddymodule/declaration"
	"github.com/consentgate/consentgate/policy"
)

func init() {
	caddycmd.RegisterCommand(caddycmd.Command{
		Name:  "cookie-consent",
		Short: "Checks and publishes cookie consent policies",
		Long: `
Tools for the policy files of the cookie_consent handler.

  lint FILE                 checks a policy: errors (exit status 1) and
                            compliance warnings (exit status 0 with warnings only)
  declaration FILE [--lang] prints the cookie declaration page generated from
                            the policy, for static hosting
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
			decl := &cobra.Command{
				Use:   "declaration FILE [--lang sv]",
				Short: "Prints the cookie declaration page of a policy",
				Args:  cobra.ExactArgs(1),
				RunE: func(c *cobra.Command, args []string) error {
					c.SilenceUsage = true
					lang, _ := c.Flags().GetString("lang")
					return declarationCommand(args[0], lang, c.OutOrStdout())
				},
			}
			decl.Flags().String("lang", "", "language, one of the policy's (default: its first)")
			cmd.AddCommand(decl)
		},
	})
}

// lintCommand prints every problem of a policy file, one per line as
// FILE:LINE: message, errors first.
func lintCommand(path string, out io.Writer) error {
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
	warnings := policy.Lint(p, policy.BuiltinKnown())
	for _, w := range warnings {
		fmt.Fprintf(out, "%s: warning: %s\n", location(w), w.Msg)
	}
	fmt.Fprintf(out, "%s: no errors, %d warning(s)\n", path, len(warnings))
	return nil
}

// declarationCommand prints the static declaration page of a policy.
func declarationCommand(path, lang string, out io.Writer) error {
	p, err := policy.LoadFile(path)
	if err != nil {
		return err
	}
	if lang == "" {
		lang = p.Languages[0]
	} else if !slices.Contains(p.Languages, lang) {
		return fmt.Errorf("--lang %q: the policy's languages are %s", lang, strings.Join(p.Languages, ", "))
	}
	bundle, err := assets.NewBundle(p, assets.Options{Prefix: "/_consent"})
	if err != nil {
		return err
	}
	return declaration.Static(out, p, bundle, lang)
}

func location(p policy.Problem) string {
	if p.Line > 0 {
		return fmt.Sprintf("%s:%d", p.File, p.Line)
	}
	return p.File
}
