//go:build !unix

package bench

import "time"

// processCPU is unknown here: the per-request CPU column reads 0.
func processCPU() time.Duration { return 0 }
