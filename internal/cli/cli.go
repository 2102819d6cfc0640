// Package cli implements the subcommands of the yangguang binary. Every
// command takes --db, --data (and serve --addr) with environment
// equivalents YANGGUANG_DB, YANGGUANG_DATA and YANGGUANG_ADDR.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/app"
	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/auth"
	"github.com/yangguang-cdpf/yangguang/internal/backup"
	"github.com/yangguang-cdpf/yangguang/internal/crypt"
	"github.com/yangguang-cdpf/yangguang/internal/demo"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/validate"
	"github.com/yangguang-cdpf/yangguang/internal/web"
)

// Version is set at build time with -ldflags "-X …/cli.Version=v1.2.3".
var Version = ""

func version() string {
	if Version != "" {
		return Version
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		rev, dirty := "", false
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
		if len(rev) > 12 {
			rev = rev[:12]
		}
		if rev != "" {
			if dirty {
				rev += "-dirty"
			}
			return "dev-" + rev
		}
	}
	return "dev"
}

// env holds the command's streams.
type env struct {
	ctx    context.Context
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

type command struct {
	name, summary string
	run           func(e *env, args []string) error
}

var commands []command

func init() {
	commands = []command{
		{"serve", "启动网页服务 (serve the web interface and API)", cmdServe},
		{"migrate", "升级数据库结构 (apply database migrations)", cmdMigrate},
		{"user", "管理账号：create, set-role, reset-password, disable, enable, list", cmdUser},
		{"demo", "创建演示县 阳光县 (create the demo county)", cmdDemo},
		{"import", "导入数据：areas FILE.csv", cmdImport},
		{"export", "导出数据：persons --out FILE.xlsx", cmdExport},
		{"report", "生成工作总结：--from --to [--region] --out FILE.html|.docx|.xlsx", cmdReport},
		{"levy", "残保金计算器：--year --ratio --staff --avg-wage --social-avg-wage --disabled 等级:月数", cmdLevy},
		{"idcheck", "检查身份证号 (check resident ID numbers)", cmdIdcheck},
		{"audit", "审计日志：verify（校验哈希链）, prune（清理超过保留期的记录）, retention（保留期）", cmdAudit},
		{"keys", "个人信息加密密钥：status, rotate（换钥并重新加密）", cmdKeys},
		{"restore", "从备份恢复数据库（先停止服务）(restore a backup)", cmdRestore},
		{"backup", "在线备份数据库 (consistent online backup)", cmdBackup},
		{"bench", "性能基准测试 (measure against the bare database)", cmdBench},
		{"version", "显示版本 (print the version)", cmdVersion},
	}
}

// Run runs one command line and returns the process exit code.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	slog.SetDefault(slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo})))
	web.Version = version()
	e := &env{ctx: ctx, stdin: stdin, stdout: stdout, stderr: stderr}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout)
		return 0
	}
	for _, c := range commands {
		if c.name == args[0] {
			err := c.run(e, args[1:])
			if errors.Is(err, flag.ErrHelp) {
				return 0
			}
			if err != nil {
				fmt.Fprintln(stderr, "错误:", err)
				return 1
			}
			return 0
		}
	}
	fmt.Fprintf(stderr, "未知命令 %q\n\n", args[0])
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "阳光 Yangguang — 县残联综合业务平台\n\n用法: yangguang <命令> [参数]\n\n命令:")
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, c := range commands {
		fmt.Fprintf(tw, "  %s\t%s\n", c.name, c.summary)
	}
	tw.Flush()
	fmt.Fprintln(w, "\n每个命令都可用 --help 查看参数。环境变量 YANGGUANG_DB、YANGGUANG_DATA、YANGGUANG_ADDR 与同名参数等效。")
}

func getenv(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// dbFlags adds --db and --data to fs.
type dbFlags struct{ db, data, key string }

func addDBFlags(fs *flag.FlagSet) *dbFlags {
	f := &dbFlags{}
	fs.StringVar(&f.data, "data", getenv("YANGGUANG_DATA", "data"), "数据目录 (env YANGGUANG_DATA)")
	fs.StringVar(&f.db, "db", getenv("YANGGUANG_DB", ""), "数据库：空为数据目录下的 SQLite 文件，或 postgres://… (env YANGGUANG_DB)")
	fs.StringVar(&f.key, "key-file", getenv("YANGGUANG_KEY_FILE", ""), "加密个人信息的密钥文件，首次启动时创建（默认为数据目录下的 yangguang.key）(env YANGGUANG_KEY_FILE)")
	return f
}

// keyPath is the key file: --key-file; else yangguang.key beside a SQLite
// file given with --db; else in the data directory (PostgreSQL too).
func (f *dbFlags) keyPath() string {
	switch {
	case f.key != "":
		return f.key
	case f.db != "" && !strings.HasPrefix(f.db, "postgres"):
		return crypt.DefaultPath(filepath.Dir(strings.TrimPrefix(f.db, "sqlite://")))
	}
	return crypt.DefaultPath(f.data)
}

// keys loads (creating on first start) the key file sealed columns need.
func (f *dbFlags) keys() error {
	_, err := crypt.Use(f.keyPath())
	return err
}

func (f *dbFlags) dsn() string {
	if f.db != "" {
		return f.db
	}
	return store.DefaultSQLitePath(f.data)
}

func (f *dbFlags) open(ctx context.Context) (*store.DB, error) {
	if err := f.keys(); err != nil {
		return nil, err
	}
	return app.Open(ctx, f.dsn())
}

// parse parses flags given anywhere among the arguments (the flag package
// stops at the first non-flag), returning the positional arguments.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

func newFlagSet(e *env, name, usageLine string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "用法: yangguang %s\n\n参数:\n", usageLine)
		fs.PrintDefaults()
	}
	return fs
}

// cliCtx marks command-line work as done by the system operator.
func cliCtx(ctx context.Context) context.Context {
	who := os.Getenv("USER")
	if who == "" {
		who = "operator"
	}
	return audit.WithActor(ctx, audit.Actor{ID: "cli", Name: "cli:" + who, Kind: "system"})
}

func cmdServe(e *env, args []string) error {
	fs := newFlagSet(e, "serve", "serve [--addr 127.0.0.1:8080] [--data DIR | --db postgres://…] [--demo] [--tls-cert FILE --tls-key FILE]")
	dbf := addDBFlags(fs)
	addr := fs.String("addr", getenv("YANGGUANG_ADDR", "127.0.0.1:8080"), "监听地址 (env YANGGUANG_ADDR)")
	withDemo := fs.Bool("demo", false, "数据库为空时先创建演示县，并打印演示账号")
	persons := fs.Int("persons", demo.DefaultPersons, "与 --demo 一起：演示县的残疾人数")
	sec := addServeSecurityFlags(fs)
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if err := sec.apply(); err != nil { // before app.New: the rate limits
		return err
	}
	ctx := e.ctx
	db, err := dbf.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	if *withDemo {
		if err := ensureDemo(cliCtx(ctx), e, db, *persons); err != nil {
			return err
		}
	}
	a := app.New(db)
	if err := a.StartJobs(ctx); err != nil {
		return fmt.Errorf("后台任务启动失败: %w", err)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("无法监听 %s: %w", *addr, err)
	}
	if ln, err = sec.listener(ln); err != nil {
		return err
	}
	srv := &http.Server{Handler: a.Handler, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 2 * time.Minute,
		WriteTimeout: 5 * time.Minute, IdleTimeout: 2 * time.Minute}
	fmt.Fprintf(e.stdout, "阳光已启动: %s://%s/  (按 Ctrl+C 停止)\n", sec.scheme(), ln.Addr())
	slog.Info("serving", "addr", ln.Addr().String(), "db", string(db.Dialect), "version", web.Version)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	_ = srv.Shutdown(shutdown)
	return a.Stop(shutdown)
}

// ensureDemo creates the demo county in an empty database, or renews the
// demo password if nobody has signed in yet, and prints how to sign in.
func ensureDemo(ctx context.Context, e *env, db *store.DB, persons int) error {
	var n int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM areas`).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		fmt.Fprintf(e.stdout, "正在创建演示县（%d 名残疾人）…\n", persons)
		res, err := demo.Create(ctx, db, demo.Options{Persons: persons})
		if err != nil {
			return err
		}
		printDemo(e.stdout, res)
		return nil
	}
	pw, err := demo.RenewPassword(ctx, db)
	if err != nil {
		return err
	}
	if pw != "" {
		printDemo(e.stdout, demo.Result{Password: pw})
	} else {
		fmt.Fprintln(e.stdout, "演示县已存在，账号已在使用；忘记密码可运行: yangguang user reset-password admin")
	}
	return nil
}

func printDemo(w io.Writer, res demo.Result) {
	fmt.Fprintln(w, "\n================ 演示县 阳光县 Demo county ================")
	fmt.Fprintln(w, "  系统管理员 admin 的初始密码 / first password of admin:")
	fmt.Fprintf(w, "      用户名 user: admin    密码 password: %s\n", res.Password)
	fmt.Fprintln(w, "  其他演示账号使用同一初始密码（首次登录须修改）:")
	fmt.Fprintln(w, "      security auditor leader cert rehab employ rights finance expert1 expert2 town001 town101 … village…")
	if res.Persons > 0 {
		fmt.Fprintf(w, "  已登记 %d 名残疾人。\n", res.Persons)
	}
	fmt.Fprintln(w, "============================================================")
}

func cmdMigrate(e *env, args []string) error {
	fs := newFlagSet(e, "migrate", "migrate [--data DIR | --db postgres://…]")
	dbf := addDBFlags(fs)
	if _, err := parse(fs, args); err != nil {
		return err
	}
	db, err := dbf.open(e.ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	fmt.Fprintln(e.stdout, "数据库结构已是最新。")
	return nil
}

func cmdDemo(e *env, args []string) error {
	fs := newFlagSet(e, "demo", "demo [--persons N] [--seed S] [--data DIR | --db postgres://…]")
	dbf := addDBFlags(fs)
	persons := fs.Int("persons", demo.DefaultPersons, "残疾人数（同样的数目和种子总是生成同样的数据）")
	seed := fs.Uint64("seed", demo.DefaultSeed, "随机种子")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	db, err := dbf.open(e.ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	start := time.Now()
	res, err := demo.Create(cliCtx(e.ctx), db, demo.Options{Persons: *persons, Seed: *seed})
	if err != nil {
		return err
	}
	printDemo(e.stdout, res)
	fmt.Fprintf(e.stdout, "用时 %s\n", time.Since(start).Round(time.Millisecond))
	return nil
}

func cmdImport(e *env, args []string) error {
	// import persons … has its own flags (internal/cli/registry.go).
	if pos := firstPositional(args); pos >= 0 && args[pos] == "persons" {
		return cmdImportPersons(e, append(append([]string{}, args[:pos]...), args[pos+1:]...))
	}
	fs := newFlagSet(e, "import", "import areas FILE.csv | import persons FILE.xlsx|FILE.csv [--data DIR | --db postgres://…]")
	dbf := addDBFlags(fs)
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 2 || rest[0] != "areas" {
		fs.Usage()
		return errors.New("用法: yangguang import areas FILE.csv 或 yangguang import persons FILE.xlsx|FILE.csv")
	}
	f, err := os.Open(rest[1])
	if err != nil {
		return err
	}
	defer f.Close()
	db, err := dbf.open(e.ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	res, err := area.Import(cliCtx(e.ctx), db, f)
	var es validate.Errors
	if errors.As(err, &es) {
		return fmt.Errorf("文件有 %d 处错误，未导入任何数据:\n%s", len(es), es.Error())
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "导入完成：新增 %d 个，更新 %d 个。\n", res.Inserted, res.Updated)
	return nil
}

func cmdBackup(e *env, args []string) error {
	if pos := firstPositional(args); pos >= 0 && args[pos] == "schedule" {
		return cmdBackupSchedule(e, append(append([]string{}, args[:pos]...), args[pos+1:]...))
	}
	fs := newFlagSet(e, "backup", "backup --out FILE [--data DIR | --db postgres://…] | backup schedule [--keep N] [--dir DIR] [--on|--off]")
	dbf := addDBFlags(fs)
	out := fs.String("out", "", "备份文件路径（不能已存在）")
	check := fs.String("check", "", "只检查一个已有的 SQLite 备份文件")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if *check != "" {
		res, err := backup.Check(e.ctx, *check)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "备份完好：%s，%d 字节，审计日志 %d 条哈希链完整。\n", res.Path, res.Bytes, res.AuditEntries)
		return nil
	}
	if *out == "" {
		*out = fmt.Sprintf("yangguang-backup-%s.db", time.Now().Format("20060102-150405"))
	}
	db, err := dbf.open(e.ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	res, err := backup.Run(cliCtx(e.ctx), db, *out)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "备份完成：%s，%d 字节", res.Path, res.Bytes)
	if res.AuditEntries > 0 {
		fmt.Fprintf(e.stdout, "，已校验（审计日志 %d 条哈希链完整）", res.AuditEntries)
	}
	fmt.Fprintln(e.stdout, "。")
	return nil
}

// cmdBackupSchedule shows or changes the daily backup the server runs.
func cmdBackupSchedule(e *env, args []string) error {
	fs := newFlagSet(e, "backup schedule", "backup schedule [--keep N] [--dir DIR] [--on|--off] [--data DIR | --db postgres://…]")
	dbf := addDBFlags(fs)
	keep := fs.String("keep", "", fmt.Sprintf("保留最近几天的每日备份（%d–%d）", backup.MinKeepDays, backup.MaxKeepDays))
	dir := fs.String("dir", "\x00", "备份目录（绝对路径；空为数据目录下的 backups/，PostgreSQL 必须指定）")
	on := fs.Bool("on", false, "开启每日备份")
	off := fs.Bool("off", false, "关闭每日备份")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	db, err := dbf.open(e.ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx := cliCtx(e.ctx)
	s, err := backup.LoadSchedule(ctx, db)
	if err != nil {
		return err
	}
	if *keep != "" || *dir != "\x00" || *on || *off {
		if *keep == "" {
			*keep = fmt.Sprint(s.KeepDays)
		}
		if *dir == "\x00" {
			*dir = s.Dir
		}
		enabled := (s.Enabled || *on) && !*off
		err := db.InTx(ctx, func(tx *store.Tx) error { return backup.SaveSchedule(ctx, tx, enabled, *keep, *dir) })
		var es validate.Errors
		if errors.As(err, &es) {
			return fmt.Errorf("未修改:\n%s", es.Error())
		}
		if err != nil {
			return err
		}
		if s, err = backup.LoadSchedule(ctx, db); err != nil {
			return err
		}
	}
	state, where := "开启", s.Dir
	if !s.Enabled {
		state = "关闭"
	}
	if where == "" {
		where = "数据目录下的 backups/"
	}
	fmt.Fprintf(e.stdout, "每日备份: %s；保留最近 %d 份；目录: %s\n", state, s.KeepDays, where)
	return nil
}

func cmdVersion(e *env, args []string) error {
	fmt.Fprintln(e.stdout, "yangguang", version())
	return nil
}

func cmdUser(e *env, args []string) error {
	if len(args) == 0 || args[0] == "--help" || args[0] == "-h" {
		fmt.Fprintln(e.stdout, `用法:
  yangguang user list
  yangguang user create --username U --name 姓名 --role ROLE [--dept DEPT] --scope AREA_CODE
  yangguang user set-role USERNAME --role ROLE [--dept DEPT] --scope AREA_CODE
  yangguang user reset-password USERNAME
  yangguang user disable USERNAME
  yangguang user enable USERNAME
角色 ROLE: `+joinRoles()+`
科室 DEPT（county_staff 必填）: certification rehabilitation employment rights finance
区域 AREA_CODE: 12 位统计用区划代码；* 表示全部区域
三员分立：安装时用 create 建立系统管理员、安全管理员、审计管理员三个不同账号；
之后系统管理员在网页上新建的账号没有角色，由安全管理员分配（或用 set-role）。
管理员账号不能改任另一种管理员。`)
		return nil
	}
	sub, rest := args[0], args[1:]
	fs := newFlagSet(e, "user "+sub, "user "+sub+" …")
	dbf := addDBFlags(fs)
	var n auth.NewUser
	var role, dept string
	if sub == "create" {
		fs.StringVar(&n.Username, "username", "", "用户名")
		fs.StringVar(&n.DisplayName, "name", "", "姓名")
	}
	if sub == "create" || sub == "set-role" {
		fs.StringVar(&role, "role", "", "角色: "+joinRoles())
		fs.StringVar(&dept, "dept", "", "科室（县残联工作人员）")
		fs.StringVar(&n.ScopeCode, "scope", "", "管辖区域的 12 位区划代码；* 为全部")
	}
	names, err := parse(fs, rest)
	if err != nil {
		return err
	}
	db, err := dbf.open(e.ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx := cliCtx(e.ctx)
	byName := func() (auth.User, error) {
		if len(names) != 1 {
			return auth.User{}, errors.New("请给出一个用户名")
		}
		u, err := auth.GetUserByName(ctx, db, names[0])
		if errors.Is(err, store.ErrNotFound) {
			return u, fmt.Errorf("没有用户 %s", names[0])
		}
		return u, err
	}
	switch sub {
	case "list":
		users, err := auth.ListUsers(ctx, db, area.All())
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "用户名\t姓名\t角色\t科室\t区域\t状态")
		for _, u := range users {
			status := "正常"
			if u.Disabled {
				status = "停用"
			}
			role := string(u.Role)
			if u.Role == auth.RolePending {
				role = "(待分配)"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", u.Username, u.DisplayName, role, u.Department, u.ScopeCode, status)
		}
		return tw.Flush()
	case "create":
		n.Role, n.Department = auth.Role(role), auth.Department(dept)
		var pw string
		err := db.InTx(ctx, func(tx *store.Tx) (err error) {
			_, pw, err = auth.CreateUser(ctx, tx, n)
			return err
		})
		var es validate.Errors
		if errors.As(err, &es) {
			return fmt.Errorf("账号未创建:\n%s", es.Error())
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "已创建账号 %s，初始密码: %s （首次登录须修改）\n", n.Username, pw)
	case "set-role":
		u, err := byName()
		if err != nil {
			return err
		}
		var after auth.User
		err = db.InTx(ctx, func(tx *store.Tx) (err error) {
			after, err = auth.AssignRole(ctx, tx, "cli", u.ID, auth.Role(role), auth.Department(dept), n.ScopeCode)
			return err
		})
		var es validate.Errors
		if errors.As(err, &es) {
			return fmt.Errorf("角色未修改:\n%s", es.Error())
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "账号 %s 的角色已设为 %s（区域 %s）。\n", u.Username, after.Role, orAll(after.ScopeCode))
	case "reset-password":
		u, err := byName()
		if err != nil {
			return err
		}
		var pw string
		if err := db.InTx(ctx, func(tx *store.Tx) (err error) { pw, err = auth.ResetPassword(ctx, tx, u.ID); return err }); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "%s 的新初始密码: %s （已解锁；首次登录须修改）\n", u.Username, pw)
	case "disable", "enable":
		u, err := byName()
		if err != nil {
			return err
		}
		if err := db.InTx(ctx, func(tx *store.Tx) error { return auth.SetDisabled(ctx, tx, u.ID, sub == "disable") }); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "账号 %s 已%s。\n", u.Username, map[string]string{"disable": "停用", "enable": "启用"}[sub])
	default:
		return fmt.Errorf("未知的 user 子命令 %q（可用: list create set-role reset-password disable enable）", sub)
	}
	return nil
}

func orAll(scope string) string {
	if scope == "" {
		return "全部"
	}
	return scope
}

func joinRoles() string {
	s := make([]string, len(auth.Roles))
	for i, r := range auth.Roles {
		s[i] = string(r)
	}
	return strings.Join(s, " ")
}
