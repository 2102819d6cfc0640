package cli

// The report command: the work report of a period and region as a file.

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/i18n"
	"github.com/yangguang-cdpf/yangguang/internal/indicator"
	"github.com/yangguang-cdpf/yangguang/internal/report"
	"github.com/yangguang-cdpf/yangguang/internal/validate"
)

// cmdReport writes the work report (工作总结) for --from..--to, for the
// whole database or --region, to --out; the ending of the file (.html,
// .docx, .xlsx) picks the format.
func cmdReport(e *env, args []string) error {
	fs := newFlagSet(e, "report", "report --from 2026-01-01 --to 2026-06-30 [--region CODE] --out FILE.html|FILE.docx|FILE.xlsx [--data DIR | --db postgres://…]")
	dbf := addDBFlags(fs)
	from := fs.String("from", "", "开始日期 YYYY-MM-DD（含）")
	to := fs.String("to", "", "结束日期 YYYY-MM-DD（含）")
	region := fs.String("region", "", "只统计这个区域（12 位区划代码，县或乡镇）；默认全部")
	out := fs.String("out", "", "输出文件；扩展名 .html、.docx 或 .xlsx 决定格式")
	lang := fs.String("lang", "zh-CN", "语言：zh-CN 或 en")
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 || *out == "" {
		fs.Usage()
		return errors.New("用法: yangguang report --from 2026-01-01 --to 2026-06-30 [--region CODE] --out FILE")
	}
	ext := strings.ToLower(filepath.Ext(*out))
	if ext != ".html" && ext != ".docx" && ext != ".xlsx" {
		return fmt.Errorf("--out 的扩展名须为 .html、.docx 或 .xlsx: %q", *out)
	}
	p, err := indicator.Custom(*from, *to)
	if err != nil {
		var es validate.Errors
		if errors.As(err, &es) {
			return fmt.Errorf("--from/--to: %s", es.Text(i18n.ZH))
		}
		return err
	}
	s := area.All()
	if *region != "" {
		if !area.ValidCode(*region) {
			return fmt.Errorf("--region 须为 12 位区划代码: %q", *region)
		}
		s = area.ScopeOf(*region)
	}
	db, err := dbf.open(e.ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	if *region != "" {
		if _, err := area.Get(e.ctx, db, *region); err != nil {
			return fmt.Errorf("--region %s: %w", *region, err)
		}
	}
	rep, err := report.Build(cliCtx(e.ctx), db, i18n.Parse(*lang), s, p)
	if err != nil {
		return err
	}
	if err := report.WriteFile(*out, rep); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "已生成 %s（%s，%s）\n", *out, rep.Title, p)
	return nil
}
