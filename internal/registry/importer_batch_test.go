package registry_test

// The import writes new persons many to a statement and looks ID numbers up
// a chunk at a time; these tests cross the chunk boundaries and check that
// what is stored is what Create stores.

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
)

// A person imported is stored exactly as Create stores the same input:
// record, components and first history entry, but for ids and instants.
func TestImportStoresWhatCreateStores(t *testing.T) {
	imported, ctx := setup(t)
	created, _ := setup(t)
	s := area.ScopeOf(county)
	h := "姓名,身份证号码,残疾类别,残疾等级,多重残疾,发证日期,乡镇（街道）,村（社区）,户籍地址,居住地村（社区）,居住地址,联系电话,监护人,与监护人关系,监护人电话,低保,特困,建档立卡,文化程度,就业情况,婚姻状况,医疗保险,养老保险"
	rows := []struct {
		line string
		n    registry.NewPerson
	}{
		{"张三丰," + idNumber(1950, 4, 9, 11, registry.SexMale) + ",肢体,二级,,2020-05-06,,团结社区,城关街道幸福路1号,李庄村,桃园镇李庄村3组,13812345678,张小,父子,13900001111,是,否,是,初中,灵活就业,已婚,是,否",
			registry.NewPerson{IDNumber: idNumber(1950, 4, 9, 11, registry.SexMale), Name: "张三丰", VillageCode: villageA, Category: registry.Physical,
				Grade: registry.Grade2, CertificateIssuedOn: "2020-05-06", HouseholdAddress: "城关街道幸福路1号", ResidenceVillageCode: villageB,
				ResidenceAddress: "桃园镇李庄村3组", Phone: "13812345678", GuardianName: "张小", GuardianRelation: "父子", GuardianPhone: "13900001111",
				Dibao: true, PovertyRegistered: true, Education: "junior", Employment: "flexible", Marital: "married", MedicalInsurance: true}},
		{"李梅," + idNumber(1988, 12, 1, 12, registry.SexFemale) + ",多重,,听力三级、肢体二级,,桃园镇,李庄村,,李庄村,,,,,,,,,,,,,",
			registry.NewPerson{IDNumber: idNumber(1988, 12, 1, 12, registry.SexFemale), Name: "李梅", VillageCode: villageB, Category: registry.Multiple,
				Components: []registry.Component{{Category: registry.Hearing, Grade: registry.Grade3}, {Category: registry.Physical, Grade: registry.Grade2}}}},
	}
	lines := []string{h}
	for _, r := range rows {
		lines = append(lines, r.line)
	}
	rep := importCSV(t, imported, ctx, csvFile(t, "same.csv", lines...), s, registry.ImportAllOrNothing)
	if !rep.Applied || rep.New != len(rows) {
		t.Fatalf("import: %+v %+v", rep, rep.Rows)
	}
	for i, r := range rows {
		want := mustCreate(t, created, ctx, r.n)
		got, err := registry.Get(ctx, imported, s, rep.Rows[i].PersonID)
		if err != nil {
			t.Fatal(err)
		}
		same := func(p registry.Person) registry.Person {
			p.ID, p.CreatedAt, p.UpdatedAt = "", "", ""
			return p
		}
		if a, b := fmt.Sprintf("%+v", same(got)), fmt.Sprintf("%+v", same(want)); a != b {
			t.Errorf("row %d stored as\n%s\nCreate stores\n%s", i+2, a, b)
		}
		gh, err := registry.History(ctx, imported, s, got.ID)
		if err != nil {
			t.Fatal(err)
		}
		wh, err := registry.History(ctx, created, s, want.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(gh) != 1 || len(wh) != 1 || gh[0].Change != wh[0].Change || gh[0].Actor != wh[0].Actor || gh[0].Before != "" {
			t.Fatalf("histories %+v and %+v", gh, wh)
		}
		var ga, wa registry.Person
		if json.Unmarshal([]byte(gh[0].After), &ga) != nil || json.Unmarshal([]byte(wh[0].After), &wa) != nil || ga.ID != got.ID {
			t.Fatalf("history after %s / %s", gh[0].After, wh[0].After)
		}
		if a, b := fmt.Sprintf("%+v", same(ga)), fmt.Sprintf("%+v", same(wa)); a != b {
			t.Errorf("row %d history after\n%s\nCreate writes\n%s", i+2, a, b)
		}
	}
}

// bigRow is a valid row of township A for number i (i < 20,000): unique
// ID numbers, every 50th a 多重 person.
func bigRow(i int, village string) string {
	id := idNumber(1940+i%60, time.Month(1+(i/60)%12), 1+(i/720)%28, 21, registry.SexMale)
	if i%50 == 0 {
		return fmt.Sprintf("人%d,%s,多重,,视力二级、肢体三级,%s,", i, id, village)
	}
	return fmt.Sprintf("人%d,%s,肢体,%d,,%s,", i, id, 1+i%4, village)
}

// Rows spread over several look-up chunks: duplicates far apart, known
// persons inside and outside the scope, bad villages met many times, and
// every count right; all_or_nothing with its one bad row at the very end
// writes nothing, though earlier chunks were written.
func TestImportAcrossChunks(t *testing.T) {
	db, ctx := setup(t)
	s := area.ScopeOf(townA)
	known := mustCreate(t, db, ctx, registry.NewPerson{IDNumber: idNumber(1961, 3, 3, 31, registry.SexMale), Name: "老李", VillageCode: villageA,
		Category: registry.Hearing, Grade: registry.Grade3})
	outside := mustCreate(t, db, ctx, registry.NewPerson{IDNumber: idNumber(1962, 3, 3, 33, registry.SexMale), Name: "外乡人", VillageCode: villageB,
		Category: registry.Hearing, Grade: registry.Grade3})
	const n = 1234
	h := "姓名,身份证号码,残疾类别,残疾等级,多重残疾,村（社区）,联系电话"
	lines := []string{h}
	special := map[int]struct {
		line   string
		status registry.RowStatus
		key    string
	}{
		3:    {bigRow(3, "团结社区"), registry.RowOK, ""},
		1100: {strings.Replace(bigRow(3, "陈楼村"), "人3,", "人3又,", 1), registry.RowError, "registry.import.error.duplicate_row"},
		700:  {"老李," + known.IDNumber + ",听力,二级,,团结社区,", registry.RowUpdated, ""},
		900:  {"外乡人," + outside.IDNumber + ",听力,三级,,团结社区,", registry.RowError, "registry.import.error.outside_scope"},
		1000: {bigRow(1000, townA), registry.RowError, "person.error.not_village"},
		1001: {bigRow(1001, "341599001999"), registry.RowError, "person.error.unknown_village"},
		1002: {bigRow(1002, villageB), registry.RowError, "person.error.village_outside"},
		1003: {bigRow(1003, villageB), registry.RowError, "person.error.village_outside"},
		1004: {bigRow(1004, villageC) + "12345", registry.RowError, "person.error.phone"},
	}
	for i := range n {
		if sp, ok := special[i]; ok {
			lines = append(lines, sp.line)
			continue
		}
		v := "团结社区"
		if i%3 == 0 {
			v = villageC
		}
		lines = append(lines, bigRow(i, v))
	}
	file := csvFile(t, "big.csv", lines...)
	persons, history, audits := count(t, db, "persons"), count(t, db, "person_history"), count(t, db, "audit_log")
	var progress []int
	rep, err := registry.ImportFile(ctx, db, file, registry.FormatCSV, registry.ImportOptions{Scope: s, Today: today, FileName: "big.csv",
		Mode: registry.ImportGoodRows, Progress: func(done int) { progress = append(progress, done) }})
	if err != nil {
		t.Fatal(err)
	}
	const bad = 7
	if len(rep.Rows) != n || rep.Errors != bad || rep.Updated != 1 || rep.New != n-bad-1 || !rep.Applied {
		t.Fatalf("counts: %d rows, %d new, %d updated, %d errors", len(rep.Rows), rep.New, rep.Updated, rep.Errors)
	}
	if len(progress) == 0 || progress[len(progress)-1] != n {
		t.Errorf("progress %v", progress)
	}
	for i, r := range rep.Rows {
		if r.Row != i+2 {
			t.Fatalf("rows out of order at %d: %+v", i, r)
		}
		sp, ok := special[i]
		switch {
		case !ok && (r.Status != registry.RowOK || r.PersonID == ""):
			t.Errorf("row %d: %+v", r.Row, r)
		case ok && r.Status != sp.status:
			t.Errorf("row %d: %s, want %s (%+v)", r.Row, r.Status, sp.status, r.Problems)
		case ok && sp.key != "" && (len(r.Problems) != 1 || r.Problems[0].Key != sp.key):
			t.Errorf("row %d: problems %+v, want %s", r.Row, r.Problems, sp.key)
		}
	}
	if args := rep.Rows[1100].Problems[0].Args; len(args) != 1 || args[0] != 5 {
		t.Errorf("duplicate points to row %v, want 5", args)
	}
	multiple := 0
	for i := 0; i < n; i += 50 {
		if _, ok := special[i]; !ok {
			multiple++
		}
	}
	if got := count(t, db, "persons") - persons; got != rep.New {
		t.Errorf("%d persons written, want %d", got, rep.New)
	}
	if got := count(t, db, "person_history") - history; got != rep.New+1 {
		t.Errorf("%d history entries written, want %d", got, rep.New+1)
	}
	if got := count(t, db, "person_components"); got != 2*multiple {
		t.Errorf("%d components, want %d", got, 2*multiple)
	}
	// The import's entry and the update's.
	if got := count(t, db, "audit_log") - audits; got != 2 {
		t.Errorf("%d audit entries, want 2", got)
	}
	p, err := registry.Get(ctx, db, s, rep.Rows[50].PersonID)
	if err != nil || p.Category != registry.Multiple || len(p.Components) != 2 || p.Grade != registry.Grade2 {
		t.Errorf("多重 person stored as %+v (%v)", p, err)
	}
	if p, _ := registry.Get(ctx, db, s, known.ID); p.Grade != registry.Grade2 || p.Version != 2 {
		t.Errorf("known person after import %+v", p)
	}

	// Again: nothing new, nothing written.
	persons, history, audits = count(t, db, "persons"), count(t, db, "person_history"), count(t, db, "audit_log")
	rep = importCSV(t, db, ctx, file, s, registry.ImportGoodRows)
	if rep.Unchanged != n-bad || rep.New+rep.Updated != 0 || rep.Applied {
		t.Errorf("re-import: %d unchanged, %d new, %d updated", rep.Unchanged, rep.New, rep.Updated)
	}
	if count(t, db, "persons") != persons || count(t, db, "person_history") != history || count(t, db, "audit_log") != audits {
		t.Error("re-import wrote something")
	}

	// A file of new persons with one bad row at its end: all_or_nothing
	// writes none, though most chunks were checked before the bad row.
	fresh := []string{h}
	for i := 2000; i < 2000+n; i++ {
		fresh = append(fresh, bigRow(i, "团结社区"))
	}
	fresh = append(fresh, bigRow(2000+n, "没有这个村"))
	freshFile := csvFile(t, "fresh.csv", fresh...)
	for _, mode := range []registry.ImportMode{registry.ImportAllOrNothing, registry.ImportDryRun} {
		rep = importCSV(t, db, ctx, freshFile, s, mode)
		if rep.New != n || rep.Errors != 1 || rep.Applied {
			t.Errorf("%s: %d new, %d errors, applied %v", mode, rep.New, rep.Errors, rep.Applied)
		}
		if count(t, db, "persons") != persons || count(t, db, "person_history") != history || count(t, db, "audit_log") != audits {
			t.Fatalf("%s wrote something", mode)
		}
	}
	rep = importCSV(t, db, ctx, freshFile, s, registry.ImportGoodRows)
	if rep.New != n || !rep.Applied || count(t, db, "persons") != persons+n {
		t.Errorf("good rows of the fresh file: %d new, applied %v", rep.New, rep.Applied)
	}
}
