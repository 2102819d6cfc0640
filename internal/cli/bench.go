package cli

import (
	"fmt"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/bench"
)

func cmdBench(e *env, args []string) error {
	fs := newFlagSet(e, "bench", "bench [--persons N] [--duration 10s] [--clients 8] [--out FILE.json] [--data DIR | --db postgres://…]")
	dbf := addDBFlags(fs)
	persons := fs.Int("persons", 20000, "数据库为空时先建这么多演示残疾人；已有数据则直接使用")
	duration := fs.Duration("duration", 10*time.Second, "每个场景的时长")
	clients := fs.Int("clients", 8, "并发客户端数")
	out := fs.String("out", "", "把结果另存为 JSON 文件")
	importRows := fs.Int("import-rows", 0, "校验导入与裸插入对比的行数（0 为与裸插入相同，负数跳过）")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	db, err := dbf.open(e.ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	rep, err := bench.Run(cliCtx(e.ctx), db, bench.Options{Persons: *persons, Duration: *duration, Clients: *clients, ImportRows: *importRows}, e.stderr)
	if err != nil {
		return err
	}
	rep.Print(e.stdout)
	if *out != "" {
		if err := rep.WriteJSON(*out); err != nil {
			return err
		}
	}
	if n := rep.Errors(); n > 0 {
		return fmt.Errorf("%d 个请求失败", n)
	}
	return nil
}
