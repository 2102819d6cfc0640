package registry

// Checking the rows of an import file against the registry and writing
// them: a preview (dry run) first, then the good rows or none, all in one
// transaction. A row whose person is already registered updates that
// person, showing old → new first; a row that changes nothing is
// "unchanged", so importing the same file twice changes nothing.

import (
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/crypt"
	"github.com/yangguang-cdpf/yangguang/internal/i18n"
	safe "github.com/yangguang-cdpf/yangguang/internal/sheet"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/validate"
)

// ImportMode says what an import does with the rows it checked.
type ImportMode string

// Import modes.
const (
	ImportDryRun       ImportMode = "dry_run"        // check only (the preview)
	ImportGoodRows     ImportMode = "good_rows"      // write the good rows, skip the bad ones (只导入无误的行)
	ImportAllOrNothing ImportMode = "all_or_nothing" // write only when no row is bad
)

// Valid reports whether m is a known mode.
func (m ImportMode) Valid() bool {
	return m == ImportDryRun || m == ImportGoodRows || m == ImportAllOrNothing
}

// RowStatus is what became of one row.
type RowStatus string

// Row statuses, as the CSV report and the API name them.
const (
	RowOK        RowStatus = "ok"        // a new person (registered, or would be in a dry run)
	RowUpdated   RowStatus = "updated"   // a known person whose record the row changes
	RowUnchanged RowStatus = "unchanged" // a known person the row does not change
	RowError     RowStatus = "error"     // refused; see Problems
)

// ActionImport is the audit action of one import that wrote something,
// naming the file, its SHA-256 and the counts. The persons it registered
// have no entry of their own (their first history entry names the file);
// each person it updated has its update entry besides.
const ActionImport = "person.import"

// ImportProblem is one reason a row is refused.
type ImportProblem struct {
	Column ImportColumn // the column at fault; NoColumn for the row as a whole
	Key    string       // catalogue key of the message
	Args   []any
}

// NoColumn marks a problem of a whole row.
const NoColumn ImportColumn = -1

// ImportChange is one field an update changes, with the values as a person
// reads them (names, not codes).
type ImportChange struct {
	Column ImportColumn
	Before string
	After  string
}

// ImportRowResult is the outcome of one data row.
type ImportRowResult struct {
	Row      int // as the spreadsheet shows it
	Status   RowStatus
	Name     string
	IDNumber string // normalised when valid, else as in the file
	PersonID string // the person created, updated or left unchanged ("" for a new person in a dry run)
	Problems []ImportProblem
	Changes  []ImportChange // for updated rows
}

// ImportReport is what an import found and did.
type ImportReport struct {
	FileName  string
	Sheet     string
	HeaderRow int
	Mode      ImportMode
	Sheetinfo *ImportSheet // the columns found
	Rows      []ImportRowResult
	New       int // RowOK rows
	Updated   int
	Unchanged int
	Errors    int
	// Applied says the rows counted above were written (never in a dry
	// run, nor in all_or_nothing with errors).
	Applied bool
}

// ImportOptions configures an import.
type ImportOptions struct {
	Scope    area.Scope
	Today    time.Time
	FileName string // named in the history's reason: 批量导入 <file name>
	// SHA256 is the file's digest in hex, named in the import's audit
	// entry so the very file can be found again; ImportFile fills it in.
	SHA256 string
	Mode   ImportMode
	// Progress, when set, is told how many rows are done every
	// progressEvery rows and at the end.
	Progress func(done int)
}

// progressEvery is how often Progress is called.
const progressEvery = 200

// importChunk is how many checked rows wait for one look-up of their ID
// numbers in the registry (a query per chunk, not per row) and are then
// written together.
const importChunk = 500

// statsAfterRows is how many new persons make an import refresh the
// planner's statistics, as a bulk load does.
const statsAfterRows = 10_000

// errRollback ends a transaction that must write nothing.
var errRollback = errors.New("import: roll back")

// ImportFile reads a file and imports it; see Import.
func ImportFile(ctx context.Context, db *store.DB, path, format string, opt ImportOptions) (*ImportReport, error) {
	sh, err := OpenImportFile(path, format)
	if err != nil {
		return nil, err
	}
	defer sh.Close()
	if opt.SHA256 == "" {
		if opt.SHA256, err = fileSHA256(path); err != nil {
			return nil, err
		}
	}
	return Import(ctx, db, sh, opt)
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Import checks every row of sh inside scope and, unless a dry run, writes
// the rows the mode allows, in one transaction with the import's audit
// entry. Errors of the file itself are validate.Errors; row problems are in
// the report.
//
// New persons are written many to a statement with their first history
// entry (which names the file); the import has one audit entry for them
// all. Known persons the file changes go through Update, one by one, each
// audited as any edit.
func Import(ctx context.Context, db *store.DB, sh *ImportSheet, opt ImportOptions) (*ImportReport, error) {
	if !opt.Mode.Valid() {
		return nil, fmt.Errorf("import: unknown mode %q", opt.Mode)
	}
	if opt.Today.IsZero() {
		opt.Today = time.Now()
	}
	rep := &ImportReport{FileName: opt.FileName, Sheet: sh.Sheet, HeaderRow: sh.HeaderRow, Mode: opt.Mode, Sheetinfo: sh}
	err := db.InTx(ctx, func(tx *store.Tx) error {
		im, err := newImporter(ctx, tx, db.Dialect, sh, opt, rep)
		if err != nil {
			return err
		}
		defer im.close()
		for {
			rec, err := sh.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				return err
			}
			if err := im.row(ctx, tx, rec); err != nil {
				return err
			}
			if opt.Progress != nil && len(rep.Rows)%progressEvery == 0 {
				opt.Progress(len(rep.Rows))
			}
		}
		if err := im.flush(ctx, tx); err != nil {
			return err
		}
		if opt.Progress != nil {
			opt.Progress(len(rep.Rows))
		}
		if opt.Mode == ImportDryRun || (opt.Mode == ImportAllOrNothing && rep.Errors > 0) || rep.New+rep.Updated == 0 {
			return errRollback
		}
		rep.Applied = true
		return audit.Record(ctx, tx, audit.Entry{Action: ActionImport, ObjectType: "person", AreaCode: opt.Scope.Code(),
			Detail: fmt.Sprintf("%s (SHA-256 %s): %d rows, %d new, %d updated, %d unchanged, %d refused",
				opt.FileName, opt.SHA256, len(rep.Rows), rep.New, rep.Updated, rep.Unchanged, rep.Errors)})
	})
	if errors.Is(err, errRollback) {
		err = nil
	}
	if err != nil {
		return nil, err
	}
	if rep.Applied && rep.New >= statsAfterRows {
		refreshStats(ctx, db, false, "persons", "person_history", "person_components")
	}
	return rep, nil
}

// settle records the outcome of row i of the report.
func (rep *ImportReport) settle(i int, r ImportRowResult) {
	rep.Rows[i] = r
	switch r.Status {
	case RowOK:
		rep.New++
	case RowUpdated:
		rep.Updated++
	case RowUnchanged:
		rep.Unchanged++
	case RowError:
		rep.Errors++
	}
}

// importer holds what checking rows needs besides the row.
type importer struct {
	sh     *ImportSheet
	opt    ImportOptions
	rep    *ImportReport
	reason string
	actor  string
	seen   map[idKey]int // ID number → first row with it
	// Villages inside the scope, by code and by name, for village cells
	// given as names.
	villages  map[string]area.Area
	byName    map[string][]area.Area
	townships map[string]area.Area  // by code
	names     map[string]string     // code → name of every area in scope
	others    map[string]*area.Area // codes outside the scope met so far; nil when unknown
	// Memos of cell texts that repeat on many rows.
	normalised map[string]string
	choices    map[choiceKey]choice
	// pending are rows checked on their own, waiting for the look-up of
	// their ID numbers; fresh are the new persons waiting to be written.
	pending                      []pendingRow
	fresh                        []Person
	persons, history, components *batchInsert
}

// idKey is a normalised ID number, smaller in a map of a million than a
// string.
type idKey [18]byte

type pendingRow struct {
	index int // in rep.Rows
	p     parsed
	info  IDInfo
}

func newImporter(ctx context.Context, tx *store.Tx, d store.Dialect, sh *ImportSheet, opt ImportOptions, rep *ImportReport) (*importer, error) {
	all, err := area.InScope(ctx, tx, opt.Scope)
	if err != nil {
		return nil, err
	}
	actor := audit.ActorFrom(ctx)
	im := &importer{sh: sh, opt: opt, rep: rep, reason: importReason(opt.FileName), actor: actor.Name, seen: map[idKey]int{},
		villages: map[string]area.Area{}, byName: map[string][]area.Area{}, townships: map[string]area.Area{}, names: map[string]string{},
		others: map[string]*area.Area{}, normalised: map[string]string{}, choices: map[choiceKey]choice{},
		persons:    newBatchInsert(tx, d, "persons", personColumnList),
		history:    newBatchInsert(tx, d, "person_history", historyColumns),
		components: newBatchInsert(tx, d, "person_components", componentColumns)}
	if im.actor == "" {
		im.actor = actor.ID // as addHistory names the actor
	}
	for _, a := range all {
		im.names[a.Code] = a.Name
		switch a.Level {
		case area.Village:
			im.villages[a.Code] = a
			n := normaliseHeader(a.Name)
			im.byName[n] = append(im.byName[n], a)
		case area.Township:
			im.townships[a.Code] = a
		}
	}
	return im, nil
}

func (im *importer) close() {
	im.persons.close()
	im.history.close()
	im.components.close()
}

// parsed is a row read into a person, with which fields the row gives.
type parsed struct {
	n        NewPerson
	given    [numImportColumns]bool
	problems []ImportProblem
	sex      int    // from the sex column, 0 when not given
	birth    string // from the birth date column
}

func (p *parsed) fail(c ImportColumn, key string, args ...any) {
	p.problems = append(p.problems, ImportProblem{Column: c, Key: key, Args: args})
}

// parse reads the cells of a row; village names are resolved in scope.
func (im *importer) parse(rec ImportRecord) parsed {
	var p parsed
	cell := func(c ImportColumn) string { return rec.Cells[c] }
	for c := range numImportColumns {
		p.given[c] = rec.Cells[c] != ""
	}
	p.n.Name = cell(ColName)
	if p.n.Name == "" {
		p.fail(ColName, "validate.required")
	}
	p.n.IDNumber = cleanNumber(cell(ColIDNumber))
	if s := cell(ColSex); s != "" {
		if v, ok := parseSex(s); ok {
			p.sex = v
		} else {
			p.fail(ColSex, "registry.import.error.sex", s)
		}
	}
	if s := cell(ColBirthDate); s != "" {
		if v, ok := parseDate(s); ok {
			p.birth = v
		} else {
			p.fail(ColBirthDate, "registry.import.error.date", s)
		}
	}
	if s := cell(ColCategory); s != "" {
		if v, ok := parseCategory(s); ok {
			p.n.Category = v
		} else {
			p.fail(ColCategory, "registry.import.error.category", s)
		}
	}
	if s := cell(ColGrade); s != "" {
		if v, ok := parseGrade(s); ok {
			p.n.Grade = v
		} else {
			p.fail(ColGrade, "registry.import.error.grade", s)
		}
	}
	if s := cell(ColComponents); s != "" {
		if v, ok := parseComponents(s); ok {
			slices.SortFunc(v, func(a, b Component) int { return int(a.Category) - int(b.Category) })
			p.n.Components = v
		} else {
			p.fail(ColComponents, "registry.import.error.components", s)
		}
	}
	if p.n.Category == Multiple && p.n.Grade == 0 {
		p.n.Grade = MultipleGrade(p.n.Components)
	}
	if s := cell(ColCertificateNo); s != "" {
		im.checkCertificate(&p, cleanNumber(s))
	}
	if s := cell(ColIssuedOn); s != "" {
		if v, ok := parseDate(s); ok {
			p.n.CertificateIssuedOn = v
		} else {
			p.fail(ColIssuedOn, "registry.import.error.date", s)
		}
	}
	if s := cell(ColVillage); s != "" {
		p.n.VillageCode = im.village(&p, ColVillage, s, cell(ColTownship))
	}
	if s := cell(ColResidenceVillage); s != "" {
		p.n.ResidenceVillageCode = im.village(&p, ColResidenceVillage, s, "")
	}
	p.n.HouseholdAddress = cell(ColHouseholdAddress)
	p.n.ResidenceAddress = cell(ColResidenceAddress)
	p.n.Phone = NormalizePhone(cleanPhoneCell(cell(ColPhone)))
	p.n.GuardianName = cell(ColGuardianName)
	p.n.GuardianRelation = cell(ColGuardianRelation)
	p.n.GuardianPhone = NormalizePhone(cleanPhoneCell(cell(ColGuardianPhone)))
	for _, f := range []struct {
		c ImportColumn
		v *bool
	}{{ColDibao, &p.n.Dibao}, {ColTekun, &p.n.Tekun}, {ColPoverty, &p.n.PovertyRegistered},
		{ColMedical, &p.n.MedicalInsurance}, {ColPension, &p.n.PensionInsurance}} {
		s := cell(f.c)
		v, ok := parseFlag(s)
		if !ok {
			p.fail(f.c, "registry.import.error.flag", s)
		}
		*f.v = v
	}
	for _, f := range []struct {
		c     ImportColumn
		v     *string
		words map[string]string
		list  []codeLabel
	}{{ColEducation, &p.n.Education, educationWords, educationLabels},
		{ColEmployment, &p.n.Employment, employmentWords, employmentLabels},
		{ColMarital, &p.n.Marital, maritalWords, maritalLabels}} {
		if s := cell(f.c); s != "" {
			if v, ok := im.parseCode(f.c, s, f.words, f.list); ok {
				*f.v = v
			} else {
				p.fail(f.c, "registry.import.error.choice", s, listLabels(f.list))
			}
		}
	}
	return p
}

// cleanPhoneCell reads a phone that Excel stored as a number (1.38123E+10
// cannot be told back, 13812345678 can).
func cleanPhoneCell(s string) string {
	s = strings.TrimPrefix(s, "'")
	if f, err := strconv.ParseFloat(s, 64); err == nil && strings.ContainsAny(s, ".eE") && f == float64(int64(f)) && f > 0 {
		return strconv.FormatInt(int64(f), 10)
	}
	return s
}

func listLabels(list []codeLabel) string {
	out := make([]string, len(list))
	for i, l := range list {
		out[i] = l.label
	}
	return strings.Join(out, "、")
}

// checkCertificate reads the certificate number: its ID part must be the
// row's ID number, and its category and grade fill or must match the
// category and grade columns.
func (im *importer) checkCertificate(p *parsed, s string) {
	id, c, g, _, err := ParseCertificateNumber(s)
	if err != nil {
		var ce *CertError
		if errors.As(err, &ce) && ce.Code == CertErrExcel {
			p.fail(ColCertificateNo, "registry.import.error.cert_excel")
			return
		}
		p.fail(ColCertificateNo, "registry.import.error.certificate", err.Error())
		return
	}
	if info, err := ParseIDNumber(p.n.IDNumber, certParseDay); err == nil && info.Number != id {
		p.fail(ColCertificateNo, "registry.import.error.cert_id")
	}
	if p.n.Category == 0 {
		p.n.Category = c
		p.given[ColCategory] = true
	}
	if p.n.Grade == 0 {
		p.n.Grade = g
		p.given[ColGrade] = true
	}
	if p.n.Category != c || p.n.Grade != g {
		p.fail(ColCertificateNo, "registry.import.error.cert_mismatch", c.ZH()+g.ZH())
	}
}

// memoLimit bounds the memos of normalise and parseCode: cells repeat
// (a county has a few thousand village names), garbage need not be kept.
const memoLimit = 50_000

// normalise is normaliseHeader, remembered: village and township cells
// repeat on most rows, and normalising is costly next to a map look-up.
func (im *importer) normalise(s string) string {
	if n, ok := im.normalised[s]; ok {
		return n
	}
	n := normaliseHeader(s)
	if len(im.normalised) < memoLimit {
		im.normalised[s] = n
	}
	return n
}

type choiceKey struct {
	c ImportColumn
	s string
}

type choice struct {
	code string
	ok   bool
}

// parseCode is parseCode of a column's cell, remembered.
func (im *importer) parseCode(c ImportColumn, s string, words map[string]string, list []codeLabel) (string, bool) {
	k := choiceKey{c, s}
	if r, ok := im.choices[k]; ok {
		return r.code, r.ok
	}
	code, ok := parseCode(s, words, list)
	if len(im.choices) < memoLimit {
		im.choices[k] = choice{code, ok}
	}
	return code, ok
}

// village resolves a village cell: a 12-digit code as is (Create checks
// it), else a name inside the scope, told apart by the township when two
// villages share it. A township name in front (桃园镇李庄村) is understood.
func (im *importer) village(p *parsed, col ImportColumn, s, township string) string {
	if code := cleanNumber(s); area.ValidCode(code) {
		return code
	}
	name := im.normalise(s)
	cands := im.byName[name]
	if len(cands) == 0 {
		for _, t := range im.townships {
			if rest, ok := strings.CutPrefix(name, im.normalise(t.Name)); ok && rest != "" {
				for _, v := range im.byName[rest] {
					if v.ParentCode == t.Code {
						cands = append(cands, v)
					}
				}
			}
		}
	}
	if township = im.normalise(township); township != "" {
		var in []area.Area
		for _, v := range cands {
			if t := im.normalise(im.names[v.ParentCode]); t == township || strings.HasPrefix(t, township) || v.ParentCode == township {
				in = append(in, v)
			}
		}
		if len(in) == 0 && len(cands) > 0 {
			p.fail(col, "registry.import.error.village_township", s, township)
			return ""
		}
		cands = in
	}
	switch len(cands) {
	case 0:
		p.fail(col, "registry.import.error.village_unknown", s)
		return ""
	case 1:
		return cands[0].Code
	}
	towns := make([]string, len(cands))
	for i, v := range cands {
		towns[i] = im.names[v.ParentCode]
	}
	p.fail(col, "registry.import.error.village_ambiguous", s, strings.Join(towns, "、"))
	return ""
}

// row checks one row on its own; one with a valid ID number waits in
// pending for the registry's answer about that number (see flush).
func (im *importer) row(ctx context.Context, tx *store.Tx, rec ImportRecord) error {
	p := im.parse(rec)
	res := ImportRowResult{Row: rec.Row, Name: p.n.Name, IDNumber: p.n.IDNumber}
	index := len(im.rep.Rows)
	im.rep.Rows = append(im.rep.Rows, res)
	info, idErr := ParseIDNumber(p.n.IDNumber, im.opt.Today)
	if idErr == nil {
		res.IDNumber = info.Number
		if p.sex != 0 && p.sex != info.Sex {
			p.fail(ColSex, "registry.import.error.sex_mismatch")
		}
		if p.birth != "" && p.birth != info.BirthDate.Format(time.DateOnly) {
			p.fail(ColBirthDate, "registry.import.error.birth_mismatch", info.BirthDate.Format(time.DateOnly))
		}
		key := idKey([]byte(info.Number))
		if first, dup := im.seen[key]; dup {
			p.fail(ColIDNumber, "registry.import.error.duplicate_row", first)
		} else {
			im.seen[key] = rec.Row
		}
	}
	if idErr != nil {
		code := IDErrorCode(idErr)
		p.problems = append([]ImportProblem{{Column: ColIDNumber, Key: "person.error.id_" + code,
			Args: idErrorArgs(code, NormalizeIDNumber(p.n.IDNumber))}}, p.problems...)
	}
	if len(p.problems) > 0 {
		res.Status, res.Problems = RowError, p.problems
		im.rep.settle(index, res)
		return nil
	}
	im.rep.Rows[index] = res
	im.pending = append(im.pending, pendingRow{index: index, p: p, info: info})
	if len(im.pending) < importChunk {
		return nil
	}
	return im.flush(ctx, tx)
}

// flush looks the pending rows' ID numbers up in one query, settles each
// row (a known person is updated, a new one checked and queued) and writes
// the new persons.
func (im *importer) flush(ctx context.Context, tx *store.Tx) error {
	if len(im.pending) == 0 {
		return nil
	}
	known, err := im.lookup(ctx, tx)
	if err != nil {
		return fmt.Errorf("第 %d–%d 行: %w", im.rep.Rows[im.pending[0].index].Row, im.rep.Rows[im.pending[len(im.pending)-1].index].Row, err)
	}
	for _, pr := range im.pending {
		res := im.rep.Rows[pr.index]
		before, ok := known[pr.info.Number]
		switch {
		case ok && !im.opt.Scope.Contains(before.VillageCode):
			// Registered outside the scope: not registered twice, and
			// nothing told about it.
			res.Status, res.Problems = RowError, []ImportProblem{{Column: ColIDNumber, Key: "registry.import.error.outside_scope"}}
		case ok:
			res, err = im.update(ctx, tx, res, pr.p, before)
		default:
			res, err = im.create(ctx, tx, res, pr)
		}
		if err != nil {
			return fmt.Errorf("第 %d 行: %w", res.Row, err)
		}
		im.rep.settle(pr.index, res)
	}
	im.pending = im.pending[:0]
	return im.write(ctx)
}

// lookup finds the persons registered with the pending rows' ID numbers,
// in the whole registry: one registered outside the scope must not be
// registered twice.
func (im *importer) lookup(ctx context.Context, tx *store.Tx) (map[string]Person, error) {
	args := make([]any, len(im.pending))
	for i, pr := range im.pending {
		args[i] = IDHash(pr.info.Number)
	}
	rows, err := tx.QueryContext(ctx, `SELECT `+selectColumns+` FROM persons WHERE id_hash IN (`+placeholders(len(args))+`)`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var found []Person
	for rows.Next() {
		p, err := scanPerson(rows)
		if err != nil {
			return nil, err
		}
		found = append(found, p)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if err := loadComponents(ctx, tx, found); err != nil {
		return nil, err
	}
	out := make(map[string]Person, len(found))
	for _, p := range found {
		out[p.IDNumber] = p
	}
	return out, nil
}

// create checks a row of a new person as Create does and, when the import
// writes, queues the person for write.
func (im *importer) create(ctx context.Context, tx *store.Tx, res ImportRowResult, pr pendingRow) (ImportRowResult, error) {
	birth := pr.info.BirthDate.Format(time.DateOnly)
	n, es, err := im.check(ctx, tx, pr.p.n, birth)
	if err != nil {
		return res, err
	}
	if len(es) > 0 {
		res.Status, res.Problems = RowError, problemsOf(es)
		return res, nil
	}
	res.Status = RowOK
	if !im.writing() {
		return res, nil
	}
	now := store.Now()
	p := Person{ID: store.NewID(), IDNumber: pr.info.Number, Sex: pr.info.Sex, BirthDate: birth,
		Status: StatusActive, CreatedAt: now, UpdatedAt: now, Version: 1}
	p.apply(n)
	im.fresh = append(im.fresh, p)
	res.PersonID = p.ID
	return res, nil
}

// writing reports whether new persons are written: not in a dry run, nor
// once a row has failed an all-or-nothing import, which will roll back.
func (im *importer) writing() bool {
	return im.opt.Mode == ImportGoodRows || (im.opt.Mode == ImportAllOrNothing && im.rep.Errors == 0)
}

// check validates a new person's fields exactly as Create does, but the
// villages against the areas loaded at the start instead of a query each:
// checkPerson is given none, and the checks take the place of its
// "village required".
func (im *importer) check(ctx context.Context, tx *store.Tx, n NewPerson, birth string) (NewPerson, validate.Errors, error) {
	village, residence := strings.TrimSpace(n.VillageCode), strings.TrimSpace(n.ResidenceVillageCode)
	if residence == village {
		residence = ""
	}
	n.VillageCode, n.ResidenceVillageCode = "", ""
	var es validate.Errors
	n, err := checkPerson(ctx, tx, im.opt.Scope, &es, n, birth, im.opt.Today)
	if err != nil {
		return n, nil, err
	}
	out := make(validate.Errors, 0, len(es))
	for _, e := range es {
		if e.Field != "person.village" || e.Key != "validate.required" {
			out = append(out, e)
			continue
		}
		if village == "" {
			out = append(out, e)
		} else if err := im.checkVillage(ctx, tx, &out, "person.village", village); err != nil {
			return n, nil, err
		}
		if residence != "" {
			if err := im.checkVillage(ctx, tx, &out, "person.residence_village", residence); err != nil {
				return n, nil, err
			}
		}
	}
	n.VillageCode, n.ResidenceVillageCode = village, residence
	return n, out, nil
}

// checkVillage is checkVillage of person.go from memory: a village of the
// scope is known; any other code is looked up once per import.
func (im *importer) checkVillage(ctx context.Context, tx *store.Tx, es *validate.Errors, field, code string) error {
	if _, ok := im.villages[code]; ok {
		return nil
	}
	a, seen := im.others[code]
	if !seen {
		got, err := area.Get(ctx, tx, code)
		switch {
		case err == nil:
			a = &got
		case !errors.Is(err, store.ErrNotFound):
			return err
		}
		im.others[code] = a
	}
	switch {
	case a == nil:
		es.Add(0, field, "person.error.unknown_village", code)
	case a.Level != area.Village:
		es.Add(0, field, "person.error.not_village", a.Name)
	case !im.opt.Scope.Contains(code):
		es.Add(0, field, "person.error.village_outside", a.Name)
	}
	return nil
}

// Columns of the history and components tables, as written by an import.
var (
	historyColumns   = []string{"id", "person_id", "seq", "at", "actor", "change", "before_json", "after_json", "reason", "effective_date", "source"}
	componentColumns = []string{"person_id", "category", "grade"}
)

// write inserts the queued new persons, then their first history entries
// and components (which refer to them).
func (im *importer) write(ctx context.Context) error {
	if len(im.fresh) == 0 {
		return nil
	}
	for i := range im.fresh {
		if err := im.persons.add(ctx, func(args []any) []any { return append(args, im.fresh[i].values()...) }); err != nil {
			return err
		}
	}
	if err := im.persons.flush(ctx); err != nil {
		return err
	}
	for i := range im.fresh {
		p := &im.fresh[i]
		after, err := json.Marshal(p)
		if err != nil {
			return err
		}
		err = im.history.add(ctx, func(args []any) []any {
			return append(args, store.NewID(), p.ID, 1, p.CreatedAt, im.actor, string(ChangeCreate), "", crypt.Seal(KindHistory, string(after)), im.reason, "", "")
		})
		if err != nil {
			return err
		}
		for _, c := range p.Components {
			if err := im.components.add(ctx, func(args []any) []any { return append(args, p.ID, int(c.Category), int(c.Grade)) }); err != nil {
				return err
			}
		}
	}
	if err := im.history.flush(ctx); err != nil {
		return err
	}
	if err := im.components.flush(ctx); err != nil {
		return err
	}
	clear(im.fresh) // let the persons go
	im.fresh = im.fresh[:0]
	return nil
}

// update compares a row with the registered person and, when it changes
// something, updates the person with the import's reason. Blank cells and
// missing columns leave the stored value alone: a file that lacks the
// phones does not erase them.
func (im *importer) update(ctx context.Context, tx *store.Tx, res ImportRowResult, p parsed, before Person) (ImportRowResult, error) {
	res.PersonID = before.ID
	want := mergeRow(before.Input(), p)
	res.Changes = im.diff(before.Input(), want)
	if len(res.Changes) == 0 {
		res.Status = RowUnchanged
		return res, nil
	}
	if !before.Active() {
		res.Status, res.Changes = RowError, nil
		res.Problems = []ImportProblem{{Column: NoColumn, Key: "registry.import.error.not_active", Args: []any{"person.status." + string(before.Status)}}}
		return res, nil
	}
	if _, err := importUpdate(ctx, tx, im.opt.Scope, before, want, im.reason); err != nil {
		var es validate.Errors
		if errors.As(err, &es) {
			res.Status, res.Changes, res.Problems = RowError, nil, problemsOf(es)
			return res, nil
		}
		return res, err
	}
	res.Status = RowUpdated
	return res, nil
}

// mergeRow lays the cells a row gives over a stored person's fields.
func mergeRow(n NewPerson, p parsed) NewPerson {
	g := p.given
	set := func(c ImportColumn, dst *string, v string) {
		if g[c] {
			*dst = v
		}
	}
	set(ColName, &n.Name, p.n.Name)
	set(ColVillage, &n.VillageCode, p.n.VillageCode)
	set(ColResidenceVillage, &n.ResidenceVillageCode, p.n.ResidenceVillageCode)
	set(ColHouseholdAddress, &n.HouseholdAddress, p.n.HouseholdAddress)
	set(ColResidenceAddress, &n.ResidenceAddress, p.n.ResidenceAddress)
	set(ColPhone, &n.Phone, p.n.Phone)
	set(ColGuardianName, &n.GuardianName, p.n.GuardianName)
	set(ColGuardianRelation, &n.GuardianRelation, p.n.GuardianRelation)
	set(ColGuardianPhone, &n.GuardianPhone, p.n.GuardianPhone)
	set(ColEducation, &n.Education, p.n.Education)
	set(ColEmployment, &n.Employment, p.n.Employment)
	set(ColMarital, &n.Marital, p.n.Marital)
	set(ColIssuedOn, &n.CertificateIssuedOn, p.n.CertificateIssuedOn)
	if g[ColCategory] {
		n.Category = p.n.Category
		if n.Category != Multiple {
			n.Components = nil
		}
	}
	if g[ColGrade] || g[ColCategory] {
		n.Grade = p.n.Grade
	}
	if g[ColComponents] {
		n.Components = p.n.Components
		if n.Category == Multiple && !g[ColGrade] {
			n.Grade = MultipleGrade(n.Components)
		}
	}
	for _, f := range []struct {
		c      ImportColumn
		dst, v *bool
	}{{ColDibao, &n.Dibao, &p.n.Dibao}, {ColTekun, &n.Tekun, &p.n.Tekun}, {ColPoverty, &n.PovertyRegistered, &p.n.PovertyRegistered},
		{ColMedical, &n.MedicalInsurance, &p.n.MedicalInsurance}, {ColPension, &n.PensionInsurance, &p.n.PensionInsurance}} {
		if g[f.c] {
			*f.dst = *f.v
		}
	}
	if n.ResidenceVillageCode == n.VillageCode {
		n.ResidenceVillageCode = ""
	}
	return n
}

// diff lists the fields that differ, as a person reads them.
func (im *importer) diff(a, b NewPerson) []ImportChange {
	var out []ImportChange
	add := func(c ImportColumn, x, y string) {
		if x != y {
			out = append(out, ImportChange{Column: c, Before: x, After: y})
		}
	}
	yes := func(v bool) string {
		if v {
			return "是"
		}
		return "否"
	}
	village := func(code string) string {
		if n, ok := im.names[code]; ok {
			return n
		}
		return code
	}
	add(ColName, a.Name, b.Name)
	add(ColVillage, village(a.VillageCode), village(b.VillageCode))
	add(ColResidenceVillage, village(a.ResidenceVillageCode), village(b.ResidenceVillageCode))
	add(ColCategory, a.Category.ZH(), b.Category.ZH())
	add(ColGrade, a.Grade.ZH(), b.Grade.ZH())
	add(ColComponents, ComponentsText(a.Components), ComponentsText(b.Components))
	add(ColIssuedOn, a.CertificateIssuedOn, b.CertificateIssuedOn)
	add(ColHouseholdAddress, a.HouseholdAddress, b.HouseholdAddress)
	add(ColResidenceAddress, a.ResidenceAddress, b.ResidenceAddress)
	add(ColPhone, a.Phone, b.Phone)
	add(ColGuardianName, a.GuardianName, b.GuardianName)
	add(ColGuardianRelation, a.GuardianRelation, b.GuardianRelation)
	add(ColGuardianPhone, a.GuardianPhone, b.GuardianPhone)
	add(ColDibao, yes(a.Dibao), yes(b.Dibao))
	add(ColTekun, yes(a.Tekun), yes(b.Tekun))
	add(ColPoverty, yes(a.PovertyRegistered), yes(b.PovertyRegistered))
	add(ColEducation, labelOf(educationLabels, a.Education), labelOf(educationLabels, b.Education))
	add(ColEmployment, labelOf(employmentLabels, a.Employment), labelOf(employmentLabels, b.Employment))
	add(ColMarital, labelOf(maritalLabels, a.Marital), labelOf(maritalLabels, b.Marital))
	add(ColMedical, yes(a.MedicalInsurance), yes(b.MedicalInsurance))
	add(ColPension, yes(a.PensionInsurance), yes(b.PensionInsurance))
	return out
}

// fieldColumns maps the fields of the registry's validation to columns.
var fieldColumns = map[string]ImportColumn{
	"person.id_number":             ColIDNumber,
	"person.name":                  ColName,
	"person.village":               ColVillage,
	"person.residence_village":     ColResidenceVillage,
	"person.category":              ColCategory,
	"person.grade":                 ColGrade,
	"person.components":            ColComponents,
	"person.household_address":     ColHouseholdAddress,
	"person.residence_address":     ColResidenceAddress,
	"person.phone":                 ColPhone,
	"person.guardian_name":         ColGuardianName,
	"person.guardian_relation":     ColGuardianRelation,
	"person.guardian_phone":        ColGuardianPhone,
	"person.education":             ColEducation,
	"person.employment":            ColEmployment,
	"person.marital":               ColMarital,
	"person.certificate_issued_on": ColIssuedOn,
}

// problemsOf turns the registry's validation errors into row problems.
func problemsOf(es validate.Errors) []ImportProblem {
	out := make([]ImportProblem, 0, len(es))
	for _, e := range es {
		c, ok := fieldColumns[e.Field]
		if !ok {
			c = NoColumn
		}
		out = append(out, ImportProblem{Column: c, Key: e.Key, Args: e.Args})
	}
	return out
}

// ---- showing a report ----

// Message is the problem in language l (without row and column).
func (p ImportProblem) Message(l i18n.Lang) string {
	args := slices.Clone(p.Args)
	for i, a := range args {
		// Arguments that are catalogue keys (a status) are translated.
		if s, ok := a.(string); ok && strings.HasPrefix(s, "person.status.") {
			args[i] = i18n.T(l, s)
		}
	}
	return i18n.T(l, p.Key, args...)
}

// ColumnHeader names a column as the file does ("" for NoColumn).
func (rep *ImportReport) ColumnHeader(c ImportColumn) string {
	if c == NoColumn || c < 0 || c >= numImportColumns {
		return ""
	}
	if rep.Sheetinfo != nil {
		return rep.Sheetinfo.Header(c)
	}
	return c.TemplateHeader()
}

// ProblemText is a problem with its row and column, as a list shows it.
func (rep *ImportReport) ProblemText(l i18n.Lang, row int, p ImportProblem) string {
	if h := rep.ColumnHeader(p.Column); h != "" {
		return i18n.T(l, "validate.row_field", row, h, p.Message(l))
	}
	return i18n.T(l, "validate.row", row, p.Message(l))
}

// importUpdate writes an update found by an import, as a general edit
// (修改) whose reason names the file.
func importUpdate(ctx context.Context, tx *store.Tx, s area.Scope, before Person, want NewPerson, reason string) (Person, error) {
	want.IDNumber = before.IDNumber
	return Update(ctx, tx, s, before.ID, UpdatePerson{NewPerson: want, Reason: reason, Version: before.Version})
}

// importReason is the reason an import's changes carry: 批量导入 <file>,
// the file name shortened to fit the reason's limit.
func importReason(fileName string) string {
	if r := []rune(fileName); len(r) > 80 {
		fileName = string(r[:80]) + "…"
	}
	return "批量导入 " + fileName
}

// ---- the report as CSV and JSON ----

// WriteReportCSV writes the report as the CLI and the page's download give
// it (UTF-8): the header row,status,field,message, then one line for every
// data row and one more for each further problem of that row. field is the
// column as the file names it; an updated row's message lists its changes.
// With mask, ID numbers and phones in messages are masked.
func (rep *ImportReport) WriteReportCSV(w io.Writer, l i18n.Lang, mask bool) error {
	cw := csv.NewWriter(w)
	if err := cw.Write([]string{"row", "status", "field", "message"}); err != nil {
		return err
	}
	for _, r := range rep.Rows {
		row := strconv.Itoa(r.Row)
		switch {
		case r.Status == RowError:
			for _, p := range r.Problems {
				if err := cw.Write([]string{row, string(r.Status), rep.ColumnHeader(p.Column), safe.Text(p.Message(l))}); err != nil {
					return err
				}
			}
		case r.Status == RowUpdated:
			var field []string
			var msg []string
			for _, c := range r.maskedChanges(mask) {
				field = append(field, rep.ColumnHeader(c.Column))
				msg = append(msg, i18n.T(l, "registry.import.change", rep.ColumnHeader(c.Column), c.Before, c.After))
			}
			if err := cw.Write([]string{row, string(r.Status), strings.Join(field, "、"), safe.Text(strings.Join(msg, "；"))}); err != nil {
				return err
			}
		default:
			if err := cw.Write([]string{row, string(r.Status), "", ""}); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

// maskedChanges are the row's changes with phones masked when mask is set.
func (r ImportRowResult) maskedChanges(mask bool) []ImportChange {
	if !mask {
		return r.Changes
	}
	out := slices.Clone(r.Changes)
	for i, c := range out {
		if c.Column == ColPhone || c.Column == ColGuardianPhone {
			out[i].Before, out[i].After = MaskPhone(c.Before), MaskPhone(c.After)
		}
	}
	return out
}

// ImportReportJSON is the API's form of a report.
type ImportReportJSON struct {
	File      string           `json:"file"`
	Sheet     string           `json:"sheet"`      // "" for CSV
	HeaderRow int              `json:"header_row"` // spreadsheet row of the header
	Mode      ImportMode       `json:"mode"`
	Applied   bool             `json:"applied"` // the rows were written
	Columns   []ImportColJSON  `json:"columns"` // the columns recognised
	Ignored   []string         `json:"ignored_columns"`
	Counts    ImportCountsJSON `json:"counts"`
	Rows      []ImportRowJSON  `json:"rows"`
}

// ImportColJSON is a recognised column: its field name and its header.
type ImportColJSON struct {
	Field  string `json:"field"`
	Header string `json:"header"`
}

// ImportCountsJSON counts the rows by status.
type ImportCountsJSON struct {
	Rows      int `json:"rows"`
	New       int `json:"new"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
	Errors    int `json:"errors"`
}

// ImportRowJSON is one data row's outcome.
type ImportRowJSON struct {
	Row      int                 `json:"row"`
	Status   RowStatus           `json:"status"`
	Name     string              `json:"name"`
	IDNumber string              `json:"id_number"`
	PersonID string              `json:"person_id,omitempty"`
	Problems []ImportProblemJSON `json:"problems,omitempty"`
	Changes  []ImportChangeJSON  `json:"changes,omitempty"`
}

// ImportProblemJSON is one reason a row was refused.
type ImportProblemJSON struct {
	Field   string `json:"field"`  // column field name, "" for the whole row
	Column  string `json:"column"` // the header as the file has it
	Message string `json:"message"`
}

// ImportChangeJSON is one field an update changes.
type ImportChangeJSON struct {
	Field  string `json:"field"`
	Column string `json:"column"`
	Before string `json:"before"`
	After  string `json:"after"`
}

// JSON gives the report in the API's form, messages in language l.
func (rep *ImportReport) JSON(l i18n.Lang, mask bool) ImportReportJSON {
	out := ImportReportJSON{File: rep.FileName, Sheet: rep.Sheet, HeaderRow: rep.HeaderRow, Mode: rep.Mode, Applied: rep.Applied,
		Columns: []ImportColJSON{}, Ignored: []string{}, Rows: []ImportRowJSON{},
		Counts: ImportCountsJSON{Rows: len(rep.Rows), New: rep.New, Updated: rep.Updated, Unchanged: rep.Unchanged, Errors: rep.Errors}}
	if sh := rep.Sheetinfo; sh != nil {
		for c := range numImportColumns {
			if sh.Has[c] {
				out.Columns = append(out.Columns, ImportColJSON{Field: c.Key(), Header: sh.Headers[c]})
			}
		}
		out.Ignored = append(out.Ignored, sh.Ignored...)
	}
	for _, r := range rep.Rows {
		j := ImportRowJSON{Row: r.Row, Status: r.Status, Name: r.Name, IDNumber: r.IDNumber, PersonID: r.PersonID}
		if mask {
			j.IDNumber = MaskIDNumber(r.IDNumber)
		}
		for _, p := range r.Problems {
			f := ""
			if p.Column != NoColumn {
				f = p.Column.Key()
			}
			j.Problems = append(j.Problems, ImportProblemJSON{Field: f, Column: rep.ColumnHeader(p.Column), Message: p.Message(l)})
		}
		for _, c := range r.maskedChanges(mask) {
			j.Changes = append(j.Changes, ImportChangeJSON{Field: c.Column.Key(), Column: rep.ColumnHeader(c.Column), Before: c.Before, After: c.After})
		}
		out.Rows = append(out.Rows, j)
	}
	return out
}
