package registry

import (
	"crypto/rand"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/auth"
	"github.com/yangguang-cdpf/yangguang/internal/i18n"
	"github.com/yangguang-cdpf/yangguang/internal/validate"
	"github.com/yangguang-cdpf/yangguang/internal/web"

	"github.com/yangguang-cdpf/yangguang/internal/store"
)

//go:embed templates/import*.html
var importTemplates embed.FS

var importPages = web.ParsePages(importTemplates, "templates/import*.html")

// ImportHandler serves the bulk import of persons (upload, preview, apply),
// its template, the xlsx export of a search and the import API.
//
// The preview and the apply are plain requests that do the work before
// answering (no background job): a 10,000-row file takes seconds. The
// uploaded file waits between the two under DataDir/imports, named by a
// random id and readable only by its uploader.
type ImportHandler struct {
	DB      *store.DB
	DataDir string // "" keeps uploads in the system's temporary directory
	// AsyncBytes is the file size from which the check and the apply run
	// behind a progress page (0: defaultAsyncBytes).
	AsyncBytes int64
}

// Routes registers the import and export routes.
func (h *ImportHandler) Routes(rt *web.Router) {
	rt.Page("GET /registry/import", auth.PermRegistryWrite, h.form)
	rt.Page("POST /registry/import", auth.PermRegistryWrite, h.upload)
	rt.Page("POST /registry/import/apply", auth.PermRegistryWrite, h.apply)
	rt.Page("GET /registry/import/progress", auth.PermRegistryWrite, h.progress)
	rt.Page("GET /registry/import/report.csv", auth.PermRegistryWrite, h.reportCSV)
	rt.Page("GET /registry/import/template.xlsx", auth.PermRegistryWrite, h.template)
	rt.Page("GET /registry/export.xlsx", auth.PermRegistryRead, h.export)
	rt.API("POST /api/v1/persons/import", auth.PermRegistryWrite, h.apiImport)
}

// maxUpload is the largest file accepted (the web layer's form limit).
const maxUpload = 30 << 20

// uploadTTL is how long an upload waits for its apply.
const uploadTTL = 24 * time.Hour

// previewRows is how many rows of each kind the preview page lists; the
// CSV report has them all.
const previewRows = 500

func (h *ImportHandler) dir() string {
	base := h.DataDir
	if base == "" {
		base = os.TempDir()
	}
	return filepath.Join(base, "imports")
}

// upload is a file waiting between preview and apply.
type upload struct {
	ID       string `json:"-"`
	FileName string `json:"file_name"`
	Format   string `json:"format"`
	UserID   string `json:"user_id"`
	Scope    string `json:"scope"` // the uploader's scope code when uploaded
	At       string `json:"at"`
}

var uploadIDRe = regexp.MustCompile(`^[0-9a-f]{32}$`)

func (h *ImportHandler) path(id, ext string) string { return filepath.Join(h.dir(), id+ext) }

// save keeps an uploaded file and its description, and clears uploads
// older than uploadTTL.
func (h *ImportHandler) save(r io.Reader, u upload) (upload, error) {
	if err := os.MkdirAll(h.dir(), 0o700); err != nil {
		return u, err
	}
	h.sweep()
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	u.ID = hex.EncodeToString(b)
	u.At = store.Now()
	f, err := os.OpenFile(h.path(u.ID, ".data"), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return u, err
	}
	if _, err := io.Copy(f, io.LimitReader(r, maxUpload+1)); err != nil {
		f.Close()
		h.remove(u.ID)
		return u, err
	}
	if err := f.Close(); err != nil {
		h.remove(u.ID)
		return u, err
	}
	meta, _ := json.Marshal(u)
	if err := os.WriteFile(h.path(u.ID, ".json"), meta, 0o600); err != nil {
		h.remove(u.ID)
		return u, err
	}
	return u, nil
}

// load finds the upload id of user userID.
func (h *ImportHandler) load(id, userID string) (upload, bool) {
	if !uploadIDRe.MatchString(id) {
		return upload{}, false
	}
	b, err := os.ReadFile(h.path(id, ".json"))
	if err != nil {
		return upload{}, false
	}
	var u upload
	if json.Unmarshal(b, &u) != nil || u.UserID != userID {
		return upload{}, false
	}
	u.ID = id
	return u, true
}

func (h *ImportHandler) remove(id string) {
	_ = os.Remove(h.path(id, ".data"))
	_ = os.Remove(h.path(id, ".json"))
}

func (h *ImportHandler) sweep() {
	entries, err := os.ReadDir(h.dir())
	if err != nil {
		return
	}
	for _, e := range entries {
		if info, err := e.Info(); err == nil && time.Since(info.ModTime()) > uploadTTL {
			_ = os.Remove(filepath.Join(h.dir(), e.Name()))
		}
	}
}

// masks reports whether the viewer sees ID numbers and phones masked.
func masks(r *http.Request) bool { return !auth.From(r.Context()).Can(auth.PermRegistryUnmask) }

func importCrumbs(r *http.Request) []web.Crumb {
	return crumbs(r, i18n.T(web.PrefsFrom(r).Lang, "registry.import.title"))
}

func (h *ImportHandler) form(w http.ResponseWriter, r *http.Request) {
	web.Render(w, r, importPages, "import", web.Page{Title: "registry.import.title", Section: "registry", Crumbs: importCrumbs(r)})
}

func (h *ImportHandler) formError(w http.ResponseWriter, r *http.Request, es validate.Errors) {
	web.Render(w, r, importPages, "import", web.Page{Title: "registry.import.title", Section: "registry", Crumbs: importCrumbs(r),
		Errors: es, Status: http.StatusUnprocessableEntity})
}

// upload keeps the file and shows the preview (a dry run).
func (h *ImportHandler) upload(w http.ResponseWriter, r *http.Request) {
	file, hdr, err := r.FormFile("file")
	if err != nil {
		h.formError(w, r, validate.Errors{{Field: "registry.import.file", Key: "registry.import.error.no_file"}})
		return
	}
	defer file.Close()
	format, body := SniffReader(file)
	if format == "" {
		h.formError(w, r, fileError("registry.import.error.format"))
		return
	}
	if hdr.Size > maxUpload {
		h.formError(w, r, fileError("registry.import.error.too_big", maxUpload>>20))
		return
	}
	p := auth.From(r.Context())
	u, err := h.save(body, upload{FileName: filepath.Base(hdr.Filename), Format: format, UserID: p.ID, Scope: p.Scope.Code()})
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	if h.large(u) {
		h.start(w, r, u, ImportDryRun)
		return
	}
	rep, err := h.run(r, u, ImportDryRun)
	var es validate.Errors
	if errors.As(err, &es) {
		h.remove(u.ID)
		h.formError(w, r, es)
		return
	}
	if err != nil {
		h.remove(u.ID)
		web.ServerError(w, r, err)
		return
	}
	if len(rep.Rows) == 0 {
		h.remove(u.ID)
		h.formError(w, r, fileError("registry.import.error.no_rows"))
		return
	}
	h.renderReport(w, r, u.ID, rep)
}

// run imports an upload in a mode, with the viewer's scope.
func (h *ImportHandler) run(r *http.Request, u upload, mode ImportMode) (*ImportReport, error) {
	return ImportFile(r.Context(), h.DB, h.path(u.ID, ".data"), u.Format,
		ImportOptions{Scope: scope(r), Today: time.Now(), FileName: u.FileName, Mode: mode})
}

// reportData is what the preview and result pages show.
type reportData struct {
	ID        string
	Report    *ImportReport
	Columns   []columnRow
	Problems  []problemRow
	Updates   []updateRow
	Truncated bool // more rows than the page lists
	Mask      bool
	Result    bool // after the apply, not the preview
}

type columnRow struct{ Header, Label string }

type problemRow struct {
	Row            int
	Column, Reason string
}

type updateRow struct {
	Row                         int
	Name, Column, Before, After string
}

// renderReport shows the preview of upload id, or (id "") the result.
func (h *ImportHandler) renderReport(w http.ResponseWriter, r *http.Request, id string, rep *ImportReport) {
	l := web.PrefsFrom(r).Lang
	d := reportData{ID: id, Report: rep, Mask: masks(r), Result: id == ""}
	if sh := rep.Sheetinfo; sh != nil {
		for c := range numImportColumns {
			if sh.Has[c] {
				d.Columns = append(d.Columns, columnRow{Header: sh.Headers[c], Label: i18n.T(l, c.LabelKey())})
			}
		}
	}
	for _, row := range rep.Rows {
		switch row.Status {
		case RowError:
			for _, p := range row.Problems {
				if len(d.Problems) >= previewRows {
					d.Truncated = true
					break
				}
				d.Problems = append(d.Problems, problemRow{Row: row.Row, Column: rep.ColumnHeader(p.Column), Reason: p.Message(l)})
			}
		case RowUpdated:
			for _, c := range row.maskedChanges(d.Mask) {
				if len(d.Updates) >= previewRows {
					d.Truncated = true
					break
				}
				d.Updates = append(d.Updates, updateRow{Row: row.Row, Name: row.Name, Column: rep.ColumnHeader(c.Column), Before: c.Before, After: c.After})
			}
		}
	}
	web.Render(w, r, importPages, "import_report", web.Page{Title: "registry.import.title", Section: "registry", Crumbs: importCrumbs(r), Data: d})
}

// apply writes the good rows of an upload, or discards it.
func (h *ImportHandler) apply(w http.ResponseWriter, r *http.Request) {
	u, ok := h.load(r.PostFormValue("id"), auth.From(r.Context()).ID)
	if !ok {
		h.formError(w, r, validate.Errors{{Field: "registry.import.file", Key: "registry.import.error.upload_gone"}})
		return
	}
	if r.PostFormValue("mode") != string(ImportGoodRows) {
		runningImports.drop(u.ID)
		h.remove(u.ID)
		web.Redirect(w, r, "/registry/import?ok=flash.import_discarded")
		return
	}
	if u.Scope != scope(r).Code() {
		// The uploader's scope changed since the preview: it no longer
		// shows what would be written.
		h.remove(u.ID)
		h.formError(w, r, validate.Errors{{Field: "registry.import.file", Key: "registry.import.error.upload_gone"}})
		return
	}
	runningImports.drop(u.ID)
	if h.large(u) {
		h.start(w, r, u, ImportGoodRows)
		return
	}
	rep, err := h.run(r, u, ImportGoodRows)
	h.remove(u.ID)
	var es validate.Errors
	if errors.As(err, &es) {
		h.formError(w, r, es)
		return
	}
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	h.renderReport(w, r, "", rep)
}

// reportCSV downloads the preview's full report: every row, every problem.
func (h *ImportHandler) reportCSV(w http.ResponseWriter, r *http.Request) {
	u, ok := h.load(r.URL.Query().Get("id"), auth.From(r.Context()).ID)
	if !ok {
		web.Error(w, r, http.StatusNotFound, "registry.import.error.upload_gone")
		return
	}
	// A large file's check already ran behind its progress page.
	var rep *ImportReport
	var err error
	if j, ok := runningImports.get(u.ID, u.UserID); ok && j.progress().Finished && j.mode == ImportDryRun {
		j.mu.Lock()
		rep, err = j.rep, j.err
		j.mu.Unlock()
	} else {
		rep, err = h.run(r, u, ImportDryRun)
	}
	if err == nil && rep == nil {
		err = errors.New("import: no report")
	}
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", attachment(strings.TrimSuffix(u.FileName, filepath.Ext(u.FileName))+"-检查结果.csv"))
	_, _ = io.WriteString(w, "\ufeff") // Excel reads UTF-8 CSV only with a BOM
	_ = rep.WriteReportCSV(w, web.PrefsFrom(r).Lang, masks(r))
}

// attachment is a Content-Disposition for a download named name (UTF-8).
func attachment(name string) string {
	return `attachment; filename="download"; filename*=UTF-8''` + urlPathEscape(name)
}

func urlPathEscape(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-._~", c) >= 0 {
			b.WriteByte(c)
		} else {
			b.WriteString("%" + strings.ToUpper(hex.EncodeToString([]byte{c})))
		}
	}
	return b.String()
}

func (h *ImportHandler) template(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	all, err := area.InScope(ctx, h.DB, scope(r))
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", attachment("残疾人信息导入模板.xlsx"))
	if err := WriteTemplate(w, all, time.Now()); err != nil {
		web.ServerError(w, r, err)
	}
}

func (h *ImportHandler) export(w http.ResponseWriter, r *http.Request) {
	f, es := ParseFilter(r.URL.Query())
	if len(es) > 0 {
		web.Render(w, r, importPages, "import", web.Page{Title: "registry.import.title", Section: "registry", Crumbs: importCrumbs(r),
			Errors: es, Status: http.StatusBadRequest})
		return
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", attachment("残疾人名单-"+time.Now().Format("20060102")+".xlsx"))
	if _, err := Export(r.Context(), h.DB, scope(r), f, false, w); err != nil {
		web.ServerError(w, r, err)
	}
}

// apiImport takes a file (multipart field "file", or the raw body with
// ?format=xlsx|csv&name=…) and imports it in ?mode=dry_run (default),
// good_rows or all_or_nothing, answering the row-by-row report as JSON
// (counts.errors and applied say how it went). A file that cannot be read
// at all is a 422 error.
func (h *ImportHandler) apiImport(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	mode := ImportMode(q.Get("mode"))
	if mode == "" {
		mode = ImportDryRun
	}
	if !mode.Valid() {
		web.JSONError(w, r, http.StatusBadRequest, "bad_request", "registry.import.error.mode")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxUpload)
	var body io.Reader = r.Body
	name := q.Get("name")
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		file, hdr, err := r.FormFile("file")
		if err != nil {
			web.JSONError(w, r, http.StatusBadRequest, "bad_request", "registry.import.error.no_file")
			return
		}
		defer file.Close()
		body, name = file, hdr.Filename
	}
	// The content decides the format (?format= is no longer needed).
	format, body := SniffReader(body)
	if format == "" {
		web.JSONError(w, r, http.StatusBadRequest, "bad_request", "registry.import.error.format")
		return
	}
	if name == "" {
		name = "api." + format
	}
	p := auth.From(r.Context())
	u, err := h.save(body, upload{FileName: filepath.Base(name), Format: format, UserID: p.ID, Scope: p.Scope.Code()})
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			web.JSONError(w, r, http.StatusRequestEntityTooLarge, "too_large", "registry.import.error.too_big", maxUpload>>20)
			return
		}
		web.ServerError(w, r, err)
		return
	}
	defer h.remove(u.ID)
	rep, err := h.run(r, u, mode)
	var es validate.Errors
	if errors.As(err, &es) {
		l := i18n.Parse(r.Header.Get("Accept-Language"))
		var e web.APIError
		e.Error.Code, e.Error.Message = "invalid_file", es.Text(l)
		web.JSON(w, http.StatusUnprocessableEntity, e)
		return
	}
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, rep.JSON(i18n.Parse(r.Header.Get("Accept-Language")), masks(r)))
}
