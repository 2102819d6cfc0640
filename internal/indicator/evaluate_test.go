package indicator_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/indicator"
	"github.com/yangguang-cdpf/yangguang/internal/store"
)

func constant(key string, fn indicator.ComputeFunc) indicator.Indicator {
	return indicator.Indicator{Key: key, Kind: indicator.Count, Compute: fn}
}

// EvaluateList computes several indicators at once, never more than
// Workers, keeps their order, and runs a query shared through the memo
// once.
func TestEvaluateListConcurrentInOrderMemoOnce(t *testing.T) {
	var running, most, shared atomic.Int64
	started := make(chan struct{})
	var list []indicator.Indicator
	for i := range 30 {
		list = append(list, constant(fmt.Sprint("k", i), func(ctx context.Context, _ store.Querier, _ area.Scope, _ indicator.Period) (indicator.Value, error) {
			n := running.Add(1)
			defer running.Add(-1)
			for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
			}
			switch i {
			case 0: // waits for the second: computed one after the other, it never would
				select {
				case <-started:
				case <-time.After(30 * time.Second):
					return indicator.Value{}, errors.New("indicator 1 never started beside indicator 0")
				}
			case 1:
				close(started)
			}
			v, err := indicator.Memo(ctx, "shared", func() (int64, error) {
				shared.Add(1)
				time.Sleep(time.Millisecond)
				return 100, nil
			})
			return indicator.CountOf(v + int64(i)), err
		}))
	}
	list = append(list, indicator.Indicator{Key: "declared"}) // not recorded
	res, err := indicator.EvaluateList(context.Background(), nil, list, area.All(), indicator.Year(2026))
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != len(list) {
		t.Fatalf("%d results for %d indicators", len(res), len(list))
	}
	for i, r := range res[:30] {
		if r.Key != fmt.Sprint("k", i) || !r.Recorded || r.Value.Num != int64(100+i) {
			t.Errorf("result %d: %s %v %d", i, r.Key, r.Recorded, r.Value.Num)
		}
	}
	if r := res[30]; r.Key != "declared" || r.Recorded {
		t.Errorf("declared indicator: %+v", r)
	}
	if n := shared.Load(); n != 1 {
		t.Errorf("shared query ran %d times, want once", n)
	}
	if m := most.Load(); m < 2 || m > int64(indicator.Workers()) {
		t.Errorf("at most %d computed at once, want 2..%d", m, indicator.Workers())
	}
}

// The indicator that fails is the error, named, not the cancellations it
// causes; the rest are cancelled rather than left running.
func TestEvaluateListFailsWithTheCause(t *testing.T) {
	var after atomic.Int64
	var list []indicator.Indicator
	for i := range 40 {
		list = append(list, constant(fmt.Sprint("k", i), func(ctx context.Context, _ store.Querier, _ area.Scope, _ indicator.Period) (indicator.Value, error) {
			if i == 3 {
				return indicator.Value{}, errors.New("boom")
			}
			if i > 3 { // runs till cancelled
				after.Add(1)
				select {
				case <-ctx.Done():
				case <-time.After(30 * time.Second):
					return indicator.Value{}, errors.New("not cancelled")
				}
			}
			return indicator.CountOf(1), ctx.Err()
		}))
	}
	_, err := indicator.EvaluateList(context.Background(), nil, list, area.All(), indicator.Year(2026))
	if err == nil || !strings.Contains(err.Error(), "indicator k3: boom") {
		t.Fatalf("error %v, want indicator k3's", err)
	}
	// k3 holds one place until it fails; the others wait for the cancel.
	if n := after.Load(); n > int64(indicator.Workers()-1) {
		t.Errorf("%d indicators after the failing one were started, want at most %d", n, indicator.Workers()-1)
	}
}

// A failed memo is not kept: the next caller computes it again.
func TestMemoForgetsAFailure(t *testing.T) {
	ctx := indicator.WithMemo(context.Background())
	calls := 0
	fn := func() (int, error) {
		calls++
		if calls == 1 {
			return 0, errors.New("first fails")
		}
		return 7, nil
	}
	if _, err := indicator.Memo(ctx, "k", fn); err == nil {
		t.Fatal("first call succeeded")
	}
	for range 2 {
		if v, err := indicator.Memo(ctx, "k", fn); err != nil || v != 7 {
			t.Fatalf("again: %d %v", v, err)
		}
	}
	if calls != 2 {
		t.Errorf("%d calls, want 2", calls)
	}
}
