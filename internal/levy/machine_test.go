package levy

import (
	"testing"

	"github.com/yangguang-cdpf/yangguang/internal/auth"
)

// Every allowed transition, and every other combination refused.
func TestMachine(t *testing.T) {
	allowed := map[[3]string]Status{
		{"draft", "submit", "levy.declare"}:    Submitted,
		{"draft", "submit", "levy.review"}:     Submitted,
		{"submitted", "return", "levy.review"}: Draft,
		{"submitted", "verify", "levy.review"}: Verified,
		{"verified", "return", "levy.review"}:  Draft,
		{"verified", "issue", "levy.review"}:   Issued,
	}
	perms := []auth.Perm{auth.PermLevyDeclare, auth.PermLevyReview, auth.PermLevyRead}
	n := 0
	for _, s := range Statuses {
		for _, a := range Actions {
			for _, p := range perms {
				tr, ok := Next(s, a, p)
				want, should := allowed[[3]string{string(s), string(a), string(p)}]
				if ok != should || (ok && tr.To != want) {
					t.Errorf("%s --%s (%s)--> ok=%v to=%s; want ok=%v to=%s", s, a, p, ok, tr.To, should, want)
				}
				if ok {
					n++
				}
			}
		}
	}
	if n != len(allowed) {
		t.Errorf("%d transitions allowed, want %d", n, len(allowed))
	}
	if got := Allowed(Submitted, auth.PermLevyDeclare); len(got) != 0 {
		t.Errorf("an employer may act on a submitted declaration: %v", got)
	}
	if !Draft.Editable() || Submitted.Editable() || !Issued.Declared() || Draft.Declared() || !Verified.Reviewed() {
		t.Error("status predicates")
	}
}
