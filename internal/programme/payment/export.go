package payment

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	safe "github.com/yangguang-cdpf/yangguang/internal/sheet"
	"github.com/yangguang-cdpf/yangguang/internal/store"
)

// bankHeaders are the columns of the bank/finance file (代发工资式的代发
// 清单): what a county bank's batch upload asks for.
var bankHeaders = []any{"序号", "姓名", "身份证号", "开户银行", "银行账号", "金额(元)", "备注"}

// workbook holds the styles the exports share.
type workbook struct {
	x     *excelize.File
	sheet string
	text  int // "@": ID numbers and accounts keep every digit
	money int // 0.00
	bold  int
	total int // bold 0.00
}

func newWorkbook(sheet string) (*workbook, error) {
	x := excelize.NewFile()
	wb := &workbook{x: x, sheet: sheet}
	if err := x.SetSheetName("Sheet1", sheet); err != nil {
		return nil, err
	}
	var err error
	if wb.text, err = x.NewStyle(&excelize.Style{NumFmt: 49}); err != nil {
		return nil, err
	}
	if wb.money, err = x.NewStyle(&excelize.Style{NumFmt: 2}); err != nil {
		return nil, err
	}
	if wb.bold, err = x.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}}); err != nil {
		return nil, err
	}
	if wb.total, err = x.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, NumFmt: 2}); err != nil {
		return nil, err
	}
	return wb, nil
}

func cell(col, row int) string {
	c, _ := excelize.CoordinatesToCellName(col, row)
	return c
}

// str writes text, neutralised, as a text cell.
func (wb *workbook) str(col, row int, v string) error {
	if err := wb.x.SetCellStr(wb.sheet, cell(col, row), safe.Text(v)); err != nil {
		return err
	}
	return wb.x.SetCellStyle(wb.sheet, cell(col, row), cell(col, row), wb.text)
}

// amount writes fen as a number of yuan with two decimals. The value is
// written from the exact decimal text, so no float rounding reaches the
// file; the style shows two places.
func (wb *workbook) amount(col, row int, fen int64, style int) error {
	f, err := strconv.ParseFloat(Decimal(fen), 64)
	if err != nil {
		return err
	}
	if err := wb.x.SetCellFloat(wb.sheet, cell(col, row), f, 2, 64); err != nil {
		return err
	}
	return wb.x.SetCellStyle(wb.sheet, cell(col, row), cell(col, row), style)
}

func (wb *workbook) header(cols []any) error {
	if err := wb.x.SetSheetRow(wb.sheet, "A1", &cols); err != nil {
		return err
	}
	return wb.x.SetRowStyle(wb.sheet, 1, 1, wb.bold)
}

// ExportBatch writes the bank's file of a confirmed or paid batch to w:
// 序号, 姓名, 身份证号, 开户银行, 银行账号, 金额(元), 备注 and a total row.
// The caller's scope must cover the whole batch (the bank pays the whole
// file), ID numbers and accounts are text cells with every digit, and
// the export is audited: full ID numbers and accounts leave the system.
func ExportBatch(ctx context.Context, q store.Querier, s area.Scope, batchID string, w io.Writer) error {
	b, err := Get(ctx, q, s, batchID)
	if err != nil {
		return err
	}
	if b.Partial {
		return refuse("payment.error.outside_scope")
	}
	if b.State != Confirmed && b.State != Paid {
		return refuse("payment.error.export_state", stateText(b.State))
	}
	lines, err := Lines(ctx, q, s, b.ID, false)
	if err != nil {
		return err
	}
	wb, err := newWorkbook("发放清单")
	if err != nil {
		return err
	}
	defer wb.x.Close()
	if err := wb.header(bankHeaders); err != nil {
		return err
	}
	for _, c := range []struct {
		col   string
		width float64
	}{{"A", 6}, {"B", 12}, {"C", 22}, {"D", 20}, {"E", 24}, {"F", 14}, {"G", 30}} {
		_ = wb.x.SetColWidth(wb.sheet, c.col, c.col, c.width)
	}
	var total int64
	row := 1
	for i, l := range lines {
		row++
		total += l.AmountFen
		if err := wb.x.SetCellInt(wb.sheet, cell(1, row), int64(i+1)); err != nil {
			return err
		}
		for col, v := range map[int]string{2: l.PayeeName, 3: l.PayeeIDNumber, 4: l.BankName, 5: l.BankAccount, 7: l.Note} {
			if err := wb.str(col, row, v); err != nil {
				return err
			}
		}
		if err := wb.amount(6, row, l.AmountFen, wb.money); err != nil {
			return err
		}
	}
	if total != b.TotalFen {
		return fmt.Errorf("payment: batch %s lines sum to %d fen, the batch says %d", b.ID, total, b.TotalFen)
	}
	row++
	if err := wb.x.SetCellStr(wb.sheet, cell(1, row), "合计"); err != nil {
		return err
	}
	if err := wb.x.SetCellStr(wb.sheet, cell(2, row), strconv.Itoa(len(lines))+"人"); err != nil {
		return err
	}
	if err := wb.amount(6, row, total, wb.total); err != nil {
		return err
	}
	if err := wb.str(7, row, b.ProgrammeName+" "+b.Month); err != nil {
		return err
	}
	_ = wb.x.SetRowStyle(wb.sheet, row, row, wb.bold)
	_ = wb.x.SetCellStyle(wb.sheet, cell(6, row), cell(6, row), wb.total)
	if err := recordExport(ctx, q, audit.Entry{Action: "payment.batch.export", ObjectType: "payment_batch", ObjectID: b.ID, AreaCode: b.ScopeCode,
		Detail: fmt.Sprintf("%s %s: %d lines, %s", b.ProgrammeName, b.Month, len(lines), Yuan(total))}); err != nil {
		return err
	}
	_, err = wb.x.WriteTo(w)
	return err
}

// recordExport audits an export in the caller's transaction, or in its
// own when the export reads from the database handle.
func recordExport(ctx context.Context, q store.Querier, e audit.Entry) error {
	switch v := q.(type) {
	case *store.Tx:
		return audit.Record(ctx, v, e)
	case *store.DB:
		return audit.RecordAlone(ctx, v, e)
	}
	return fmt.Errorf("payment: cannot audit an export read through %T", q)
}

// ledgerHeaders are the columns of the ledger export.
var ledgerHeaders = []any{"记账日期", "月份", "项目", "乡镇（街道）", "村（社区）", "姓名", "身份证号", "开户银行", "银行账号", "金额(元)", "类型", "备注", "批次"}

// MaskAccount shows only the last four digits of a bank account, as the
// ledger page and its export do: the full number is for the bank file.
func MaskAccount(a string) string {
	if len(a) <= 4 {
		return a
	}
	return strings.Repeat("*", len(a)-4) + a[len(a)-4:]
}

// ExportLedger writes the ledger view f finds inside s to w, every entry
// (not only the page on screen), with ID numbers and accounts masked as
// on the page, and a total row.
func ExportLedger(ctx context.Context, q store.Querier, s area.Scope, f LedgerFilter, programmes map[string]string, w io.Writer) error {
	names, err := area.Names(ctx, q)
	if err != nil {
		return err
	}
	wb, err := newWorkbook("发放台账")
	if err != nil {
		return err
	}
	defer wb.x.Close()
	if err := wb.header(ledgerHeaders); err != nil {
		return err
	}
	kinds := map[Kind]string{KindPay: "发放", KindReversal: "冲销"}
	var total int64
	row := 1
	f.Limit = 0
	err = EachEntry(ctx, q, s, f, func(e Entry) error {
		row++
		total += e.AmountFen
		kind := kinds[e.Kind]
		if e.Reversed {
			kind += "（已冲销）"
		}
		for col, v := range map[int]string{1: e.BookedOn, 2: e.Month, 3: programmes[e.ProgrammeID], 4: names[area.ParentOf(e.VillageCode)],
			5: names[e.VillageCode], 6: e.PayeeName, 7: registry.MaskIDNumber(e.PayeeIDNumber), 8: e.BankName, 9: MaskAccount(e.BankAccount),
			11: kind, 12: e.Note, 13: e.BatchID} {
			if err := wb.str(col, row, v); err != nil {
				return err
			}
		}
		return wb.amount(10, row, e.AmountFen, wb.money)
	})
	if err != nil {
		return err
	}
	row++
	if err := wb.x.SetCellStr(wb.sheet, cell(1, row), "合计"); err != nil {
		return err
	}
	if err := wb.amount(10, row, total, wb.total); err != nil {
		return err
	}
	_ = wb.x.SetRowStyle(wb.sheet, row, row, wb.bold)
	_ = wb.x.SetCellStyle(wb.sheet, cell(10, row), cell(10, row), wb.total)
	if err := recordExport(ctx, q, audit.Entry{Action: "payment.ledger.export", ObjectType: "payment_ledger", AreaCode: s.Code(),
		Detail: fmt.Sprintf("%d entries, net %s", row-2, Yuan(total))}); err != nil {
		return err
	}
	_, err = wb.x.WriteTo(w)
	return err
}
