package caddymodule

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"

	"github.com/consentgate/consentgate/policy"
)

func init() {
	httpcaddyfile.RegisterDirective("cookie_consent", parseDirective)
	// After encode, so the encoder compresses what we rewrote; before the
	// handlers that produce responses, so we see every request and response.
	httpcaddyfile.RegisterDirectiveOrder("cookie_consent", httpcaddyfile.After, "encode")
}

// parseDirective is what httpcaddyfile.RegisterHandlerDirective would register,
// except that it remembers the matcher token: Caddy reads a first argument that
// starts with / as a path matcher, so `cookie_consent /etc/caddy/policy.yaml`
// arrives here as a matcher and no policy, and the error must say so.
func parseDirective(h httpcaddyfile.Helper) ([]httpcaddyfile.ConfigValue, error) {
	if !h.Next() {
		return nil, h.ArgErr()
	}
	first := ""
	if h.NextArg() {
		first = h.Val()
	}
	h.Reset()
	h.Next()
	matcherSet, err := h.ExtractMatcherSet()
	if err != nil {
		return nil, err
	}
	var m Handler
	if err := m.UnmarshalCaddyfile(h.Dispenser); err != nil {
		if errors.Is(err, errNoPolicy) && strings.HasPrefix(first, "/") {
			// One line: Caddy prints errors inside a JSON log entry.
			return nil, h.Errf("cookie_consent: %q was read as a path matcher (Caddy takes a first argument that starts with / as one), so no policy was given; "+
				"use the block form, cookie_consent { policy %s } with policy on a line of its own, or put a matcher before the path: cookie_consent * %s", first, first, first)
		}
		return nil, err
	}
	return h.NewRoute(matcherSet, &m), nil
}

// checkPathPrefix says why a path_prefix as written cannot be used, at adapt
// time with the Caddyfile line, rather than when the config is provisioned
// (where the prefix has lost its final slash: "/" would read as "").
func checkPathPrefix(v string) error {
	switch {
	case !strings.HasPrefix(v, "/"):
		return fmt.Errorf("path_prefix %q must be a path that starts with /, such as /%s or /_consent", v, strings.TrimLeft(v, "/"))
	case strings.Trim(v, "/") == "":
		return fmt.Errorf("path_prefix %q would reserve every path of the site for the endpoints; give them a path of their own, such as /_consent", v)
	case strings.ContainsAny(v, "?#* "):
		return fmt.Errorf("path_prefix %q must be a path such as /_consent, without ?, #, * or spaces", v)
	case strings.ContainsAny(v, "{}"):
		// The pages name it as written: a placeholder would reach the
		// browser as it is.
		return fmt.Errorf("path_prefix %q: placeholders are not supported here; write the path, such as /_consent", v)
	}
	return nil
}

// errNoPolicy is the error of a cookie_consent directive without a policy.
var errNoPolicy = errors.New("cookie_consent: policy is required (cookie_consent PATH, or policy PATH in the block)")

// caddyfileOptions are the subdirectives of the block, for suggestions.
var caddyfileOptions = []string{"policy", "mode", "source", "banner", "path_prefix", "secret", "gpc",
	"google_consent_mode", "known_cookies", "clamp_lifetime", "onetrust_group", "klaro_service", "cc_category"}

// repeatableOptions may be given more than once (once per group, service or
// category); the others once.
var repeatableOptions = []string{"onetrust_group", "klaro_service", "cc_category"}

// UnmarshalCaddyfile sets up the handler from Caddyfile tokens. Syntax:
//
//	cookie_consent [<policy>] {
//		policy      <path>
//		mode        enforce|report
//		source      own|cookiebot|onetrust|cc_cookie|klaro|complianz|cookieyes
//		banner      on|off
//		path_prefix <path>
//		secret      <key>
//		gpc         on|off
//		google_consent_mode on|off
//		known_cookies builtin|off|<path>
//		clamp_lifetime on|off
//		onetrust_group <group> <category>
//		klaro_service  <service> <category>
//		cc_category    <name> <category>
//	}
func (h *Handler) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // the directive name
	file, line := d.File(), d.Line()
	// given is where each option was first given: an option given twice is an
	// error, since the last silently winning hides a mistake (two policies).
	given := map[string]string{}
	if d.NextArg() {
		given["policy"] = fmt.Sprintf("%s:%d", d.File(), d.Line())
		if err := h.policyArg(d); err != nil {
			return err
		}
		if d.NextArg() {
			return d.ArgErr()
		}
	}
	for d.NextBlock(0) {
		opt := d.Val()
		if slices.Contains(caddyfileOptions, opt) && !slices.Contains(repeatableOptions, opt) {
			if at, twice := given[opt]; twice {
				what := opt + " is"
				if opt == "policy" && at == fmt.Sprintf("%s:%d", file, line) {
					what = "the policy is" // the short form's argument
				}
				return d.Errf("cookie_consent: %s given twice in one cookie_consent (first at %s): keep one", what, at)
			}
			given[opt] = fmt.Sprintf("%s:%d", d.File(), d.Line())
		}
		switch opt {
		case "policy":
			if !d.NextArg() {
				return d.ArgErr()
			}
			if err := h.policyArg(d); err != nil {
				return err
			}
			if d.NextArg() {
				return d.ArgErr()
			}
		case "mode", "source", "path_prefix", "secret", "known_cookies":
			var v string
			if !d.AllArgs(&v) {
				return d.ArgErr()
			}
			switch opt {
			case "mode":
				if v != modeEnforce && v != modeReport {
					return d.Errf("mode %q: use enforce or report", v)
				}
				h.Mode = v
			case "source":
				h.Source = v
			case "path_prefix":
				if err := checkPathPrefix(v); err != nil {
					return d.Errf("cookie_consent: %v", err)
				}
				h.PathPrefix = v
			case "secret":
				h.Secret = v
			case "known_cookies":
				h.KnownCookies = v
			}
		case "banner", "gpc", "google_consent_mode", "clamp_lifetime":
			on, err := onOff(d, opt)
			if err != nil {
				return err
			}
			switch opt {
			case "banner":
				h.Banner = &on
			case "gpc":
				h.GPC = &on
			case "google_consent_mode":
				h.GoogleConsentMode = on
			case "clamp_lifetime":
				h.ClampLifetime = &on
			}
		case "onetrust_group", "klaro_service", "cc_category":
			var name, category string
			if !d.AllArgs(&name, &category) {
				return d.ArgErr()
			}
			want := map[string]string{"onetrust_group": "onetrust", "klaro_service": "klaro", "cc_category": "cc_cookie"}[opt]
			if h.Source != want {
				return d.Errf("%s needs source %s first (source is %q)", opt, want, h.Source)
			}
			if h.SourceMap == nil {
				h.SourceMap = map[string]string{}
			}
			if prev, twice := h.SourceMap[name]; twice {
				return d.Errf("cookie_consent: %s %s is given twice (%s, then %s): keep one", opt, name, prev, category)
			}
			h.SourceMap[name] = category
		default:
			if near := policy.Nearest(opt, caddyfileOptions); near != "" {
				return d.Errf("unknown cookie_consent option %q: did you mean %s?", opt, near)
			}
			return d.Errf("unknown cookie_consent option %q (known: %s)", opt, strings.Join(caddyfileOptions, ", "))
		}
	}
	if len(h.Policy) == 0 {
		return fmt.Errorf("%w, at %s:%d", errNoPolicy, file, line) // the directive's line, not its block's end
	}
	return nil
}

// policyArg takes the policy path at the dispenser's cursor. A path without
// placeholders is checked now, so that `caddy adapt` and `caddy validate` name the
// Caddyfile line of a policy file that is not there, and where it was looked for:
// Caddy resolves a relative path against the directory it runs in, which is not
// necessarily the Caddyfile's.
func (h *Handler) policyArg(d *caddyfile.Dispenser) error {
	path := d.Val()
	h.setPolicyPath(path)
	if strings.Contains(path, "{") {
		return nil // expanded when the config loads
	}
	if err := checkPolicyFile(path); err != nil {
		return d.Errf("cookie_consent: %v", err)
	}
	return nil
}

func (h *Handler) setPolicyPath(path string) {
	h.Policy, _ = json.Marshal(path) // a string always marshals
}

// checkPolicyFile says why a policy path cannot be read as a file, naming the
// absolute path it resolves to.
func checkPolicyFile(path string) error {
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	where := fmt.Sprintf("%q", path)
	if abs != path {
		where = fmt.Sprintf("%q (resolved to %s from the directory caddy runs in)", path, abs)
	}
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("policy file %s does not exist", where)
	case err != nil:
		return fmt.Errorf("policy file %s: %v", where, err)
	case fi.IsDir():
		return fmt.Errorf("policy file %s is a directory; name the YAML file in it", where)
	}
	return nil
}

func onOff(d *caddyfile.Dispenser, opt string) (bool, error) {
	var v string
	if !d.AllArgs(&v) {
		return false, d.ArgErr()
	}
	v = strings.ToLower(v)
	if !slices.Contains([]string{"on", "off"}, v) {
		return false, d.Errf("%s: want on or off, not %q", opt, v)
	}
	return v == "on", nil
}

var _ caddyfile.Unmarshaler = (*Handler)(nil)
