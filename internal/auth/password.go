package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode"

	"golang.org/x/crypto/argon2"
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

// ErrWeakPassword carries the i18n key of the rule a password breaks.
type ErrWeakPassword struct{ Key string }

func (e ErrWeakPassword) Error() string { return e.Key }

// MinPasswordLength is the 等保 minimum (RULES.md §9).
const MinPasswordLength = 8

// CheckPasswordRules applies RULES.md §9: at least 8 characters from at
// least 3 of upper case, lower case, digits and symbols; not the user name.
func CheckPasswordRules(pw, username string) error {
	if len([]rune(pw)) < MinPasswordLength {
		return ErrWeakPassword{"password.rule.length"}
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
	if classes < 3 {
		return ErrWeakPassword{"password.rule.classes"}
	}
	if username != "" && strings.Contains(strings.ToLower(pw), strings.ToLower(username)) {
		return ErrWeakPassword{"password.rule.username"}
	}
	return nil
}

// GeneratePassword makes a random password that meets the rules, for new
// accounts and resets (the holder must change it at first sign-in).
func GeneratePassword() string {
	// No 0/O, 1/l/I: it is read off a screen and typed.
	const (
		up  = "ABCDEFGHJKLMNPQRSTUVWXYZ"
		low = "abcdefghijkmnpqrstuvwxyz"
		dig = "23456789"
		sym = "#%+=@"
	)
	all := up + low + dig + sym
	for {
		b := make([]byte, 12)
		r := make([]byte, 12)
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
		if CheckPasswordRules(string(b), "") == nil {
			return string(b)
		}
	}
}

var errBadCredentials = errors.New("bad credentials")
