package device

import (
	"context"
	"io"
	"strconv"

	"github.com/xuri/excelize/v2"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/i18n"
	safe "github.com/yangguang-cdpf/yangguang/internal/sheet"
	"github.com/yangguang-cdpf/yangguang/internal/store"
)

// ActionExport is the audit action of an inventory export.
const ActionExport = "device.export"

var exportHeaders = []string{"资产编号", "器具名称", "器具代码", "类别", "来源", "入库日期", "成色", "存放地点", "状态", "单价（元）", "当前借用人", "应还日期", "备注"}

// Export writes the inventory f selects inside scope s to w as an xlsx
// workbook (Chinese headers: the file goes to the finance office and the
// asset ledger), audited with the count. A borrower is named, never his
// ID number.
func Export(ctx context.Context, db *store.DB, s area.Scope, f ItemFilter, w io.Writer) (int, error) {
	f.Limit = 5000
	items, err := ListItems(ctx, db, s, f)
	if err != nil {
		return 0, err
	}
	names, err := area.Names(ctx, db)
	if err != nil {
		return 0, err
	}
	kinds, err := ListKinds(ctx, db)
	if err != nil {
		return 0, err
	}
	byID := map[string]Kind{}
	for _, k := range kinds {
		byID[k.ID] = k
	}
	open, err := ListLoans(ctx, db, area.All(), LoanFilter{Status: LoanOpen, Limit: 5000})
	if err != nil {
		return 0, err
	}
	loans := map[string]Loan{}
	for _, l := range open {
		loans[l.ID] = l
	}
	x := excelize.NewFile()
	defer x.Close()
	const sheet = "辅助器具库存"
	if err := x.SetSheetName("Sheet1", sheet); err != nil {
		return 0, err
	}
	sw, err := x.NewStreamWriter(sheet)
	if err != nil {
		return 0, err
	}
	_ = sw.SetColWidth(1, 1, 18)
	_ = sw.SetColWidth(2, 2, 20)
	_ = sw.SetColWidth(8, 8, 16)
	header := make([]any, len(exportHeaders))
	for i, h := range exportHeaders {
		header[i] = h
	}
	if err := sw.SetRow("A1", header); err != nil {
		return 0, err
	}
	zh := func(key string) string { return i18n.T(i18n.ZH, key) }
	for i, it := range items {
		k := byID[it.KindID]
		l := loans[it.LoanID]
		// Every text a user or an import typed goes through safe.Text.
		row := []any{safe.Text(it.AssetNo), safe.Text(it.KindName), safe.Text(it.KindCode), zh("device.class." + string(k.Class)), zh("device.source." + it.Source), it.ReceivedOn,
			zh("device.condition." + string(it.Condition)), safe.Text(names[it.LocationCode]), zh("device.status." + string(it.Status)), Yuan(k.UnitValueFen),
			safe.Text(l.PersonName), l.DueOn, safe.Text(it.Note)}
		if err := sw.SetRow("A"+strconv.Itoa(i+2), row); err != nil {
			return 0, err
		}
	}
	if err := sw.Flush(); err != nil {
		return 0, err
	}
	if err := audit.RecordAlone(ctx, db, audit.Entry{Action: ActionExport, ObjectType: "device_item", AreaCode: s.Code(),
		Detail: strconv.Itoa(len(items)) + " items"}); err != nil {
		return 0, err
	}
	_, err = x.WriteTo(w)
	return len(items), err
}
