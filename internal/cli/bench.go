package cli

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/bench"
)

func cmdBench(e *env, args []string) error {
	fs := newFlagSet(e, "bench", "bench [--persons N] [--duration 10s] [--clients 8 | --client-counts 1,8] [--only REGEXP] [--no-bare] [--out FILE.json] [--data DIR | --db postgres://…]")
	dbf := addDBFlags(fs)
	persons := fs.Int("persons", 20000, "数据库为空时先建这么多演示残疾人；已有数据则直接使用")
	duration := fs.Duration("duration", 10*time.Second, "每个场景的时长")
	clients := fs.Int("clients", 8, "并发客户端数")
	out := fs.String("out", "", "把结果另存为 JSON 文件")
	importRows := fs.Int("import-rows", 0, "校验导入与裸插入对比的行数（0 为与裸插入相同，负数跳过）")
	clientList := fs.String("client-counts", "", "每个读场景依次用这些并发数各测一遍，逗号分隔，如 1,8（空为只用 --clients）")
	only := fs.String("only", "", "只测名称匹配此正则表达式的场景（写入混合须匹配 write）")
	noBare := fs.Bool("no-bare", false, "跳过裸数据库插入与校验导入的对比")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	opt := bench.Options{Persons: *persons, Duration: *duration, Clients: *clients, ImportRows: *importRows, NoBare: *noBare}
	for _, f := range strings.Split(*clientList, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n < 1 || n > 256 {
			return fmt.Errorf("--client-counts: %q 不是 1 到 256 之间的整数", f)
		}
		opt.ClientCounts = append(opt.ClientCounts, n)
	}
	if *only != "" {
		re, err := regexp.Compile(*only)
		if err != nil {
			return fmt.Errorf("--only: 正则表达式有误: %w", err)
		}
		opt.Only = re
	}
	db, err := dbf.open(e.ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	rep, err := bench.Run(cliCtx(e.ctx), db, opt, e.stderr)
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
