package renovate

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/settings"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/validate"
)

// Yuan renders fen as yuan with two decimals (¥1,234.50 → "1234.50"),
// exactly: no float on the way.
func Yuan(fen int64) string {
	sign := ""
	if fen < 0 {
		sign, fen = "-", -fen
	}
	return fmt.Sprintf("%s%d.%02d", sign, fen/100, fen%100)
}

var yuanRe = regexp.MustCompile(`^\d{1,9}(\.\d{1,2})?$`)

// ParseYuan reads an amount in yuan ("1500", "1500.5", "1,500.50") as fen,
// exactly; ok is false for anything else.
func ParseYuan(s string) (int64, bool) {
	s = strings.ReplaceAll(strings.TrimSpace(s), ",", "")
	s = strings.TrimPrefix(s, "¥")
	if !yuanRe.MatchString(s) {
		return 0, false
	}
	whole, frac, _ := strings.Cut(s, ".")
	w, _ := strconv.ParseInt(whole, 10, 64)
	for len(frac) < 2 {
		frac += "0"
	}
	f, _ := strconv.ParseInt(frac, 10, 64)
	return w*100 + f, true
}

// ---- catalogue ----

// CatalogueItem is one kind of work with its unit cost.
type CatalogueItem struct {
	Code     string `json:"code"`
	Name     string `json:"name"`
	Unit     string `json:"unit"`
	UnitFen  int64  `json:"unit_fen"`
	Active   bool   `json:"active"`
	Position int    `json:"position"`
}

// Catalogue returns every item, in order.
func Catalogue(ctx context.Context, q store.Querier) ([]CatalogueItem, error) {
	rows, err := q.QueryContext(ctx, `SELECT code, name, unit, unit_fen, active, position FROM renovation_catalogue ORDER BY position, code`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []CatalogueItem
	for rows.Next() {
		var c CatalogueItem
		if err := rows.Scan(&c.Code, &c.Name, &c.Unit, &c.UnitFen, &c.Active, &c.Position); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

var codeRe = regexp.MustCompile(`^[a-z][a-z0-9_]{1,39}$`)

// MaxUnitFen bounds a unit cost (¥100,000).
const MaxUnitFen = 10_000_000

// SaveItem adds an item (a new code) or changes one; plans already made
// keep the cost they were made with.
func SaveItem(ctx context.Context, tx *store.Tx, c CatalogueItem) error {
	var es validate.Errors
	c.Code, c.Name, c.Unit = strings.TrimSpace(c.Code), strings.TrimSpace(c.Name), strings.TrimSpace(c.Unit)
	if es.Required(0, "renovate.item.code", c.Code) && !codeRe.MatchString(c.Code) {
		es.Add(0, "renovate.item.code", "renovate.error.item_code")
	}
	if es.Required(0, "renovate.item.name", c.Name) {
		checkLen(&es, "renovate.item.name", c.Name, 50)
	}
	if es.Required(0, "renovate.item.unit", c.Unit) {
		checkLen(&es, "renovate.item.unit", c.Unit, 10)
	}
	if c.UnitFen <= 0 || c.UnitFen > MaxUnitFen {
		es.Add(0, "renovate.item.unit_cost", "renovate.error.unit_cost", Yuan(MaxUnitFen))
	}
	if len(es) > 0 {
		return es
	}
	var before CatalogueItem
	err := tx.QueryRowContext(ctx, `SELECT code, name, unit, unit_fen, active, position FROM renovation_catalogue WHERE code = $1`, c.Code).
		Scan(&before.Code, &before.Name, &before.Unit, &before.UnitFen, &before.Active, &before.Position)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(position), 0) + 1 FROM renovation_catalogue`).Scan(&c.Position); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO renovation_catalogue (code, name, unit, unit_fen, active, position, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			c.Code, c.Name, c.Unit, c.UnitFen, c.Active, c.Position, store.NowIn(ctx)); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "renovation.catalogue", ObjectType: "renovation_catalogue", ObjectID: c.Code, After: c})
	case err != nil:
		return err
	}
	c.Position = before.Position
	if _, err := tx.ExecContext(ctx, `UPDATE renovation_catalogue SET name = $2, unit = $3, unit_fen = $4, active = $5, updated_at = $6 WHERE code = $1`,
		c.Code, c.Name, c.Unit, c.UnitFen, c.Active, store.NowIn(ctx)); err != nil {
		return err
	}
	return audit.Record(ctx, tx, audit.Entry{Action: "renovation.catalogue", ObjectType: "renovation_catalogue", ObjectID: c.Code, Before: before, After: c})
}

// ---- settings ----

// Eligibility of households (RULES: the county extends renovation beyond
// registered-poor households).
const (
	EligibleAll         = "all"          // Default: every household (the report)
	EligiblePovertyOnly = "poverty_only" // only 建档立卡/监测户
)

// Settings are the local rules.
type Settings struct {
	Eligibility string // Default: EligibleAll
	PhotoMaxKB  int    // Default: 4096 KB a photo
}

var settingsTable = settings.Table{
	Name: "renovation_settings", Field: "renovate.setting.",
	Defs: []settings.Def{
		{Key: "eligibility", Default: EligibleAll, Kind: settings.KindChoice, Choices: []string{EligibleAll, EligiblePovertyOnly}},
		{Key: "photo_max_kb", Default: "4096", Min: 100, Max: 20480},
	},
	Msg: map[settings.Kind]string{settings.KindInt: "renovate.error.range"},
}

// LoadSettings reads the settings, defaults filling what was never set.
func LoadSettings(ctx context.Context, q store.Querier) (Settings, error) {
	v, err := settingsTable.Values(ctx, q)
	if err != nil {
		return Settings{}, err
	}
	return settingsFrom(v), nil
}

func settingsFrom(v map[string]string) Settings {
	kb, _ := strconv.Atoi(v["photo_max_kb"])
	return Settings{Eligibility: v["eligibility"], PhotoMaxKB: kb}
}

// SaveSettings checks and stores the settings, audited with the Settings
// before and after (not the text values the other areas record).
func SaveSettings(ctx context.Context, tx *store.Tx, set Settings) error {
	before, err := LoadSettings(ctx, tx)
	if err != nil {
		return err
	}
	vals, es := settingsTable.Check(map[string]string{"eligibility": set.Eligibility, "photo_max_kb": strconv.Itoa(set.PhotoMaxKB)})
	if len(es) > 0 {
		return es
	}
	if err := settingsTable.Write(ctx, tx, vals); err != nil {
		return err
	}
	return audit.Record(ctx, tx, audit.Entry{Action: "renovation.settings", ObjectType: "renovation_settings", ObjectID: "renovate", Before: before, After: settingsFrom(vals)})
}

// YearPlan is a year's budget and target. A year never set has the
// report's Default target: 92 households and 90 % coverage, no budget.
type YearPlan struct {
	Year                 int   `json:"year"`
	BudgetFen            int64 `json:"budget_fen"`
	Target               int   `json:"target"`
	CoverageGoalPermille int   `json:"coverage_goal_permille"`
	Set                  bool  `json:"set"` // false: the defaults
}

// Default target of a year (the report).
const (
	DefaultTarget       = 92
	DefaultCoverageGoal = 900
)

// LoadYear returns the plan of year.
func LoadYear(ctx context.Context, q store.Querier, year int) (YearPlan, error) {
	y := YearPlan{Year: year, Target: DefaultTarget, CoverageGoalPermille: DefaultCoverageGoal}
	err := q.QueryRowContext(ctx, `SELECT budget_fen, target, coverage_goal_permille FROM renovation_years WHERE year = $1`, year).
		Scan(&y.BudgetFen, &y.Target, &y.CoverageGoalPermille)
	if errors.Is(err, sql.ErrNoRows) {
		return y, nil
	}
	y.Set = err == nil
	return y, err
}

// SaveYear checks and stores a year's budget and target, audited.
func SaveYear(ctx context.Context, tx *store.Tx, y YearPlan) error {
	var es validate.Errors
	if y.Year < 2000 || y.Year > 2100 {
		es.Add(0, "renovate.year.year", "renovate.error.range", 2000, 2100)
	}
	if y.BudgetFen < 0 || y.BudgetFen > 100_000_000_000 {
		es.Add(0, "renovate.year.budget", "renovate.error.budget")
	}
	if y.Target < 0 || y.Target > 100000 {
		es.Add(0, "renovate.year.target", "renovate.error.range", 0, 100000)
	}
	if y.CoverageGoalPermille < 0 || y.CoverageGoalPermille > 1000 {
		es.Add(0, "renovate.year.coverage_goal", "renovate.error.range", 0, 100)
	}
	if len(es) > 0 {
		return es
	}
	before, err := LoadYear(ctx, tx, y.Year)
	if err != nil {
		return err
	}
	y.Set = true
	res, err := tx.ExecContext(ctx, `UPDATE renovation_years SET budget_fen = $2, target = $3, coverage_goal_permille = $4, updated_at = $5 WHERE year = $1`,
		y.Year, y.BudgetFen, y.Target, y.CoverageGoalPermille, store.NowIn(ctx))
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		if _, err := tx.ExecContext(ctx, `INSERT INTO renovation_years (year, budget_fen, target, coverage_goal_permille, updated_at) VALUES ($1, $2, $3, $4, $5)`,
			y.Year, y.BudgetFen, y.Target, y.CoverageGoalPermille, store.NowIn(ctx)); err != nil {
			return err
		}
	}
	return audit.Record(ctx, tx, audit.Entry{Action: "renovation.year", ObjectType: "renovation_years", ObjectID: strconv.Itoa(y.Year), Before: before, After: y})
}

// Display helpers for templates: amounts in yuan, shares in percent.

// TotalYuan is the plan's cost in yuan.
func (r Renovation) TotalYuan() string { return Yuan(r.TotalFen) }

// PaidYuan is the amount paid in yuan.
func (r Renovation) PaidYuan() string { return Yuan(r.PaidFen) }

// UnitYuan is the unit cost in yuan.
func (c CatalogueItem) UnitYuan() string { return Yuan(c.UnitFen) }

// UnitYuan is the line's unit cost in yuan.
func (it Item) UnitYuan() string { return Yuan(it.UnitFen) }

// CostYuan is the line's cost in yuan.
func (it Item) CostYuan() string { return Yuan(it.CostFen) }

// SpentYuan is the spending in yuan.
func (c Counts) SpentYuan() string { return Yuan(c.SpentFen) }

// CommittedYuan is the cost of approved plans in yuan.
func (c Counts) CommittedYuan() string { return Yuan(c.CommittedFen) }

// Coverage is the coverage in percent.
func (c Counts) Coverage() string { return Percent(c.CoveragePermille) }

// BudgetYuan is the year's budget in yuan.
func (y YearPlan) BudgetYuan() string { return Yuan(y.BudgetFen) }

// Goal is the coverage goal in percent.
func (y YearPlan) Goal() string { return Percent(y.CoverageGoalPermille) }
