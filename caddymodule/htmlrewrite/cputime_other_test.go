//go:build !linux

package htmlrewrite

import "time"

func threadCPUTime() (time.Duration, bool) { return 0, false }
