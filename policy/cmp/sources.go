package cmp

import (
	"bytes"
	"encoding/json"
	"strings"
)

// getter returns a cookie's value, already bounded in length and stripped of RFC 6265
// double quotes.
type getter func(name string) (string, bool)

// readCookiebot reads Cookiebot's CookieConsent cookie. Cookiebot writes a JavaScript
// object literal, URL-encoded in part (quotes as %27, commas as %2C):
//
//	{stamp:'…',necessary:true,preferences:false,statistics:true,marketing:false,method:'explicit',ver:1,utc:…,region:'se'}
//
// The bare value 0 stands for necessary only, -1 for everything (a visitor outside the
// regions where Cookiebot asks for consent). Cookiebot also writes the -1 case as an
// object with stamp:'-1', method:'implied' and every category true, which reads the
// same way. A category key with anything but true or false makes the value unreadable:
// a cookie that does not look like Cookiebot's is not Cookiebot's decision.
func readCookiebot(get getter) (decision, bool) {
	v, ok := get("CookieConsent")
	if !ok {
		return nil, false
	}
	s := strings.TrimSpace(unescape(v))
	var d decision
	switch s {
	case "-1":
		for _, c := range order[1:] {
			d.set(c, true)
		}
		return d, true
	case "0":
		return d, true
	}
	obj, ok := parseJSObject(s)
	if !ok {
		return nil, false
	}
	found := false
	for _, c := range order {
		val, present := obj[c]
		if !present {
			continue
		}
		b, ok := jsBool(val)
		if !ok {
			return nil, false
		}
		found = true
		d.set(c, b)
	}
	return d, found
}

// readOneTrust reads OneTrust's OptanonConsent cookie, a URL-encoded query string whose
// groups parameter lists every consent group with 1 (accepted) or 0 (refused):
//
//	isGpcEnabled=0&datestamp=…&version=202310.1.0&…&groups=C0001%3A1%2CC0002%3A0%2CC0003%3A1&geolocation=SE%3BAB&AwaitingReconsent=false
//
// OneTrust writes the cookie before the visitor interacts too, with the groups in
// their default state, and then applies those defaults itself; they are read the same
// way so that consentgate enforces what OneTrust enforces. OptanonAlertBoxClosed only
// records that the banner was closed and is not read. Groups the mapping does not name
// (IAB stacks like V2STACK42, custom groups) are ignored, but must still be well formed.
func readOneTrust(get getter, m Mapping) (decision, bool) {
	v, ok := get("OptanonConsent")
	if !ok {
		return nil, false
	}
	var groups string
	found := false
	// Split before decoding: parameter values (landingPath, datestamp) carry their own
	// encoded & and =.
	for part := range strings.SplitSeq(v, "&") {
		k, val, _ := strings.Cut(part, "=")
		if strings.TrimSpace(unescape(k)) == "groups" {
			if found {
				return nil, false // OneTrust writes one; two leave the choice ambiguous
			}
			groups, found = val, true
		}
	}
	if !found {
		return nil, false
	}
	var d decision
	n := 0
	for entry := range strings.SplitSeq(unescape(groups), ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue // OneTrust leaves a trailing comma in some lists
		}
		id, state, ok := strings.Cut(entry, ":")
		id, state = strings.TrimSpace(id), strings.TrimSpace(state)
		if !ok || id == "" || state != "0" && state != "1" {
			return nil, false
		}
		d.set(m[id], state == "1")
		n++
	}
	return d, n > 0
}

// readCCCookie reads the cc_cookie of orestbida's CookieConsent: JSON, URL-encoded since
// v3, with the accepted categories in "categories" (v3) or "level" (v2):
//
//	{"categories":["necessary","analytics"],"revision":0,"data":null,"consentTimestamp":"…","consentId":"…","services":{…}}
//
// Only accepted categories are listed, so a category the mapping sends to one of ours
// grants it whenever it is listed.
func readCCCookie(get getter, m Mapping) (decision, bool) {
	v, ok := get("cc_cookie")
	if !ok {
		return nil, false
	}
	obj, ok := jsonObject(v)
	if !ok {
		return nil, false
	}
	raw, ok := obj["categories"]
	if !ok || isNull(raw) {
		raw, ok = obj["level"]
	}
	if !ok || isNull(raw) {
		return nil, false
	}
	var cats []string
	if json.Unmarshal(raw, &cats) != nil {
		return nil, false
	}
	d := decision{}
	for _, c := range cats {
		d.set(m[c], true)
	}
	return d, true
}

// readKlaro reads Klaro's klaro cookie: a URL-encoded JSON object from service name to
// consent, e.g. {"google-analytics":true,"matomo":false}. Services only mean something
// through the mapping the site configures. Klaro's storage name is configurable; only
// the default "klaro" is read.
func readKlaro(get getter, m Mapping) (decision, bool) {
	v, ok := get("klaro")
	if !ok {
		return nil, false
	}
	obj, ok := jsonObject(v)
	if !ok {
		return nil, false
	}
	d := decision{}
	for service, raw := range obj {
		var accepted bool
		switch string(bytes.TrimSpace(raw)) {
		case "true":
			accepted = true
		case "false":
		default:
			return nil, false
		}
		d.set(m[service], accepted)
	}
	return d, true
}

// readComplianz reads Complianz's one-cookie-per-category choices, cmplz_<category> =
// allow | deny. cmplz_functional is always allow and maps to necessary, which is granted
// anyway, so it does not count as a choice. cmplz_statistics-anonymous (older releases)
// is not read either: it covers statistics the site runs without consent, which a
// policy declares as such rather than under statistics.
func readComplianz(get getter) (decision, bool) {
	var d decision
	given := false
	for _, c := range []struct{ cookie, category string }{
		{"cmplz_preferences", preferences},
		{"cmplz_statistics", statistics},
		{"cmplz_marketing", marketing},
	} {
		v, ok := get(c.cookie)
		if !ok {
			continue
		}
		switch strings.ToLower(strings.TrimSpace(unescape(v))) {
		case "allow":
			d.set(c.category, true)
			given = true
		case "deny":
			d.set(c.category, false)
			given = true
		}
	}
	return d, given
}

// readCookieYes reads CookieYes's cookieyes-consent cookie, comma-separated key:value
// pairs, sometimes URL-encoded:
//
//	consentid:…,consent:yes,action:yes,necessary:yes,functional:yes,analytics:no,performance:no,advertisement:no,other:no,lastRenewedDate:…
//
// A choice counts as made when action is yes (the visitor acted on the banner) or
// consent is yes or no. CookieYes's "other" (uncategorised) has no counterpart and is
// ignored; analytics and performance both feed statistics.
func readCookieYes(get getter) (decision, bool) {
	v, ok := get("cookieyes-consent")
	if !ok {
		return nil, false
	}
	fields := map[string]string{}
	for entry := range strings.SplitSeq(unescape(v), ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		k, val, ok := strings.Cut(entry, ":")
		if !ok {
			return nil, false
		}
		fields[strings.TrimSpace(k)] = strings.TrimSpace(val)
	}
	consent := fields["consent"]
	if fields["action"] != "yes" && consent != "yes" && consent != "no" {
		return nil, false
	}
	var d decision
	for _, c := range []struct{ key, category string }{
		{"functional", preferences},
		{"analytics", statistics},
		{"performance", statistics},
		{"advertisement", marketing},
	} {
		val, present := fields[c.key]
		if !present {
			continue
		}
		switch val {
		case "yes":
			d.set(c.category, true)
		case "no", "":
			d.set(c.category, false)
		default:
			return nil, false
		}
	}
	return d, true
}

// jsonObject parses v as a JSON object, as sent or URL-decoded: managers and versions
// differ in whether they encode.
func jsonObject(v string) (map[string]json.RawMessage, bool) {
	for _, s := range []string{v, unescape(v)} {
		var obj map[string]json.RawMessage
		if json.Unmarshal([]byte(s), &obj) == nil && obj != nil {
			return obj, true
		}
	}
	return nil, false
}

func isNull(raw json.RawMessage) bool {
	return string(bytes.TrimSpace(raw)) == "null"
}
