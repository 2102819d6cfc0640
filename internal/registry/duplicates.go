package registry

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/validate"
)

// duplicateMigration adds what the review of possible duplicates needs.
//
// Each kind of duplicate is found by a GROUP BY over an index whose leading
// columns are the group's key and which also holds village_code and status,
// so the scope range and the "not merged" condition are answered from the
// index alone, in key order (which is also the page order). The phone index
// replaces the plain one of 2026112806: same leading column, so phone
// search keeps using it, and no extra index slows down imports.
var duplicateMigration = store.Migration{
	Version: 2026112809,
	Name:    "person_duplicates",
	SQL: `
CREATE INDEX persons_dup_name ON persons(village_code, name, birth_date, status);
DROP INDEX persons_phone;
CREATE INDEX persons_phone ON persons(phone, village_code, status);
CREATE INDEX persons_certificate ON persons(certificate_no, village_code, status);
CREATE TABLE person_duplicate_dismissals (
	person_a TEXT NOT NULL REFERENCES persons(id),  -- the smaller id of the pair
	person_b TEXT NOT NULL REFERENCES persons(id),
	at       TEXT NOT NULL,
	actor    TEXT NOT NULL,
	PRIMARY KEY (person_a, person_b)
);
CREATE INDEX person_duplicate_dismissals_b ON person_duplicate_dismissals(person_b);
CREATE TABLE person_merges (
	merged_id TEXT PRIMARY KEY REFERENCES persons(id),  -- the record folded into the other, status 'merged'
	kept_id   TEXT NOT NULL REFERENCES persons(id),
	at        TEXT NOT NULL,
	actor     TEXT NOT NULL,
	reason    TEXT NOT NULL
);
CREATE INDEX person_merges_kept ON person_merges(kept_id);
`}

// StatusMerged marks a record merged into another (合并): it leaves every
// list, like a deceased person, and keeps its own history, which the kept
// person's timeline shows too.
//
// Merging keeps the record rather than deleting it: its ID number stays
// registered (a new registration of it finds the record and its link to the
// kept person), other areas' rows that refer to it stay valid, and history
// rows need no renumbering. Reinstating a merged record (恢复在册) undoes the
// merge: the kept person's timeline then no longer shows its history.
const StatusMerged Status = "merged"

// History changes of a merge: the kept person "merge", the merged one
// "merged" (its status becomes StatusMerged). Source holds the other id.
const (
	ChangeMerge  Change = "merge"  // 合并了另一条记录
	ChangeMerged Change = "merged" // 并入另一条记录
)

// Audit actions of the duplicate review.
const (
	ActionMerge   = "person.merge"
	ActionDismiss = "person.duplicate_dismiss"
)

// DuplicateKind is what two records have in common.
type DuplicateKind string

// Duplicate kinds.
const (
	// DupNameBirth: same name and birth date in one household village.
	DupNameBirth DuplicateKind = "name_birth"
	// DupPhone: same phone number.
	DupPhone DuplicateKind = "phone"
	// DupCertificate: same certificate number. Numbers are derived from
	// the (unique) ID number, so this finds records written by other means:
	// bulk loads and data brought from elsewhere.
	DupCertificate DuplicateKind = "certificate"
)

// DuplicateKinds in display order.
var DuplicateKinds = []DuplicateKind{DupNameBirth, DupPhone, DupCertificate}

// Valid reports whether k is a known kind.
func (k DuplicateKind) Valid() bool { return slices.Contains(DuplicateKinds, k) }

// keyColumns are the columns a kind groups by, in index order.
func (k DuplicateKind) keyColumns() []string {
	switch k {
	// Phones and certificate numbers are sealed: records share the blind
	// index of the same value (sealed.go).
	case DupPhone:
		return []string{"phone_hash"}
	case DupCertificate:
		return []string{"cert_hash"}
	}
	return []string{"village_code", "name", "birth_date"}
}

// DuplicateGroup is records sharing a key, listed for review: the members
// (each in at least one pair not yet dismissed), oldest registration first.
type DuplicateGroup struct {
	Kind    DuplicateKind
	Key     []string // the shared values, in keyColumns order (blind indexes for phone and certificate)
	Persons []Person
}

// Cursor is the value of the next page's "after" that follows g.
func (g DuplicateGroup) Cursor() string { return strings.Join(g.Key, keySep) }

// keySep joins a composite key in a page cursor; no name, phone or code
// holds it.
const keySep = "\x1f"

// groupBatch is how many keys one query reads while filling a page; a page
// whose groups were all dismissed reads further, up to maxBatches.
const (
	groupBatch = 200
	maxBatches = 10
)

// FindDuplicates lists up to limit groups of possible duplicates of kind k
// inside scope s, in key order after the key "after" (a Cursor, "" for the
// first page), and the cursor of the next page ("" on the last). Merged
// records are left out; deceased, moved-out and cancelled ones are not, as
// a second registration of a deceased person is exactly what to find. A
// group whose every pair was dismissed ("not the same person") is not
// listed.
func FindDuplicates(ctx context.Context, q store.Querier, s area.Scope, k DuplicateKind, after string, limit int) ([]DuplicateGroup, string, error) {
	if !k.Valid() {
		return nil, "", validate.Errors{{Field: "duplicates.kind", Key: "validate.choose"}}
	}
	cols := k.keyColumns()
	var cursor []string
	if after != "" {
		cursor = strings.Split(after, keySep)
		if len(cursor) != len(cols) {
			return nil, "", validate.Errors{{Field: "duplicates.after", Key: "duplicates.error.cursor"}}
		}
	}
	var out []DuplicateGroup
	for range maxBatches {
		keys, err := duplicateKeys(ctx, q, s, k, cursor, groupBatch)
		if err != nil {
			return nil, "", err
		}
		for i, key := range keys {
			g, err := loadGroup(ctx, q, s, k, key)
			if err != nil {
				return nil, "", err
			}
			if len(g.Persons) > 1 {
				out = append(out, g)
			}
			if len(out) == limit {
				if i == len(keys)-1 && len(keys) < groupBatch {
					return out, "", nil
				}
				return out, g.Cursor(), nil
			}
		}
		if len(keys) < groupBatch {
			return out, "", nil
		}
		cursor = keys[len(keys)-1]
	}
	// Many dismissed groups in a row: offer to read on from where the
	// search stopped rather than scan the whole scope in one request.
	return out, strings.Join(cursor, keySep), nil
}

// duplicateKeys reads the next keys shared by more than one unmerged
// record inside s, in index order.
func duplicateKeys(ctx context.Context, q store.Querier, s area.Scope, k DuplicateKind, after []string, limit int) ([][]string, error) {
	cols := k.keyColumns()
	list := strings.Join(cols, ", ")
	cond, args := s.Filter("village_code", 1)
	conds := []string{cond, "status <> '" + string(StatusMerged) + "'"}
	if k != DupNameBirth {
		conds = append(conds, cols[0]+" > ''") // no phone, no certificate: nothing in common (> rather than <> so the index reads a range)
	}
	if after != nil {
		ph := make([]string, len(after))
		for i, v := range after {
			args = append(args, v)
			ph[i] = "$" + itoa(len(args))
		}
		// A row value compares the whole key, and both engines use the
		// index for it.
		conds = append(conds, "("+list+") > ("+strings.Join(ph, ", ")+")")
	}
	args = append(args, limit)
	rows, err := q.QueryContext(ctx, `SELECT `+list+` FROM persons WHERE `+strings.Join(conds, " AND ")+
		` GROUP BY `+list+` HAVING COUNT(*) > 1 ORDER BY `+list+` LIMIT $`+itoa(len(args)), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out [][]string
	for rows.Next() {
		key := make([]string, len(cols))
		ptrs := make([]any, len(cols))
		for i := range key {
			ptrs[i] = &key[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		out = append(out, key)
	}
	return out, rows.Err()
}

// loadGroup reads the unmerged records of one key inside s and keeps those
// in at least one pair not dismissed.
func loadGroup(ctx context.Context, q store.Querier, s area.Scope, k DuplicateKind, key []string) (DuplicateGroup, error) {
	g := DuplicateGroup{Kind: k, Key: key}
	cond, args := s.Filter("village_code", 1)
	conds := []string{cond, "status <> '" + string(StatusMerged) + "'"}
	for i, c := range k.keyColumns() {
		args = append(args, key[i])
		conds = append(conds, c+" = $"+itoa(len(args)))
	}
	rows, err := q.QueryContext(ctx, `SELECT `+selectColumns+` FROM persons WHERE `+strings.Join(conds, " AND ")+` ORDER BY created_at, id`, args...)
	if err != nil {
		return g, err
	}
	var all []Person
	for rows.Next() {
		p, err := scanPerson(rows)
		if err != nil {
			rows.Close()
			return g, err
		}
		all = append(all, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return g, err
	}
	dismissed, err := dismissedPairs(ctx, q, all)
	if err != nil {
		return g, err
	}
	for i, p := range all {
		for j, o := range all {
			if i != j && !dismissed[pairOf(p.ID, o.ID)] {
				g.Persons = append(g.Persons, p)
				break
			}
		}
	}
	return g, loadComponents(ctx, q, g.Persons)
}

// pair is two person ids, the smaller first, as the dismissal table keeps
// them.
type pair struct{ a, b string }

func pairOf(x, y string) pair {
	if y < x {
		x, y = y, x
	}
	return pair{x, y}
}

// dismissedPairs are the pairs among ps marked "not the same person".
func dismissedPairs(ctx context.Context, q store.Querier, ps []Person) (map[pair]bool, error) {
	out := map[pair]bool{}
	if len(ps) < 2 {
		return out, nil
	}
	args := make([]any, len(ps))
	for i, p := range ps {
		args[i] = p.ID
	}
	in := placeholders(len(ps))
	rows, err := q.QueryContext(ctx, `SELECT person_a, person_b FROM person_duplicate_dismissals WHERE person_a IN (`+in+`)`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var p pair
		if err := rows.Scan(&p.a, &p.b); err != nil {
			return nil, err
		}
		out[p] = true
	}
	return out, rows.Err()
}

// DismissDuplicates records that the persons ids (inside scope s) are not
// the same person, pair by pair, so their groups are not listed again for
// them; audited. Pairs dismissed before are left as they are.
func DismissDuplicates(ctx context.Context, tx *store.Tx, s area.Scope, ids []string) error {
	ids = uniqueIDs(ids)
	if len(ids) < 2 {
		return validate.Errors{{Field: "duplicates.persons", Key: "duplicates.error.two"}}
	}
	ps := make([]Person, len(ids))
	for i, id := range ids {
		p, err := Get(ctx, tx, s, id)
		if err != nil {
			return err
		}
		ps[i] = p
	}
	actor := actorName(ctx)
	now := store.Now()
	for i := range ps {
		for j := i + 1; j < len(ps); j++ {
			pr := pairOf(ps[i].ID, ps[j].ID)
			res, err := tx.ExecContext(ctx, `INSERT INTO person_duplicate_dismissals (person_a, person_b, at, actor) VALUES ($1, $2, $3, $4)
				ON CONFLICT (person_a, person_b) DO NOTHING`, pr.a, pr.b, now, actor)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				continue
			}
			if err := audit.Record(ctx, tx, audit.Entry{Action: ActionDismiss, ObjectType: "person", ObjectID: ps[i].ID,
				AreaCode: ps[i].VillageCode, Detail: "not the same person as " + ps[j].ID}); err != nil {
				return err
			}
		}
	}
	return nil
}

// Merge folds the records merged into the record keep, all inside scope s,
// in tx: each merged record gets status StatusMerged and a history entry
// ("merged", source = keep), keep gets one per merged record ("merge",
// source = the merged id) and a new version, the link is kept in
// person_merges so keep's timeline shows both histories (see Timeline), and
// each person's change is audited as person.merge. The kept record's
// fields stay as they are: which of two differing values is right is the
// caseworker's judgement, made afterwards with an ordinary edit and its
// reason. Refused with validate.Errors, and nothing written, when a record
// is missing, already merged, or the same as keep, or the reason is blank.
func Merge(ctx context.Context, tx *store.Tx, s area.Scope, keep string, merged []string, reason string) (Person, error) {
	var es validate.Errors
	merged = uniqueIDs(merged)
	reason = checkReason(&es, "duplicates.reason", reason, true)
	if keep == "" {
		es.Add(0, "duplicates.keep", "duplicates.error.keep")
	}
	switch {
	case len(merged) == 0:
		es.Add(0, "duplicates.merged", "duplicates.error.merged_none")
	case slices.Contains(merged, keep):
		es.Add(0, "duplicates.merged", "duplicates.error.merge_self")
	}
	if len(es) > 0 {
		return Person{}, es
	}
	kept, err := lockPerson(ctx, tx, s, keep)
	if err != nil {
		return Person{}, err
	}
	if kept.Status == StatusMerged {
		return Person{}, validate.Errors{{Field: "duplicates.keep", Key: "duplicates.error.already_merged", Args: []any{kept.Name}}}
	}
	now := store.Now()
	actor := actorName(ctx)
	for _, id := range merged {
		m, err := lockPerson(ctx, tx, s, id)
		if err != nil {
			return Person{}, err
		}
		if m.Status == StatusMerged {
			return Person{}, validate.Errors{{Field: "duplicates.merged", Key: "duplicates.error.already_merged", Args: []any{m.Name}}}
		}
		mAfter := m
		mAfter.Status, mAfter.UpdatedAt, mAfter.Version = StatusMerged, now, m.Version+1
		if _, err := tx.ExecContext(ctx, `UPDATE persons SET status = $1, updated_at = $2, version = $3 WHERE id = $4`,
			string(mAfter.Status), now, mAfter.Version, m.ID); err != nil {
			return Person{}, err
		}
		if err := addHistory(ctx, tx, m.ID, historyNote{Change: ChangeMerged, Reason: reason, Source: kept.ID}, &m, &mAfter); err != nil {
			return Person{}, err
		}
		kAfter := kept
		kAfter.UpdatedAt, kAfter.Version = now, kept.Version+1
		if _, err := tx.ExecContext(ctx, `UPDATE persons SET updated_at = $1, version = $2 WHERE id = $3`, now, kAfter.Version, kept.ID); err != nil {
			return Person{}, err
		}
		if err := addHistory(ctx, tx, kept.ID, historyNote{Change: ChangeMerge, Reason: reason, Source: m.ID}, &kept, &kAfter); err != nil {
			return Person{}, err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO person_merges (merged_id, kept_id, at, actor, reason) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (merged_id) DO UPDATE SET kept_id = $2, at = $3, actor = $4, reason = $5`, m.ID, kept.ID, now, actor, reason); err != nil {
			return Person{}, err
		}
		for _, e := range []audit.Entry{
			{ObjectID: kept.ID, AreaCode: kept.VillageCode, Before: kept, After: kAfter, Detail: "kept; merged " + m.ID + ": " + reason},
			{ObjectID: m.ID, AreaCode: m.VillageCode, Before: m, After: mAfter, Detail: "merged into " + kept.ID + ": " + reason},
		} {
			e.Action, e.ObjectType = ActionMerge, "person"
			if err := audit.Record(ctx, tx, e); err != nil {
				return Person{}, err
			}
		}
		kept = kAfter
	}
	return kept, nil
}

// MergedInto returns the id of the person a merged record was folded into
// ("" when it was not merged).
func MergedInto(ctx context.Context, q store.Querier, id string) (string, error) {
	var kept string
	err := q.QueryRowContext(ctx, `SELECT pm.kept_id FROM person_merges pm JOIN persons m ON m.id = pm.merged_id
		WHERE pm.merged_id = $1 AND m.status = $2`, id, string(StatusMerged)).Scan(&kept)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return kept, err
}

// maxMergeDepth bounds the chain of merges a timeline follows (A into B,
// B into C, …), against a loop a reinstatement and a second merge could
// make.
const maxMergeDepth = 20

// TimelineEntry is a history entry with the record it belongs to: the
// person's own, or a record merged into the person.
type TimelineEntry struct {
	HistoryEntry
	// FromMerged is the name of the merged record the entry came from
	// ("" for the person's own entries); FromID is its id.
	FromMerged, FromID string
}

// Timeline returns the person's history inside scope s together with the
// history of every record merged into it (and into those), newest first.
func Timeline(ctx context.Context, q store.Querier, s area.Scope, personID string) ([]TimelineEntry, error) {
	own, err := History(ctx, q, s, personID)
	if err != nil {
		return nil, err
	}
	var out []TimelineEntry
	for _, h := range own {
		out = append(out, TimelineEntry{HistoryEntry: h})
	}
	if len(own) == 0 {
		return out, nil // outside the scope, or missing
	}
	seen := map[string]bool{personID: true}
	frontier := []string{personID}
	for depth := 0; len(frontier) > 0 && depth < maxMergeDepth; depth++ {
		var next []string
		for _, id := range frontier {
			rows, err := q.QueryContext(ctx, `SELECT m.id, m.name FROM person_merges pm JOIN persons m ON m.id = pm.merged_id
				WHERE pm.kept_id = $1 AND m.status = $2 ORDER BY pm.at`, id, string(StatusMerged))
			if err != nil {
				return nil, err
			}
			type rec struct{ id, name string }
			var recs []rec
			for rows.Next() {
				var r rec
				if err := rows.Scan(&r.id, &r.name); err != nil {
					rows.Close()
					return nil, err
				}
				recs = append(recs, r)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return nil, err
			}
			for _, r := range recs {
				if seen[r.id] {
					continue
				}
				seen[r.id] = true
				next = append(next, r.id)
				// The merged record's history is shown whatever its
				// village: it is now part of this person's file.
				hist, err := History(ctx, q, area.All(), r.id)
				if err != nil {
					return nil, err
				}
				for _, h := range hist {
					out = append(out, TimelineEntry{HistoryEntry: h, FromMerged: r.name, FromID: r.id})
				}
			}
		}
		frontier = next
	}
	// Newest first across records; the per-person sequence breaks ties.
	slices.SortStableFunc(out, func(a, b TimelineEntry) int {
		if c := strings.Compare(b.At, a.At); c != 0 {
			return c
		}
		if a.Seq != b.Seq {
			return b.Seq - a.Seq
		}
		// Same instant and step in two files: the later-written entry
		// first (history ids are UUIDv7, so time-ordered).
		return strings.Compare(b.ID, a.ID)
	})
	return out, nil
}

// actorName is how history names the one acting.
func actorName(ctx context.Context) string {
	a := audit.ActorFrom(ctx)
	if a.Name != "" {
		return a.Name
	}
	return a.ID
}

// uniqueIDs trims ids and drops blanks and repeats, keeping order.
func uniqueIDs(ids []string) []string {
	var out []string
	for _, id := range ids {
		if id = strings.TrimSpace(id); id != "" && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

func itoa(n int) string { return strconv.Itoa(n) }
