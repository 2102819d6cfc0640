package activity

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

// ActionExport is the audit action of a list export.
const ActionExport = "activity.export"

var exportHeaders = []string{"日期", "结束日期", "类别", "名称", "地点", "组织部门", "乡镇", "村（社区）", "参加人数", "心得体会（篇）",
	"参与残疾人（名单）", "其他参与人数", "获奖项数", "备注"}

// Export writes the activities f selects inside s to w as an xlsx workbook
// (Chinese headers: the sheet goes to the federation's office), audited
// with the count.
func Export(ctx context.Context, db *store.DB, s area.Scope, f Filter, w io.Writer) (int, error) {
	f.Limit = 5000
	items, err := List(ctx, db, s, f)
	if err != nil {
		return 0, err
	}
	names, err := area.Names(ctx, db)
	if err != nil {
		return 0, err
	}
	x := excelize.NewFile()
	defer x.Close()
	const sheet = "活动"
	if err := x.SetSheetName("Sheet1", sheet); err != nil {
		return 0, err
	}
	sw, err := x.NewStreamWriter(sheet)
	if err != nil {
		return 0, err
	}
	_ = sw.SetColWidth(1, 2, 12)
	_ = sw.SetColWidth(3, 4, 30)
	_ = sw.SetColWidth(14, 14, 50)
	header := make([]any, len(exportHeaders))
	for i, h := range exportHeaders {
		header[i] = h
	}
	if err := sw.SetRow("A1", header); err != nil {
		return 0, err
	}
	for i, a := range items {
		township, village := "", ""
		switch area.LevelOf(a.AreaCode) {
		case area.Village:
			township, village = names[area.ParentOf(a.AreaCode)], names[a.AreaCode]
		case area.Township:
			township = names[a.AreaCode]
		}
		// Every text a user typed goes through safe.Text.
		row := []any{a.StartOn, a.EndOn, i18n.T(i18n.ZH, "activity.kind."+a.Kind), safe.Text(a.Title), safe.Text(a.Place), safe.Text(a.Organiser),
			safe.Text(township), safe.Text(village), a.Attendees, a.Reflections, a.Listed, a.Others, a.Awarded, safe.Text(a.Notes)}
		if err := sw.SetRow("A"+strconv.Itoa(i+2), row); err != nil {
			return 0, err
		}
	}
	if err := sw.Flush(); err != nil {
		return 0, err
	}
	if err := audit.RecordAlone(ctx, db, audit.Entry{Action: ActionExport, ObjectType: "activity", AreaCode: s.Code(),
		Detail: strconv.Itoa(len(items)) + " activities"}); err != nil {
		return 0, err
	}
	_, err = x.WriteTo(w)
	return len(items), err
}
