package registry

import (
	"context"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/validate"
)

// SavedFilter is a search a user kept under a name (常用查询), private to
// that user.
type SavedFilter struct {
	ID        string
	Name      string
	Query     string // query string, as ParseFilter reads it
	CreatedAt string
}

// Href is the search page of the saved filter.
func (f SavedFilter) Href() string { return "/registry?" + f.Query }

// MaxSavedFilters is how many filters one user may keep.
const MaxSavedFilters = 50

// SaveFilter keeps query under name for a user, replacing a filter of the
// same name. The query must be a search ParseFilter accepts; it is stored
// in ParseFilter's canonical form, without paging.
func SaveFilter(ctx context.Context, tx *store.Tx, userID, name, query string) (SavedFilter, error) {
	var es validate.Errors
	name = strings.TrimSpace(name)
	if es.Required(0, "filter.name", name) && utf8.RuneCountInString(name) > MaxNameLength {
		es.Add(0, "filter.name", "person.error.too_long", MaxNameLength)
	}
	v, err := url.ParseQuery(query)
	if err != nil {
		es.Add(0, "filter.name", "filter.error.query")
	}
	f, fes := ParseFilter(v)
	es = append(es, fes...)
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM saved_filters WHERE user_id = $1 AND name <> $2`, userID, name).Scan(&n); err != nil {
		return SavedFilter{}, err
	}
	if n >= MaxSavedFilters {
		es.Add(0, "filter.name", "filter.error.too_many", MaxSavedFilters)
	}
	if len(es) > 0 {
		return SavedFilter{}, es
	}
	s := SavedFilter{ID: store.NewID(), Name: name, Query: f.Values().Encode(), CreatedAt: store.Now()}
	if _, err := tx.ExecContext(ctx, `DELETE FROM saved_filters WHERE user_id = $1 AND name = $2`, userID, name); err != nil {
		return SavedFilter{}, err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO saved_filters (id, user_id, name, query, created_at) VALUES ($1, $2, $3, $4, $5)`,
		s.ID, userID, s.Name, s.Query, s.CreatedAt)
	return s, err
}

// SavedFilters lists a user's saved filters by name.
func SavedFilters(ctx context.Context, q store.Querier, userID string) ([]SavedFilter, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, name, query, created_at FROM saved_filters WHERE user_id = $1 ORDER BY name`, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []SavedFilter
	for rows.Next() {
		var s SavedFilter
		if err := rows.Scan(&s.ID, &s.Name, &s.Query, &s.CreatedAt); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// DeleteSavedFilter deletes one of a user's saved filters; another user's
// is store.ErrNotFound.
func DeleteSavedFilter(ctx context.Context, tx *store.Tx, userID, id string) error {
	res, err := tx.ExecContext(ctx, `DELETE FROM saved_filters WHERE id = $1 AND user_id = $2`, id, userID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return store.ErrNotFound
	}
	return nil
}
