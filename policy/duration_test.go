package policy

import (
	"strings"
	"testing"
	"time"
)

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in   string
		kind DurationKind
		len  time.Duration
	}{
		{"45s", Fixed, 45 * time.Second},
		{"30min", Fixed, 30 * time.Minute},
		{"12h", Fixed, 12 * time.Hour},
		{"182d", Fixed, 182 * day},
		{"2w", Fixed, 14 * day},
		{"13mo", Fixed, 13 * 30 * day},
		{"2y", Fixed, 2 * 365 * day},
		{"30 minutes", Fixed, 30 * time.Minute},
		{"1 minute", Fixed, time.Minute},
		{"1 hour", Fixed, time.Hour},
		{"400 days", Fixed, 400 * day},
		{"1 day", Fixed, day},
		{"3 months", Fixed, 90 * day},
		{"12 months", Fixed, 360 * day},
		{"1 year", Fixed, 365 * day},
		{"2 years", Fixed, 2 * 365 * day},
		{"1 week", Fixed, 7 * day},
		{"10 seconds", Fixed, 10 * time.Second},
		{"2Y", Fixed, 2 * 365 * day},
		{" 7d ", Fixed, 7 * day},
		{"100y", Fixed, 100 * 365 * day},
		{"session", Session, 0},
		{"Session", Session, 0},
		{"persistent", Persistent, 0},
	}
	for _, tc := range tests {
		d, err := ParseDuration(tc.in)
		if err != nil {
			t.Errorf("ParseDuration(%q): %v", tc.in, err)
			continue
		}
		if d.Kind != tc.kind || d.Len != tc.len {
			t.Errorf("ParseDuration(%q) = %v %v, want %v %v", tc.in, d.Kind, d.Len, tc.kind, tc.len)
		}
		if d.Text != tc.in || d.String() != tc.in {
			t.Errorf("ParseDuration(%q) keeps the text as %q / %q", tc.in, d.Text, d.String())
		}
		if want := int64(tc.len / time.Second); d.Seconds() != want {
			t.Errorf("ParseDuration(%q).Seconds() = %d, want %d", tc.in, d.Seconds(), want)
		}
	}
}

func TestParseDurationRefused(t *testing.T) {
	tests := []struct {
		in, why string
	}{
		{"6m", "ambiguous"},
		{"6 m", "ambiguous"},
		{"6M", "ambiguous"},
		{"2 fortnights", `unknown unit "fortnights"`},
		{"2ms", `unknown unit "ms"`},
		{"30", `unknown unit ""`},
		{"1.5h", "unknown unit"},
		{"-1d", "want a number and a unit"},
		{"d", "want a number and a unit"},
		{"", "want a number and a unit"},
		{"permanent", "want a number and a unit"},
		{"forever", "want a number and a unit"},
		{"101y", "too long"},
		{"99999999999999999999d", "too long"},
		{"9223372036854775807s", "too long"},
		{"0s", "is zero"},
		{"0 days", "is zero"},
		{"00y", "is zero"},
	}
	for _, tc := range tests {
		d, err := ParseDuration(tc.in)
		if err == nil {
			t.Errorf("ParseDuration(%q) = %+v, want an error", tc.in, d)
			continue
		}
		if !strings.Contains(err.Error(), tc.why) || !strings.Contains(err.Error(), tc.in) {
			t.Errorf("ParseDuration(%q) error %q: want it to name the input and say %q", tc.in, err, tc.why)
		}
	}
}

func TestDurationString(t *testing.T) {
	// Durations built in code rather than parsed have no text of their own.
	for _, tc := range []struct {
		d    Duration
		want string
	}{
		{Duration{Kind: Session}, "session"},
		{Duration{Kind: Persistent}, "persistent"},
		{Duration{Kind: Fixed, Len: 90 * time.Minute}, "5400s"},
		{Duration{}, ""},
	} {
		if got := tc.d.String(); got != tc.want {
			t.Errorf("%+v.String() = %q, want %q", tc.d, got, tc.want)
		}
		if tc.d.Kind != Fixed && tc.d.Seconds() != 0 {
			t.Errorf("%+v.Seconds() = %d, want 0", tc.d, tc.d.Seconds())
		}
	}
}
