package cli

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/crypt"
)

// cmdKeys: yangguang keys rotate | status.
func cmdKeys(e *env, args []string) error {
	if len(args) == 0 || args[0] == "--help" || args[0] == "-h" {
		fmt.Fprintln(e.stdout, `用法:
  yangguang keys status [--data DIR | --db postgres://…] [--key-file FILE]
      列出密钥文件中的密钥，以及每个加密字段由哪个密钥加密的记录数。
  yangguang keys rotate [--batch N] [--settle 2s] [--data DIR | --db postgres://…] [--key-file FILE]
      生成新的数据密钥并设为当前密钥，再分批（每批一个事务）用新密钥重新加密所有加密字段；
      服务无需停止：运行中的服务在一秒内读到新密钥。旧密钥保留在密钥文件中，以便读取轮换前的备份。
身份证号、残疾人证号、电话、银行账号等个人信息以 AES-256-GCM 加密存储；密钥文件默认为数据目录下的
yangguang.key（权限 600），请与数据库分开备份。`)
		return nil
	}
	sub, rest := args[0], args[1:]
	fs := newFlagSet(e, "keys "+sub, "keys "+sub+" [--data DIR | --db postgres://…] [--key-file FILE]")
	dbf := addDBFlags(fs)
	batch := fs.Int("batch", 1000, "每批重新加密的行数（每批一个事务）")
	settle := fs.Duration("settle", 2*time.Second, "换钥后等待运行中的服务读到新密钥的时间")
	if _, err := parse(fs, rest); err != nil {
		return err
	}
	ctx := cliCtx(e.ctx)
	db, err := dbf.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	k := crypt.Active()
	switch sub {
	case "status":
		use, err := crypt.KeyUse(ctx, db)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "key file %s: keys %s, current %s\n", k.Path(), strings.Join(k.KeyIDs(), ", "), k.Current())
		cols := make([]string, 0, len(use))
		for c := range use {
			cols = append(cols, c)
		}
		sort.Strings(cols)
		for _, c := range cols {
			ids := make([]string, 0, len(use[c]))
			for id, n := range use[c] {
				ids = append(ids, fmt.Sprintf("%s=%d", id, n))
			}
			sort.Strings(ids)
			fmt.Fprintf(e.stdout, "%s\t%s\n", c, strings.Join(ids, " "))
		}
		return nil
	case "rotate":
		newID, oldID, err := crypt.Rotate(k.Path())
		if err != nil {
			return err
		}
		if err := k.Reload(); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "新密钥 %s 已成为当前密钥（原为 %s）；等待 %s 让运行中的服务读到它…\n", newID, oldID, *settle)
		time.Sleep(*settle)
		total := 0
		for pass := 1; pass <= 5; pass++ {
			stats, err := crypt.Reseal(ctx, db, *batch, nil)
			if err != nil {
				return fmt.Errorf("重新加密中断（已完成的批次有效，可再次执行 keys rotate 或继续）: %w", err)
			}
			n := 0
			for _, s := range stats {
				n += s.Resealed
				if s.Resealed > 0 {
					fmt.Fprintf(e.stdout, "%s: %d / %d 行已用 %s 重新加密\n", s.Column, s.Resealed, s.Scanned, newID)
				}
			}
			total += n
			if n == 0 {
				break
			}
		}
		if err := audit.RecordAlone(ctx, db, audit.Entry{Action: "keys.rotate", ObjectType: "key", ObjectID: newID,
			Detail: fmt.Sprintf("%s → %s, %d values re-sealed", oldID, newID, total)}); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "rotated %s -> %s, %d values re-sealed\n", oldID, newID, total)
		return nil
	}
	return fmt.Errorf("未知的 keys 子命令 %q（可用: status, rotate）", sub)
}
