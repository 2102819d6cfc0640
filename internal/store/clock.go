package store

import (
	"context"
	"encoding/hex"
	"math/rand/v2"
	"time"
)

// Clock gives the ids and instants of new rows. Writes take them from the
// context (NewIDIn, NowIn) so the demo can put a DemoClock there and build
// the same rows on every run; without one they are NewID and Now.
type Clock interface {
	ID() string
	Now() string
}

type clockKey struct{}

// WithClock returns a context whose writes take ids and instants from c.
func WithClock(ctx context.Context, c Clock) context.Context {
	return context.WithValue(ctx, clockKey{}, c)
}

// NewIDIn is the context's clock's next id, else NewID.
func NewIDIn(ctx context.Context) string {
	if c, ok := ctx.Value(clockKey{}).(Clock); ok {
		return c.ID()
	}
	return NewID()
}

// NowIn is the context's clock's instant, else Now.
func NowIn(ctx context.Context) string {
	if c, ok := ctx.Value(clockKey{}).(Clock); ok {
		return c.Now()
	}
	return Now()
}

// DemoClock makes ids (shaped as UUID v7) and instants from Rng and a
// simulated time At, which each id or instant moves on by a millisecond:
// the same rng and start give the same rows. The demo sets At to the
// simulated day of the work it records.
type DemoClock struct {
	Rng *rand.Rand
	At  time.Time
}

// ID is the next id.
func (c *DemoClock) ID() string {
	var b [16]byte
	ms := uint64(c.At.UnixMilli())
	for i := 0; i < 6; i++ {
		b[i] = byte(ms >> (40 - 8*i))
	}
	for i := 6; i < 16; i++ {
		b[i] = byte(c.Rng.Uint32())
	}
	b[6] = b[6]&0x0f | 0x70 // version 7
	b[8] = b[8]&0x3f | 0x80 // RFC 4122 variant
	h := hex.EncodeToString(b[:])
	c.At = c.At.Add(time.Millisecond)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// Now is the next instant.
func (c *DemoClock) Now() string {
	c.At = c.At.Add(time.Millisecond)
	return FormatTime(c.At)
}
