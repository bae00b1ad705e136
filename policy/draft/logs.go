package draft

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// The log entries draft reads (the contract in caddymodule/observe.go).
const (
	logger         = "http.handlers.cookie_consent"
	msgObserved    = "observed"
	msgUndeclared  = "undeclared cookie"
	maxLineLen     = 1 << 20 // a longer line is not one of ours; it is skipped
	maxDistinct    = 5000    // names per kind and source class (site, request): past this a flood of random names is summarised, not listed
	gzipMagic0     = 0x1f
	gzipMagic1     = 0x8b
	kindCookie     = "cookie"
	kindStorage    = "storage"
	kindElement    = "element"
	sourceServer   = "server"
	sourceGuard    = "guard"
	sourceRequest  = "request" // a name in a visitor's Cookie header: visitor input
	actionDeleted  = "deleted" // a Set-Cookie of the site that expires the cookie
	classDeclared  = "declared"
	classConsent   = "consent"
	classKnown     = "known"
	classUndeclard = "undeclared"
)

// entry is one log entry of ours, as draft needs it.
type entry struct {
	Logger       string `json:"logger"`
	Msg          string `json:"msg"`
	Kind         string `json:"kind"`
	Name         string `json:"name"`
	Count        int64  `json:"count"`
	Category     string `json:"category"`
	Suggested    string `json:"suggested_category"`
	ClassifiedBy string `json:"classified_by"`
	Action       string `json:"action"`
	Source       string `json:"source"`
	Type         string `json:"type"`
	Element      string `json:"element"`
	Provider     string `json:"provider"`
	MaxAge       int64  `json:"max_age"`
	FirstPath    string `json:"first_path"`
	Path         string `json:"path"`

	fromWarning bool // an "undeclared cookie" warning, which repeats what "observed" counts
}

// readLog feeds every entry of ours in one log to add. The log is Caddy's JSON
// format, one entry per line, plain or gzip-compressed (rotated logs are
// compressed; the content tells, not the file name, so stdin works too). Lines
// that are not JSON or not ours are skipped and counted. An error names the log
// and the line of it (of its decompressed text) that could not be read.
func readLog(r io.Reader, name string, s *Summary, add func(entry)) error {
	br := bufio.NewReaderSize(r, 64<<10)
	compressed := false
	if magic, err := br.Peek(2); err == nil && magic[0] == gzipMagic0 && magic[1] == gzipMagic1 {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		defer zr.Close()
		br = bufio.NewReaderSize(zr, 64<<10)
		compressed = true
	}
	lineNo := 0 // lines of this log read so far
	for {
		line, err := readLine(br)
		switch {
		case errors.Is(err, errLongLine):
			lineNo++
			s.Skipped++
			continue
		case err != nil && !errors.Is(err, io.EOF):
			// The line being read when the log broke off: not parsed, since
			// what there is of it is cut short.
			if compressed && errors.Is(err, io.ErrUnexpectedEOF) {
				return fmt.Errorf("%s: line %d: %w (the gzip stream ends early: the file is cut short, or was still being written)", name, lineNo+1, err)
			}
			return fmt.Errorf("%s: line %d: %w", name, lineNo+1, err)
		}
		if err == nil || len(line) > 0 {
			lineNo++
		}
		if len(line) > 0 {
			s.Lines++
			parseLine(line, s, add)
		}
		if err != nil {
			return nil // io.EOF
		}
	}
}

var errLongLine = errors.New("line too long")

// readLine returns the next line without its line end. A line over maxLineLen
// is consumed and reported as errLongLine. The last line of a log may lack its
// line end: it comes with io.EOF. Any other error comes with nothing, as the
// line it broke off is not whole.
func readLine(br *bufio.Reader) ([]byte, error) {
	var line []byte
	for {
		chunk, err := br.ReadSlice('\n')
		text := len(chunk)
		if err == nil {
			text-- // the line end
		}
		if len(line)+text > maxLineLen {
			for errors.Is(err, bufio.ErrBufferFull) {
				_, err = br.ReadSlice('\n')
			}
			if err != nil && !errors.Is(err, io.EOF) {
				return nil, err
			}
			return nil, errLongLine
		}
		line = append(line, chunk...)
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case err != nil && !errors.Is(err, io.EOF):
			return nil, err
		}
		line = bytes.TrimSuffix(line, []byte("\n"))
		return bytes.TrimSuffix(line, []byte("\r")), err
	}
}

func parseLine(line []byte, s *Summary, add func(entry)) {
	line = bytes.TrimSpace(line)
	if len(line) == 0 || line[0] != '{' {
		s.Skipped++
		return
	}
	var e entry
	if err := json.Unmarshal(line, &e); err != nil {
		s.Skipped++
		return
	}
	if e.Logger != logger || (e.Msg != msgObserved && e.Msg != msgUndeclared) {
		return // another logger's entry: not ours to count
	}
	if e.Msg == msgUndeclared {
		e.fromWarning = true
		// The warning is about a Set-Cookie the proxy saw, unless it says otherwise
		// (the guard's reports are logged the same way).
		if e.Kind == "" {
			e.Kind = kindCookie
		}
		if e.Source == "" {
			e.Source = sourceServer
		}
		if e.Type == "" && e.Source == sourceServer {
			e.Type = "http"
		}
		if e.Category == "" {
			e.Category = e.Suggested
		}
		if e.ClassifiedBy == "" {
			e.ClassifiedBy = classUndeclard
			if e.Category != "" {
				e.ClassifiedBy = classKnown
			}
		}
		if e.FirstPath == "" {
			e.FirstPath = e.Path
		}
	}
	if e.Count <= 0 {
		e.Count = 1
	}
	e.Kind = strings.ToLower(e.Kind)
	s.Entries++
	add(e)
}
