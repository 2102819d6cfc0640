package files_test

import (
	"bytes"
	"errors"
	"image"
	"image/png"
	"io"
	"strings"
	"testing"

	"github.com/yangguang-cdpf/yangguang/internal/files"
)

func pngBytes(w, h int) []byte {
	var b bytes.Buffer
	_ = png.Encode(&b, image.NewGray(image.Rect(0, 0, w, h)))
	return b.Bytes()
}

func TestPutChecksContentAndSize(t *testing.T) {
	s := &files.Store{Dir: t.TempDir()}
	good := pngBytes(8, 8)
	fakePNG := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{0}, 40)...)
	cases := []struct {
		name    string
		data    []byte
		max     int64
		allowed []files.Kind
		want    error
		kind    files.Kind
	}{
		{"png photo", good, 1 << 20, files.Images, nil, files.PNG},
		{"too large", good, int64(len(good)) - 1, files.Images, files.ErrTooLarge, ""},
		{"exactly the limit", good, int64(len(good)), files.Images, nil, files.PNG},
		{"text named photo", []byte("hello, not a picture"), 1 << 20, files.Images, files.ErrType, ""},
		{"png magic without a picture", fakePNG, 1 << 20, files.Images, files.ErrType, ""},
		{"pdf where only photos go", []byte("%PDF-1.4\n%…"), 1 << 20, files.Images, files.ErrType, ""},
		{"pdf document", []byte("%PDF-1.4\n1 0 obj\n"), 1 << 20, files.Documents, nil, files.PDF},
		{"html", []byte("<html><script>alert(1)</script></html>"), 1 << 20, files.Documents, files.ErrType, ""},
		{"empty", nil, 1 << 20, files.Images, files.ErrEmpty, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			hash, kind, size, err := s.Put(bytes.NewReader(c.data), c.max, c.allowed)
			if !errors.Is(err, c.want) {
				t.Fatalf("err %v, want %v", err, c.want)
			}
			if c.want != nil {
				return
			}
			if kind != c.kind || size != int64(len(c.data)) || !files.ValidHash(hash) {
				t.Fatalf("got %s %s %d", hash, kind, size)
			}
			f, err := s.Open(hash)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			back, _ := io.ReadAll(f)
			if !bytes.Equal(back, c.data) {
				t.Fatal("stored content differs")
			}
		})
	}
}

func TestSameContentStoredOnceAndNamesAreChecked(t *testing.T) {
	s := &files.Store{Dir: t.TempDir()}
	a, _, _, err := s.Put(bytes.NewReader(pngBytes(4, 4)), 1<<20, files.Images)
	if err != nil {
		t.Fatal(err)
	}
	b, _, _, err := s.Put(bytes.NewReader(pngBytes(4, 4)), 1<<20, files.Images)
	if err != nil || a != b {
		t.Fatalf("same content gave %s and %s (%v)", a, b, err)
	}
	for _, bad := range []string{"", "../etc/passwd", strings.Repeat("a", 63), strings.Repeat("A", 64), strings.Repeat("0", 64)} {
		if _, err := s.Open(bad); !errors.Is(err, files.ErrNotFound) {
			t.Errorf("Open(%q): %v", bad, err)
		}
	}
}
