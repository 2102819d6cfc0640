package device

import (
	"context"
	"database/sql"
	"errors"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/validate"
)

// Class groups device kinds (辅助器具类别).
type Class string

// Classes.
const (
	ClassMobility    Class = "mobility"    // 移动：轮椅、助行器、拐杖
	ClassHearing     Class = "hearing"     // 听力：助听器
	ClassVision      Class = "vision"      // 视力：盲杖、助视器、读屏
	ClassSelfCare    Class = "self_care"   // 生活自理：坐便椅、洗浴椅
	ClassProsthetics Class = "prosthetics" // 假肢矫形器
	ClassOther       Class = "other"       // 其他（县里增加的）
)

// Classes in display order.
var Classes = []Class{ClassMobility, ClassHearing, ClassVision, ClassSelfCare, ClassProsthetics, ClassOther}

// Kind is one entry of the catalogue.
type Kind struct {
	ID           string `json:"id"`
	Code         string `json:"code"`
	Name         string `json:"name"`
	Class        Class  `json:"class"`
	UnitValueFen int64  `json:"unit_value_fen"`
	Loanable     bool   `json:"loanable"`
	LoanDays     int    `json:"loan_days"` // 0: the default loan period setting
	Active       bool   `json:"active"`
}

// DefaultKinds is the catalogue a new installation starts with: the
// devices the report's pilot lends and those fitted to one person. Values
// are Default placeholders for the county to edit.
var DefaultKinds = []Kind{
	{Code: "LY01", Name: "普通轮椅", Class: ClassMobility, UnitValueFen: 60000, Loanable: true},
	{Code: "LY02", Name: "高靠背轮椅", Class: ClassMobility, UnitValueFen: 120000, Loanable: true},
	{Code: "ZX01", Name: "助行器", Class: ClassMobility, UnitValueFen: 15000, Loanable: true},
	{Code: "GZ01", Name: "肘拐（一对）", Class: ClassMobility, UnitValueFen: 8000, Loanable: true},
	{Code: "GZ02", Name: "四脚拐杖", Class: ClassMobility, UnitValueFen: 6000, Loanable: true},
	{Code: "ZT01", Name: "助听器（试配借用）", Class: ClassHearing, UnitValueFen: 300000, Loanable: true, LoanDays: 90},
	{Code: "MZ01", Name: "盲杖", Class: ClassVision, UnitValueFen: 5000, Loanable: false},
	{Code: "ZS01", Name: "电子助视器", Class: ClassVision, UnitValueFen: 80000, Loanable: true},
	{Code: "DP01", Name: "读屏软件（手机）", Class: ClassVision, UnitValueFen: 150000, Loanable: false},
	{Code: "ZB01", Name: "坐便椅", Class: ClassSelfCare, UnitValueFen: 20000, Loanable: true},
	{Code: "XY01", Name: "洗浴椅", Class: ClassSelfCare, UnitValueFen: 15000, Loanable: true},
	{Code: "HL01", Name: "多功能护理床", Class: ClassSelfCare, UnitValueFen: 250000, Loanable: true, LoanDays: 365},
	{Code: "JZ01", Name: "小腿假肢", Class: ClassProsthetics, UnitValueFen: 800000, Loanable: false},
	{Code: "JX01", Name: "下肢矫形器", Class: ClassProsthetics, UnitValueFen: 200000, Loanable: false},
}

const kindColumns = `id, code, name, class, unit_value_fen, loanable, loan_days, active`

func scanKind(row interface{ Scan(...any) error }) (Kind, error) {
	var k Kind
	err := row.Scan(&k.ID, &k.Code, &k.Name, &k.Class, &k.UnitValueFen, &k.Loanable, &k.LoanDays, &k.Active)
	return k, err
}

// ListKinds returns the catalogue in class and code order.
func ListKinds(ctx context.Context, q store.Querier) ([]Kind, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+kindColumns+` FROM device_kinds ORDER BY code`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Kind
	for rows.Next() {
		k, err := scanKind(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	slices.SortStableFunc(out, func(a, b Kind) int { return slices.Index(Classes, a.Class) - slices.Index(Classes, b.Class) })
	return out, nil
}

// GetKind returns one kind.
func GetKind(ctx context.Context, q store.Querier, id string) (Kind, error) {
	k, err := scanKind(q.QueryRowContext(ctx, `SELECT `+kindColumns+` FROM device_kinds WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Kind{}, store.ErrNotFound
	}
	return k, err
}

// GetKindByCode returns the kind with a code.
func GetKindByCode(ctx context.Context, q store.Querier, code string) (Kind, error) {
	k, err := scanKind(q.QueryRowContext(ctx, `SELECT `+kindColumns+` FROM device_kinds WHERE code = $1`, code))
	if errors.Is(err, sql.ErrNoRows) {
		return Kind{}, store.ErrNotFound
	}
	return k, err
}

var kindCode = regexp.MustCompile(`^[A-Z0-9]{2,10}$`)

// Audit actions of the catalogue.
const (
	ActionKindCreate = "device.kind.create"
	ActionKindUpdate = "device.kind.update"
)

// SaveKind creates (k.ID "") or changes a kind, audited with before and
// after. The code of a kind that has items cannot change: it is the
// prefix of their asset numbers.
func SaveKind(ctx context.Context, tx *store.Tx, k Kind) (Kind, error) {
	var es validate.Errors
	k.Code = strings.ToUpper(strings.TrimSpace(k.Code))
	k.Name = strings.TrimSpace(k.Name)
	if es.Required(0, "device.kind.code", k.Code) && !kindCode.MatchString(k.Code) {
		es.Add(0, "device.kind.code", "device.error.kind_code")
	}
	if es.Required(0, "device.kind.name", k.Name) && utf8.RuneCountInString(k.Name) > 50 {
		es.Add(0, "device.kind.name", "device.error.too_long", 50)
	}
	if !slices.Contains(Classes, k.Class) {
		es.Add(0, "device.kind.class", "validate.choose")
	}
	if k.UnitValueFen < 0 || k.UnitValueFen > 100_000_000 {
		es.Add(0, "device.kind.unit_value", "device.error.money")
	}
	if k.LoanDays < 0 || k.LoanDays > 1095 {
		es.Add(0, "device.kind.loan_days", "device.error.range", 0, 1095)
	}
	var before *Kind
	if k.ID != "" {
		b, err := GetKind(ctx, tx, k.ID)
		if err != nil {
			return Kind{}, err
		}
		before = &b
		if b.Code != k.Code {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM device_items WHERE kind_id = $1`, k.ID).Scan(&n); err != nil {
				return Kind{}, err
			}
			if n > 0 {
				es.Add(0, "device.kind.code", "device.error.code_in_use", n)
			}
		}
	}
	if len(es) == 0 {
		var other string
		err := tx.QueryRowContext(ctx, `SELECT id FROM device_kinds WHERE code = $1`, k.Code).Scan(&other)
		if err == nil && other != k.ID {
			es.Add(0, "device.kind.code", "device.error.code_taken")
		} else if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return Kind{}, err
		}
	}
	if len(es) > 0 {
		return Kind{}, es
	}
	now := store.Now()
	action := ActionKindUpdate
	if before == nil {
		k.ID, action = store.NewID(), ActionKindCreate
		if _, err := tx.ExecContext(ctx, `INSERT INTO device_kinds (`+kindColumns+`, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$9)`,
			k.ID, k.Code, k.Name, string(k.Class), k.UnitValueFen, k.Loanable, k.LoanDays, k.Active, now); err != nil {
			return Kind{}, err
		}
	} else if _, err := tx.ExecContext(ctx, `UPDATE device_kinds SET code = $2, name = $3, class = $4, unit_value_fen = $5, loanable = $6,
		loan_days = $7, active = $8, updated_at = $9 WHERE id = $1`,
		k.ID, k.Code, k.Name, string(k.Class), k.UnitValueFen, k.Loanable, k.LoanDays, k.Active, now); err != nil {
		return Kind{}, err
	}
	var b any
	if before != nil {
		b = before
	}
	return k, audit.Record(ctx, tx, audit.Entry{Action: action, ObjectType: "device_kind", ObjectID: k.ID, Before: b, After: k})
}

// UnitValue is the value of one item in yuan, for display.
func (k Kind) UnitValue() string { return Yuan(k.UnitValueFen) }
