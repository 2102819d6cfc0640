package levy

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/auth"
	"github.com/yangguang-cdpf/yangguang/internal/i18n"
	"github.com/yangguang-cdpf/yangguang/internal/settings"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/validate"
	"github.com/yangguang-cdpf/yangguang/internal/web"
)

//go:embed templates/*.html
var templates embed.FS

var pages = web.ParsePages(templates, "templates/*.html")

// Handler serves the employer registry and quota-review pages (staff,
// under /employers), the employer's own declaration (under /declare) and
// the JSON API under /api/v1/employers/.
type Handler struct {
	DB      *store.DB
	DataDir string // uploaded proofs go under DataDir/levy
	// Now is the clock (tests set it); nil means time.Now.
	Now func() time.Time
}

// NewHandler returns the levy handler; dataDir is the data directory.
func NewHandler(db *store.DB, dataDir string) *Handler { return &Handler{DB: db, DataDir: dataDir} }

func (h *Handler) today() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

// Routes registers the pages and the API. The router checks each route's
// permission (the department rule of county staff included); every
// /declare route also checks the account's link to its employer.
func (h *Handler) Routes(rt *web.Router) {
	page := func(pattern string, perm auth.Perm, fn http.HandlerFunc) { rt.Page(pattern, perm, fn) }
	page("GET /employers", auth.PermLevyRead, h.list)
	page("GET /employers/new", auth.PermLevyReview, h.newForm)
	page("POST /employers", auth.PermLevyReview, h.create)
	page("GET /employers/review", auth.PermLevyRead, h.review)
	page("GET /employers/not-declared", auth.PermLevyRead, h.notDeclared)
	page("GET /employers/export.xlsx", auth.PermLevyReview, h.export)
	page("GET /employers/settings", auth.PermLevyRead, h.settings)
	page("POST /employers/settings", auth.PermLevyReview, h.saveSettings)
	page("GET /employers/{id}", auth.PermLevyRead, h.employer)
	page("POST /employers/{id}", auth.PermLevyReview, h.update)
	page("POST /employers/{id}/accounts", auth.PermLevyReview, h.link)
	page("POST /employers/{id}/accounts/remove", auth.PermLevyReview, h.unlink)
	page("GET /employers/{id}/years/{year}", auth.PermLevyRead, h.declaration)
	page("GET /employers/{id}/years/{year}/edit", auth.PermLevyReview, h.counterForm)
	page("POST /employers/{id}/years/{year}", auth.PermLevyReview, h.counterSave)
	page("POST /employers/{id}/years/{year}/action", auth.PermLevyReview, h.action)
	page("POST /employers/{id}/years/{year}/files", auth.PermLevyReview, h.counterUpload)
	page("GET /employers/{id}/years/{year}/files/{fid}", auth.PermLevyRead, h.staffFile)
	page("GET /employers/{id}/years/{year}/result", auth.PermLevyRead, h.staffResult)
	page("GET /declare", auth.PermLevyDeclare, h.own(h.ownPage))
	page("POST /declare", auth.PermLevyDeclare, h.own(h.ownSave))
	page("POST /declare/submit", auth.PermLevyDeclare, h.own(h.ownSubmit))
	page("POST /declare/files", auth.PermLevyDeclare, h.own(h.ownUpload))
	page("GET /declare/files/{fid}", auth.PermLevyDeclare, h.own(h.ownFile))
	page("GET /declare/result/{year}", auth.PermLevyDeclare, h.own(h.ownResult))
	h.apiRoutes(rt)
}

func scope(r *http.Request) area.Scope { return auth.From(r.Context()).Scope }

func lang(r *http.Request) i18n.Lang { return web.PrefsFrom(r).Lang }

func crumbs(r *http.Request, more ...web.Crumb) []web.Crumb {
	return append([]web.Crumb{{Label: i18n.T(lang(r), "levy.title"), Href: "/employers"}}, more...)
}

// yearOf reads a collection year from the query or path, defaulting to
// the open one.
func (h *Handler) yearOf(s string) (int, bool) {
	if s == "" {
		return OpenYear(h.today()), true
	}
	y, err := strconv.Atoi(s)
	return y, err == nil && y >= MinYear && y <= MaxYear
}

// refusalErrors turns a refusal into the page's error summary.
func refusalErrors(re *RefusedError) validate.Errors {
	return validate.Errors{{Key: re.Key, Args: re.Args}}
}

// ---- employers ----

type listData struct {
	Employers []Employer
	Names     map[string]string
	Towns     []area.Area
	Kinds     []Kind
	Status    map[string]Status // employer id → this year's declaration status
	Year      int
}

func (h *Handler) towns(ctx context.Context, s area.Scope) (map[string]string, []area.Area, error) {
	names, err := area.Names(ctx, h.DB)
	if err != nil {
		return nil, nil, err
	}
	all, err := area.InScope(ctx, h.DB, s)
	if err != nil {
		return nil, nil, err
	}
	var towns []area.Area
	for _, a := range all {
		if a.Level == area.Township {
			towns = append(towns, a)
		}
	}
	return names, towns, nil
}

func (h *Handler) list(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	f := EmployerFilter{Query: q.Get("q"), AreaCode: q.Get("area"), Kind: Kind(q.Get("kind"))}
	emps, err := ListEmployers(ctx, h.DB, scope(r), f)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	d := listData{Employers: emps, Kinds: Kinds, Year: OpenYear(h.today()), Status: map[string]Status{}}
	if d.Names, d.Towns, err = h.towns(ctx, scope(r)); err != nil {
		web.ServerError(w, r, err)
		return
	}
	rows, err := ListDeclarations(ctx, h.DB, scope(r), d.Year, "")
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	for _, row := range rows {
		d.Status[row.EmployerID] = row.Status
	}
	form := map[string]string{"q": f.Query, "area": f.AreaCode, "kind": string(f.Kind)}
	web.Render(w, r, pages, "list", web.Page{Title: "levy.employers", Section: "employment", Crumbs: crumbs(r, web.Crumb{Label: i18n.T(lang(r), "levy.employers")}), Data: d, Form: form})
}

type employerForm struct {
	Employer Employer
	Towns    []area.Area
	Kinds    []Kind
}

func (h *Handler) newPage(w http.ResponseWriter, r *http.Request, page web.Page) {
	_, towns, err := h.towns(r.Context(), scope(r))
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	page.Title, page.Section = "levy.employer.new", "employment"
	page.Crumbs = crumbs(r, web.Crumb{Label: i18n.T(lang(r), "levy.employer.new")})
	page.Data = employerForm{Towns: towns, Kinds: Kinds}
	web.Render(w, r, pages, "employer_new", page)
}

func (h *Handler) newForm(w http.ResponseWriter, r *http.Request) { h.newPage(w, r, web.Page{}) }

var employerFields = []string{"credit_code", "name", "address", "contact", "phone", "kind", "area_code"}

func employerInput(r *http.Request) EmployerInput {
	return EmployerInput{CreditCode: r.PostFormValue("credit_code"), Name: r.PostFormValue("name"), Address: r.PostFormValue("address"),
		Contact: r.PostFormValue("contact"), Phone: r.PostFormValue("phone"), Kind: Kind(r.PostFormValue("kind")), AreaCode: r.PostFormValue("area_code")}
}

func postForm(r *http.Request, keys ...string) map[string]string {
	m := map[string]string{}
	for _, k := range keys {
		m[k] = r.PostFormValue(k)
	}
	return m
}

func (h *Handler) create(w http.ResponseWriter, r *http.Request) {
	var e Employer
	err := h.DB.InTx(r.Context(), func(tx *store.Tx) (err error) {
		e, err = CreateEmployer(r.Context(), tx, scope(r), employerInput(r))
		return err
	})
	var es validate.Errors
	switch {
	case errors.As(err, &es):
		h.newPage(w, r, web.Page{Errors: es, Status: http.StatusUnprocessableEntity, Form: postForm(r, employerFields...)})
	case err != nil:
		web.ServerError(w, r, err)
	default:
		web.Redirect(w, r, "/employers/"+e.ID+"?ok=flash.saved")
	}
}

type employerData struct {
	Employer     Employer
	Names        map[string]string
	Towns        []area.Area
	Kinds        []Kind
	Accounts     []Account
	Declarations []Declaration
	Year         int
	HasOpenYear  bool
}

func (h *Handler) employerPage(w http.ResponseWriter, r *http.Request, page web.Page) {
	ctx := r.Context()
	e, err := GetEmployer(ctx, h.DB, scope(r), r.PathValue("id"))
	if errors.Is(err, store.ErrNotFound) {
		web.Error(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	d := employerData{Employer: e, Kinds: Kinds, Year: OpenYear(h.today())}
	if d.Names, d.Towns, err = h.towns(ctx, scope(r)); err == nil {
		if d.Accounts, err = Accounts(ctx, h.DB, e.ID); err == nil {
			d.Declarations, err = DeclarationsOf(ctx, h.DB, scope(r), e.ID)
		}
	}
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	for _, x := range d.Declarations {
		if x.Year == d.Year {
			d.HasOpenYear = true
		}
	}
	if page.Form == nil {
		page.Form = map[string]string{"credit_code": e.CreditCode, "name": e.Name, "address": e.Address, "contact": e.Contact, "phone": e.Phone,
			"kind": string(e.Kind), "area_code": e.AreaCode}
	}
	page.Title, page.Section, page.Data = "levy.employer.title", "employment", d
	page.Crumbs = crumbs(r, web.Crumb{Label: i18n.T(lang(r), "levy.employers"), Href: "/employers"}, web.Crumb{Label: e.Name})
	web.Render(w, r, pages, "employer", page)
}

func (h *Handler) employer(w http.ResponseWriter, r *http.Request) { h.employerPage(w, r, web.Page{}) }

// done answers a form post on the employer page.
func (h *Handler) done(w http.ResponseWriter, r *http.Request, err error, form map[string]string) {
	var es validate.Errors
	var re *RefusedError
	switch {
	case err == nil:
		web.Redirect(w, r, "/employers/"+r.PathValue("id")+"?ok=flash.saved")
	case errors.Is(err, store.ErrNotFound):
		web.Error(w, r, http.StatusNotFound, "error.not_found")
	case errors.As(err, &re):
		h.employerPage(w, r, web.Page{Errors: refusalErrors(re), Status: http.StatusConflict, Form: form})
	case errors.As(err, &es):
		h.employerPage(w, r, web.Page{Errors: es, Status: http.StatusUnprocessableEntity, Form: form})
	default:
		web.ServerError(w, r, err)
	}
}

func (h *Handler) update(w http.ResponseWriter, r *http.Request) {
	err := h.DB.InTx(r.Context(), func(tx *store.Tx) error {
		_, err := UpdateEmployer(r.Context(), tx, scope(r), r.PathValue("id"), employerInput(r))
		return err
	})
	h.done(w, r, err, postForm(r, employerFields...))
}

func (h *Handler) link(w http.ResponseWriter, r *http.Request) {
	err := h.DB.InTx(r.Context(), func(tx *store.Tx) error {
		return LinkAccount(r.Context(), tx, scope(r), r.PathValue("id"), r.PostFormValue("username"))
	})
	var form map[string]string
	if err != nil {
		form = postForm(r, "username")
	}
	h.done(w, r, err, form)
}

func (h *Handler) unlink(w http.ResponseWriter, r *http.Request) {
	err := h.DB.InTx(r.Context(), func(tx *store.Tx) error {
		return UnlinkAccount(r.Context(), tx, scope(r), r.PathValue("id"), r.PostFormValue("user_id"))
	})
	h.done(w, r, err, nil)
}

// ---- declarations (staff) ----

type declData struct {
	Employer    Employer
	Declaration Declaration
	Exists      bool
	Files       []File
	Preview     *Result // provisional calculation of a declaration not yet verified
	Actions     []Action
	Settings    Settings
	WindowFrom  string
	WindowTo    string
	Names       map[string]string
	Own         bool // the employer's own view
	Editable    bool
	Rows        []formRow
	RowErrors   map[int]map[string][]string
	Months      []int
	FileKinds   []string
	Base        string // URL of the declaration's pages
}

// formRow is one employee row of the declaration form.
type formRow struct {
	N                                 int
	IDNumber, CertificateNo, Months   string
	Contract, Insurance, Wage, Filled bool
}

// load gathers a declaration page: the employer's declaration for year,
// or an empty one to begin.
func (h *Handler) load(ctx context.Context, s area.Scope, e Employer, year int) (declData, error) {
	d := declData{Employer: e, Months: []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, FileKinds: FileKinds}
	set, err := LoadSettings(ctx, h.DB, year)
	if err != nil {
		return d, err
	}
	d.Settings = set
	d.WindowFrom, d.WindowTo = set.Window()
	decl, err := DeclarationFor(ctx, h.DB, s, e.ID, year)
	switch {
	case errors.Is(err, store.ErrNotFound):
		d.Declaration = Declaration{Year: year, Status: Draft, Headcounts: make([]int, 12), Result: StoredResult{Tier: TierNotDecided}}
	case err != nil:
		return d, err
	default:
		d.Exists, d.Declaration = true, decl
		if d.Files, err = Files(ctx, h.DB, decl.ID); err != nil {
			return d, err
		}
		if !decl.Status.Reviewed() && set.SocialAvgWageFen > 0 && decl.StaffSum() > 0 {
			res, err := Compute(ctx, h.DB, decl, set)
			if err != nil {
				return d, err
			}
			d.Preview = &res
		}
	}
	if d.Names, err = area.Names(ctx, h.DB); err != nil {
		return d, err
	}
	return d, nil
}

// formRows are the employee rows to show: those declared (or posted
// back) and blank ones to fill, more on request.
func formRows(r *http.Request, decl Declaration, posted bool) []formRow {
	var rows []formRow
	if posted {
		n, _ := strconv.Atoi(r.PostFormValue("rows"))
		for i := 1; i <= min(n, maxRows); i++ {
			k := func(f string) string { return r.PostFormValue(fmt.Sprintf("%s_%d", f, i)) }
			rows = append(rows, formRow{N: i, IDNumber: k("id_number"), CertificateNo: k("certificate_no"), Months: k("months"),
				Contract: k("contract") == "1", Insurance: k("insurance") == "1", Wage: k("wage") == "1"})
		}
	} else {
		for i, e := range decl.Employees {
			rows = append(rows, formRow{N: i + 1, IDNumber: e.IDNumber, CertificateNo: e.CertificateNo, Months: strconv.Itoa(e.Months),
				Contract: e.Contract, Insurance: e.Insurance, Wage: e.MinWage, Filled: true})
		}
	}
	extra := 3
	if r.PostFormValue("more") != "" {
		extra = 10
	}
	for i := 0; i < extra && len(rows) < maxRows; i++ {
		rows = append(rows, formRow{N: len(rows) + 1, Months: "12", Contract: true, Insurance: true, Wage: true})
	}
	return rows
}

// maxRows bounds the employee rows of one form.
const maxRows = 500

// declarationInput reads the declaration form.
func declarationInput(r *http.Request) DeclarationInput {
	in := DeclarationInput{AvgWage: r.PostFormValue("avg_wage"), Headcounts: make([]int, 12)}
	for i := range in.Headcounts {
		v := strings.TrimSpace(r.PostFormValue(fmt.Sprintf("month_%d", i+1)))
		n, err := strconv.Atoi(v)
		if err != nil {
			n = -1
		}
		in.Headcounts[i] = n
	}
	n, _ := strconv.Atoi(r.PostFormValue("rows"))
	for i := 1; i <= min(n, maxRows); i++ {
		k := func(f string) string { return r.PostFormValue(fmt.Sprintf("%s_%d", f, i)) }
		months, err := strconv.Atoi(strings.TrimSpace(k("months")))
		if err != nil {
			months = -1
		}
		in.Employees = append(in.Employees, EmployeeInput{IDNumber: k("id_number"), CertificateNo: k("certificate_no"), Months: months,
			Contract: k("contract") == "1", Insurance: k("insurance") == "1", Wage: k("wage") == "1"})
	}
	return in
}

// declarationForm are the posted figures to show again.
func declarationForm(r *http.Request) map[string]string {
	m := map[string]string{"avg_wage": r.PostFormValue("avg_wage")}
	for i := 1; i <= 12; i++ {
		k := fmt.Sprintf("month_%d", i)
		m[k] = r.PostFormValue(k)
	}
	return m
}

// formOf shows a stored declaration's figures in the form.
func formOf(d Declaration) map[string]string {
	m := map[string]string{}
	if d.AvgWageFen > 0 {
		m["avg_wage"] = YuanPlain(d.AvgWageFen)
	}
	if d.ID == "" {
		return m // a new form starts blank: a 0 in each month would have to be deleted before typing
	}
	for i, n := range d.Headcounts {
		m[fmt.Sprintf("month_%d", i+1)] = strconv.Itoa(n)
	}
	return m
}

// rowErrors sorts the row problems of es by row and field, for showing
// beside the inputs; the rows of the form are those the filer typed, in
// order, so a problem's row is the form's row.
func rowErrors(l i18n.Lang, es validate.Errors) map[int]map[string][]string {
	out := map[int]map[string][]string{}
	for _, e := range es {
		if e.Row == 0 {
			continue
		}
		if out[e.Row] == nil {
			out[e.Row] = map[string][]string{}
		}
		f := strings.TrimPrefix(e.Field, "levy.emp.")
		out[e.Row][f] = append(out[e.Row][f], i18n.T(l, e.Key, e.Args...))
	}
	return out
}

func (h *Handler) staffEmployer(w http.ResponseWriter, r *http.Request) (Employer, int, bool) {
	e, err := GetEmployer(r.Context(), h.DB, scope(r), r.PathValue("id"))
	year, ok := h.yearOf(r.PathValue("year"))
	if errors.Is(err, store.ErrNotFound) || !ok {
		web.Error(w, r, http.StatusNotFound, "error.not_found")
		return e, 0, false
	}
	if err != nil {
		web.ServerError(w, r, err)
		return e, 0, false
	}
	return e, year, true
}

func (h *Handler) declarationPage(w http.ResponseWriter, r *http.Request, page web.Page, edit bool) {
	e, year, ok := h.staffEmployer(w, r)
	if !ok {
		return
	}
	d, err := h.load(r.Context(), scope(r), e, year)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	d.Base = fmt.Sprintf("/employers/%s/years/%d", e.ID, year)
	d.Editable = d.Declaration.Status.Editable() && auth.From(r.Context()).Can(auth.PermLevyReview)
	if d.Exists {
		d.Actions = Allowed(d.Declaration.Status, auth.PermLevyReview)
	}
	if edit && !d.Editable {
		web.Redirect(w, r, d.Base)
		return
	}
	posted := page.Errors != nil
	d.Rows = formRows(r, d.Declaration, posted && r.PostFormValue("rows") != "")
	d.RowErrors = rowErrors(lang(r), page.Errors)
	if page.Form == nil {
		page.Form = formOf(d.Declaration)
	}
	name := "declaration"
	title := "levy.decl.title"
	if edit {
		name, title = "declaration_form", "levy.decl.counter"
	}
	page.Title, page.Section, page.Data = title, "employment", d
	page.Crumbs = crumbs(r, web.Crumb{Label: i18n.T(lang(r), "levy.employers"), Href: "/employers"}, web.Crumb{Label: e.Name, Href: "/employers/" + e.ID},
		web.Crumb{Label: i18n.T(lang(r), "levy.decl.year_label", year)})
	web.Render(w, r, pages, name, page)
}

func (h *Handler) declaration(w http.ResponseWriter, r *http.Request) {
	h.declarationPage(w, r, web.Page{}, false)
}

func (h *Handler) counterForm(w http.ResponseWriter, r *http.Request) {
	h.declarationPage(w, r, web.Page{}, true)
}

// declDone answers a post on a staff declaration page.
func (h *Handler) declDone(w http.ResponseWriter, r *http.Request, err error, edit bool, form map[string]string) {
	var es validate.Errors
	var re *RefusedError
	base := "/employers/" + r.PathValue("id") + "/years/" + r.PathValue("year")
	switch {
	case err == nil:
		web.Redirect(w, r, base+"?ok=flash.saved")
	case errors.Is(err, store.ErrNotFound):
		web.Error(w, r, http.StatusNotFound, "error.not_found")
	case errors.As(err, &re):
		h.declarationPage(w, r, web.Page{Errors: refusalErrors(re), Status: http.StatusConflict, Form: form}, edit)
	case errors.As(err, &es):
		h.declarationPage(w, r, web.Page{Errors: es, Status: http.StatusUnprocessableEntity, Form: form}, edit)
	default:
		web.ServerError(w, r, err)
	}
}

func (h *Handler) counterSave(w http.ResponseWriter, r *http.Request) {
	e, year, ok := h.staffEmployer(w, r)
	if !ok {
		return
	}
	if r.PostFormValue("more") != "" {
		h.declarationPage(w, r, web.Page{Errors: validate.Errors{}, Form: declarationForm(r)}, true)
		return
	}
	err := h.DB.InTx(r.Context(), func(tx *store.Tx) error {
		d, err := SaveDeclaration(r.Context(), tx, scope(r), Filer{Perm: auth.PermLevyReview}, e.ID, year, declarationInput(r), h.today())
		if err == nil && r.PostFormValue("submit") != "" {
			_, err = Advance(r.Context(), tx, scope(r), auth.PermLevyReview, d.ID, ActSubmit, "", h.today())
		}
		return err
	})
	h.declDone(w, r, err, true, declarationForm(r))
}

func (h *Handler) action(w http.ResponseWriter, r *http.Request) {
	e, year, ok := h.staffEmployer(w, r)
	if !ok {
		return
	}
	err := h.DB.InTx(r.Context(), func(tx *store.Tx) error {
		d, err := DeclarationFor(r.Context(), tx, scope(r), e.ID, year)
		if err != nil {
			return err
		}
		_, err = Advance(r.Context(), tx, scope(r), auth.PermLevyReview, d.ID, Action(r.PostFormValue("action")), r.PostFormValue("reason"), h.today())
		return err
	})
	h.declDone(w, r, err, false, postForm(r, "reason"))
}

// upload reads the posted proof, size-limited before it is read whole.
func upload(w http.ResponseWriter, r *http.Request) (string, []byte, error) {
	r.Body = http.MaxBytesReader(w, r.Body, MaxFileSize+64<<10)
	f, _, err := r.FormFile("file")
	if errors.Is(err, http.ErrMissingFile) {
		return r.FormValue("kind"), nil, nil
	}
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return r.FormValue("kind"), nil, validate.Errors{{Field: "levy.file", Key: "levy.error.file_size", Args: []any{MaxFileSize >> 20}}}
	}
	if err != nil {
		// Not a file upload at all (a form posted without its file part, a
		// script's plain post): the user's error, not the server's.
		return "", nil, validate.Errors{{Field: "levy.file", Key: "levy.error.file_missing"}}
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	return r.FormValue("kind"), data, err
}

func (h *Handler) counterUpload(w http.ResponseWriter, r *http.Request) {
	e, year, ok := h.staffEmployer(w, r)
	if !ok {
		return
	}
	kind, data, err := upload(w, r)
	if err == nil {
		err = h.DB.InTx(r.Context(), func(tx *store.Tx) error {
			d, err := DeclarationFor(r.Context(), tx, scope(r), e.ID, year)
			if err != nil {
				return err
			}
			_, err = AttachFile(r.Context(), tx, scope(r), h.DataDir, d.ID, kind, data)
			return err
		})
	}
	h.declDone(w, r, err, false, nil)
}

func serveFile(w http.ResponseWriter, f File, data []byte) {
	w.Header().Set("Content-Type", f.Mime)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "private, no-store")
	ext := map[string]string{"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}[f.Mime]
	w.Header().Set("Content-Disposition", `attachment; filename="`+f.Kind+"-"+f.ID[:8]+ext+`"`)
	_, _ = w.Write(data)
}

func (h *Handler) staffFile(w http.ResponseWriter, r *http.Request) {
	e, year, ok := h.staffEmployer(w, r)
	if !ok {
		return
	}
	d, err := DeclarationFor(r.Context(), h.DB, scope(r), e.ID, year)
	if err == nil {
		var f File
		var data []byte
		if f, data, err = ReadFile(r.Context(), h.DB, scope(r), h.DataDir, d.ID, r.PathValue("fid")); err == nil {
			serveFile(w, f, data)
			return
		}
	}
	if errors.Is(err, store.ErrNotFound) {
		web.Error(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	web.ServerError(w, r, err)
}

type resultData struct {
	Employer    Employer
	Declaration Declaration
	Names       map[string]string
	TierText    string
	Back        string
}

func (h *Handler) resultPage(w http.ResponseWriter, r *http.Request, s area.Scope, e Employer, year int, back string) {
	d, err := DeclarationFor(r.Context(), h.DB, s, e.ID, year)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !d.Status.Reviewed()) {
		web.Error(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	names, err := area.Names(r.Context(), h.DB)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	web.Render(w, r, pages, "result", web.Page{Title: "levy.result.title", Section: "employment",
		Crumbs: []web.Crumb{{Label: e.Name, Href: back}, {Label: i18n.T(lang(r), "levy.result.title")}},
		Data:   resultData{Employer: e, Declaration: d, Names: names, TierText: i18n.T(lang(r), "levy.tier."+string(d.Result.Tier)), Back: back}})
}

func (h *Handler) staffResult(w http.ResponseWriter, r *http.Request) {
	e, year, ok := h.staffEmployer(w, r)
	if !ok {
		return
	}
	h.resultPage(w, r, scope(r), e, year, fmt.Sprintf("/employers/%s/years/%d", e.ID, year))
}

// ---- review, lists, export, settings ----

type reviewData struct {
	Year       int
	Stats      Stats
	Rows       []Row
	Duplicates []Duplicate
	Statuses   []Status
	Settings   Settings
	Closed     bool
	Names      map[string]string
}

func (h *Handler) review(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	year, ok := h.yearOf(r.URL.Query().Get("year"))
	if !ok {
		web.Error(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	status := Status(r.URL.Query().Get("status"))
	d := reviewData{Year: year, Statuses: Statuses}
	var err error
	if d.Stats, err = Figures(ctx, h.DB, year); err == nil {
		if d.Rows, err = ListDeclarations(ctx, h.DB, scope(r), year, status); err == nil {
			if d.Duplicates, err = Duplicates(ctx, h.DB, scope(r), year); err == nil {
				if d.Settings, err = LoadSettings(ctx, h.DB, year); err == nil {
					d.Names, err = area.Names(ctx, h.DB)
				}
			}
		}
	}
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	d.Closed = d.Settings.WindowClosed(h.today())
	web.Render(w, r, pages, "review", web.Page{Title: "levy.review.title", Section: "employment", Crumbs: crumbs(r, web.Crumb{Label: i18n.T(lang(r), "levy.review.title")}),
		Data: d, Form: map[string]string{"year": strconv.Itoa(year), "status": string(status)}})
}

type notDeclaredData struct {
	Year   int
	Closed bool
	Units  []Undeclared
	Names  map[string]string
	Levy   map[string]string // employer id → amount due when known
}

func (h *Handler) notDeclared(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	year, ok := h.yearOf(r.URL.Query().Get("year"))
	if !ok {
		web.Error(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	d := notDeclaredData{Year: year, Levy: map[string]string{}}
	set, err := LoadSettings(ctx, h.DB, year)
	if err == nil {
		if d.Units, err = NotDeclared(ctx, h.DB, scope(r), year); err == nil {
			d.Names, err = area.Names(ctx, h.DB)
		}
	}
	for _, u := range d.Units {
		if err != nil {
			break
		}
		var res Result
		var known bool
		if res, known, err = LevyNotDeclared(ctx, h.DB, u, set); known {
			d.Levy[u.ID] = Yuan(res.AmountFen)
		}
	}
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	d.Closed = set.WindowClosed(h.today())
	web.Render(w, r, pages, "not_declared", web.Page{Title: "levy.not_declared.title", Section: "employment",
		Crumbs: crumbs(r, web.Crumb{Label: i18n.T(lang(r), "levy.review.title"), Href: "/employers/review?year=" + strconv.Itoa(year)}, web.Crumb{Label: i18n.T(lang(r), "levy.not_declared.title")}),
		Data:   d, Form: map[string]string{"year": strconv.Itoa(year)}})
}

func (h *Handler) export(w http.ResponseWriter, r *http.Request) {
	year, ok := h.yearOf(r.URL.Query().Get("year"))
	if !ok {
		web.Error(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	rows, err := ExportRows(r.Context(), h.DB, scope(r), year, h.today())
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="levy-%d.xlsx"`, year))
	w.Header().Set("Cache-Control", "private, no-store")
	if err := WriteExport(w, year, rows); err != nil {
		web.ServerError(w, r, err)
	}
}

type settingsData struct {
	Year int
	Defs []settings.Def
}

func (h *Handler) settingsPage(w http.ResponseWriter, r *http.Request, year int, page web.Page) {
	if page.Form == nil {
		vals, err := SettingValues(r.Context(), h.DB, year)
		if err != nil {
			web.ServerError(w, r, err)
			return
		}
		page.Form = vals
	}
	page.Form["year"] = strconv.Itoa(year)
	page.Title, page.Section, page.Data = "levy.settings", "employment", settingsData{Year: year, Defs: SettingDefs}
	page.Crumbs = crumbs(r, web.Crumb{Label: i18n.T(lang(r), "levy.settings")})
	web.Render(w, r, pages, "settings", page)
}

func (h *Handler) settings(w http.ResponseWriter, r *http.Request) {
	year, ok := h.yearOf(r.URL.Query().Get("year"))
	if !ok {
		web.Error(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	h.settingsPage(w, r, year, web.Page{})
}

func (h *Handler) saveSettings(w http.ResponseWriter, r *http.Request) {
	year, ok := h.yearOf(r.PostFormValue("year"))
	if !ok {
		web.Error(w, r, http.StatusBadRequest, "error.bad_request")
		return
	}
	in := map[string]string{}
	for _, d := range SettingDefs {
		v := r.PostFormValue(d.Key)
		if d.Kind == settings.KindBool && v == "" {
			v = "0" // an unticked box is not sent
		}
		in[d.Key] = v
	}
	err := h.DB.InTx(r.Context(), func(tx *store.Tx) error { return SaveSettings(r.Context(), tx, year, in) })
	var es validate.Errors
	switch {
	case errors.As(err, &es):
		h.settingsPage(w, r, year, web.Page{Errors: es, Status: http.StatusUnprocessableEntity, Form: in})
	case err != nil:
		web.ServerError(w, r, err)
	default:
		web.Redirect(w, r, "/employers/settings?year="+strconv.Itoa(year)+"&ok=flash.saved")
	}
}
