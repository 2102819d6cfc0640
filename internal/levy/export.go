package levy

import (
	"context"
	"io"
	"strconv"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	safe "github.com/yangguang-cdpf/yangguang/internal/sheet"
	"github.com/yangguang-cdpf/yangguang/internal/store"
)

// ExportRow is one unit of the list for the tax office.
type ExportRow struct {
	EmployerID  string `json:"employer_id"`
	Name        string `json:"name"`
	CreditCode  string `json:"credit_code"`
	Status      string `json:"status"` // a Status, or "not_declared"
	Staff       string `json:"staff"`
	Counted     string `json:"counted"`
	ActualRatio string `json:"actual_ratio_percent"`
	WageUsedFen int64  `json:"wage_used_fen"`
	AmountFen   int64  `json:"amount_fen"`
	Tier        Tier   `json:"tier"`
	Known       bool   `json:"known"` // false: figures unknown, the tax office assesses
}

// StatusNotDeclared marks a unit that did not declare in an export.
const StatusNotDeclared = "not_declared"

// ExportRows lists, inside scope s, every reviewed unit of a collection
// year with its result and, once the window is over, every unit that did
// not declare, as employing none.
func ExportRows(ctx context.Context, q store.Querier, s area.Scope, year int, today time.Time) ([]ExportRow, error) {
	set, err := LoadSettings(ctx, q, year)
	if err != nil {
		return nil, err
	}
	decls, err := ListDeclarations(ctx, q, s, year, "")
	if err != nil {
		return nil, err
	}
	var out []ExportRow
	for _, d := range decls {
		if !d.Status.Reviewed() {
			continue
		}
		out = append(out, ExportRow{EmployerID: d.EmployerID, Name: d.EmployerName, CreditCode: d.CreditCode, Status: string(d.Status), Staff: d.Result.Staff,
			Counted: d.Result.Counted, ActualRatio: d.Result.ActualRatio, WageUsedFen: d.Result.WageUsedFen, AmountFen: d.Result.AmountFen, Tier: d.Result.Tier, Known: true})
	}
	if !set.WindowClosed(today) {
		return out, nil
	}
	und, err := NotDeclared(ctx, q, s, year)
	if err != nil {
		return nil, err
	}
	for _, u := range und {
		r, ok, err := LevyNotDeclared(ctx, q, u, set)
		if err != nil {
			return nil, err
		}
		row := ExportRow{EmployerID: u.ID, Name: u.Name, CreditCode: u.CreditCode, Status: StatusNotDeclared, Counted: "0", Known: ok}
		if ok {
			st := storedOf(r)
			row.Staff, row.ActualRatio, row.WageUsedFen, row.AmountFen, row.Tier = st.Staff, st.ActualRatio, st.WageUsedFen, st.AmountFen, st.Tier
		}
		out = append(out, row)
	}
	return out, nil
}

var tierZH = map[Tier]string{TierFull: "全额征收", TierHalf: "减按50%征收", TierNinety: "减按90%征收", TierMet: "已达比例", TierSmallUnit: "30人以下暂免",
	TierNoStaff: "无在职职工", TierNotDecided: ""}

var statusZH = map[string]string{string(Draft): "填报中", string(Submitted): "待审核", string(Verified): "已审核", string(Issued): "已出具结果",
	StatusNotDeclared: "未申报（按未安排计算）"}

// TierZH is the Chinese name of a tier, as exported.
func TierZH(t Tier) string { return tierZH[t] }

var exportHeaders = []string{"单位名称", "统一社会信用代码", "审核状态", "在职职工人数", "安排残疾人就业人数", "实际安排比例(%)", "采用的年平均工资(元)", "应缴金额(元)", "减免档次"}

// WriteExport writes the rows as an xlsx workbook for the tax office.
func WriteExport(w io.Writer, year int, rows []ExportRow) error {
	x := excelize.NewFile()
	defer x.Close()
	sheet := strconv.Itoa(year) + "年残保金"
	if err := x.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	sw, err := x.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	header := make([]any, len(exportHeaders))
	for i, h := range exportHeaders {
		header[i] = h
	}
	if err := sw.SetRow("A1", header); err != nil {
		return err
	}
	for i, r := range rows {
		wage, amount := "", ""
		if r.Known {
			wage, amount = YuanPlain(r.WageUsedFen), YuanPlain(r.AmountFen)
		}
		cells := []any{safe.Text(r.Name), r.CreditCode, statusZH[r.Status], r.Staff, r.Counted, r.ActualRatio, wage, amount, tierZH[r.Tier]}
		if err := sw.SetRow("A"+strconv.Itoa(i+2), cells); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	_ = x.SetColWidth(sheet, "A", "A", 36)
	_ = x.SetColWidth(sheet, "B", "B", 22)
	return x.Write(w)
}
