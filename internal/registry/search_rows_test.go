package registry

import (
	"html/template"
	"strings"
	"testing"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/i18n"
)

// oldRows is the template resultRows replaced; the page must not change.
const oldRows = `{{range .Persons}}
  <tr>
    <td><a href="/registry/persons/{{.ID}}">{{.Name}}</a>{{if ne .Status "active"}} <span class="hint">{{T (print "person.status." .Status)}}</span>{{end}}</td>
    <td>{{.IDNumber}}</td>
    <td>{{T (print "person.sex." .Sex)}}</td>
    <td class="num">{{.Age $.Today}}</td>
    <td>{{index $.Names .VillageCode}}</td>
    <td>{{T "person.category_grade" (T .Category.MessageKey) (T .Grade.MessageKey)}}</td>
    <td>{{if .CertificateNo}}{{.CertificateNo}}{{else}}{{T "person.no_certificate"}}{{end}}{{if .CertificateExpired $.Today}} <span class="hint">{{T "person.expired"}}</span>{{end}}</td>
    <td>{{.Phone}}</td>
  </tr>
  {{end}}`

func TestResultRowsAsTheTemplateWrote(t *testing.T) {
	today := time.Date(2026, 11, 29, 0, 0, 0, 0, time.Local)
	persons := []Person{
		{ID: "0190-a", Name: "张三", Status: StatusActive, IDNumber: "341599********1234", Sex: 1, BirthDate: "1960-05-01", VillageCode: "341599001001",
			Category: Physical, Grade: 2, CertificateNo: "34159919600501123442", CertificateExpiresOn: "2030-01-01", Phone: "138****0000"},
		{ID: "0190-b", Name: `<b>"欧阳'&</b>`, Status: StatusDeceased, IDNumber: "x<y", Sex: 2, BirthDate: "2020-11-30", VillageCode: "unknown",
			Category: Multiple, Grade: 0, CertificateExpiresOn: "2026-11-01", Phone: ""},
		{ID: "0190-c", Name: "李四", Status: StatusMovedOut, Sex: 1, BirthDate: "2000-02-29", VillageCode: "341599001001", Category: Mental, Grade: 4,
			CertificateNo: "C&1", CertificateExpiresOn: "2026-11-29"},
	}
	names := map[string]string{"341599001001": "团结<社区>"}
	for _, l := range i18n.Langs {
		tpl := template.Must(template.New("rows").Funcs(template.FuncMap{"T": func(key string, args ...any) string { return i18n.T(l, key, args...) }}).Parse(oldRows))
		var want strings.Builder
		if err := tpl.Execute(&want, map[string]any{"Persons": persons, "Today": today, "Names": names}); err != nil {
			t.Fatal(err)
		}
		got := string(resultRows(l, persons, names, today))
		if strings.Join(strings.Fields(got), " ") != strings.Join(strings.Fields(want.String()), " ") {
			t.Errorf("%s:\n got %s\nwant %s", l, got, want.String())
		}
	}
}
