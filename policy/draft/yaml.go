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
}

// scalar writes a string as YAML does, quoted only when it must be.
func scalar(s string) string {
	out, err := yaml.Marshal(s)
	if err != nil {
		return fmt.Sprintf("%q", s)
	}
	return strings.TrimSuffix(string(out), "\n")
}

// oneLine keeps a comment on one line whatever a logged name holds.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, s)
}

// merge appends the drafted entries to an existing policy file without changing
// any of its lines: new cookies go at the end of its cookies: list, blockers at
// the end of blockers:, missing categories at the end of categories:, each in the
// file's own indentation, so that a diff shows only added lines. A section the
// file lacks is added at its end. (The one changed line: an empty `cookies: []`
// loses its `[]` to become a list entries can follow.)
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

	var missingCats []string
	for _, id := range d.categories {
		if existing.CategoryIndex(id) < 0 {
			missingCats = append(missingCats, id)
		}
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
			fmt.Fprintf(&appendix, "%s:%s", sec.key, eol)
			var b strings.Builder
			b.WriteString("  # added by caddy cookie-consent draft\n")
			sec.write(&b, "  ", 2)
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
		case v.Kind == yaml.SequenceNode && len(v.Content) == 0 && v.Line == k.Line:
			line := k.Line - 1
			fix = func() { lines[line] = emptyFlowToBlock(lines[line], v.Column-1) }
		case v.Kind == yaml.ScalarNode && v.Tag == "!!null":
			// "cookies:" with nothing after it: entries can follow.
		default:
			return nil, fmt.Errorf("%s:%d: %s: is written as a flow list [...]; write it as a block list, one \"- \" entry per line, to merge into it", existing.File, k.Line, sec.key)
		}
		var b strings.Builder
		fmt.Fprintf(&b, "%s# added by caddy cookie-consent draft\n", dash)
		sec.write(&b, dash, keyOffset)
		ins = append(ins, insertion{after: sectionEnd(lines, root, ki), text: strings.ReplaceAll(b.String(), "\n", eol), fix: fix})
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
	if appendix.Len() > 0 || len(d.unknown) > 0 || len(d.skipped) > 0 || d.notNotice != nil {
		var notes strings.Builder
		d.writeNotes(&notes, "")
		out.WriteString(appendix.String())
		out.WriteString(strings.ReplaceAll(notes.String(), "\n", eol))
	}
	return []byte(out.String()), nil
}

// sectionEnd is the number of lines up to and including the last line of the
// value of root's key at ki: the line before the next top-level key (or the end
// of the file), less the blank lines and unindented comments that lead into
// whatever follows.
func sectionEnd(lines []string, root *yaml.Node, ki int) int {
	end := len(lines)
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

// emptyFlowToBlock turns "cookies: []  # none yet" into "cookies:  # none yet"
// so that block entries can follow. col is where "[" is.
func emptyFlowToBlock(line string, col int) string {
	if col < 0 || col >= len(line) || line[col] != '[' {
		return line
	}
	rest := line[col+1:]
	close := strings.IndexByte(rest, ']')
	if close < 0 {
		return line
	}
	return strings.TrimRight(line[:col], " ") + rest[close+1:]
}
