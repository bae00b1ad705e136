package htmlrewrite

import (
	"bytes"
	"strconv"
	"unicode/utf8"
)

// XML documents (Config.XML: image/svg+xml, application/xhtml+xml) are scanned as XML:
// no raw-text elements, CDATA sections and comments as XML has them, self-closing tags
// honoured. Namespaces are not resolved: an element is looked at by its local name in
// both the HTML and the SVG tables (a <script> may be either, by its xmlns), and an
// attribute by its name and, with any prefix, by its local name as xlink:href (the
// prefix may be bound to the XLink namespace under any name). A <script> or <style> is
// held until its end tag, its text being the character data in it (references and CDATA
// sections included). The <?xml-stylesheet?> processing instruction loads a stylesheet
// (or an XSLT that rewrites the document): it is shown to Block and its href renamed.
//
// An internal DTD subset can declare entities, and defaults for attributes, that a
// browser expands into the document unseen by a scanner: entities whose value is plain
// text are expanded where they are used; an entity with markup in it, a parameter entity,
// an external entity, or a default for an attribute that loads, fails closed. So does
// anything else the rewriter cannot hold. Failing closed in XML ends the document there
// with a well-formedness error ("&#0;"), after which browsers render nothing more.
//
// Head goes after the <head> start tag (local name head), or before the first start tag
// inside the root element, or before the root's end tag; BodyEnd before </body>, or
// before the root's end tag: never outside the root element, where XML allows no
// content. Placeholders are not inserted in XML.
type xmlState struct {
	st       xstate
	q        byte // quote in a tag, a DOCTYPE or a PI
	k        int  // characters of an awaited delimiter matched
	end      bool // the tag being scanned is an end tag
	slash    bool // the last character of the tag before '>' was '/'
	brackets int  // "]" seen in a CDATA section, not yet known to be content
	bracket  bool // in a DOCTYPE's internal subset
	depth    int
	rootSeen bool
	rootDone bool
	svgDoc   bool // the root element is an <svg>: its elements are foreign
	pendAt   int  // depth of the pending script or style
	entities map[string]string
	entBytes int
	dead     bool
	// expanded: a decoded text or value stopped growing at xmlDecoded
	// bytes (its entity references would have expanded it further): the
	// next element Block is shown is partial, held back (fail closed).
	expanded bool
}

// xmlDecoded bounds a decoded text or value, as a multiple of the hold limit:
// an entity of 60,000 bytes referenced in 16,000 places in a held script made
// 1 GB of text to show Block.
const xmlDecoded = 4

type xstate uint8

const (
	xData xstate = iota
	xLT
	xTag  // in a start or end tag, to its '>'
	xBang // after "<!"
	xComment
	xCDATA
	xPI
	xDoctype
)

func (x *xmlState) reset() {
	*x = xmlState{entities: x.entities}
	clear(x.entities)
}

func isXMLNameStart(c byte) bool {
	return isAlpha(c) || c == '_' || c == ':' || c >= 0x80
}

// feedXML scans one chunk of an XML document.
func (r *Rewriter) feedXML(p []byte) {
	defer func() { r.abs += int64(len(p)) }()
	r.emitFrom = 0
	x := &r.xml
	i, n := 0, len(p)
	for i < n && r.err == nil {
		if x.dead {
			i = n
			break
		}
		end := n
		if lim, ok := r.limit(); ok {
			if i >= lim {
				r.xmlOverflow(p, i)
				continue
			}
			end = min(end, lim)
		}
		i = r.scanXML(p[:end], i)
	}
	if r.err == nil {
		r.chunkEnd(p)
	}
}

func (r *Rewriter) scanXML(p []byte, i int) int {
	x := &r.xml
	for i < len(p) {
		switch x.st {
		case xData:
			j := bytes.IndexByte(p[i:], '<')
			k := len(p)
			if j >= 0 {
				k = i + j
			}
			if r.pend.active {
				r.pend.run = append(r.pend.run, p[i:k]...)
			}
			if j < 0 {
				return len(p)
			}
			i = k + 1
			x.st = xLT
			r.beginCapture(k, capName)
			return i // the capture bounds the scan: start again with the limit
		case xLT:
			c := p[i]
			switch {
			case c == '/' || isXMLNameStart(c):
				x.st, x.q, x.end, x.slash = xTag, 0, c == '/', false
				r.capWhy = capTag
			case c == '!':
				i++
				x.st, x.k = xBang, 0
			case c == '?':
				i++
				x.st, x.q, x.k = xPI, 0, 0
				r.capWhy = capTag
			default:
				// Not well-formed: browsers stop here.
				r.release()
				x.st = xData
			}
		case xTag:
			for i < len(p) {
				c := p[i]
				i++
				switch {
				case x.q != 0:
					if c == x.q {
						x.q = 0
					}
				case c == '"' || c == '\'':
					x.q = c
				case c == '>':
					x.st = xData
					r.xmlTag(p, i)
					return i
				}
				x.slash = c == '/'
			}
		case xBang:
			// "--", "[CDATA[" or "DOCTYPE".
			c := p[i]
			switch {
			case x.k == 0 && c == '-':
				x.k = -1
				i++
			case x.k == -1 && c == '-':
				i++
				x.st, x.k = xComment, 0
				r.release()
				r.textBreak()
			case x.k >= 0 && x.k < len("[CDATA[") && c == "[CDATA["[x.k]:
				i++
				x.k++
				if x.k == len("[CDATA[") {
					x.st, x.k, x.brackets = xCDATA, 0, 0
					r.release()
					r.textBreak()
				}
			case x.k == 0 && (c == 'D' || c == 'd'):
				x.st, x.q, x.k, x.bracket = xDoctype, 0, 0, false
				r.capWhy = capTag
			default:
				r.release()
				x.st = xData
			}
		case xComment:
			j := i
			for j < len(p) {
				c := p[j]
				j++
				switch {
				case c == '-' && x.k < 2:
					x.k++
				case c == '-':
				case c == '>' && x.k == 2:
					x.st = xData
					return j
				default:
					x.k = 0
				}
			}
			return j
		case xCDATA:
			for i < len(p) {
				c := p[i]
				i++
				switch {
				case c == ']':
					if x.brackets == 2 {
						r.pend.addCDATA([]byte{']'})
					} else {
						x.brackets++
					}
				case c == '>' && x.brackets == 2:
					x.st, x.brackets = xData, 0
					return i
				default:
					for ; x.brackets > 0; x.brackets-- {
						r.pend.addCDATA([]byte{']'})
					}
					if r.pend.active {
						j := i
						for j < len(p) && p[j] != ']' {
							j++
						}
						r.pend.addCDATA(p[i-1 : j])
						i = j
					}
				}
			}
			return i
		case xPI:
			for i < len(p) {
				c := p[i]
				i++
				if c == '?' {
					x.k = 1
				} else if c == '>' && x.k == 1 {
					x.st = xData
					r.xmlPI(p, i)
					return i
				} else {
					x.k = 0
				}
			}
		case xDoctype:
			for i < len(p) {
				c := p[i]
				i++
				switch {
				case x.q != 0:
					if c == x.q {
						x.q = 0
					}
				case c == '"' || c == '\'':
					x.q = c
				case c == '[':
					x.bracket = true
				case c == ']':
					x.bracket = false
				case c == '>' && !x.bracket:
					x.st = xData
					r.xmlDoctype(p, i)
					return i
				}
			}
		}
	}
	return i
}

// xmlOverflow: a construct reached the hold limit.
func (r *Rewriter) xmlOverflow(p []byte, i int) {
	if r.pend.active {
		if pl := r.emitFrom + r.maxHold - len(r.pend.tag) - len(r.pend.out) - len(r.hold); i >= pl {
			r.debug("htmlrewrite: an XML script or style is longer than the hold limit: held back unless Block lets a partial one pass")
			r.decidePending(p, i, true)
			r.xml.pendAt = 0
			return
		}
	}
	x := &r.xml
	switch x.st {
	case xTag, xPI, xDoctype:
		var a analysis
		tag := r.captured(p, i)
		if x.st == xTag && len(tag) > 1 && tag[1] != '/' {
			r.analyseXML(&a, tag)
		} else {
			a.tag = ""
		}
		if r.block != nil && r.block(r.element(&a, r.urls, r.inlineOrNil(&a), true)) != "" {
			r.killXML(p, "an XML tag, processing instruction or DOCTYPE is longer than the hold limit")
			return
		}
		r.debug("htmlrewrite: an XML construct longer than the hold limit let through, as Block asked")
		r.release()
	default:
		r.release()
	}
}

// killXML fails closed: the document ends with a well-formedness error before the
// construct being captured (or here).
func (r *Rewriter) killXML(p []byte, why string) {
	r.debug("htmlrewrite: " + why + ": the rest of the document is held back")
	if r.pend.active {
		r.decidePending(p, r.capStart, true)
	}
	if r.capturing && len(r.hold) == 0 {
		r.flushTo(p, r.capStart)
	}
	r.write([]byte("&#0;"))
	r.release()
	r.xml.dead = true
}

// xmlName returns the name of a tag (after "<" or "</") and where it ends.
func xmlName(tag []byte, from int) (name []byte, end int) {
	i := from
	for i < len(tag) && !isSpace(tag[i]) && tag[i] != '/' && tag[i] != '>' {
		i++
	}
	return tag[from:i], i
}

// localName returns what follows the prefix of a qualified name, lower case.
func localName(name []byte) string {
	if k := bytes.LastIndexByte(name, ':'); k >= 0 {
		name = name[k+1:]
	}
	return string(bytes.ToLower(name))
}

// xmlTag handles a complete start or end tag, captured up to i.
func (r *Rewriter) xmlTag(p []byte, i int) {
	x := &r.xml
	if !r.capturing {
		// Let through at the hold limit: only the depth is followed.
		if x.end {
			x.depth--
		} else if !x.slash {
			x.depth++
		}
		return
	}
	r.textBreak()
	tag := r.captured(p, i)
	if x.end {
		name, _ := xmlName(tag, 2)
		local := localName(name)
		x.depth--
		if r.pend.active && x.depth < x.pendAt {
			r.decidePending(p, r.capStart, false)
			x.pendAt = 0
		}
		switch {
		case r.bodyIn && local == "body":
			r.bodyIn = false
			r.insertBefore(p, r.cfg.BodyEnd(r.doc))
		case x.depth == 0 && !x.rootDone:
			x.rootDone = true
			if r.headIn || r.bodyIn {
				var m []byte
				if r.headIn {
					m = append(m, r.insertHead()...)
				}
				if r.bodyIn {
					r.bodyIn = false
					m = append(m, r.cfg.BodyEnd(r.doc)...)
				}
				r.insertBefore(p, m)
			}
		}
		r.release()
		return
	}
	name, _ := xmlName(tag, 1)
	local := localName(name)
	selfClosing := x.slash
	if !x.rootSeen {
		x.rootSeen = true
		x.svgDoc = local == "svg"
		for _, at := range parseAttrs(tag, r.attrs[:0]) {
			n := tag[at.nameStart:at.nameEnd]
			if !r.langDone && (string(n) == "xml:lang" || string(n) == "lang") {
				r.doc.Lang = string(r.xmlDecode(nil, tag[at.valStart:at.valEnd]))
				r.langDone = string(n) == "xml:lang"
			}
		}
	} else if r.headIn && local != "head" {
		r.insertBefore(p, r.insertHead())
	}
	if local == "base" && !r.baseDone {
		if v, ok := findAttr(tag, "href"); ok {
			r.base = string(r.xmlDecode(nil, v))
			r.baseDone = true
		}
	}
	var a analysis
	if r.block != nil {
		r.analyseXML(&a, tag)
	}
	if !selfClosing {
		x.depth++
	}
	if a.pendingContent && !selfClosing {
		if r.pend.active {
			r.debug("htmlrewrite: an XML script or style inside another is held back")
			r.decidePending(p, r.capStart, true)
		}
		r.startPending(p, i, tag, &a)
		x.pendAt = x.depth
		return
	}
	if a.ask {
		if cat := r.ask(&a, r.urls, r.inlineOrNil(&a), false); cat != "" {
			r.replace(p, i, r.neutralise(tag, &a, cat))
		} else {
			r.release()
		}
	} else {
		r.release()
	}
	if r.headIn && local == "head" && !selfClosing {
		r.flushTo(p, i)
		r.write(r.insertHead())
	}
}

// analyseXML is analyse for an XML start tag: the element and its attributes are read
// in every namespace they could be in.
func (r *Rewriter) analyseXML(a *analysis, tag []byte) {
	name, _ := xmlName(tag, 1)
	local := localName(name)
	id := lookupName(local)
	if local == "feimage" {
		id = tFeImage
	}
	var h, s analysis
	r.analyse(&h, tag, id, nsHTML)
	urls, inline, renam := append([]string(nil), r.urls...), append([]byte(nil), r.inline...), append([]rename(nil), r.renam...)
	r.analyse(&s, tag, id, nsSVG)
	// The union: URLs and renames of both readings, without repeats.
	for _, u := range urls {
		if !containsString(r.urls, u) {
			r.urls = append(r.urls, u)
		}
	}
	if len(inline) > 0 && !bytes.Contains(r.inline, inline) {
		r.inlineSep()
		r.inline = append(r.inline, inline...)
	}
	for _, rn := range renam {
		dup := false
		for _, o := range r.renam {
			dup = dup || o.start == rn.start
		}
		if !dup {
			r.renam = append(r.renam, rn)
		}
	}
	// Any prefix may stand for XLink.
	for _, at := range r.attrs {
		n := tag[at.nameStart:at.nameEnd]
		if k := bytes.IndexByte(n, ':'); k > 0 && localName(n) == "href" && !bytes.EqualFold(n, []byte("xlink:href")) {
			if roleOf(id, nsSVG, []byte("xlink:href")) != rNone {
				r.addURL(tag[at.valStart:at.valEnd], id == tScript)
				r.renameAll(tag, n)
			}
		}
	}
	*a = s
	a.ns = nsHTML
	if r.xml.svgDoc || local == "svg" {
		a.ns = nsSVG
	}
	a.ask = h.ask || s.ask || len(r.urls) > 0 || len(r.inline) > 0
	a.hasInline = len(r.inline) > 0
	a.script = h.script || s.script
	a.styleEl = h.styleEl || s.styleEl
	a.pendingContent = s.pendingContent || h.holdText
	a.holdText = false
	a.placeholder = false
	if a.tag == "" {
		a.tag = h.tag
	}
	if a.tag == "" && a.ask {
		a.tag = local
	}
}

func containsString(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// xmlPI handles a complete processing instruction captured up to i.
func (r *Rewriter) xmlPI(p []byte, i int) {
	r.textBreak()
	if !r.capturing {
		return
	}
	pi := r.captured(p, i)
	name, end := xmlName(pi, 2)
	if string(name) != "xml-stylesheet" || r.block == nil {
		r.release()
		return
	}
	// Pseudo-attributes, read as a tag's attributes.
	body := append([]byte("<x "), pi[end:]...)
	r.urls, r.inline, r.renam = r.urls[:0], r.inline[:0], r.renam[:0]
	r.attrs = parseAttrs(body, r.attrs[:0])
	for _, at := range r.attrs {
		if string(body[at.nameStart:at.nameEnd]) == "href" {
			r.addURL(body[at.valStart:at.valEnd], true)
			r.renam = append(r.renam, rename{start: at.nameStart - 3 + end, end: at.nameEnd - 3 + end})
			break
		}
	}
	a := analysis{tag: "xml-stylesheet", ask: true, hasInline: len(r.inline) > 0}
	if len(r.urls) == 0 && len(r.inline) == 0 {
		r.release()
		return
	}
	cat := r.ask(&a, r.urls, r.inlineOrNil(&a), false)
	if cat == "" {
		r.release()
		return
	}
	// <?xml-stylesheet data-consent="CAT" data-consent-href="..." ...?>
	out := append([]byte(nil), pi[:end]...)
	out = append(out, ` data-consent="`...)
	out = append(out, attrEscaped(cat)...)
	out = append(out, '"')
	pos := end
	for _, rn := range r.renam {
		out = append(out, pi[pos:rn.start]...)
		out = append(out, renamed(pi[rn.start:rn.end])...)
		pos = rn.end
	}
	out = append(out, pi[pos:]...)
	r.replace(p, i, out)
}

// xmlDoctype handles a complete DOCTYPE captured up to i: its internal subset is read
// for entities and attribute defaults.
func (r *Rewriter) xmlDoctype(p []byte, i int) {
	if !r.capturing {
		return
	}
	dt := r.captured(p, i)
	open := bytes.IndexByte(dt, '[')
	if open < 0 || r.block == nil {
		r.release()
		return
	}
	if why := r.readSubset(dt[open+1:]); why != "" {
		if r.block(Element{Tag: "", Partial: true}) != "" {
			r.killXML(p, why)
			return
		}
		r.debug("htmlrewrite: " + why + ": let through, as Block asked")
	}
	r.release()
}

// readSubset reads an internal DTD subset; it returns why it must fail closed, or "".
func (r *Rewriter) readSubset(s []byte) string {
	x := &r.xml
	for i := 0; i < len(s); {
		switch {
		case bytes.HasPrefix(s[i:], []byte("<!--")):
			j := bytes.Index(s[i+4:], []byte("-->"))
			if j < 0 {
				return ""
			}
			i += 4 + j + 3
		case bytes.HasPrefix(s[i:], []byte("<?")):
			j := bytes.Index(s[i+2:], []byte("?>"))
			if j < 0 {
				return ""
			}
			i += 2 + j + 2
		case s[i] == '%':
			return "the internal DTD subset uses a parameter entity"
		case bytes.HasPrefix(s[i:], []byte("<!ENTITY")) || bytes.HasPrefix(s[i:], []byte("<!ATTLIST")):
			decl, n := declTokens(s[i:])
			i += n
			if len(decl) == 0 {
				return "the internal DTD subset has a declaration that does not end"
			}
			if why := r.declare(decl); why != "" {
				return why
			}
			_ = x
		case s[i] == '<':
			_, n := declTokens(s[i:])
			if n == 0 {
				return ""
			}
			i += n
		default:
			i++
		}
	}
	return ""
}

// declTokens splits a markup declaration ("<!ENTITY name 'value'>") into its tokens,
// quoted strings kept with their quotes; n is its length, 0 when it does not end.
func declTokens(s []byte) (toks [][]byte, n int) {
	i := 2
	for i < len(s) {
		c := s[i]
		switch {
		case isSpace(c):
			i++
		case c == '>':
			return toks, i + 1
		case c == '"' || c == '\'':
			j := bytes.IndexByte(s[i+1:], c)
			if j < 0 {
				return nil, 0
			}
			toks = append(toks, s[i:i+j+2])
			i += j + 2
		default:
			j := i
			for j < len(s) && !isSpace(s[j]) && s[j] != '>' && s[j] != '"' && s[j] != '\'' {
				j++
			}
			toks = append(toks, s[i:j])
			i = j
		}
	}
	return nil, 0
}

// declare records an ENTITY declaration or checks an ATTLIST one; it returns why the
// rewriter must fail closed, or "".
func (r *Rewriter) declare(decl [][]byte) string {
	x := &r.xml
	switch string(decl[0]) {
	case "ENTITY":
		if len(decl) < 3 {
			return ""
		}
		if string(decl[1]) == "%" {
			return "the internal DTD subset declares a parameter entity"
		}
		v := decl[2]
		if v[0] != '"' && v[0] != '\'' {
			return "the internal DTD subset declares an external entity"
		}
		text := r.xmlDecode(nil, v[1:len(v)-1])
		if bytes.ContainsAny(text, "<&") || bytes.IndexByte(v, '&') >= 0 && bytes.Contains(v, []byte("&#")) && bytes.ContainsAny(text, "<&") {
			return "the internal DTD subset declares an entity with markup"
		}
		if bytes.IndexByte(v[1:len(v)-1], '&') >= 0 && !bytes.Contains(v, []byte("&#")) {
			return "the internal DTD subset declares an entity that refers to another"
		}
		if x.entities == nil {
			x.entities = map[string]string{}
		}
		name := string(decl[1])
		if _, dup := x.entities[name]; !dup {
			if len(x.entities) >= 256 || x.entBytes+len(text) > r.maxHold {
				return "the internal DTD subset declares more entities than can be kept"
			}
			x.entities[name] = string(text)
			x.entBytes += len(text)
		}
	case "ATTLIST":
		// ATTLIST element (name type default)*: a default that is a value (quoted) for
		// an attribute that loads or decides loading is applied unseen.
		for k := 2; k < len(decl); k++ {
			t := decl[k]
			if t[0] != '"' && t[0] != '\'' || k < 4 {
				continue
			}
			attr := decl[k-2]
			if string(decl[k-1]) == "#FIXED" && k >= 5 {
				attr = decl[k-3]
			}
			for _, id := range []tagID{tScript, tImg, tImage, tIframe, tLink, tUse, tFeImage, tStyle, tVideo, tObject, tEmbed, tSet} {
				for _, ns := range []uint8{nsHTML, nsSVG} {
					if roleOf(id, ns, attr) != rNone || roleOf(id, ns, []byte(localName(attr))) != rNone {
						return "the internal DTD subset gives a default to an attribute that loads"
					}
				}
			}
			if eqFold(attr, "type") || eqFold(attr, "attributename") || eqFold(attr, "rel") {
				return "the internal DTD subset gives a default to an attribute that loads"
			}
		}
	}
	return ""
}

// xmlDecode appends an XML attribute value or text with references decoded: the five
// predefined entities, numeric references and the internal entities recorded.
func (r *Rewriter) xmlDecode(b, v []byte) []byte {
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c != '&' {
			if c == '\r' {
				c = '\n'
				if i+1 < len(v) && v[i+1] == '\n' {
					i++
				}
			}
			b = append(b, c)
			continue
		}
		j := bytes.IndexByte(v[i:], ';')
		if j < 0 {
			b = append(b, v[i:]...)
			return b
		}
		ref := string(v[i+1 : i+j])
		switch {
		case ref == "lt":
			b = append(b, '<')
		case ref == "gt":
			b = append(b, '>')
		case ref == "amp":
			b = append(b, '&')
		case ref == "quot":
			b = append(b, '"')
		case ref == "apos":
			b = append(b, '\'')
		case len(ref) > 1 && ref[0] == '#':
			var n uint64
			var err error
			if ref[1] == 'x' {
				n, err = strconv.ParseUint(ref[2:], 16, 32)
			} else {
				n, err = strconv.ParseUint(ref[1:], 10, 32)
			}
			if err != nil || n > utf8.MaxRune {
				b = append(b, v[i:i+j+1]...)
			} else {
				b = utf8.AppendRune(b, rune(n))
			}
		default:
			if e, ok := r.xml.entities[ref]; ok {
				if len(b)+len(e) > xmlDecoded*r.maxHold {
					r.xml.expanded = true
					return b
				}
				b = append(b, e...)
			} else {
				b = append(b, v[i:i+j+1]...)
			}
		}
		i += j
	}
	return b
}

// closeXML ends an XML document: what is pending is decided on what it has.
func (r *Rewriter) closeXML() {
	if r.pend.active {
		r.decidePending(nil, 0, false)
	}
	if r.capturing {
		r.release()
	}
}
