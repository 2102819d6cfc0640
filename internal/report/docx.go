package report

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"io"
	"strings"

	"github.com/yangguang-cdpf/yangguang/internal/i18n"
)

// The .docx is written by hand: a minimal WordprocessingML package
// ([Content_Types].xml, _rels/.rels, word/document.xml, word/styles.xml and
// the document's relationships) that Word and LibreOffice open, with 宋体
// (SimSun) for Chinese text, headings as styles and the figures as a table.

const docxContentTypes = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>
<Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>
<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>
</Types>`

const docxRels = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>
</Relationships>`

const docxDocRels = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>
</Relationships>`

const docxStyles = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">
<w:docDefaults>
<w:rPrDefault><w:rPr><w:rFonts w:ascii="Times New Roman" w:hAnsi="Times New Roman" w:eastAsia="宋体" w:cs="Times New Roman"/><w:sz w:val="28"/><w:szCs w:val="28"/><w:lang w:val="en-US" w:eastAsia="zh-CN"/></w:rPr></w:rPrDefault>
<w:pPrDefault><w:pPr><w:spacing w:after="120" w:line="400" w:lineRule="auto"/></w:pPr></w:pPrDefault>
</w:docDefaults>
<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/><w:pPr><w:ind w:firstLineChars="200" w:firstLine="560"/><w:jc w:val="both"/></w:pPr></w:style>
<w:style w:type="paragraph" w:styleId="Title"><w:name w:val="Title"/><w:basedOn w:val="Normal"/><w:pPr><w:ind w:firstLineChars="0" w:firstLine="0"/><w:jc w:val="center"/><w:spacing w:after="240"/></w:pPr><w:rPr><w:rFonts w:eastAsia="黑体"/><w:b/><w:sz w:val="40"/><w:szCs w:val="40"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/><w:basedOn w:val="Normal"/><w:pPr><w:keepNext/><w:outlineLvl w:val="0"/></w:pPr><w:rPr><w:rFonts w:eastAsia="黑体"/><w:b/><w:sz w:val="32"/><w:szCs w:val="32"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="Heading2"><w:name w:val="heading 2"/><w:basedOn w:val="Normal"/><w:pPr><w:keepNext/><w:outlineLvl w:val="1"/></w:pPr><w:rPr><w:rFonts w:eastAsia="楷体"/><w:b/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="TableText"><w:name w:val="Table Text"/><w:basedOn w:val="Normal"/><w:pPr><w:ind w:firstLineChars="0" w:firstLine="0"/><w:spacing w:after="0" w:line="300" w:lineRule="auto"/><w:jc w:val="left"/></w:pPr><w:rPr><w:sz w:val="21"/><w:szCs w:val="21"/></w:rPr></w:style>
<w:style w:type="table" w:styleId="Grid"><w:name w:val="Table Grid"/><w:tblPr><w:tblBorders>
<w:top w:val="single" w:sz="4" w:space="0" w:color="000000"/><w:left w:val="single" w:sz="4" w:space="0" w:color="000000"/>
<w:bottom w:val="single" w:sz="4" w:space="0" w:color="000000"/><w:right w:val="single" w:sz="4" w:space="0" w:color="000000"/>
<w:insideH w:val="single" w:sz="4" w:space="0" w:color="000000"/><w:insideV w:val="single" w:sz="4" w:space="0" w:color="000000"/>
</w:tblBorders></w:tblPr></w:style>
</w:styles>`

// docxWriter builds word/document.xml.
type docxWriter struct{ b bytes.Buffer }

func esc(s string) string {
	var b bytes.Buffer
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

func (d *docxWriter) run(text string, bold bool) {
	d.b.WriteString(`<w:r>`)
	if bold {
		d.b.WriteString(`<w:rPr><w:b/></w:rPr>`)
	}
	d.b.WriteString(`<w:t xml:space="preserve">` + esc(text) + `</w:t></w:r>`)
}

func (d *docxWriter) para(style string, runs func()) {
	d.b.WriteString(`<w:p>`)
	if style != "" {
		d.b.WriteString(`<w:pPr><w:pStyle w:val="` + style + `"/></w:pPr>`)
	}
	runs()
	d.b.WriteString(`</w:p>`)
}

func (d *docxWriter) text(style, s string) { d.para(style, func() { d.run(s, false) }) }

func (d *docxWriter) table(head []string, rows [][]string) {
	d.b.WriteString(`<w:tbl><w:tblPr><w:tblStyle w:val="Grid"/><w:tblW w:w="5000" w:type="pct"/></w:tblPr><w:tblGrid>`)
	for range head {
		d.b.WriteString(`<w:gridCol/>`)
	}
	d.b.WriteString(`</w:tblGrid>`)
	cell := func(s string, bold bool) {
		d.b.WriteString(`<w:tc><w:tcPr><w:tcW w:w="0" w:type="auto"/></w:tcPr>`)
		d.para("TableText", func() { d.run(s, bold) })
		d.b.WriteString(`</w:tc>`)
	}
	d.b.WriteString(`<w:tr><w:trPr><w:tblHeader/></w:trPr>`)
	for _, h := range head {
		cell(h, true)
	}
	d.b.WriteString(`</w:tr>`)
	for _, r := range rows {
		d.b.WriteString(`<w:tr>`)
		for _, c := range r {
			cell(c, false)
		}
		d.b.WriteString(`</w:tr>`)
	}
	d.b.WriteString(`</w:tbl>`)
}

func (d *docxWriter) paragraph(l i18n.Lang, p Paragraph) {
	d.para("", func() {
		for _, s := range p.Segments {
			if s.Figure != nil {
				d.run(s.Figure.Text(l), s.Figure.Recorded || s.Figure.IsTarget)
			} else {
				d.run(s.Text, false)
			}
		}
	})
}

// figureTable is the heading and rows of the table of every figure.
func figureTable(l i18n.Lang, rows []Row) ([]string, [][]string) {
	head := []string{i18n.T(l, "report.col.indicator"), i18n.T(l, "report.col.value"), i18n.T(l, "report.col.unit"),
		i18n.T(l, "report.col.target"), i18n.T(l, "report.col.progress")}
	var out [][]string
	for _, r := range rows {
		v := r.Value
		if !r.Recorded {
			v = i18n.T(l, "report.not_recorded")
		}
		progress := ""
		if r.Progress != "" {
			progress = r.Progress + "%"
		}
		out = append(out, []string{r.Name, v, r.Unit, r.Target, progress})
	}
	return head, out
}

// WriteDocx writes the report as a Word document.
func WriteDocx(w io.Writer, rep *Report) error {
	l := rep.Lang
	d := &docxWriter{}
	d.b.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" +
		`<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>`)
	d.text("Title", rep.Title)
	d.paragraph(l, rep.Intro)
	for _, part := range rep.Parts {
		d.text("Heading1", part.Heading)
		for _, p := range part.Paragraphs {
			d.paragraph(l, p)
		}
	}
	if len(rep.NextTargets) > 0 {
		d.text("Heading2", i18n.T(l, "report.next_targets", rep.NextName))
		head := []string{i18n.T(l, "report.col.indicator"), i18n.T(l, "report.col.target"), i18n.T(l, "report.col.unit")}
		var rows [][]string
		for _, r := range rep.NextTargets {
			rows = append(rows, []string{r.Name, r.Target, r.Unit})
		}
		d.table(head, rows)
	}
	d.text("Heading1", i18n.T(l, "report.appendix"))
	head, rows := figureTable(l, rep.Rows)
	d.table(head, rows)
	d.text("", i18n.T(l, "report.generated", rep.GeneratedAt[:10]))
	d.b.WriteString(`<w:sectPr><w:pgSz w:w="11906" w:h="16838"/><w:pgMar w:top="1440" w:right="1304" w:bottom="1440" w:left="1304" w:header="851" w:footer="992" w:gutter="0"/></w:sectPr></w:body></w:document>`)

	core := `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<dc:title>` + esc(rep.Title) + `</dc:title><dc:creator>` + esc(i18n.T(l, "app.name")) + `</dc:creator>
<dcterms:created xsi:type="dcterms:W3CDTF">` + strings.TrimSuffix(rep.GeneratedAt, ".000Z")[:19] + `Z</dcterms:created>
</cp:coreProperties>`

	zw := zip.NewWriter(w)
	for _, part := range []struct{ name, body string }{
		{"[Content_Types].xml", docxContentTypes},
		{"_rels/.rels", docxRels},
		{"docProps/core.xml", core},
		{"word/_rels/document.xml.rels", docxDocRels},
		{"word/styles.xml", docxStyles},
		{"word/document.xml", d.b.String()},
	} {
		f, err := zw.Create(part.name)
		if err != nil {
			return err
		}
		if _, err := io.WriteString(f, part.body); err != nil {
			return err
		}
	}
	return zw.Close()
}
