package registry

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"io"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/validate"
)

// photoMigration keeps one photo (照片) per person. BYTEA is a blob on both
// engines (SQLite stores a blob as given whatever the column's affinity).
var photoMigration = store.Migration{
	Version: 2026112808,
	Name:    "person_photos",
	SQL: `
CREATE TABLE person_photos (
	person_id    TEXT PRIMARY KEY REFERENCES persons(id),
	content_type TEXT NOT NULL,               -- image/jpeg or image/png
	data         BYTEA NOT NULL,
	updated_at   TEXT NOT NULL
);
`}

// Photo limits: the upload's size, and the pixels decoded to re-encode it
// (a small file can declare a huge image).
const (
	MaxPhotoBytes  = 2 << 20
	MaxPhotoPixels = 40_000_000
)

// ChangePhoto is the history entry of a new or replaced photo.
const ChangePhoto Change = "photo" // 照片

// ActionPhoto is the audit action of a photo upload.
const ActionPhoto = "person.photo"

// Photo is a stored photo.
type Photo struct {
	ContentType string
	Data        []byte
	UpdatedAt   string
}

// photoField is the i18n key of the upload's field.
const photoField = "person.photo"

// CheckPhoto reads an upload (at most MaxPhotoBytes), checks by its content
// that it is a JPEG or PNG image, and re-encodes it in the same format. The
// re-encoding drops whatever else the file carried (EXIF with the place it
// was taken, appended data), so only pixels are stored.
func CheckPhoto(r io.Reader) (Photo, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxPhotoBytes+1))
	if err != nil {
		return Photo{}, err
	}
	fail := func(key string, args ...any) (Photo, error) {
		return Photo{}, validate.Errors{{Field: photoField, Key: key, Args: args}}
	}
	switch {
	case len(b) == 0:
		return fail("person.error.photo_empty")
	case len(b) > MaxPhotoBytes:
		return fail("person.error.photo_too_big", MaxPhotoBytes>>20)
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(b))
	if err != nil || format != "jpeg" && format != "png" {
		return fail("person.error.photo_format")
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width*cfg.Height > MaxPhotoPixels {
		return fail("person.error.photo_pixels")
	}
	img, _, err := image.Decode(bytes.NewReader(b))
	if err != nil {
		return fail("person.error.photo_format")
	}
	var out bytes.Buffer
	p := Photo{ContentType: "image/" + format}
	if format == "png" {
		err = png.Encode(&out, img)
	} else {
		err = jpeg.Encode(&out, img, &jpeg.Options{Quality: 90})
	}
	if err != nil {
		return Photo{}, fmt.Errorf("re-encode photo: %w", err)
	}
	p.Data = out.Bytes()
	return p, nil
}

// SavePhoto stores ph as the photo of person id inside scope s in tx,
// replacing any earlier one, with a history entry (the person's version
// goes up) and an audit entry naming type and size (not the image).
func SavePhoto(ctx context.Context, tx *store.Tx, s area.Scope, id string, ph Photo) (Person, error) {
	before, err := lockPerson(ctx, tx, s, id)
	if err != nil {
		return Person{}, err
	}
	now := store.Now()
	if _, err := tx.ExecContext(ctx, `INSERT INTO person_photos (person_id, content_type, data, updated_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (person_id) DO UPDATE SET content_type = $2, data = $3, updated_at = $4`, id, ph.ContentType, ph.Data, now); err != nil {
		return Person{}, err
	}
	after := before
	after.UpdatedAt, after.Version = now, before.Version+1
	if _, err := tx.ExecContext(ctx, `UPDATE persons SET updated_at = $1, version = $2 WHERE id = $3`, now, after.Version, id); err != nil {
		return Person{}, err
	}
	if err := addHistory(ctx, tx, id, historyNote{Change: ChangePhoto}, &before, &after); err != nil {
		return Person{}, err
	}
	return after, audit.Record(ctx, tx, audit.Entry{Action: ActionPhoto, ObjectType: "person", ObjectID: id, AreaCode: before.VillageCode,
		Detail: fmt.Sprintf("%s, %d bytes", ph.ContentType, len(ph.Data))})
}

// GetPhoto returns the photo of person id inside scope s, or
// store.ErrNotFound (also for a person outside the scope).
func GetPhoto(ctx context.Context, q store.Querier, s area.Scope, id string) (Photo, error) {
	cond, args := s.Filter("p.village_code", 2)
	var ph Photo
	err := q.QueryRowContext(ctx, `SELECT f.content_type, f.data, f.updated_at FROM person_photos f JOIN persons p ON p.id = f.person_id
		WHERE f.person_id = $1 AND `+cond, append([]any{id}, args...)...).Scan(&ph.ContentType, &ph.Data, &ph.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return Photo{}, store.ErrNotFound
	}
	return ph, err
}

// HasPhoto reports whether person id has a photo (the caller has already
// checked the scope).
func HasPhoto(ctx context.Context, q store.Querier, id string) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM person_photos WHERE person_id = $1`, id).Scan(&n)
	return n > 0, err
}
