package registry

import (
	"context"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/validate"
)

// StatusAll in a filter lists persons of every status; the default lists
// only active (在册) ones.
const StatusAll Status = "all"

// Sort orders of a search.
const (
	SortRegistered = "registered" // 登记时间 (the id, a UUIDv7, is creation order)
	SortName       = "name"
	SortBirthDate  = "birth_date"
	SortVillage    = "village"
)

// DefaultSort is the order of a search page that names none and searches
// no name.
const DefaultSort = SortVillage

// defaultSortFor is the order of a page that names none: by name when it
// searches a name or pinyin initials — the order of the index that finds
// them, so a page comes at once however rare the name — else DefaultSort.
func defaultSortFor(query string) string {
	if strings.TrimSpace(query) != "" {
		if kind, _ := classifyQuery(query); kind == queryName || kind == queryInitials {
			return SortName
		}
	}
	return DefaultSort
}

// sortColumn is the column f orders by before the id tie-break ("" for id
// order). Ordering by name while searching pinyin initials follows the
// initials, which is also the pinyin order people expect of names.
func (f Filter) sortColumn() string {
	if f.Sort == SortName && strings.TrimSpace(f.Query) != "" {
		if kind, _ := classifyQuery(f.Query); kind == queryInitials {
			return "name_initials"
		}
	}
	return sortColumn[f.Sort]
}

// Sorts in display order, the default first (a select shows it when none is chosen).
var Sorts = []string{SortVillage, SortRegistered, SortName, SortBirthDate}

// sortColumn is the column each sort orders by before the id tie-break.
var sortColumn = map[string]string{SortName: "name", SortBirthDate: "birth_date", SortVillage: "village_code"}

// Filter narrows a search of the registry. Zero values do not narrow;
// ParseFilter is the one way to read it from a query string.
type Filter struct {
	// Query is what the user typed: a full ID number, its last 4–6
	// characters, a certificate number, a phone, pinyin initials (ASCII
	// letters) or else the beginning of a name.
	Query string
	// AreaCode narrows to a township or village inside the scope; an area
	// not inside the scope gives no results.
	AreaCode string
	Category Category
	Grade    Grade
	Sex      int // SexMale, SexFemale
	// AgeFrom and AgeTo are an age band in full years on Today, both ends
	// included; AgeTo nil is no upper bound.
	AgeFrom int
	AgeTo   *int
	// Status "" lists active persons only; StatusAll every one.
	Status Status
	// ExpiresBefore lists cards whose last valid day is before this
	// YYYY-MM-DD; Expired those already expired on Today.
	ExpiresBefore string
	Expired       bool
	// Household status: each true narrows to persons with it.
	Dibao, Tekun, PovertyRegistered bool
	// Programme narrows to the members of a programme registered with
	// RegisterProgramme (the hook for later areas of work).
	Programme string
	Sort      string // one of Sorts; "" is SortRegistered (pages default to DefaultSort)
	Desc      bool
	After     string // keyset cursor: the Cursor of the last person of the previous page
	Limit     int    // default 50, at most 1000
	Today     time.Time
}

var (
	programmesMu sync.RWMutex
	programmes   = map[string]string{}
)

// RegisterProgramme lets another package narrow searches to the members
// of a programme (两项补贴, 康复救助 …): condition is SQL on the persons
// table without parameters, e.g. "id IN (SELECT person_id FROM grants
// WHERE programme = 'care')". code is the value of the programme
// parameter, and "programme.<code>" its i18n name.
func RegisterProgramme(code, condition string) {
	programmesMu.Lock()
	defer programmesMu.Unlock()
	programmes[code] = condition
}

// listedProgrammes are the programme codes the search page offers as a
// filter, in the order listed (others, such as data-quality lists, are
// reached by links).
var listedProgrammes []string

// ListProgramme offers code (already registered) in the search page's
// programme filter.
func ListProgramme(code string) {
	programmesMu.Lock()
	defer programmesMu.Unlock()
	listedProgrammes = append(listedProgrammes, code)
}

// ListedProgrammes returns the codes ListProgramme offered.
func ListedProgrammes() []string {
	programmesMu.RLock()
	defer programmesMu.RUnlock()
	return slices.Clone(listedProgrammes)
}

func programmeCondition(code string) (string, bool) {
	programmesMu.RLock()
	defer programmesMu.RUnlock()
	c, ok := programmes[code]
	return c, ok
}

// ParseFilter reads a search from query parameters, as the search page,
// the API and the export all take it: q, area, category, grade, sex (1|2),
// age_from, age_to, status (active|deceased|moved_out|cancelled|all),
// expires_before (YYYY-MM-DD), expired, dibao, tekun, poverty (1|true),
// programme, sort, order (asc|desc), after, limit. Each bad value is
// reported under its field ("filter.<param>"); the filter returned keeps
// the good values.
func ParseFilter(v url.Values) (Filter, validate.Errors) {
	var es validate.Errors
	f := Filter{Query: strings.TrimSpace(v.Get("q")), AreaCode: strings.TrimSpace(v.Get("area")), After: v.Get("after")}
	if f.AreaCode != "" && !area.ValidCode(f.AreaCode) {
		es.Add(0, "filter.area", "filter.error.area", f.AreaCode)
	}
	num := func(name string, lo, hi int) (int, bool) {
		s := strings.TrimSpace(v.Get(name))
		if s == "" {
			return 0, false
		}
		n, err := strconv.Atoi(s)
		if err != nil || n < lo || n > hi {
			es.Add(0, "filter."+name, "filter.error.range", lo, hi)
			return 0, false
		}
		return n, true
	}
	c, _ := num("category", 1, 7)
	g, _ := num("grade", 1, 4)
	f.Category, f.Grade = Category(c), Grade(g)
	f.Sex, _ = num("sex", 1, 2)
	f.AgeFrom, _ = num("age_from", 0, 150)
	if to, ok := num("age_to", 0, 150); ok {
		f.AgeTo = &to
		if to < f.AgeFrom {
			es.Add(0, "filter.age_to", "filter.error.age_band")
		}
	}
	switch s := Status(v.Get("status")); {
	case s == "" || s == StatusActive:
	case s == StatusAll || s.Valid():
		f.Status = s
	default:
		es.Add(0, "filter.status", "validate.choose")
	}
	if d := strings.TrimSpace(v.Get("expires_before")); d != "" {
		if _, err := time.Parse(time.DateOnly, d); err != nil {
			es.Add(0, "filter.expires_before", "person.error.date", d)
		} else {
			f.ExpiresBefore = d
		}
	}
	flag := func(name string) bool {
		switch strings.ToLower(strings.TrimSpace(v.Get(name))) {
		case "", "0", "false":
			return false
		case "1", "true", "on":
			return true
		}
		es.Add(0, "filter."+name, "filter.error.flag")
		return false
	}
	f.Expired, f.Dibao, f.Tekun, f.PovertyRegistered = flag("expired"), flag("dibao"), flag("tekun"), flag("poverty")
	if p := v.Get("programme"); p != "" {
		if _, ok := programmeCondition(p); ok {
			f.Programme = p
		} else {
			es.Add(0, "filter.programme", "validate.choose")
		}
	}
	// Pages default to village order: the index on (village_code, id)
	// delivers a page of any area at once, where id order over a county or
	// township makes the engine sort the whole area (seconds at 1,000,000
	// persons, BENCHMARKS.md).
	f.Sort = defaultSortFor(f.Query)
	if s := v.Get("sort"); s != "" {
		if slices.Contains(Sorts, s) {
			f.Sort = s
		} else {
			es.Add(0, "filter.sort", "validate.choose")
		}
	}
	switch v.Get("order") {
	case "", "asc":
	case "desc":
		f.Desc = true
	default:
		es.Add(0, "filter.order", "validate.choose")
	}
	f.Limit, _ = num("limit", 1, 1000)
	return f, es
}

// Values is the query string of f (without After and Limit), the inverse
// of ParseFilter: for links to other pages and sorts, saved filters and
// the export.
func (f Filter) Values() url.Values {
	v := url.Values{}
	set := func(k, s string) {
		if s != "" {
			v.Set(k, s)
		}
	}
	itoa := func(n int) string {
		if n == 0 {
			return ""
		}
		return strconv.Itoa(n)
	}
	flag := func(b bool) string {
		if b {
			return "1"
		}
		return ""
	}
	set("q", f.Query)
	set("area", f.AreaCode)
	set("category", itoa(int(f.Category)))
	set("grade", itoa(int(f.Grade)))
	set("sex", itoa(f.Sex))
	set("age_from", itoa(f.AgeFrom))
	if f.AgeTo != nil {
		v.Set("age_to", strconv.Itoa(*f.AgeTo))
	}
	set("status", string(f.Status))
	set("expires_before", f.ExpiresBefore)
	set("expired", flag(f.Expired))
	set("dibao", flag(f.Dibao))
	set("tekun", flag(f.Tekun))
	set("poverty", flag(f.PovertyRegistered))
	set("programme", f.Programme)
	if f.Sort != defaultSortFor(f.Query) {
		set("sort", f.Sort)
		if f.Sort == "" {
			v.Set("sort", SortRegistered)
		}
	}
	if f.Desc {
		v.Set("order", "desc")
	}
	return v
}

// Cursor is the After value that continues a search of f after p.
func (f Filter) Cursor(p Person) string {
	switch f.Sort {
	case SortName:
		if f.sortColumn() == "name_initials" {
			return p.NameInitials + "~" + p.ID
		}
		return p.Name + "~" + p.ID
	case SortBirthDate:
		return p.BirthDate + "~" + p.ID
	case SortVillage:
		return p.VillageCode + "~" + p.ID
	}
	return p.ID
}

// Search lists at most f.Limit persons inside scope s matching f, in f's
// order. Every condition is an equality or a range a B-tree index serves
// on both engines; none is a LIKE.
func Search(ctx context.Context, q store.Querier, s area.Scope, f Filter) ([]Person, error) {
	s, ok := narrow(s, f.AreaCode)
	if !ok {
		return nil, nil
	}
	if f.Today.IsZero() {
		f.Today = time.Now()
	}
	var conds []string
	var args []any
	arg := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)) }
	col := f.sortColumn()
	village := "village_code"
	if f.Category != 0 && col == "village_code" {
		village = categoryVillage // the filtered page's own index (search_index.go)
		col = village
	}
	cond, sargs := s.Filter(village, 1)
	conds, args = append(conds, cond), append(args, sargs...)
	if query := strings.TrimSpace(f.Query); query != "" {
		conds = append(conds, queryCondition(query, arg))
	}
	switch f.Status {
	case "":
		conds = append(conds, "status = "+arg(string(StatusActive)))
	case StatusAll:
	default:
		conds = append(conds, "status = "+arg(string(f.Status)))
	}
	if f.Category != 0 {
		conds = append(conds, "category = "+arg(int(f.Category)))
	}
	if f.Grade != 0 {
		conds = append(conds, "grade = "+arg(int(f.Grade)))
	}
	if f.Sex != 0 {
		conds = append(conds, "sex = "+arg(f.Sex))
	}
	// Age a on day t means born in (t − (a+1) years, t − a years].
	if f.AgeFrom > 0 {
		conds = append(conds, "birth_date <= "+arg(f.Today.AddDate(-f.AgeFrom, 0, 0).Format(time.DateOnly)))
	}
	if f.AgeTo != nil {
		conds = append(conds, "birth_date > "+arg(f.Today.AddDate(-*f.AgeTo-1, 0, 0).Format(time.DateOnly)))
	}
	if f.ExpiresBefore != "" || f.Expired {
		before := f.ExpiresBefore
		if today := f.Today.Format(time.DateOnly); f.Expired && (before == "" || today < before) {
			before = today
		}
		conds = append(conds, "certificate_expires_on > ''", "certificate_expires_on < "+arg(before))
	}
	if f.Dibao {
		conds = append(conds, "dibao = "+arg(true))
	}
	if f.Tekun {
		conds = append(conds, "tekun = "+arg(true))
	}
	if f.PovertyRegistered {
		conds = append(conds, "poverty_registered = "+arg(true))
	}
	if f.Programme != "" {
		c, ok := programmeCondition(f.Programme)
		if !ok {
			return nil, nil
		}
		conds = append(conds, "("+c+")")
	}
	dir, cmp := " ASC", " > "
	if f.Desc {
		dir, cmp = " DESC", " < "
	}
	order := "id" + dir
	if col != "" {
		order = col + dir + ", id" + dir
	}
	if f.After != "" {
		if col == "" {
			conds = append(conds, "id"+cmp+arg(f.After))
		} else {
			i := strings.LastIndexByte(f.After, '~')
			if i < 0 {
				return nil, nil // a cursor of another sort: nothing follows it
			}
			// Spelt out rather than a row value: both engines use the
			// index for the leading column either way.
			v, id := f.After[:i], f.After[i+1:]
			conds = append(conds, "("+col+cmp+arg(v)+" OR "+col+" = "+arg(v)+" AND id"+cmp+arg(id)+")")
		}
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	f.Limit = min(f.Limit, 1000)
	rows, err := q.QueryContext(ctx, `SELECT `+selectColumns+` FROM persons WHERE `+strings.Join(conds, " AND ")+
		` ORDER BY `+order+` LIMIT `+strconv.Itoa(f.Limit), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Person
	for rows.Next() {
		p, err := scanPerson(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	return out, loadComponents(ctx, q, out)
}

// SearchEach calls fn for every person matching f inside s, in f's order,
// reading pages of 1000: what an export of a whole search needs.
func SearchEach(ctx context.Context, q store.Querier, s area.Scope, f Filter, fn func(Person) error) error {
	f.Limit = 1000
	for {
		page, err := Search(ctx, q, s, f)
		if err != nil {
			return err
		}
		for _, p := range page {
			if err := fn(p); err != nil {
				return err
			}
		}
		if len(page) < f.Limit {
			return nil
		}
		f.After = f.Cursor(page[len(page)-1])
	}
}

// queryCondition is the SQL condition for what the user typed; arg adds a
// parameter and returns its placeholder.
func queryCondition(query string, arg func(any) string) string {
	kind, v := classifyQuery(query)
	switch kind {
	// The numbers are sealed: each is found by its blind index (sealed.go).
	case queryCertificate:
		if len(v) < 18 {
			return "cert_hash = " + arg(CertificateHash(v))
		}
		// The ID part finds the row through the unique index.
		return "id_hash = " + arg(IDHash(v[:18])) + " AND cert_hash = " + arg(CertificateHash(v))
	case queryIDNumber:
		return "id_hash = " + arg(IDHash(v))
	case queryIDSuffix:
		return "id_tail" + strconv.Itoa(len(v)) + " = " + arg(idTailHash(v))
	case queryPhone:
		return "(phone_hash = " + arg(PhoneHash(v)) + " OR guardian_phone_hash = " + arg(PhoneHash(v)) + ")"
	case queryInitials:
		return "name_initials >= " + arg(v) + " AND name_initials < " + arg(v+"\x7f")
	}
	// A range, not LIKE, so the name index serves it on both engines.
	return "name >= " + arg(v) + " AND name < " + arg(v+"\U0010FFFF")
}

// Kinds of search text.
const (
	queryName = iota
	queryInitials
	queryIDNumber
	queryIDSuffix
	queryCertificate
	queryPhone
)

// classifyQuery tells what a search text is and returns it normalised:
// 20+ characters starting with a digit a certificate number; 15 or 18 an ID
// number (a legacy 15-digit one upgraded); 4–6 the end of an ID number
// (digits, perhaps a final X); 7–12 digits a phone; ASCII letters pinyin
// initials; anything else the beginning of a name. Numbers that fail their
// check are still matched as typed, and simply find nothing.
func classifyQuery(q string) (int, string) {
	n := normalizeCertNumber(q)
	if n == "" || !idIsDigit(n[0]) {
		if isASCIILetters(q) {
			return queryInitials, strings.ToLower(strings.ReplaceAll(q, " ", ""))
		}
		return queryName, q
	}
	switch l := len(n); {
	case l >= 20:
		if id, _, _, _, err := ParseCertificateNumber(n); err == nil {
			return queryCertificate, id + n[18:]
		}
		return queryCertificate, n
	case l == 18 || l == 15:
		if info, err := ParseIDNumber(n, certParseDay); err == nil {
			return queryIDNumber, info.Number
		}
		return queryIDNumber, n
	case l >= 4 && l <= 6:
		return queryIDSuffix, n
	}
	if p := NormalizePhone(q); p != "" && isDigits(p) {
		return queryPhone, p
	}
	return queryIDNumber, n
}

func isASCIILetters(s string) bool {
	s = strings.ReplaceAll(s, " ", "")
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i] | 0x20
		if c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !idIsDigit(s[i]) {
			return false
		}
	}
	return s != ""
}

// narrow returns the scope of code when it lies inside s (s itself when
// code is empty); ok is false when code is not a valid area inside s.
func narrow(s area.Scope, code string) (area.Scope, bool) {
	if code == "" {
		return s, true
	}
	if !area.ValidCode(code) || !s.Contains(code) {
		return s, false
	}
	return area.ScopeOf(code), true
}
