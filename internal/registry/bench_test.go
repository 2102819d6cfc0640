package registry

import (
	"testing"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/area"
)

// Benchmarks of the registry's hot pure functions, for benchstat:
//
//	go test ./internal/registry/ -run '^$' -bench . -count 10 > new.txt

var benchToday = time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)

func BenchmarkParseIDNumber(b *testing.B) {
	for _, in := range []struct{ name, n string }{
		{"18-digit", "11010519491231002X"},
		{"full-width with spaces", "１１０１０５ １９４９１２３１００２ｘ"},
		{"15-digit legacy", "110105491231002"},
	} {
		b.Run(in.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := ParseIDNumber(in.n, benchToday); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkNameInitials(b *testing.B) {
	for b.Loop() {
		if NameInitials("欧阳明月") != "oymy" {
			b.Fatal("initials")
		}
	}
}

func BenchmarkCertificateNumber(b *testing.B) {
	for b.Loop() {
		_ = CertificateNumber("11010519491231002X", Physical, Grade2)
	}
}

// BenchmarkImportParseRow is the check of one typical spreadsheet row: ID
// number, category and grade as words, sex, village by name, phone.
func BenchmarkImportParseRow(b *testing.B) {
	im := &importer{opt: ImportOptions{Scope: area.ScopeOf("341599000000"), Today: benchToday}, rep: &ImportReport{},
		seen: map[idKey]int{}, villages: map[string]area.Area{}, byName: map[string][]area.Area{}, townships: map[string]area.Area{},
		names: map[string]string{}, others: map[string]*area.Area{}, normalised: map[string]string{}, choices: map[choiceKey]choice{}}
	town := area.Area{Code: "341599001000", Name: "城关街道", Level: area.Township, ParentCode: "341599000000"}
	village := area.Area{Code: "341599001001", Name: "团结社区", Level: area.Village, ParentCode: town.Code}
	im.townships[town.Code], im.villages[village.Code] = town, village
	im.names[town.Code], im.names[village.Code] = town.Name, village.Name
	im.byName[normaliseHeader(village.Name)] = []area.Area{village}
	var rec ImportRecord
	rec.Row = 2
	rec.Cells[ColName] = "张三丰"
	rec.Cells[ColIDNumber] = "11010519491231002X"
	rec.Cells[ColSex] = "女"
	rec.Cells[ColCategory] = "肢体"
	rec.Cells[ColGrade] = "二级"
	rec.Cells[ColTownship] = "城关街道"
	rec.Cells[ColVillage] = "团结社区"
	rec.Cells[ColPhone] = "138 0000 1111"
	if p := im.parse(rec); len(p.problems) != 0 {
		b.Fatalf("the row has problems: %+v", p.problems)
	}
	for b.Loop() {
		im.parse(rec)
	}
}
