package auth_test

import (
	"context"
	"testing"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/auth"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/store/storetest"
)

// The principal cache never outlives what ends or changes a session in
// this process: each change below is seen by the very next request, even
// one resolved while the change's transaction was still open. What it
// does keep (a session deleted behind its back, by another server) lasts
// at most the cache's few seconds.
func TestPrincipalCacheForgetsEveryChange(t *testing.T) {
	ctx := audit.WithActor(context.Background(), audit.System)
	db := storetest.Open(t)
	var migs []store.Migration
	for _, m := range [][]store.Migration{area.Migrations, audit.Migrations, auth.Migrations} {
		migs = append(migs, m...)
	}
	if err := db.Migrate(ctx, migs); err != nil {
		t.Fatal(err)
	}
	if err := db.InTx(ctx, func(tx *store.Tx) error {
		_, _, err := area.Upsert(ctx, tx, []area.Area{{Code: "341599000000", Name: "阳光县", Level: area.County}})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)
	s := auth.NewService(db)
	s.SetClock(func() time.Time { return now })
	const first, pw = "First#2026pw", "Second#2026pw"
	n := 0
	newUser := func() (auth.User, string) {
		t.Helper()
		n++
		var u auth.User
		err := db.InTx(ctx, func(tx *store.Tx) (err error) {
			u, _, err = auth.CreateUser(ctx, tx, auth.NewUser{Username: "clerk" + string(rune('a'+n)), DisplayName: "办事员", Role: auth.RoleCountyStaff,
				Department: auth.DeptCertification, ScopeCode: "341599000000", Password: first})
			if err != nil {
				return err
			}
			return auth.ChangePassword(ctx, tx, u.ID, first, pw)
		})
		if err != nil {
			t.Fatal(err)
		}
		token, _, err := s.SignIn(ctx, u.Username, pw, "192.0.2.1", "test")
		if err != nil {
			t.Fatal(err)
		}
		if p, err := s.Resolve(ctx, token); err != nil || p == nil || p.ID != u.ID {
			t.Fatalf("fresh session: %v, %v", p, err)
		}
		return u, token
	}
	inTx := func(fn func(tx *store.Tx) error) {
		t.Helper()
		if err := db.InTx(ctx, fn); err != nil {
			t.Fatal(err)
		}
	}

	for _, c := range []struct {
		name   string
		change func(u auth.User, token string)
		gone   bool // the session ends; otherwise the principal changes
		check  func(p *auth.Principal) bool
	}{
		{"sign-out", func(u auth.User, token string) {
			p, _ := s.Resolve(ctx, token)
			if err := s.SignOut(ctx, p); err != nil {
				t.Fatal(err)
			}
		}, true, nil},
		{"disabled", func(u auth.User, _ string) {
			inTx(func(tx *store.Tx) error { return auth.SetDisabled(ctx, tx, u.ID, true) })
		}, true, nil},
		{"password reset", func(u auth.User, _ string) {
			inTx(func(tx *store.Tx) error { _, err := auth.ResetPassword(ctx, tx, u.ID); return err })
		}, true, nil},
		{"password set by an administrator", func(u auth.User, _ string) {
			inTx(func(tx *store.Tx) error { return auth.SetPassword(ctx, tx, u.ID, "Third#2026pw") })
		}, false, func(p *auth.Principal) bool { return p.MustChangePassword }},
		{"department changed by the security admin", func(u auth.User, _ string) {
			inTx(func(tx *store.Tx) error {
				_, err := auth.AssignRole(ctx, tx, "security-admin", u.ID, auth.RoleCountyStaff, auth.DeptEmployment, "341599000000")
				return err
			})
		}, false, func(p *auth.Principal) bool { return p.Department == auth.DeptEmployment }},
		{"role changed by the security admin", func(u auth.User, _ string) {
			inTx(func(tx *store.Tx) error {
				_, err := auth.AssignRole(ctx, tx, "security-admin", u.ID, auth.RoleLeader, "", "341599000000")
				return err
			})
		}, true, nil},
		{"disabled while a request resolves the session", func(u auth.User, token string) {
			inTx(func(tx *store.Tx) error {
				if err := auth.SetDisabled(ctx, tx, u.ID, true); err != nil {
					return err
				}
				// Another request, before the commit, still sees the account
				// as it was; it must not keep that for later.
				_, err := s.Resolve(ctx, token)
				return err
			})
		}, true, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			u, token := newUser()
			c.change(u, token)
			p, err := s.Resolve(ctx, token)
			if err != nil {
				t.Fatal(err)
			}
			if c.gone && p != nil {
				t.Fatalf("session still resolves after %s: %+v", c.name, p)
			}
			if !c.gone && (p == nil || !c.check(p)) {
				t.Fatalf("principal not updated after %s: %+v", c.name, p)
			}
		})
	}

	t.Run("kept at most a few seconds", func(t *testing.T) {
		_, token := newUser()
		// Behind the cache's back, as another server would.
		if _, err := db.ExecContext(ctx, `DELETE FROM sessions`); err != nil {
			t.Fatal(err)
		}
		if p, _ := s.Resolve(ctx, token); p == nil {
			t.Fatal("the principal was not cached")
		}
		now = now.Add(6 * time.Second)
		if p, _ := s.Resolve(ctx, token); p != nil {
			t.Fatalf("kept after 6 s: %+v", p)
		}
	})
	t.Run("idle limit checked on a hit", func(t *testing.T) {
		_, token := newUser()
		now = now.Add(s.Policy().IdleTimeout - time.Second)
		// Not cached any more (older than the TTL): the session is
		// touched; then it is cached again and idles out on time.
		if p, _ := s.Resolve(ctx, token); p == nil {
			t.Fatal("session ended early")
		}
		now = now.Add(s.Policy().IdleTimeout + time.Second)
		if p, _ := s.Resolve(ctx, token); p != nil {
			t.Fatalf("idle session resolves: %+v", p)
		}
	})
}
