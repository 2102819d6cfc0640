package levy

import (
	"context"
	"database/sql"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"slices"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/validate"
)

// File is a proof attached to a declaration: a contract or a
// social-insurance record. The content lives under the data directory
// with a generated name; only the employer itself and levy staff may
// fetch it, through the handler that checked them.
type File struct {
	ID            string `json:"id"`
	DeclarationID string `json:"declaration_id"`
	Kind          string `json:"kind"` // contract, insurance
	Mime          string `json:"mime"`
	Size          int    `json:"size"`
	StoredName    string `json:"-"`
	CreatedAt     string `json:"created_at"`
}

// FileKinds are what may be attached.
var FileKinds = []string{"contract", "insurance"}

// MaxFileSize limits an upload (a scanned contract of a few pages).
const MaxFileSize = 5 << 20

// fileTypes are the accepted contents, decided by sniffing the bytes.
var fileTypes = []string{"application/pdf", "image/jpeg", "image/png"}

// ActionFile is the audit action of an attachment.
const ActionFile = "levy.declaration.file"

// fileDir is where the levy keeps its files under the data directory.
func fileDir(dataDir string) string { return filepath.Join(dataDir, "levy") }

// AttachFile stores a proof on a declaration inside scope s that is not
// yet verified. The type is decided by the content, never the name. The
// bytes are written before the row; a rolled-back transaction leaves an
// unreferenced file that nothing serves.
func AttachFile(ctx context.Context, tx *store.Tx, s area.Scope, dataDir, declarationID, kind string, data []byte) (File, error) {
	d, err := GetDeclaration(ctx, tx, s, declarationID)
	if err != nil {
		return File{}, err
	}
	if d.Status.Reviewed() {
		return File{}, refused("levy.error.files_closed")
	}
	field := "levy.file"
	if !slices.Contains(FileKinds, kind) {
		return File{}, validate.Errors{{Field: "levy.file.kind", Key: "validate.choose"}}
	}
	if len(data) == 0 {
		return File{}, validate.Errors{{Field: field, Key: "validate.required"}}
	}
	if len(data) > MaxFileSize {
		return File{}, validate.Errors{{Field: field, Key: "levy.error.file_size", Args: []any{MaxFileSize >> 20}}}
	}
	mime := http.DetectContentType(data)
	if !slices.Contains(fileTypes, mime) {
		return File{}, validate.Errors{{Field: field, Key: "levy.error.file_type"}}
	}
	f := File{ID: store.NewID(), DeclarationID: d.ID, Kind: kind, Mime: mime, Size: len(data), CreatedAt: store.Now()}
	f.StoredName = f.ID
	if err := os.MkdirAll(fileDir(dataDir), 0o750); err != nil {
		return File{}, err
	}
	if err := os.WriteFile(filepath.Join(fileDir(dataDir), f.StoredName), data, 0o600); err != nil {
		return File{}, err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO levy_files (id, declaration_id, kind, mime, size, stored_name, created_by, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, f.ID, f.DeclarationID, f.Kind, f.Mime, f.Size, f.StoredName, audit.ActorFrom(ctx).ID, f.CreatedAt); err != nil {
		return File{}, err
	}
	return f, audit.Record(ctx, tx, audit.Entry{Action: ActionFile, ObjectType: "levy_declaration", ObjectID: d.ID, AreaCode: d.AreaCode,
		After: map[string]any{"file": f.ID, "kind": kind, "mime": mime, "size": f.Size}})
}

// Files lists the proofs of a declaration.
func Files(ctx context.Context, q store.Querier, declarationID string) ([]File, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, declaration_id, kind, mime, size, stored_name, created_at FROM levy_files WHERE declaration_id = $1 ORDER BY created_at, id`, declarationID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []File
	for rows.Next() {
		var f File
		if err := rows.Scan(&f.ID, &f.DeclarationID, &f.Kind, &f.Mime, &f.Size, &f.StoredName, &f.CreatedAt); err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// ReadFile returns a proof of a declaration inside scope s with its bytes.
func ReadFile(ctx context.Context, q store.Querier, s area.Scope, dataDir, declarationID, fileID string) (File, []byte, error) {
	d, err := GetDeclaration(ctx, q, s, declarationID)
	if err != nil {
		return File{}, nil, err
	}
	var f File
	err = q.QueryRowContext(ctx, `SELECT id, declaration_id, kind, mime, size, stored_name, created_at FROM levy_files WHERE id = $1 AND declaration_id = $2`,
		fileID, d.ID).Scan(&f.ID, &f.DeclarationID, &f.Kind, &f.Mime, &f.Size, &f.StoredName, &f.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return File{}, nil, store.ErrNotFound
	}
	if err != nil {
		return File{}, nil, err
	}
	data, err := os.ReadFile(filepath.Join(fileDir(dataDir), filepath.Base(f.StoredName)))
	return f, data, err
}
