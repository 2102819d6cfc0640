package web

import (
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/auth"
	"github.com/yangguang-cdpf/yangguang/internal/store"
)

// RateLimits are the request budgets per minute; 0 switches a limit off.
//
// Sign-in counts failed attempts only (wrong password, wrong or missing
// code, locked or disabled account): a county office's staff often share
// one address behind the office router, and thirty people signing in at
// half past eight must not lock each other out, while a password guesser
// fails at every try. The per-name budget also covers names that do not
// exist, which the account lockout cannot.
type RateLimits struct {
	SignInPerIP   int // failed sign-ins (password or second factor) per minute from one address
	SignInPerUser int // failed sign-ins per minute for one user name, from anywhere
	APIPerToken   int // API requests per minute per bearer token
}

// DefaultRateLimits are the documented defaults (docs/SECURITY.md).
var DefaultRateLimits = RateLimits{SignInPerIP: 10, SignInPerUser: 10, APIPerToken: 600}

// Limits is what Middleware applies; serve sets it from its flags before
// building the application.
var Limits = DefaultRateLimits

// bucket is a token bucket: full at limit, refilled at limit per minute.
type bucket struct {
	tokens  float64
	at      time.Time
	audited time.Time // last refusal written to the audit log
}

type limiter struct {
	mu        sync.Mutex
	limit     float64
	buckets   map[string]*bucket
	now       func() time.Time
	lastPrune time.Time
}

func newLimiter(perMinute int, now func() time.Time) *limiter {
	return &limiter{limit: float64(perMinute), buckets: map[string]*bucket{}, now: now}
}

// get returns key's bucket refilled up to now. Callers hold mu.
func (l *limiter) get(key string) *bucket {
	now := l.now()
	if now.Sub(l.lastPrune) > time.Minute {
		// A full bucket is the same as none: drop it, so keys made up by
		// an attacker do not pile up in memory.
		for k, b := range l.buckets {
			if b.tokens+now.Sub(b.at).Minutes()*l.limit >= l.limit {
				delete(l.buckets, k)
			}
		}
		l.lastPrune = now
	}
	b, ok := l.buckets[key]
	if !ok {
		b = &bucket{tokens: l.limit, at: now}
		l.buckets[key] = b
	}
	b.tokens = min(l.limit, b.tokens+now.Sub(b.at).Minutes()*l.limit)
	b.at = now
	return b
}

// allow reports whether key has budget left, without spending it.
func (l *limiter) allow(key string) bool {
	if l.limit <= 0 {
		return true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.get(key).tokens >= 1
}

// take spends one unit of key's budget; false when there was none.
func (l *limiter) take(key string) bool {
	if l.limit <= 0 {
		return true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.get(key)
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// shouldAudit reports whether a refusal for key is the first in a minute:
// one audit entry per minute and key, so a flood cannot flood the log.
func (l *limiter) shouldAudit(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.get(key)
	if l.now().Sub(b.audited) < time.Minute {
		return false
	}
	b.audited = l.now()
	return true
}

// rateLimiter applies RateLimits to sign-in posts and API calls.
type rateLimiter struct {
	db                   *store.DB
	signInIP, signInUser *limiter
	api                  *limiter
}

func newRateLimiter(db *store.DB, l RateLimits, now func() time.Time) *rateLimiter {
	return &rateLimiter{db: db, signInIP: newLimiter(l.SignInPerIP, now), signInUser: newLimiter(l.SignInPerUser, now), api: newLimiter(l.APIPerToken, now)}
}

// RateLimit wraps next with the limits in Limits. Middleware applies it
// after the session lookup and the CSRF check, so a second-factor post
// knows its user and the sign-in form is already parsed.
func RateLimit(a *auth.Service, next http.Handler) http.Handler {
	return newRateLimiter(a.DB, Limits, time.Now).wrap(next)
}

func (rl *rateLimiter) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasPrefix(r.URL.Path, "/api/"):
			token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
			if ok {
				// Keyed by a digest: the limiter keeps no usable token.
				sum := sha256.Sum256([]byte(strings.TrimSpace(token)))
				key := hex.EncodeToString(sum[:8])
				if !rl.api.take(key) {
					rl.refuse(w, r, rl.api, key, "api token "+key)
					return
				}
			}
		case r.Method == http.MethodPost && (r.URL.Path == "/login" || r.URL.Path == "/login/2fa"):
			ip, name := "ip:"+ClientIP(r), "user:"+signInName(r)
			if !rl.signInIP.allow(ip) {
				rl.refuse(w, r, rl.signInIP, ip, "sign-in from "+ClientIP(r))
				return
			}
			if !rl.signInUser.allow(name) {
				rl.refuse(w, r, rl.signInUser, name, "sign-in as "+signInName(r))
				return
			}
			sw := &statusWriter{ResponseWriter: w}
			next.ServeHTTP(sw, r)
			if sw.status >= http.StatusBadRequest {
				rl.signInIP.take(ip)
				rl.signInUser.take(name)
			}
			return
		}
		next.ServeHTTP(w, r)
	})
}

// signInName is the user name a sign-in post is for: the form's on the
// password step, the session's on the code step.
func signInName(r *http.Request) string {
	if p := auth.From(r.Context()); p != nil {
		return strings.ToLower(p.Name)
	}
	return strings.ToLower(strings.TrimSpace(r.PostFormValue("username")))
}

// refuse answers 429 (a Chinese page, or the JSON error body under
// /api/) with Retry-After, and audits the first refusal of a minute.
func (rl *rateLimiter) refuse(w http.ResponseWriter, r *http.Request, l *limiter, key, what string) {
	if l.shouldAudit(key) {
		if err := audit.RecordAlone(r.Context(), rl.db, audit.Entry{Action: "access.rate_limited", Outcome: audit.Denied,
			Detail: r.Method + " " + r.URL.Path + ": " + what}); err != nil {
			slog.Error("audit rate limit", "err", err)
		}
	}
	w.Header().Set("Retry-After", strconv.Itoa(int(60/max(l.limit, 1))+1))
	Error(w, r, http.StatusTooManyRequests, "error.too_many_requests")
}
