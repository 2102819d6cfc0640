// Package auditweb is the audit administrator's view of the audit log:
// search by person, action, object, date and outcome, and a check of the
// hash chain.
package auditweb

import (
	"embed"
	"encoding/json"
	"net/http"
	"sort"
	"strconv"

	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/auth"
	"github.com/yangguang-cdpf/yangguang/internal/store"
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

func (h *Handler) search(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := audit.Filter{Actor: q.Get("actor"), Action: q.Get("action"), Object: q.Get("object"), From: q.Get("from"), To: q.Get("to"), Outcome: q.Get("outcome"), Limit: 50}
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
	web.Render(w, r, pages, "audit", web.Page{Title: "nav.audit", Section: "audit", Data: map[string]any{"Entries": entries, "Next": next},
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
