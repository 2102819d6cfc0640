package registry

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/auth"
	"github.com/yangguang-cdpf/yangguang/internal/i18n"
	"github.com/yangguang-cdpf/yangguang/internal/validate"
	"github.com/yangguang-cdpf/yangguang/internal/web"
)

// A large upload is checked, and applied, after its request has answered:
// the browser is sent to a progress page that shows how many rows are done
// and then the report. Small files keep the plain request (a few seconds).
// The work runs in one transaction as always: a server stopped half-way
// writes nothing, and the user uploads the file again.

// defaultAsyncBytes is the file size from which an import runs behind a
// progress page (about 20,000 rows of a typical file).
const defaultAsyncBytes = 2 << 20

// importJob is one check or apply of an upload running in the background.
type importJob struct {
	mu       sync.Mutex
	userID   string
	mode     ImportMode
	done     int
	total    int // estimated data rows; 0 unknown
	finished bool
	rep      *ImportReport
	err      error
	started  time.Time
}

// Progress is what the progress page and its JSON show.
type Progress struct {
	Done     int    `json:"done"`
	Total    int    `json:"total"` // estimate; 0 when unknown
	Percent  int    `json:"percent"`
	Finished bool   `json:"finished"`
	Apply    bool   `json:"apply"` // writing, not checking
	Text     string `json:"text"`  // the sentence the page shows, in the viewer's language
}

func (j *importJob) progress() Progress {
	j.mu.Lock()
	defer j.mu.Unlock()
	p := Progress{Done: j.done, Total: j.total, Finished: j.finished, Apply: j.mode != ImportDryRun}
	if p.Total < p.Done {
		p.Total = p.Done
	}
	if p.Total > 0 {
		p.Percent = p.Done * 100 / p.Total
	}
	if p.Finished {
		p.Percent = 100
	}
	return p
}

type importJobs struct {
	mu   sync.Mutex
	jobs map[string]*importJob
}

var runningImports importJobs

func (js *importJobs) get(id, userID string) (*importJob, bool) {
	js.mu.Lock()
	defer js.mu.Unlock()
	j, ok := js.jobs[id]
	if !ok || j.userID != userID {
		return nil, false
	}
	return j, true
}

func (js *importJobs) put(id string, j *importJob) {
	js.mu.Lock()
	defer js.mu.Unlock()
	if js.jobs == nil {
		js.jobs = map[string]*importJob{}
	}
	// Forget jobs finished long ago: their uploads are swept too.
	for k, o := range js.jobs {
		o.mu.Lock()
		old := o.finished && time.Since(o.started) > uploadTTL
		o.mu.Unlock()
		if old {
			delete(js.jobs, k)
		}
	}
	js.jobs[id] = j
}

func (js *importJobs) drop(id string) {
	js.mu.Lock()
	defer js.mu.Unlock()
	delete(js.jobs, id)
}

func (h *ImportHandler) asyncBytes() int64 {
	if h.AsyncBytes > 0 {
		return h.AsyncBytes
	}
	return defaultAsyncBytes
}

// large reports whether upload u is big enough to run behind a progress page.
func (h *ImportHandler) large(u upload) bool {
	fi, err := os.Stat(h.path(u.ID, ".data"))
	return err == nil && fi.Size() >= h.asyncBytes()
}

// start runs upload u in mode in the background with the caller's scope
// and sends the browser to its progress page.
func (h *ImportHandler) start(w http.ResponseWriter, r *http.Request, u upload, mode ImportMode) {
	p := auth.From(r.Context())
	j := &importJob{userID: p.ID, mode: mode, started: time.Now(), total: EstimateRows(h.path(u.ID, ".data"), u.Format)}
	runningImports.put(u.ID, j)
	// The request's context ends with the response; the job keeps its
	// values (the principal, for audit) but not its cancellation.
	ctx := context.WithoutCancel(r.Context())
	s := p.Scope
	go func() {
		rep, err := ImportFile(ctx, h.DB, h.path(u.ID, ".data"), u.Format, ImportOptions{Scope: s, Today: time.Now(), FileName: u.FileName, Mode: mode,
			Progress: func(done int) { j.mu.Lock(); j.done = done; j.mu.Unlock() }})
		j.mu.Lock()
		j.rep, j.err, j.finished = rep, err, true
		j.mu.Unlock()
		if mode != ImportDryRun {
			h.remove(u.ID)
		}
	}()
	web.Redirect(w, r, "/registry/import/progress?id="+u.ID)
}

type progressData struct {
	ID       string
	Progress Progress
}

// progress shows a running import's progress, then its report.
func (h *ImportHandler) progress(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("id")
	j, ok := runningImports.get(id, auth.From(r.Context()).ID)
	if !ok {
		web.Error(w, r, http.StatusNotFound, "registry.import.error.upload_gone")
		return
	}
	pr := j.progress()
	pr.Text = progressText(web.PrefsFrom(r).Lang, pr)
	if r.URL.Query().Get("format") == "json" {
		web.JSON(w, http.StatusOK, pr)
		return
	}
	if !pr.Finished {
		web.Render(w, r, importPages, "import_progress", web.Page{Title: "registry.import.title", Section: "registry", Crumbs: importCrumbs(r),
			Data: progressData{ID: id, Progress: pr}})
		return
	}
	j.mu.Lock()
	rep, err, mode := j.rep, j.err, j.mode
	j.mu.Unlock()
	var es validate.Errors
	switch {
	case errors.As(err, &es):
		runningImports.drop(id)
		h.remove(id)
		h.formError(w, r, es)
	case err != nil:
		runningImports.drop(id)
		h.remove(id)
		web.ServerError(w, r, err)
	case mode == ImportDryRun && len(rep.Rows) == 0:
		runningImports.drop(id)
		h.remove(id)
		h.formError(w, r, fileError("registry.import.error.no_rows"))
	case mode == ImportDryRun:
		h.renderReport(w, r, id, rep)
	default:
		h.renderReport(w, r, "", rep)
	}
}

func progressText(l i18n.Lang, p Progress) string {
	if p.Total > 0 {
		return i18n.T(l, "registry.import.rows_of", p.Done, p.Total, p.Percent)
	}
	return i18n.T(l, "registry.import.rows_done", p.Done)
}

// EstimateRows guesses how many data rows a file has, for a progress bar:
// the lines of a CSV file, the used range of the first worksheet of an
// xlsx file. 0 when it cannot tell.
func EstimateRows(path, format string) int {
	switch format {
	case FormatCSV:
		f, err := os.Open(path)
		if err != nil {
			return 0
		}
		defer f.Close()
		n, buf, br := 0, make([]byte, 256<<10), bufio.NewReader(f)
		for {
			k, err := br.Read(buf)
			n += bytes.Count(buf[:k], []byte{'\n'})
			if err == io.EOF {
				return max(n-1, 0)
			}
			if err != nil {
				return 0
			}
		}
	case FormatXLSX:
		// Excel writes the used range in the worksheet's <dimension>
		// element at its start; files written by libraries often do not,
		// and then the rows are counted by scanning the sheet's XML (far
		// cheaper than parsing it).
		z, err := zip.OpenReader(path)
		if err != nil {
			return 0
		}
		defer z.Close()
		var sheet *zip.File
		for _, f := range z.File {
			if strings.HasPrefix(f.Name, "xl/worksheets/sheet") && (sheet == nil || f.Name < sheet.Name) {
				sheet = f
			}
		}
		if sheet == nil {
			return 0
		}
		rc, err := sheet.Open()
		if err != nil {
			return 0
		}
		defer rc.Close()
		br := bufio.NewReaderSize(rc, 256<<10)
		if head, _ := br.Peek(4 << 10); len(head) > 0 {
			if m := dimensionRe.FindSubmatch(head); m != nil {
				n, _ := strconv.Atoi(string(m[1]))
				return max(n-1, 0)
			}
		}
		n, buf, carry := 0, make([]byte, 256<<10), 0
		for {
			k, err := br.Read(buf[carry:])
			chunk := buf[:carry+k]
			n += bytes.Count(chunk, []byte("<row ")) + bytes.Count(chunk, []byte("<row>"))
			// Keep the last bytes: a tag may straddle two reads.
			carry = min(len(chunk), 4)
			copy(buf, chunk[len(chunk)-carry:])
			if err != nil {
				return max(n-1, 0)
			}
		}
	}
	return 0
}

var dimensionRe = regexp.MustCompile(`<dimension ref="[A-Z]+[0-9]+:[A-Z]+([0-9]+)"`)
