package report

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"html/template"
	"strings"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/auth"
	"github.com/yangguang-cdpf/yangguang/internal/certify"
	"github.com/yangguang-cdpf/yangguang/internal/i18n"
	"github.com/yangguang-cdpf/yangguang/internal/indicator"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/rights"
	"github.com/yangguang-cdpf/yangguang/internal/store"
)

// Bar is one bar of a server-drawn SVG chart, positioned in Go so the
// template only prints numbers.
type Bar struct {
	Label    string
	Value    string // as printed
	Detail   string // e.g. "57 / 92 户"
	Href     string
	Width    int // px of a 400-px bar
	Y        int
	TextY    int
	ValueX   int
	Recorded bool
}

// Chart is a bar chart with its table.
type Chart struct {
	ID     string
	Title  string
	Bars   []Bar
	Height int
}

func chart(id, title string, bars []Bar) Chart {
	for i := range bars {
		bars[i].Y = i*36 + 6
		bars[i].TextY = i*36 + 22
		// The value follows the bar, or the frame when the bar nearly
		// fills it (a label across the frame's edge is hard to read).
		bars[i].ValueX = 196 + bars[i].Width
		if bars[i].Width > 350 {
			bars[i].ValueX = 196 + 400
		}
	}
	return Chart{ID: id, Title: title, Bars: bars, Height: len(bars)*36 + 6}
}

// widthOf is the bar length of part of whole (capped at the full bar).
func widthOf(part, whole int64) int {
	if whole <= 0 || part <= 0 {
		return 0
	}
	if part >= whole {
		return 400
	}
	return int(part * 400 / whole)
}

// PanelData is the leaders' dashboard of one scope and year.
type PanelData struct {
	Year        int
	AreaName    string
	Period      indicator.Period // the year so far
	Targets     Chart            // targets vs done, recorded indicators
	Waiting     []Row            // targeted indicators not yet recorded
	Categories  Chart
	Grades      Chart
	Total       int64
	CertOverdue int
	Expiring    int64
	ExpiringBy  string
	CanRegistry bool
	CanCertify  bool
	Work        Worklists
}

// Worklists are the counts of work waiting in a scope, each shown only to
// a holder of its area's read permission (and linking to its list).
type Worklists struct {
	CanProgramme bool
	Suspended    int64 // programme cases suspended, to resume or close
	LoansOverdue int64 // device loans past their due day
	CanSurvey    bool
	Survey       *SurveyProgress // nil when the year has no round
	// RightsOverdue counts open rights cases past their present time limit
	// (rights readers).
	RightsOverdue int
}

// SurveyProgress is the year's survey (动态更新) in the scope.
type SurveyProgress struct {
	Year    int
	Done    int64 // visited: submitted, checked or accepted
	Total   int64 // tasks of persons still registered
	Overdue int64 // still with the village after the due day
}

// Percent is Done of Total, one decimal.
func (s SurveyProgress) Percent() string { return indicator.Rate(s.Done, s.Total).String() }

// WorklistsFor counts the waiting work principal p may see on day now:
// suspended programme cases and overdue device loans (programme readers),
// the survey's progress (registry readers). Each is one grouped count on an
// indexed range of the scope.
func WorklistsFor(ctx context.Context, q store.Querier, p *auth.Principal, now time.Time) (Worklists, error) {
	w := Worklists{CanProgramme: p.Can(auth.PermProgrammeRead), CanSurvey: p.Can(auth.PermRegistryRead)}
	day := today(now)
	if p.Can(auth.PermRightsRead) {
		n, err := rights.CountOverdue(ctx, q, p.Scope, day)
		if err != nil {
			return w, err
		}
		w.RightsOverdue = n
	}
	if w.CanProgramme {
		cond, args := p.Scope.Filter("village_code", 2)
		if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM prog_cases WHERE status = $1 AND `+cond, append([]any{"suspended"}, args...)...).Scan(&w.Suspended); err != nil {
			return w, err
		}
		cond, args = p.Scope.Filter("village_code", 3)
		if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM device_loans WHERE status = $1 AND due_on < $2 AND `+cond, append([]any{"open", day}, args...)...).Scan(&w.LoansOverdue); err != nil {
			return w, err
		}
	}
	if w.CanSurvey {
		var status, dueOn string
		err := q.QueryRowContext(ctx, `SELECT status, due_on FROM survey_rounds WHERE year = $1`, now.Year()).Scan(&status, &dueOn)
		if errors.Is(err, sql.ErrNoRows) {
			return w, nil
		}
		if err != nil {
			return w, err
		}
		sp := &SurveyProgress{Year: now.Year()}
		cond, args := p.Scope.Filter("village_code", 2)
		rows, err := q.QueryContext(ctx, `SELECT status, CAST(SUM(n) AS BIGINT) FROM survey_task_counts WHERE year = $1 AND `+cond+` GROUP BY status`, append([]any{now.Year()}, args...)...)
		if err != nil {
			return w, err
		}
		defer rows.Close()
		overdue := status == "open" && day > dueOn
		for rows.Next() {
			var st string
			var n int64
			if err := rows.Scan(&st, &n); err != nil {
				return w, err
			}
			switch st {
			case "void":
				continue
			case "submitted", "checked", "accepted":
				sp.Done += n
			default: // pending, in progress, returned: with the village
				if overdue {
					sp.Overdue += n
				}
			}
			sp.Total += n
		}
		if err := rows.Err(); err != nil {
			return w, err
		}
		w.Survey = sp
	}
	return w, nil
}

// DashboardPanel computes the dashboard for principal p: the year's
// targets against what is done so far, the register by category and
// grade, overdue certification applications, cards expiring within 90
// days and the areas' worklists — all inside p's scope.
func DashboardPanel(ctx context.Context, q store.Querier, p *auth.Principal, year int) (PanelData, error) {
	return dashboardPanel(ctx, q, i18n.ZH, p, year, time.Now())
}

// TargetsPanel computes only the year's targets against what is done (the
// home page's part of the panel): the indicators with a target, no others.
func TargetsPanel(ctx context.Context, q store.Querier, l i18n.Lang, p *auth.Principal, year int) (PanelData, error) {
	d, _, err := targetsPanel(ctx, q, l, p, year, time.Now())
	return d, err
}

// targetsPanel fills the panel's head and its targets chart, evaluating
// the indicators with a target of the year and those of the register's
// breakdown — not every indicator: some (the education radar) read the
// whole register. It returns the rows it computed.
func targetsPanel(ctx context.Context, q store.Querier, l i18n.Lang, p *auth.Principal, year int, now time.Time) (PanelData, map[string]Row, error) {
	d := PanelData{Year: year, Period: indicator.Year(year), CanRegistry: p.Can(auth.PermRegistryRead), CanCertify: p.Can(auth.PermCertifyRead)}
	if year == now.Year() {
		d.Period.To = today(now) // the year so far
	}
	var err error
	if d.AreaName, err = RegionName(ctx, q, l, p.Scope); err != nil {
		return d, nil, err
	}
	targets := map[string]indicator.Target{}
	if code, ok := indicator.TargetArea(p.Scope); ok {
		if targets, err = indicator.Targets(ctx, q, year, code); err != nil {
			return d, nil, err
		}
	}
	var wanted []indicator.Indicator
	for _, ind := range indicator.All() {
		_, targeted := targets[ind.Key]
		if (targeted && ind.Target) || ind.Key == "registry_size" || strings.HasPrefix(ind.Key, "registry_category_") || strings.HasPrefix(ind.Key, "registry_grade_") {
			wanted = append(wanted, ind)
		}
	}
	results, err := indicator.EvaluateList(ctx, q, wanted, p.Scope, d.Period)
	if err != nil {
		return d, nil, err
	}
	byKey := map[string]Row{}
	var bars []Bar
	for _, res := range results {
		r := makeRow(l, res, targets)
		byKey[r.Key] = r
		if r.Target == "" {
			continue
		}
		if !r.Recorded {
			d.Waiting = append(d.Waiting, r)
			continue
		}
		t, _ := indicator.ParseTarget(r.Result.Indicator, r.Target)
		target := indicator.TargetValue(r.Result.Indicator, t)
		b := Bar{Label: r.Name, Value: r.Value, Href: r.Href, Recorded: true, Width: widthOf(r.Result.Value.Tenths(), target.Tenths()),
			Detail: i18n.T(l, "report.done_of_target", r.Value, r.Target, unitText(l, r.Unit))}
		if r.Progress != "" {
			b.Detail += " (" + r.Progress + "%)"
		}
		bars = append(bars, b)
	}
	d.Targets = chart("targets", i18n.T(l, "report.dashboard.targets", year), bars)
	return d, byKey, nil
}

func dashboardPanel(ctx context.Context, q store.Querier, l i18n.Lang, p *auth.Principal, year int, now time.Time) (PanelData, error) {
	d, byKey, err := targetsPanel(ctx, q, l, p, year, now)
	if err != nil {
		return d, err
	}
	d.Total = byKey["registry_size"].Result.Value.Num
	var cats, grades []Bar
	for _, c := range registry.Categories {
		r := byKey[indicator.CategoryKey(c)]
		cats = append(cats, Bar{Label: i18n.T(l, c.MessageKey()), Value: r.Value, Href: r.Href, Width: widthOf(r.Result.Value.Num, d.Total), Recorded: true})
	}
	for _, g := range registry.Grades {
		r := byKey[indicator.GradeKey(g)]
		grades = append(grades, Bar{Label: i18n.T(l, g.MessageKey()), Value: r.Value, Href: r.Href, Width: widthOf(r.Result.Value.Num, d.Total), Recorded: true})
	}
	d.Categories = chart("categories", i18n.T(l, "report.dashboard.by_category"), cats)
	d.Grades = chart("grades", i18n.T(l, "report.dashboard.by_grade"), grades)
	if d.CanCertify {
		overdue, err := certify.List(ctx, q, p.Scope, certify.Filter{Overdue: today(now), Limit: 2000})
		if err != nil {
			return d, err
		}
		d.CertOverdue = len(overdue)
	}
	if d.Work, err = WorklistsFor(ctx, q, p, now); err != nil {
		return d, err
	}
	d.ExpiringBy = now.AddDate(0, 0, 90).Format(time.DateOnly)
	cond, args := p.Scope.Filter("village_code", 1)
	err = q.QueryRowContext(ctx, `SELECT COUNT(*) FROM persons WHERE `+cond+` AND status = $3 AND certificate_expires_on >= $4 AND certificate_expires_on < $5`,
		append(args, string(registry.StatusActive), today(now), d.ExpiringBy)...).Scan(&d.Expiring)
	return d, err
}

// PanelView is what the "report_panel" partial renders: the data and
// the language to translate with.
type PanelView struct {
	Lang i18n.Lang
	D    PanelData
}

// Breakdowns are the register's charts: by category, by grade.
func (v PanelView) Breakdowns() []Chart { return []Chart{v.D.Categories, v.D.Grades} }

// T translates in the view's language.
func (v PanelView) T(key string, args ...any) string { return i18n.T(v.Lang, key, args...) }

var panelTemplate = template.Must(template.New("panel").ParseFS(templates, "templates/_panel.html"))

// TargetsHTML renders only the targets section of the panel (the home
// page shows the register and the worklists its own way).
func TargetsHTML(l i18n.Lang, d PanelData) (template.HTML, error) {
	var b bytes.Buffer
	if err := panelTemplate.ExecuteTemplate(&b, "report_targets", PanelView{Lang: l, D: d}); err != nil {
		return "", err
	}
	return template.HTML(b.String()), nil
}

// PanelHTML renders the dashboard panel for inclusion in another page
// (the home page): {{.Data.ReportPanel}}.
func PanelHTML(l i18n.Lang, d PanelData) (template.HTML, error) {
	var b bytes.Buffer
	if err := panelTemplate.ExecuteTemplate(&b, "report_panel", PanelView{Lang: l, D: d}); err != nil {
		return "", err
	}
	return template.HTML(b.String()), nil
}
