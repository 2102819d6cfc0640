// Package audit keeps the tamper-evident log of every sign-in, refusal and
// change: who, when, from where, what, and the record before and after.
// Entries form a hash chain (each hash covers the previous one), the table
// refuses UPDATE, and DELETE of all but entries older than the retention
// behind a prune anchor (retention.go); Verify finds any break.
package audit

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/store"
)

// auditTables are the log and the head of its chain; the same on both
// engines.
const auditTables = `
CREATE TABLE audit_log (
	seq         BIGINT PRIMARY KEY,
	id          TEXT NOT NULL UNIQUE,
	at          TEXT NOT NULL,
	actor_id    TEXT NOT NULL,
	actor_name  TEXT NOT NULL,
	actor_kind  TEXT NOT NULL,
	ip          TEXT NOT NULL,
	action      TEXT NOT NULL,
	object_type TEXT NOT NULL,
	object_id   TEXT NOT NULL,
	area_code   TEXT NOT NULL,
	outcome     TEXT NOT NULL,
	detail      TEXT NOT NULL,
	before_json TEXT NOT NULL,
	after_json  TEXT NOT NULL,
	prev_hash   TEXT NOT NULL,
	hash        TEXT NOT NULL
);
CREATE INDEX audit_log_at ON audit_log(at);
CREATE INDEX audit_log_actor ON audit_log(actor_id, seq);
CREATE INDEX audit_log_object ON audit_log(object_type, object_id, seq);
CREATE INDEX audit_log_action ON audit_log(action, seq);
CREATE TABLE audit_head (
	id   INTEGER PRIMARY KEY,
	seq  BIGINT NOT NULL,
	hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '');
`

// Migrations creates the log and its guards: triggers that refuse UPDATE
// and DELETE, which the two engines spell differently.
var Migrations = []store.Migration{{
	Version: 2026112803,
	Name:    "audit_log",
	SQL: auditTables + `
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
`,
	PostgresSQL: auditTables + `
CREATE FUNCTION audit_log_append_only() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION 'audit log is append-only'; END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
`,
}, retentionMigration}

// Actor is who did something.
type Actor struct {
	ID   string
	Name string
	Kind string // "user", "api", "system", "anonymous"
	IP   string
}

// System is the actor for the command line and background jobs.
var System = Actor{ID: "system", Name: "system", Kind: "system"}

type actorKey struct{}

// WithActor returns ctx carrying the actor that entries recorded under it
// name. Sign-in middleware and the CLI set it.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the actor in ctx (anonymous if none).
func ActorFrom(ctx context.Context) Actor {
	if a, ok := ctx.Value(actorKey{}).(Actor); ok {
		return a
	}
	return Actor{Kind: "anonymous"}
}

type timeKey struct{}

// WithTime returns ctx whose entries are stamped at t instead of the clock:
// for tests of retention, which need entries months old.
func WithTime(ctx context.Context, t time.Time) context.Context {
	return context.WithValue(ctx, timeKey{}, t)
}

func stamp(ctx context.Context) string {
	if t, ok := ctx.Value(timeKey{}).(time.Time); ok {
		return store.FormatTime(t)
	}
	return store.Now()
}

// Outcomes.
const (
	OK     = "ok"
	Denied = "denied"
	Failed = "failed"
)

// Entry is what a caller records. Before and After are marshalled to JSON
// (nil is fine); the actor comes from the context.
type Entry struct {
	Action     string // e.g. "person.create", "auth.signin"
	ObjectType string
	ObjectID   string
	AreaCode   string
	Outcome    string // default OK
	Detail     string
	Before     any
	After      any
}

// Record appends e to the log inside tx, so the entry commits or rolls back
// with the change it describes.
func Record(ctx context.Context, tx *store.Tx, e Entry) error {
	a := ActorFrom(ctx)
	if e.Outcome == "" {
		e.Outcome = OK
	}
	before, err := marshal(e.Before)
	if err != nil {
		return err
	}
	after, err := marshal(e.After)
	if err != nil {
		return err
	}
	// Taking the head row serialises appends, so the chain has one order.
	var seq int64
	var prev string
	if err := tx.QueryRowContext(ctx, `UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash`).Scan(&seq, &prev); err != nil {
		return fmt.Errorf("audit head: %w", err)
	}
	row := Row{
		Seq: seq, ID: store.NewID(), At: stamp(ctx),
		ActorID: a.ID, ActorName: a.Name, ActorKind: a.Kind, IP: a.IP,
		Action: e.Action, ObjectType: e.ObjectType, ObjectID: e.ObjectID, AreaCode: e.AreaCode,
		Outcome: e.Outcome, Detail: e.Detail, Before: before, After: after, PrevHash: prev,
	}
	row.Hash = row.computeHash()
	if _, err := tx.ExecContext(ctx, `INSERT INTO audit_log
		(seq, id, at, actor_id, actor_name, actor_kind, ip, action, object_type, object_id, area_code, outcome, detail, before_json, after_json, prev_hash, hash)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17)`,
		row.Seq, row.ID, row.At, row.ActorID, row.ActorName, row.ActorKind, row.IP, row.Action, row.ObjectType, row.ObjectID,
		row.AreaCode, row.Outcome, row.Detail, row.Before, row.After, row.PrevHash, row.Hash); err != nil {
		return fmt.Errorf("audit insert: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE audit_head SET hash = $1 WHERE id = 1`, row.Hash); err != nil {
		return fmt.Errorf("audit head: %w", err)
	}
	return nil
}

// RecordAlone records an entry in its own transaction: for events that
// change nothing else, such as a failed sign-in or a refused request.
func RecordAlone(ctx context.Context, db *store.DB, e Entry) error {
	return db.InTx(ctx, func(tx *store.Tx) error { return Record(ctx, tx, e) })
}

func marshal(v any) (string, error) {
	if v == nil {
		return "", nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("audit: %w", err)
	}
	if string(b) == "null" {
		return "", nil
	}
	return maskPersonal(b), nil
}

// Personal are the JSON fields the log keeps masked: the log says that an
// ID number or a phone changed and to roughly what, but it is read by the
// audit admin and exported, so it must not be a second, unencrypted copy
// of the register (the full values are sealed in the areas' own tables).
var Personal = map[string]bool{
	"id_number": true, "payee_id_number": true, "certificate_no": true, "conflict_id_number": true,
	"phone": true, "guardian_phone": true, "contact_phone": true, "bank_account": true,
}

// Hidden are the JSON fields the log keeps only the presence of: free text
// such as an assessment's findings (the diagnosis), which no mask of its
// middle would make safe to read.
var Hidden = map[string]bool{"findings": true}

// maskPersonal masks the Personal fields at any depth of a JSON document;
// anything that is not JSON of objects and arrays is returned as it is.
func maskPersonal(b []byte) string {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return string(b)
	}
	changed := false
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				if s, ok := e.(string); ok && s != "" && Hidden[k] {
					x[k] = "******"
					changed = true
					continue
				}
				if s, ok := e.(string); ok && Personal[k] && s != "" {
					x[k] = MaskValue(s)
					changed = true
					continue
				}
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(v)
	if !changed {
		return string(b)
	}
	out, err := json.Marshal(v)
	if err != nil {
		return string(b)
	}
	return string(out)
}

// MaskValue hides the middle of a number: an ID or certificate number keeps
// its first 6 and last 4 characters (341599********123X), a phone or an
// account its first 3 and last 4, anything shorter is all stars.
func MaskValue(s string) string {
	r := []rune(s)
	switch n := len(r); {
	case n >= 15:
		return string(r[:6]) + strings.Repeat("*", n-10) + string(r[n-4:])
	case n >= 8:
		return string(r[:3]) + strings.Repeat("*", n-7) + string(r[n-4:])
	default:
		return strings.Repeat("*", n)
	}
}

// Row is a stored entry.
type Row struct {
	Seq                           int64
	ID, At                        string
	ActorID, ActorName, ActorKind string
	IP                            string
	Action, ObjectType, ObjectID  string
	AreaCode, Outcome, Detail     string
	Before, After                 string
	PrevHash, Hash                string
}

func (r Row) computeHash() string {
	h := sha256.New()
	for _, f := range []string{r.PrevHash, strconv.FormatInt(r.Seq, 10), r.ID, r.At, r.ActorID, r.ActorName, r.ActorKind, r.IP,
		r.Action, r.ObjectType, r.ObjectID, r.AreaCode, r.Outcome, r.Detail, r.Before, r.After} {
		h.Write([]byte(f))
		h.Write([]byte{0x1f})
	}
	return hex.EncodeToString(h.Sum(nil))
}

const rowColumns = `seq, id, at, actor_id, actor_name, actor_kind, ip, action, object_type, object_id, area_code, outcome, detail, before_json, after_json, prev_hash, hash`

func scanRow(rows *sql.Rows) (Row, error) {
	var r Row
	err := rows.Scan(&r.Seq, &r.ID, &r.At, &r.ActorID, &r.ActorName, &r.ActorKind, &r.IP, &r.Action, &r.ObjectType, &r.ObjectID,
		&r.AreaCode, &r.Outcome, &r.Detail, &r.Before, &r.After, &r.PrevHash, &r.Hash)
	return r, err
}

// Filter narrows a search of the log.
type Filter struct {
	Actor     string // actor id or name
	Action    string // prefix, e.g. "auth." or "person.update"
	Object    string // object id
	From, To  string // dates YYYY-MM-DD, inclusive
	Outcome   string
	BeforeSeq int64 // page: entries with seq below this (0 = newest)
	Limit     int
}

// Search returns entries newest first.
func Search(ctx context.Context, q store.Querier, f Filter) ([]Row, error) {
	var conds []string
	var args []any
	arg := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)) }
	if f.Actor != "" {
		p := arg(f.Actor)
		conds = append(conds, "(actor_id = "+p+" OR actor_name = "+p+")")
	}
	if f.Action != "" {
		// A range, not LIKE, so the index serves it on both engines.
		conds = append(conds, "action >= "+arg(f.Action)+" AND action < "+arg(f.Action+"\U0010FFFF"))
	}
	if f.Object != "" {
		conds = append(conds, "object_id = "+arg(f.Object))
	}
	if f.From != "" {
		conds = append(conds, "at >= "+arg(f.From))
	}
	if f.To != "" {
		conds = append(conds, "at < "+arg(f.To+"T99"))
	}
	if f.Outcome != "" {
		conds = append(conds, "outcome = "+arg(f.Outcome))
	}
	if f.BeforeSeq > 0 {
		conds = append(conds, "seq < "+arg(f.BeforeSeq))
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 50
	}
	query := "SELECT " + rowColumns + " FROM audit_log"
	if len(conds) > 0 {
		query += " WHERE " + strings.Join(conds, " AND ")
	}
	query += " ORDER BY seq DESC LIMIT " + strconv.Itoa(f.Limit)
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Row
	for rows.Next() {
		r, err := scanRow(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// VerifyResult says how much of the chain was checked and where it broke.
type VerifyResult struct {
	Checked  int64
	From     int64 // seq of the first entry checked (after the anchor)
	Anchor   Anchor
	BrokenAt int64 // seq of the first bad entry, 0 if none
	Reason   string
}

// Verify walks the chain in order from the latest prune anchor (or from
// the first entry) and recomputes every hash. The anchor itself must be
// confirmed by the prune entry that made it.
func Verify(ctx context.Context, q store.Querier) (VerifyResult, error) {
	var res VerifyResult
	anchor, err := LatestAnchor(ctx, q)
	if err != nil {
		return res, err
	}
	res.Anchor = anchor
	rows, err := q.QueryContext(ctx, "SELECT "+rowColumns+" FROM audit_log WHERE seq > $1 ORDER BY seq", anchor.Seq)
	if err != nil {
		return res, err
	}
	defer rows.Close()
	prev := anchor.Hash
	want := anchor.Seq + 1
	res.From = want
	confirmed := anchor.Seq == 0
	for rows.Next() {
		r, err := scanRow(rows)
		if err != nil {
			return res, err
		}
		switch {
		case r.Seq != want:
			res.BrokenAt, res.Reason = r.Seq, fmt.Sprintf("missing entry %d", want)
		case r.PrevHash != prev:
			res.BrokenAt, res.Reason = r.Seq, "previous hash does not match"
		case r.computeHash() != r.Hash:
			res.BrokenAt, res.Reason = r.Seq, "entry altered"
		}
		if res.BrokenAt != 0 {
			return res, nil
		}
		confirmed = confirmed || r.confirms(anchor)
		res.Checked++
		prev = r.Hash
		want++
	}
	if err := rows.Err(); err != nil {
		return res, err
	}
	var headSeq int64
	var headHash string
	if err := q.QueryRowContext(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&headSeq, &headHash); err != nil {
		return res, err
	}
	switch {
	case headSeq != want-1 || headHash != prev:
		res.BrokenAt, res.Reason = headSeq, "entries removed from the end"
	case !confirmed:
		res.BrokenAt, res.Reason = anchor.Seq+1, fmt.Sprintf("anchor at entry %d not confirmed by a prune entry", anchor.Seq)
	}
	return res, nil
}
