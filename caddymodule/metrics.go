package caddymodule

import (
	"errors"
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/consentgate/consentgate/policy"
)

// metrics are created once per process and registered with every new
// registry: Caddy makes a fresh registry on each config load, and a counter
// that restarted from zero on every reload would lie.
type metrics struct {
	cookies  *prometheus.CounterVec // category, action: kept, removed, expired, clamped
	elements *prometheus.CounterVec // category, element
	choices  *prometheus.CounterVec // category, choice: granted, refused
}

var (
	metricsOnce sync.Once
	theMetrics  *metrics
)

func registerMetrics(reg prometheus.Registerer) (*metrics, error) {
	metricsOnce.Do(func() {
		const ns, sub = "caddy", "cookie_consent"
		theMetrics = &metrics{
			cookies: prometheus.NewCounterVec(prometheus.CounterOpts{
				Namespace: ns, Subsystem: sub, Name: "cookies_total",
				Help: "Cookies seen in responses, by category and what was done: kept, removed, expired, clamped.",
			}, []string{"category", "action"}),
			elements: prometheus.NewCounterVec(prometheus.CounterOpts{
				Namespace: ns, Subsystem: sub, Name: "elements_blocked_total",
				Help: "HTML elements held back until consent, by category and element.",
			}, []string{"category", "element"}),
			choices: prometheus.NewCounterVec(prometheus.CounterOpts{
				Namespace: ns, Subsystem: sub, Name: "choices_total",
				Help: "Consent choices recorded, by category and whether it was granted or refused.",
			}, []string{"category", "choice"}),
		}
	})
	if reg == nil {
		return theMetrics, nil
	}
	for _, c := range []prometheus.Collector{theMetrics.cookies, theMetrics.elements, theMetrics.choices} {
		if err := reg.Register(c); err != nil {
			var already prometheus.AlreadyRegisteredError
			if !errors.As(err, &already) {
				return nil, err
			}
		}
	}
	return theMetrics, nil
}

// cookieActions are the action labels of cookies_total.
var cookieActions = [...]string{"kept", "removed", "expired", "clamped"}

// cookieCounters are the cookies_total counters of one policy's categories
// (and of unclassified cookies), by action, looked up once per
// configuration: WithLabelValues hashes its labels on every call, and it
// runs for every cookie of every response.
type cookieCounters struct {
	vec   *prometheus.CounterVec
	byCat [][len(cookieActions)]prometheus.Counter // [0]: unclassified; [i+1]: category i
}

func newCookieCounters(vec *prometheus.CounterVec, p *policy.Policy) cookieCounters {
	cc := cookieCounters{vec: vec, byCat: make([][len(cookieActions)]prometheus.Counter, len(p.Categories)+1)}
	for i := range cc.byCat {
		category := policy.Unclassified
		if i > 0 {
			category = p.Categories[i-1].ID
		}
		for a, action := range cookieActions {
			cc.byCat[i][a] = vec.WithLabelValues(category, action)
		}
	}
	return cc
}

// counter returns the counter for a cookie of this class and an action.
func (cc *cookieCounters) counter(cl policy.Class, action string) prometheus.Counter {
	a := -1
	for i, known := range cookieActions {
		if action == known {
			a = i
			break
		}
	}
	switch {
	case a < 0:
	case cl.Index >= 0 && cl.Index+1 < len(cc.byCat):
		return cc.byCat[cl.Index+1][a]
	case cl.Category == policy.Unclassified:
		return cc.byCat[0][a]
	}
	// A category the policy lacks (a known cookie's).
	return cc.vec.WithLabelValues(cl.Category, action)
}
