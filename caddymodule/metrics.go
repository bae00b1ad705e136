package caddymodule

import (
	"errors"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
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
