package caddymodule

import (
	"syscall"
	"time"
)

// threadCPUTime is the CPU time of the calling thread: on a shared machine it
// measures the code and not the neighbours (the hot-path benchmarks report it
// per op as cpu-ns/op).
func threadCPUTime() (time.Duration, bool) {
	const rusageThread = 1 // RUSAGE_THREAD
	var ru syscall.Rusage
	if err := syscall.Getrusage(rusageThread, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
