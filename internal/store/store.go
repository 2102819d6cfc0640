// Package store opens the database (SQLite by default, PostgreSQL for a
// province), runs the one migration list and gives the one way to run a
// write: InTx. Queries are written once, with $1-style placeholders, and run
// unchanged on both engines.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	_ "github.com/jackc/pgx/v5/stdlib" // PostgreSQL driver "pgx"
	_ "modernc.org/sqlite"             // pure-Go SQLite driver "sqlite"
)

// Dialect names the engine behind a DB. Queries are shared; only a few
// operations (backup, bulk load tuning) look at it.
type Dialect string

const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DB is the application's database handle.
type DB struct {
	*sql.DB
	Dialect Dialect
	// Path is the SQLite file ("" for PostgreSQL).
	Path string
	// DSN is what Open was given (a file path or a postgres:// URL).
	DSN string
}

// DataDir holds files beside the database (uploads waiting for an
// import's confirmation, photos and documents): the SQLite file's
// directory, or a directory under the system's temp dir on PostgreSQL.
func (db *DB) DataDir() string {
	if db.Path != "" {
		return filepath.Dir(db.Path)
	}
	return filepath.Join(os.TempDir(), "yangguang")
}

// DefaultSQLitePath is where the data directory keeps the database.
func DefaultSQLitePath(dataDir string) string { return filepath.Join(dataDir, "yangguang.db") }

// sqlitePragmas are set on every connection the pool opens: WAL for
// concurrent readers, foreign keys on, a busy timeout instead of instant
// "database is locked", synchronous=FULL so an acknowledged write survives a
// crash or power cut, and a larger page cache (DB-BASELINE.md).
var sqlitePragmas = []string{
	"journal_mode(WAL)",
	"foreign_keys(1)",
	"busy_timeout(10000)",
	"synchronous(FULL)",
	"cache_size(-65536)",
	"temp_store(MEMORY)",
}

// Open opens dsn: a postgres:// URL, or a path to a SQLite file (created
// with its directory if missing).
func Open(ctx context.Context, dsn string) (*DB, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		db, err := sql.Open("pgx", postgresDSN(dsn))
		if err != nil {
			return nil, err
		}
		db.SetMaxOpenConns(20)
		db.SetMaxIdleConns(10)
		db.SetConnMaxIdleTime(5 * time.Minute)
		if err := db.PingContext(ctx); err != nil {
			db.Close()
			return nil, fmt.Errorf("连接 PostgreSQL 失败: %w", err)
		}
		return &DB{DB: db, Dialect: Postgres, DSN: dsn}, nil
	}
	path := strings.TrimPrefix(dsn, "sqlite://")
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("创建数据目录失败: %w", err)
	}
	db, err := sql.Open("sqlite", SQLiteDSN(path))
	if err != nil {
		return nil, err
	}
	// One writer at a time is SQLite's nature; a handful of connections
	// lets readers run beside it under WAL.
	db.SetMaxOpenConns(8)
	db.SetMaxIdleConns(8)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("打开数据库 %s 失败: %w", path, err)
	}
	return &DB{DB: db, Dialect: SQLite, Path: path, DSN: dsn}, nil
}

// postgresDSN asks PostgreSQL to plan every statement with its values
// (plan_cache_mode=force_custom_plan), unless the URL says otherwise. The
// driver prepares and caches statements; after five runs PostgreSQL may
// switch to a generic plan, and a generic plan cannot know that a region's
// range (village_code >= $2 AND < $3) is the whole county: it guessed 0.5 %
// of the persons and joined employment records to a scan of a million
// index entries (3 ms → 230 ms on the home page at 1,000,000 persons,
// BENCHMARKS.md). Planning costs well under a millisecond a statement.
func postgresDSN(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return dsn // pgx reports the bad URL
	}
	q := u.Query()
	if q.Get("plan_cache_mode") == "" {
		q.Set("plan_cache_mode", "force_custom_plan")
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// SQLiteDSN is the driver DSN for a SQLite file with our pragmas.
// _txlock=immediate makes every transaction take the write lock at BEGIN, so
// two writers queue on busy_timeout instead of failing on lock upgrade.
func SQLiteDSN(path string) string {
	q := url.Values{}
	for _, p := range sqlitePragmas {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	q.Set("_time_format", "sqlite")
	return "file:" + path + "?" + q.Encode()
}

// Tx is a write transaction. It is a plain *sql.Tx; the alias keeps call
// sites short and lets the store grow helpers without touching them.
type Tx = sql.Tx

// InTx runs fn in one transaction: committed if fn returns nil, rolled back
// otherwise. This is the only way Yangguang writes, so no request ever leaves
// half-written data.
func (db *DB) InTx(ctx context.Context, fn func(tx *Tx) error) (err error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("开始事务失败: %w", err)
	}
	defer runAfterTx(tx) // last: after the commit or the rollback below
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	if err = fn(tx); err != nil {
		return err
	}
	if err = tx.Commit(); err != nil {
		return fmt.Errorf("提交事务失败: %w", err)
	}
	return nil
}

var (
	afterMu sync.Mutex
	after   = map[*Tx][]func(){}
)

// AfterTx runs fn once tx has ended, committed or rolled back: for an
// in-memory cache of rows tx changes, which must not be refilled from the
// old rows while tx is still open (auth's principal cache). Only InTx's
// transactions run it — every write is one.
func AfterTx(tx *Tx, fn func()) {
	afterMu.Lock()
	defer afterMu.Unlock()
	after[tx] = append(after[tx], fn)
}

func runAfterTx(tx *Tx) {
	afterMu.Lock()
	fns := after[tx]
	delete(after, tx)
	afterMu.Unlock()
	for _, fn := range fns {
		fn()
	}
}

// Querier is what both *sql.DB and *sql.Tx offer, so read helpers run inside
// or outside a transaction.
type Querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// NewID returns a UUIDv7: time-ordered (good for indexes) and safe to create
// on a disconnected field device.
func NewID() string { return uuid.Must(uuid.NewV7()).String() }

// TimeFormat is how instants are stored: UTC, fixed width, so text order is
// time order on both engines.
const TimeFormat = "2006-01-02T15:04:05.000Z"

// FormatTime renders t for storage.
func FormatTime(t time.Time) string { return t.UTC().Format(TimeFormat) }

// ParseTime reads a stored instant.
func ParseTime(s string) (time.Time, error) { return time.Parse(TimeFormat, s) }

// Now is the current instant in storage form.
func Now() string { return FormatTime(time.Now()) }

// ErrNotFound is returned by single-row lookups that find nothing.
var ErrNotFound = errors.New("记录不存在")

// IsUniqueViolation reports whether err is a unique-constraint failure on
// either engine.
func IsUniqueViolation(err error) bool {
	if err == nil {
		return false
	}
	s := err.Error()
	return strings.Contains(s, "UNIQUE constraint failed") || strings.Contains(s, "SQLSTATE 23505")
}
