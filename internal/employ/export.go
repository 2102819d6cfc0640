package employ

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strconv"

	"github.com/xuri/excelize/v2"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	safe "github.com/yangguang-cdpf/yangguang/internal/sheet"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/web"
)

// ActionExport is the audit action of an export: personal data leaving
// the system is logged with the filter and the number of rows.
const ActionExport = "employ.export"

var exportHeaders = []any{"姓名", "身份证号", "乡镇（街道）", "村（社区）", "就业形式", "用人单位", "开始日期", "结束日期", "月收入（元）", "备注"}

// Export writes the records f finds inside s to w as an xlsx workbook (ID
// numbers masked, as on the list), audited with the filter and count.
func Export(ctx context.Context, db *store.DB, s area.Scope, f RecordFilter, w io.Writer) (int, error) {
	f.Limit = 5000
	recs, err := ListRecords(ctx, db, s, f)
	if err != nil {
		return 0, err
	}
	names, err := area.Names(ctx, db)
	if err != nil {
		return 0, err
	}
	forms, err := Forms(ctx, db)
	if err != nil {
		return 0, err
	}
	x := excelize.NewFile()
	defer x.Close()
	const sheet = "就业登记"
	if err := x.SetSheetName("Sheet1", sheet); err != nil {
		return 0, err
	}
	sw, err := x.NewStreamWriter(sheet)
	if err != nil {
		return 0, err
	}
	_ = sw.SetColWidth(2, 2, 22)
	_ = sw.SetColWidth(6, 6, 24)
	if err := sw.SetRow("A1", exportHeaders); err != nil {
		return 0, err
	}
	for i, r := range recs {
		form := r.Form
		if fm, ok := formOf(forms, r.Form); ok {
			form = fm.NameZH
		}
		row := []any{safe.Text(r.Name), r.IDNumber, names[area.ParentOf(r.VillageCode)], names[r.VillageCode], form, safe.Text(r.Employer),
			r.StartDate, r.EndDate, Yuan(r.MonthlyIncome), safe.Text(r.Note)}
		if err := sw.SetRow("A"+strconv.Itoa(i+2), row); err != nil {
			return 0, err
		}
	}
	if err := sw.Flush(); err != nil {
		return 0, err
	}
	detail := strconv.Itoa(len(recs)) + " records: form=" + f.Form + " on=" + f.On + " area=" + f.AreaCode + " q=" + f.Query
	if err := audit.RecordAlone(ctx, db, audit.Entry{Action: ActionExport, ObjectType: "emp_record", AreaCode: s.Code(), Detail: detail}); err != nil {
		return 0, err
	}
	_, err = x.WriteTo(w)
	return len(recs), err
}

func (h *Handler) export(w http.ResponseWriter, r *http.Request) {
	f, _, err := h.recordFilter(r)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	// Buffered, so a failure shows the error page, not half a workbook.
	var buf bytes.Buffer
	if _, err := Export(r.Context(), h.DB, scope(r), f, &buf); err != nil {
		web.ServerError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", `attachment; filename="employment.xlsx"`)
	_, _ = w.Write(buf.Bytes())
}
