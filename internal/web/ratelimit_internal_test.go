package web

import (
	"testing"
	"time"
)

// The bucket refills at the limit per minute and never above it.
func TestLimiterBucket(t *testing.T) {
	now := time.Date(2026, 3, 1, 8, 30, 0, 0, time.UTC)
	l := newLimiter(3, func() time.Time { return now })
	for i := range 3 {
		if !l.take("a") {
			t.Fatalf("take %d refused", i)
		}
	}
	if l.take("a") || l.allow("a") {
		t.Fatal("fourth within the minute allowed")
	}
	if !l.allow("b") {
		t.Fatal("another key shares the budget")
	}
	now = now.Add(20 * time.Second) // one unit back
	if !l.take("a") || l.take("a") {
		t.Fatal("refill after 20 s must give exactly one")
	}
	now = now.Add(time.Hour)
	for range 3 {
		l.take("a")
	}
	if l.allow("a") {
		t.Fatal("a long pause must not bank more than the limit")
	}
	// Full buckets are forgotten; spent ones are kept.
	now = now.Add(2 * time.Minute)
	l.take("c")
	if _, ok := l.buckets["b"]; ok {
		t.Error("idle full bucket kept")
	}
	if _, ok := l.buckets["c"]; !ok {
		t.Error("spent bucket dropped")
	}
	// One audit entry per key and minute.
	if !l.shouldAudit("c") || l.shouldAudit("c") {
		t.Error("audit throttle")
	}
	now = now.Add(61 * time.Second)
	if !l.shouldAudit("c") {
		t.Error("audit after a minute")
	}
	// 0 switches the limit off.
	off := newLimiter(0, time.Now)
	for range 100 {
		if !off.take("x") {
			t.Fatal("limit 0 must not refuse")
		}
	}
}
