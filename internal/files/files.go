// Package files keeps uploaded photos and documents (照片、材料) on disk
// under the data directory, named by the SHA-256 of their content: the
// same file uploaded twice is stored once, a stored file never changes,
// and no name a user chose ever reaches the file system.
//
// Decisions:
//   - Files live on disk, not in the database: photos of homes run to
//     megabytes, and keeping them out of the database keeps backups of the
//     register small and the database fast on both engines. The backup of
//     a county copies the data directory with the database.
//   - The type is decided by the content (http.DetectContentType, and for
//     images a decode of the header), never by the name or the browser's
//     claim; only the kinds a caller allows are accepted, within a size
//     limit the caller gives.
//   - This package keeps no table. Whoever attaches a file keeps its own
//     table of references (file hash, kind, size, and the 12-digit village
//     code of the person the file belongs to), so the owner's scope rules
//     decide who may see it; renovate's renovation_files is one. A file is
//     served only by its owner's handler, after that handler has checked
//     the caller's scope; nothing serves the store directly.
//   - Files are never deleted by the application (a reference may go, the
//     content stays, as evidence kept with the audit log). Removing
//     unreferenced files is left to an administrator's tool.
package files

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // image kinds accepted
	_ "image/png"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
)

// Kind is the checked content type of a stored file.
type Kind string

// Kinds accepted by the store.
const (
	PNG  Kind = "image/png"
	JPEG Kind = "image/jpeg"
	PDF  Kind = "application/pdf"
)

// Images are the photo kinds; Documents add PDF.
var (
	Images    = []Kind{PNG, JPEG}
	Documents = []Kind{PNG, JPEG, PDF}
)

// IsImage reports whether k is a photo kind.
func (k Kind) IsImage() bool { return k == PNG || k == JPEG }

// Errors of Put, for callers to turn into field messages.
var (
	ErrTooLarge = errors.New("files: file larger than allowed")
	ErrType     = errors.New("files: file type not allowed")
	ErrEmpty    = errors.New("files: empty file")
	ErrNotFound = errors.New("files: no such file")
)

// Store is the content-addressed file store under Dir (the data directory
// of the installation, e.g. <data>/files).
type Store struct {
	Dir string
}

// In is the store of a data directory: its "files" subdirectory (see
// store.DB.DataDir).
func In(dataDir string) *Store { return &Store{Dir: filepath.Join(dataDir, "files")} }

// ValidHash reports whether h looks like a hash Put returns (64 lowercase
// hex digits), so nothing else is ever turned into a path.
func ValidHash(h string) bool {
	if len(h) != 64 {
		return false
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// path spreads files over 256 directories by the hash's first two digits.
func (s *Store) path(hash string) string { return filepath.Join(s.Dir, hash[:2], hash) }

// Put reads at most maxBytes from r, checks that the content is one of the
// allowed kinds and stores it under its hash. A file over maxBytes is
// refused with ErrTooLarge, one of another kind with ErrType; nothing is
// stored then.
func (s *Store) Put(r io.Reader, maxBytes int64, allowed []Kind) (hash string, kind Kind, size int64, err error) {
	if s == nil || s.Dir == "" {
		return "", "", 0, errors.New("files: store has no directory")
	}
	if err := os.MkdirAll(s.Dir, 0o750); err != nil {
		return "", "", 0, err
	}
	tmp, err := os.CreateTemp(s.Dir, ".upload-*")
	if err != nil {
		return "", "", 0, err
	}
	defer func() {
		tmp.Close()
		_ = os.Remove(tmp.Name()) // gone after the rename, or never kept
	}()
	h := sha256.New()
	// The first 512 bytes decide the type; keep them while copying.
	var head bytes.Buffer
	n, err := io.Copy(io.MultiWriter(tmp, h, &headWriter{&head, 512}), io.LimitReader(r, maxBytes+1))
	if err != nil {
		return "", "", 0, err
	}
	if n == 0 {
		return "", "", 0, ErrEmpty
	}
	if n > maxBytes {
		return "", "", 0, ErrTooLarge
	}
	kind = Kind(http.DetectContentType(head.Bytes()))
	if !slices.Contains(allowed, kind) {
		return "", "", 0, ErrType
	}
	if kind.IsImage() {
		// The magic number alone is not a picture: the header must decode
		// and give sensible dimensions.
		if _, err := tmp.Seek(0, io.SeekStart); err != nil {
			return "", "", 0, err
		}
		cfg, format, err := image.DecodeConfig(tmp)
		if err != nil || "image/"+format != string(kind) || cfg.Width < 1 || cfg.Height < 1 || cfg.Width > 20000 || cfg.Height > 20000 {
			return "", "", 0, ErrType
		}
	}
	if err := tmp.Sync(); err != nil {
		return "", "", 0, err
	}
	if err := tmp.Close(); err != nil {
		return "", "", 0, err
	}
	hash = hex.EncodeToString(h.Sum(nil))
	dst := s.path(hash)
	if _, err := os.Stat(dst); err == nil {
		return hash, kind, n, nil // same content already stored
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
		return "", "", 0, err
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return "", "", 0, fmt.Errorf("files: store %s: %w", hash, err)
	}
	return hash, kind, n, nil
}

// Open returns the stored file with the given hash.
func (s *Store) Open(hash string) (*os.File, error) {
	if s == nil || !ValidHash(hash) {
		return nil, ErrNotFound
	}
	f, err := os.Open(s.path(hash))
	if errors.Is(err, os.ErrNotExist) {
		return nil, ErrNotFound
	}
	return f, err
}

// headWriter keeps the first max bytes written to it.
type headWriter struct {
	b   *bytes.Buffer
	max int
}

func (w *headWriter) Write(p []byte) (int, error) {
	if room := w.max - w.b.Len(); room > 0 {
		w.b.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}
