package payment

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/auth"
	"github.com/yangguang-cdpf/yangguang/internal/i18n"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/validate"
	"github.com/yangguang-cdpf/yangguang/internal/web"
)

//go:embed templates/*.html
var templates embed.FS

var pages = web.ParsePages(templates, "templates/*.html")

// Handler serves the payment pages under /payments and the JSON API under
// /api/v1/payments/.
type Handler struct {
	DB  *store.DB
	Src Source
	// Now is the clock (tests set it); nil means time.Now.
	Now func() time.Time
}

// NewHandler returns the payment handler; src is the programme engine.
func NewHandler(db *store.DB, src Source) *Handler { return &Handler{DB: db, Src: src} }

func (h *Handler) today() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

// Routes registers the pages and the API. Reading needs PermProgrammeRead;
// building, confirming, paying and reversing need PermPaymentWrite (the
// finance department: Principal.Can applies the department rule).
func (h *Handler) Routes(rt *web.Router) {
	page := func(pattern string, perm auth.Perm, fn http.HandlerFunc) { rt.Page(pattern, perm, fn) }
	page("GET /payments", auth.PermProgrammeRead, h.list)
	page("GET /payments/new", auth.PermPaymentWrite, h.newForm)
	page("POST /payments", auth.PermPaymentWrite, h.create)
	page("GET /payments/batches/{id}", auth.PermProgrammeRead, h.batch)
	page("GET /payments/batches/{id}/export", auth.PermPaymentWrite, h.export)
	page("POST /payments/batches/{id}/confirm", auth.PermPaymentWrite, h.confirm)
	page("POST /payments/batches/{id}/pay", auth.PermPaymentWrite, h.pay)
	page("POST /payments/batches/{id}/cancel", auth.PermPaymentWrite, h.cancel)
	page("POST /payments/batches/{id}/remove", auth.PermPaymentWrite, h.remove)
	page("POST /payments/batches/{id}/add", auth.PermPaymentWrite, h.add)
	page("POST /payments/batches/{id}/reverse", auth.PermPaymentWrite, h.reverse)
	page("GET /payments/ledger", auth.PermProgrammeRead, h.ledger)
	page("GET /payments/ledger/export", auth.PermProgrammeRead, h.ledgerExport)
	h.apiRoutes(rt)
}

// canWrite reports whether the viewer may build and pay (role and
// department).
func canWrite(r *http.Request) bool {
	p := auth.From(r.Context())
	return p.Can(auth.PermPaymentWrite)
}

func scope(r *http.Request) area.Scope { return auth.From(r.Context()).Scope }

func lang(r *http.Request) i18n.Lang { return web.PrefsFrom(r).Lang }

func crumbs(r *http.Request, more ...web.Crumb) []web.Crumb {
	l := lang(r)
	out := []web.Crumb{{Label: i18n.T(l, "nav.programmes"), Href: "/programmes"}, {Label: i18n.T(l, "payment.title"), Href: "/payments"}}
	if len(more) == 0 {
		out[1].Href = ""
	}
	return append(out, more...)
}

// programmes lists the programmes that pay money, and maps id → name.
func (h *Handler) programmes(ctx context.Context) ([]Programme, map[string]string, error) {
	ps, err := h.Src.Programmes(ctx, h.DB)
	m := map[string]string{}
	for _, p := range ps {
		m[p.ID] = p.Name
	}
	return ps, m, err
}

// areas returns the townships and villages inside s (for area choices)
// and every area's name.
func (h *Handler) areas(ctx context.Context, s area.Scope) ([]area.Area, map[string]string, error) {
	names, err := area.Names(ctx, h.DB)
	if err != nil {
		return nil, nil, err
	}
	all, err := area.InScope(ctx, h.DB, s)
	if err != nil {
		return nil, nil, err
	}
	var out []area.Area
	for _, a := range all {
		if a.Level == area.Township || a.Level == area.Village {
			out = append(out, a)
		}
	}
	return out, names, nil
}

// scopeName names a batch's area: the township or county, or the whole
// deployment.
func scopeName(l i18n.Lang, names map[string]string, code string) string {
	if code == "" {
		return i18n.T(l, "payment.scope_all")
	}
	if n, ok := names[code]; ok {
		return n
	}
	return code
}

// ---- batches list ----

type batchRow struct {
	Batch
	AreaName string
}

type listData struct {
	Batches    []batchRow
	Programmes []Programme
	States     []State
	CanWrite   bool
}

func (h *Handler) list(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	f := Filter{ProgrammeID: q.Get("programme"), Month: q.Get("month"), State: State(q.Get("state"))}
	var es validate.Errors
	if f.Month != "" && !validMonth(f.Month) {
		es.Add(0, "payment.batch.month", "payment.error.month_format")
		f.Month = ""
	}
	if f.State != "" && !f.State.Valid() {
		f.State = ""
	}
	bs, err := List(ctx, h.DB, scope(r), f)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	progs, _, err := h.programmes(ctx)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	names, err := area.Names(ctx, h.DB)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	d := listData{Programmes: progs, States: States, CanWrite: canWrite(r)}
	for _, b := range bs {
		d.Batches = append(d.Batches, batchRow{Batch: b, AreaName: scopeName(lang(r), names, b.ScopeCode)})
	}
	web.Render(w, r, pages, "list", web.Page{Title: "payment.title", Section: "programmes", Crumbs: crumbs(r), Data: d, Errors: es,
		Form: map[string]string{"programme": q.Get("programme"), "month": q.Get("month"), "state": q.Get("state")}})
}

// ---- new batch ----

type newData struct {
	Programmes []Programme
	Townships  []area.Area
	ScopeName  string
}

func (h *Handler) newPage(w http.ResponseWriter, r *http.Request, page web.Page) {
	ctx := r.Context()
	progs, _, err := h.programmes(ctx)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	all, names, err := h.areas(ctx, scope(r))
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	d := newData{Programmes: progs, ScopeName: scopeName(lang(r), names, scope(r).Code())}
	for _, a := range all {
		if a.Level == area.Township {
			d.Townships = append(d.Townships, a)
		}
	}
	page.Title, page.Section, page.Data = "payment.new", "programmes", d
	page.Crumbs = crumbs(r, web.Crumb{Label: i18n.T(lang(r), "payment.new")})
	web.Render(w, r, pages, "new", page)
}

func (h *Handler) newForm(w http.ResponseWriter, r *http.Request) {
	h.newPage(w, r, web.Page{Form: map[string]string{"month": h.today().Format("2006-01"), "programme": r.URL.Query().Get("programme")}})
}

func (h *Handler) create(w http.ResponseWriter, r *http.Request) {
	n := NewBatch{ProgrammeID: r.PostFormValue("programme"), Month: r.PostFormValue("month"), AreaCode: r.PostFormValue("area")}
	var b Batch
	err := h.DB.InTx(r.Context(), func(tx *store.Tx) (err error) {
		b, err = Build(r.Context(), tx, h.Src, scope(r), n, h.today())
		return err
	})
	var es validate.Errors
	var re *RefusedError
	form := postForm(r, "programme", "month", "area")
	switch {
	case err == nil:
		web.Redirect(w, r, "/payments/batches/"+b.ID+"?ok=flash.payment_built")
	case errors.As(err, &es):
		h.newPage(w, r, web.Page{Errors: es, Status: http.StatusUnprocessableEntity, Form: form})
	case errors.As(err, &re):
		h.newPage(w, r, web.Page{Errors: re.Errors(lang(r)), Status: http.StatusConflict, Form: form})
	default:
		web.ServerError(w, r, err)
	}
}

func postForm(r *http.Request, keys ...string) map[string]string {
	m := map[string]string{}
	for _, k := range keys {
		m[k] = r.PostFormValue(k)
	}
	return m
}

// ---- one batch ----

type lineView struct {
	Line
	IDNumber string // full for finance, masked for readers
	Account  string
	Village  string
	Entry    *Entry // the ledger's pay entry once paid
	Missing  []string
}

type townshipView struct {
	TownshipTotal
	Name string
}

type batchData struct {
	Batch     Batch
	AreaName  string
	Lines     []lineView
	Removed   []lineView
	Townships []townshipView
	Reversals []Entry
	CanWrite  bool // may act on this batch (perm, department and scope)
	Builder   bool // the viewer built it: may not mark it paid
	Allowed   map[string]bool
	Today     string
	Paidable  []lineView // paid lines not yet reversed
}

func (h *Handler) batch(w http.ResponseWriter, r *http.Request) { h.batchPage(w, r, web.Page{}) }

// batchPage shows a batch with the forms of the moves the viewer may make
// now; a refused post comes back here with its errors.
func (h *Handler) batchPage(w http.ResponseWriter, r *http.Request, page web.Page) {
	ctx := r.Context()
	s := scope(r)
	b, err := Get(ctx, h.DB, s, r.PathValue("id"))
	if errors.Is(err, store.ErrNotFound) {
		web.Error(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	lines, err := Lines(ctx, h.DB, s, b.ID, true)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	names, err := area.Names(ctx, h.DB)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	entries := map[string]*Entry{}
	var reversals []Entry
	if b.State == Paid {
		err = EachEntry(ctx, h.DB, s, LedgerFilter{BatchID: b.ID}, func(e Entry) error {
			if e.Kind == KindPay {
				entries[e.LineID] = &e
			} else {
				reversals = append(reversals, e)
			}
			return nil
		})
		if err != nil {
			web.ServerError(w, r, err)
			return
		}
	}
	me := auth.From(ctx)
	d := batchData{Batch: b, AreaName: scopeName(lang(r), names, b.ScopeCode), Reversals: reversals,
		CanWrite: canWrite(r) && s.Covers(b.Scope()), Builder: me.ID == b.CreatedBy, Allowed: map[string]bool{}, Today: h.today().Format(time.DateOnly)}
	full := canWrite(r)
	for _, l := range lines {
		v := lineView{Line: l, IDNumber: l.PayeeIDNumber, Account: l.BankAccount, Village: names[l.VillageCode], Entry: entries[l.ID], Missing: l.Incomplete()}
		if !full {
			v.IDNumber, v.Account = registry.MaskIDNumber(l.PayeeIDNumber), MaskAccount(l.BankAccount)
		}
		if l.Status == LineLive {
			d.Lines = append(d.Lines, v)
			if v.Entry != nil && !v.Entry.Reversed {
				d.Paidable = append(d.Paidable, v)
			}
		} else {
			d.Removed = append(d.Removed, v)
		}
	}
	for _, t := range TownshipTotals(lines) {
		d.Townships = append(d.Townships, townshipView{TownshipTotal: t, Name: names[t.Code]})
	}
	if d.CanWrite {
		for _, a := range Allowed(b.State) {
			d.Allowed[string(a)] = true
		}
		if d.Builder {
			d.Allowed[string(ActPay)] = false
		}
	}
	page.Title, page.Section, page.Data = "payment.batch", "programmes", d
	page.Crumbs = crumbs(r, web.Crumb{Label: b.ProgrammeName + " " + b.Month})
	web.Render(w, r, pages, "batch", page)
}

// done finishes an action post: back to the batch on success, the page
// again with the problem otherwise.
func (h *Handler) done(w http.ResponseWriter, r *http.Request, err error, flash string, form map[string]string) {
	var es validate.Errors
	var re *RefusedError
	switch {
	case err == nil:
		web.Redirect(w, r, "/payments/batches/"+r.PathValue("id")+"?ok="+flash)
	case errors.Is(err, store.ErrNotFound):
		web.Error(w, r, http.StatusNotFound, "error.not_found")
	case errors.As(err, &re):
		h.batchPage(w, r, web.Page{Errors: re.Errors(lang(r)), Status: http.StatusConflict, Form: form})
	case errors.As(err, &es):
		h.batchPage(w, r, web.Page{Errors: es, Status: http.StatusUnprocessableEntity, Form: form})
	default:
		web.ServerError(w, r, err)
	}
}

func (h *Handler) inTx(r *http.Request, fn func(ctx context.Context, tx *store.Tx) error) error {
	return h.DB.InTx(r.Context(), func(tx *store.Tx) error { return fn(r.Context(), tx) })
}

func (h *Handler) confirm(w http.ResponseWriter, r *http.Request) {
	err := h.inTx(r, func(ctx context.Context, tx *store.Tx) error {
		_, err := Confirm(ctx, tx, scope(r), r.PathValue("id"))
		return err
	})
	h.done(w, r, err, "flash.payment_confirmed", nil)
}

func (h *Handler) pay(w http.ResponseWriter, r *http.Request) {
	err := h.inTx(r, func(ctx context.Context, tx *store.Tx) error {
		_, err := Pay(ctx, tx, h.Src, scope(r), r.PathValue("id"), r.PostFormValue("paid_on"), h.today())
		return err
	})
	h.done(w, r, err, "flash.payment_paid", postForm(r, "paid_on"))
}

func (h *Handler) cancel(w http.ResponseWriter, r *http.Request) {
	err := h.inTx(r, func(ctx context.Context, tx *store.Tx) error {
		_, err := Cancel(ctx, tx, scope(r), r.PathValue("id"), r.PostFormValue("cancel_reason"))
		return err
	})
	h.done(w, r, err, "flash.payment_cancelled", postForm(r, "cancel_reason"))
}

func (h *Handler) remove(w http.ResponseWriter, r *http.Request) {
	err := h.inTx(r, func(ctx context.Context, tx *store.Tx) error {
		if r.PostFormValue("line_id") == "" {
			return validate.Errors{{Field: "payment.remove.line", Key: "validate.choose"}}
		}
		return RemoveLine(ctx, tx, scope(r), r.PathValue("id"), r.PostFormValue("line_id"), r.PostFormValue("remove_reason"))
	})
	h.done(w, r, err, "flash.saved", postForm(r, "line_id", "remove_reason"))
}

func (h *Handler) add(w http.ResponseWriter, r *http.Request) {
	err := h.inTx(r, func(ctx context.Context, tx *store.Tx) error {
		_, err := AddCase(ctx, tx, h.Src, scope(r), r.PathValue("id"), r.PostFormValue("case_id"))
		return err
	})
	h.done(w, r, err, "flash.saved", postForm(r, "case_id"))
}

func (h *Handler) reverse(w http.ResponseWriter, r *http.Request) {
	err := h.inTx(r, func(ctx context.Context, tx *store.Tx) error {
		id := r.PostFormValue("entry_id")
		if id == "" {
			return validate.Errors{{Field: "payment.reverse.entry", Key: "validate.choose"}}
		}
		// The entry must belong to this batch: the form is the batch's.
		e, err := GetEntry(ctx, tx, scope(r), id)
		if err != nil {
			return err
		}
		if e.BatchID != r.PathValue("id") {
			return store.ErrNotFound
		}
		_, err = Reverse(ctx, tx, h.Src, scope(r), id, r.PostFormValue("reverse_reason"), h.today())
		return err
	})
	h.done(w, r, err, "flash.payment_reversed", postForm(r, "entry_id", "reverse_reason"))
}

func (h *Handler) export(w http.ResponseWriter, r *http.Request) {
	b, err := Get(r.Context(), h.DB, scope(r), r.PathValue("id"))
	if err == nil && (b.State != Confirmed && b.State != Paid || b.Partial) {
		h.done(w, r, refuse("payment.error.export_state", stateText(b.State)), "", nil)
		return
	}
	if err != nil {
		h.done(w, r, err, "", nil)
		return
	}
	var buf bytes.Buffer
	if err := ExportBatch(r.Context(), h.DB, scope(r), b.ID, &buf); err != nil {
		web.ServerError(w, r, err)
		return
	}
	sendXLSX(w, "payment-"+b.Month+"-"+b.ID[:8]+".xlsx", buf.Bytes())
}

// sendXLSX answers with a workbook built in full first, so a failure
// shows the error page rather than half a file.
func sendXLSX(w http.ResponseWriter, name string, b []byte) {
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	_, _ = w.Write(b)
}

// ---- ledger ----

type ledgerRow struct {
	Entry
	IDNumber  string
	Account   string
	Programme string
	Township  string
	Village   string
}

type ledgerData struct {
	Entries    []ledgerRow
	Totals     LedgerTotals
	Townships  []figureView
	Programmes []Programme
	Areas      []area.Area
	More       bool
	Query      string
}

type figureView struct {
	FigureRow
	Name string
}

// ledgerFilter reads the ledger's filter from the query string.
func ledgerFilter(r *http.Request) LedgerFilter {
	q := r.URL.Query()
	return LedgerFilter{ProgrammeID: q.Get("programme"), FromMonth: q.Get("from"), ToMonth: q.Get("to"), AreaCode: q.Get("area"),
		Person: q.Get("person"), BatchID: q.Get("batch")}
}

func (h *Handler) ledger(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	s := scope(r)
	f := ledgerFilter(r)
	es := f.Check(s)
	form := map[string]string{"programme": f.ProgrammeID, "from": f.FromMonth, "to": f.ToMonth, "area": f.AreaCode, "person": f.Person}
	if len(es) > 0 {
		f = LedgerFilter{}
	}
	const pageSize = 500
	f.Limit = pageSize
	entries, totals, err := Ledger(ctx, h.DB, s, f)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	progs, progNames, err := h.programmes(ctx)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	areas, names, err := h.areas(ctx, s)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	d := ledgerData{Totals: totals, Programmes: progs, Areas: areas, More: totals.Entries > len(entries), Query: r.URL.RawQuery}
	for _, e := range entries {
		d.Entries = append(d.Entries, ledgerRow{Entry: e, IDNumber: registry.MaskIDNumber(e.PayeeIDNumber), Account: MaskAccount(e.BankAccount),
			Programme: progNames[e.ProgrammeID], Township: names[area.ParentOf(e.VillageCode)], Village: names[e.VillageCode]})
	}
	if f.Person == "" && f.BatchID == "" {
		fs := s
		if f.AreaCode != "" {
			fs = area.ScopeOf(f.AreaCode)
		}
		fig, err := ComputeFigures(ctx, h.DB, fs, f.ProgrammeID, f.FromMonth, f.ToMonth)
		if err != nil {
			web.ServerError(w, r, err)
			return
		}
		for _, t := range fig.ByTownship {
			d.Townships = append(d.Townships, figureView{FigureRow: t, Name: names[t.TownshipCode]})
		}
	}
	web.Render(w, r, pages, "ledger", web.Page{Title: "payment.ledger", Section: "programmes",
		Crumbs: crumbs(r, web.Crumb{Label: i18n.T(lang(r), "payment.ledger")}), Data: d, Errors: es, Form: form})
}

func (h *Handler) ledgerExport(w http.ResponseWriter, r *http.Request) {
	f := ledgerFilter(r)
	if es := f.Check(scope(r)); len(es) > 0 {
		web.Error(w, r, http.StatusBadRequest, "payment.error.filter")
		return
	}
	_, progNames, err := h.programmes(r.Context())
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	var buf bytes.Buffer
	if err := ExportLedger(r.Context(), h.DB, scope(r), f, progNames, &buf); err != nil {
		web.ServerError(w, r, err)
		return
	}
	sendXLSX(w, "payment-ledger.xlsx", buf.Bytes())
}
