package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/store"
)

// Two factors (双因素认证, RULES.md §9): a password and a time-based one-time
// code (TOTP, RFC 6238) from an authenticator app, or one of ten single-use
// recovery codes. Required for the three administrator roles
// (Policy.AdminTwoFactor), optional for everyone else.
//
// The secret is kept in the users table like the password hash is; its
// encryption at rest comes with the encryption of personal data (issue #10).

// twoFactorMigration adds what the second factor needs: the secret being
// enrolled, whether it is on, the last time step used (a code is accepted
// once: RFC 6238 §5.2), recovery codes, and sessions waiting for the code.
var twoFactorMigration = store.Migration{
	Version: 2026113090,
	Name:    "two_factor",
	SQL: `
ALTER TABLE users ADD COLUMN totp_enabled BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE users ADD COLUMN totp_pending TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN totp_last_step BIGINT NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN factor_pending BOOLEAN NOT NULL DEFAULT FALSE;
CREATE TABLE user_recovery_codes (
	user_id   TEXT NOT NULL REFERENCES users(id),
	code_hash TEXT NOT NULL,              -- sha256 of the normalised code
	used_at   TEXT NOT NULL,              -- '' while unused
	PRIMARY KEY (user_id, code_hash)
);
`}

// RecoveryCodeCount is how many recovery codes an account gets.
const RecoveryCodeCount = 10

// totpIssuer names the account in the authenticator app.
const totpIssuer = "Yangguang 阳光"

// Errors of the second factor.
var (
	ErrBadCode       = errors.New("auth: wrong or used code")
	ErrNoEnrolment   = errors.New("auth: no two-factor enrolment started")
	ErrAdminNeeds2FA = errors.New("auth: administrators keep two factors")
)

// TwoFactorEnrolment is a secret waiting for its first code.
type TwoFactorEnrolment struct {
	Secret string // base32, for typing into the app
	URI    string // otpauth:// URI, shown as a QR code
}

// BeginTwoFactor starts (or restarts) enrolment of user id: a new secret
// that becomes active only when a code from it is confirmed.
func (s *Service) BeginTwoFactor(ctx context.Context, id string) (TwoFactorEnrolment, error) {
	u, err := GetUser(ctx, s.DB, id)
	if err != nil {
		return TwoFactorEnrolment{}, err
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: totpIssuer, AccountName: u.Username, SecretSize: 20, Rand: rand.Reader})
	if err != nil {
		return TwoFactorEnrolment{}, err
	}
	if _, err := s.DB.ExecContext(ctx, `UPDATE users SET totp_pending = $2 WHERE id = $1`, id, key.Secret()); err != nil {
		return TwoFactorEnrolment{}, err
	}
	return TwoFactorEnrolment{Secret: key.Secret(), URI: key.URL()}, nil
}

// PendingTwoFactor returns the enrolment in progress of user id, if any.
func (s *Service) PendingTwoFactor(ctx context.Context, id string) (TwoFactorEnrolment, bool, error) {
	var secret, username string
	if err := s.DB.QueryRowContext(ctx, `SELECT totp_pending, username FROM users WHERE id = $1`, id).Scan(&secret, &username); err != nil {
		return TwoFactorEnrolment{}, false, err
	}
	if secret == "" {
		return TwoFactorEnrolment{}, false, nil
	}
	key, err := otp.NewKeyFromURL("otpauth://totp/" + totpIssuer + ":" + username + "?secret=" + secret + "&issuer=" + totpIssuer)
	if err != nil {
		return TwoFactorEnrolment{}, false, err
	}
	return TwoFactorEnrolment{Secret: secret, URI: key.URL()}, true, nil
}

// EnableTwoFactor confirms the pending secret of user id with a code from
// it, switches the second factor on and returns fresh recovery codes (shown
// once). Audited.
func (s *Service) EnableTwoFactor(ctx context.Context, id, code string) ([]string, error) {
	now := s.now()
	var codes []string
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		forgetPrincipals(tx)
		var pending string
		if err := tx.QueryRowContext(ctx, `SELECT totp_pending FROM users WHERE id = $1`, id).Scan(&pending); err != nil {
			return err
		}
		if pending == "" {
			return ErrNoEnrolment
		}
		step, ok := matchTOTP(pending, code, now, 0)
		if !ok {
			return ErrBadCode
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET totp_secret = totp_pending, totp_pending = '', totp_enabled = TRUE, totp_last_step = $2, updated_at = $3 WHERE id = $1`,
			id, step, store.FormatTime(now)); err != nil {
			return err
		}
		var err error
		if codes, err = replaceRecoveryCodes(ctx, tx, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "auth.2fa.enable", ObjectType: "user", ObjectID: id})
	})
	return codes, err
}

// NewRecoveryCodes replaces the recovery codes of user id (two factors on)
// and returns them. Audited.
func (s *Service) NewRecoveryCodes(ctx context.Context, id string) ([]string, error) {
	var codes []string
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		var on bool
		if err := tx.QueryRowContext(ctx, `SELECT totp_enabled FROM users WHERE id = $1`, id).Scan(&on); err != nil {
			return err
		}
		if !on {
			return ErrNoEnrolment
		}
		var err error
		if codes, err = replaceRecoveryCodes(ctx, tx, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "auth.2fa.recovery_codes", ObjectType: "user", ObjectID: id})
	})
	return codes, err
}

// RecoveryCodesLeft counts the unused recovery codes of user id.
func (s *Service) RecoveryCodesLeft(ctx context.Context, id string) (int, error) {
	var n int
	err := s.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM user_recovery_codes WHERE user_id = $1 AND used_at = ''`, id).Scan(&n)
	return n, err
}

// DisableTwoFactor switches the second factor of user id off, by the user
// (refused for administrators: they must keep it) or by the security
// administrator resetting a lost phone (byAdmin), after which an
// administrator enrols again at the next sign-in. Audited.
func (s *Service) DisableTwoFactor(ctx context.Context, id string, byAdmin bool) error {
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		forgetPrincipals(tx)
		u, err := GetUser(ctx, tx, id)
		if err != nil {
			return err
		}
		if !byAdmin && s.Policy().AdminTwoFactor && u.Role.Admin() {
			return ErrAdminNeeds2FA
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET totp_secret = '', totp_pending = '', totp_enabled = FALSE, updated_at = $2 WHERE id = $1`, id, store.FormatTime(s.now())); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM user_recovery_codes WHERE user_id = $1`, id); err != nil {
			return err
		}
		action := "auth.2fa.disable"
		if byAdmin {
			action = "auth.2fa.reset"
		}
		return audit.Record(ctx, tx, audit.Entry{Action: action, ObjectType: "user", ObjectID: id, AreaCode: u.ScopeCode})
	})
}

// VerifySecondFactor completes the sign-in of session p with a code from
// the app or a recovery code. A wrong code counts as a failed sign-in: the
// account locks as after wrong passwords, and the waiting session ends.
func (s *Service) VerifySecondFactor(ctx context.Context, p *Principal, code, ip string) error {
	now := s.now()
	ctx = audit.WithActor(ctx, audit.Actor{ID: p.ID, Name: p.Name, Kind: "user", IP: ip})
	var result error
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		forgetPrincipals(tx)
		var secret string
		var last int64
		var failed int
		if err := tx.QueryRowContext(ctx, `SELECT totp_secret, totp_last_step, failed_count FROM users WHERE id = $1`, p.ID).Scan(&secret, &last, &failed); err != nil {
			return err
		}
		entry := audit.Entry{Action: "auth.2fa.verify", ObjectType: "user", ObjectID: p.ID, AreaCode: p.Scope.Code()}
		if step, ok := matchTOTP(secret, code, now, last); ok {
			if _, err := tx.ExecContext(ctx, `UPDATE users SET totp_last_step = $2, failed_count = 0 WHERE id = $1`, p.ID, step); err != nil {
				return err
			}
		} else if used, err := useRecoveryCode(ctx, tx, p.ID, code, now); err != nil {
			return err
		} else if used {
			entry.Detail = "recovery code"
			if _, err := tx.ExecContext(ctx, `UPDATE users SET failed_count = 0 WHERE id = $1`, p.ID); err != nil {
				return err
			}
		} else {
			failed++
			entry.Outcome, entry.Detail, result = audit.Failed, "wrong code", ErrBadCode
			locked := ""
			if failed >= s.Policy().LockAfter {
				locked, failed, result = store.FormatTime(now.Add(s.Policy().LockFor)), 0, ErrLocked
				entry.Detail = "wrong code; account locked until " + locked
				if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE id = $1`, p.SessionID); err != nil {
					return err
				}
			}
			if _, err := tx.ExecContext(ctx, `UPDATE users SET failed_count = $2, locked_until = $3 WHERE id = $1`, p.ID, failed, locked); err != nil {
				return err
			}
			return audit.Record(ctx, tx, entry)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE sessions SET factor_pending = FALSE WHERE id = $1`, p.SessionID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, entry)
	})
	if err != nil {
		return err
	}
	return result
}

// matchTOTP checks code against secret at now, allowing one 30-second step
// of clock drift either way, and refusing steps not after last (a code is
// good once). It returns the step matched.
func matchTOTP(secret, code string, now time.Time, last int64) (int64, bool) {
	code = strings.TrimSpace(code)
	if secret == "" || len(code) != 6 {
		return 0, false
	}
	step := now.Unix() / 30
	for _, d := range []int64{0, -1, 1} {
		st := step + d
		if st <= last {
			continue
		}
		want, err := totp.GenerateCodeCustom(secret, time.Unix(st*30, 0), totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return st, true
		}
	}
	return 0, false
}

// TOTPCode is the code of secret at t (for tests and the enrolment check).
func TOTPCode(secret string, t time.Time) string {
	c, _ := totp.GenerateCodeCustom(secret, t, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	return c
}

// recoveryAlphabet avoids characters read alike (0/o, 1/l/i).
const recoveryAlphabet = "abcdefghjkmnpqrstuvwxyz23456789"

func newRecoveryCode() string {
	b := make([]byte, 10)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	out := make([]byte, 0, 11)
	for i, c := range b {
		if i == 5 {
			out = append(out, '-')
		}
		out = append(out, recoveryAlphabet[int(c)%len(recoveryAlphabet)])
	}
	return string(out)
}

func hashRecoveryCode(code string) string {
	code = strings.ToLower(strings.ReplaceAll(strings.TrimSpace(code), "-", ""))
	code = strings.ReplaceAll(code, " ", "")
	sum := sha256.Sum256([]byte(code))
	return hex.EncodeToString(sum[:])
}

func replaceRecoveryCodes(ctx context.Context, tx *store.Tx, userID string) ([]string, error) {
	if _, err := tx.ExecContext(ctx, `DELETE FROM user_recovery_codes WHERE user_id = $1`, userID); err != nil {
		return nil, err
	}
	codes := make([]string, RecoveryCodeCount)
	for i := range codes {
		codes[i] = newRecoveryCode()
		if _, err := tx.ExecContext(ctx, `INSERT INTO user_recovery_codes (user_id, code_hash, used_at) VALUES ($1, $2, '')`, userID, hashRecoveryCode(codes[i])); err != nil {
			return nil, err
		}
	}
	return codes, nil
}

func useRecoveryCode(ctx context.Context, tx *store.Tx, userID, code string, now time.Time) (bool, error) {
	if len(strings.TrimSpace(code)) < 10 {
		return false, nil
	}
	res, err := tx.ExecContext(ctx, `UPDATE user_recovery_codes SET used_at = $3 WHERE user_id = $1 AND code_hash = $2 AND used_at = ''`,
		userID, hashRecoveryCode(code), store.FormatTime(now))
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}
