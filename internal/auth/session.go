package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/store"
)

// Policy holds the sign-in rules (RULES.md §9 defaults).
type Policy struct {
	IdleTimeout    time.Duration // session ends after this long unused
	MaxSession     time.Duration // and at the latest after this long
	LockAfter      int           // failures in a row before lockout
	LockFor        time.Duration
	PasswordMaxAge time.Duration // change forced after this long (0 = never)
	AdminTwoFactor bool          // administrators must use two factors
	// A new password has at least PasswordMinLength characters from at
	// least PasswordClasses of upper case, lower case, digits and symbols.
	PasswordMinLength int
	PasswordClasses   int
}

// DefaultPolicy is 等保 level 3 as RULES.md §9 reads it.
var DefaultPolicy = Policy{
	IdleTimeout:    30 * time.Minute,
	MaxSession:     12 * time.Hour,
	LockAfter:      5,
	LockFor:        15 * time.Minute,
	PasswordMaxAge: 90 * 24 * time.Hour,
	AdminTwoFactor: true,

	PasswordMinLength: 8,
	PasswordClasses:   3,
}

// Service signs people in and out and resolves requests to principals.
type Service struct {
	DB *store.DB
	// policy is read by every request and replaced when the security
	// administrator saves the settings.
	policy atomic.Pointer[Policy]
	// SecureCookies marks cookies Secure (set when served over HTTPS).
	SecureCookies bool
	now           func() time.Time
	principals    principalCache
}

// NewService returns a service with the policy stored in db (the defaults
// where nothing is stored, or where db has no settings table).
func NewService(db *store.DB) *Service {
	s := &Service{DB: db, now: time.Now}
	p, err := LoadPolicy(context.Background(), db)
	if err != nil {
		p = DefaultPolicy
	}
	s.SetPolicy(p)
	return s
}

// Policy returns the sign-in rules in force.
func (s *Service) Policy() Policy { return *s.policy.Load() }

// SetPolicy replaces the rules in force (after SavePolicy, and in tests).
func (s *Service) SetPolicy(p Policy) { s.policy.Store(&p) }

// ReloadPolicy reads the stored rules into the service.
func (s *Service) ReloadPolicy(ctx context.Context) error {
	p, err := LoadPolicy(ctx, s.DB)
	if err != nil {
		return err
	}
	s.SetPolicy(p)
	return nil
}

// SetClock replaces the clock (tests of expiry and lockout).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// Now is the service's clock (the real one unless a test set another).
func (s *Service) Now() time.Time { return s.now() }

// Sign-in outcomes a page can explain.
var (
	ErrBadCredentials = errBadCredentials
	ErrLocked         = errors.New("account locked")
	ErrDisabled       = errors.New("account disabled")
	// ErrNoRole: the account waits for the security administrator to
	// give it a role.
	ErrNoRole = errors.New("account has no role yet")
)

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

func newToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// SignIn checks a user name and password. On success it starts a session and
// returns its token (for the cookie). Every attempt is audited; the fifth
// failure in a row locks the account for Policy.LockFor.
func (s *Service) SignIn(ctx context.Context, username, password, ip, userAgent string) (token string, u User, err error) {
	now := s.now()
	ctx = audit.WithActor(ctx, audit.Actor{Kind: "anonymous", Name: username, IP: ip})
	noRole := false
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		noRole = false
		var hash string
		u, err = scanUser(tx.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE username = $1`, username))
		if errors.Is(err, store.ErrNotFound) {
			// Spend the same time as a real check so names can't be probed.
			CheckPassword(dummyHash, password)
			return audit.Record(ctx, tx, audit.Entry{Action: "auth.signin", Outcome: audit.Failed, Detail: "unknown user"})
		}
		if err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `SELECT password_hash FROM users WHERE id = $1`, u.ID).Scan(&hash); err != nil {
			return err
		}
		ctx := audit.WithActor(ctx, audit.Actor{ID: u.ID, Name: u.Username, Kind: "user", IP: ip})
		entry := audit.Entry{Action: "auth.signin", ObjectType: "user", ObjectID: u.ID, AreaCode: u.ScopeCode}
		switch {
		case u.Disabled:
			entry.Outcome, entry.Detail = audit.Denied, "disabled"
			return audit.Record(ctx, tx, entry)
		case u.lockedAt(now):
			entry.Outcome, entry.Detail = audit.Denied, "locked"
			return audit.Record(ctx, tx, entry)
		case u.Role == RolePending && CheckPassword(hash, password):
			entry.Outcome, entry.Detail, noRole = audit.Denied, "no role yet", true
			return audit.Record(ctx, tx, entry)
		case !CheckPassword(hash, password):
			forgetPrincipals(tx) // a lockout may follow
			u.FailedCount++
			locked := ""
			entry.Outcome, entry.Detail = audit.Failed, "wrong password"
			if u.FailedCount >= s.Policy().LockAfter {
				locked = store.FormatTime(now.Add(s.Policy().LockFor))
				u.FailedCount = 0
				entry.Detail = "wrong password; account locked until " + locked
			}
			if _, err := tx.ExecContext(ctx, `UPDATE users SET failed_count = $2, locked_until = $3 WHERE id = $1`, u.ID, u.FailedCount, locked); err != nil {
				return err
			}
			u.LockedUntil = locked
			return audit.Record(ctx, tx, entry)
		}
		token = newToken()
		ts := store.FormatTime(now)
		if _, err := tx.ExecContext(ctx, `UPDATE users SET failed_count = 0, locked_until = '' WHERE id = $1`, u.ID); err != nil {
			return err
		}
		// With two factors on, the session waits for the code before it
		// may do anything (Principal.SecondFactorPending).
		if _, err := tx.ExecContext(ctx, `INSERT INTO sessions (id, user_id, created_at, last_seen_at, expires_at, ip, user_agent, factor_pending) VALUES ($1,$2,$3,$3,$4,$5,$6,$7)`,
			hashToken(token), u.ID, ts, store.FormatTime(now.Add(s.Policy().MaxSession)), ip, truncate(userAgent, 300), u.TwoFactor); err != nil {
			return err
		}
		if u.TwoFactor {
			entry.Detail = "password ok; waiting for the second factor"
		}
		return audit.Record(ctx, tx, entry)
	})
	switch {
	case err != nil:
		return "", u, err
	case token != "":
		return token, u, nil
	case u.Disabled:
		return "", u, ErrDisabled
	case u.LockedUntil != "" && u.lockedAt(now):
		return "", u, ErrLocked
	case noRole:
		return "", u, ErrNoRole
	}
	return "", u, ErrBadCredentials
}

var dummyHash, _ = HashPassword("timing-equaliser")

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// Resolve returns the principal of a session token, or nil if the session
// is unknown, idle too long, past its end, or its account disabled.
func (s *Service) Resolve(ctx context.Context, token string) (*Principal, error) {
	if token == "" {
		return nil, nil
	}
	now := s.now()
	id := hashToken(token)
	if p, ok := s.principals.get(id, now, s.Policy().IdleTimeout); ok {
		return p, nil
	}
	gen := principalGen.Load()
	var lastSeen, expires string
	var userID string
	var pending bool
	err := s.DB.QueryRowContext(ctx, `SELECT user_id, last_seen_at, expires_at, factor_pending FROM sessions WHERE id = $1`, id).Scan(&userID, &lastSeen, &expires, &pending)
	if err != nil {
		return nil, nil //nolint:nilerr // no such session: anonymous
	}
	seen, _ := store.ParseTime(lastSeen)
	if now.Sub(seen) > s.Policy().IdleTimeout || store.FormatTime(now) > expires {
		_, _ = s.DB.ExecContext(ctx, `DELETE FROM sessions WHERE id = $1`, id)
		return nil, nil
	}
	u, err := GetUser(ctx, s.DB, userID)
	if err != nil || u.Disabled || u.Role == RolePending {
		return nil, nil //nolint:nilerr
	}
	// Touch at most once a minute: the idle clock needs no finer grain and
	// every request writing would serialise readers on SQLite.
	if now.Sub(seen) > time.Minute {
		if _, err := s.DB.ExecContext(ctx, `UPDATE sessions SET last_seen_at = $2 WHERE id = $1`, id, store.FormatTime(now)); err != nil {
			return nil, err
		}
	}
	mustChange := u.MustChangePassword
	if s.Policy().PasswordMaxAge > 0 {
		if changed, err := store.ParseTime(u.PasswordChangedAt); err == nil && now.Sub(changed) > s.Policy().PasswordMaxAge {
			mustChange = true
		}
	}
	p := &Principal{Kind: "user", ID: u.ID, Name: u.Username, DisplayName: u.DisplayName, Role: u.Role, Department: u.Department,
		Scope: u.Scope(), SessionID: id, MustChangePassword: mustChange,
		SecondFactorPending: pending, MustEnrolTwoFactor: s.Policy().AdminTwoFactor && u.Role.Admin() && !u.TwoFactor}
	if now.Sub(seen) > time.Minute {
		seen = now // touched above
	}
	s.principals.put(id, p, gen, now, seen, expires)
	return p, nil
}

// Every page request resolves its session: two queries, a fifth of an ID
// lookup's work (BENCHMARKS.md). The principal is kept for
// principalTTL and dropped at once, for every session, when this process
// changes an account or a session (forgetPrincipals: sign-out, password,
// disabling, two factors, lockout); while such a transaction is open
// nothing is cached, so a principal is never refilled from rows about to
// change. Expiry and the idle limit are checked on every hit. (Another
// server on the same PostgreSQL sees a change after at most principalTTL.)
const principalTTL = 5 * time.Second

var (
	principalGen  atomic.Uint64 // bumped by every change of accounts or sessions
	principalBusy atomic.Int64  // such changes not yet committed or rolled back
)

// forgetPrincipals drops every cached principal, now and again when tx
// ends; until then none is cached. Every write to users or sessions that
// can change what Resolve returns calls it.
func forgetPrincipals(tx *store.Tx) {
	principalBusy.Add(1)
	principalGen.Add(1)
	store.AfterTx(tx, func() {
		principalGen.Add(1)
		principalBusy.Add(-1)
	})
}

type cachedPrincipal struct {
	p       Principal
	gen     uint64
	at      time.Time // when read from the database
	seen    time.Time // the session's last_seen_at
	expires string
}

type principalCache struct {
	mu sync.Mutex
	m  map[string]cachedPrincipal
}

func (c *principalCache) get(id string, now time.Time, idle time.Duration) (*Principal, bool) {
	c.mu.Lock()
	e, ok := c.m[id]
	c.mu.Unlock()
	// A session due for its once-a-minute touch, idle too long or past its
	// end goes to the database, which touches or ends it.
	if !ok || e.gen != principalGen.Load() || now.Sub(e.at) > principalTTL || now.Before(e.at) ||
		now.Sub(e.seen) > time.Minute || now.Sub(e.seen) > idle || store.FormatTime(now) > e.expires {
		return nil, false
	}
	p := e.p
	return &p, true
}

func (c *principalCache) put(id string, p *Principal, gen uint64, now, seen time.Time, expires string) {
	if principalBusy.Load() != 0 || principalGen.Load() != gen {
		return // an account or a session changed while it was read
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) > 10000 {
		c.m = map[string]cachedPrincipal{}
	}
	c.m[id] = cachedPrincipal{p: *p, gen: gen, at: now, seen: seen, expires: expires}
}

// SignOut ends a session, audited.
func (s *Service) SignOut(ctx context.Context, p *Principal) error {
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		forgetPrincipals(tx)
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE id = $1`, p.SessionID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "auth.signout", ObjectType: "user", ObjectID: p.ID})
	})
}

// DeleteExpiredSessions removes sessions past their end or idle too long;
// the background job calls it.
func (s *Service) DeleteExpiredSessions(ctx context.Context) (int64, error) {
	now := s.now()
	var n int64
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		forgetPrincipals(tx)
		res, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at < $1 OR last_seen_at < $2`,
			store.FormatTime(now), store.FormatTime(now.Add(-s.Policy().IdleTimeout)))
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		if n == 0 {
			return nil
		}
		return audit.Record(audit.WithActor(ctx, audit.System), tx, audit.Entry{Action: "session.cleanup", Detail: "expired sessions removed", After: map[string]int64{"removed": n}})
	})
	return n, err
}
