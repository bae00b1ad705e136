package caddymodule

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"github.com/klauspost/compress/gzip"

	"github.com/consentgate/consentgate/policy"
)

// fuzzWriter is the connection's writer under the handler: it keeps the header
// as it was when the status went out, and notes any use after ServeHTTP
// returned.
type fuzzWriter struct {
	h      http.Header
	status int
	sent   http.Header
	body   bytes.Buffer
	done   bool
	late   string
}

func (w *fuzzWriter) Header() http.Header { return w.h }

func (w *fuzzWriter) WriteHeader(code int) {
	if w.done {
		w.late = fmt.Sprintf("WriteHeader(%d)", code)
	}
	if code >= 200 && w.status == 0 {
		w.status = code
		w.sent = w.h.Clone()
	}
}

func (w *fuzzWriter) Write(p []byte) (int, error) {
	if w.done {
		w.late = fmt.Sprintf("Write of %d bytes", len(p))
	}
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	return w.body.Write(p)
}

func (w *fuzzWriter) Flush() {
	if w.done {
		w.late = "Flush"
	}
}

// FuzzHandler: whatever the visitor sends and whatever the upstream answers —
// any status, any headers (Set-Cookie, Content-Type, Content-Encoding,
// Content-Length, Link), any body, written in any pieces with flushes, or cut
// by reverse_proxy's abort panic — the handler does not panic, nothing it
// starts touches the writer after it returned, no Set-Cookie the consent does
// not allow reaches the visitor (only deletions), it returns no error of its
// own, a Content-Length it lets through is the body's, and what a script
// fetches passes byte for byte.
func FuzzHandler(f *testing.F) {
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(trackerPage))
	zw.Close()
	f.Add(uint8(0x04), "", uint16(200), "Set-Cookie: _ga=1; Max-Age=99\nSet-Cookie: JSESSIONID=x", []byte(trackerPage), uint8(7))
	f.Add(uint8(0x05|0x20), "lang=sv; _ga=1", uint16(200), "Content-Encoding: gzip", gz.Bytes(), uint8(0x23))
	f.Add(uint8(0x06|0x20), "", uint16(200), "Content-Encoding: gzip\nContent-Length: 20", gz.Bytes()[:len(gz.Bytes())/2], uint8(0x03))
	f.Add(uint8(0x14), "_gcl_au=1; FPID=2", uint16(200), "Set-Cookie: cookie_consent=1.2.necessary:marketing.1.x\nContent-Type: text/html; charset=utf-16", []byte("\xff\xfe<\x00h\x00"), uint8(1))
	f.Add(uint8(0x40), "_ga=1", uint16(200), "Set-Cookie: =x\nSet-Cookie: _ga_X=1; Expires=Thu, 01 Jan 2099 00:00:00 GMT", []byte(`{"a":1}`), uint8(2))
	f.Add(uint8(0x07), "", uint16(103), "Link: <https://www.googletagmanager.com/gtm.js>; rel=preload", []byte("<!DOCTYPE html><p>x"), uint8(0x21))
	f.Add(uint8(0xc4), "", uint16(304), "ETag: \"a\"", []byte(""), uint8(0))
	for _, coding := range []string{"br", "zstd", "deflate", "gzip, gzip", "x-gzip", "identity", "gzip, br", "compress"} {
		f.Add(uint8(0x04|0x20), "_ga=1", uint16(200), "Content-Encoding: "+coding, gz.Bytes()[:len(gz.Bytes())*2/3], uint8(0x25))
	}
	h := provisionHandler(f, &Handler{})
	consents := []string{
		"",
		"cookie_consent=" + h.codec.Encode(h.codec.NewChoice(h.policy.SetOf(h.policy.CategoryIDs()))),
		"cookie_consent=" + h.codec.Encode(h.codec.NewChoice(h.policy.SetOf([]string{"statistics"}))),
		"cookie_consent=1.2.necessary:marketing:statistics.9.x.y",
	}
	types := []string{"text/html; charset=utf-8", "application/json", "", "application/xhtml+xml"}
	f.Fuzz(func(t *testing.T, mode uint8, cookies string, status uint16, headers string, body []byte, cuts uint8) {
		// Bodies written a byte at a time: a long one only makes a run slow.
		body = body[:min(len(body), 16<<10)]
		r, _ := http.NewRequest(http.MethodGet, "http://shop.example.test/a/page", nil)
		if mode&0x08 != 0 {
			r.Method = http.MethodHead
		}
		if c := strings.Trim(consents[mode&3]+"; "+cookies, "; "); c != "" {
			r.Header.Set("Cookie", c)
		}
		if mode&0x04 != 0 {
			r.Header.Set("Sec-Fetch-Dest", "document")
			r.Header.Set("Accept", "text/html")
		} else {
			r.Header.Set("Sec-Fetch-Dest", "empty")
		}
		if mode&0x20 != 0 {
			r.Header.Set("Accept-Encoding", "gzip, br")
		}
		fetched := mode&0x04 == 0
		r = caddyhttp.PrepareRequest(r.WithContext(context.Background()), caddy.NewReplacer(), &fuzzWriter{h: http.Header{}}, nil)
		cons := h.readConsent(r.Clone(r.Context()))
		abort := mode&0x10 != 0

		ctype := types[mode>>6]
		next := caddyhttp.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
			hdr := w.Header()
			if ctype != "" {
				hdr.Set("Content-Type", ctype)
			}
			for k, line := range strings.Split(headers, "\n") {
				name, value, ok := strings.Cut(line, ":")
				if !ok || k >= 20 {
					continue
				}
				hdr.Add(strings.TrimSpace(name), strings.TrimSpace(value))
			}
			if cuts&0x40 != 0 {
				hdr.Set("Content-Length", strconv.Itoa(len(body))) // as an honest upstream says
			}
			code := int(status)
			if code >= 100 && code < 200 {
				w.WriteHeader(code)
				code = http.StatusOK
			}
			if code < 200 || code > 599 {
				code = http.StatusOK
			}
			w.WriteHeader(code)
			piece := int(cuts&0x1f) + 1
			rc := http.NewResponseController(w)
			for k, p := 0, body; len(p) > 0; k++ {
				if abort && len(p) <= len(body)/2 {
					panic(http.ErrAbortHandler)
				}
				c := p[:min(piece, len(p))]
				if _, err := w.Write(c); err != nil {
					return err
				}
				p = p[len(c):]
				if cuts&0x20 != 0 && k%2 == 1 {
					if err := rc.Flush(); err != nil {
						return err
					}
				}
			}
			if abort {
				panic(http.ErrAbortHandler)
			}
			return nil
		})

		w := &fuzzWriter{h: http.Header{}}
		var err error
		func() {
			defer func() {
				if v := recover(); v != nil && v != http.ErrAbortHandler {
					t.Fatalf("panic: %v", v)
				}
			}()
			err = h.ServeHTTP(w, r, next)
		}()
		w.done = true
		if w.late != "" {
			t.Fatalf("%s after ServeHTTP returned", w.late)
		}
		if err != nil {
			t.Fatalf("ServeHTTP: %v", err)
		}
		if abort {
			return
		}
		now := time.Now()
		for _, v := range w.sent["Set-Cookie"] {
			sc := policy.ParseSetCookie(v)
			life, session := sc.Lifetime(now)
			if deletion := !session && life <= 0; deletion {
				continue
			}
			cl := h.classifier.Classify(sc.Name)
			if !sc.Valid || !h.classifier.Allows(cl, cons) || sc.Name == h.policy.Consent.Name {
				t.Fatalf("Set-Cookie %q reached a visitor who granted %v", v, h.policy.IDs(cons.Granted))
			}
		}
		if cl := w.sent.Get("Content-Length"); cl != "" && cuts&0x40 != 0 && !strings.Contains(strings.ToLower(headers), "content-length") &&
			r.Method == http.MethodGet && w.status == http.StatusOK && cl != strconv.Itoa(w.body.Len()) {
			t.Fatalf("Content-Length %s for a body of %d bytes", cl, w.body.Len())
		}
		if fetched && w.status == http.StatusOK && r.Method == http.MethodGet && !bytes.Equal(w.body.Bytes(), body) {
			t.Fatalf("a fetched response changed: %q → %q", body, w.body.Bytes())
		}
	})
}
