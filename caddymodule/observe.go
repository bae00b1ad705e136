package caddymodule

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/consentgate/consentgate/policy"
)

// An observation is one thing enforcement saw: a cookie (from a Set-Cookie,
// a request Cookie header, or a script's write reported by the guard), a
// storage key, or an element a blocker matched. Observations are aggregated
// per (kind, name, source) and logged as "observed" entries, at most one per
// key per observeEvery with the count since the previous one. Report mode
// logs them at info (they are what `caddy cookie-consent draft` reads);
// enforce mode at debug, where the per-name "undeclared cookie" warning is
// what the site owner sees.
type observation struct {
	Kind         string // "cookie", "storage" or "element"
	Name         string // the cookie name, the storage key, or the element's URL host
	Category     string // what it is classified as; "" when nothing knows it
	ClassifiedBy string // policy.Origin's words: "declared", "known", "undeclared", "consent"
	Action       string // what enforce mode does (or would do): kept, removed, expired, clamped, blocked, dropped
	Source       string // "server" (the proxy saw the site set it), "request" (a visitor's Cookie header carried it) or "guard" (the browser reported it)
	Type         string // cookies: "http" (Set-Cookie) or "html" (set by script); storage: "html"; "" for "request"
	Element      string // elements: script, iframe, img, ...
	Provider     string // the host that set or serves it
	MaxAge       int64  // observed lifetime in seconds; -1 for a session cookie; 0 when not known
	Path         string // the page path it was seen on
}

const (
	observeEvery = 10 * time.Minute
	// observeLimit bounds the aggregation table; past it, a full flush
	// empties the table (a flood of random names cannot grow memory).
	observeLimit = 4096
	// maxObservedLen bounds every string an observation keeps; longer
	// names are cut and marked, keys of long names are hashed.
	maxObservedLen = 256
	// newRequestNames bounds the names first seen in visitors' Cookie
	// headers that are admitted per minute (the flusher's tick): they are
	// the visitor's words, and a visitor sending a thousand random names a
	// request would otherwise fill the log and the table (the site's own
	// cookies come as "server" or "guard" and are not bounded so). So for
	// the hosts of elements no blocker or list knows, which report mode
	// observes: a page of visitors' comments may show images from anywhere.
	newRequestNames = 60
	// newReportedNames bounds the same for the names and hosts guard
	// reports bring: what browsers saw scripts write, the site's own
	// cookies among them, but a report is a visitor's word, and many
	// clients posting 50 made-up names each would otherwise log thousands
	// of lines a second. A name past the budget is observed when a report
	// names it again.
	newReportedNames = 120
)

// sourceRequest is the source of names read from a visitor's Cookie header.
const sourceRequest = "request"

type observed struct {
	obs   observation
	since time.Time // when the entry was last logged
	count int64     // sightings since then, not yet logged
	// lead is obs.Provider's lead in a majority vote among the sightings'
	// providers (Boyer–Moore): a provider is the Host a request named, and
	// on a site that answers any host the first request's must not stand
	// for all the counts that follow it.
	lead int64
}

// observer aggregates observations; one per handler instance.
type observer struct {
	mu      sync.Mutex
	logger  *zap.Logger
	level   zapcore.Level
	entries map[string]*observed
	// requestNames counts the request names admitted since the last tick;
	// requestSkipped those turned away, logged as one line at the tick;
	// hosts and hostsSkipped the same for unknown element hosts.
	requestNames, hosts, reported                 int
	requestSkipped, hostsSkipped, reportedSkipped int64
	stop                                          chan struct{}
	done                                          chan struct{}
}

func newObserver(logger *zap.Logger, level zapcore.Level) *observer {
	o := &observer{logger: logger, level: level, entries: map[string]*observed{}, stop: make(chan struct{}), done: make(chan struct{})}
	go o.run()
	return o
}

// run logs the pending counts of entries whose period is over, so that a
// name seen a thousand times in ten minutes gives one line with its count.
func (o *observer) run() {
	defer close(o.done)
	t := time.NewTicker(observeEvery / 10)
	defer t.Stop()
	for {
		select {
		case <-o.stop:
			o.flush(time.Time{})
			return
		case now := <-t.C:
			o.flush(now)
		}
	}
}

// close stops the flusher and logs what is pending; the handler's Cleanup
// calls it on every config unload.
func (o *observer) close() {
	close(o.stop)
	<-o.done
}

// flush logs the entries whose period is over (all when now is zero) and
// forgets the ones idle for a whole period.
func (o *observer) flush(now time.Time) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.flushLocked(now)
}

func (o *observer) flushLocked(now time.Time) {
	if o.requestSkipped > 0 {
		if ce := o.logger.Check(o.level, "cookie names from visitors' requests not observed"); ce != nil {
			ce.Write(zap.Int64("count", o.requestSkipped), zap.Int("admitted_per_minute", newRequestNames),
				zap.String("why", "more new names than a site's visitors send; a visitor may be sending made-up names"))
		}
	}
	if o.hostsSkipped > 0 {
		if ce := o.logger.Check(o.level, "element hosts nothing knows not observed"); ce != nil {
			ce.Write(zap.Int64("count", o.hostsSkipped), zap.Int("admitted_per_minute", newRequestNames),
				zap.String("why", "more new third-party hosts than one minute's budget"))
		}
	}
	if o.reportedSkipped > 0 {
		if ce := o.logger.Check(o.level, "names reported by the guard not observed"); ce != nil {
			ce.Write(zap.Int64("count", o.reportedSkipped), zap.Int("admitted_per_minute", newReportedNames),
				zap.String("why", "more new names in guard reports than one minute's budget; a client may be posting made-up reports"))
		}
	}
	o.requestSkipped, o.hostsSkipped, o.reportedSkipped = 0, 0, 0
	if !now.IsZero() {
		// Only the minute's tick opens the budgets again: a table filled up
		// (by a flood of Set-Cookie names) must not.
		o.requestNames, o.hosts, o.reported = 0, 0, 0
	}
	for k, e := range o.entries {
		if !now.IsZero() && now.Sub(e.since) < observeEvery {
			continue
		}
		if e.count == 0 {
			delete(o.entries, k)
			continue
		}
		o.log(e)
		e.since, e.count, e.obs.MaxAge = now, 0, 0
		if now.IsZero() {
			delete(o.entries, k)
		}
	}
}

// observe counts one sighting; the first of a key is logged at once.
func (o *observer) observe(obs observation, now time.Time) {
	if !o.logger.Core().Enabled(o.level) {
		return
	}
	obs = boundObservation(obs)
	key := obs.Kind + "\x00" + obs.Source + "\x00" + obs.Name
	if obs.Action == "deleted" {
		key += "\x00d" // a deletion is counted apart from the sets
	}
	if len(key) > 64 {
		sum := sha256.Sum256([]byte(key))
		key = hex.EncodeToString(sum[:16])
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	e, ok := o.entries[key]
	if !ok {
		switch {
		case obs.Source == sourceRequest:
			if o.requestNames == newRequestNames {
				o.requestSkipped++
				return
			}
			o.requestNames++
		case obs.Kind == "element" && obs.Source == "server" && obs.ClassifiedBy == "undeclared":
			if o.hosts == newRequestNames {
				o.hostsSkipped++
				return
			}
			o.hosts++
		case obs.Source == "guard":
			if o.reported == newReportedNames {
				o.reportedSkipped++
				return
			}
			o.reported++
		}
		if len(o.entries) >= observeLimit {
			o.flushLocked(time.Time{})
		}
		// What the table keeps is copied: a name or a path is a piece of
		// the request's Cookie header or line, which would keep the whole
		// header alive with it (16 KiB a visitor, up to the table's bound).
		e = &observed{obs: cloneObservation(obs), since: now, count: 1, lead: 1}
		o.log(e)
		e.count, e.obs.MaxAge = 0, 0
		o.entries[key] = e
		return
	}
	e.count++
	switch {
	case obs.Provider == e.obs.Provider:
		e.lead++
	case e.lead == 0:
		e.obs.Provider, e.lead = strings.Clone(obs.Provider), 1
	default:
		e.lead--
	}
	if obs.MaxAge > e.obs.MaxAge || obs.MaxAge == -1 && e.obs.MaxAge == 0 {
		e.obs.MaxAge = obs.MaxAge
	}
	e.obs.Category, e.obs.ClassifiedBy, e.obs.Action = obs.Category, obs.ClassifiedBy, obs.Action
}

func (o *observer) log(e *observed) {
	ce := o.logger.Check(o.level, "observed")
	if ce == nil {
		return
	}
	obs := e.obs
	fields := []zap.Field{
		zap.String("kind", obs.Kind),
		zap.String("name", obs.Name),
		zap.Int64("count", e.count),
		zap.String("category", obs.Category),
		zap.String("classified_by", obs.ClassifiedBy),
		zap.String("action", obs.Action),
		zap.String("source", obs.Source),
		zap.String("first_path", obs.Path),
	}
	if obs.Type != "" {
		fields = append(fields, zap.String("type", obs.Type))
	}
	if obs.Element != "" {
		fields = append(fields, zap.String("element", obs.Element))
	}
	if obs.Provider != "" {
		fields = append(fields, zap.String("provider", obs.Provider))
	}
	if obs.MaxAge != 0 {
		fields = append(fields, zap.Int64("max_age", obs.MaxAge))
	}
	ce.Write(fields...)
}

func cloneObservation(o observation) observation {
	for _, s := range []*string{&o.Kind, &o.Name, &o.Category, &o.ClassifiedBy, &o.Action, &o.Source, &o.Type, &o.Element, &o.Provider, &o.Path} {
		*s = strings.Clone(*s)
	}
	return o
}

func boundObservation(o observation) observation {
	for _, s := range []*string{&o.Kind, &o.Name, &o.Category, &o.ClassifiedBy, &o.Action, &o.Source, &o.Type, &o.Element, &o.Provider, &o.Path} {
		*s = boundString(*s)
	}
	return o
}

// boundString cuts a string copied from a request or response to
// maxObservedLen bytes, marking the cut.
func boundString(s string) string {
	if len(s) <= maxObservedLen {
		return s
	}
	return cut(s, maxObservedLen-3) + "..."
}

// observeCookie aggregates a server-side cookie decision: of a Set-Cookie
// ("server", type http), or of a cookie the request carried ("request").
func (h *Handler) observeCookie(r *http.Request, name string, cl policy.Class, action string, maxAge int64, fromRequest bool) {
	source, typ := "server", "http"
	if fromRequest {
		source, typ = sourceRequest, ""
	}
	h.observer.observe(observation{
		Kind: "cookie", Name: name, Category: cl.Category, ClassifiedBy: cl.Origin.String(),
		Action: action, Source: source, Type: typ, Provider: visitorHost(r), MaxAge: maxAge, Path: originalURL(r).Path,
	}, time.Now())
}
