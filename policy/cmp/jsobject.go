package cmp

// jsBool interprets a property value of parseJSObject as a boolean. A quoted 'true' is
// accepted too (the quotes are gone by then), because hand-written or re-serialised
// cookies, from test fixtures or server-side integrations, sometimes quote everything.
func jsBool(v string) (b, ok bool) {
	switch v {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	return false, false
}

// parseJSObject parses the flat object literal Cookiebot stores: keys bare or quoted,
// values bare tokens, '…' or "…" strings (returned without quotes), or nested objects
// and arrays (returned as source text, never interpreted). It
// accepts what a JavaScript engine would for such literals, including a trailing comma,
// and rejects anything else, including text after the closing brace. A repeated key
// keeps its last value, as in JavaScript.
func parseJSObject(s string) (map[string]string, bool) {
	p := jsParser{s: s}
	p.space()
	if !p.eat('{') {
		return nil, false
	}
	obj := map[string]string{}
	for {
		p.space()
		if p.eat('}') {
			p.space()
			return obj, p.i == len(p.s)
		}
		key, ok := p.key()
		if !ok {
			return nil, false
		}
		p.space()
		if !p.eat(':') {
			return nil, false
		}
		p.space()
		val, ok := p.value()
		if !ok {
			return nil, false
		}
		obj[key] = val
		p.space()
		if p.eat(',') {
			continue
		}
		if p.eat('}') {
			p.space()
			return obj, p.i == len(p.s)
		}
		return nil, false
	}
}

type jsParser struct {
	s string
	i int
}

func (p *jsParser) space() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == '\n' || p.s[p.i] == '\r') {
		p.i++
	}
}

func (p *jsParser) eat(c byte) bool {
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

func (p *jsParser) key() (string, bool) {
	if p.i < len(p.s) && (p.s[p.i] == '\'' || p.s[p.i] == '"') {
		return p.str()
	}
	start := p.i
	for p.i < len(p.s) && isIdent(p.s[p.i]) {
		p.i++
	}
	return p.s[start:p.i], p.i > start
}

func isIdent(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '$'
}

func (p *jsParser) value() (string, bool) {
	if p.i >= len(p.s) {
		return "", false
	}
	switch p.s[p.i] {
	case '\'', '"':
		return p.str()
	case '{', '[':
		start := p.i
		ok := p.skipNested()
		return p.s[start:p.i], ok
	}
	start := p.i
	for p.i < len(p.s) && p.s[p.i] != ',' && p.s[p.i] != '}' {
		switch p.s[p.i] {
		case '\'', '"', '{', '[', ']', ':':
			return "", false
		}
		p.i++
	}
	end := p.i
	for end > start && (p.s[end-1] == ' ' || p.s[end-1] == '\t') {
		end--
	}
	return p.s[start:end], end > start
}

// str reads a quoted string starting at the opening quote; a backslash escapes the next
// character. It returns the raw content without interpreting escapes.
func (p *jsParser) str() (string, bool) {
	q := p.s[p.i]
	p.i++
	start := p.i
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case '\\':
			p.i += 2
			continue
		case q:
			text := p.s[start:p.i]
			p.i++
			return text, true
		}
		p.i++
	}
	p.i = len(p.s)
	return "", false
}

// skipNested moves past a balanced {…} or […], minding strings. Brackets of the two
// kinds are not told apart: the content is never used, only skipped.
func (p *jsParser) skipNested() bool {
	depth := 0
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				p.i++
				return true
			}
		case '\'', '"':
			if _, ok := p.str(); !ok {
				return false
			}
			continue
		}
		p.i++
	}
	return false
}
