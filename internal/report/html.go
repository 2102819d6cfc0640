package report

import (
	"html/template"
	"io"

	"github.com/yangguang-cdpf/yangguang/internal/i18n"
)

// standalone is the report as one self-contained HTML file (a download
// and the CLI's .html): its own print styles, no navigation, no script.
var standalone = template.Must(template.New("report").Parse(`<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>{{.R.Title}}</title>
<style>
body { font-family: "SimSun", "宋体", "Songti SC", serif; max-width: 48em; margin: 2em auto; line-height: 1.8; color: #000; background: #fff; }
h1 { text-align: center; font-size: 1.6em; }
h2 { font-size: 1.25em; margin-top: 1.5em; }
p { text-indent: 2em; }
table { border-collapse: collapse; width: 100%; margin: 1em 0; }
th, td { border: 1px solid #000; padding: .25em .5em; text-align: left; }
td.num { text-align: right; }
a { color: #000; }
@media print { body { margin: 0; max-width: none; } a { text-decoration: none; } }
</style>
</head>
<body>
<main>
<h1>{{.R.Title}}</h1>
<p>{{template "segs" .R.Intro}}</p>
{{range .R.Parts}}<h2>{{.Heading}}</h2>
{{range .Paragraphs}}<p>{{template "segs" .}}</p>
{{end}}{{end}}
{{with .R.NextTargets}}<table><caption>{{$.NextCaption}}</caption>
<thead><tr>{{range $.TargetHead}}<th scope="col">{{.}}</th>{{end}}</tr></thead>
<tbody>{{range .}}<tr><th scope="row">{{.Name}}</th><td class="num">{{.Target}}</td><td>{{.Unit}}</td></tr>{{end}}</tbody></table>{{end}}
<h2>{{.Appendix}}</h2>
<table><caption>{{.Appendix}}</caption>
<thead><tr>{{range .Head}}<th scope="col">{{.}}</th>{{end}}</tr></thead>
<tbody>{{range .Rows}}<tr><th scope="row">{{index . 0}}</th><td class="num">{{index . 1}}</td><td>{{index . 2}}</td><td class="num">{{index . 3}}</td><td class="num">{{index . 4}}</td></tr>{{end}}</tbody></table>
<p>{{.Generated}}</p>
</main>
</body>
</html>
{{define "segs"}}{{range .Segments}}{{if .Figure}}<strong>{{.Figure.Display}}</strong>{{else}}{{.Text}}{{end}}{{end}}{{end}}
`))

// WriteHTML writes the report as a printable, self-contained HTML file.
func WriteHTML(w io.Writer, rep *Report) error {
	l := rep.Lang
	head, rows := figureTable(l, rep.Rows)
	return standalone.Execute(w, map[string]any{
		"R": rep, "Head": head, "Rows": rows, "Appendix": i18n.T(l, "report.appendix"),
		"NextCaption": i18n.T(l, "report.next_targets", rep.NextName),
		"TargetHead":  []string{i18n.T(l, "report.col.indicator"), i18n.T(l, "report.col.target"), i18n.T(l, "report.col.unit")},
		"Generated":   i18n.T(l, "report.generated", rep.GeneratedAt[:10]),
	})
}
