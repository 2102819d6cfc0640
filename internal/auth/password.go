package auth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode"

	"golang.org/x/crypto/argon2"

	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/validate"
)

// argon2id parameters (OWASP's minimum: 19 MiB, 2 passes, 1 lane). Stored in
// each hash, so they can be raised later without breaking old hashes.
const (
	argonTime    = 2
	argonMemory  = 19 * 1024
	argonThreads = 1
	argonKeyLen  = 32
)

// HashPassword returns a PHC-format argon2id hash of pw.
func HashPassword(pw string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(pw), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// CheckPassword reports whether pw matches the hash, in constant time.
func CheckPassword(hash, pw string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false
	}
	b64 := base64.RawStdEncoding
	salt, err1 := b64.DecodeString(parts[4])
	want, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil {
		return false
	}
	got := argon2.IDKey([]byte(pw), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// ErrWeakPassword carries the i18n key of the rule a password breaks and
// the key's arguments.
type ErrWeakPassword struct {
	Key  string
	Args []any
}

func (e ErrWeakPassword) Error() string { return e.Key }

// add reports err, a password's problem, on field.
func (e ErrWeakPassword) add(es *validate.Errors, field string) { es.Add(0, field, e.Key, e.Args...) }

// CheckNewPassword applies the password rules in force (RULES.md §9 by
// default: at least 8 characters from at least 3 of upper case, lower
// case, digits and symbols; never the user name). The security
// administrator may make them stricter (PolicyDefs).
func (p Policy) CheckNewPassword(pw, username string) error {
	if len([]rune(pw)) < p.PasswordMinLength {
		return ErrWeakPassword{"password.rule.length", []any{p.PasswordMinLength}}
	}
	var upper, lower, digit, other bool
	for _, r := range pw {
		switch {
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsLower(r):
			lower = true
		case unicode.IsDigit(r):
			digit = true
		default:
			other = true
		}
	}
	classes := 0
	for _, b := range []bool{upper, lower, digit, other} {
		if b {
			classes++
		}
	}
	if classes < p.PasswordClasses {
		return ErrWeakPassword{"password.rule.classes", []any{p.PasswordClasses}}
	}
	if username != "" && strings.Contains(strings.ToLower(pw), strings.ToLower(username)) {
		return ErrWeakPassword{Key: "password.rule.username"}
	}
	return nil
}

// policyIn is the sign-in policy stored in q, read in the caller's
// transaction (another server may have changed it). Unreadable, it is
// DefaultPolicy: the stored one can only be stricter, and the write that
// follows fails on the same database anyway.
func policyIn(ctx context.Context, q store.Querier) Policy {
	p, err := LoadPolicy(ctx, q)
	if err != nil {
		return DefaultPolicy
	}
	return p
}

// checkNewPassword applies the stored rules to a new password, adding a
// problem on field to es.
func checkNewPassword(ctx context.Context, q store.Querier, es *validate.Errors, pw, username, field string) {
	if err := policyIn(ctx, q).CheckNewPassword(pw, username); err != nil {
		err.(ErrWeakPassword).add(es, field)
	}
}

// GeneratePassword makes a random password that meets the rules, for new
// accounts and resets (the holder must change it at first sign-in): all
// four classes, as long as p asks and at least 12 characters.
func GeneratePassword(p Policy) string {
	n := max(12, p.PasswordMinLength)
	// No 0/O, 1/l/I: it is read off a screen and typed.
	const (
		up  = "ABCDEFGHJKLMNPQRSTUVWXYZ"
		low = "abcdefghijkmnpqrstuvwxyz"
		dig = "23456789"
		sym = "#%+=@"
	)
	all := up + low + dig + sym
	for {
		b := make([]byte, n)
		r := make([]byte, n)
		if _, err := rand.Read(r); err != nil {
			panic(err)
		}
		for i := range b {
			set := all
			switch i {
			case 0:
				set = up
			case 1:
				set = low
			case 2:
				set = dig
			case 3:
				set = sym
			}
			b[i] = set[int(r[i])%len(set)]
		}
		// Shuffle so the classes are not always in front.
		perm := make([]byte, len(b))
		if _, err := rand.Read(perm); err != nil {
			panic(err)
		}
		for i := len(b) - 1; i > 0; i-- {
			j := int(perm[i]) % (i + 1)
			b[i], b[j] = b[j], b[i]
		}
		if p.CheckNewPassword(string(b), "") == nil {
			return string(b)
		}
	}
}

var errBadCredentials = errors.New("bad credentials")
