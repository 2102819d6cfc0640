package area

import (
	"context"
	"database/sql"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/validate"
)

// Migrations creates the area table.
var Migrations = []store.Migration{{
	Version: 2026112802,
	Name:    "areas",
	SQL: `
CREATE TABLE areas (
	code        TEXT PRIMARY KEY,          -- 12-digit 统计用区划代码
	name        TEXT NOT NULL,
	level       TEXT NOT NULL,
	parent_code TEXT REFERENCES areas(code),
	updated_at  TEXT NOT NULL
);
CREATE INDEX areas_parent ON areas(parent_code, code);
`}}

// Get returns one area.
func Get(ctx context.Context, q store.Querier, code string) (Area, error) {
	var a Area
	var parent sql.NullString
	err := q.QueryRowContext(ctx, `SELECT code, name, level, parent_code FROM areas WHERE code = $1`, code).
		Scan(&a.Code, &a.Name, &a.Level, &parent)
	if errors.Is(err, sql.ErrNoRows) {
		return a, store.ErrNotFound
	}
	a.ParentCode = parent.String
	return a, err
}

// Children lists the areas directly under code, in code order.
func Children(ctx context.Context, q store.Querier, code string) ([]Area, error) {
	return list(ctx, q, `SELECT code, name, level, COALESCE(parent_code, '') FROM areas WHERE parent_code = $1 ORDER BY code`, code)
}

// InScope lists every area inside scope, in code order.
func InScope(ctx context.Context, q store.Querier, s Scope) ([]Area, error) {
	db, cacheable := q.(*store.DB) // a transaction reads the table itself
	if cacheable {
		if v, ok := scopeCache.get(db, s.Code()); ok {
			return v, nil
		}
	}
	gen := generation.Load()
	cond, args := s.Filter("code", 1)
	out, err := list(ctx, q, `SELECT code, name, level, COALESCE(parent_code, '') FROM areas WHERE `+cond+` ORDER BY code`, args...)
	if err == nil && cacheable {
		scopeCache.put(db, s.Code(), gen, out)
	}
	return out, err
}

// Nearly every page names areas, and areas change a few times a year: the
// areas of a scope are kept in memory for cacheTTL, and dropped at once
// when this process writes areas. (Another server on the same PostgreSQL
// sees a change after at most cacheTTL.)
const cacheTTL = 30 * time.Second

var generation atomic.Int64

type cacheKey struct {
	db    *store.DB
	scope string
}

type cacheEntry struct {
	gen   int64
	at    time.Time
	areas []Area
}

type areaCache struct {
	mu sync.Mutex
	m  map[cacheKey]cacheEntry
}

var scopeCache areaCache

func (c *areaCache) get(db *store.DB, scope string) ([]Area, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[cacheKey{db, scope}]
	if !ok || e.gen != generation.Load() || time.Since(e.at) > cacheTTL {
		return nil, false
	}
	return slices.Clone(e.areas), true
}

func (c *areaCache) put(db *store.DB, scope string, gen int64, areas []Area) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) > 1000 {
		c.m = map[cacheKey]cacheEntry{}
	}
	c.m[cacheKey{db, scope}] = cacheEntry{gen: gen, at: time.Now(), areas: slices.Clone(areas)}
}

// Names maps code → name for every area (a county has a few hundred).
func Names(ctx context.Context, q store.Querier) (map[string]string, error) {
	all, err := list(ctx, q, `SELECT code, name, level, COALESCE(parent_code, '') FROM areas`)
	if err != nil {
		return nil, err
	}
	m := make(map[string]string, len(all))
	for _, a := range all {
		m[a.Code] = a.Name
	}
	return m, nil
}

func list(ctx context.Context, q store.Querier, query string, args ...any) ([]Area, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Area
	for rows.Next() {
		var a Area
		if err := rows.Scan(&a.Code, &a.Name, &a.Level, &a.ParentCode); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// ParseCSV reads an area file with the header code,name,level,parent_code
// (the format of the NBS division list as counties keep it) and checks every
// row, reporting all problems with their row numbers. existing holds codes
// already in the database, so a file may add villages under known townships.
func ParseCSV(r io.Reader, existing map[string]bool) ([]Area, validate.Errors) {
	var errs validate.Errors
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	recs, err := cr.ReadAll()
	if err != nil {
		errs.Add(0, "", "area.import.bad_csv", err.Error())
		return nil, errs
	}
	if len(recs) == 0 {
		errs.Add(0, "", "area.import.empty")
		return nil, errs
	}
	head := recs[0]
	if len(head) > 0 {
		head[0] = strings.TrimPrefix(head[0], "\ufeff") // Excel's BOM
	}
	want := []string{"code", "name", "level", "parent_code"}
	if len(head) < 4 || strings.Join(head[:4], ",") != strings.Join(want, ",") {
		errs.Add(1, "", "area.import.bad_header", strings.Join(want, ","))
		return nil, errs
	}
	known := map[string]bool{}
	for c := range existing {
		known[c] = true
	}
	var out []Area
	for i, rec := range recs[1:] {
		row := i + 2
		for len(rec) < 4 {
			rec = append(rec, "")
		}
		a := Area{Code: strings.TrimSpace(rec[0]), Name: strings.TrimSpace(rec[1]), Level: Level(strings.TrimSpace(rec[2])), ParentCode: strings.TrimSpace(rec[3])}
		ok := true
		if !ValidCode(a.Code) {
			errs.Add(row, "area.code", "area.import.bad_code", a.Code)
			ok = false
		}
		if a.Name == "" {
			errs.Add(row, "area.name", "validate.required")
			ok = false
		}
		if ok && a.Level != LevelOf(a.Code) {
			errs.Add(row, "area.level", "area.import.bad_level", string(a.Level), string(LevelOf(a.Code)))
			ok = false
		}
		if ok && a.ParentCode != "" && a.ParentCode != ParentOf(a.Code) {
			errs.Add(row, "area.parent_code", "area.import.bad_parent", a.ParentCode, ParentOf(a.Code))
			ok = false
		}
		if ok && a.ParentCode != "" && !known[a.ParentCode] {
			errs.Add(row, "area.parent_code", "area.import.unknown_parent", a.ParentCode)
			ok = false
		}
		if ok && known[a.Code] && !existing[a.Code] {
			errs.Add(row, "area.code", "area.import.duplicate", a.Code)
			ok = false
		}
		if ok {
			known[a.Code] = true
			out = append(out, a)
		}
	}
	return out, errs
}

// Upsert writes areas (new ones inserted, known ones renamed) in tx, parents
// first since the file is in tree order.
func Upsert(ctx context.Context, tx *store.Tx, areas []Area) (inserted, updated int, err error) {
	defer generation.Add(1) // cached scopes are stale from here on
	now := store.Now()
	for _, a := range areas {
		var parent any
		if a.ParentCode != "" {
			parent = a.ParentCode
		}
		res, err := tx.ExecContext(ctx, `UPDATE areas SET name = $2, level = $3, parent_code = $4, updated_at = $5 WHERE code = $1`,
			a.Code, a.Name, string(a.Level), parent, now)
		if err != nil {
			return 0, 0, err
		}
		if n, _ := res.RowsAffected(); n > 0 {
			updated++
			continue
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO areas (code, name, level, parent_code, updated_at) VALUES ($1, $2, $3, $4, $5)`,
			a.Code, a.Name, string(a.Level), parent, now); err != nil {
			return 0, 0, fmt.Errorf("area %s: %w", a.Code, err)
		}
		inserted++
	}
	return inserted, updated, nil
}

// Codes returns the set of every known code.
func Codes(ctx context.Context, q store.Querier) (map[string]bool, error) {
	all, err := list(ctx, q, `SELECT code, name, level, COALESCE(parent_code, '') FROM areas`)
	if err != nil {
		return nil, err
	}
	m := make(map[string]bool, len(all))
	for _, a := range all {
		m[a.Code] = true
	}
	return m, nil
}

// ImportResult says what an import did.
type ImportResult struct {
	Inserted, Updated int
}

// Import reads an area file and writes it in one transaction, audited. If
// any row is bad nothing is written and every problem is returned.
func Import(ctx context.Context, db *store.DB, r io.Reader) (ImportResult, error) {
	var res ImportResult
	err := db.InTx(ctx, func(tx *store.Tx) error {
		existing, err := Codes(ctx, tx)
		if err != nil {
			return err
		}
		areas, es := ParseCSV(r, existing)
		if len(es) > 0 {
			return es
		}
		res.Inserted, res.Updated, err = Upsert(ctx, tx, areas)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "area.import", ObjectType: "area",
			Detail: fmt.Sprintf("%d areas: %d new, %d updated", len(areas), res.Inserted, res.Updated),
			After:  map[string]int{"rows": len(areas), "inserted": res.Inserted, "updated": res.Updated}})
	})
	generation.Add(1) // again after the commit: a read between Upsert and it may have cached the old rows
	return res, err
}
