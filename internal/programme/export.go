package programme

import (
	"context"
	"io"
	"strconv"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	safe "github.com/yangguang-cdpf/yangguang/internal/sheet"
	"github.com/yangguang-cdpf/yangguang/internal/store"
)

// radarHeaders are the columns of the radar export, in Chinese: the
// township's staff print it and go visiting.
var radarHeaders = []any{"乡镇（街道）", "村（社区）", "姓名", "身份证号（已隐藏出生日期）", "年龄", "残疾类别", "残疾等级"}

// WriteRadarXLSX writes the whole radar of a programme inside scope s as
// an .xlsx (streamed, so a county of any size fits), with a sheet of counts
// by township, and records the export in the audit log.
func WriteRadarXLSX(ctx context.Context, w io.Writer, db *store.DB, s area.Scope, p Programme, day time.Time) error {
	names, err := area.Names(ctx, db)
	if err != nil {
		return err
	}
	x := excelize.NewFile()
	defer x.Close()
	const sheet = "应助尽助名单"
	if err := x.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	sw, err := x.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	_ = sw.SetColWidth(1, 2, 16)
	_ = sw.SetColWidth(4, 4, 24)
	if err := sw.SetRow("A1", radarHeaders); err != nil {
		return err
	}
	row := 1
	rd, err := ComputeRadar(ctx, db, s, p, day, 0, func(c Candidate) error {
		row++
		return sw.SetRow("A"+strconv.Itoa(row), []any{safe.Text(names[area.ParentOf(c.VillageCode)]), safe.Text(names[c.VillageCode]), safe.Text(c.Name), c.Masked, c.Age,
			c.Category.ZH(), c.Grade.ZH()})
	})
	if err != nil {
		return err
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	if _, err := x.NewSheet("按乡镇统计"); err != nil {
		return err
	}
	_ = x.SetSheetRow("按乡镇统计", "A1", &[]any{"乡镇（街道）", "人数"})
	for i, tc := range rd.Townships {
		_ = x.SetSheetRow("按乡镇统计", "A"+strconv.Itoa(i+2), &[]any{safe.Text(tc.Name), tc.Count})
	}
	_ = x.SetSheetRow("按乡镇统计", "A"+strconv.Itoa(len(rd.Townships)+2), &[]any{"合计", rd.Total})
	if err := x.Write(w); err != nil {
		return err
	}
	return audit.RecordAlone(ctx, db, audit.Entry{Action: "programme.radar.export", ObjectType: "programme", ObjectID: p.ID, AreaCode: s.Code(),
		Detail: strconv.Itoa(rd.Total) + " persons " + rd.PeriodFrom + ".." + rd.PeriodTo})
}
