// Package caddymodule is the Caddy glue of consentgate: the
// http.handlers.cookie_consent module, its Caddyfile directive, the response
// writer that enforces consent on the way out, the endpoints under the
// reserved path prefix, metrics, placeholders and consent records. The rules
// themselves live in package policy.
package caddymodule

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"
	"golang.org/x/text/language"

	"github.com/consentgate/consentgate/caddymodule/assets"
	"github.com/consentgate/consentgate/policy"
	"github.com/consentgate/consentgate/policy/cmp"
	"github.com/consentgate/consentgate/policy/knowncookies"
)

func init() {
	caddy.RegisterModule(Handler{})
}

// Handler enforces a cookie policy on the requests and responses that pass
// through it: it reads the visitor's consent, strips cookies that were not
// consented from the request, removes such Set-Cookie headers from the
// response and expires such cookies the browser still holds.
type Handler struct {
	// Policy is the path of the policy file (YAML), or the policy itself as a
	// JSON object. Required.
	Policy json.RawMessage `json:"policy,omitempty"`

	// Mode is "enforce" (default) or "report": change nothing, log what
	// enforce would have changed.
	Mode string `json:"mode,omitempty"`

	// Source is where the consent is read: "own" (default, our consent cookie
	// and banner) or a consent manager the site already runs: cookiebot,
	// onetrust, cc_cookie, klaro, complianz, cookieyes.
	Source string `json:"source,omitempty"`

	// SourceMap maps the consent manager's group, service or category names
	// to policy categories (OneTrust groups, Klaro services, cookieconsent
	// categories); it extends and overrides the manager's default map.
	SourceMap map[string]string `json:"source_map,omitempty"`

	// Banner injects the consent banner. Default: on for source own, off otherwise.
	Banner *bool `json:"banner,omitempty"`

	// PathPrefix is the reserved path prefix of the endpoints. Default /_consent.
	PathPrefix string `json:"path_prefix,omitempty"`

	// Secret, when set, signs the consent cookie (HMAC-SHA256); unsigned or
	// forged cookies then count as no choice. Placeholders such as
	// {env.CONSENT_SECRET} are expanded.
	Secret string `json:"secret,omitempty"`

	// GPC honours Sec-GPC: 1 as refusal when no choice was made. Default on.
	GPC *bool `json:"gpc,omitempty"`

	// GoogleConsentMode emits Google Consent Mode v2 signals. Default off.
	GoogleConsentMode bool `json:"google_consent_mode,omitempty"`

	// KnownCookies is "builtin" (default), "off", or the path of a CSV in the
	// Open Cookie Database format.
	KnownCookies string `json:"known_cookies,omitempty"`

	// ClampLifetime caps a kept Set-Cookie's lifetime at its declared
	// duration. Default on.
	ClampLifetime *bool `json:"clamp_lifetime,omitempty"`

	policy          *policy.Policy
	classifier      *policy.Classifier
	codec           *policy.Codec
	sourceMap       cmp.Mapping
	logger          *zap.Logger
	records         *zap.Logger
	metrics         *metrics
	cookieCounters  cookieCounters
	undeclared      *onceEvery
	gpcSeen         *onceEvery
	cspWarned       *onceEvery
	deferredCookies *onceEvery // warnings about Set-Cookie added by a deferred header operation
	observer        *observer
	reports         *rateLimiter  // guard reports, per client and overall
	reportWarns     *sharedBucket // warnings about reported names
	choices         *rateLimiter  // consent choices (records), per client
	gpcRecords      *rateLimiter  // GPC records, per client
	ipSalt          []byte
	bundle          *assets.Bundle
	pageGeneration  string       // what rewritten pages depend on besides the visitor (validators.go)
	nestedWarned    *atomic.Bool // the warning about two handlers on one request went out
	deferredWarned  *atomic.Bool // the warning about deferred header operations went out
	endpoints       *endpointWatch
	expiryTurn      *atomic.Uint64 // where the next response's expiries go on (expiries)
	// blockedHostNeedles: the blockers' hosts, for mayNameBlockedHost.
	blockedHostNeedles [][]byte
	newerRevision      *atomic.Bool // the warning about consent cookies of a newer revision went out
	langMatcher        language.Matcher
	placeholders       *placeholderValues
	langChoices        *langChoices
}

// CaddyModule returns the Caddy module information.
func (Handler) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "http.handlers.cookie_consent",
		New: func() caddy.Module { return new(Handler) },
	}
}

const (
	modeEnforce = "enforce"
	modeReport  = "report"
	sourceOwn   = "own"
)

// Provision loads the policy and the known-cookie database and sets up the
// codec, metrics and loggers.
func (h *Handler) Provision(ctx caddy.Context) error {
	h.logger = ctx.Logger()
	h.records = h.logger.Named("records")
	repl := caddy.NewReplacer()

	if h.Mode == "" {
		h.Mode = modeEnforce
	}
	if h.Source == "" {
		h.Source = sourceOwn
	}
	if h.PathPrefix == "" {
		h.PathPrefix = "/_consent"
	}
	if p := strings.TrimSuffix(h.PathPrefix, "/"); p == "" || strings.HasPrefix(p, "//") || p == "/" {
		// "/" or "//" would reserve every path of the site for the endpoints.
		return fmt.Errorf("cookie_consent: path_prefix %q must be a path such as /_consent", h.PathPrefix)
	}
	h.PathPrefix = strings.TrimSuffix(h.PathPrefix, "/")
	if h.KnownCookies == "" {
		h.KnownCookies = "builtin"
	}
	if h.Banner == nil {
		on := h.Source == sourceOwn
		h.Banner = &on
	}
	if h.GPC == nil {
		h.GPC = new(bool)
		*h.GPC = true
	}
	if h.ClampLifetime == nil {
		h.ClampLifetime = new(bool)
		*h.ClampLifetime = true
	}

	p, source, err := h.loadPolicy(repl)
	if err != nil {
		return err
	}
	h.policy = p

	known, err := h.loadKnown(repl)
	if err != nil {
		return err
	}
	var consentNames []string
	if h.Source != sourceOwn {
		consentNames = cmp.CookieNames(h.Source)
		h.sourceMap = cmp.Mapping{}
		for k, v := range cmp.DefaultMapping(h.Source) {
			h.sourceMap[k] = v
		}
		for k, v := range h.SourceMap {
			h.sourceMap[k] = v
		}
	}
	h.classifier = policy.NewClassifier(p, known, consentNames)

	secret := repl.ReplaceKnown(h.Secret, "")
	if h.Secret != "" && secret == "" {
		return fmt.Errorf("cookie_consent: secret %q expands to nothing; set the variable or remove the secret", h.Secret)
	}
	h.codec = &policy.Codec{Policy: p}
	if secret != "" {
		h.codec.Secret = []byte(secret)
	}
	h.ipSalt = ipHashSalt(h.codec.Secret)
	h.undeclared = newOnceEvery(undeclaredWarnEvery, 10000)
	h.gpcSeen = newOnceEvery(undeclaredWarnEvery, 10000)
	h.cspWarned = newOnceEvery(undeclaredWarnEvery, 100)
	h.deferredCookies = newOnceEvery(undeclaredWarnEvery, 100)
	observeLevel := zap.DebugLevel
	if h.Mode == modeReport {
		observeLevel = zap.InfoLevel
	}
	h.observer = newObserver(h.logger, observeLevel)
	h.reports = newReportLimiter()
	h.reportWarns = newSharedBucket(reportWarnBurst, reportWarnRate)
	h.choices = newRateLimiter(choiceBurst, choiceEvery, 0, 0)
	h.choices.publicOnly = true
	h.gpcRecords = newRateLimiter(gpcRecordBurst, gpcRecordEvery, 0, 0)
	h.gpcRecords.publicOnly = true

	tags := make([]language.Tag, len(p.Languages))
	for i, l := range p.Languages {
		tags[i] = language.Make(l)
	}
	h.langMatcher = language.NewMatcher(tags)
	h.placeholders = newPlaceholderValues(p)
	h.langChoices = &langChoices{}
	h.bundle, err = assets.NewBundle(p, assets.Options{Prefix: h.PathPrefix, GoogleConsentMode: h.GoogleConsentMode, ConsentCookies: consentNames,
		Known: known, Report: h.Mode == modeReport, Trackers: policy.BuiltinKnown().Trackers()})
	if err != nil {
		return fmt.Errorf("cookie_consent: %v", err)
	}
	h.pageGeneration = pageGeneration(h, source)
	h.nestedWarned, h.deferredWarned, h.newerRevision = new(atomic.Bool), new(atomic.Bool), new(atomic.Bool)
	h.endpoints = &endpointWatch{}
	h.expiryTurn = new(atomic.Uint64)
	var hosts [][]string
	for _, b := range p.Blockers {
		hosts = append(hosts, b.Hosts)
	}
	h.blockedHostNeedles = blockedHostNeedles(hosts)

	h.metrics, err = registerMetrics(ctx.GetMetricsRegistry())
	if err != nil {
		return err
	}
	h.cookieCounters = newCookieCounters(h.metrics.cookies, p)
	return nil
}

// loadPolicy loads the policy and returns its source too (the pages'
// generation depends on it).
func (h *Handler) loadPolicy(repl *caddy.Replacer) (*policy.Policy, []byte, error) {
	raw := strings.TrimSpace(string(h.Policy))
	switch {
	case raw == "" || raw == "null" || raw == `""`:
		return nil, nil, fmt.Errorf("cookie_consent: policy is required (a file path, or the policy as a JSON object)")
	case strings.HasPrefix(raw, "{"):
		p, err := policy.Parse([]byte(raw), "inline policy")
		return p, []byte(raw), err
	}
	var path string
	if err := json.Unmarshal(h.Policy, &path); err != nil {
		return nil, nil, fmt.Errorf("cookie_consent: policy must be a file path or a JSON object: %v", err)
	}
	path = repl.ReplaceKnown(path, "")
	if err := checkPolicyFile(path); err != nil {
		return nil, nil, fmt.Errorf("cookie_consent: %v", err)
	}
	source, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("reading policy: %w", err)
	}
	p, err := policy.Parse(source, path)
	return p, source, err
}

func (h *Handler) loadKnown(repl *caddy.Replacer) ([]knowncookies.Cookie, error) {
	switch h.KnownCookies {
	case "off":
		return nil, nil
	case "builtin":
		return knowncookies.Builtin(), nil
	}
	path := repl.ReplaceKnown(h.KnownCookies, "")
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cookie_consent: known_cookies: %v", err)
	}
	defer f.Close()
	list, err := knowncookies.ReadOpenCookieDatabase(f)
	if err != nil {
		return nil, fmt.Errorf("cookie_consent: known_cookies %s: %v", path, err)
	}
	return list, nil
}

// Cleanup stops what Provision started: the observer logs its pending counts.
func (h *Handler) Cleanup() error {
	if h.observer != nil {
		h.observer.close()
	}
	return nil
}

// Validate checks the options that Provision does not already reject.
func (h *Handler) Validate() error {
	if h.Mode != modeEnforce && h.Mode != modeReport {
		return fmt.Errorf("cookie_consent: mode %q: use enforce or report", h.Mode)
	}
	if h.Source != sourceOwn && !slices.Contains(cmp.Sources, h.Source) {
		return fmt.Errorf("cookie_consent: source %q: use own or one of %s", h.Source, strings.Join(cmp.Sources, ", "))
	}
	if !strings.HasPrefix(h.PathPrefix, "/") || strings.ContainsAny(h.PathPrefix, "?#* {}") {
		return fmt.Errorf("cookie_consent: path_prefix %q must be a path such as /_consent", h.PathPrefix)
	}
	if h.Source == sourceOwn && len(h.SourceMap) > 0 {
		return fmt.Errorf("cookie_consent: group and service maps (onetrust_group, klaro_service, cc_category) need a source other than own")
	}
	for k, v := range h.SourceMap {
		if h.policy.CategoryIndex(v) < 0 {
			return fmt.Errorf("cookie_consent: %s %q maps to %q, which the policy has no category for (known: %s)", h.Source, k, v, strings.Join(h.policy.CategoryIDs(), ", "))
		}
	}
	if *h.Banner && h.Source != sourceOwn {
		return fmt.Errorf("cookie_consent: banner on needs source own; the site's %s shows its own banner", h.Source)
	}
	return nil
}

// Interface guards
var (
	_ caddy.Provisioner           = (*Handler)(nil)
	_ caddy.Validator             = (*Handler)(nil)
	_ caddy.CleanerUpper          = (*Handler)(nil)
	_ caddyhttp.MiddlewareHandler = (*Handler)(nil)
)
