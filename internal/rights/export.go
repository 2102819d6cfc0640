package rights

import (
	"context"
	"io"
	"strconv"

	"github.com/xuri/excelize/v2"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/i18n"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	safe "github.com/yangguang-cdpf/yangguang/internal/sheet"
	"github.com/yangguang-cdpf/yangguang/internal/store"
)

// ActionExport is the audit action of a list export.
const ActionExport = "rights.export"

var exportHeaders = []string{"编号", "受理日期", "渠道", "来电（访）人", "电话", "涉及残疾人", "乡镇", "村（社区）", "事项类型", "状态",
	"承办单位", "转办日期", "转办时限", "答复时限", "答复日期", "是否延期", "回访日期", "满意度", "办结日期", "按时办结", "督办", "法律援助人数", "诉求内容"}

// Export writes the cases f selects inside s to w as an xlsx workbook
// (Chinese headers: the sheet goes to the federation's leaders and the
// provincial 12385 office), audited with the count. Phones are masked.
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
	const sheet = "维权案件"
	if err := x.SetSheetName("Sheet1", sheet); err != nil {
		return 0, err
	}
	sw, err := x.NewStreamWriter(sheet)
	if err != nil {
		return 0, err
	}
	_ = sw.SetColWidth(1, 2, 14)
	_ = sw.SetColWidth(11, 11, 24)
	_ = sw.SetColWidth(23, 23, 60)
	header := make([]any, len(exportHeaders))
	for i, h := range exportHeaders {
		header[i] = h
	}
	if err := sw.SetRow("A1", header); err != nil {
		return 0, err
	}
	zh := func(key string) string { return i18n.T(i18n.ZH, key) }
	yes := func(b bool) string {
		if b {
			return "是"
		}
		return "否"
	}
	for i, c := range items {
		township, village := names[c.AreaCode], ""
		if area.LevelOf(c.AreaCode) == area.Village {
			township, village = names[area.ParentOf(c.AreaCode)], names[c.AreaCode]
		}
		sat := ""
		if c.Satisfaction != "" {
			sat = zh("rights.satisfaction." + c.Satisfaction)
		}
		onTime := ""
		if c.Status == Closed {
			onTime = yes(c.OnTime())
		}
		// Every text a user typed goes through safe.Text.
		row := []any{c.Code, c.ReceivedOn, zh("rights.channel." + c.Channel), safe.Text(c.CallerName), registry.MaskPhone(c.CallerPhone),
			safe.Text(c.PersonName), safe.Text(township), safe.Text(village), zh("rights.type." + c.Type), zh("rights.status." + string(c.Status)),
			safe.Text(c.Unit), c.TransferredOn, c.AckDue, c.ReplyDue, c.ReplyOn, yes(c.ExtendedOn != ""), c.CallbackOn, sat, c.ClosedOn, onTime,
			yes(c.SupervisedOn != ""), c.LegalAidPersons, safe.Text(c.Account)}
		if err := sw.SetRow("A"+strconv.Itoa(i+2), row); err != nil {
			return 0, err
		}
	}
	if err := sw.Flush(); err != nil {
		return 0, err
	}
	if err := audit.RecordAlone(ctx, db, audit.Entry{Action: ActionExport, ObjectType: "rights_case", AreaCode: s.Code(),
		Detail: strconv.Itoa(len(items)) + " cases"}); err != nil {
		return 0, err
	}
	_, err = x.WriteTo(w)
	return len(items), err
}
