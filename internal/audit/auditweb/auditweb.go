// Package auditweb is the audit administrator's view of the audit log:
// search by person, action, object, date and outcome, export, a check of
// the hash chain, and the retention with pruning of old entries.
package auditweb

import (
	"embed"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/auth"
	"github.com/yangguang-cdpf/yangguang/internal/sheet"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/validate"
	"github.com/yangguang-cdpf/yangguang/internal/web"
)

//go:embed templates/*.html
var templates embed.FS

var pages = web.ParsePages(templates, "templates/*.html")

// Handler serves the audit pages.
type Handler struct {
	DB *store.DB
}

// Routes registers the pages.
func (h *Handler) Routes(rt *web.Router) {
	rt.Page("GET /audit", auth.PermAuditRead, h.search)
	rt.Page("GET /audit/verify", auth.PermAuditRead, h.verify)
	rt.Page("GET /audit/export", auth.PermAuditRead, h.export)
	rt.Page("GET /audit/retention", auth.PermAuditManage, h.retention)
	rt.Page("POST /audit/retention", auth.PermAuditManage, h.setRetention)
	rt.Page("POST /audit/prune", auth.PermAuditManage, h.prune)
}

// Change is one field that differs between before and after.
type Change struct {
	Field, Before, After string
}

// Entry is a log row with its changes spelled out.
type Entry struct {
	audit.Row
	Changes []Change
}

// diff lists the fields that differ between two JSON objects.
func diff(before, after string) []Change {
	var b, a map[string]any
	_ = json.Unmarshal([]byte(before), &b)
	_ = json.Unmarshal([]byte(after), &a)
	keys := map[string]bool{}
	for k := range b {
		keys[k] = true
	}
	for k := range a {
		keys[k] = true
	}
	var out []Change
	for k := range keys {
		bv, av := show(b[k]), show(a[k])
		if bv != av {
			out = append(out, Change{Field: k, Before: bv, After: av})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Field < out[j].Field })
	return out
}

func show(v any) string {
	if v == nil {
		return ""
	}
	if s, ok := v.(string); ok {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func filterOf(r *http.Request) audit.Filter {
	q := r.URL.Query()
	return audit.Filter{Actor: q.Get("actor"), Action: q.Get("action"), Object: q.Get("object"), From: q.Get("from"), To: q.Get("to"), Outcome: q.Get("outcome"), Limit: 50}
}

func (h *Handler) search(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := filterOf(r)
	f.BeforeSeq, _ = strconv.ParseInt(q.Get("before"), 10, 64)
	rows, err := audit.Search(r.Context(), h.DB, f)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	entries := make([]Entry, len(rows))
	for i, row := range rows {
		entries[i] = Entry{Row: row, Changes: diff(row.Before, row.After)}
	}
	next := ""
	if len(rows) == f.Limit {
		q.Set("before", strconv.FormatInt(rows[len(rows)-1].Seq, 10))
		next = "/audit?" + q.Encode()
	}
	q.Del("before")
	web.Render(w, r, pages, "audit", web.Page{Title: "nav.audit", Section: "audit", Data: map[string]any{"Entries": entries, "Next": next, "Export": "/audit/export?" + q.Encode()},
		Form: map[string]string{"actor": f.Actor, "action": f.Action, "object": f.Object, "from": f.From, "to": f.To, "outcome": f.Outcome}})
}

func (h *Handler) verify(w http.ResponseWriter, r *http.Request) {
	res, err := audit.Verify(r.Context(), h.DB)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	web.Render(w, r, pages, "verify", web.Page{Title: "audit.verify", Section: "audit", Data: res})
}

// exportPage and exportMax bound one export: pages of the newest entries
// matching the search, at most exportMax in all.
const (
	exportPage = 500
	exportMax  = 200_000
)

// export writes the entries matching the search as CSV (UTF-8 with a BOM
// for Excel), newest first; the export itself is audited.
func (h *Handler) export(w http.ResponseWriter, r *http.Request) {
	f := filterOf(r)
	f.Limit = exportPage
	if err := audit.RecordAlone(r.Context(), h.DB, audit.Entry{Action: "audit.export", ObjectType: "audit_log", Detail: r.URL.RawQuery}); err != nil {
		web.ServerError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="audit-%s.csv"`, time.Now().UTC().Format("20060102-150405")))
	_, _ = io.WriteString(w, "\ufeff")
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"seq", "at", "actor_id", "actor_name", "actor_kind", "ip", "action", "object_type", "object_id", "area_code", "outcome", "detail", "before", "after", "prev_hash", "hash"})
	for n := 0; n < exportMax; {
		rows, err := audit.Search(r.Context(), h.DB, f)
		if err != nil {
			// Headers are sent: say so in the file rather than cut it silently.
			_ = cw.Write([]string{"error", err.Error()})
			break
		}
		for _, e := range rows {
			rec := []string{strconv.FormatInt(e.Seq, 10), e.At, e.ActorID, e.ActorName, e.ActorKind, e.IP, e.Action, e.ObjectType, e.ObjectID,
				e.AreaCode, e.Outcome, e.Detail, e.Before, e.After, e.PrevHash, e.Hash}
			for i := range rec {
				rec[i] = sheet.Text(rec[i])
			}
			_ = cw.Write(rec)
		}
		n += len(rows)
		if len(rows) < f.Limit {
			break
		}
		f.BeforeSeq = rows[len(rows)-1].Seq
	}
	cw.Flush()
}

type retentionData struct {
	Months  int
	Horizon string
	Anchor  audit.Anchor
	From    int64 // first entry checked after the anchor
	Pruned  *audit.PruneResult
	Min     int
}

func (h *Handler) retentionPage(w http.ResponseWriter, r *http.Request, page web.Page) {
	var d retentionData
	var err error
	if d.Months, err = audit.RetentionMonths(r.Context(), h.DB); err == nil {
		if d.Horizon, err = audit.Horizon(r.Context(), h.DB, h.DB.Dialect); err == nil {
			d.Anchor, err = audit.LatestAnchor(r.Context(), h.DB)
		}
	}
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	if p, ok := page.Data.(*audit.PruneResult); ok {
		d.Pruned = p
	}
	d.Min, d.From = audit.MinRetentionMonths, d.Anchor.Seq+1
	if page.Form == nil {
		page.Form = map[string]string{"months": strconv.Itoa(d.Months)}
	}
	page.Title, page.Section, page.Data = "audit.retention", "audit", d
	web.Render(w, r, pages, "retention", page)
}

func (h *Handler) retention(w http.ResponseWriter, r *http.Request) {
	h.retentionPage(w, r, web.Page{})
}

func (h *Handler) setRetention(w http.ResponseWriter, r *http.Request) {
	months := r.PostFormValue("months")
	err := h.DB.InTx(r.Context(), func(tx *store.Tx) error { return audit.SetRetentionMonths(r.Context(), tx, months) })
	var es validate.Errors
	if errors.As(err, &es) {
		h.retentionPage(w, r, web.Page{Errors: es, Status: http.StatusUnprocessableEntity, Form: map[string]string{"months": months}})
		return
	}
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	web.Redirect(w, r, "/audit/retention?ok=flash.saved")
}

func (h *Handler) prune(w http.ResponseWriter, r *http.Request) {
	before := r.PostFormValue("before")
	res, err := audit.Prune(r.Context(), h.DB, before)
	var es validate.Errors
	if errors.As(err, &es) {
		h.retentionPage(w, r, web.Page{Errors: es, Status: http.StatusUnprocessableEntity, Form: map[string]string{"before": before}})
		return
	}
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	h.retentionPage(w, r, web.Page{Data: &res})
}
