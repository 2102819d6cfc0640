package payment_test

import (
	"slices"
	"testing"

	"github.com/yangguang-cdpf/yangguang/internal/programme/payment"
)

// Every allowed move, and every other (state, action) refused.
func TestMachine(t *testing.T) {
	allowed := []struct {
		from payment.State
		act  payment.Action
		to   payment.State
	}{
		{payment.Draft, payment.ActConfirm, payment.Confirmed},
		{payment.Draft, payment.ActCancel, payment.Cancelled},
		{payment.Confirmed, payment.ActPay, payment.Paid},
	}
	for _, c := range allowed {
		tr, ok := payment.Next(c.from, c.act)
		if !ok || tr.To != c.to {
			t.Errorf("%s --%s--> want %s, got %v %v", c.from, c.act, c.to, tr.To, ok)
		}
	}
	if len(payment.Transitions) != len(allowed) {
		t.Errorf("the table has %d moves, the test knows %d", len(payment.Transitions), len(allowed))
	}
	for _, s := range payment.States {
		for _, a := range payment.Actions {
			want := slices.ContainsFunc(allowed, func(c struct {
				from payment.State
				act  payment.Action
				to   payment.State
			}) bool {
				return c.from == s && c.act == a
			})
			if _, ok := payment.Next(s, a); ok != want {
				t.Errorf("%s --%s--> allowed=%v, want %v", s, a, ok, want)
			}
		}
	}
	if got := payment.Allowed(payment.Paid); len(got) != 0 {
		t.Errorf("a paid batch allows %v; it is final", got)
	}
	if got := payment.Allowed(payment.Cancelled); len(got) != 0 {
		t.Errorf("a cancelled batch allows %v; it is final", got)
	}
	if got := payment.Allowed(payment.Draft); !slices.Equal(got, []payment.Action{payment.ActConfirm, payment.ActCancel}) {
		t.Errorf("draft allows %v", got)
	}
}
