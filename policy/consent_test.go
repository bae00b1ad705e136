package policy

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The SPEC's example consent, 2025-11-22 10:00 UTC.
const (
	specStamp = 1763805600
	specID    = "k3Jx9QpZ0aV2b7Lw1mN8cQ"
)

var secret = []byte("correct horse battery staple")

func examplePolicy(t testing.TB) *Policy {
	t.Helper()
	p, err := LoadFile("testdata/example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// codecAt returns a codec whose clock stands at unix second now.
func codecAt(p *Policy, key []byte, now int64) *Codec {
	return &Codec{Policy: p, Secret: key, Now: func() time.Time { return time.Unix(now, 0) }}
}

// hmacSig computes the signature as SPEC §4 defines it, independently of Codec.
func hmacSig(key []byte, signed string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(signed))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))[:22]
}

func TestEncodeFormat(t *testing.T) {
	p := examplePolicy(t)
	cons := Consent{Given: true, Granted: p.SetOf([]string{"statistics"}), ID: specID, Time: time.Unix(specStamp, 0)}

	c := codecAt(p, nil, specStamp)
	if got, want := c.Encode(cons), "1.3.necessary:statistics.1763805600.k3Jx9QpZ0aV2b7Lw1mN8cQ"; got != want {
		t.Errorf("Encode = %q, want %q", got, want)
	}

	c = codecAt(p, secret, specStamp)
	got := c.Encode(cons)
	signed, sig, ok := strings.Cut(got, ".k3Jx9QpZ0aV2b7Lw1mN8cQ.")
	if !ok || signed+".k3Jx9QpZ0aV2b7Lw1mN8cQ" != "1.3.necessary:statistics.1763805600.k3Jx9QpZ0aV2b7Lw1mN8cQ" {
		t.Fatalf("signed Encode = %q: the unsigned part changed", got)
	}
	if want := hmacSig(secret, "1.3.necessary:statistics.1763805600.k3Jx9QpZ0aV2b7Lw1mN8cQ"); sig != want {
		t.Errorf("signature %q, want %q (first 22 chars of base64url HMAC-SHA256 of the value before it)", sig, want)
	}
}

func TestEncodeCategoriesInDisplayOrder(t *testing.T) {
	p := examplePolicy(t)
	c := codecAt(p, nil, specStamp)
	for _, tc := range []struct {
		granted []string
		want    string
	}{
		{nil, "necessary"},
		{[]string{"marketing", "preferences"}, "necessary:preferences:marketing"},
		{[]string{"statistics", "bogus"}, "necessary:statistics"},
		{p.CategoryIDs(), "necessary:preferences:statistics:marketing"},
	} {
		v := c.Encode(Consent{Granted: p.SetOf(tc.granted), ID: specID, Time: time.Unix(specStamp, 0)})
		if want := "1.3." + tc.want + ".1763805600." + specID; v != want {
			t.Errorf("Encode(%v) = %q, want %q", tc.granted, v, want)
		}
	}
	// necessary is written even when the set lacks it.
	if v := c.Encode(Consent{Granted: 0, ID: specID, Time: time.Unix(specStamp, 0)}); !strings.HasPrefix(v, "1.3.necessary.") {
		t.Errorf("Encode of an empty set = %q", v)
	}
}

var valueRE = regexp.MustCompile(`^1\.([0-9]+)\.([a-z0-9_:-]*)\.([0-9]+)\.([A-Za-z0-9_-]{22})(?:\.([A-Za-z0-9_-]{22}))?$`)

func TestRoundTrip(t *testing.T) {
	p := examplePolicy(t)
	now := int64(specStamp + 1234)
	for _, key := range [][]byte{nil, secret} {
		c := codecAt(p, key, now)
		for s := Set(0); s <= p.All(); s++ {
			cons := c.NewChoice(s)
			if !cons.Given || cons.Granted != s|1 || !cons.Time.Equal(time.Unix(now, 0)) {
				t.Fatalf("NewChoice(%b) = %+v", s, cons)
			}
			v := c.Encode(cons)
			m := valueRE.FindStringSubmatch(v)
			if m == nil || m[1] != "3" || m[3] != strconv.FormatInt(now, 10) || m[4] != cons.ID || (m[5] != "") != (key != nil) {
				t.Fatalf("Encode(%+v) = %q does not have the SPEC §4 form", cons, v)
			}
			got := c.Decode(v)
			if !got.Given || got.Granted != cons.Granted || got.ID != cons.ID || !got.Time.Equal(cons.Time) || got.GPC {
				t.Fatalf("Decode(Encode(%+v)) = %+v via %q", cons, got, v)
			}
		}
	}
}

func TestNewChoiceID(t *testing.T) {
	c := codecAt(examplePolicy(t), nil, specStamp)
	seen := map[string]bool{}
	for range 100 {
		id := c.NewChoice(0).ID
		raw, err := base64.RawURLEncoding.DecodeString(id)
		if len(id) != 22 || err != nil || len(raw) != 16 {
			t.Fatalf("id %q: want 16 random bytes as 22 base64url characters (%v)", id, err)
		}
		if seen[id] {
			t.Fatalf("id %q came twice", id)
		}
		seen[id] = true
	}
}

func TestNewChoiceTruncatesTime(t *testing.T) {
	p := examplePolicy(t)
	c := &Codec{Policy: p, Now: func() time.Time { return time.Unix(specStamp, 999_999_999) }}
	// A sub-second stamp would not survive the cookie, so the consent the
	// server acts on would differ from the one it wrote.
	if got := c.NewChoice(0).Time; !got.Equal(time.Unix(specStamp, 0)) {
		t.Errorf("NewChoice time = %v, want whole seconds", got)
	}
}

func TestDecode(t *testing.T) {
	p := examplePolicy(t)
	now := int64(specStamp)
	unsigned := func(rev, cats string, stamp int64, id string) string {
		return fmt.Sprintf("1.%s.%s.%d.%s", rev, cats, stamp, id)
	}
	signed := func(v string) string { return v + "." + hmacSig(secret, v) }
	good := unsigned("3", "necessary:statistics", now-3600, specID)
	stats := p.SetOf([]string{"statistics"})
	maxAge := int64(182 * 24 * 3600)

	tests := []struct {
		name    string
		key     []byte
		value   string
		granted Set // 0: no choice
	}{
		{"unsigned, no secret", nil, good, stats},
		{"signed, secret", secret, signed(good), stats},
		{"signed, secret no longer configured", nil, signed(good), stats},
		{"unsigned when a secret is set", secret, good, 0},
		{"signed with another secret", secret, good + "." + hmacSig([]byte("other"), good), 0},
		{"tampered categories", secret, strings.Replace(signed(good), "statistics", "marketing", 1), 0},
		{"category added", secret, strings.Replace(signed(good), "statistics", "statistics:marketing", 1), 0},
		{"tampered revision", secret, "1.4" + signed(good)[3:], 0},
		{"tampered time", secret, strings.Replace(signed(good), strconv.FormatInt(now-3600, 10), strconv.FormatInt(now-3599, 10), 1), 0},
		{"tampered id", secret, strings.Replace(signed(good), specID, "A"+specID[1:], 1), 0},
		{"tampered signature", secret, signed(good)[:len(signed(good))-1] + "A", 0},
		{"truncated signature", secret, signed(good)[:len(signed(good))-1], 0},
		{"signature too long", secret, signed(good) + "A", 0},
		{"empty signature", secret, good + ".", 0},
		{"malformed signature without a secret", nil, good + ".!!!!!!!!!!!!!!!!!!!!!!", 0},
		{"short signature without a secret", nil, good + ".abc", 0},
		{"older revision", nil, unsigned("2", "necessary:statistics", now, specID), 0},
		{"newer revision", nil, unsigned("4", "necessary:statistics", now, specID), 0},
		{"revision with a leading zero", nil, unsigned("03", "necessary:statistics", now, specID), 0},
		{"revision with a sign", nil, unsigned("+3", "necessary:statistics", now, specID), 0},
		{"other codec version", nil, "2" + good[1:], 0},
		{"just within max_age", nil, unsigned("3", "statistics", now-maxAge, specID), stats},
		{"expired", nil, unsigned("3", "statistics", now-maxAge-1, specID), 0},
		{"long expired", nil, unsigned("3", "statistics", 1, specID), 0},
		{"slightly in the future (clock skew)", nil, unsigned("3", "statistics", now+120, specID), stats},
		{"an hour in the future", nil, unsigned("3", "statistics", now+3600, specID), 0},
		{"far future", nil, unsigned("3", "statistics", now+25*3600, specID), 0},
		{"huge time", nil, unsigned("3", "statistics", 1<<62, specID), 0},
		{"time beyond int64", nil, "1.3.statistics.99999999999999999999." + specID, 0},
		{"zero time", nil, unsigned("3", "statistics", 0, specID), 0},
		{"negative time", nil, "1.3.statistics.-5." + specID, 0},
		{"id too short", nil, unsigned("3", "statistics", now, specID[1:]), 0},
		{"id too long", nil, unsigned("3", "statistics", now, specID+"A"), 0},
		{"id not base64url", nil, unsigned("3", "statistics", now, "k3Jx9QpZ0aV2b7Lw1mN8c+"), 0},
		{"unknown categories ignored", nil, unsigned("3", "necessary:bogus:statistics:NECESSARY", now, specID), stats},
		{"necessary always granted", nil, unsigned("3", "marketing", now, specID), p.SetOf([]string{"marketing"})},
		{"no categories at all", nil, unsigned("3", "", now, specID), 1},
		{"empty category entries", nil, unsigned("3", "::statistics:", now, specID), stats},
		{"categories in another order", nil, unsigned("3", "marketing:necessary:preferences", now, specID), p.SetOf([]string{"preferences", "marketing"})},
		{"unclassified is not a category", nil, unsigned("3", "unclassified", now, specID), 1},
		{"empty", nil, "", 0},
		{"garbage", nil, "hello world", 0},
		{"dots only", nil, ".....", 0},
		{"one part", nil, "1", 0},
		{"four parts", nil, "1.3.necessary:statistics.1763805600", 0},
		{"extra dots", nil, signed(good) + ".x", 0},
		{"trailing dot on an unsigned value", nil, good + ".", 0},
		{"leading dot", nil, "." + good, 0},
		{"non-ASCII category", nil, unsigned("3", "nödvändig", now, specID), 1},
		{"non-ASCII id", nil, unsigned("3", "statistics", now, "k3Jx9QpZ0aV2b7Lw1mN8ö"), 0},
		{"invalid UTF-8", nil, "1.3.\xff\xfe." + strconv.FormatInt(now, 10) + "." + specID, 1},
		// A list mangled by URL-encoding is one unknown category: the choice
		// stands, with nothing but necessary granted.
		{"URL-encoded", nil, strings.ReplaceAll(good, ":", "%3A"), 1},
		{"JSON", nil, `{"categories":["statistics"]}`, 0},
		{"1 MB", nil, strings.Repeat(good, 1<<20/len(good)+1), 0},
		{"long but plausible", nil, unsigned("3", strings.Repeat("statistics:", 200), now, specID), 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := codecAt(p, tc.key, now).Decode(tc.value)
			if tc.granted == 0 {
				if got.Given || got.Granted != 1 || got.ID != "" {
					t.Errorf("Decode(%.80q) = %+v, want no choice", tc.value, got)
				}
				return
			}
			if !got.Given || got.Granted != tc.granted || got.ID != specID {
				t.Errorf("Decode(%.80q) = %+v, want granted %b", tc.value, got, tc.granted)
			}
		})
	}
}

func TestNoChoice(t *testing.T) {
	nc := NoChoice()
	if nc.Given || nc.Granted != 1 || nc.ID != "" || !nc.Time.IsZero() || nc.GPC {
		t.Errorf("NoChoice() = %+v", nc)
	}
	for i := range 64 {
		if nc.Grants(i) != (i == 0) {
			t.Errorf("NoChoice().Grants(%d) = %v", i, nc.Grants(i))
		}
	}
	if !(Consent{}).Grants(0) {
		t.Error("necessary is granted even by an empty set")
	}
	if (Consent{Granted: 1 << 2}).Grants(-1) {
		t.Error("a negative index is never granted")
	}
}

func TestSets(t *testing.T) {
	p := examplePolicy(t)
	if p.All() != 0b1111 {
		t.Errorf("All() = %b", p.All())
	}
	s := p.SetOf([]string{"marketing", "bogus", "statistics", "marketing"})
	if s != 0b1101 {
		t.Errorf("SetOf = %b, want necessary, statistics and marketing", s)
	}
	if got := p.IDs(s); strings.Join(got, ",") != "necessary,statistics,marketing" {
		t.Errorf("IDs = %v", got)
	}
	if p.SetOf(nil) != 1 {
		t.Errorf("SetOf(nil) = %b, want necessary alone", p.SetOf(nil))
	}
	if got := p.IDs(1 << 40); got != nil {
		t.Errorf("IDs of a category the policy lacks = %v", got)
	}
}
