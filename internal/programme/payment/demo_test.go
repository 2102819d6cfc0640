package payment_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/programme/payment"
)

// demoEnv is a test database whose source owes both subsidies every
// month of the year so far, and the demo run on it.
func demoEnv(t *testing.T, seed uint64) *env {
	t.Helper()
	e := setup(t)
	villages := []string{villageA, villageA2, villageB}
	for _, m := range []string{"2026-01", "2026-02", "2026-03"} {
		for i := range 6 {
			e.src.owe(living, m, fmt.Sprintf("living-%d", i), fmt.Sprintf("生活%d", i), villages[i%3], 10000)
		}
		for i := range 3 {
			e.src.owe(care, m, fmt.Sprintf("care-%d", i), fmt.Sprintf("护理%d", i), villages[i%3], 5000+int64(i)*5000)
		}
	}
	rng := rand.New(rand.NewPCG(seed, 0x5947))
	if err := payment.Demo(audit.WithActor(context.Background(), audit.System), e.db, e.src, rng, today); err != nil {
		t.Fatal(err)
	}
	return e
}

func demoDigest(t *testing.T, e *env) string {
	t.Helper()
	h := sha256.New()
	for _, q := range []string{
		`SELECT id, programme_id, month, state, line_count, total_fen, created_by, created_at, paid_by, paid_on FROM pay_batches ORDER BY id`,
		`SELECT id, batch_id, case_id, amount_fen, kind, reversal_of, booked_on, created_at FROM pay_ledger ORDER BY id`,
		`SELECT id, batch_id, seq, case_id, attempt, status FROM pay_batch_lines ORDER BY id`,
	} {
		rows, err := e.db.Query(q)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintln(h, vals...)
		}
		rows.Close()
	}
	return hex.EncodeToString(h.Sum(nil))
}

func TestDemo(t *testing.T) {
	e := demoEnv(t, 7)
	if demoDigest(t, demoEnv(t, 7)) != demoDigest(t, e) {
		t.Fatal("the same seed gave different rows")
	}
	for _, c := range []struct {
		what  string
		query string
		want  int
	}{
		{"paid monthly batches and the supplementary one", `SELECT COUNT(*) FROM pay_batches WHERE state = 'paid'`, 2*2 + 1},
		{"this month's drafts", `SELECT COUNT(*) FROM pay_batches WHERE state = 'draft' AND month = '2026-03'`, 2},
		{"one reversal", `SELECT COUNT(*) FROM pay_ledger WHERE kind = 'reversal'`, 1},
		{"payments", `SELECT COUNT(*) FROM pay_ledger WHERE kind = 'pay'`, 2*(6+3) + 1},
		{"paid by someone other than the builder", `SELECT COUNT(*) FROM pay_batches WHERE state = 'paid' AND paid_by = created_by`, 0},
		{"nothing paid for this month", `SELECT COUNT(*) FROM pay_ledger WHERE month = '2026-03'`, 0},
	} {
		if got := e.count(c.query); got != c.want {
			t.Errorf("%s: %d, want %d", c.what, got, c.want)
		}
	}
	f, err := payment.ComputeFigures(context.Background(), e.db, countyScope, "", "2026-01", "2026-03")
	if err != nil {
		t.Fatal(err)
	}
	// Two months of 6 × ¥100 and ¥50 + ¥100 + ¥150, the reversed payment
	// paid again.
	if f.Total.NetFen != 2*(60000+30000) || f.Total.Persons != 9 {
		t.Fatalf("figures: %+v", f.Total)
	}
}
