package cli

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/yangguang-cdpf/yangguang/internal/app"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/backup"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/validate"
)

// errBroken makes the command exit with status 1 after it has printed
// its own report (Run prints the error too).
var errBroken = errors.New("审计日志哈希链不完整")

// cmdAudit: yangguang audit verify | prune | retention.
func cmdAudit(e *env, args []string) error {
	if len(args) == 0 || args[0] == "--help" || args[0] == "-h" {
		fmt.Fprintln(e.stdout, `用法:
  yangguang audit verify [--data DIR | --db postgres://…]
      逐条重算审计日志的哈希链（清理过的从锚点起）；完整时打印 "ok, N entries"，
      否则打印第一条被改动或缺失的记录并以状态 1 退出。
  yangguang audit prune [--before YYYY-MM-DD] [--data DIR | --db postgres://…]
      删除超过保留期的审计记录（一个事务：先校验哈希链、记下锚点，再删除，并记录本次清理）。
      --before 只清理该日期之前的记录，不能晚于保留期起点。
  yangguang audit retention [--months N] [--data DIR | --db postgres://…]
      查看或设置保留期（月，不少于 6）。
保留期内的审计记录任何人都不能删除：数据库触发器拒绝 UPDATE，也拒绝删除保留期内或锚点之后的记录。`)
		return nil
	}
	sub, rest := args[0], args[1:]
	switch sub {
	case "verify":
		return cmdAuditVerify(e, rest)
	case "prune":
		return cmdAuditPrune(e, rest)
	case "retention":
		return cmdAuditRetention(e, rest)
	}
	return fmt.Errorf("未知的 audit 子命令 %q（可用: verify prune retention）", sub)
}

func cmdAuditVerify(e *env, rest []string) error {
	fs := newFlagSet(e, "audit verify", "audit verify [--data DIR | --db postgres://…]")
	dbf := addDBFlags(fs)
	if _, err := parse(fs, rest); err != nil {
		return err
	}
	// Opening without migrating: verification must not write to the
	// database it inspects (a migration would add audit entries).
	if !strings.HasPrefix(dbf.dsn(), "postgres") {
		if _, err := os.Stat(dbf.dsn()); err != nil {
			return fmt.Errorf("找不到数据库 %s: %w", dbf.dsn(), err)
		}
	}
	db, err := store.Open(e.ctx, dbf.dsn())
	if err != nil {
		return err
	}
	defer db.Close()
	v, err := audit.Verify(e.ctx, db)
	if err != nil {
		return fmt.Errorf("读取审计日志失败: %w", err)
	}
	if v.BrokenAt != 0 {
		fmt.Fprintf(e.stdout, "broken at entry %d: %s（前 %d 条完好）\n", v.BrokenAt, v.Reason, v.Checked)
		return fmt.Errorf("%w：第 %d 条 %s", errBroken, v.BrokenAt, v.Reason)
	}
	fmt.Fprintf(e.stdout, "ok, %d entries\n", v.Checked)
	if v.Anchor.Seq > 0 {
		fmt.Fprintf(e.stdout, "anchor: entries up to %d pruned %s by %s; checked from %d\n", v.Anchor.Seq, v.Anchor.PrunedAt, v.Anchor.PrunedBy, v.From)
	}
	return nil
}

func cmdAuditPrune(e *env, rest []string) error {
	fs := newFlagSet(e, "audit prune", "audit prune [--before YYYY-MM-DD] [--data DIR | --db postgres://…]")
	dbf := addDBFlags(fs)
	before := fs.String("before", "", "只清理该日期之前的记录（不能晚于保留期起点）")
	if _, err := parse(fs, rest); err != nil {
		return err
	}
	db, err := dbf.open(e.ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	res, err := audit.Prune(cliCtx(e.ctx), db, *before)
	var es validate.Errors
	if errors.As(err, &es) {
		return fmt.Errorf("未清理:\n%s", es.Error())
	}
	if err != nil {
		return err
	}
	if res.Deleted == 0 {
		fmt.Fprintf(e.stdout, "没有 %s 之前的记录可清理。\n", res.Cutoff)
		return nil
	}
	fmt.Fprintf(e.stdout, "已清理 %d 条 %s 之前的记录（截至第 %d 条）；锚点哈希 %s。\n", res.Deleted, res.Cutoff, res.Anchor.Seq, res.Anchor.Hash)
	return nil
}

func cmdAuditRetention(e *env, rest []string) error {
	fs := newFlagSet(e, "audit retention", "audit retention [--months N] [--data DIR | --db postgres://…]")
	dbf := addDBFlags(fs)
	months := fs.String("months", "", fmt.Sprintf("新的保留期（月，%d–%d）", audit.MinRetentionMonths, audit.MaxRetentionMonths))
	if _, err := parse(fs, rest); err != nil {
		return err
	}
	db, err := dbf.open(e.ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx := cliCtx(e.ctx)
	if *months != "" {
		err := db.InTx(ctx, func(tx *store.Tx) error { return audit.SetRetentionMonths(ctx, tx, *months) })
		var es validate.Errors
		if errors.As(err, &es) {
			return fmt.Errorf("未修改:\n%s", es.Error())
		}
		if err != nil {
			return err
		}
	}
	m, err := audit.RetentionMonths(ctx, db)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "审计日志保留期: %d 个月\n", m)
	return nil
}

// cmdRestore: yangguang restore --from BACKUP.
func cmdRestore(e *env, args []string) error {
	fs := newFlagSet(e, "restore", "restore --from BACKUP [--force] [--data DIR | --db FILE | --db postgres://…]")
	dbf := addDBFlags(fs)
	from := fs.String("from", "", "备份文件（yangguang backup 生成的 .db 或 PostgreSQL 的 .dump）")
	force := fs.Bool("force", false, "目标数据库已有数据时仍然覆盖（原库另存为 *.before-restore-时间）")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if *from == "" {
		fs.Usage()
		return errors.New("请用 --from 指定备份文件")
	}
	ctx := cliCtx(e.ctx)
	res, err := backup.Restore(ctx, *from, dbf.dsn(), backup.RestoreOptions{Force: *force})
	if err != nil {
		return err
	}
	// Opening through app brings an older backup's schema up to date; the
	// data directory's key file must be the one the backup was sealed with.
	if err := dbf.keys(); err != nil {
		return err
	}
	db, err := app.Open(ctx, dbf.dsn())
	if err != nil {
		return fmt.Errorf("已恢复，但升级数据库结构失败: %w", err)
	}
	defer db.Close()
	if err := audit.RecordAlone(ctx, db, audit.Entry{Action: "backup.restore", Detail: *from}); err != nil {
		return err
	}
	v, err := audit.Verify(ctx, db)
	if err != nil {
		return err
	}
	if v.BrokenAt != 0 {
		return fmt.Errorf("已恢复，但审计日志在第 %d 条不完整: %s", v.BrokenAt, v.Reason)
	}
	fmt.Fprintf(e.stdout, "恢复完成：%s → %s，审计日志 %d 条哈希链完整。\n", *from, res.Target, v.Checked)
	if res.Saved != "" {
		fmt.Fprintf(e.stdout, "原数据库已另存为 %s（确认无误后可删除）。\n", res.Saved)
	}
	return nil
}
