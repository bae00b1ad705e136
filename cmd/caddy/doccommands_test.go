package main

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// TestDocCommands runs the commands that the README and the pages of docs/
// show in ```console blocks, with this binary as `caddy`, and compares what
// they print with what the page says they print. So every such transcript
// is real output, and stays so.
//
// A block is lines of `$ command` each followed by its expected output
// (stdout and stderr together). An expected line ending in "…" matches any
// line that starts with the text before it. Each block runs in a directory of
// its own that holds the repository's top-level entries (as links), so a
// command reads examples/... as written and writes its files there.
func TestDocCommands(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Fatal("the documented commands are for a Unix shell")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	pages, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	pages = append([]string{filepath.Join(root, "README.md")}, pages...)
	var blocks []docBlock
	for _, p := range pages {
		bs, err := consoleBlocks(p)
		if err != nil {
			t.Fatal(err)
		}
		blocks = append(blocks, bs...)
	}
	if len(blocks) == 0 {
		t.Fatal("no console blocks found in README.md and docs/: the transcripts are gone or their fence changed")
	}

	bin := t.TempDir()
	build := exec.Command("go", "build", "-o", filepath.Join(bin, "caddy"), ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range blocks {
		t.Run(b.name, func(t *testing.T) {
			dir := t.TempDir()
			for _, e := range entries {
				if err := os.Symlink(filepath.Join(root, e.Name()), filepath.Join(dir, e.Name())); err != nil {
					t.Fatal(err)
				}
			}
			for _, c := range b.commands {
				cmd := exec.Command("bash", "-c", c.line)
				cmd.Dir = dir
				cmd.Env = append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"))
				out, _ := cmd.CombinedOutput() // a lint with errors exits 1: the output says so
				got := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
				if len(out) == 0 {
					got = nil
				}
				if !linesMatch(got, c.want) {
					t.Errorf("$ %s\nprinted:\n%s\nthe page (%s) says:\n%s", c.line, strings.Join(got, "\n"), b.name, strings.Join(c.want, "\n"))
				}
			}
		})
	}
}

type docCommand struct {
	line string
	want []string
}

type docBlock struct {
	name     string // page:line
	commands []docCommand
}

// consoleBlocks reads the ```console blocks of a Markdown page.
func consoleBlocks(page string) ([]docBlock, error) {
	f, err := os.Open(page)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var blocks []docBlock
	var cur *docBlock
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimRight(sc.Text(), " \t")
		trimmed := strings.TrimLeft(line, " \t")
		switch {
		case cur == nil && trimmed == "```console":
			cur = &docBlock{name: filepath.Base(page) + ":" + strconv.Itoa(n)}
		case cur != nil && trimmed == "```":
			// A blank line between two commands is not output.
			for i := range cur.commands {
				w := cur.commands[i].want
				for len(w) > 0 && w[len(w)-1] == "" {
					w = w[:len(w)-1]
				}
				cur.commands[i].want = w
			}
			blocks = append(blocks, *cur)
			cur = nil
		case cur != nil && strings.HasPrefix(trimmed, "$ "):
			cur.commands = append(cur.commands, docCommand{line: strings.TrimPrefix(trimmed, "$ ")})
		case cur != nil && len(cur.commands) > 0:
			c := &cur.commands[len(cur.commands)-1]
			c.want = append(c.want, line)
		}
	}
	return blocks, sc.Err()
}

func linesMatch(got, want []string) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		g := strings.TrimRight(got[i], " \t")
		if p, ok := strings.CutSuffix(want[i], "…"); ok {
			if !strings.HasPrefix(g, p) {
				return false
			}
		} else if g != want[i] {
			return false
		}
	}
	return true
}

// TestDocTables: every Markdown table of the README and docs/ renders as
// one table: a header row, the delimiter row right after it, and every row
// with as many cells as the header (a blank line or a stray paragraph inside
// a table splits it in two).
func TestDocTables(t *testing.T) {
	pages, err := filepath.Glob("../../docs/*.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range append(pages, "../../README.md") {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(string(data), "\n")
		fenced := false
		for i := 0; i < len(lines); i++ {
			if strings.HasPrefix(strings.TrimSpace(lines[i]), "```") {
				fenced = !fenced
			}
			if fenced || !strings.HasPrefix(lines[i], "|") {
				continue
			}
			where := filepath.Base(p) + ":" + strconv.Itoa(i+1)
			cells := tableCells(lines[i])
			if i+1 >= len(lines) || !isDelimiterRow(lines[i+1]) || tableCells(lines[i+1]) != cells {
				t.Errorf("%s: a table row with no delimiter row of %d cells after it (a table split in two?)", where, cells)
			}
			for i++; i < len(lines) && strings.HasPrefix(lines[i], "|"); i++ {
				if n := tableCells(lines[i]); n != cells {
					t.Errorf("%s:%d: %d cells, the header has %d", filepath.Base(p), i+1, n, cells)
				}
			}
		}
	}
}

// tableCells counts the cells of a table row: the pipes that are not escaped,
// less one.
func tableCells(row string) int {
	n := 0
	for i := 0; i < len(row); i++ {
		switch row[i] {
		case '\\':
			i++
		case '|':
			n++
		}
	}
	return n - 1
}

func isDelimiterRow(row string) bool {
	return strings.HasPrefix(row, "|") && strings.Trim(row, "|-: ") == ""
}
