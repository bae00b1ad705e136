package assets

import (
	"bytes"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/consentgate/consentgate/policy"
)

// TestBodyCacheEqualsTemplate: the spliced fragments give exactly the bytes
// the template gives, for every state and for hostile per-request strings.
func TestBodyCacheEqualsTemplate(t *testing.T) {
	for _, name := range []string{"../../examples/almi/policy.yaml", "../../examples/fora/policy.yaml", "../../examples/legacy-site/policy.yaml"} {
		p, err := policy.LoadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		b, err := NewBundle(p, Options{Prefix: "/_consent"})
		if err != nil {
			t.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(1, 2))
		hostile := []string{"", "/", "/a?b=c&d=e+f", `/"><script>alert(1)</script>`, "/\x00'`=<>", "/åäö?x=%20", "cgSLOTreturnQ7x"}
		for i := 0; i < 300; i++ {
			pg := Page{
				Lang:       []string{"sv", "en", "de", ""}[rng.IntN(4)],
				ShowBanner: rng.IntN(2) == 0,
				Framed:     rng.IntN(4) == 0,
				ReturnPath: hostile[rng.IntN(len(hostile))],
				Nonce:      []string{"", "abc+/=", `n"'<`}[rng.IntN(3)],
				StyleNonce: []string{"", "st+/=", `s"'<`, "cgSLOTnonceQ7x"}[rng.IntN(4)],
				Origin:     []string{"", "https://example.se", "http://[::1]:8080", `http://a"<b>`, "cgSLOToriginQ7x"}[rng.IntN(5)],
				Consent: policy.Consent{
					Given:   rng.IntN(2) == 0,
					Granted: policy.Set(rng.Uint64()) & p.All(),
					ID:      []string{"k3Jx9QpZ0aV2b7Lw1mN8cQ", "<b>&"}[rng.IntN(2)],
				},
			}
			if rng.IntN(2) == 0 {
				pg.Consent.Time = time.Unix(rng.Int64N(2e9), 0)
			}
			got := b.BodyEnd(pg)
			pg.Origin = cleanOrigin(pg.Origin)
			want := b.renderBodyEnd(pg)
			if !bytes.Equal(got, want) {
				t.Fatalf("%s, page %+v:\ncached:   %s\ntemplate: %s", name, pg, got, want)
			}
		}
	}
}

func BenchmarkBodyEndCached(b *testing.B) {
	p, err := policy.LoadFile("../../examples/almi/policy.yaml")
	if err != nil {
		b.Fatal(err)
	}
	bundle, _ := NewBundle(p, Options{Prefix: "/_consent"})
	pg := Page{Lang: "sv", ShowBanner: true, ReturnPath: "/tjanster?x=1", Nonce: "abc"}
	b.ReportAllocs()
	for b.Loop() {
		bundle.BodyEnd(pg)
	}
}
