package survey

import (
	"io"
	"strconv"

	"github.com/xuri/excelize/v2"

	"github.com/yangguang-cdpf/yangguang/internal/i18n"
)

// progressHeaders are the columns of both progress sheets.
var progressHeaders = []string{"区划代码", "名称", "应调查", "已完成（已提交及以后）", "完成率%", "待调查", "调查中", "待乡镇审核", "待县验收", "已验收", "已退回", "逾期"}

// ExportProgress writes a round's progress as an xlsx workbook: one sheet
// per township, one per village, and the needs counted. Counts only, no
// personal data, so it is not audited as an export of persons is.
func ExportProgress(rp RoundProgress, needs map[Need]int, w io.Writer) error {
	x := excelize.NewFile()
	defer x.Close()
	sheets := []struct {
		name string
		rows []Progress
	}{{"乡镇（街道）", rp.Townships}, {"村（社区）", rp.Villages}}
	for i, s := range sheets {
		if i == 0 {
			if err := x.SetSheetName("Sheet1", s.name); err != nil {
				return err
			}
		} else if _, err := x.NewSheet(s.name); err != nil {
			return err
		}
		header := make([]any, len(progressHeaders))
		for j, h := range progressHeaders {
			header[j] = h
		}
		if err := x.SetSheetRow(s.name, "A1", &header); err != nil {
			return err
		}
		rows := append(append([]Progress(nil), s.rows...), Progress{Name: "合计"})
		rows[len(rows)-1] = rp.Total
		rows[len(rows)-1].Name = "合计"
		for j, p := range rows {
			vals := []any{p.Code, p.Name, p.Total, p.Done, p.Percent(), p.Pending, p.InProgress, p.Submitted, p.Checked, p.Accepted, p.Returned, p.Overdue}
			if err := x.SetSheetRow(s.name, "A"+strconv.Itoa(j+2), &vals); err != nil {
				return err
			}
		}
		_ = x.SetColWidth(s.name, "A", "A", 15)
		_ = x.SetColWidth(s.name, "B", "B", 14)
	}
	const needSheet = "需求"
	if _, err := x.NewSheet(needSheet); err != nil {
		return err
	}
	_ = x.SetSheetRow(needSheet, "A1", &[]any{"需求", "人数"})
	for i, n := range AllNeeds {
		if err := x.SetSheetRow(needSheet, "A"+strconv.Itoa(i+2), &[]any{i18n.T(i18n.ZH, "survey.need."+string(n)), needs[n]}); err != nil {
			return err
		}
	}
	_, err := x.WriteTo(w)
	return err
}
