package registry

import (
	"context"
	"database/sql"

	"github.com/yangguang-cdpf/yangguang/internal/crypt"
	"github.com/yangguang-cdpf/yangguang/internal/store"
)

// The registry's personal numbers are stored sealed (see package crypt):
// the ID number, the certificate number (which begins with the ID
// number), the phones, and the history's before/after copies of the
// record. Lookups go through blind indexes: id_hash for the whole ID
// number (unique), id_tail4/5/6 for "ends in these 4–6 digits", cert_hash,
// phone_hash and guardian_phone_hash. A hash is of the normalised value,
// so what the search normalises is what it finds.
//
// The birth date and sex stay plain (age bands and every figure count by
// them); together with the village they narrow an ID number down to about
// a thousand candidates, which is why the key, not the hash, is the secret:
// without it a blind index is just a random string.

// Kinds of sealed values (bound into the ciphertext) and of blind indexes.
const (
	KindIDNumber      = "id_number"
	KindCertificateNo = "certificate_no"
	KindPhone         = "phone"
	KindHistory       = "person_history"
	kindIDTail        = "id_tail"
)

func init() {
	crypt.RegisterColumns(
		crypt.Column{Table: "persons", Key: "id", Column: "id_number", Kind: KindIDNumber},
		crypt.Column{Table: "persons", Key: "id", Column: "certificate_no", Kind: KindCertificateNo},
		crypt.Column{Table: "persons", Key: "id", Column: "phone", Kind: KindPhone},
		crypt.Column{Table: "persons", Key: "id", Column: "guardian_phone", Kind: KindPhone},
		crypt.Column{Table: "person_history", Key: "id", Column: "before_json", Kind: KindHistory},
		crypt.Column{Table: "person_history", Key: "id", Column: "after_json", Kind: KindHistory},
	)
}

// IDHash is the blind index of a normalised 18-character ID number, what
// every other area matches persons by.
func IDHash(number string) string { return crypt.Index(KindIDNumber, number) }

// PhoneHash is the blind index of a normalised phone.
func PhoneHash(phone string) string { return crypt.Index(KindPhone, phone) }

// CertificateHash is the blind index of a certificate number.
func CertificateHash(no string) string { return crypt.Index(KindCertificateNo, no) }

// idTailHash is the blind index of the last n digits of an ID number.
func idTailHash(tail string) string { return crypt.Index(kindIDTail+string(rune('0'+len(tail))), tail) }

// idTails are the blind indexes of an ID number's last 4, 5 and 6 characters.
func idTails(number string) (t4, t5, t6 string) {
	if len(number) < 6 {
		return "", "", ""
	}
	n := len(number)
	return idTailHash(number[n-4:]), idTailHash(number[n-5:]), idTailHash(number[n-6:])
}

// OpenIDNumber opens an ID number read from a persons.id_number column by
// another area's query (a join for a name and masked number, say).
func OpenIDNumber(sealed string) (string, error) { return crypt.Open(KindIDNumber, sealed) }

// sealedMigration seals the registry's personal numbers in place and
// replaces the plain-text indexes by blind ones. The Go step runs in the
// migration's transaction: a database is either all sealed or not at all.
var sealedMigration = store.Migration{
	Version: 2026113110,
	Name:    "persons_sealed",
	SQL: `
ALTER TABLE persons ADD COLUMN id_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE persons ADD COLUMN id_tail4 TEXT NOT NULL DEFAULT '';
ALTER TABLE persons ADD COLUMN id_tail5 TEXT NOT NULL DEFAULT '';
ALTER TABLE persons ADD COLUMN id_tail6 TEXT NOT NULL DEFAULT '';
ALTER TABLE persons ADD COLUMN cert_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE persons ADD COLUMN phone_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE persons ADD COLUMN guardian_phone_hash TEXT NOT NULL DEFAULT '';
DROP INDEX persons_id_reversed;
DROP INDEX persons_phone;
DROP INDEX persons_guardian_phone;
DROP INDEX persons_certificate;
`,
	Go: sealPersons,
}

// sealedIndexes are built after the sealing, so the rows are written once.
// The phone and certificate indexes keep village_code and status after
// their key, as the duplicate review needs (see duplicateMigration).
var sealedIndexes = store.Migration{
	Version: 2026113111,
	Name:    "persons_sealed_indexes",
	SQL: `
CREATE UNIQUE INDEX persons_id_hash ON persons(id_hash);
CREATE INDEX persons_id_tail4 ON persons(id_tail4);
CREATE INDEX persons_id_tail5 ON persons(id_tail5);
CREATE INDEX persons_id_tail6 ON persons(id_tail6);
CREATE INDEX persons_cert_hash ON persons(cert_hash, village_code, status);
CREATE INDEX persons_phone_hash ON persons(phone_hash, village_code, status);
CREATE INDEX persons_guardian_phone_hash ON persons(guardian_phone_hash);
`,
}

func sealPersons(ctx context.Context, tx *sql.Tx) error {
	err := crypt.SealRows(ctx, tx, "persons", "id", []string{"id_number", "certificate_no", "phone", "guardian_phone"}, func(id string, v []string) error {
		if crypt.AnySealed(v) {
			return nil
		}
		idn, cert, phone, gphone := v[0], v[1], v[2], v[3]
		t4, t5, t6 := idTails(idn)
		_, err := tx.ExecContext(ctx, `UPDATE persons SET id_number = $1, id_hash = $2, id_tail4 = $3, id_tail5 = $4, id_tail6 = $5,
			certificate_no = $6, cert_hash = $7, phone = $8, phone_hash = $9, guardian_phone = $10, guardian_phone_hash = $11,
			id_number_reversed = '' WHERE id = $12`,
			crypt.Seal(KindIDNumber, idn), IDHash(idn), t4, t5, t6,
			crypt.Seal(KindCertificateNo, cert), CertificateHash(cert), crypt.Seal(KindPhone, phone), PhoneHash(phone),
			crypt.Seal(KindPhone, gphone), PhoneHash(gphone), id)
		return err
	})
	if err != nil {
		return err
	}
	return crypt.SealRows(ctx, tx, "person_history", "id", []string{"before_json", "after_json"}, func(id string, v []string) error {
		if crypt.AnySealed(v) {
			return nil
		}
		_, err := tx.ExecContext(ctx, `UPDATE person_history SET before_json = $1, after_json = $2 WHERE id = $3`,
			crypt.Seal(KindHistory, v[0]), crypt.Seal(KindHistory, v[1]), id)
		return err
	})
}

// MaskSealedIDNumber opens an ID number read from persons.id_number by
// another area's join and masks it for a list.
func MaskSealedIDNumber(sealed string) (string, error) {
	n, err := crypt.Open(KindIDNumber, sealed)
	return MaskIDNumber(n), err
}
