//go:build !linux

package caddymodule

import "time"

func threadCPUTime() (time.Duration, bool) { return 0, false }
