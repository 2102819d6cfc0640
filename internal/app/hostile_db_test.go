package app_test

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/yangguang-cdpf/yangguang/internal/store"
)

// hostileIgnoredTables change legitimately on a refused request: the audit
// log (with its chain head and anchors) records refusals, sessions are
// touched on every request, and the migration and job-queue tables are
// their own tools'. Sign-in failures and lockouts are columns of users
// (hostileIgnoredColumns).
var hostileIgnoredTables = []string{"audit_log", "audit_head", "audit_anchors", "sessions", "schema_migrations", "goose_db_version"}

// hostileIgnoredColumns are the bookkeeping columns of tables that are
// otherwise compared: when a token was last used, the failed sign-ins
// and lockout of an account.
var hostileIgnoredColumns = map[string][]string{
	"api_clients": {"last_used_at"},
	"users":       {"failed_count", "locked_until"},
}

// hostileIgnoredPrefixes are table name prefixes skipped for the same
// reason (river's job queue tables).
var hostileIgnoredPrefixes = []string{"river_"}

// hSnapshot is every table's rows (SELECT * … ORDER BY 1), rendered as
// text, with a digest per table to compare quickly.
type hSnapshot struct {
	digest map[string][32]byte
	rows   map[string][]string
}

// hSnapshotter takes snapshots of the tables a request must not change
// when it is refused.
//
// Reading every table after every request is slow, so triggers count the
// row changes of each compared table (h_changes, made by the test on its
// own database): a snapshot reads again only the tables whose count moved.
type hSnapshotter struct {
	t       *testing.T
	db      *store.DB
	tables  []string
	queries map[string]string
	counts  map[string]int64
	last    hSnapshot
}

func newHSnapshotter(t *testing.T, db *store.DB) *hSnapshotter {
	t.Helper()
	q := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`
	if db.Dialect == store.Postgres {
		q = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`
	}
	rows, err := db.QueryContext(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	s := &hSnapshotter{t: t, db: db}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		if slices.Contains(hostileIgnoredTables, name) || strings.Contains(name, "lockout") || strings.Contains(name, "login_attempt") || strings.Contains(name, "rate") && strings.Contains(name, "limit") {
			continue
		}
		skip := false
		for _, p := range hostileIgnoredPrefixes {
			skip = skip || strings.HasPrefix(name, p)
		}
		if !skip {
			s.tables = append(s.tables, name)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	s.queries = map[string]string{}
	for _, table := range s.tables {
		s.queries[table] = `SELECT * FROM ` + table + ` ORDER BY 1`
		if skip := hostileIgnoredColumns[table]; skip != nil {
			cols := s.columns(table)
			cols = slices.DeleteFunc(cols, func(c string) bool { return slices.Contains(skip, c) })
			s.queries[table] = `SELECT ` + strings.Join(cols, ", ") + ` FROM ` + table + ` ORDER BY 1`
		}
	}
	s.installCounters()
	return s
}

// installCounters adds h_changes and a trigger per compared table that
// counts its inserted, deleted and updated rows (updates of the ignored
// columns alone are not counted).
func (s *hSnapshotter) installCounters() {
	ctx := context.Background()
	exec := func(q string) {
		if _, err := s.db.ExecContext(ctx, q); err != nil {
			s.t.Fatalf("%s: %v", q, err)
		}
	}
	exec(`CREATE TABLE h_changes (t TEXT PRIMARY KEY, n BIGINT NOT NULL)`)
	if s.db.Dialect == store.Postgres {
		exec(`CREATE FUNCTION h_count() RETURNS trigger AS $$ BEGIN UPDATE h_changes SET n = n + 1 WHERE t = TG_TABLE_NAME; RETURN NULL; END $$ LANGUAGE plpgsql`)
	}
	for _, table := range s.tables {
		exec(`INSERT INTO h_changes (t, n) VALUES ('` + table + `', 0)`)
		update := "UPDATE"
		if skip := hostileIgnoredColumns[table]; skip != nil {
			cols := s.columns(table)
			cols = slices.DeleteFunc(cols, func(c string) bool { return slices.Contains(skip, c) })
			update = "UPDATE OF " + strings.Join(cols, ", ")
		}
		if s.db.Dialect == store.Postgres {
			exec(`CREATE TRIGGER h_count_` + table + ` AFTER INSERT OR DELETE OR ` + update + ` ON ` + table + ` FOR EACH ROW EXECUTE FUNCTION h_count()`)
			continue
		}
		for _, ev := range []string{"INSERT", "DELETE", update} {
			name := "h_count_" + table + "_" + strings.ToLower(strings.Fields(ev)[0])
			exec(`CREATE TRIGGER ` + name + ` AFTER ` + ev + ` ON ` + table + ` BEGIN UPDATE h_changes SET n = n + 1 WHERE t = '` + table + `'; END`)
		}
	}
}

func (s *hSnapshotter) columns(table string) []string {
	r, err := s.db.QueryContext(context.Background(), `SELECT * FROM `+table+` WHERE 1 = 0`)
	if err != nil {
		s.t.Fatal(err)
	}
	defer r.Close()
	cols, _ := r.Columns()
	return cols
}

// moved returns the tables whose change count moved since the last call.
func (s *hSnapshotter) moved() []string {
	rows, err := s.db.QueryContext(context.Background(), `SELECT t, n FROM h_changes`)
	if err != nil {
		s.t.Fatal(err)
	}
	defer rows.Close()
	if s.counts == nil {
		s.counts = map[string]int64{}
	}
	var out []string
	for rows.Next() {
		var t string
		var n int64
		if err := rows.Scan(&t, &n); err != nil {
			s.t.Fatal(err)
		}
		if s.counts[t] != n {
			out = append(out, t)
			s.counts[t] = n
		}
	}
	return out
}

// take returns the rows of every compared table, reading again those
// whose change count moved since the last snapshot.
func (s *hSnapshotter) take() hSnapshot {
	s.t.Helper()
	tables := s.tables
	if s.last.digest != nil {
		tables = s.moved()
	} else {
		s.moved()
	}
	if len(tables) == 0 {
		return s.last
	}
	snap := hSnapshot{digest: maps.Clone(s.last.digest), rows: maps.Clone(s.last.rows)}
	if snap.digest == nil {
		snap = hSnapshot{digest: map[string][32]byte{}, rows: map[string][]string{}}
	}
	for _, table := range tables {
		rows, err := s.db.QueryContext(context.Background(), s.queries[table])
		if err != nil {
			s.t.Fatalf("snapshot of %s: %v", table, err)
		}
		cols, _ := rows.Columns()
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		h := sha256.New()
		var out []string
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				rows.Close()
				s.t.Fatalf("snapshot of %s: %v", table, err)
			}
			var b strings.Builder
			for i, v := range vals {
				if i > 0 {
					b.WriteString("\x1f")
				}
				if bs, ok := v.([]byte); ok {
					b.Write(bs)
				} else {
					fmt.Fprint(&b, v)
				}
			}
			out = append(out, b.String())
			h.Write([]byte(b.String()))
			h.Write([]byte{0x1e})
		}
		err = rows.Err()
		rows.Close()
		if err != nil && err != sql.ErrNoRows {
			s.t.Fatalf("snapshot of %s: %v", table, err)
		}
		var d [32]byte
		copy(d[:], h.Sum(nil))
		snap.digest[table] = d
		snap.rows[table] = out
	}
	s.last = snap
	return snap
}

// changed lists the tables whose rows differ between two snapshots.
func (a hSnapshot) changed(b hSnapshot) []string {
	var out []string
	for t, d := range b.digest {
		if a.digest[t] != d {
			out = append(out, t)
		}
	}
	slices.Sort(out)
	return out
}

// added returns the rows of table in b that are not in a (new or changed
// rows).
func (a hSnapshot) added(b hSnapshot, table string) []string {
	old := map[string]int{}
	for _, r := range a.rows[table] {
		old[r]++
	}
	var out []string
	for _, r := range b.rows[table] {
		if old[r] > 0 {
			old[r]--
			continue
		}
		out = append(out, r)
	}
	return out
}
