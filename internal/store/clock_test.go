package store_test

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/yangguang-cdpf/yangguang/internal/store"
)

// A DemoClock in the context gives the same ids and instants for the same
// rng and start; without one, writes get fresh ids and the real time.
func TestDemoClockIsDeterministic(t *testing.T) {
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	run := func() []string {
		ctx := store.WithClock(context.Background(), &store.DemoClock{Rng: rand.New(rand.NewPCG(1, 2)), At: start})
		return []string{store.NewIDIn(ctx), store.NowIn(ctx), store.NewIDIn(ctx)}
	}
	a, b := run(), run()
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("run 1 %v, run 2 %v", a, b)
		}
	}
	if a[0] == a[2] {
		t.Errorf("the same id twice: %s", a[0])
	}
	if u, err := uuid.Parse(a[0]); err != nil || u.Version() != 7 {
		t.Errorf("id %s is not a UUID v7 (%v)", a[0], err)
	}
	if a[1] != store.FormatTime(start.Add(2*time.Millisecond)) {
		t.Errorf("instant %s, want the start plus 2 ms", a[1])
	}
	if x, y := store.NewIDIn(context.Background()), store.NewIDIn(context.Background()); x == y || x == a[0] {
		t.Errorf("ids without a clock: %s, %s", x, y)
	}
}
