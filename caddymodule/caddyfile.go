package caddymodule

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
)

func init() {
	httpcaddyfile.RegisterHandlerDirective("cookie_consent", parseCaddyfile)
	// After encode, so the encoder compresses what we rewrote; before the
	// handlers that produce responses, so we see every request and response.
	httpcaddyfile.RegisterDirectiveOrder("cookie_consent", httpcaddyfile.After, "encode")
}

func parseCaddyfile(h httpcaddyfile.Helper) (caddyhttp.MiddlewareHandler, error) {
	var m Handler
	err := m.UnmarshalCaddyfile(h.Dispenser)
	return &m, err
}

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
	if d.NextArg() {
		h.setPolicyPath(d.Val())
		if d.NextArg() {
			return d.ArgErr()
		}
	}
	for d.NextBlock(0) {
		opt := d.Val()
		switch opt {
		case "policy":
			var v string
			if !d.AllArgs(&v) {
				return d.ArgErr()
			}
			h.setPolicyPath(v)
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
			h.SourceMap[name] = category
		default:
			return d.Errf("unknown cookie_consent option %q", opt)
		}
	}
	if len(h.Policy) == 0 {
		return d.Err("cookie_consent: policy is required")
	}
	return nil
}

func (h *Handler) setPolicyPath(path string) {
	h.Policy, _ = json.Marshal(path) // a string always marshals
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
