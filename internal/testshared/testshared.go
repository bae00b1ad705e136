// Package testshared finds the project's shared test material (../shared beside the
// repository: the HTML corpus, the seed policies, the Open Cookie Database) for tests
// and benchmarks. The material is read in place and never copied into the repository.
package testshared

import (
	"net"
	"os"
	"path/filepath"
	"testing"
)

// Dir returns the shared directory. It is $CONSENTGATE_SHARED when set, otherwise the
// folder named shared beside the repository root (the directory holding go.mod).
// The test fails when it cannot be found: CI always provides it, and a silent skip
// would count a test as passing that never ran.
func Dir(tb testing.TB) string {
	tb.Helper()
	if d := os.Getenv("CONSENTGATE_SHARED"); d != "" {
		return d
	}
	wd, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			shared := filepath.Join(filepath.Dir(d), "shared")
			if _, err := os.Stat(shared); err != nil {
				tb.Fatalf("shared test material not found at %s (set CONSENTGATE_SHARED): %v", shared, err)
			}
			return shared
		}
		if filepath.Dir(d) == d {
			tb.Fatal("repository root (go.mod) not found above " + wd)
		}
	}
}

// CorpusPages returns the paths of every HTML page in the shared corpus.
func CorpusPages(tb testing.TB) []string {
	tb.Helper()
	pages, err := filepath.Glob(filepath.Join(Dir(tb), "corpus", "*", "*.html"))
	if err != nil || len(pages) == 0 {
		tb.Fatalf("no corpus pages found: %v", err)
	}
	return pages
}

// FreePort returns a loopback port nothing listens on now.
func FreePort(tb testing.TB) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
