package policy

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Duration is a declared storage duration: a fixed length, "session" (gone
// when the browser closes) or "persistent" (no declared limit).
type Duration struct {
	Kind DurationKind
	Len  time.Duration // for Fixed
	Text string        // as written in the policy, for the declaration page
}

type DurationKind uint8

const (
	Unset DurationKind = iota
	Fixed
	Session
	Persistent
)

// Units for the short and long forms. `m` alone is refused: minutes or months?
var durationUnits = map[string]time.Duration{
	"s": time.Second, "sec": time.Second, "second": time.Second, "seconds": time.Second,
	"min": time.Minute, "minute": time.Minute, "minutes": time.Minute,
	"h": time.Hour, "hour": time.Hour, "hours": time.Hour,
	"d": 24 * time.Hour, "day": 24 * time.Hour, "days": 24 * time.Hour,
	"w": 7 * 24 * time.Hour, "week": 7 * 24 * time.Hour, "weeks": 7 * 24 * time.Hour,
	"mo": 30 * 24 * time.Hour, "month": 30 * 24 * time.Hour, "months": 30 * 24 * time.Hour,
	"y": 365 * 24 * time.Hour, "year": 365 * 24 * time.Hour, "years": 365 * 24 * time.Hour,
}

// ParseDuration reads `182d`, `2y`, `30 minutes`, `400 days`, `session` or `persistent`.
// A length of zero is refused: write session, or how long.
func ParseDuration(s string) (Duration, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	switch t {
	case "session":
		return Duration{Kind: Session, Text: s}, nil
	case "persistent":
		return Duration{Kind: Persistent, Text: s}, nil
	}
	i := 0
	for i < len(t) && t[i] >= '0' && t[i] <= '9' {
		i++
	}
	if i == 0 {
		return Duration{}, fmt.Errorf("duration %q: want a number and a unit (s, min, h, d, w, mo, y, e.g. 30d or \"2 years\"), session or persistent", s)
	}
	n, err := strconv.ParseInt(t[:i], 10, 64)
	unit := strings.TrimSpace(t[i:])
	if unit == "m" {
		return Duration{}, fmt.Errorf("duration %q: unit m is ambiguous; write min (minutes) or mo (months)", s)
	}
	u, ok := durationUnits[unit]
	if !ok {
		return Duration{}, fmt.Errorf("duration %q: unknown unit %q (use s, min, h, d, w, mo or y)", s, unit)
	}
	// A hundred years is longer than any cookie a browser keeps (Chrome caps at 400 days).
	if err != nil || n > int64(100*365*24*time.Hour/u) {
		return Duration{}, fmt.Errorf("duration %q is too long", s)
	}
	if n == 0 {
		return Duration{}, zeroDurationError{s}
	}
	return Duration{Kind: Fixed, Len: time.Duration(n) * u, Text: s}, nil
}

// zeroDurationError refuses a length of zero: the proxy would cap a cookie's
// Max-Age at 0, and the browser deletes such a cookie as soon as it gets it.
// It is a type of its own so that the loader can say what to write instead,
// which depends on whose duration it is (session for a cookie, not for the
// consent cookie's max_age).
type zeroDurationError struct{ text string }

func (e zeroDurationError) Error() string {
	return fmt.Sprintf("duration %q is zero: a cookie kept for no time is deleted as soon as it is set", e.text)
}

// Seconds is the fixed length in whole seconds (0 unless Fixed).
func (d Duration) Seconds() int64 {
	if d.Kind != Fixed {
		return 0
	}
	return int64(d.Len / time.Second)
}

func (d Duration) String() string {
	if d.Text != "" {
		return d.Text
	}
	switch d.Kind {
	case Session:
		return "session"
	case Persistent:
		return "persistent"
	case Fixed:
		return fmt.Sprintf("%ds", d.Seconds())
	}
	return ""
}
