package knowncookies

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Header names of the Open Cookie Database columns this package reads. Columns are
// located by name, so the database may reorder or add columns.
const (
	ocdColName     = "Cookie / Data Key name"
	ocdColCategory = "Category"
	ocdColPlatform = "Platform"
	ocdColWildcard = "Wildcard match"
)

// Stats says what ReadOpenCookieDatabaseStats kept and what it left out, so that a
// loader can tell an operator why a database yields fewer entries than it has rows.
type Stats struct {
	Rows            int // data rows, the header not counted
	Read            int // cookies returned
	EmptyName       int // rows without a name (including rows too short to have one)
	Unexpressible   int // names containing `*` or `#`, which our pattern syntax would misread
	UnknownCategory int // categories Category does not know
	Duplicate       int // rows whose resulting name an earlier row already gave
}

// ReadOpenCookieDatabase reads a CSV in the Open Cookie Database format. See
// ReadOpenCookieDatabaseStats for the rules; this form drops the statistics.
func ReadOpenCookieDatabase(r io.Reader) ([]Cookie, error) {
	cookies, _, err := ReadOpenCookieDatabaseStats(r)
	return cookies, err
}

// ReadOpenCookieDatabaseStats reads a CSV in the Open Cookie Database format and says
// which rows it skipped.
//
// The columns "Cookie / Data Key name" and "Category" are required; "Platform" and
// "Wildcard match" are used when present. A row whose "Wildcard match" is 1 names a
// prefix and becomes name + "*". Rows are skipped, not reported as errors, when the name
// is empty, when it contains `*` or `#` (no exact translation into our pattern syntax
// exists), or when the category is unknown. A name given by several rows is returned
// once, in the most consent-demanding of their categories, because the database
// occasionally lists the same name for unrelated vendors and a caller matching by name
// cannot tell them apart.
//
// Errors (an unreadable input, a missing header or required column) carry the line
// number they concern.
func ReadOpenCookieDatabaseStats(r io.Reader) ([]Cookie, Stats, error) {
	var st Stats
	cr := csv.NewReader(r)
	// The published file has rows with stray quotes and ragged field counts; being
	// strict would reject the whole database over one bad description.
	cr.LazyQuotes = true
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true

	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, st, errors.New("open cookie database: line 1: empty input, expected a header row")
	}
	if err != nil {
		return nil, st, readError(err, 1)
	}
	cols := locateColumns(header)
	for _, req := range []string{ocdColName, ocdColCategory} {
		if cols[req] < 0 {
			return nil, st, fmt.Errorf("open cookie database: line 1: missing column %q", req)
		}
	}

	var out []Cookie
	index := map[string]int{} // name → position in out
	line := 1
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, st, readError(err, line+1)
		}
		line, _ = cr.FieldPos(0)
		st.Rows++

		field := func(col string) string {
			i := cols[col]
			if i < 0 || i >= len(rec) {
				return ""
			}
			return strings.TrimSpace(rec[i])
		}
		name := field(ocdColName)
		if name == "" {
			st.EmptyName++
			continue
		}
		if strings.ContainsAny(name, "*#") {
			st.Unexpressible++
			continue
		}
		category, ok := Category(field(ocdColCategory))
		if !ok {
			st.UnknownCategory++
			continue
		}
		if field(ocdColWildcard) == "1" {
			name += "*"
		}
		c := Cookie{Name: name, Category: category, Platform: field(ocdColPlatform)}
		if i, seen := index[name]; seen {
			st.Duplicate++
			if strictness(c.Category) > strictness(out[i].Category) {
				out[i] = c
			}
			continue
		}
		index[name] = len(out)
		out = append(out, c)
	}
	st.Read = len(out)
	return out, st, nil
}

// locateColumns maps each wanted header name to its column index, -1 when absent.
// Names compare case-insensitively and ignore surrounding space and a UTF-8 byte order
// mark, which spreadsheet programs add when re-saving the file.
func locateColumns(header []string) map[string]int {
	cols := map[string]int{ocdColName: -1, ocdColCategory: -1, ocdColPlatform: -1, ocdColWildcard: -1}
	for i, h := range header {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\uFEFF"))
		for want, at := range cols {
			if at < 0 && strings.EqualFold(h, want) {
				cols[want] = i
			}
		}
	}
	return cols
}

// readError gives an input error a line number. csv.ParseError already has one; other
// errors come from the underlying reader, and line is where reading had got to.
func readError(err error, line int) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fmt.Errorf("open cookie database: %w", err)
	}
	return fmt.Errorf("open cookie database: line %d: %w", line, err)
}
