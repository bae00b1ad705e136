package htmlrewrite

import (
	"bytes"
	"fmt"
	"io"
	"runtime"
	"sort"
	"syscall"
	"testing"
	"time"

	"golang.org/x/net/html"
)

func threadCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(1 /* RUSAGE_THREAD */, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func TestCPUThroughput(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	names, pages := corpus(t)
	var rw, xn []float64
	r := New(io.Discard, &benchConfig)
	for _, n := range names {
		page := pages[n]
		once := func(f func()) float64 {
			iters := 0
			c0 := threadCPU()
			for threadCPU()-c0 < 20*time.Millisecond {
				f()
				iters++
			}
			d := threadCPU() - c0
			return float64(len(page)*iters) / d.Seconds() / 1e6
		}
		fa := func() {
			r.Reset(io.Discard, &benchConfig)
			for p := page; len(p) > 0; {
				c := p[:min(len(p), 32<<10)]
				r.Write(c)
				p = p[len(c):]
			}
			r.Close()
		}
		fb := func() {
			z := html.NewTokenizer(bytes.NewReader(page))
			for z.Next() != html.ErrorToken {
			}
		}
		a, b := 0.0, 0.0
		for k := 0; k < 7; k++ {
			a = max(a, once(fa))
			b = max(b, once(fb))
		}
		fmt.Printf("%-40s %7.0f %5.0f %5.2f\n", n, a, b, a/b)
		rw = append(rw, a)
		xn = append(xn, b)
	}
	sort.Float64s(rw)
	sort.Float64s(xn)
	fmt.Printf("rewriter median %.0f MB/s (cpu time), xnet %.0f, ratio %.2f\n", rw[len(rw)/2], xn[len(xn)/2], rw[len(rw)/2]/xn[len(xn)/2])
}
