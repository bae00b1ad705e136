package htmlrewrite

// The tokenizer alone cannot tell where a <script> or a raw-text element starts: inside
// <svg> and <math> the tree builder keeps the tokenizer out of its raw-text states and
// lets CDATA sections through; in a frameset document, or in a <template> whose content
// began with <col>, it ignores most start tags, raw-text ones included. treeState follows
// the tree builder of the HTML standard as far as these depend on it: the stack of open
// elements (names and namespaces, not nodes), the integration points, the start tags that
// leave foreign content, the end tags that close it (by scope, by the "any other end
// tag" walk, by the adoption agency, by <form>'s own rule), the implied end tags and the
// table structure that close it, frameset-ok and the frameset modes.
//
// Memory is bounded whatever the input: a run of identical open elements (10^6 unclosed
// <circle>s) is one frame with a count, and the stack keeps at most maxFrames frames.
// When it is full, the oldest half is forgotten into a summary (whether it held foreign
// elements, and a Bloom filter of its names). Any later step whose outcome depends on
// the forgotten part is resolved on the side of closing; if the namespace of the current
// node can then no longer be known, the tree is lost: the rewriter fails closed for the
// rest of the document (see failClosed).

const (
	nsHTML uint8 = iota
	nsSVG
	nsMath
)

// Frame flags.
const (
	fIP           uint8 = 1 << iota // HTML integration point: start tags and text in it are HTML
	fMathText                       // MathML text integration point
	fAnnotation                     // annotation-xml without an HTML encoding: only <svg> is HTML in it
	fTemplateUsed                   // a template that has had an element inserted
	fTemplateCols                   // a template whose content began with <col>
	fPending                        // the foreign script or style held back until it ends
)

type frame struct {
	key   uint64 // name identity, see nameKey
	id    tagID
	ns    uint8
	flags uint8
	n     uint32 // how many identical elements, one above the other
}

func (f *frame) html() bool { return f.ns == nsHTML }

func (f *frame) is(id tagID) bool { return f.ns == nsHTML && f.id == id }

// foreignScope: the MathML and SVG elements that end scope searches and are special.
func (f *frame) foreignScope() bool {
	switch f.ns {
	case nsSVG:
		return f.id == tForeignObject || f.id == tDesc || f.id == tTitle
	case nsMath:
		switch f.id {
		case tMi, tMo, tMn, tMs, tMtext, tAnnotationXML:
			return true
		}
	}
	return false
}

func (f *frame) special() bool {
	if f.ns == nsHTML {
		return f.id.has(pSpecial)
	}
	return f.foreignScope()
}

type scope uint8

const (
	scopeDefault scope = iota
	scopeListItem
	scopeButton
	scopeTable
)

func (f *frame) stops(s scope) bool {
	if f.ns != nsHTML {
		return s != scopeTable && f.foreignScope()
	}
	switch s {
	case scopeTable:
		return f.id.has(pTableScope)
	case scopeListItem:
		if f.id == tOl || f.key == ulKey {
			return true
		}
	case scopeButton:
		if f.id == tButton {
			return true
		}
	}
	return f.id.has(pScope)
}

var (
	tOl   = lookupName("ol")
	ulKey = uint64(lookupName("ul"))
)

// maxFrames bounds the stack: 16 KiB.
const maxFrames = 1024

type treeState struct {
	frames []frame
	// foreignTop: the current node is foreign; kept up to date since every tag asks.
	foreignTop bool
	nForeign   int // frames of another namespace than HTML
	counts     [numCounts]int
	forgot     forgotten
	lost       bool
	// pendingGone: the frame marked fPending was popped or forgotten.
	pendingGone bool

	framesetOK bool
	frameset   uint8 // 0, inFrameset, afterFrameset
	formOpen   bool  // the form element pointer is set

	// The part of the browser's list of active formatting elements that is off the
	// stack: formatting elements closed by something other than their own end tag
	// (a <p> closing the one around a <b>, an end tag popping those in it), which the
	// browser reopens at the next start tag or text, and the markers (cells,
	// captions, templates, applets, marquees, objects) that cut the list. Only the
	// namespace of the current node depends on it here: a <b> reopened around an
	// <svg> is popped with it by a </b> inside, which ends the svg. So the entries
	// are reopened when an <svg> or <math> starts, and otherwise only dropped as the
	// browser drops them. Bounded: the oldest go first.
	reopen  [maxReopen]afeEntry
	nReopen int
}

const maxReopen = 32

type afeEntry struct {
	key    uint64
	id     tagID
	marker bool
}

// afeKind marks the formatting elements (1) and the elements that put a marker in
// the list of active formatting elements (2).
var afeKind = func() (m [numNamedTags + 256]uint8) {
	for id := tagID(0); int(id) < len(m); id++ {
		if int(id) < len(tagProps) && id.has(pFormatting) {
			m[id] = 1
		}
	}
	for _, id := range []tagID{tTd, tTh, tCaption, tTemplate, tApplet, tMarquee, tObject} {
		m[id] = 2
	}
	return m
}()

// addReopen appends an entry, dropping the oldest when full.
func (t *treeState) addReopen(e afeEntry) {
	if t.nReopen == maxReopen {
		copy(t.reopen[:], t.reopen[1:])
		t.nReopen--
	}
	t.reopen[t.nReopen] = e
	t.nReopen++
}

// clearToMarker drops the entries after the last marker, and the marker.
func (t *treeState) clearToMarker() {
	for t.nReopen > 0 {
		t.nReopen--
		if t.reopen[t.nReopen].marker {
			return
		}
	}
}

// dropReopen drops the last entry for key after the last marker: its end tag takes it
// out of the list.
func (t *treeState) dropReopen(key uint64) {
	for j := t.nReopen - 1; j >= 0 && !t.reopen[j].marker; j-- {
		if t.reopen[j].key == key {
			copy(t.reopen[j:], t.reopen[j+1:t.nReopen])
			t.nReopen--
			return
		}
	}
}

// popped records what leaving the stack does to the list: frames from..top are popped,
// frame from only once when one (the topmost of a run of identical ones) goes.
func (t *treeState) popped(from int, one bool) {
	lowMarker := len(t.frames)
	for j := len(t.frames) - 1; j >= max(from, 0); j-- {
		f := &t.frames[j]
		if f.ns == nsHTML && afeKind[f.id] == 2 {
			n := int(f.n)
			if j == from && one {
				n = 1
			}
			for range min(n, maxReopen) { // no more markers than entries
				t.clearToMarker()
			}
			lowMarker = j
		}
	}
	for j := max(from, 0); j < lowMarker; j++ {
		f := &t.frames[j]
		if f.ns != nsHTML || afeKind[f.id] != 1 {
			continue
		}
		n := min(int(f.n), 3)
		if j == from && one {
			n = 1
		}
		for range n {
			t.addReopen(afeEntry{key: f.key, id: f.id})
		}
	}
}

// reopenFormatting pushes the entries after the last marker, as the browser reopens
// them before an element it inserts.
func (t *treeState) reopenFormatting() {
	j := t.nReopen
	for j > 0 && !t.reopen[j-1].marker {
		j--
	}
	for k := j; k < t.nReopen; k++ {
		t.push(frame{key: t.reopen[k].key, id: t.reopen[k].id})
	}
	t.nReopen = j
}

const (
	inFrameset = 1 + iota
	afterFrameset
)

// forgotten summarises the frames dropped from the bottom of a full stack.
type forgotten struct {
	any     bool
	foreign bool // one of them was foreign (so the namespace under the rest is unknown)
	bloom   [16]uint64
}

func (g *forgotten) add(f *frame) {
	g.any = true
	if f.ns != nsHTML {
		g.foreign = true
	}
	h := f.key * 0x9E3779B97F4A7C15
	for _, b := range [2]uint64{h >> 54, (h >> 44) & 1023} {
		g.bloom[b/64] |= 1 << (b % 64)
	}
}

func (g *forgotten) mayHave(key uint64) bool {
	h := key * 0x9E3779B97F4A7C15
	for _, b := range [2]uint64{h >> 54, (h >> 44) & 1023} {
		if g.bloom[b/64]&(1<<(b%64)) == 0 {
			return false
		}
	}
	return true
}

func (t *treeState) reset(frames []frame) {
	*t = treeState{frames: frames[:0], framesetOK: true}
}

func (t *treeState) count(f *frame, d int) {
	if f.flags&fPending != 0 && d < 0 {
		t.pendingGone = true
	}
	if f.ns != nsHTML {
		t.nForeign += int(f.n) * d
		return
	}
	if c := countedAs[f.id]; c != 0 {
		t.counts[c] += int(f.n) * d
	}
}

// Counted kinds of HTML frames: how many are open tells when a search can be skipped.
const (
	cntP = 1 + iota
	cntTemplate
	cntSelect
	cntTableish // table, caption, colgroup, tbody, thead, tfoot, tr, td, th
	numCounts
)

var countedAs = func() (m [numNamedTags + 256]uint8) {
	m[tP], m[tTemplate], m[tSelect] = cntP, cntTemplate, cntSelect
	for _, id := range []tagID{tTable, tCaption, tColgroup, tTbody, tThead, tTfoot, tTr, tTd, tTh} {
		m[id] = cntTableish
	}
	return m
}()

func (t *treeState) top() *frame {
	if len(t.frames) == 0 {
		return nil
	}
	return &t.frames[len(t.frames)-1]
}

func (t *treeState) setTop() {
	f := t.top()
	t.foreignTop = f != nil && f.ns != nsHTML || f == nil && t.forgot.foreign
}

// inForeign reports whether the current node is foreign: then <![CDATA[ starts a CDATA
// section.
func (t *treeState) inForeign() bool { return t.foreignTop }

// foreignFor reports whether a start tag with this id is handled by the rules for
// foreign content (before the breakout check).
func (t *treeState) foreignFor(id tagID) bool {
	if !t.foreignTop {
		return false
	}
	f := t.top()
	if f == nil {
		return true // lost below; the rewriter fails closed
	}
	switch {
	case f.flags&fIP != 0:
		return false
	case f.flags&fMathText != 0:
		return id == tMglyph || id == tMalignmark
	case f.flags&fAnnotation != 0:
		return id != tSvg
	}
	return true
}

func (t *treeState) push(f frame) {
	f.n = 1
	if n := len(t.frames); n > 0 {
		top := &t.frames[n-1]
		if top.key == f.key && top.ns == f.ns && top.flags == f.flags && f.flags&fPending == 0 && top.n < 1<<31 {
			top.n++
			t.count(&f, 1)
			return
		}
		if top.id == tTemplate && top.flags&fTemplateUsed == 0 && top.ns == nsHTML {
			top.flags |= fTemplateUsed
		}
	}
	if len(t.frames) == cap(t.frames) && cap(t.frames) < maxFrames {
		// Grow to the bound and no further.
		f2 := make([]frame, len(t.frames), min(max(2*cap(t.frames), 32), maxFrames))
		copy(f2, t.frames)
		t.frames = f2
	}
	if len(t.frames) == maxFrames {
		half := maxFrames / 2
		for k := range t.frames[:half] {
			t.forgot.add(&t.frames[k])
			t.count(&t.frames[k], -1)
		}
		n := copy(t.frames, t.frames[half:])
		t.frames = t.frames[:n]
	}
	t.frames = append(t.frames, f)
	t.count(&f, 1)
	t.foreignTop = f.ns != nsHTML
	if f.ns == nsHTML && afeKind[f.id] == 2 {
		t.addReopen(afeEntry{marker: true})
	}
}

// markUsed records that an element (a void one too) was inserted in a template.
func (t *treeState) markUsed() {
	if top := t.top(); top != nil && top.is(tTemplate) {
		top.flags |= fTemplateUsed
	}
}

// popTo pops the frames above index k and, when inclusive, the topmost element of
// frame k itself.
func (t *treeState) popTo(k int, inclusive bool) {
	// Most pops take the current node alone, seldom a formatting element or a marker.
	if n := len(t.frames); n > 0 && (k == n-1 && inclusive || k == n-2 && !inclusive) {
		if f := &t.frames[n-1]; f.ns == nsHTML && afeKind[f.id] != 0 {
			t.popped(n-1, inclusive)
		}
	} else if inclusive {
		t.popped(k, true)
	} else {
		t.popped(k+1, false)
	}
	for j := len(t.frames) - 1; j > k; j-- {
		t.count(&t.frames[j], -1)
	}
	t.frames = t.frames[:k+1]
	if inclusive {
		f := &t.frames[k]
		if f.n > 1 {
			f.n--
			t.count(&frame{id: f.id, ns: f.ns, n: 1}, -1)
		} else {
			t.count(f, -1)
			t.frames = t.frames[:k]
		}
	}
	t.setTop()
}

// remove takes the topmost element of frame k off the stack, leaving those above.
func (t *treeState) remove(k int) {
	f := &t.frames[k]
	if f.n > 1 {
		f.n--
		t.count(&frame{id: f.id, ns: f.ns, n: 1}, -1)
	} else {
		t.count(f, -1)
		t.frames = append(t.frames[:k], t.frames[k+1:]...)
	}
	t.setTop()
}

// unsure is called when a step reaches the forgotten part of the stack without being
// decided: the element sought may be there. The rest of the stack is forgotten too
// (the step pops it, as it would if the element is there); if the namespace of what
// remains is unknown, the tree is lost.
func (t *treeState) unsure() {
	for k := range t.frames {
		t.forgot.add(&t.frames[k])
		t.count(&t.frames[k], -1)
	}
	t.frames = t.frames[:0]
	if t.forgot.foreign {
		t.lost = true
	}
	t.setTop()
}

const notFound = -1

// findInScope returns the index of the nearest HTML frame with this key in scope s; -1
// when there is none. It calls unsure when the forgotten part may hold it.
func (t *treeState) findInScope(key uint64, s scope) int {
	for k := len(t.frames) - 1; k >= 0; k-- {
		f := &t.frames[k]
		if f.ns == nsHTML && f.key == key {
			return k
		}
		if f.stops(s) {
			return notFound
		}
	}
	if t.forgot.any && t.forgot.mayHave(key) {
		t.unsure()
	}
	return notFound
}

// closeP closes a <p> in button scope.
func (t *treeState) closeP() {
	if t.counts[cntP] == 0 && !(t.forgot.any && t.forgot.mayHave(uint64(tP))) {
		return
	}
	if k := t.findInScope(uint64(tP), scopeButton); k >= 0 {
		t.popTo(k, true)
	}
}

// generateImplied pops the elements that implied end tags close, except one.
func (t *treeState) generateImplied(except tagID) {
	for {
		f := t.top()
		if f == nil || !f.html() || !f.id.has(pImplied) || f.id == except {
			return
		}
		t.popTo(len(t.frames)-1, true)
	}
}

// breakout pops foreign elements down to an integration point or an HTML element.
func (t *treeState) breakout() {
	for k := len(t.frames) - 1; k >= 0; k-- {
		f := &t.frames[k]
		if f.ns == nsHTML || f.flags&(fIP|fMathText) != 0 {
			t.popTo(k, false)
			return
		}
	}
	if t.forgot.any {
		t.unsure()
		return
	}
	t.popTo(-1, false)
}

// startResult says what the tree builder did with a start tag.
type startResult uint8

const (
	inserted startResult = iota
	ignored              // dropped: no element, and no tokenizer state change
)

// startForeign records a start tag handled as foreign content (not a breakout).
func (t *treeState) startForeign(id tagID, key uint64, selfClosing, htmlEncoding, pending bool) {
	ns := nsSVG
	if f := t.top(); f != nil {
		ns = f.ns
	}
	if selfClosing {
		return
	}
	f := frame{key: key, id: id, ns: ns}
	switch {
	case ns == nsSVG && (id == tForeignObject || id == tDesc || id == tTitle):
		f.flags = fIP
	case ns == nsMath && (id == tMi || id == tMo || id == tMn || id == tMs || id == tMtext):
		f.flags = fMathText
	case ns == nsMath && id == tAnnotationXML:
		f.flags = fAnnotation
		if htmlEncoding {
			f.flags = fIP
		}
	}
	if pending {
		f.flags |= fPending
	}
	t.push(f)
}

// tableContext returns the nearest frame that sets the insertion mode inside tables:
// table, caption, colgroup, tbody/thead/tfoot, tr, td/th or template, -1 if none.
func (t *treeState) tableContext() int {
	if t.counts[cntTableish] == 0 && t.counts[cntTemplate] == 0 {
		return -1
	}
	for k := len(t.frames) - 1; k >= 0; k-- {
		f := &t.frames[k]
		if !f.html() {
			continue
		}
		switch f.id {
		case tTable, tCaption, tColgroup, tTbody, tThead, tTfoot, tTr, tTd, tTh, tTemplate:
			return k
		}
	}
	return -1
}

// popToID pops to (not including) the nearest frame with one of these ids.
func (t *treeState) clearTo(ids ...tagID) {
	for k := len(t.frames) - 1; k >= 0; k-- {
		f := &t.frames[k]
		if !f.html() {
			continue
		}
		for _, id := range ids {
			if f.id == id {
				t.popTo(k, false)
				return
			}
		}
	}
}

func (t *treeState) topIs(ids ...tagID) bool {
	f := t.top()
	if f == nil || !f.html() {
		return false
	}
	for _, id := range ids {
		if f.id == id {
			return true
		}
	}
	return false
}

func (t *treeState) pushHTML(id tagID, key uint64) {
	t.push(frame{key: key, id: id})
}

// startHTML records a start tag handled by the rules for HTML content. inputHidden is
// for <input type=hidden>, which leaves frameset-ok alone.
func (t *treeState) startHTML(id tagID, key uint64, selfClosing, inputHidden bool) startResult {
	if t.frameset != 0 {
		switch id {
		case tFrameset:
			if t.frameset == inFrameset {
				t.pushHTML(id, key)
				return inserted
			}
		case tFrame, tNoframes:
			if id == tNoframes || t.frameset == inFrameset {
				return inserted
			}
		}
		return ignored
	}
	if top := t.top(); top != nil && top.is(tTemplate) {
		if top.flags&fTemplateUsed == 0 && id == tCol {
			top.flags |= fTemplateCols
		}
		if top.flags&fTemplateCols != 0 && id != tCol && id != tTemplate {
			return ignored
		}
	}
	if id.has(pFramesetOff) || id == tInput && !inputHidden {
		t.framesetOK = false
	}
	switch id {
	case tHTML, tHead:
		return inserted
	case tBody:
		if t.counts[cntTemplate] == 0 {
			t.framesetOK = false
		}
		return inserted
	case tFrameset:
		if !t.framesetOK || t.counts[cntTemplate] > 0 {
			return ignored
		}
		t.popTo(-1, false)
		t.forgot = forgotten{}
		t.frameset = inFrameset
		t.pushHTML(id, key)
		return inserted
	case tCaption, tColgroup, tCol, tTbody, tThead, tTfoot, tTr, tTd, tTh:
		return t.startTablePart(id, key)
	case tTable:
		if k := t.tableContext(); k >= 0 && t.frames[k].id != tTd && t.frames[k].id != tTh &&
			t.frames[k].id != tCaption && t.frames[k].id != tTemplate {
			// In table, table body and row: a table closes the open one.
			if k := t.findInScope(uint64(tTable), scopeTable); k >= 0 {
				t.popTo(k, true)
			} else {
				return ignored
			}
		}
		t.closeP()
		t.pushHTML(id, key)
		return inserted
	case tForm:
		if t.formOpen && t.counts[cntTemplate] == 0 {
			return ignored
		}
		if t.topIs(tTable, tTbody, tThead, tTfoot, tTr) {
			// In table: inserted and popped at once.
			if t.counts[cntTemplate] > 0 {
				return ignored
			}
			t.formOpen = true
			return inserted
		}
		t.closeP()
		t.pushHTML(id, key)
		if t.counts[cntTemplate] == 0 {
			t.formOpen = true
		}
		return inserted
	case tLi, tDd, tDt:
		t.closeListItem(id)
		t.closeP()
		t.pushHTML(id, key)
		return inserted
	case tButton:
		if k := t.findInScope(uint64(tButton), scopeDefault); k >= 0 {
			t.generateImplied(tOther)
			t.popTo(k, true)
		}
		t.pushHTML(id, key)
		return inserted
	case tSelect:
		if t.counts[cntSelect] > 0 || t.forgot.any {
			if k := t.findInScope(uint64(tSelect), scopeDefault); k >= 0 {
				t.popTo(k, true)
				return inserted
			}
		}
		t.pushHTML(id, key)
		return inserted
	case tInput:
		if t.counts[cntSelect] > 0 {
			if k := t.findInScope(uint64(tSelect), scopeDefault); k >= 0 {
				t.popTo(k, true)
			}
		}
		t.markUsed()
		return inserted
	case tHr:
		t.closeP()
		if t.counts[cntSelect] > 0 && t.findInScope(uint64(tSelect), scopeDefault) >= 0 {
			t.generateImplied(tOther)
		}
		t.markUsed()
		return inserted
	case tOption, tOptgroup:
		if t.counts[cntSelect] > 0 && t.findInScope(uint64(tSelect), scopeDefault) >= 0 {
			if id == tOption {
				t.generateImplied(tOptgroup)
			} else {
				t.generateImplied(tOther)
			}
		} else if t.topIs(tOption) {
			t.popTo(len(t.frames)-1, true)
		}
		t.pushHTML(id, key)
		return inserted
	case tRb, tRtc, tRp, tRt:
		if t.findInScope(uint64(tRuby), scopeDefault) >= 0 {
			if id == tRp || id == tRt {
				t.generateImplied(tRtc)
			} else {
				t.generateImplied(tOther)
			}
		}
		t.pushHTML(id, key)
		return inserted
	case tSvg, tMath:
		t.reopenFormatting()
		if !selfClosing {
			ns := nsSVG
			if id == tMath {
				ns = nsMath
			}
			t.push(frame{key: key, id: id, ns: ns})
		} else {
			t.markUsed()
		}
		return inserted
	case tFrame:
		return ignored
	}
	if id.has(pClosesP) {
		t.closeP()
		if id.has(pHeading) {
			if f := t.top(); f != nil && f.html() && f.id.has(pHeading) {
				t.popTo(len(t.frames)-1, true)
			}
		}
	}
	if id.has(pVoid) || id.has(pRaw) {
		// Raw-text elements are popped by the end tag the tokenizer finds: they never
		// hold other elements.
		t.markUsed()
		return inserted
	}
	t.pushHTML(id, key)
	return inserted
}

// startPlain records a start tag that plainStartTag marks.
func (t *treeState) startPlain(id tagID, key uint64) {
	if id.has(pFramesetOff) {
		t.framesetOK = false
	}
	if id.has(pClosesP) {
		t.closeP()
		if id.has(pHeading) {
			if f := t.top(); f != nil && f.html() && f.id.has(pHeading) {
				t.popTo(len(t.frames)-1, true)
			}
		}
	}
	if id.has(pVoid) {
		return
	}
	t.push(frame{key: key, id: id})
}

// closeListItem: a <li> closes the open <li>, a <dd> or <dt> the open <dd> or <dt>,
// looking no further than a special element other than address, div and p.
func (t *treeState) closeListItem(id tagID) {
	for k := len(t.frames) - 1; k >= 0; k-- {
		f := &t.frames[k]
		if f.html() && (f.id == id || id != tLi && (f.id == tDd || f.id == tDt)) {
			t.generateImplied(f.id)
			t.popTo(k, true)
			return
		}
		if f.special() && !(f.html() && (f.id == tAddress || f.id == tDiv || f.id == tP)) {
			return
		}
	}
}

// startTablePart handles the start tags of table structure.
func (t *treeState) startTablePart(id tagID, key uint64) startResult {
	k := t.tableContext()
	if k < 0 {
		return ignored // in body these are dropped
	}
	ctx := t.frames[k].id
	if ctx == tTemplate {
		// The template's content takes the mode its first element implies.
		if id == tCol {
			t.markUsed()
			return inserted
		}
		t.insertTablePart(id, key)
		return inserted
	}
	switch ctx {
	case tCaption:
		t.popTo(k, true)
	case tColgroup:
		if id == tCol {
			return inserted
		}
		t.popTo(k, true)
	case tTd, tTh:
		// A cell is closed by the structure that follows it (not by a caption,
		// col or colgroup in the standard's words, but those close it too).
		t.popTo(k, true)
	}
	t.insertTablePart(id, key)
	return inserted
}

// insertTablePart inserts table structure where the current table context is, with the
// implied tbody and tr.
func (t *treeState) insertTablePart(id tagID, key uint64) {
	switch id {
	case tCaption, tColgroup, tCol:
		t.clearTo(tTable, tTemplate)
		switch id {
		case tCaption:
			t.pushHTML(id, key)
		case tColgroup:
			t.pushHTML(id, key)
		case tCol:
			t.pushHTML(tColgroup, uint64(tColgroup))
		}
	case tTbody, tThead, tTfoot:
		t.clearTo(tTable, tTemplate)
		t.pushHTML(id, key)
	case tTr:
		if !t.topIs(tTbody, tThead, tTfoot, tTemplate) {
			t.clearTo(tTbody, tThead, tTfoot, tTable, tTemplate)
			if t.topIs(tTr) {
				t.popTo(len(t.frames)-1, true)
			}
			if t.topIs(tTable) {
				t.pushHTML(tTbody, uint64(tTbody))
			}
		}
		t.pushHTML(id, key)
	case tTd, tTh:
		if !t.topIs(tTr, tTemplate) {
			t.clearTo(tTr, tTbody, tThead, tTfoot, tTable, tTemplate)
			if t.topIs(tTable) {
				t.pushHTML(tTbody, uint64(tTbody))
			}
			if !t.topIs(tTr, tTemplate) {
				t.pushHTML(tTr, uint64(tTr))
			}
		}
		t.pushHTML(id, key)
	}
}

// endHTML records an end tag handled by the rules for HTML content.
func (t *treeState) endHTML(id tagID, key uint64) {
	// Most end tags close the current node: under every rule that applies to them,
	// that pops it and nothing else.
	if n := len(t.frames); n > 0 {
		if f := &t.frames[n-1]; f.key == key && f.ns == nsHTML && id != tForm && id != tTemplate && t.frameset == 0 {
			t.popTo(n-1, true)
			if afeKind[id] == 1 {
				t.dropReopen(key) // closed by its own end tag: out of the list
			}
			return
		}
	}
	if t.frameset != 0 {
		if id == tFrameset && t.frameset == inFrameset && t.topIs(tFrameset) {
			t.popTo(len(t.frames)-1, true)
			if !t.topIs(tFrameset) {
				t.frameset = afterFrameset
			}
		}
		return
	}
	if top := t.top(); top != nil && top.is(tTemplate) && top.flags&fTemplateCols != 0 && id != tTemplate {
		return
	}
	switch {
	case id == tBody || id == tHTML || id == tBr || id == tHead:
		return
	case id == tP:
		if k := t.findInScope(key, scopeButton); k >= 0 {
			t.generateImplied(tP)
			t.popTo(k, true)
		}
		return
	case id == tLi:
		if k := t.findInScope(key, scopeListItem); k >= 0 {
			t.generateImplied(tLi)
			t.popTo(k, true)
		}
		return
	case id == tDd || id == tDt:
		if k := t.findInScope(key, scopeDefault); k >= 0 {
			t.generateImplied(id)
			t.popTo(k, true)
		}
		return
	case id.has(pHeading):
		t.endHeading()
		return
	case id == tForm:
		t.endForm()
		return
	case id == tTemplate:
		if t.counts[cntTemplate] > 0 || t.forgot.any {
			if k := t.findAny(key); k >= 0 {
				t.popTo(k, true)
			}
		}
		return
	case id == tTable:
		if k := t.findInScope(key, scopeTable); k >= 0 {
			t.popTo(k, true)
		}
		return
	case id == tTbody || id == tThead || id == tTfoot || id == tTr || id == tTd || id == tTh ||
		id == tCaption:
		if t.tableContext() >= 0 {
			if k := t.findInScope(key, scopeTable); k >= 0 {
				t.popTo(k, true)
			}
		}
		return
	case id == tColgroup:
		if t.topIs(tColgroup) {
			t.popTo(len(t.frames)-1, true)
		}
		return
	case id.has(pBlockEnd):
		if k := t.findInScope(key, scopeDefault); k >= 0 {
			t.popTo(k, true)
		}
		return
	case id.has(pFormatting):
		t.adoptionAgency(key)
		return
	}
	t.endOther(key)
}

func (t *treeState) endHeading() {
	for k := len(t.frames) - 1; k >= 0; k-- {
		f := &t.frames[k]
		if f.html() && f.id.has(pHeading) {
			t.popTo(k, true)
			return
		}
		if f.stops(scopeDefault) {
			return
		}
	}
	if t.forgot.any {
		t.unsure()
	}
}

// findAny returns the nearest HTML frame with this key, scope or not.
func (t *treeState) findAny(key uint64) int {
	for k := len(t.frames) - 1; k >= 0; k-- {
		if f := &t.frames[k]; f.html() && f.key == key {
			return k
		}
	}
	if t.forgot.any && t.forgot.mayHave(key) {
		t.unsure()
	}
	return notFound
}

// endForm: outside templates </form> takes the form element off the stack and leaves
// what is open inside it open.
func (t *treeState) endForm() {
	if t.counts[cntTemplate] > 0 {
		if k := t.findInScope(uint64(tForm), scopeDefault); k >= 0 {
			t.generateImplied(tOther)
			if t.topIs(tForm) {
				t.popTo(k, true)
			}
		}
		return
	}
	open := t.formOpen
	t.formOpen = false
	if !open {
		return
	}
	if k := t.findInScope(uint64(tForm), scopeDefault); k >= 0 {
		t.generateImplied(tOther)
		t.remove(k)
	}
}

// endOther is the "any other end tag" rule: pop to the nearest element of that name,
// unless a special element comes first.
func (t *treeState) endOther(key uint64) {
	for k := len(t.frames) - 1; k >= 0; k-- {
		f := &t.frames[k]
		if f.html() && f.key == key {
			t.popTo(k, true)
			return
		}
		if f.special() {
			return
		}
	}
	if t.forgot.any && t.forgot.mayHave(key) {
		t.unsure()
	}
}

// adoptionAgency follows what the adoption agency algorithm does to the stack for the
// end tag of a formatting element F, without the list of active formatting elements:
// with no special element above F it pops to F; with s special elements above it, each
// of the (at most eight) rounds moves past one of them, so that for s < 8 what is left is
// F's ancestors and the special elements, with the non-special ones between them gone
// (formatting ones are cloned and stay); for s >= 8 the current node stays.
func (t *treeState) adoptionAgency(key uint64) {
	if f := t.top(); f != nil && f.html() && f.key == key {
		t.popTo(len(t.frames)-1, true)
		t.dropReopen(key)
		return
	}
	k := t.findInScope(key, scopeDefault)
	if k < 0 {
		// Not on the stack: the browser takes it out of the list.
		t.dropReopen(key)
		return
	}
	specials := 0
	for j := k + 1; j < len(t.frames); j++ {
		if t.frames[j].special() {
			specials++
		}
	}
	switch {
	case specials == 0:
		t.popTo(k, true)
		t.dropReopen(key)
	case specials >= 8:
		t.remove(k)
	default:
		last := len(t.frames) - 1
		for !t.frames[last].special() {
			last--
		}
		t.popTo(last, false)
		for j := last - 1; j >= k; j-- {
			f := &t.frames[j]
			if j == k || !f.special() && !(f.html() && f.id.has(pFormatting)) {
				t.remove(j)
			}
		}
	}
}

// endForeign records an end tag in foreign content.
func (t *treeState) endForeign(id tagID, key uint64) {
	if id == tBr || id == tP {
		t.breakout()
		t.endHTML(id, key)
		return
	}
	for k := len(t.frames) - 1; k >= 0; k-- {
		f := &t.frames[k]
		if f.key == key {
			t.popTo(k, true)
			return
		}
		if k > 0 && t.frames[k-1].html() {
			t.endHTML(id, key)
			return
		}
	}
	if t.forgot.any {
		t.unsure()
		return
	}
	t.endHTML(id, key)
}

// end records an end tag.
func (t *treeState) end(id tagID, key uint64) {
	if t.foreignTop {
		t.endForeign(id, key)
	} else {
		t.endHTML(id, key)
	}
}
