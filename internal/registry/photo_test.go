package registry_test

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/auth"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/validate"
)

// testImage is a w×h picture with a little variation, so it does not
// compress to nothing.
func testImage(w, h int) image.Image {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), uint8(x + y), 255})
		}
	}
	return img
}

func encoded(t *testing.T, format string, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	var err error
	switch format {
	case "jpeg":
		err = jpeg.Encode(&b, img, nil)
	case "png":
		err = png.Encode(&b, img)
	case "gif":
		err = gif.Encode(&b, img, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestCheckPhoto(t *testing.T) {
	jpg := encoded(t, "jpeg", testImage(60, 80))
	// A PNG declaring 7000×6000 pixels compresses to a small file.
	huge := encoded(t, "png", image.NewGray(image.Rect(0, 0, 7000, 6000)))
	for _, tc := range []struct {
		name     string
		data     []byte
		wantType string // "" when refused
		wantKey  string
	}{
		{"JPEG", jpg, "image/jpeg", ""},
		{"PNG", encoded(t, "png", testImage(40, 40)), "image/png", ""},
		{"JPEG with data appended", append(append([]byte{}, jpg...), []byte("<script>secret</script>")...), "image/jpeg", ""},
		{"GIF", encoded(t, "gif", testImage(10, 10)), "", "person.error.photo_format"},
		{"text named .jpg", []byte("这不是图片"), "", "person.error.photo_format"},
		{"truncated JPEG", jpg[:len(jpg)/2], "", "person.error.photo_format"},
		{"empty", nil, "", "person.error.photo_empty"},
		{"over 2 MB", bytes.Repeat([]byte{0xff}, registry.MaxPhotoBytes+1), "", "person.error.photo_too_big"},
		{"too many pixels", huge, "", "person.error.photo_pixels"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ph, err := registry.CheckPhoto(bytes.NewReader(tc.data))
			if tc.wantType == "" {
				var es validate.Errors
				if !errors.As(err, &es) || es[0].Key != tc.wantKey || es[0].Field != "person.photo" {
					t.Fatalf("error %v, want %s on person.photo", err, tc.wantKey)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if ph.ContentType != tc.wantType {
				t.Errorf("type %s, want %s", ph.ContentType, tc.wantType)
			}
			if bytes.Contains(ph.Data, []byte("secret")) {
				t.Error("appended data survived the re-encoding")
			}
			if _, _, err := image.DecodeConfig(bytes.NewReader(ph.Data)); err != nil {
				t.Errorf("stored photo does not decode: %v", err)
			}
		})
	}
}

func TestSavePhoto(t *testing.T) {
	db, ctx := setup(t)
	p := mustCreate(t, db, ctx, registry.NewPerson{IDNumber: idNumber(1980, 3, 4, 10, registry.SexFemale), Name: "刘芳", VillageCode: villageA,
		Category: registry.Hearing, Grade: registry.Grade2})
	ph, err := registry.CheckPhoto(bytes.NewReader(encoded(t, "png", testImage(30, 40))))
	if err != nil {
		t.Fatal(err)
	}
	save := func(s area.Scope) (registry.Person, error) {
		var out registry.Person
		err := db.InTx(ctx, func(tx *store.Tx) (err error) {
			out, err = registry.SavePhoto(ctx, tx, s, p.ID, ph)
			return err
		})
		return out, err
	}
	if _, err := save(area.ScopeOf(townB)); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("saving outside the scope: %v", err)
	}
	if n := count(t, db, "person_photos"); n != 0 {
		t.Fatal("a refused photo was stored")
	}
	for i := range 2 { // a new photo, then a replacement
		after, err := save(area.ScopeOf(townA))
		if err != nil {
			t.Fatal(err)
		}
		if after.Version != p.Version+1+i {
			t.Errorf("version %d after photo %d", after.Version, i+1)
		}
	}
	if n := count(t, db, "person_photos"); n != 1 {
		t.Errorf("%d photos stored, want the one replaced", n)
	}
	got, err := registry.GetPhoto(ctx, db, area.ScopeOf(villageA), p.ID)
	if err != nil || got.ContentType != "image/png" || !bytes.Equal(got.Data, ph.Data) {
		t.Fatalf("stored photo %s %d bytes, %v", got.ContentType, len(got.Data), err)
	}
	if _, err := registry.GetPhoto(ctx, db, area.ScopeOf(townB), p.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("photo read outside the scope: %v", err)
	}
	hist, err := registry.History(ctx, db, area.ScopeOf(county), p.ID)
	if err != nil || len(hist) != 3 || hist[0].Change != registry.ChangePhoto || hist[1].Change != registry.ChangePhoto {
		t.Fatalf("history %+v, %v", hist, err)
	}
	var audits int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log WHERE action = $1 AND object_id = $2`, registry.ActionPhoto, p.ID).Scan(&audits); err != nil || audits != 2 {
		t.Errorf("%d photo audit entries (%v), want 2", audits, err)
	}
}

// photoRequest is a signed-in multipart upload of a photo.
func (s *server) photoUpload(scopeCode, target string, data []byte) *httptest.ResponseRecorder {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("photo", "photo.jpg")
	_, _ = fw.Write(data)
	_ = mw.Close()
	req := httptest.NewRequest("POST", target, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	p := &auth.Principal{Kind: "user", ID: "u-w", Name: "worker", DisplayName: "测试", Role: auth.RoleTownshipWorker, Scope: area.ScopeOf(scopeCode)}
	ctx := audit.WithActor(auth.WithPrincipal(req.Context(), p), audit.Actor{ID: p.ID, Name: p.Name, Kind: "user"})
	rec := httptest.NewRecorder()
	s.rt.ServeHTTP(rec, req.WithContext(ctx))
	return rec
}

func TestPhotoPages(t *testing.T) {
	s := newServer(t)
	target := "/registry/persons/" + s.a.ID + "/photo"
	body := s.worker("GET", "/registry/persons/"+s.a.ID, nil).Body.String()
	checkAccessible(t, body)
	if !strings.Contains(body, `action="`+target+`"`) || strings.Contains(body, `<img class="photo"`) {
		t.Error("person page without photo: no upload form, or an image")
	}
	if rec := s.worker("GET", target, nil); rec.Code != http.StatusNotFound {
		t.Errorf("photo before upload: %d", rec.Code)
	}
	// A refused file: the page again, the reason beside the field.
	rec := s.photoUpload(townA, target, []byte("not an image"))
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "照片须为 JPEG 或 PNG 图片") ||
		!strings.Contains(rec.Body.String(), `aria-invalid="true"`) {
		t.Fatalf("refused photo: %d", rec.Code)
	}
	if rec := s.photoUpload(townA, "/registry/persons/"+s.b.ID+"/photo", encoded(t, "jpeg", testImage(20, 20))); rec.Code != http.StatusNotFound {
		t.Errorf("upload outside the scope: %d", rec.Code)
	}
	rec = s.photoUpload(townA, target, encoded(t, "jpeg", testImage(20, 20)))
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("upload: %d %s", rec.Code, rec.Body.String())
	}
	rec = s.worker("GET", target, nil)
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "image/jpeg" || rec.Body.Len() == 0 {
		t.Fatalf("photo: %d %s", rec.Code, rec.Header().Get("Content-Type"))
	}
	if rec := s.page(auth.RoleTownshipWorker, townB, "GET", target, nil); rec.Code != http.StatusNotFound {
		t.Errorf("photo seen outside the scope: %d", rec.Code)
	}
	body = s.worker("GET", "/registry/persons/"+s.a.ID, nil).Body.String()
	if !strings.Contains(body, `<img class="photo" src="`+target) || !strings.Contains(body, `alt="王建国的照片"`) || !strings.Contains(body, "上传或更换照片") {
		t.Error("person page does not show the photo and its timeline entry")
	}
}
