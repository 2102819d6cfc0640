package report

import (
	"io"

	"github.com/xuri/excelize/v2"

	"github.com/yangguang-cdpf/yangguang/internal/i18n"
)

// sheetWriter writes rows to one sheet, one call per row.
type sheetWriter struct {
	f     *excelize.File
	sheet string
	row   int
	err   error
}

func newSheet(name string) *sheetWriter {
	f := excelize.NewFile()
	s := &sheetWriter{f: f, sheet: name}
	s.err = f.SetSheetName("Sheet1", name)
	return s
}

func (s *sheetWriter) add(values ...any) {
	if s.err != nil {
		return
	}
	s.row++
	cell, err := excelize.CoordinatesToCellName(1, s.row)
	if err == nil {
		err = s.f.SetSheetRow(s.sheet, cell, &values)
	}
	s.err = err
}

func (s *sheetWriter) write(w io.Writer, widths ...float64) error {
	if s.err != nil {
		return s.err
	}
	for i, wd := range widths {
		col, _ := excelize.ColumnNumberToName(i + 1)
		if err := s.f.SetColWidth(s.sheet, col, col, wd); err != nil {
			return err
		}
	}
	if err := s.f.SetPanes(s.sheet, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	_, err := s.f.WriteTo(w)
	return err
}

// WriteXlsx writes every figure of the report: indicator, value (a
// number), unit, target, progress, whether it is recorded, and the
// address of the records behind it.
func WriteXlsx(w io.Writer, rep *Report) error {
	l := rep.Lang
	s := newSheet(i18n.T(l, "report.sheet.figures"))
	s.add(i18n.T(l, "report.col.indicator"), i18n.T(l, "report.col.section"), i18n.T(l, "report.col.value"), i18n.T(l, "report.col.unit"),
		i18n.T(l, "report.col.target"), i18n.T(l, "report.col.progress"), i18n.T(l, "report.col.status"), i18n.T(l, "report.col.link"),
		i18n.T(l, "report.col.period"), i18n.T(l, "report.col.region"))
	for _, r := range rep.Rows {
		var value any = i18n.T(l, "report.not_recorded")
		status := i18n.T(l, "report.status.not_recorded")
		if r.Recorded {
			value, status = r.Number, i18n.T(l, "report.status.recorded")
			if r.Value == "—" {
				value = ""
			}
		}
		s.add(r.Name, i18n.T(l, "report.section."+r.Section), value, r.Unit, r.Target, r.Progress, status, r.Href, rep.Period.String(), rep.AreaName)
	}
	return s.write(w, 36, 20, 14, 8, 12, 12, 14, 50, 26, 16)
}

// WriteTownshipsXlsx writes the township comparison.
func WriteTownshipsXlsx(w io.Writer, l i18n.Lang, t *TownshipTable) error {
	s := newSheet(i18n.T(l, "report.sheet.townships"))
	head := []any{i18n.T(l, "report.col.township")}
	for _, c := range t.Columns {
		head = append(head, c.Name+"（"+c.Unit+"）")
	}
	s.add(head...)
	for _, r := range t.Rows {
		row := []any{r.Name}
		for _, c := range r.Cells {
			if c.Value == "—" {
				row = append(row, "")
			} else {
				row = append(row, c.Number)
			}
		}
		s.add(row...)
	}
	widths := []float64{20}
	for range t.Columns {
		widths = append(widths, 14)
	}
	return s.write(w, widths...)
}
