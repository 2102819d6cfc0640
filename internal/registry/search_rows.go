package registry

import (
	"html/template"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/i18n"
)

// resultRows writes the search page's result rows (persons already
// masked) as HTML. The template did the same with a dozen reflective calls
// and escapes per row; at 50 rows that was most of a page's CPU
// (BENCHMARKS.md). Every value is escaped as html/template escapes it.
func resultRows(l i18n.Lang, persons []Person, names map[string]string, today time.Time) template.HTML {
	var b strings.Builder
	b.Grow(len(persons) * 600)
	esc := func(s string) { b.WriteString(template.HTMLEscapeString(s)) }
	for i := range persons {
		p := &persons[i]
		b.WriteString("  <tr>\n    <td><a href=\"/registry/persons/")
		esc(url.PathEscape(p.ID))
		b.WriteString(`">`)
		esc(p.Name)
		b.WriteString("</a>")
		if p.Status != StatusActive {
			b.WriteString(` <span class="hint">`)
			esc(i18n.T(l, "person.status."+string(p.Status)))
			b.WriteString("</span>")
		}
		b.WriteString("</td>\n    <td>")
		esc(p.IDNumber)
		b.WriteString("</td>\n    <td>")
		esc(i18n.T(l, "person.sex."+strconv.Itoa(p.Sex)))
		b.WriteString("</td>\n    <td class=\"num\">")
		b.WriteString(strconv.Itoa(p.Age(today)))
		b.WriteString("</td>\n    <td>")
		esc(names[p.VillageCode])
		b.WriteString("</td>\n    <td>")
		esc(i18n.T(l, "person.category_grade", i18n.T(l, p.Category.MessageKey()), i18n.T(l, p.Grade.MessageKey())))
		b.WriteString("</td>\n    <td>")
		if p.CertificateNo != "" {
			esc(p.CertificateNo)
		} else {
			esc(i18n.T(l, "person.no_certificate"))
		}
		if p.CertificateExpired(today) {
			b.WriteString(` <span class="hint">`)
			esc(i18n.T(l, "person.expired"))
			b.WriteString("</span>")
		}
		b.WriteString("</td>\n    <td>")
		esc(p.Phone)
		b.WriteString("</td>\n  </tr>\n")
	}
	return template.HTML(b.String()) //nolint:gosec // every value escaped above
}
