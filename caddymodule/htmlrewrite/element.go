package htmlrewrite

import (
	"bytes"
	"hash/maphash"
)

// fastTag handles the tag whose '<' is at lt in one go when it is complete in p: most
// tags of a page. It reports false, having changed nothing, when the state machine must
// do it. stop is tagEnd's report.
func (r *Rewriter) fastTag(p []byte, lt int) (next int, ok, stop bool) {
	i := lt + 1
	isEnd := false
	if i < len(p) && p[i] == '/' {
		isEnd = true
		i++
	}
	if i == len(p) || !isAlpha(p[i]) {
		return 0, false, false
	}
	start := i
	var low [64]byte
	h := uint64(fnvOffset)
	for i < len(p) {
		c := p[i]
		if class[c]&(cTagNameEnd|cNUL) != 0 {
			break
		}
		c = lower(c)
		if n := i - start; n < len(low) {
			low[n] = c
		}
		h = (h ^ uint64(c)) * fnvPrime
		i++
	}
	n := i - start
	if i == len(p) || p[i] == 0 || n > len(low) {
		return 0, false, false
	}
	nameEnd := i
	next, st, selfClosing := tagRest(p, i)
	if st != sData || next-lt > r.maxHold {
		return 0, false, false
	}
	if r.pend.active && next > r.emitFrom+r.maxHold-len(r.pend.tag)-len(r.pend.out)-len(r.hold) {
		return 0, false, false
	}
	t := &r.tok
	t.isEnd, t.hash, t.nameLen = isEnd, h, n
	copy(t.name[:], low[:min(n, len(t.name))])
	t.id = tOther
	if n <= len(t.name) {
		t.id = lookupTag(h, low[:n])
	}
	if t.id == tOther {
		t.key = maphash.Bytes(nameSeed, low[:n]) | unknownName
	} else {
		t.key = uint64(t.id)
	}
	if r.wantCapture() {
		r.beginCapture(lt, capName)
	}
	r.nameKnown(p, nameEnd)
	t.selfClosing = selfClosing
	return next, true, r.tagEnd(p, next)
}

// nameDone is called when the name of a tag is complete, at the character after it.
func (r *Rewriter) nameDone(p []byte, i int) {
	r.tok.nameID()
	r.nameKnown(p, i)
}

// nameKnown decides, from a tag's name, whether it is held and what goes before it.
func (r *Rewriter) nameKnown(p []byte, i int) {
	t := &r.tok
	t.state = sBeforeAttrName
	t.selfClosing = false
	if t.isEnd {
		if r.capturing {
			if r.bodyIn && t.id == tBody && !r.noscr.active {
				r.bodyIn = false
				r.insertBefore(p, r.cfg.BodyEnd(r.doc))
			}
			r.release()
		}
		return
	}
	t.foreign = r.tree.foreignFor(t.id) && !t.id.has(pBreakout)
	r.headAt = false
	// A noscript start tag comes first, so no start tag in one is ever the first.
	if r.headIn && t.id != tHTML {
		if t.id == tHead && !t.foreign {
			r.headAt = true
		} else {
			head := r.insertHead()
			if r.capturing {
				r.insertBefore(p, head)
			} else {
				r.write(head)
			}
		}
	}
	if !r.capturing {
		return
	}
	if r.block != nil || r.needsAttrs() {
		r.capWhy = capTag
		return
	}
	r.release()
}

// needsAttrs reports whether the start tag being scanned has attributes the tree
// builder or Doc depend on.
func (r *Rewriter) needsAttrs() bool {
	t := &r.tok
	if t.foreign {
		return t.id == tFont || t.id == tAnnotationXML
	}
	switch t.id {
	case tHTML:
		return !r.langDone
	case tBase:
		return !r.baseDone
	case tInput:
		return r.tree.framesetOK
	}
	return false
}

// tagEnd is called after the '>' that ends a tag, at i. It reports whether the scan
// must stop there: a noscript began (its end is watched for), the document failed
// closed, or what is held behind a pending element changed (so the hold limit must be
// computed again).
func (r *Rewriter) tagEnd(p []byte, i int) bool {
	t := &r.tok
	t.state = sData
	if t.isEnd {
		tagStart := i
		if r.capturing {
			tagStart = r.capStart
			r.release()
		}
		if t.key != 0 {
			r.tree.end(t.id, t.key)
			r.afterTree(p, i, tagStart)
		}
		return r.failed || r.pend.active
	}
	return r.startTagDone(p, i) || r.pend.active
}

// afterTree acts on what a change of the stack of open elements did: a pending element
// popped is decided (before the tag at tagStart), a lost stack fails closed after i.
func (r *Rewriter) afterTree(p []byte, i, tagStart int) {
	if r.tree.pendingGone {
		r.tree.pendingGone = false
		if r.pend.active {
			r.decidePending(p, tagStart, false)
		}
	}
	if r.tree.lost && !r.failed && !r.lostAsked {
		r.lostAsked = true
		r.failClosed(p, i, "the stack of open elements outgrew its bound and cannot be followed")
	}
}

// startTagDone handles a start tag whose '>' is at i-1.
func (r *Rewriter) startTagDone(p []byte, i int) bool {
	t := &r.tok
	var tag []byte
	tagStart := i
	if r.capturing {
		tagStart = r.capStart
		tag = r.captured(p, i)
	}
	tail := r.tail
	partial := tail.active
	r.tail = tailState{}

	// Where the tree builder puts it.
	foreign := t.foreign
	var htmlEnc bool
	if foreign && tag != nil {
		switch t.id {
		case tFont:
			_, c := findAttr(tag, "color")
			_, f := findAttr(tag, "face")
			_, s := findAttr(tag, "size")
			foreign = !(c || f || s)
		case tAnnotationXML:
			v, _ := findAttr(tag, "encoding")
			var enc string
			enc, r.scratch = decodeAttr(v, r.scratch)
			htmlEnc = eqFoldString(enc, "text/html") || eqFoldString(enc, "application/xhtml+xml")
		}
	}
	ns := nsHTML
	if foreign {
		ns = r.tree.topNS()
	} else if r.tree.foreignFor(t.id) {
		r.tree.breakout()
		r.afterTree(p, i, tagStart)
		if r.failed {
			r.release()
			return true
		}
	}
	id := t.id
	if !foreign && id == tImage {
		id = tImg
	}
	inputHidden := false
	if id == tInput && !foreign && tag != nil && r.tree.framesetOK {
		v, _ := findAttr(tag, "type")
		var ty string
		ty, r.scratch = decodeAttr(v, r.scratch)
		inputHidden = eqFoldString(ty, "hidden")
	}

	// What the element is, before the tree is changed (its namespace, noscript,
	// template are those of where it starts).
	var a analysis
	if tag != nil && !partial && r.block != nil {
		r.analyse(&a, tag, id, ns)
	}
	pending := a.pendingContent && !t.selfClosing

	res := inserted
	if foreign {
		if pending && r.pend.active {
			// One held foreign element at a time: the outer one is decided on what
			// it has, failing closed.
			r.debug("htmlrewrite: a foreign script or style inside another is held back")
			r.decidePending(p, tagStart, true)
		}
		r.tree.startForeign(id, t.key, t.selfClosing, htmlEnc, pending)
	} else {
		res = r.tree.startHTML(id, t.key, t.selfClosing, inputHidden)
	}
	r.afterTree(p, i, tagStart)
	if r.failed {
		r.release()
		return true
	}
	if res == ignored {
		r.release()
		return false
	}

	// Doc: the language and the base URL.
	if ns == nsHTML && !r.noscr.active && r.tree.nTemplate == 0 && tag != nil {
		switch {
		case id == tHTML && !r.langDone:
			if v, ok := findAttr(tag, "lang"); ok {
				r.doc.Lang, r.scratch = decodeAttr(v, r.scratch)
				r.langDone = true
			}
		case id == tBase && !r.baseDone:
			if v, ok := findAttr(tag, "href"); ok {
				r.base, r.scratch = decodeAttr(v, r.scratch)
				r.baseDone = true
			}
		}
	}

	// The tokenizer state that follows, and the element's decision.
	switch {
	case ns != nsHTML:
		if pending {
			r.startPending(p, i, tag, &a)
			return true
		}
		r.decideElement(p, i, tag, &a)
	case id == tScript:
		t.state = sScript
		if a.holdText && r.capturing {
			r.startRaw(tag, &a, rawScript)
			return true
		}
		if partial && r.block != nil && !tail.blocked {
			// Its start went out unseen whole: its text is still looked at.
			r.streamText(p, i, rawScript, &tail.a)
			return true
		}
		r.decideElement(p, i, tag, &a)
	case id == tStyle:
		t.state, t.rawName = sRawText, "style"
		if a.holdText && r.capturing {
			r.startRaw(tag, &a, rawStyle)
			return true
		}
		if partial && r.block != nil && !tail.blocked {
			r.streamText(p, i, rawStyle, &tail.a)
			return true
		}
		r.decideElement(p, i, tag, &a)
	case id.has(pRaw) && id != tNoscript:
		switch id {
		case tPlaintext:
			t.state = sPlaintext
		case tIframe, tXmp, tNoembed, tNoframes, tTextarea, tTitle:
			t.state, t.rawName = sRawText, namesInOrder[id]
			if id == tXmp || id == tTitle || id == tTextarea {
				t.rawName = rawNames[id]
			}
		}
		r.decideElement(p, i, tag, &a)
	case id == tNoscript:
		r.decideElement(p, i, tag, &a)
		if !r.noscr.active {
			r.startNoscript()
			return true
		}
	case id == tHead:
		r.decideElement(p, i, tag, &a)
		if r.headAt {
			r.headAt = false
			r.flushTo(p, i)
			r.write(r.insertHead())
		}
	default:
		r.decideElement(p, i, tag, &a)
	}
	return false
}

var rawNames = map[tagID]string{tXmp: "xmp", tTitle: "title", tTextarea: "textarea"}

func eqFoldString(s, lowerASCII string) bool {
	return eqFold([]byte(s), lowerASCII)
}

// decideElement asks Block about an analysed element whose start tag is captured, and
// neutralises it or lets it through; it ends the capture at i.
func (r *Rewriter) decideElement(p []byte, i int, tag []byte, a *analysis) {
	if !a.ask || tag == nil {
		r.release()
		return
	}
	cat := r.ask(a, r.urls, r.inlineOrNil(a), false)
	if cat == "" {
		r.release()
		return
	}
	var ph []byte
	if a.placeholder && !r.noscr.active && r.cfg.Placeholder != nil {
		ph = r.cfg.Placeholder(r.doc, r.element(a, r.urls, r.inlineOrNil(a), false), cat)
	}
	r.replace(p, i, ph, r.neutralise(tag, a, cat))
}

func (r *Rewriter) inlineOrNil(a *analysis) []byte {
	if !a.hasInline {
		if a.pendingContent {
			// A self-closed SVG script runs, with no text.
			return []byte{}
		}
		return nil
	}
	return r.inline
}

// element builds what Block is shown.
func (r *Rewriter) element(a *analysis, urls []string, inline []byte, partial bool) Element {
	e := Element{
		Tag:        a.tag,
		URLs:       urls,
		Inline:     inline,
		Base:       r.base,
		InNoscript: r.noscr.active,
		Foreign:    a.ns != nsHTML,
		Width:      a.width,
		Height:     a.height,
		Partial:    partial,
	}
	if len(urls) > 0 {
		e.Src = urls[0]
	}
	return e
}

func (r *Rewriter) ask(a *analysis, urls []string, inline []byte, partial bool) string {
	return r.block(r.element(a, urls, inline, partial))
}

// topNS is the namespace a foreign start tag takes: its parent's.
func (t *treeState) topNS() uint8 {
	if f := t.top(); f != nil {
		return f.ns
	}
	return nsSVG
}

// ---- analysis of a start tag ----

// role is what an attribute means to the rewriter.
type role uint8

const (
	rNone        role = iota
	rURL              // a URL that loads (data: and javascript: load nothing)
	rDoc              // a URL that loads a document or a script: data: and javascript: payloads are inline
	rSrcset           // srcset candidates
	rSrcdoc           // inline document
	rPing             // space-separated URLs
	rCSS              // CSS declarations
	rCSSValue         // an SVG presentation attribute: a CSS value
	rAnim             // to, from, by, values of <set>/<animate>: URLs when the animated attribute is href
	rImageSrcset      // <link imagesrcset>: srcset when the link fetches
	rLinkHref         // <link href>: a URL when the link fetches
)

type analysis struct {
	tag            string
	id             tagID
	ns             uint8
	ask            bool // Block is to be asked (it loads or runs something)
	hasInline      bool
	holdText       bool // an HTML script or style: held with its text
	pendingContent bool // an SVG script or style: held until it ends
	script         bool // neutralised with type="text/plain"
	styleEl        bool // neutralised with media="not all"
	placeholder    bool
	linkFetches    bool
	animHref       bool
	width, height  string
	// renames: attribute name spans (offsets into the tag) to rename when neutralised
}

// presentation attributes of SVG that take a url().
var svgURLAttrs = []string{"fill", "stroke", "filter", "mask", "clip-path", "marker-start",
	"marker-mid", "marker-end", "cursor"}

// roleOf returns an attribute's role on an element.
func roleOf(id tagID, ns uint8, name []byte) role {
	if eqFold(name, "style") {
		return rCSS
	}
	if ns == nsSVG {
		switch id {
		case tScript:
			if eqFold(name, "href") || eqFold(name, "xlink:href") || eqFold(name, "src") {
				return rDoc
			}
		case tImage, tFeImage, tUse:
			if eqFold(name, "href") || eqFold(name, "xlink:href") {
				return rURL
			}
		case tSet, tAnimate:
			if eqFold(name, "to") || eqFold(name, "from") || eqFold(name, "by") || eqFold(name, "values") {
				return rAnim
			}
		}
		for _, s := range svgURLAttrs {
			if eqFold(name, s) {
				return rCSSValue
			}
		}
		return rNone
	}
	if ns == nsMath {
		if id == tMglyph && eqFold(name, "src") {
			return rURL
		}
		return rNone
	}
	switch id {
	case tScript:
		if eqFold(name, "src") || eqFold(name, "href") || eqFold(name, "xlink:href") {
			return rDoc
		}
	case tIframe:
		if eqFold(name, "src") {
			return rDoc
		}
		if eqFold(name, "srcdoc") {
			return rSrcdoc
		}
	case tFrame, tEmbed:
		if eqFold(name, "src") {
			return rDoc
		}
	case tObject:
		if eqFold(name, "data") {
			return rDoc
		}
	case tImg, tSource:
		if eqFold(name, "src") {
			return rURL
		}
		if eqFold(name, "srcset") {
			return rSrcset
		}
	case tInput, tAudio, tTrack:
		if eqFold(name, "src") {
			return rURL
		}
	case tVideo:
		if eqFold(name, "src") || eqFold(name, "poster") {
			return rURL
		}
	case tLink:
		if eqFold(name, "href") {
			return rLinkHref
		}
		if eqFold(name, "imagesrcset") {
			return rImageSrcset
		}
	case tBody, tTable, tThead, tTbody, tTfoot, tTr, tTd, tTh:
		if eqFold(name, "background") {
			return rURL
		}
	case tA, tArea:
		if eqFold(name, "ping") {
			return rPing
		}
	}
	return rNone
}

// sinkTag returns Element.Tag for the elements that are asked about whatever their
// attributes, and whether they are; the others are asked about only for their style.
func sinkTag(id tagID, ns uint8) (string, bool) {
	switch ns {
	case nsSVG:
		switch id {
		case tScript, tStyle, tImage, tFeImage, tUse, tSet, tAnimate:
			return namesInOrder[id], true
		}
	case nsMath:
		if id == tMglyph {
			return "mglyph", true
		}
	default:
		switch id {
		case tScript, tStyle, tIframe, tFrame, tImg, tInput, tVideo, tAudio, tSource, tTrack,
			tObject, tEmbed, tLink:
			return namesInOrder[id], true
		}
	}
	return "", false
}

// analyse looks at a complete start tag: what it would load or run. It fills r.urls,
// r.inline and r.renam.
func (r *Rewriter) analyse(a *analysis, tag []byte, id tagID, ns uint8) {
	*a = analysis{id: id, ns: ns}
	r.urls = r.urls[:0]
	r.inline = r.inline[:0]
	r.renam = r.renam[:0]
	r.attrs = parseAttrs(tag, r.attrs[:0])
	sink := false
	a.tag, sink = sinkTag(id, ns)

	// First the attributes that say what the others mean.
	executable := true
	typeSeen, langSeen, relSeen, nameSeen, wSeen, hSeen := false, false, false, false, false, false
	var language string
	for _, at := range r.attrs {
		name := tag[at.nameStart:at.nameEnd]
		val := tag[at.valStart:at.valEnd]
		switch {
		case id == tScript && !typeSeen && eqFold(name, "type"):
			typeSeen = true
			var ty string
			ty, r.scratch = r.decodeValue(val, r.scratch)
			executable = scriptTypeRuns(ty)
		case id == tScript && !langSeen && eqFold(name, "language"):
			langSeen = true
			language, r.scratch = r.decodeValue(val, r.scratch)
		case id == tLink && ns == nsHTML && !relSeen && eqFold(name, "rel"):
			relSeen = true
			var rel string
			rel, r.scratch = r.decodeValue(val, r.scratch)
			a.linkFetches = relFetches(rel)
		case (id == tSet || id == tAnimate) && ns == nsSVG && !nameSeen && eqFold(name, "attributename"):
			nameSeen = true
			var an string
			an, r.scratch = r.decodeValue(val, r.scratch)
			a.animHref = an == "href" || an == "xlink:href"
		case !wSeen && eqFold(name, "width"):
			wSeen = true
			a.width, r.scratch = r.decodeValue(val, r.scratch)
		case !hSeen && eqFold(name, "height"):
			hSeen = true
			a.height, r.scratch = r.decodeValue(val, r.scratch)
		}
	}
	if id == tScript && !typeSeen && langSeen && language != "" {
		executable = scriptTypeRuns("text/" + language)
	}
	if id == tScript && !executable {
		// A data block never runs and loads nothing.
		sink = false
	}

	hasSrc := false
	for k, at := range r.attrs {
		name := tag[at.nameStart:at.nameEnd]
		ro := roleOf(id, ns, name)
		if ro == rNone || ro == rDoc && !sink {
			continue
		}
		first := true
		for _, prev := range r.attrs[:k] {
			if bytes.EqualFold(tag[prev.nameStart:prev.nameEnd], name) {
				first = false
				break
			}
		}
		if !first {
			// Browsers drop a duplicate; it is renamed with the first, below, so
			// that it cannot take the first one's place.
			continue
		}
		val := tag[at.valStart:at.valEnd]
		n := len(r.urls)
		inl := len(r.inline)
		switch ro {
		case rURL:
			r.addURL(val, false)
		case rDoc:
			if id == tScript {
				hasSrc = hasSrc || ns == nsHTML && eqFold(name, "src") ||
					ns == nsSVG && (eqFold(name, "href") || eqFold(name, "xlink:href"))
			}
			r.addURL(val, true)
		case rLinkHref:
			if a.linkFetches {
				r.addURL(val, true)
			}
		case rSrcset:
			r.addSrcset(val)
		case rImageSrcset:
			if a.linkFetches {
				r.addSrcset(val)
			}
		case rSrcdoc:
			var s string
			s, r.scratch = r.decodeValue(val, r.scratch)
			r.addInline([]byte(s))
		case rPing:
			var s string
			s, r.scratch = r.decodeValue(val, r.scratch)
			for _, u := range bytes.Fields([]byte(s)) {
				r.urls = append(r.urls, string(u))
			}
		case rCSS, rCSSValue:
			if bytes.IndexByte(val, '(') >= 0 || bytes.IndexByte(val, '&') >= 0 {
				var s string
				s, r.scratch = r.decodeValue(val, r.scratch)
				r.addCSS([]byte(s))
			}
		case rAnim:
			if a.animHref {
				var s string
				s, r.scratch = r.decodeValue(val, r.scratch)
				for _, u := range bytes.Split([]byte(s), []byte(";")) {
					if u = bytes.TrimSpace(u); len(u) > 0 {
						r.urls = append(r.urls, string(u))
					}
				}
			}
		}
		if len(r.urls) > n || len(r.inline) > inl || ro == rDoc || ro == rLinkHref && a.linkFetches ||
			ro == rSrcset || ro == rImageSrcset && a.linkFetches || ro == rSrcdoc {
			r.renameAll(tag, name)
		}
	}
	switch {
	case id == tScript && sink && ns == nsHTML && !hasSrc:
		a.holdText = true
	case id == tScript && sink && ns == nsSVG && !hasSrc:
		a.pendingContent = true
	case id == tStyle && ns == nsHTML:
		a.holdText = true
	case id == tStyle && ns == nsSVG:
		a.pendingContent = true
	}
	if len(r.urls) == 0 && len(r.inline) == 0 && !a.holdText && !a.pendingContent {
		return
	}
	if a.tag == "" {
		a.tag = lowerName(tag)
	}
	a.ask = true
	a.hasInline = len(r.inline) > 0
	if id == tScript && sink {
		a.script = true
		r.renameAll(tag, []byte("type"))
	}
	if id == tStyle {
		a.styleEl = true
		r.renameAll(tag, []byte("media"))
	}
	if a.animHref {
		r.renameAll(tag, []byte("attributename"))
	}
	if ns == nsHTML {
		switch id {
		case tIframe, tFrame, tVideo, tAudio, tEmbed, tObject:
			a.placeholder = true
		}
	}
}

// lowerName returns a tag's name in lower case.
func lowerName(tag []byte) string {
	b := bytes.ToLower(tag[1:tagNameEnd(tag)])
	return string(b)
}

// addURL appends a URL attribute's decoded value; a data: or javascript: URL is no load:
// when doc, its payload is inline content.
func (r *Rewriter) addURL(val []byte, doc bool) {
	var s string
	s, r.scratch = r.decodeValue(val, r.scratch)
	switch urlScheme(s) {
	case "data":
		if doc {
			r.inlineSep()
			r.inline = appendDataPayload(r.inline, afterScheme(s))
		}
		return
	case "javascript":
		if doc {
			r.inlineSep()
			r.inline = appendPercentDecoded(r.inline, afterScheme(s))
		}
		return
	}
	if s == "" {
		return
	}
	r.urls = append(r.urls, s)
}

func (r *Rewriter) addSrcset(val []byte) {
	var s string
	s, r.scratch = r.decodeValue(val, r.scratch)
	n := len(r.urls)
	r.urls = srcsetURLs(r.urls, s)
	// A srcset may name data: URLs: they load nothing.
	k := n
	for _, u := range r.urls[n:] {
		if sc := urlScheme(u); sc != "data" && sc != "javascript" {
			r.urls[k] = u
			k++
		}
	}
	r.urls = r.urls[:k]
}

func (r *Rewriter) addInline(b []byte) {
	r.inlineSep()
	r.inline = append(r.inline, b...)
}

// inlineSep separates inline parts with a line break.
func (r *Rewriter) inlineSep() {
	if len(r.inline) > 0 {
		r.inline = append(r.inline, '\n')
	}
}

// addCSS appends the URLs of CSS text (a style attribute's value).
func (r *Rewriter) addCSS(css []byte) {
	var sc cssScanner
	sc.reset(r.maxHold)
	col := urlCollector{r: r}
	sc.feed(css, 0, &col)
	sc.finish(&col)
}

// urlCollector appends the URLs a cssScanner finds to r.urls, leaving out the
// fragment-only ones, which refer to the document itself.
type urlCollector struct{ r *Rewriter }

func (c *urlCollector) urlStart(int64) {}
func (c *urlCollector) urlEnd(u []byte, _, _ int64) {
	c.r.addCSSURL(u)
}

func (r *Rewriter) addCSSURL(u []byte) {
	t := bytes.TrimSpace(u)
	if len(t) == 0 || t[0] == '#' {
		return
	}
	switch urlScheme(string(t)) {
	case "data":
		r.inlineSep()
		r.inline = appendDataPayload(r.inline, afterScheme(string(t)))
		return
	case "javascript":
		return
	}
	r.urls = append(r.urls, string(u))
}

// renameAll records every attribute named name (any case) for renaming.
func (r *Rewriter) renameAll(tag, name []byte) {
	for _, at := range r.attrs {
		n := tag[at.nameStart:at.nameEnd]
		if !bytes.EqualFold(n, name) {
			continue
		}
		dup := false
		for _, rn := range r.renam {
			if rn.start == at.nameStart {
				dup = true
				break
			}
		}
		if !dup {
			r.renam = append(r.renam, rename{start: at.nameStart, end: at.nameEnd})
		}
	}
}

// scriptTypeRuns reports whether a script with this type (or "text/"+language) runs or
// loads something: a JavaScript MIME type (parameters allowed, which is more than
// browsers allow), module, importmap (it redirects module loads), speculationrules (it
// prefetches), webbundle; the empty type. Anything else is a data block.
func scriptTypeRuns(ty string) bool {
	ty = trimASCIISpace(ty)
	if i := bytes.IndexByte([]byte(ty), ';'); i >= 0 {
		ty = trimASCIISpace(ty[:i])
	}
	b := bytes.ToLower([]byte(ty))
	switch string(b) {
	case "", "module", "importmap", "speculationrules", "webbundle",
		"application/ecmascript", "application/javascript", "application/x-ecmascript",
		"application/x-javascript", "text/ecmascript", "text/javascript", "text/javascript1.0",
		"text/javascript1.1", "text/javascript1.2", "text/javascript1.3", "text/javascript1.4",
		"text/javascript1.5", "text/jscript", "text/livescript", "text/x-ecmascript",
		"text/x-javascript":
		return true
	}
	return false
}

func trimASCIISpace(s string) string {
	for len(s) > 0 && isSpace(s[0]) {
		s = s[1:]
	}
	for len(s) > 0 && isSpace(s[len(s)-1]) {
		s = s[:len(s)-1]
	}
	return s
}

// relFetches reports whether a <link> with this rel loads its href: unless every one
// of its keywords is one that loads nothing.
func relFetches(rel string) bool {
	any := false
	for _, k := range bytes.Fields([]byte(rel)) {
		any = true
		switch string(bytes.ToLower(k)) {
		case "alternate", "author", "bookmark", "canonical", "external", "help", "license",
			"next", "nofollow", "noopener", "noreferrer", "opener", "prev", "search", "tag",
			"me", "pingback", "shortlink", "edit", "archives", "first", "last", "index",
			"start", "up", "profile", "webmention", "hub", "amphtml", "privacy-policy",
			"terms-of-service", "openid.server", "openid.delegate", "openid2.provider",
			"openid2.local_id", "shortcut", "sitemap", "contents", "copyright", "chapter",
			"section", "subsection", "appendix", "glossary", "expect":
		default:
			return true
		}
	}
	_ = any
	return false
}

// decodeValue decodes an attribute value as the document's syntax has it (HTML, or
// XML with the entities of its internal subset).
func (r *Rewriter) decodeValue(v, buf []byte) (string, []byte) {
	if r.cfg.XML {
		buf = r.xmlDecode(buf[:0], v)
		return string(buf), buf
	}
	return decodeAttr(v, buf)
}
