package registry

import (
	"context"
	"embed"
	"errors"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/auth"
	"github.com/yangguang-cdpf/yangguang/internal/i18n"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/validate"
	"github.com/yangguang-cdpf/yangguang/internal/web"
)

//go:embed templates/*.html
var templates embed.FS

var pages = web.ParsePages(templates, "templates/*.html")

// Handler serves the registry pages and its JSON API. Every query takes the
// caller's scope from auth.From.
type Handler struct {
	DB *store.DB
}

// Routes registers the registry pages and API.
func (h *Handler) Routes(rt *web.Router) {
	rt.Page("GET /registry", auth.PermRegistryRead, h.search)
	rt.Page("POST /registry/filters", auth.PermRegistryRead, h.saveFilter)
	rt.Page("POST /registry/filters/{id}/delete", auth.PermRegistryRead, h.deleteFilter)
	rt.Page("GET /registry/persons/new", auth.PermRegistryWrite, h.newForm)
	rt.Page("POST /registry/persons", auth.PermRegistryWrite, h.create)
	rt.Page("GET /registry/persons/{id}", auth.PermRegistryRead, h.person)
	rt.Page("POST /registry/persons/{id}/unmask", auth.PermRegistryUnmask, h.unmask)
	rt.Page("GET /registry/persons/{id}/edit", auth.PermRegistryWrite, h.editForm)
	rt.Page("POST /registry/persons/{id}/edit", auth.PermRegistryWrite, h.edit)
	rt.Page("GET /registry/persons/{id}/event", auth.PermRegistryWrite, h.eventForm)
	rt.Page("POST /registry/persons/{id}/events", auth.PermRegistryWrite, h.event)
	rt.Page("GET /registry/persons/{id}/photo", auth.PermRegistryRead, h.photo)
	rt.Page("POST /registry/persons/{id}/photo", auth.PermRegistryWrite, h.uploadPhoto)
	rt.Page("GET /registry/duplicates", auth.PermRegistryWrite, h.duplicates)
	rt.Page("POST /registry/duplicates/merge", auth.PermRegistryWrite, h.merge)
	rt.Page("POST /registry/duplicates/dismiss", auth.PermRegistryWrite, h.dismiss)
	rt.API("GET /api/v1/persons", auth.PermRegistryRead, h.apiList)
	rt.API("GET /api/v1/persons/{id}", auth.PermRegistryRead, h.apiGet)
	rt.API("POST /api/v1/persons", auth.PermRegistryWrite, h.apiCreate)
	rt.API("PUT /api/v1/persons/{id}", auth.PermRegistryWrite, h.apiUpdate)
	rt.API("GET /api/v1/persons/{id}/events", auth.PermRegistryRead, h.apiEvents)
	rt.API("POST /api/v1/persons/{id}/events", auth.PermRegistryWrite, h.apiEvent)
}

// pageSize is how many persons a page of search results shows.
const pageSize = 50

func scope(r *http.Request) area.Scope { return auth.From(r.Context()).Scope }

// mayUnmask reports whether the caller may see full ID numbers and phones.
func mayUnmask(r *http.Request) bool { return auth.From(r.Context()).Can(auth.PermRegistryUnmask) }

func crumbs(r *http.Request, label string) []web.Crumb {
	l := web.PrefsFrom(r).Lang
	return []web.Crumb{{Label: i18n.T(l, "nav.registry"), Href: "/registry"}, {Label: label}}
}

// localTime shows a stored instant in the server's time zone (the county's).
func localTime(s string) string {
	t, err := store.ParseTime(s)
	if err != nil {
		return s
	}
	return t.Local().Format("2006-01-02 15:04")
}

// ---- search ----

// searchPage returns one page of at most limit persons and the after value
// of the next page ("" on the last), asking for one more to know.
func searchPage(ctx context.Context, q store.Querier, s area.Scope, f Filter, limit int) ([]Person, string, error) {
	f.Limit = limit + 1
	items, err := Search(ctx, q, s, f)
	if err != nil || len(items) <= limit {
		return items, "", err
	}
	return items[:limit], f.Cursor(items[limit-1]), nil
}

type searchData struct {
	Persons []Person      // masked
	Rows    template.HTML // Persons as the result table's rows (resultRows)
	Today   time.Time
	Names   map[string]string // area code → name
	Areas   []area.Area       // townships and villages to narrow to
	// AreaOptions is Areas as the filter's options, written here as HTML:
	// a template range over ~300 areas, escaping three values per option
	// through reflection, cost more than the query behind the page.
	AreaOptions template.HTML
	ShowSummary bool     // counts by category of the area browsed (not for a text search)
	Programmes  []string // programme codes to filter by (holders of a granted case)
	Counts      map[Category]int
	Total       int
	Categories  []Category
	Grades      []Grade
	Statuses    []Status
	Sorts       []string
	Saved       []SavedFilter
	Query       string // the search's query string, for saving and exporting
	FirstHref   string // back to the first page, when on a later one
	NextHref    string
	FilterError bool
}

// filterFields are the search form's inputs; a refused value is shown
// again as typed.
var filterFields = []string{"q", "area", "category", "grade", "sex", "age_from", "age_to", "status", "expires_before", "expired",
	"dibao", "tekun", "poverty", "programme", "sort", "order"}

func (h *Handler) search(w http.ResponseWriter, r *http.Request) {
	h.searchWith(w, r, nil, 0)
}

// writeOption writes one <option> of a select, its value and label
// escaped as html/template would.
func writeOption(b *strings.Builder, value, label string, selected bool) {
	b.WriteString(`<option value="`)
	b.WriteString(template.HTMLEscapeString(value))
	b.WriteString(`"`)
	if selected {
		b.WriteString(" selected")
	}
	b.WriteString(">")
	b.WriteString(template.HTMLEscapeString(label))
	b.WriteString("</option>\n")
}

// searchWith renders the search page; es are the problems of a refused
// saved-filter form.
func (h *Handler) searchWith(w http.ResponseWriter, r *http.Request, es validate.Errors, status int) {
	ctx := r.Context()
	s := scope(r)
	q := r.URL.Query()
	f, ferr := ParseFilter(q)
	d := searchData{Today: time.Now(), Categories: Categories, Grades: Grades, Statuses: Statuses, Sorts: Sorts, Counts: map[Category]int{},
		Programmes: ListedProgrammes()}
	form := map[string]string{}
	for _, k := range filterFields {
		form[k] = q.Get(k)
	}
	if len(ferr) > 0 {
		// A refused filter lists nobody rather than more than was asked.
		es, status, d.FilterError = append(es, ferr...), http.StatusUnprocessableEntity, true
	} else {
		persons, next, err := searchPage(ctx, h.DB, s, f, pageSize)
		if err != nil {
			web.ServerError(w, r, err)
			return
		}
		for _, p := range persons {
			d.Persons = append(d.Persons, p.Masked())
		}
		d.Query = f.Values().Encode()
		if next != "" {
			v := f.Values()
			v.Set("after", next)
			d.NextHref = "/registry?" + v.Encode()
		}
		if f.After != "" {
			d.FirstHref = "/registry?" + d.Query
		}
	}
	// The summary counts the area the search is narrowed to; a search for
	// someone by name, number or phone does not need it.
	var err error
	d.ShowSummary = f.Query == ""
	if cs, ok := narrow(s, f.AreaCode); ok && d.ShowSummary {
		if d.Counts, d.Total, err = CountByCategory(ctx, h.DB, cs); err != nil {
			web.ServerError(w, r, err)
			return
		}
	}
	if d.Saved, err = SavedFilters(ctx, h.DB, auth.From(ctx).ID); err != nil {
		web.ServerError(w, r, err)
		return
	}
	// Every person listed lives inside the scope, so its areas name them.
	all, err := area.InScope(ctx, h.DB, s)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	d.Names = make(map[string]string, len(all))
	var opts strings.Builder
	for _, a := range all {
		d.Names[a.Code] = a.Name
		if a.Level == area.Township || a.Level == area.Village {
			d.Areas = append(d.Areas, a)
			label := a.Name
			if a.Level == area.Village {
				label = "· " + a.Name
			}
			writeOption(&opts, a.Code, label, a.Code == form["area"])
		}
	}
	d.AreaOptions = template.HTML(opts.String()) //nolint:gosec // every value escaped by writeOption
	if es != nil {
		form["filter_name"] = r.PostFormValue("name")
	}
	d.Rows = resultRows(web.PrefsFrom(r).Lang, d.Persons, d.Names, d.Today)
	web.Render(w, r, pages, "search", web.Page{Title: "registry.title", Section: "registry", Data: d, Form: form, Errors: es, Status: status})
}

func (h *Handler) saveFilter(w http.ResponseWriter, r *http.Request) {
	query := r.PostFormValue("query")
	// The page re-renders the search being saved.
	r.URL.RawQuery = query
	var es validate.Errors
	var saved SavedFilter
	err := h.DB.InTx(r.Context(), func(tx *store.Tx) (err error) {
		saved, err = SaveFilter(r.Context(), tx, auth.From(r.Context()).ID, r.PostFormValue("name"), query)
		return err
	})
	if errors.As(err, &es) {
		h.searchWith(w, r, es, http.StatusUnprocessableEntity)
		return
	}
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	// The saved query, as re-encoded: the posted one is raw text and
	// must not reach the Location header.
	web.Redirect(w, r, "/registry?"+saved.Query)
}

func (h *Handler) deleteFilter(w http.ResponseWriter, r *http.Request) {
	err := h.DB.InTx(r.Context(), func(tx *store.Tx) error {
		return DeleteSavedFilter(r.Context(), tx, auth.From(r.Context()).ID, r.PathValue("id"))
	})
	if errors.Is(err, store.ErrNotFound) {
		web.Error(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	web.Redirect(w, r, "/registry")
}

// ---- one person ----

type personData struct {
	Person   Person        // masked unless Unmasked
	IDNumber template.HTML // breakable, see breakable
	CertNo   template.HTML
	Phone    string
	Guardian string // guardian's phone
	Unmasked bool
	Today    time.Time
	Village  string
	Township string
	// Residence is the residence village with its township, "" when the
	// same as the household's.
	Residence  string
	Components []string // translated, e.g. 听力残疾三级
	Expired    bool
	Created    string
	Updated    string
	History    []historyRow
	Kinds      []Change
	HasPhoto   bool
	// MergedInto is the id of the person this record was merged into.
	MergedInto string
}

type historyRow struct {
	At            string
	Actor         string
	Change        string // translated
	Reason        string
	EffectiveDate string
	Source        string
	Details       []string // one line per changed field, translated
	// FromMerged names the merged record an entry came from ("" for the
	// person's own); FromID is its id.
	FromMerged, FromID string
	// OtherID is the record a merge entry names: the one merged in, or
	// the one merged into.
	OtherID string
}

func (h *Handler) person(w http.ResponseWriter, r *http.Request) {
	h.personPage(w, r, false, web.Page{})
}

// unmask shows the person page with full ID number and phones, and
// records who saw them.
func (h *Handler) unmask(w http.ResponseWriter, r *http.Request) {
	h.personPage(w, r, true, web.Page{})
}

// personPage renders the person page; page carries the errors and status
// of a refused photo upload.
func (h *Handler) personPage(w http.ResponseWriter, r *http.Request, unmasked bool, page web.Page) {
	ctx := r.Context()
	s := scope(r)
	p, err := Get(ctx, h.DB, s, r.PathValue("id"))
	if errors.Is(err, store.ErrNotFound) {
		web.Error(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	hist, err := Timeline(ctx, h.DB, s, p.ID)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	hasPhoto, err := HasPhoto(ctx, h.DB, p.ID)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	mergedInto := ""
	if p.Status == StatusMerged {
		if mergedInto, err = MergedInto(ctx, h.DB, p.ID); err != nil {
			web.ServerError(w, r, err)
			return
		}
	}
	names, err := area.Names(ctx, h.DB)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	action := ActionView
	if unmasked {
		action = ActionUnmask
	}
	if err := audit.RecordAlone(ctx, h.DB, audit.Entry{Action: action, ObjectType: "person", ObjectID: p.ID, AreaCode: p.VillageCode}); err != nil {
		web.ServerError(w, r, err)
		return
	}
	l := web.PrefsFrom(r).Lang
	shown := p
	if !unmasked {
		shown = p.Masked()
	}
	d := personData{Person: shown, IDNumber: breakable(shown.IDNumber), CertNo: breakable(shown.CertificateNo),
		Phone: FormatPhone(shown.Phone), Guardian: FormatPhone(shown.GuardianPhone), Unmasked: unmasked,
		Today: time.Now(), Village: names[p.VillageCode], Township: names[area.ParentOf(p.VillageCode)],
		Expired: p.CertificateExpired(time.Now()), Created: localTime(p.CreatedAt), Updated: localTime(p.UpdatedAt), Kinds: EventKinds,
		HasPhoto: hasPhoto, MergedInto: mergedInto}
	if p.ResidenceVillageCode != "" {
		d.Residence = names[area.ParentOf(p.ResidenceVillageCode)] + " " + names[p.ResidenceVillageCode]
	}
	for _, c := range p.Components {
		d.Components = append(d.Components, i18n.T(l, c.Category.MessageKey())+i18n.T(l, c.Grade.MessageKey()))
	}
	for _, e := range hist {
		row := historyRow{At: localTime(e.At), Actor: e.Actor, Change: i18n.T(l, "person.change."+string(e.Change)),
			Reason: e.Reason, EffectiveDate: e.EffectiveDate, Source: e.Source, FromMerged: e.FromMerged, FromID: e.FromID}
		if e.Change == ChangeMerge || e.Change == ChangeMerged {
			row.OtherID, row.Source = e.Source, "" // the other record's id: a link, not a source
		}
		for _, c := range e.Changes() {
			row.Details = append(row.Details, i18n.T(l, "person.changed_from_to", i18n.T(l, c.Field),
				fieldValue(l, names, c.Field, c.Before, unmasked), fieldValue(l, names, c.Field, c.After, unmasked)))
		}
		d.History = append(d.History, row)
	}
	page.Title, page.Section, page.Crumbs, page.Data = "registry.person", "registry", crumbs(r, p.Name), d
	web.Render(w, r, pages, "person", page)
}

// ---- photo ----

// photo serves a person's photo inside the caller's scope. Fetching it is
// not audited on its own: the person page that shows it already is.
func (h *Handler) photo(w http.ResponseWriter, r *http.Request) {
	ph, err := GetPhoto(r.Context(), h.DB, scope(r), r.PathValue("id"))
	if errors.Is(err, store.ErrNotFound) {
		web.Error(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", ph.ContentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(ph.Data)))
	_, _ = w.Write(ph.Data)
}

// uploadPhoto stores a new photo; a refused file shows the person page
// again with the reason beside the file field.
func (h *Handler) uploadPhoto(w http.ResponseWriter, r *http.Request) {
	p, ok := h.getOr404(w, r)
	if !ok {
		return
	}
	var ph Photo
	file, _, err := r.FormFile("photo")
	if err == nil {
		defer file.Close()
		ph, err = CheckPhoto(file)
	} else {
		err = validate.Errors{{Field: photoField, Key: "person.error.photo_empty"}}
	}
	if err == nil {
		err = h.DB.InTx(r.Context(), func(tx *store.Tx) error {
			_, err := SavePhoto(r.Context(), tx, scope(r), p.ID, ph)
			return err
		})
	}
	var es validate.Errors
	if errors.As(err, &es) {
		h.personPage(w, r, false, web.Page{Errors: es, Status: http.StatusUnprocessableEntity})
		return
	}
	if errors.Is(err, store.ErrNotFound) {
		web.Error(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	web.Redirect(w, r, "/registry/persons/"+p.ID+"?ok=flash.saved#photo")
}

// breakable lets an ID or certificate number wrap between its area code,
// birth date and the rest on a narrow screen (WCAG 1.4.10 Reflow), without
// changing what is copied or read out.
func breakable(n string) template.HTML {
	esc := template.HTMLEscapeString
	if len(n) < 14 {
		return template.HTML(esc(n))
	}
	return template.HTML(esc(n[:6]) + "<wbr>" + esc(n[6:14]) + "<wbr>" + esc(n[14:]))
}

// auditView records that someone read a person's full record: disability
// data is sensitive personal information, whose every access is logged.
func (h *Handler) auditView(r *http.Request, p Person, unmasked bool) error {
	action := ActionView
	if unmasked {
		action = ActionUnmask
	}
	return audit.RecordAlone(r.Context(), h.DB, audit.Entry{Action: action, ObjectType: "person", ObjectID: p.ID, AreaCode: p.VillageCode})
}

// fieldValue shows a stored value of a history field in language l;
// numbers are masked unless the viewer asked for them.
func fieldValue(l i18n.Lang, names map[string]string, field, v string, unmasked bool) string {
	n, _ := strconv.Atoi(v)
	switch field {
	case "person.village", "person.residence_village":
		if name, ok := names[v]; ok {
			return name
		}
	case "person.category":
		return i18n.T(l, Category(n).MessageKey())
	case "person.grade":
		return i18n.T(l, Grade(n).MessageKey())
	case "person.status":
		return i18n.T(l, "person.status."+v)
	case "person.components":
		var parts []string
		for _, c := range parseComponentsText(v) {
			parts = append(parts, i18n.T(l, c.Category.MessageKey())+i18n.T(l, c.Grade.MessageKey()))
		}
		return strings.Join(parts, "、")
	case "person.education", "person.employment", "person.marital":
		if v != "" {
			return i18n.T(l, field+"."+v)
		}
	case "person.dibao", "person.tekun", "person.poverty_registered", "person.medical_insurance", "person.pension_insurance":
		if v == "true" {
			return i18n.T(l, "person.yes")
		}
		return i18n.T(l, "person.no")
	case "person.phone", "person.guardian_phone":
		if !unmasked {
			return MaskPhone(v)
		}
		return FormatPhone(v)
	case "person.certificate_no":
		if !unmasked {
			return MaskIDNumber(v)
		}
	}
	return v
}

// parseComponentsText reads what ComponentsText wrote.
func parseComponentsText(s string) []Component {
	var out []Component
	for part := range strings.SplitSeq(s, ",") {
		c, g, ok := strings.Cut(part, ":")
		if !ok {
			continue
		}
		ci, _ := strconv.Atoi(c)
		gi, _ := strconv.Atoi(g)
		out = append(out, Component{Category: Category(ci), Grade: Grade(gi)})
	}
	return out
}

// ---- forms: register and edit ----

type formData struct {
	Groups     []villageGroup
	Categories []Category
	Grades     []Grade
	Components []Category          // the categories a 多重 disability combines
	Codes      map[string][]string // education, employment, marital → their codes
	// DuplicateOf is the person already registered with the ID number
	// entered, when the viewer may open that person.
	DuplicateOf string
	// Person is the person being edited (masked), nil when registering.
	Person *Person
}

// villageGroup is the villages of one township, for an <optgroup>.
type villageGroup struct {
	Code, Name string
	Villages   []area.Area
}

// villageGroups lists the villages inside s by township.
func villageGroups(ctx context.Context, q store.Querier, s area.Scope) ([]villageGroup, error) {
	all, err := area.InScope(ctx, q, s)
	if err != nil {
		return nil, err
	}
	names, err := area.Names(ctx, q)
	if err != nil {
		return nil, err
	}
	var groups []villageGroup
	for _, a := range all { // in code order, so a township's villages are adjacent
		if a.Level != area.Village {
			continue
		}
		if n := len(groups); n == 0 || groups[n-1].Code != a.ParentCode {
			groups = append(groups, villageGroup{Code: a.ParentCode, Name: names[a.ParentCode]})
		}
		g := &groups[len(groups)-1]
		g.Villages = append(g.Villages, a)
	}
	return groups, nil
}

func (h *Handler) formPage(w http.ResponseWriter, r *http.Request, page web.Page, duplicateOf string, editing *Person) {
	groups, err := villageGroups(r.Context(), h.DB, scope(r))
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	d := formData{Groups: groups, Categories: Categories, Grades: Grades, Components: Categories[:6],
		Codes: map[string][]string{"education": Educations, "employment": Employments, "marital": Maritals}, DuplicateOf: duplicateOf, Person: editing}
	l := web.PrefsFrom(r).Lang
	page.Title, page.Section, page.Data = "registry.new", "registry", d
	page.Crumbs = crumbs(r, i18n.T(l, "registry.new"))
	if editing != nil {
		page.Title = "registry.edit"
		page.Crumbs = []web.Crumb{{Label: i18n.T(l, "nav.registry"), Href: "/registry"},
			{Label: editing.Name, Href: "/registry/persons/" + editing.ID}, {Label: i18n.T(l, "registry.edit")}}
	}
	web.Render(w, r, pages, "person_form", page)
}

// personFormFields are the inputs of the register and edit forms besides
// the components (comp_1 … comp_6) and the flags.
var personFormFields = []string{"id_number", "name", "village_code", "category", "grade", "residence_village_code",
	"household_address", "residence_address", "phone", "guardian_name", "guardian_relation", "guardian_phone",
	"education", "employment", "marital", "certificate_issued_on", "reason", "version"}

// personFlags are the checkboxes of the form, with the field they set.
var personFlags = []string{"dibao", "tekun", "poverty_registered", "medical_insurance", "pension_insurance"}

// readPersonForm reads the register or edit form, and the values to show
// again if it is refused.
func readPersonForm(r *http.Request) (NewPerson, map[string]string) {
	form := map[string]string{}
	for _, k := range personFormFields {
		form[k] = r.PostFormValue(k)
	}
	flag := func(k string) bool {
		on := r.PostFormValue(k) != ""
		if on {
			form[k] = "1"
		}
		return on
	}
	c, _ := strconv.Atoi(form["category"])
	g, _ := strconv.Atoi(form["grade"])
	n := NewPerson{IDNumber: form["id_number"], Name: form["name"], VillageCode: form["village_code"], Category: Category(c), Grade: Grade(g),
		ResidenceVillageCode: form["residence_village_code"], HouseholdAddress: form["household_address"], ResidenceAddress: form["residence_address"],
		Phone: form["phone"], GuardianName: form["guardian_name"], GuardianRelation: form["guardian_relation"], GuardianPhone: form["guardian_phone"],
		Education: form["education"], Employment: form["employment"], Marital: form["marital"], CertificateIssuedOn: form["certificate_issued_on"]}
	n.Dibao, n.Tekun, n.PovertyRegistered = flag("dibao"), flag("tekun"), flag("poverty_registered")
	n.MedicalInsurance, n.PensionInsurance = flag("medical_insurance"), flag("pension_insurance")
	for _, cat := range Categories[:6] {
		k := "comp_" + strconv.Itoa(int(cat))
		form[k] = r.PostFormValue(k)
		if g, err := strconv.Atoi(form[k]); err == nil && g != 0 {
			n.Components = append(n.Components, Component{Category: cat, Grade: Grade(g)})
		}
	}
	return n, form
}

// personForm is the form's values for a stored person (masked phones for
// a viewer who may not see them).
func personForm(p Person, masked bool) map[string]string {
	form := map[string]string{"name": p.Name, "village_code": p.VillageCode, "category": strconv.Itoa(int(p.Category)),
		"grade": strconv.Itoa(int(p.Grade)), "residence_village_code": p.ResidenceVillageCode,
		"household_address": p.HouseholdAddress, "residence_address": p.ResidenceAddress,
		"phone": p.Phone, "guardian_name": p.GuardianName, "guardian_relation": p.GuardianRelation, "guardian_phone": p.GuardianPhone,
		"education": p.Education, "employment": p.Employment, "marital": p.Marital, "certificate_issued_on": p.CertificateIssuedOn,
		"version": strconv.Itoa(p.Version)}
	if masked {
		form["phone"], form["guardian_phone"] = MaskPhone(p.Phone), MaskPhone(p.GuardianPhone)
	}
	for k, on := range map[string]bool{"dibao": p.Dibao, "tekun": p.Tekun, "poverty_registered": p.PovertyRegistered,
		"medical_insurance": p.MedicalInsurance, "pension_insurance": p.PensionInsurance} {
		if on {
			form[k] = "1"
		}
	}
	for _, c := range p.Components {
		form["comp_"+strconv.Itoa(int(c.Category))] = strconv.Itoa(int(c.Grade))
	}
	return form
}

func (h *Handler) newForm(w http.ResponseWriter, r *http.Request) {
	h.formPage(w, r, web.Page{}, "", nil)
}

func (h *Handler) create(w http.ResponseWriter, r *http.Request) {
	n, form := readPersonForm(r)
	var created Person
	err := h.DB.InTx(r.Context(), func(tx *store.Tx) (err error) {
		created, err = Create(r.Context(), tx, scope(r), n, time.Now())
		return err
	})
	var es validate.Errors
	if errors.As(err, &es) {
		var dup *DuplicateError
		existing := ""
		if errors.As(err, &dup) && dup.InScope {
			existing = dup.ExistingID
		}
		h.formPage(w, r, web.Page{Errors: es, Status: http.StatusUnprocessableEntity, Form: form}, existing, nil)
		return
	}
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	web.Redirect(w, r, "/registry/persons/"+created.ID+"?ok=flash.saved")
}

// getOr404 reads the person of the request's path inside the caller's
// scope, answering 404 (or 500) itself when it cannot.
func (h *Handler) getOr404(w http.ResponseWriter, r *http.Request) (Person, bool) {
	p, err := Get(r.Context(), h.DB, scope(r), r.PathValue("id"))
	if errors.Is(err, store.ErrNotFound) {
		web.Error(w, r, http.StatusNotFound, "error.not_found")
		return p, false
	}
	if err != nil {
		web.ServerError(w, r, err)
		return p, false
	}
	return p, true
}

func (h *Handler) editForm(w http.ResponseWriter, r *http.Request) {
	p, ok := h.getOr404(w, r)
	if !ok {
		return
	}
	masked := p.Masked()
	h.formPage(w, r, web.Page{Form: personForm(p, !mayUnmask(r))}, "", &masked)
}

func (h *Handler) edit(w http.ResponseWriter, r *http.Request) {
	p, ok := h.getOr404(w, r)
	if !ok {
		return
	}
	n, form := readPersonForm(r)
	// A phone left as shown masked is left unchanged.
	if n.Phone == MaskPhone(p.Phone) {
		n.Phone = p.Phone
	}
	if n.GuardianPhone == MaskPhone(p.GuardianPhone) {
		n.GuardianPhone = p.GuardianPhone
	}
	version, _ := strconv.Atoi(form["version"])
	if version <= 0 {
		version = -1 // a form without its version is never current
	}
	var updated Person
	err := h.DB.InTx(r.Context(), func(tx *store.Tx) (err error) {
		updated, err = Update(r.Context(), tx, scope(r), p.ID, UpdatePerson{NewPerson: n, Reason: form["reason"], Version: version})
		return err
	})
	var es validate.Errors
	if errors.As(err, &es) {
		masked := p.Masked()
		h.formPage(w, r, web.Page{Errors: es, Status: http.StatusUnprocessableEntity, Form: form}, "", &masked)
		return
	}
	if errors.Is(err, store.ErrNotFound) {
		web.Error(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	web.Redirect(w, r, "/registry/persons/"+updated.ID+"?ok=flash.saved")
}

// ---- events ----

type eventData struct {
	Person     Person // masked
	Kind       Change // "" while choosing
	Kinds      []Change
	Groups     []villageGroup
	Categories []Category
	Grades     []Grade
	Components []Category
}

func (h *Handler) eventPage(w http.ResponseWriter, r *http.Request, p Person, kind Change, page web.Page) {
	d := eventData{Person: p.Masked(), Kinds: EventKinds, Categories: Categories, Grades: Grades, Components: Categories[:6]}
	if slices.Contains(EventKinds, kind) {
		d.Kind = kind
	}
	if d.Kind == ChangeMove {
		groups, err := villageGroups(r.Context(), h.DB, scope(r))
		if err != nil {
			web.ServerError(w, r, err)
			return
		}
		d.Groups = groups
	}
	if page.Form == nil {
		page.Form = map[string]string{"version": strconv.Itoa(p.Version)}
		if d.Kind == ChangeRegrade {
			page.Form = personForm(p, true)
		}
	}
	l := web.PrefsFrom(r).Lang
	page.Title, page.Section, page.Data = "registry.event", "registry", d
	page.Crumbs = []web.Crumb{{Label: i18n.T(l, "nav.registry"), Href: "/registry"},
		{Label: p.Name, Href: "/registry/persons/" + p.ID}, {Label: i18n.T(l, "registry.event")}}
	web.Render(w, r, pages, "person_event", page)
}

func (h *Handler) eventForm(w http.ResponseWriter, r *http.Request) {
	p, ok := h.getOr404(w, r)
	if !ok {
		return
	}
	h.eventPage(w, r, p, Change(r.URL.Query().Get("kind")), web.Page{})
}

// eventFields are the inputs of the event forms.
var eventFields = []string{"kind", "version", "reason", "effective_date", "source", "village_code", "category", "grade"}

func (h *Handler) event(w http.ResponseWriter, r *http.Request) {
	p, ok := h.getOr404(w, r)
	if !ok {
		return
	}
	form := map[string]string{}
	for _, k := range eventFields {
		form[k] = r.PostFormValue(k)
	}
	version, _ := strconv.Atoi(form["version"])
	if version <= 0 {
		version = -1
	}
	c, _ := strconv.Atoi(form["category"])
	g, _ := strconv.Atoi(form["grade"])
	e := Event{Kind: Change(form["kind"]), Version: version, Reason: form["reason"], EffectiveDate: form["effective_date"],
		Source: form["source"], VillageCode: form["village_code"], Category: Category(c), Grade: Grade(g)}
	for _, cat := range Categories[:6] {
		k := "comp_" + strconv.Itoa(int(cat))
		form[k] = r.PostFormValue(k)
		if g, err := strconv.Atoi(form[k]); err == nil && g != 0 {
			e.Components = append(e.Components, Component{Category: cat, Grade: Grade(g)})
		}
	}
	err := h.DB.InTx(r.Context(), func(tx *store.Tx) error {
		_, err := RecordEvent(r.Context(), tx, scope(r), p.ID, e, time.Now())
		return err
	})
	var es validate.Errors
	if errors.As(err, &es) {
		h.eventPage(w, r, p, e.Kind, web.Page{Errors: es, Status: http.StatusUnprocessableEntity, Form: form})
		return
	}
	if errors.Is(err, store.ErrNotFound) {
		web.Error(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	web.Redirect(w, r, "/registry/persons/"+p.ID+"?ok=flash.saved#history")
}
