package audit_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/store/storetest"
)

func open(t *testing.T) (*store.DB, context.Context) {
	t.Helper()
	db := storetest.Open(t)
	ctx := context.Background()
	if err := db.Migrate(ctx, audit.Migrations); err != nil {
		t.Fatal(err)
	}
	return db, audit.WithActor(ctx, audit.Actor{ID: "u1", Name: "zhang", Kind: "user", IP: "10.0.0.8"})
}

func TestRecordSearchAndVerify(t *testing.T) {
	db, ctx := open(t)
	type rec struct{ Name string }
	for i, e := range []audit.Entry{
		{Action: "person.create", ObjectType: "person", ObjectID: "p1", After: rec{"王芳"}},
		{Action: "person.update", ObjectType: "person", ObjectID: "p1", Before: rec{"王芳"}, After: rec{"王方"}},
		{Action: "auth.signin", Outcome: audit.Failed},
	} {
		if err := audit.RecordAlone(ctx, db, e); err != nil {
			t.Fatalf("entry %d: %v", i, err)
		}
	}
	rows, err := audit.Search(ctx, db, audit.Filter{Action: "person."})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0].Action != "person.update" || rows[0].Before != `{"Name":"王芳"}` || rows[0].After != `{"Name":"王方"}` {
		t.Fatalf("search by action prefix: %+v", rows)
	}
	if rows[0].ActorName != "zhang" || rows[0].IP != "10.0.0.8" || rows[0].Seq != 2 {
		t.Fatalf("who and where not kept: %+v", rows[0])
	}
	if rows, _ := audit.Search(ctx, db, audit.Filter{Outcome: audit.Failed}); len(rows) != 1 {
		t.Fatalf("search by outcome: %d rows", len(rows))
	}
	res, err := audit.Verify(ctx, db)
	if err != nil || res.Checked != 3 || res.BrokenAt != 0 {
		t.Fatalf("verify: %+v %v", res, err)
	}
}

// The log refuses changes, and Verify finds one made behind its back.
func TestTamperIsRefusedAndDetected(t *testing.T) {
	db, ctx := open(t)
	for i := 0; i < 3; i++ {
		if err := audit.RecordAlone(ctx, db, audit.Entry{Action: "x.y", Detail: "n"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.ExecContext(ctx, `UPDATE audit_log SET detail = 'forged' WHERE seq = 2`); err == nil || !strings.Contains(err.Error(), "append-only") {
		t.Fatalf("update must be refused, got %v", err)
	}
	if _, err := db.ExecContext(ctx, `DELETE FROM audit_log WHERE seq = 3`); err == nil {
		t.Fatal("delete must be refused")
	}
	// Someone with database access drops the guard and edits an entry.
	drop := `DROP TRIGGER audit_log_no_update`
	if db.Dialect == store.Postgres {
		drop = `DROP TRIGGER audit_log_no_change ON audit_log`
	}
	if _, err := db.ExecContext(ctx, drop); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `UPDATE audit_log SET detail = 'forged' WHERE seq = 2`); err != nil {
		t.Fatal(err)
	}
	res, err := audit.Verify(ctx, db)
	if err != nil || res.BrokenAt != 2 || res.Reason != "entry altered" {
		t.Fatalf("verify must find the edit at 2: %+v %v", res, err)
	}
}

// Concurrent writers still form one unbroken chain.
func TestConcurrentAppendsKeepOneChain(t *testing.T) {
	db, ctx := open(t)
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 10; i++ {
				errs <- audit.RecordAlone(ctx, db, audit.Entry{Action: "load.test"})
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	res, err := audit.Verify(ctx, db)
	if err != nil || res.Checked != 40 || res.BrokenAt != 0 {
		t.Fatalf("verify after concurrent appends: %+v %v", res, err)
	}
}

// A write that fails takes its audit entry with it.
func TestEntryRollsBackWithItsChange(t *testing.T) {
	db, ctx := open(t)
	err := db.InTx(ctx, func(tx *store.Tx) error {
		if err := audit.Record(ctx, tx, audit.Entry{Action: "doomed"}); err != nil {
			return err
		}
		return context.Canceled
	})
	if err != context.Canceled {
		t.Fatal(err)
	}
	rows, _ := audit.Search(ctx, db, audit.Filter{})
	res, _ := audit.Verify(ctx, db)
	if len(rows) != 0 || res.BrokenAt != 0 {
		t.Fatalf("rolled-back entry left traces: %d rows, %+v", len(rows), res)
	}
}
