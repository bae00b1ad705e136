package caddymodule

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	caddycmd "github.com/caddyserver/caddy/v2/cmd"
	"github.com/spf13/cobra"

	"github.com/consentgate/consentgate/caddymodule/assets"
	"github.com/consentgate/consentgate/caddymodule/declaration"
	"github.com/consentgate/consentgate/policy"
	"github.com/consentgate/consentgate/policy/draft"
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
  draft --log FILE... [--policy FILE]
                            prints a policy drafted from the logs of mode report
                            (Caddy JSON logs, gzipped or not, - for stdin): every
                            cookie, storage key and tracker host seen that the
                            policy does not declare; with --policy, that policy
                            with the new entries appended
`,
		CobraFunc: func(cmd *cobra.Command) {
			// Alone, it prints its help and exits 0, as caddy and caddy storage
			// do; a word that is not one of its subcommands is an error (exit
			// 1), as it is to caddy itself: a misspelt "lnit" in a CI step must
			// not pass as if the policy had been checked.
			cmd.Use, cmd.DisableFlagsInUseLine = "cookie-consent", true
			cmd.Args = unknownSubcommand
			cmd.RunE = func(c *cobra.Command, args []string) error {
				if sub := helpFor(c, args); sub != nil {
					return sub.Help()
				}
				return c.Help()
			}
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
			dr := &cobra.Command{
				Use:   "draft --log FILE... [--policy FILE]",
				Short: "Drafts a cookie policy from the logs of report mode",
				Long: `Reads Caddy JSON logs (files, directories of rotated logs, gzipped or not,
or - for stdin) and prints a policy declaring every cookie, storage key and
tracker host the cookie_consent handler saw that the policy does not declare,
with the category the known lists suggest. With --policy, prints that policy
with the new entries appended to its lists, every existing line unchanged.
Files after the flags are read as logs too. Cookie names seen only in
visitors' requests are listed as comments, never proposed. Exits 1, printing
nothing, when the logs hold no entries of cookie_consent and no --policy is
given (the wrong file, or Caddy's console log format).`,
				RunE: func(c *cobra.Command, args []string) error {
					c.SilenceUsage = true
					logs, _ := c.Flags().GetStringArray("log")
					existing, _ := c.Flags().GetString("policy")
					return draftCommand(append(logs, args...), existing, c.InOrStdin(), c.OutOrStdout(), c.ErrOrStderr())
				},
			}
			dr.Flags().StringArray("log", nil, "a log file, a directory of log files, or - for stdin (repeatable)")
			dr.Flags().String("policy", "", "the policy to add the new entries to")
			cmd.AddCommand(dr)
		},
	})
}

// unknownSubcommand refuses arguments to cookie-consent itself, help aside:
// they can only be a subcommand it does not have. The message suggests the one
// meant.
func unknownSubcommand(c *cobra.Command, args []string) error {
	if len(args) == 0 || (len(args) == 1 && args[0] == "help") || helpFor(c, args) != nil {
		return nil // the help, as caddy help prints it
	}
	var names []string
	for _, sub := range c.Commands() {
		if sub.IsAvailableCommand() {
			names = append(names, sub.Name())
		}
	}
	word := args[0]
	if word == "help" {
		if len(args) > 2 {
			return fmt.Errorf("%s help takes one command name, not %d: %s", c.CommandPath(), len(args)-1, strings.Join(args[1:], " "))
		}
		word = args[1] // the help of a subcommand it does not have
	}
	msg := fmt.Sprintf("unknown command %q for %q", word, c.CommandPath())
	if near := c.SuggestionsFor(word); len(near) > 0 {
		msg += fmt.Sprintf(": did you mean %s?", strings.Join(near, " or "))
	} else if near := policy.Nearest(word, names); near != "" {
		msg += fmt.Sprintf(": did you mean %s?", near)
	}
	return fmt.Errorf("%s (its commands: %s; run '%s --help' for usage)", msg, strings.Join(names, ", "), c.CommandPath())
}

// helpFor is the subcommand of "help SUBCOMMAND", or nil.
func helpFor(c *cobra.Command, args []string) *cobra.Command {
	if len(args) != 2 || args[0] != "help" {
		return nil
	}
	for _, sub := range c.Commands() {
		if sub.Name() == args[1] {
			return sub
		}
	}
	return nil
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

// draftCommand prints a drafted policy (or the merged one) to out and a summary
// of what it read to errOut.
func draftCommand(logPaths []string, existingPath string, stdin io.Reader, out, errOut io.Writer) error {
	if len(logPaths) == 0 {
		return errors.New("draft: name the logs to read with --log FILE (- for stdin)")
	}
	var readers []io.Reader
	var names []string
	for _, path := range logPaths {
		if path == "-" {
			readers, names = append(readers, stdin), append(names, "stdin")
			continue
		}
		files := []string{path}
		if fi, err := os.Stat(path); err == nil && fi.IsDir() {
			// A log directory holds the current log and its rotated, gzipped
			// predecessors; read them all, oldest name first.
			entries, err := os.ReadDir(path)
			if err != nil {
				return fmt.Errorf("draft: %w", err)
			}
			files = files[:0]
			for _, e := range entries {
				if e.Type().IsRegular() {
					files = append(files, filepath.Join(path, e.Name()))
				}
			}
		}
		for _, f := range files {
			fh, err := os.Open(f)
			if err != nil {
				return fmt.Errorf("draft: %w", err)
			}
			defer fh.Close()
			readers, names = append(readers, fh), append(names, f)
		}
	}
	opt := draft.Options{LogNames: names}
	if existingPath != "" {
		data, err := os.ReadFile(existingPath)
		if err != nil {
			return fmt.Errorf("draft: --policy: %w", err)
		}
		opt.Existing, opt.ExistingName = data, existingPath
	}
	result, s, err := draft.Draft(readers, opt)
	if err != nil {
		return fmt.Errorf("draft: %w", err)
	}
	// Nothing of ours read (the console log format, the wrong file): a new
	// policy would be empty, and `draft > p.yaml && lint p.yaml && deploy`
	// would deploy it, so that is an error with nothing on stdout. Merging,
	// the policy comes out unchanged, which is safe to print.
	if s.Entries == 0 && existingPath == "" {
		fmt.Fprintln(errOut, draftSummary(s, len(readers)))
		return errors.New("draft: " + noEntriesHint + "; nothing drafted")
	}
	if _, err := out.Write(result); err != nil {
		return err
	}
	fmt.Fprintln(errOut, draftSummary(s, len(readers)))
	if s.Entries == 0 {
		fmt.Fprintf(errOut, "draft: %s; %s is printed unchanged\n", noEntriesHint, existingPath)
	}
	return nil
}

// noEntriesHint is what draft says when it read nothing of ours.
const noEntriesHint = "no observed entries: run the handler with mode report and Caddy's log at info level in JSON format (log { format json }), then browse the site"

// draftSummary is the line draft writes to stderr about what it read and proposed.
func draftSummary(s *draft.Summary, logs int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "draft: read %d entries of cookie_consent in %d log(s) (%d lines, %d not JSON); proposed %d cookies and storage keys (%d unclassified) and %d tracker hosts; %d already declared",
		s.Entries, logs, s.Lines, s.Skipped, s.Cookies, s.Unclassified, s.Hosts, s.Declared)
	if s.Unknown > 0 {
		fmt.Fprintf(&b, "; %d unknown third-party hosts listed as comments", s.Unknown)
	}
	if s.DeletedOnly > 0 {
		fmt.Fprintf(&b, "; %d names only deleted by the site listed as comments, not proposed", s.DeletedOnly)
	}
	if s.RequestOnly > 0 {
		fmt.Fprintf(&b, "; %d names seen only in visitors' requests listed as comments, not proposed", s.RequestOnly)
	}
	atLeast := ""
	if s.DroppedAtLeast {
		atLeast = "at least "
	}
	if s.Dropped > 0 || (s.DroppedAtLeast && s.DroppedRequest == 0) {
		fmt.Fprintf(&b, "; %s%d names past the limit not looked at", atLeast, s.Dropped)
	}
	if s.DroppedRequest > 0 {
		fmt.Fprintf(&b, "; %s%d names from visitors' requests past the limit not looked at", atLeast, s.DroppedRequest)
	}
	return b.String()
}

func location(p policy.Problem) string {
	if p.Line > 0 {
		return fmt.Sprintf("%s:%d", p.File, p.Line)
	}
	return p.File
}
