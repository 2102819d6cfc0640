package cli

// The registry's commands: import persons, export persons, idcheck.

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/i18n"
	"github.com/yangguang-cdpf/yangguang/internal/programme/payment"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/validate"
)

// scopeFlag reads --scope: a 12-digit area code, or "" / * for everything.
func scopeFlag(code string) (area.Scope, error) {
	if code == "" || code == "*" {
		return area.All(), nil
	}
	if !area.ValidCode(code) {
		return area.Scope{}, fmt.Errorf("--scope 须为 12 位区划代码: %q", code)
	}
	return area.ScopeOf(code), nil
}

// cmdImportPersons imports a person file: all rows or none (or the good
// rows with --good-rows), a dry run with --dry-run, and a CSV report of
// every row with --report. It fails (exit 1) when any row has an error.
func cmdImportPersons(e *env, args []string) error {
	fs := newFlagSet(e, "import persons", "import persons FILE.xlsx|FILE.csv [--dry-run] [--good-rows] [--report REPORT.csv] [--scope AREA] [--data DIR | --db postgres://…]")
	dbf := addDBFlags(fs)
	dry := fs.Bool("dry-run", false, "只检查，不写入任何数据")
	good := fs.Bool("good-rows", false, "有错误的行跳过，其余的行照常导入（默认：有任何错误就全部不导入）")
	reportPath := fs.String("report", "", "把每一行的检查结果写入这个 CSV 文件（UTF-8）：row,status,field,message")
	scopeCode := fs.String("scope", "", "只导入这个区域（12 位区划代码）内的人员；默认全县")
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		fs.Usage()
		return errors.New("用法: yangguang import persons FILE.xlsx|FILE.csv [--dry-run] [--report REPORT.csv]")
	}
	path := rest[0]
	// The content decides the format, as on the import page.
	head := make([]byte, 512)
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	n, _ := io.ReadFull(f, head)
	f.Close()
	format := registry.SniffFormat(head[:n])
	if format == "" {
		return errors.New("只能导入 Excel 工作簿（.xlsx）或 CSV 文本文件")
	}
	s, err := scopeFlag(*scopeCode)
	if err != nil {
		return err
	}
	mode := registry.ImportAllOrNothing
	switch {
	case *dry:
		mode = registry.ImportDryRun
	case *good:
		mode = registry.ImportGoodRows
	}
	db, err := dbf.open(e.ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	start := time.Now()
	rep, err := registry.ImportFile(cliCtx(e.ctx), db, path, format, registry.ImportOptions{
		Scope: s, Today: time.Now(), FileName: filepath.Base(path), Mode: mode,
		Progress: func(done int) {
			if done%10000 == 0 && done > 0 {
				fmt.Fprintf(e.stderr, "已检查 %d 行…\n", done)
			}
		},
	})
	var es validate.Errors
	if errors.As(err, &es) {
		return fmt.Errorf("无法导入 %s: %s", path, es.Error())
	}
	if err != nil {
		return err
	}
	if *reportPath != "" {
		f, err := os.Create(*reportPath)
		if err != nil {
			return err
		}
		if err := rep.WriteReportCSV(f, i18n.ZH, false); err != nil {
			f.Close()
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
	}
	fmt.Fprintf(e.stdout, "%d 行数据：新登记 %d，更新 %d，无变化 %d，有错误 %d（用时 %s）。\n",
		len(rep.Rows), rep.New, rep.Updated, rep.Unchanged, rep.Errors, time.Since(start).Round(time.Millisecond))
	switch {
	case rep.Applied:
		fmt.Fprintln(e.stdout, "已写入数据库。")
	case mode == registry.ImportDryRun:
		fmt.Fprintln(e.stdout, "试运行（--dry-run），没有写入任何数据。")
	default:
		fmt.Fprintln(e.stdout, "没有写入任何数据。")
	}
	if rep.Errors > 0 {
		// The first problems on stderr; the report has them all.
		n := 0
		for _, r := range rep.Rows {
			for _, p := range r.Problems {
				if n < 20 {
					fmt.Fprintln(e.stderr, rep.ProblemText(i18n.ZH, r.Row, p))
				}
				n++
			}
		}
		if n > 20 {
			fmt.Fprintf(e.stderr, "……共 %d 处问题，完整列表请用 --report 导出。\n", n)
		}
		if mode == registry.ImportAllOrNothing {
			return fmt.Errorf("%d 行有错误，全部未导入（可改正后重新导入，或加 --good-rows 只导入无误的行）", rep.Errors)
		}
		return fmt.Errorf("%d 行有错误", rep.Errors)
	}
	return nil
}

// cmdExport writes the persons a search finds to an xlsx file.
func cmdExport(e *env, args []string) error {
	fs := newFlagSet(e, "export", "export persons [--q 查询] [--area AREA] [--category 1-7] [--grade 1-4] [--status active|deceased|moved_out|cancelled|all] [--filter 'k=v&…'] --out FILE.xlsx\n       export payments --batch ID --out FILE.xlsx   (银行/财政发放文件)")
	dbf := addDBFlags(fs)
	out := fs.String("out", "", "输出的 .xlsx 文件")
	filter := fs.String("filter", "", "与查询页面相同的查询串，如 'category=4&grade=1&sort=name'")
	full := fs.Bool("full", false, "导出完整的身份证号和电话（默认按列表页面隐去部分数字）")
	scopeCode := fs.String("scope", "", "只导出这个区域（12 位区划代码）；默认全县")
	params := map[string]*string{}
	for _, p := range []struct{ name, usage string }{
		{"q", "姓名、拼音首字母、身份证号（全号或末 4–6 位）、残疾人证号或电话"},
		{"area", "乡镇或村的 12 位区划代码"},
		{"category", "残疾类别代码 1–7"},
		{"grade", "残疾等级 1–4"},
		{"sex", "性别 1 男 2 女"},
		{"age_from", "年龄下限（周岁）"},
		{"age_to", "年龄上限（周岁）"},
		{"status", "状态 active（默认）、deceased、moved_out、cancelled 或 all"},
		{"expires_before", "残疾人证在此日期前到期（YYYY-MM-DD）"},
		{"sort", "排序 registered、name、birth_date、village"},
		{"order", "asc 或 desc"},
	} {
		params[p.name] = fs.String(p.name, "", p.usage)
	}
	batch := fs.String("batch", "", "export payments：发放批次 id（已确认或已发放的批次）")
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(rest) == 1 && rest[0] == "payments" && *out != "" {
		return exportPayments(e, dbf, *batch, *out)
	}
	if len(rest) != 1 || rest[0] != "persons" || *out == "" {
		fs.Usage()
		return errors.New("用法: yangguang export persons [查询参数] --out FILE.xlsx\n      yangguang export payments --batch ID --out FILE.xlsx")
	}
	v, err := url.ParseQuery(strings.TrimPrefix(*filter, "?"))
	if err != nil {
		return fmt.Errorf("--filter 不是有效的查询串: %w", err)
	}
	for name, val := range params {
		if *val != "" {
			v.Set(name, *val)
		}
	}
	f, es := registry.ParseFilter(v)
	if len(es) > 0 {
		return fmt.Errorf("查询参数有误:\n%s", es.Error())
	}
	s, err := scopeFlag(*scopeCode)
	if err != nil {
		return err
	}
	db, err := dbf.open(e.ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	// Written next to the target and renamed, so a failed export leaves no
	// half file under the name asked for.
	tmp, err := os.CreateTemp(filepath.Dir(*out), ".export-*.xlsx")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	res, err := registry.Export(cliCtx(e.ctx), db, s, f, *full, tmp)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), *out); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "已导出 %d 人到 %s。\n", res.Persons, *out)
	return nil
}

// errInvalidIDs makes idcheck exit 1 after printing its lines.
var errInvalidIDs = errors.New("有无效的身份证号")

// cmdIdcheck checks ID numbers: one tab-separated line per argument
// (input, ok|error, normalised number or reason, birth date, sex M|F);
// exit status 0 only when all are valid.
func cmdIdcheck(e *env, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintln(e.stderr, "用法: yangguang idcheck NUMBER…\n每个号码输出一行（以制表符分隔）：输入、ok 或 error、规范化的号码或错误原因、出生日期、性别 M/F。全部有效时退出状态为 0。")
		if len(args) == 0 {
			return errors.New("请给出至少一个身份证号")
		}
		return flag.ErrHelp
	}
	today := time.Now()
	bad := 0
	for _, a := range args {
		info, err := registry.ParseIDNumber(a, today)
		a = strings.Map(func(r rune) rune { // one line, four tabs, whatever was typed
			if r == '\t' || r == '\n' || r == '\r' {
				return ' '
			}
			return r
		}, a)
		if err != nil {
			bad++
			fmt.Fprintf(e.stdout, "%s\terror\t%s\t\t\n", a, err.Error())
			continue
		}
		sex := "F"
		if info.Sex == registry.SexMale {
			sex = "M"
		}
		fmt.Fprintf(e.stdout, "%s\tok\t%s\t%s\t%s\n", a, info.Number, info.BirthDate.Format(time.DateOnly), sex)
	}
	if bad > 0 {
		return fmt.Errorf("%w：%d 个", errInvalidIDs, bad)
	}
	return nil
}

// firstPositional is the index of the first argument that is not a flag
// or a flag's value (-1 if none): import's subcommand may follow flags.
func firstPositional(args []string) int {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "-") {
			return i
		}
		if a == "--" {
			if i+1 < len(args) {
				return i + 1
			}
			return -1
		}
		name := strings.TrimLeft(a, "-")
		if !strings.Contains(name, "=") && valueFlags[name] {
			i++ // the next argument is this flag's value
		}
	}
	return -1
}

// valueFlags are the flags of import that take a value.
var valueFlags = map[string]bool{"db": true, "data": true, "report": true, "scope": true}

// exportPayments writes a payment batch's bank file (the same file as the
// batch page's download), audited as run by the operator.
func exportPayments(e *env, dbf *dbFlags, batch, out string) error {
	if strings.TrimSpace(batch) == "" {
		return errors.New("请用 --batch 指定发放批次 id")
	}
	db, err := dbf.open(e.ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	tmp, err := os.CreateTemp(filepath.Dir(out), ".export-*.xlsx")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	err = payment.ExportBatch(cliCtx(e.ctx), db, area.All(), batch, tmp)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("没有 id 为 %s 的发放批次", batch)
	}
	if err != nil {
		return err // a RefusedError reads in Chinese (e.g. a draft batch)
	}
	if err := os.Rename(tmp.Name(), out); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "已导出发放批次 %s 到 %s\n", batch, out)
	return nil
}
