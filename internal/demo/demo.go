// Package demo creates the demo county, 阳光县 (code 341599): its 15
// townships and 307 villages from shared/domain/demo-county.csv, staff
// accounts for every role, and a registry of disabled residents with
// history. The same seed and size always give the same residents, so
// benchmarks and screenshots are repeatable. Each area of work adds its
// year of demo activity here.
package demo

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/activity"
	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/auth"
	"github.com/yangguang-cdpf/yangguang/internal/certify"
	"github.com/yangguang-cdpf/yangguang/internal/device"
	"github.com/yangguang-cdpf/yangguang/internal/employ"
	"github.com/yangguang-cdpf/yangguang/internal/files"
	"github.com/yangguang-cdpf/yangguang/internal/levy"
	"github.com/yangguang-cdpf/yangguang/internal/programme"
	"github.com/yangguang-cdpf/yangguang/internal/programme/payment"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/renovate"
	"github.com/yangguang-cdpf/yangguang/internal/rights"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/survey"
)

//go:embed demo-county.csv
var countyCSV []byte

// CountyCode is the demo county's 12-digit code.
const CountyCode = "341599000000"

// DefaultPersons is the registry size of `yangguang demo` without --persons.
const DefaultPersons = 3000

// DefaultSeed fixes the random data.
const DefaultSeed = 20261128

// Options choose the size of the demo.
type Options struct {
	Persons int
	Seed    uint64
	Today   time.Time // the demo's "today"; zero means now
}

// Account is one demo sign-in.
type Account struct {
	Username, DisplayName string
	Role                  auth.Role
	Department            auth.Department
	ScopeCode             string
}

// Result is what the demo created.
type Result struct {
	Accounts []Account
	Password string // the one first password of every demo account
	Persons  int
}

// ErrNotEmpty is returned when the database already holds a county.
var ErrNotEmpty = errors.New("数据库中已有行政区划数据，演示县只能建在空数据库中（换一个 --data 目录或数据库）")

// Create builds the demo county in an empty database.
func Create(ctx context.Context, db *store.DB, opt Options) (Result, error) {
	if opt.Persons < 0 {
		return Result{}, fmt.Errorf("--persons 不能为负数")
	}
	if opt.Seed == 0 {
		opt.Seed = DefaultSeed
	}
	if opt.Today.IsZero() {
		opt.Today = time.Now()
	}
	ctx = audit.WithActor(ctx, audit.Actor{ID: "demo", Name: "demo", Kind: "system"})
	var n int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM areas`).Scan(&n); err != nil {
		return Result{}, err
	}
	if n > 0 {
		return Result{}, ErrNotEmpty
	}
	if _, err := area.Import(ctx, db, bytes.NewReader(countyCSV)); err != nil {
		return Result{}, fmt.Errorf("演示县区划: %w", err)
	}
	res := Result{Password: auth.GeneratePassword(auth.DefaultPolicy)}
	accounts, err := accounts(ctx, db)
	if err != nil {
		return res, err
	}
	if err := db.InTx(ctx, func(tx *store.Tx) error {
		for _, a := range accounts {
			if _, _, err := auth.CreateUser(ctx, tx, auth.NewUser{Username: a.Username, DisplayName: a.DisplayName, Role: a.Role,
				Department: a.Department, ScopeCode: a.ScopeCode, Password: res.Password}); err != nil {
				return fmt.Errorf("demo account %s: %w", a.Username, err)
			}
		}
		return nil
	}); err != nil {
		return res, err
	}
	res.Accounts = accounts
	villages, err := villagesOf(ctx, db)
	if err != nil {
		return res, err
	}
	rng := rand.New(rand.NewPCG(opt.Seed, 0x5947))
	persons := registry.Demo(rng, villages, opt.Persons, opt.Today)
	if err := registry.BulkInsert(ctx, db, persons); err != nil {
		return res, fmt.Errorf("演示残疾人: %w", err)
	}
	if err := registry.BulkInsertHistory(ctx, db, registry.DemoHistory(rng, persons)); err != nil {
		return res, fmt.Errorf("演示残疾人变更历史: %w", err)
	}
	res.Persons = len(persons)
	if err := certify.Demo(ctx, db, rng, opt.Today); err != nil {
		return res, fmt.Errorf("演示评残办证: %w", err)
	}
	if len(persons) == 0 {
		return res, nil // areas and accounts only: no one to work for
	}
	// Every further area draws from its own stream of the seed, so adding
	// an area changes no other area's year.
	stream := func(n uint64) *rand.Rand { return rand.New(rand.NewPCG(opt.Seed, 0x5947+n)) }
	for _, step := range []struct {
		what string
		run  func() error
	}{
		{"扶助项目", func() error { return programme.Demo(ctx, db, stream(1), opt.Today) }},
		{"资金发放", func() error { return payment.Demo(ctx, db, programme.PaymentSource{}, stream(2), opt.Today) }},
		{"动态更新调查", func() error { return survey.Demo(ctx, db, stream(3), opt.Today) }},
		{"辅助器具", func() error { return device.Demo(ctx, db, stream(4), opt.Today) }},
		{"无障碍改造", func() error { return renovate.Demo(ctx, db, files.In(db.DataDir()), stream(5), opt.Today) }},
		{"就业与培训", func() error { return employ.Demo(ctx, db, stream(6), opt.Today) }},
		{"按比例就业年审", func() error { return levy.Demo(ctx, db, stream(7), opt.Today) }},
		{"维权案件", func() error { return rights.Demo(ctx, db, stream(8), opt.Today) }},
		{"活动", func() error { return activity.Demo(ctx, db, stream(9), opt.Today) }},
	} {
		start := time.Now()
		if err := step.run(); err != nil {
			return res, fmt.Errorf("演示%s: %w", step.what, err)
		}
		slog.Info("demo area built", "area", step.what, "seconds", time.Since(start).Seconds())
	}
	return res, nil
}

func villagesOf(ctx context.Context, db *store.DB) ([]area.Area, error) {
	all, err := area.InScope(ctx, db, area.ScopeOf(CountyCode))
	if err != nil {
		return nil, err
	}
	var out []area.Area
	for _, a := range all {
		if a.Level == area.Village {
			out = append(out, a)
		}
	}
	return out, nil
}

// accounts lists the demo staff: the three administrators, a leader, one
// caseworker per department, a worker for every township, two village
// workers and two assessment experts.
func accounts(ctx context.Context, db *store.DB) ([]Account, error) {
	c := CountyCode
	list := []Account{
		{"admin", "周建国", auth.RoleCountyAdmin, "", c},
		{"security", "孙立新", auth.RoleSecurityAdmin, "", c},
		{"auditor", "钱静", auth.RoleAuditor, "", c},
		{"leader", "郑红梅", auth.RoleLeader, "", c},
		{"cert", "吴晓燕", auth.RoleCountyStaff, auth.DeptCertification, c},
		{"rehab", "冯丽", auth.RoleCountyStaff, auth.DeptRehabilitation, c},
		{"employ", "陈志强", auth.RoleCountyStaff, auth.DeptEmployment, c},
		{"rights", "褚卫东", auth.RoleCountyStaff, auth.DeptRights, c},
		{"finance", "卫芳", auth.RoleCountyStaff, auth.DeptFinance, c},
		{"expert1", "蒋医生", auth.RoleExpert, "", c},
		{"expert2", "沈医生", auth.RoleExpert, "", c},
		{levy.DemoEmployerAccount, "阳光县示范企业（申报员）", auth.RoleEmployer, "", c},
	}
	towns, err := area.Children(ctx, db, c)
	if err != nil {
		return nil, err
	}
	given := []string{"海涛", "春燕", "建华", "秀英", "国庆", "玉兰", "志刚", "桂芳", "德明", "晓红", "永强", "丽娟", "新民", "淑珍", "文斌"}
	surnames := []string{"王", "李", "张", "刘", "杨", "黄", "赵", "周", "吴", "徐", "孙", "马", "朱", "胡", "郭"}
	for i, t := range towns {
		list = append(list, Account{"town" + t.Code[6:9], surnames[i%len(surnames)] + given[i%len(given)], auth.RoleTownshipWorker, "", t.Code})
	}
	for i, t := range towns[:min(2, len(towns))] {
		vs, err := area.Children(ctx, db, t.Code)
		if err != nil {
			return nil, err
		}
		if len(vs) > 0 {
			list = append(list, Account{"village" + vs[0].Code[6:], surnames[(i+7)%len(surnames)] + given[(i+5)%len(given)], auth.RoleVillageWorker, "", vs[0].Code})
		}
	}
	return list, nil
}

// RenewPassword gives every demo account that has not yet signed in a new
// first password, so `serve --demo` can print working credentials again.
// It returns "" when the admin has already chosen his own password.
func RenewPassword(ctx context.Context, db *store.DB) (string, error) {
	admin, err := auth.GetUserByName(ctx, db, "admin")
	if err != nil || !admin.MustChangePassword {
		return "", nil //nolint:nilerr // no demo admin, or already in use
	}
	users, err := auth.ListUsers(ctx, db, area.All())
	if err != nil {
		return "", err
	}
	ctx = audit.WithActor(ctx, audit.Actor{ID: "demo", Name: "demo", Kind: "system"})
	pw := auth.GeneratePassword(auth.DefaultPolicy)
	err = db.InTx(ctx, func(tx *store.Tx) error {
		for _, u := range users {
			if u.MustChangePassword {
				if err := auth.SetPassword(ctx, tx, u.ID, pw); err != nil {
					return err
				}
			}
		}
		return nil
	})
	return pw, err
}
