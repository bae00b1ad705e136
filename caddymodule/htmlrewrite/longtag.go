package htmlrewrite

import "slices"

// A start tag longer than the hold limit cannot be held whole: its first MaxHold bytes
// are decided on what they have, and the rest streams. Real pages have such tags — an
// <img> with a large inline data: image, a <div> with a JSON data attribute — so the
// decision must not hold every one of them back:
//
//   - An element whose attributes load on their own (an <img>, an <iframe>, a <div>
//     with a style; see tailChecked) is asked about with what was seen, including the
//     URL the limit cut when its host is already decided (urlPrefix: a data: URL, or a
//     URL whose authority has ended). Let through, the tag goes out, and each later
//     attribute that could load is held from its name to the end of its value and
//     asked about on its own; a matched one is renamed in place (data-consent-NAME),
//     with data-consent="CAT" written before the first. Only an attribute that cannot
//     be decided on what fits (a URL whose host is still unknown at the limit, a style
//     or srcset cut by it) is held back on its own, failing closed (Element.Partial).
//   - A <script>, a <style>, a <link> (rel decides what href does) and an SVG <set> or
//     <animate> (attributeName decides what to and values do) are decided as a whole,
//     failing closed: Block is asked with Partial, and held back, every attribute that
//     could load is renamed, in the first part and in the rest as it passes.

// tailState follows the rest of a start tag that was decided at the hold limit.
type tailState struct {
	active  bool // the tag is being streamed
	blocked bool // it was held back: attributes that load are renamed as they pass
	checked bool // it went out: each later attribute that could load is asked about alone
	marked  bool // checked, and data-consent="CAT" was written into it
	id      tagID
	ns      uint8
	a       analysis
}

// tailChecked reports whether what each attribute of an element loads can be decided
// without the others, so that a long start tag of it can be checked one attribute at a
// time.
func tailChecked(id tagID, ns uint8) bool {
	switch ns {
	case nsHTML:
		return id != tScript && id != tStyle && id != tLink
	case nsSVG:
		return id != tScript && id != tStyle && id != tSet && id != tAnimate
	}
	return true
}

// tagOverflow decides a start tag that reached the hold limit at i on what it has.
func (r *Rewriter) tagOverflow(p []byte, i int) {
	t := &r.tok
	tag := r.captured(p, i)
	if r.capWhy == capName || t.state == sTagName {
		// The name itself is longer than the limit: no element the rewriter knows, but
		// a style (in SVG also a fill, a mask, ...) loads on any element, so each later
		// attribute is checked as in any long tag (FuzzSmallHold found a style after a
		// name as long as the limit let through).
		ns := nsHTML
		if r.tree.foreignFor(tOther) {
			ns = r.tree.topNS()
		}
		r.tail = tailState{active: true, id: tOther, ns: ns}
		if r.block != nil {
			r.tail.checked = true
			r.tail.a = analysis{id: tOther, ns: ns, tag: lowerName(tag)}
		}
		r.release()
		return
	}
	ns := nsHTML
	id := t.id
	if t.foreign {
		ns = r.tree.topNS()
	} else if id == tImage {
		id = tImg
	}
	// What the tree builder or Doc needs from the attributes cannot be had: fail
	// closed. An <input> needs only its type (hidden or not decides whether a
	// <frameset> may still replace the body), which usually comes first: an ASP.NET
	// page's __VIEWSTATE is <input type="hidden" name="__VIEWSTATE" value="…">,
	// often longer than the limit.
	inputType := false
	if !t.foreign && id == tInput && r.tree.framesetOK {
		r.longInputHidden, inputType = r.inputTypeSeen(tag)
	}
	switch {
	case t.foreign && (id == tFont || id == tAnnotationXML),
		!t.foreign && id == tBase && !r.baseDone,
		!t.foreign && id == tInput && r.tree.framesetOK && !inputType:
		r.failClosed(p, i, "a <"+namesInOrder[id]+"> start tag is longer than the hold limit")
		if r.failed {
			return
		}
		tag = r.captured(p, i)
	}
	if r.block == nil {
		r.tail = tailState{active: true, id: id, ns: ns}
		r.release()
		return
	}
	if tailChecked(id, ns) {
		r.overflowChecked(p, i, tag, id, ns)
		return
	}
	if (id == tScript || id == tLink) && ns == nsHTML && r.dataURLFirst(p, i, tag, id) {
		return
	}
	var a analysis
	r.analyseAll(&a, tag, id, ns)
	r.tail = tailState{active: true, id: id, ns: ns, a: a}
	r.debug("htmlrewrite: a <" + a.tag + "> start tag is longer than the hold limit: Block decides it as partial")
	if cat := r.ask(&a, r.urls, r.inlineOrNil(&a), true); cat != "" {
		r.holdBackLong(p, i, tag, &a, cat)
		return
	}
	r.release()
}

// inputTypeSeen reads the type of an <input> start tag cut by the hold limit (tag, what
// was seen of it): known when the first type attribute is complete in it.
func (r *Rewriter) inputTypeSeen(tag []byte) (hidden, known bool) {
	r.attrs = parseAttrs(tag, r.attrs[:0])
	complete := len(r.attrs)
	switch r.tok.state {
	case sAttrName, sAfterAttrName, sBeforeAttrValue, sAttrValueDQ, sAttrValueSQ, sAttrValueUnq:
		complete-- // the last one may go on
	}
	for k, at := range r.attrs {
		if eqFold(tag[at.nameStart:at.nameEnd], "type") {
			if k >= complete {
				return false, false
			}
			var ty string
			ty, r.scratch = decodeAttr(tag[at.valStart:at.valEnd], r.scratch)
			return eqFoldString(ty, "hidden"), true
		}
	}
	return false, false
}

// overflowChecked decides the first part of a long start tag of an element whose
// attributes are checked one at a time (see tailChecked).
func (r *Rewriter) overflowChecked(p []byte, i int, tag []byte, id tagID, ns uint8) {
	t := &r.tok
	// The attribute the limit cut, if any (last): its name or its value is not complete.
	inAttr, inValue := false, false
	switch t.state {
	case sAttrName, sAfterAttrName, sBeforeAttrValue:
		inAttr = true
	case sAttrValueDQ, sAttrValueSQ, sAttrValueUnq:
		inAttr, inValue = true, true
	}
	complete := tag
	var last attr
	if inAttr {
		r.attrs = parseAttrs(tag, r.attrs[:0])
		if len(r.attrs) == 0 {
			inAttr, inValue = false, false
		} else {
			last = r.attrs[len(r.attrs)-1]
			complete = tag[:last.nameStart]
		}
	}
	var a analysis
	r.analyse(&a, complete, id, ns)
	if a.tag == "" {
		a.tag = lowerName(tag)
	}
	a.placeholder = placeholderTag(id, ns)
	r.tail = tailState{active: true, checked: true, id: id, ns: ns, a: a}

	// The value the limit cut: a URL is decided on its start when that fixes its host,
	// CSS streams.
	undecided, css := false, false
	if inValue {
		switch ro := roleOf(id, ns, tag[last.nameStart:last.nameEnd]); {
		case cssValueRole(ro) && r.maxHold >= minStreamHold:
			css = true
		case ro == rNone:
		case ro == rURL || ro == rDoc:
			var u string
			var ok bool
			u, r.scratch, ok = r.urlPrefix(tag[last.valStart:last.valEnd], r.scratch)
			if ok && !cutDocument(ro, u) {
				r.urls = append(r.urls, u)
			} else {
				undecided = true
			}
		default:
			undecided = true
		}
	}
	if len(r.urls) > 0 || len(r.inline) > 0 {
		if cat := r.ask(&a, r.urls, r.inlineOrNil(&a), false); cat != "" {
			// Held back on what it has, as a whole.
			r.analyseAll(&a, tag, id, ns)
			r.tail = tailState{active: true, id: id, ns: ns, a: a}
			r.holdBackLong(p, i, tag, &a, cat)
			return
		}
	}
	if undecided || css {
		var cat string
		if css {
			if cat = r.styleValueFirst(p, i, tag, last.valStart); cat == "" {
				return
			}
		} else {
			r.debug("htmlrewrite: a <" + a.tag + "> start tag is longer than the hold limit, cut in a value that may load: Block decides that attribute as partial")
			cat = r.ask(&a, r.urls[:0], nil, true)
		}
		if cat != "" {
			r.renam = append(r.renam[:0], rename{last.nameStart, last.nameEnd})
			r.tail.marked = true
			r.replace(p, i, r.placeholder(&a, cat), r.neutralise(tag, &analysis{}, cat))
			return
		}
		r.release()
		return
	}
	// An attribute whose value has not begun is held to its end, as the later ones are,
	// when it may load (or its name is not complete yet).
	if inAttr && !inValue && (t.state == sAttrName || roleOf(id, ns, tag[last.nameStart:last.nameEnd]) != rNone) {
		r.emitHolding(p, i, tag, last.nameStart)
		return
	}
	r.release()
}

// holdBackLong holds back a long start tag whose first part (tag, captured up to i) is
// analysed with every attribute that could load renamed (analyseAll): the consent
// attributes go after its name, its placeholder before it, and the later attributes
// that could load are renamed as they pass.
func (r *Rewriter) holdBackLong(p []byte, i int, tag []byte, a *analysis, cat string) {
	t := &r.tok
	r.tail.blocked = true
	ph := r.placeholder(a, cat)
	// An attribute name cut by the limit is held to its end.
	keep := len(tag)
	if t.state == sAttrName && len(r.attrs) > 0 {
		last := r.attrs[len(r.attrs)-1]
		if last.nameEnd == len(tag) {
			keep = last.nameStart
			r.renam = dropRename(r.renam, last.nameStart)
		}
	}
	head := r.neutralise(tag[:keep], a, cat)
	if keep == len(tag) {
		r.replace(p, i, ph, head)
		return
	}
	r.insertBefore(p, ph)
	r.emitHolding(p, i, append(head, tag[keep:]...), len(head))
}

// placeholder is Config.Placeholder's markup for a long start tag held back (in whole
// or in part) while its start is still held, so that it can go before it.
func (r *Rewriter) placeholder(a *analysis, cat string) []byte {
	if !a.placeholder || r.noscr.active || r.cfg.Placeholder == nil {
		return nil
	}
	return r.cfg.Placeholder(r.doc, r.element(a, r.urls, nil, true), cat)
}

// emitHolding ends the capture at i writing b[:n], and captures b[n:] again as an
// attribute of the rest of a long tag.
func (r *Rewriter) emitHolding(p []byte, i int, b []byte, n int) {
	rest := append([]byte(nil), b[n:]...)
	r.replace(p, i, b[:n])
	r.hold = append(r.hold[:0], rest...)
	r.beginCapture(i, capAttr)
}

func dropRename(rs []rename, start int) []rename {
	for k, rn := range rs {
		if rn.start == start {
			return append(rs[:k], rs[k+1:]...)
		}
	}
	return rs
}

// analyseAll is analyse for a tag that is cut: every attribute that could load is
// renamed, whatever its value.
func (r *Rewriter) analyseAll(a *analysis, tag []byte, id tagID, ns uint8) {
	r.analyse(a, tag, id, ns)
	// Once per name: renameAll renames every attribute of the name.
	// (tailRenames holds for names with a role and a few more, all short:
	// their words are the names.)
	done := r.roleWords[:0]
	for k, at := range r.attrs {
		if w := r.words[k]; !slices.Contains(done, w) && r.tailRenames(tag[at.nameStart:at.nameEnd], a) {
			done = append(done, w)
			r.renameAll(tag, tag[at.nameStart:at.nameEnd])
		}
	}
	r.roleWords = done
	if a.tag == "" {
		a.tag = lowerName(tag)
	}
	switch {
	case id == tScript:
		a.script = true
		r.renameAll(tag, []byte("type"))
	case id == tStyle:
		a.styleEl = true
		r.renameAll(tag, []byte("type"))
	}
	a.placeholder = placeholderTag(id, ns)
	a.ask = true
}

// tailRenames reports whether an attribute of a partially seen, held-back tag is
// renamed.
func (r *Rewriter) tailRenames(name []byte, a *analysis) bool {
	if roleOf(a.id, a.ns, name) != rNone {
		return true
	}
	switch {
	case a.id == tScript && eqFold(name, "type"):
		return true
	case a.id == tStyle && eqFold(name, "type"):
		return true
	case (a.id == tSet || a.id == tAnimate) && eqFold(name, "attributename"):
		return true
	}
	return false
}

// attrNameEnd is called at the end of an attribute name in the rest of a long tag
// (capAttr): held back, the tag's attribute is renamed when it could load; checked, one
// that could load stays held to the end of its value (tailAttrEnd).
func (r *Rewriter) attrNameEnd(p []byte, i int) {
	name := r.captured(p, i)
	if r.tail.checked {
		if roleOf(r.tail.id, r.tail.ns, name) == rNone {
			r.release()
		}
		return
	}
	if !r.tailRenames(name, &r.tail.a) {
		r.release()
		return
	}
	r.replace(p, i, renamed(name))
}

// attrHeld reports whether an attribute of the rest of a checked long tag is held past
// its name, to be decided at the end of its value.
func (r *Rewriter) attrHeld() bool {
	return r.capturing && (r.capWhy == capAttr && r.tail.checked || r.capWhy == capStyleVal || r.capWhy == capDataURL)
}

// tailAttrEnd decides a held attribute of a checked long tag, which ends at i.
func (r *Rewriter) tailAttrEnd(p []byte, i int) {
	switch r.capWhy {
	case capStyleVal:
		r.styleValueEnd(p, i)
		return
	case capDataURL:
		r.dataURLEnd(p, i)
		return
	}
	r.decideTailAttr(p, i, false)
}

// inAttrValue reports whether the tokenizer is in an attribute value.
func inAttrValue(st state) bool {
	return st == sAttrValueDQ || st == sAttrValueSQ || st == sAttrValueUnq
}

// decideTailAttr asks Block about the attribute held up to i on its own (cut: its
// value goes on past the hold limit) and renames it in place when it is matched.
func (r *Rewriter) decideTailAttr(p []byte, i int, cut bool) {
	at := r.captured(p, i)
	// The attribute as the only one of a tag, so that analyse reads it as the tag's.
	r.synth = append(append(r.synth[:0], "<x "...), at...)
	const off = len("<x ")
	var a analysis
	r.analyse(&a, r.synth, r.tail.id, r.tail.ns)
	a.tag, a.placeholder = r.tail.a.tag, false
	var nameEnd int
	if len(r.attrs) > 0 {
		nameEnd = r.attrs[0].nameEnd - off
	}
	cat := ""
	switch {
	case cut && r.maxHold >= minStreamHold && len(r.attrs) > 0 && inAttrValue(r.tok.state) && cssValueRole(roleOf(r.tail.id, r.tail.ns, at[:nameEnd])):
		// A CSS value streams (stylevalue.go) unless what fits matches.
		if cat = r.styleValueFirst(p, i, at, r.attrs[0].valStart-off); cat == "" {
			return
		}
	case cut:
		// Its value is cut: only a URL whose host is decided is asked about whole.
		partial := true
		if len(r.attrs) > 0 {
			switch ro := roleOf(r.tail.id, r.tail.ns, at[:nameEnd]); ro {
			case rURL, rDoc:
				v := r.attrs[0]
				var u string
				var ok bool
				u, r.scratch, ok = r.urlPrefix(r.synth[v.valStart:v.valEnd], r.scratch)
				if ok && !cutDocument(ro, u) {
					r.urls, partial = append(r.urls[:0], u), false
				}
			}
		}
		if partial {
			r.debug("htmlrewrite: an attribute of a long start tag is longer than the hold limit: Block decides it as partial")
			cat = r.ask(&a, r.urls[:0], nil, true)
		} else {
			cat = r.ask(&a, r.urls, nil, false)
		}
	case a.ask:
		cat = r.ask(&a, r.urls, r.inlineOrNil(&a), false)
	}
	if cat == "" {
		r.release()
		return
	}
	var mark []byte
	if !r.tail.marked {
		r.tail.marked = true
		mark = append(append(append(r.out[:0], `data-consent="`...), attrEscaped(cat)...), `" `...)
		r.out = mark
	}
	r.replace(p, i, mark, renamed(at[:nameEnd]), at[nameEnd:])
}

// tailAttrOverflow is called when a held attribute of a checked long tag reaches the
// hold limit at i.
func (r *Rewriter) tailAttrOverflow(p []byte, i int) {
	if r.tok.state == sAttrName {
		// Longer than the limit: no name of ours.
		r.release()
		return
	}
	r.decideTailAttr(p, i, true)
}

// cutDocument reports whether u, the start of a URL the hold limit cut, is a data: or
// javascript: URL where one is a document or a script (an iframe's src, an object's
// data): its payload is what loads (addURL shows it to Block whole), and the limit cut
// it, so the element is undecided and fails closed. FuzzSmallHold found
// <iframe src="data:,…trk.example…"> longer than the limit let through on "data:"
// alone, where a shorter one is held back.
func cutDocument(ro role, u string) bool {
	if ro != rDoc {
		return false
	}
	sc := urlScheme(u)
	return sc == "data" || sc == "javascript"
}
