// Package threadcpu reads the CPU time of the calling thread, which the
// benchmarks report next to wall-clock time: on a shared machine it measures
// the code and not the neighbours. Lock the goroutine to its thread
// (runtime.LockOSThread) around what is measured.
package threadcpu

import (
	"syscall"
	"time"
	"unsafe"
)

// clockThreadCPUTime is Linux's CLOCK_THREAD_CPUTIME_ID: nanoseconds, where
// getrusage(RUSAGE_THREAD) counts in microseconds.
const clockThreadCPUTime = 3

// Now returns the thread's CPU time so far; ok is false where it cannot be
// read.
func Now() (d time.Duration, ok bool) {
	var ts syscall.Timespec
	if _, _, errno := syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clockThreadCPUTime, uintptr(unsafe.Pointer(&ts)), 0); errno != 0 {
		return 0, false
	}
	return time.Duration(ts.Nano()), true
}
