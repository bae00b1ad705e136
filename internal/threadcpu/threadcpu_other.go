//go:build !linux

package threadcpu

import "time"

// Now is not measured on this system.
func Now() (time.Duration, bool) { return 0, false }
