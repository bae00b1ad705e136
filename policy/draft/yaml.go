package draft

import (
	"fmt"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/consentgate/consentgate/policy"
)

// purposeTODO marks a purpose the site owner still has to write; lint points at it.
const purposeTODO = policy.PurposeTODO

// render writes a new policy holding the drafted entries.
func (d *drafted) render() []byte {
	var b strings.Builder
	s := d.summary
	fmt.Fprintf(&b, "# Drafted by caddy cookie-consent draft from %d log entries.\n", s.Entries)
	b.WriteString("# Review it before enforcing: the categories are suggestions from the known\n")
	b.WriteString("# lists, every purpose is a TODO, and names nothing knows are unclassified\n")
	b.WriteString("# (blocked while undeclared: block). Check it with caddy cookie-consent lint.\n")
	b.WriteString("version: 1\nrevision: 1\nlanguages: [en]\n")
	b.WriteString("# site:\n#   name: TODO\n#   privacy_policy_url: https://example.com/privacy\n")
	b.WriteString("undeclared: block\n")
	b.WriteString("categories:\n  - id: necessary\n")
	for _, id := range d.categories {
		fmt.Fprintf(&b, "  - id: %s\n", id)
	}
	if len(d.cookies) == 0 {
		b.WriteString("cookies: []\n")
	} else {
		b.WriteString("cookies:\n")
		d.writeCookies(&b, "  ", 2)
	}
	if len(d.blockers) > 0 {
		b.WriteString("blockers:\n")
		d.writeBlockers(&b, "  ", 2)
	}
	d.writeNotes(&b, "")
	return []byte(b.String())
}

func (d *drafted) writeCookies(b *strings.Builder, dash string, keyOffset int) {
	keys := dash + strings.Repeat(" ", keyOffset)
	for _, c := range d.cookies {
		for _, note := range c.comments {
			fmt.Fprintf(b, "%s# %s\n", dash, oneLine(note))
		}
		fmt.Fprintf(b, "%s%sname: %s\n", dash, item(keyOffset), scalar(c.name))
		fmt.Fprintf(b, "%scategory: %s\n", keys, scalar(c.category))
		if c.provider != "" {
			fmt.Fprintf(b, "%sprovider: %s\n", keys, scalar(c.provider))
		}
		fmt.Fprintf(b, "%stype: %s\n", keys, c.typ)
		fmt.Fprintf(b, "%sduration: %s\n", keys, scalar(c.duration))
		fmt.Fprintf(b, "%spurpose: %s\n", keys, scalar(purposeTODO))
	}
}

func (d *drafted) writeBlockers(b *strings.Builder, dash string, keyOffset int) {
	keys := dash + strings.Repeat(" ", keyOffset)
	for _, bl := range d.blockers {
		for _, note := range bl.comments {
			fmt.Fprintf(b, "%s# %s\n", dash, oneLine(note))
		}
		fmt.Fprintf(b, "%s%scategory: %s\n", dash, item(keyOffset), scalar(bl.category))
		fmt.Fprintf(b, "%shosts:\n", keys)
		for _, h := range bl.hosts {
			fmt.Fprintf(b, "%s  - %s\n", keys, scalar(h))
		}
	}
}

func (d *drafted) writeCategories(b *strings.Builder, dash string, keyOffset int, ids []string) {
	for _, id := range ids {
		fmt.Fprintf(b, "%s%sid: %s\n", dash, item(keyOffset), scalar(id))
	}
}

// item starts a list entry whose keys are keyOffset columns right of its dash,
// as the file's own entries are written ("- name:", "-   name:").
func item(keyOffset int) string {
	return "-" + strings.Repeat(" ", max(1, keyOffset-1))
}

// writeNotes adds what draft saw but could not turn into entries, as comments.
func (d *drafted) writeNotes(b *strings.Builder, indent string) {
	if n := d.notNotice; n != nil {
		fmt.Fprintf(b, "%s# notice_only: true says only necessary cookies exist, but the logs show these too.\n", indent)
		fmt.Fprintf(b, "%s# Remove notice_only (visitors are then asked for consent) and add them, or make the site stop:\n", indent)
		var entries strings.Builder
		if len(n.cookies) > 0 {
			entries.WriteString("cookies:\n")
			n.writeCookies(&entries, "  ", 2)
		}
		if len(n.blockers) > 0 {
			entries.WriteString("blockers:\n")
			n.writeBlockers(&entries, "  ", 2)
		}
		for _, l := range strings.SplitAfter(entries.String(), "\n") {
			if l != "" {
				fmt.Fprintf(b, "%s#   %s", indent, l)
			}
		}
	}
	if len(d.unknown) > 0 {
		fmt.Fprintf(b, "%s# Third-party hosts seen that nothing knows: add a blocker for each that tracks.\n", indent)
		for _, u := range d.unknown {
			fmt.Fprintf(b, "%s#   %s\n", indent, oneLine(u))
		}
	}
	if len(d.skipped) > 0 {
		fmt.Fprintf(b, "%s# Seen but not declarable as they are:\n", indent)
		for _, u := range d.skipped {
			fmt.Fprintf(b, "%s#   %s\n", indent, oneLine(u))
		}
	}
	writeNotProposed(b, indent, d.deletedOnly,
		"Only deleted by the site while the proxy watched (a logout expires names it may no longer",
		"set): declare them if the site sets them.")
	writeNotProposed(b, indent, d.requestOnly,
		"Seen only in visitors' requests, never set by the site while the proxy watched: probably",
		"cookies left from before, or sent by the visitor; declare them if the site uses them.")
}

// writeNotProposed lists names that are not proposed as comments under a
// heading, most seen first, at most maxRequestOnlyListed of them.
func writeNotProposed(b *strings.Builder, indent string, xs []*seen, heading ...string) {
	if len(xs) == 0 {
		return
	}
	for _, h := range heading {
		fmt.Fprintf(b, "%s# %s\n", indent, h)
	}
	for i, x := range xs {
		if i == maxRequestOnlyListed {
			fmt.Fprintf(b, "%s#   and %d more\n", indent, len(xs)-i)
			break
		}
		fmt.Fprintf(b, "%s#   %s\n", indent, oneLine(fmt.Sprintf("%s %s (%s)", x.kind, quoteComment(clip(x.name)), seenNote(x.sightings(), nil, clip(x.firstPath)))))
	}
}

// maxRequestOnlyListed is how many of the names seen only in visitors'
// requests a draft lists, most seen first; the rest are counted.
const maxRequestOnlyListed = 50

// clip shortens a name for a comment line to its first 100 characters.
func clip(s string) string {
	const most = 100
	n := 0
	for i := range s {
		if n == most {
			return s[:i] + "..."
		}
		n++
	}
	return s
}

// scalar writes a string as one YAML scalar on one line, to follow "key: " or
// "- ": as yaml.Marshal writes it (plain, quoted only when it must be) when
// that is one line, else double-quoted with escapes. yaml.Marshal writes a
// string with a line break as a block scalar ("|-" and indented lines), which
// cannot follow a key written inline; a name or provider from a log may hold
// anything.
func scalar(s string) string {
	if out, err := yaml.Marshal(s); err == nil {
		if o := strings.TrimSuffix(string(out), "\n"); !strings.ContainsAny(o, "\n\r\u0085\u2028\u2029") {
			return o
		}
	}
	return doubleQuoted(s)
}

// doubleQuoted writes s as a YAML double-quoted scalar: line breaks, control
// characters and the characters YAML reads as line breaks or a byte-order mark
// as escapes, so the scalar stays on one line.
func doubleQuoted(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == '\u2028' || r == '\u2029' || r == '\ufeff':
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// oneLine keeps a comment on one line whatever a logged name holds: every
// character YAML reads as a line break (NEL, U+0085, too: after one, the rest of
// a comment would be read as policy) and every other control character is a space.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == '\u2028' || r == '\u2029' || r == '\ufeff' {
			return ' '
		}
		return r
	}, s)
}

// merge appends the drafted entries to an existing policy file without changing
// any of its lines: new cookies go at the end of its cookies: list, blockers at
// the end of blockers:, missing categories at the end of categories:, each in the
// file's own indentation, so that a diff shows only added lines. A section the
// file lacks is added at the end of its document. (The one permitted change: an
// empty flow list, `cookies: []`, loses its brackets to become a list entries
// can follow; written over two lines, both change.) A policy written in flow
// style (JSON) cannot take block entries and is refused, as is a non-empty flow
// list.
func merge(data []byte, existing *policy.Policy, d *drafted) ([]byte, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s: not a policy mapping", existing.File)
	}
	root := doc.Content[0]
	text := string(data)
	eol := "\n"
	if strings.Contains(text, "\r\n") {
		eol = "\r\n"
	}
	lines := strings.SplitAfter(text, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	if len(lines) > 0 && !strings.HasSuffix(lines[len(lines)-1], "\n") {
		lines[len(lines)-1] += eol
	}

	// The policy's document ends at a "..." or "---" line after it (comments
	// may follow): what is added goes before it.
	docEnd := len(lines)
	for i := root.Line; i < len(lines); i++ {
		if documentMarker(lines[i]) {
			docEnd = i
			break
		}
	}
	indent := strings.Repeat(" ", max(root.Column-1, 0)) // of the top-level keys

	var missingCats []string
	for _, id := range d.categories {
		if existing.CategoryIndex(id) < 0 {
			missingCats = append(missingCats, id)
		}
	}
	if root.Style&yaml.FlowStyle != 0 && (len(missingCats) > 0 || len(d.cookies) > 0 || len(d.blockers) > 0) {
		return nil, fmt.Errorf("%s: cannot merge into a policy written in flow style (JSON, or YAML in { }): draft adds its entries as block YAML, one \"- \" entry per line, which a flow mapping cannot hold; "+
			"convert the policy to block YAML (key: value lines, as caddy cookie-consent draft writes), or run draft without --policy and copy the entries into it", existing.File)
	}
	type section struct {
		key   string
		write func(b *strings.Builder, dash string, keyOffset int)
		empty bool
	}
	sections := []section{
		{"categories", func(b *strings.Builder, dash string, off int) { d.writeCategories(b, dash, off, missingCats) }, len(missingCats) == 0},
		{"cookies", d.writeCookies, len(d.cookies) == 0},
		{"blockers", d.writeBlockers, len(d.blockers) == 0},
	}
	type insertion struct {
		after int    // insert after this many lines of the file
		text  string // lines to insert
		fix   func() // the one permitted change of a line
	}
	var ins []insertion
	var appendix strings.Builder
	for _, sec := range sections {
		if sec.empty {
			continue
		}
		ki := -1
		for i := 0; i+1 < len(root.Content); i += 2 {
			if root.Content[i].Value == sec.key {
				ki = i
			}
		}
		if ki < 0 {
			fmt.Fprintf(&appendix, "%s%s:%s", indent, sec.key, eol)
			var b strings.Builder
			b.WriteString(indent + "  # added by caddy cookie-consent draft\n")
			sec.write(&b, indent+"  ", 2)
			appendix.WriteString(strings.ReplaceAll(b.String(), "\n", eol))
			continue
		}
		k, v := root.Content[ki], root.Content[ki+1]
		dash, keyOffset := strings.Repeat(" ", k.Column-1+2), 2
		var fix func()
		switch {
		case v.Kind == yaml.SequenceNode && v.Style&yaml.FlowStyle == 0 && len(v.Content) > 0:
			dash = strings.Repeat(" ", v.Column-1)
			if item := v.Content[0]; item.Kind == yaml.MappingNode && item.Style&yaml.FlowStyle == 0 {
				keyOffset = item.Column - v.Column
			}
		case v.Kind == yaml.SequenceNode && len(v.Content) == 0 && v.Style&yaml.FlowStyle != 0:
			// [] (or [ and ] on lines of their own) with nothing between but
			// blanks and comments: the brackets go, so entries can follow.
			f, ok := emptyFlowToBlock(lines, v.Line-1, v.Column-1)
			if !ok {
				return nil, fmt.Errorf("%s:%d: %s: is written as an empty flow list [] that draft cannot turn into a block list; write %s: alone on its line to merge into it", existing.File, k.Line, sec.key, sec.key)
			}
			fix = f
		case v.Kind == yaml.ScalarNode && v.Tag == "!!null":
			// "cookies:" with nothing after it: entries can follow.
		default:
			return nil, fmt.Errorf("%s:%d: %s: is written as a flow list [...]; write it as a block list, one \"- \" entry per line, to merge into it", existing.File, k.Line, sec.key)
		}
		var b strings.Builder
		fmt.Fprintf(&b, "%s# added by caddy cookie-consent draft\n", dash)
		sec.write(&b, dash, keyOffset)
		ins = append(ins, insertion{after: sectionEnd(lines, root, ki, docEnd), text: strings.ReplaceAll(b.String(), "\n", eol), fix: fix})
	}
	if appendix.Len() > 0 {
		// Last among insertions at the same place: after the last section.
		ins = append(ins, insertion{after: docEnd, text: appendix.String()})
	}
	for _, in := range ins {
		if in.fix != nil {
			in.fix()
		}
	}
	sort.SliceStable(ins, func(i, j int) bool { return ins[i].after < ins[j].after })
	var out strings.Builder
	next := 0
	for _, in := range ins {
		for ; next < in.after; next++ {
			out.WriteString(lines[next])
		}
		out.WriteString(in.text)
	}
	for ; next < len(lines); next++ {
		out.WriteString(lines[next])
	}
	if len(d.unknown) > 0 || len(d.skipped) > 0 || len(d.requestOnly) > 0 || len(d.deletedOnly) > 0 || d.notNotice != nil {
		var notes strings.Builder
		d.writeNotes(&notes, "")
		out.WriteString(strings.ReplaceAll(notes.String(), "\n", eol))
	}
	return []byte(out.String()), nil
}

// sectionEnd is the number of lines up to and including the last line of the
// value of root's key at ki: the line before the next top-level key (or the end
// of the document, docEnd), less the blank lines and unindented comments that
// lead into whatever follows.
func sectionEnd(lines []string, root *yaml.Node, ki, docEnd int) int {
	end := docEnd
	if ki+2 < len(root.Content) {
		end = root.Content[ki+2].Line - 1
	}
	keyLine := root.Content[ki].Line
	for end > keyLine {
		l := strings.TrimRight(lines[end-1], "\r\n")
		if strings.TrimSpace(l) == "" || strings.HasPrefix(l, "#") {
			end--
			continue
		}
		break
	}
	return end
}

// documentMarker reports whether a line is a YAML document start or end
// marker, "---" or "..." in the first column followed by nothing or a blank.
func documentMarker(line string) bool {
	if !strings.HasPrefix(line, "---") && !strings.HasPrefix(line, "...") {
		return false
	}
	return len(line) == 3 || strings.ContainsRune(" \t\r\n", rune(line[3]))
}

// emptyFlowToBlock returns the change that removes the brackets of an empty
// flow list whose "[" is at lines[line][col], so that block entries can follow:
// "cookies: []  # none yet" becomes "cookies:  # none yet", and of
// "cookies: [" and "]" on the next line, the "[" and the "]" go (the "]" line
// stays, blank or with its comment). ok is false when what follows the "[" is
// not blanks and comments up to a "]".
func emptyFlowToBlock(lines []string, line, col int) (fix func(), ok bool) {
	if line < 0 || line >= len(lines) || col < 0 || col >= len(lines[line]) || lines[line][col] != '[' {
		return nil, false
	}
	for l, from := line, col+1; l < len(lines); l, from = l+1, 0 {
		text := lines[l]
		for i := from; i < len(text); i++ {
			switch c := text[i]; {
			case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			case c == '#':
				i = len(text) // a comment runs to the line's end
			case c == ']':
				closeLine, closeCol := l, i
				return func() {
					if closeLine == line {
						lines[line] = strings.TrimRight(text[:col], " ") + text[closeCol+1:]
						return
					}
					open := lines[line]
					lines[line] = strings.TrimRight(open[:col], " ") + open[col+1:]
					lines[closeLine] = text[:closeCol] + text[closeCol+1:]
				}, true
			default:
				return nil, false
			}
		}
	}
	return nil, false
}
