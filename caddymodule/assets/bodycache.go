package assets

import (
	"bytes"
	"strings"
	"sync"
	"time"

	"github.com/consentgate/consentgate/policy"
)

// bodyCache keeps BodyEnd pre-rendered per state — language, banner shown,
// choice given, granted categories, whether there are nonces and a date —
// as fragments between the per-request strings (return path, nonces, consent
// id and date, origin), which are escaped and spliced in. The number of states is
// bounded by the policy's categories; past maxBodyStates the template runs.
type bodyCache struct {
	mu     sync.RWMutex
	states map[bodyState]*bodyFragments
}

const maxBodyStates = 1024

type bodyState struct {
	lang                     string
	show, given, nonce, date bool
	framed                   bool
	styleNonce               bool
	granted                  policy.Set
}

type bodyFragments struct {
	parts [][]byte // len(slots)+1 fragments
	slots []int    // which per-request string goes between parts[i] and parts[i+1]
	size  int      // of all parts
}

// The per-request strings, and the sentinels they are rendered as. The
// sentinels are letters only, so the template's escaping leaves them as they
// are, and no policy text or URL contains them.
const (
	slotReturn = iota
	slotNonce
	slotID
	slotStamp
	slotDate
	slotOrigin
	slotStyleNonce
)

var slotSentinels = [...]string{"cgSLOTreturnQ7x", "cgSLOTnonceQ7x", "cgSLOTidQ7x", "cgSLOTstampQ7x", "cgSLOTdateQ7x", "cgSLOToriginQ7x", "cgSLOTstyleNonceQ7x"}

// escape is html/template's escaping of text and quoted attribute values,
// so that a spliced string comes out exactly as the template would write it.
var escape = strings.NewReplacer("\x00", "\uFFFD", `"`, "&#34;", "&", "&amp;", "'", "&#39;", "+", "&#43;",
	"<", "&lt;", ">", "&gt;")

func (c *bodyCache) render(dst []byte, b *Bundle, pg Page) []byte {
	pg.Origin = cleanOrigin(pg.Origin)
	st := bodyState{lang: b.lang(pg.Lang), show: pg.ShowBanner, framed: pg.Framed, given: pg.Consent.Given,
		nonce: pg.Nonce != "", styleNonce: pg.StyleNonce != "", date: pg.Consent.Given && !pg.Consent.Time.IsZero(), granted: pg.Consent.Granted}
	if !st.given {
		st.granted = 0 // not shown without a choice
	}
	c.mu.RLock()
	f := c.states[st]
	c.mu.RUnlock()
	if f == nil {
		f = c.build(b, st)
		if f == nil {
			return append(dst, b.renderBodyEnd(pg)...)
		}
	}
	var values [len(slotSentinels)]string
	values[slotReturn], values[slotNonce], values[slotOrigin] = pg.ReturnPath, pg.Nonce, pg.Origin
	values[slotStyleNonce] = pg.StyleNonce
	if values[slotReturn] == "" {
		values[slotReturn] = "/"
	}
	if st.given {
		values[slotID] = pg.Consent.ID
		if st.date {
			values[slotStamp] = pg.Consent.Time.UTC().Format(time.RFC3339)
			values[slotDate] = pg.Consent.Time.UTC().Format(dateLayout)
		}
	}
	out := bytes.NewBuffer(dst)
	out.Grow(f.size + 256)
	for i, part := range f.parts {
		out.Write(part)
		if i < len(f.slots) {
			escape.WriteString(out, values[f.slots[i]])
		}
	}
	return out.Bytes()
}

// build renders the state once with sentinels and cuts it into fragments.
func (c *bodyCache) build(b *Bundle, st bodyState) *bodyFragments {
	c.mu.Lock()
	defer c.mu.Unlock()
	if f := c.states[st]; f != nil {
		return f
	}
	if len(c.states) >= maxBodyStates {
		return nil
	}
	pg := Page{Lang: st.lang, ShowBanner: st.show, Framed: st.framed, ReturnPath: slotSentinels[slotReturn],
		Origin: slotSentinels[slotOrigin], Consent: policy.Consent{Given: st.given, Granted: st.granted}}
	if st.nonce {
		pg.Nonce = slotSentinels[slotNonce]
	}
	if st.styleNonce {
		pg.StyleNonce = slotSentinels[slotStyleNonce]
	}
	if st.given {
		pg.Consent.ID = slotSentinels[slotID]
	}
	html := string(b.renderBodyEnd(pg))
	if st.date {
		// The template formats a time; find its two renderings by rendering
		// a known time and replacing them with the sentinels.
		t := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
		pg.Consent.Time = t
		html = string(b.renderBodyEnd(pg))
		html = strings.ReplaceAll(html, t.Format(time.RFC3339), slotSentinels[slotStamp])
		html = strings.ReplaceAll(html, t.Format(dateLayout), slotSentinels[slotDate])
	}
	f := &bodyFragments{}
	for {
		at, slot := -1, -1
		for s, sentinel := range slotSentinels {
			if i := strings.Index(html, sentinel); i >= 0 && (at < 0 || i < at) {
				at, slot = i, s
			}
		}
		if at < 0 {
			break
		}
		f.parts = append(f.parts, []byte(html[:at]))
		f.slots = append(f.slots, slot)
		html = html[at+len(slotSentinels[slot]):]
	}
	f.parts = append(f.parts, []byte(html))
	for _, p := range f.parts {
		f.size += len(p)
	}
	if c.states == nil {
		c.states = map[bodyState]*bodyFragments{}
	}
	c.states[st] = f
	return f
}
