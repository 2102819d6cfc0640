package auth

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/validate"
)

// APIClient is another department's system or a script that uses the JSON
// API with a token: created by an administrator, limited to a region and to
// some permissions, revocable, every use audited through its writes.
type APIClient struct {
	ID         string
	Name       string
	ScopeCode  string
	Perms      []Perm
	CreatedBy  string
	CreatedAt  string
	RevokedAt  string
	LastUsedAt string
}

// APITokenPrefix starts every token, so leaked tokens are easy to spot.
const APITokenPrefix = "ygk_"

// CreateAPIClient adds a client and returns its token, shown once.
func CreateAPIClient(ctx context.Context, tx *store.Tx, name, scopeCode string, perms []Perm) (APIClient, string, error) {
	var es validate.Errors
	name = strings.TrimSpace(name)
	es.Required(0, "api.client.name", name)
	if scopeCode == "*" {
		scopeCode = ""
	} else if _, err := area.Get(ctx, tx, scopeCode); err != nil {
		es.Add(0, "user.scope", "user.error.unknown_area", scopeCode)
	}
	var clean []Perm
	for _, p := range perms {
		if AdminPerm(p) {
			// A token never carries an administrator's duty (三员分立).
			es.Add(0, "api.client.perms", "api.error.admin_perm", string(p))
			continue
		}
		if slices.Contains(Perms, p) && !slices.Contains(clean, p) {
			clean = append(clean, p)
		}
	}
	if len(clean) == 0 {
		es.Add(0, "api.client.perms", "validate.choose")
	}
	if len(es) > 0 {
		return APIClient{}, "", es
	}
	token := APITokenPrefix + newToken()
	by := audit.ActorFrom(ctx).ID
	c := APIClient{ID: store.NewID(), Name: name, ScopeCode: scopeCode, Perms: clean, CreatedBy: by, CreatedAt: store.Now()}
	_, err := tx.ExecContext(ctx, `INSERT INTO api_clients (id, name, token_hash, scope_code, perms, created_by, created_at, revoked_at, last_used_at)
		VALUES ($1,$2,$3,$4,$5,$6,$7,'','')`, c.ID, c.Name, hashToken(token), c.ScopeCode, joinPerms(clean), by, c.CreatedAt)
	if err != nil {
		return APIClient{}, "", err
	}
	return c, token, audit.Record(ctx, tx, audit.Entry{Action: "api_client.create", ObjectType: "api_client", ObjectID: c.ID, AreaCode: scopeCode,
		After: map[string]any{"name": c.Name, "scope_code": c.ScopeCode, "perms": joinPerms(clean)}})
}

// RevokeAPIClient stops a client's token from working.
func RevokeAPIClient(ctx context.Context, tx *store.Tx, id string) error {
	res, err := tx.ExecContext(ctx, `UPDATE api_clients SET revoked_at = $2 WHERE id = $1 AND revoked_at = ''`, id, store.Now())
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return store.ErrNotFound
	}
	return audit.Record(ctx, tx, audit.Entry{Action: "api_client.revoke", ObjectType: "api_client", ObjectID: id})
}

// ListAPIClients returns every client, newest first.
func ListAPIClients(ctx context.Context, q store.Querier) ([]APIClient, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, name, scope_code, perms, created_by, created_at, revoked_at, last_used_at FROM api_clients ORDER BY created_at DESC`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []APIClient
	for rows.Next() {
		var c APIClient
		var perms string
		if err := rows.Scan(&c.ID, &c.Name, &c.ScopeCode, &perms, &c.CreatedBy, &c.CreatedAt, &c.RevokedAt, &c.LastUsedAt); err != nil {
			return nil, err
		}
		c.Perms = splitPerms(perms)
		out = append(out, c)
	}
	return out, rows.Err()
}

// ResolveAPIToken returns the principal of a client token, or nil if the
// token is unknown or revoked.
func (s *Service) ResolveAPIToken(ctx context.Context, token string) (*Principal, error) {
	if !strings.HasPrefix(token, APITokenPrefix) {
		return nil, nil
	}
	var c APIClient
	var perms string
	err := s.DB.QueryRowContext(ctx, `SELECT id, name, scope_code, perms, revoked_at, last_used_at FROM api_clients WHERE token_hash = $1`, hashToken(token)).
		Scan(&c.ID, &c.Name, &c.ScopeCode, &perms, &c.RevokedAt, &c.LastUsedAt)
	if err != nil || c.RevokedAt != "" {
		return nil, nil //nolint:nilerr // unknown token: unauthenticated
	}
	now := s.now()
	if last, err := store.ParseTime(c.LastUsedAt); err != nil || now.Sub(last) > time.Minute {
		if _, err := s.DB.ExecContext(ctx, `UPDATE api_clients SET last_used_at = $2 WHERE id = $1`, c.ID, store.FormatTime(now)); err != nil {
			return nil, err
		}
	}
	return &Principal{Kind: "api", ID: c.ID, Name: c.Name, DisplayName: c.Name, Scope: area.ScopeOf(c.ScopeCode), perms: splitPerms(perms)}, nil
}

func joinPerms(ps []Perm) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = string(p)
	}
	return strings.Join(s, " ")
}

func splitPerms(s string) []Perm {
	var out []Perm
	for _, f := range strings.Fields(s) {
		out = append(out, Perm(f))
	}
	return out
}
