package report

import (
	"bytes"
	"context"
	"html/template"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/auth"
	"github.com/yangguang-cdpf/yangguang/internal/certify"
	"github.com/yangguang-cdpf/yangguang/internal/i18n"
	"github.com/yangguang-cdpf/yangguang/internal/indicator"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
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
		bars[i].ValueX = 196 + bars[i].Width
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
}

// DashboardPanel computes the dashboard for principal p: the year's
// targets against what is done so far, the register by category and
// grade, overdue certification applications and cards expiring within
// 90 days — all inside p's scope.
func DashboardPanel(ctx context.Context, q store.Querier, p *auth.Principal, year int) (PanelData, error) {
	return dashboardPanel(ctx, q, i18n.ZH, p, year, time.Now())
}

func dashboardPanel(ctx context.Context, q store.Querier, l i18n.Lang, p *auth.Principal, year int, now time.Time) (PanelData, error) {
	d := PanelData{Year: year, Period: indicator.Year(year), CanRegistry: p.Can(auth.PermRegistryRead), CanCertify: p.Can(auth.PermCertifyRead)}
	if year == now.Year() {
		d.Period.To = today(now) // the year so far
	}
	var err error
	if d.AreaName, err = RegionName(ctx, q, l, p.Scope); err != nil {
		return d, err
	}
	rows, err := Rows(ctx, q, l, p.Scope, indicator.Year(year))
	if err != nil {
		return d, err
	}
	var bars []Bar
	for _, r := range rows {
		if r.Target == "" {
			continue
		}
		if !r.Recorded {
			d.Waiting = append(d.Waiting, r)
			continue
		}
		tv := r.Result.Value
		t, _ := indicator.ParseTarget(r.Result.Indicator, r.Target)
		target := indicator.TargetValue(r.Result.Indicator, t)
		b := Bar{Label: r.Name, Value: r.Value, Href: r.Href, Recorded: true, Width: widthOf(tv.Tenths(), target.Tenths()),
			Detail: i18n.T(l, "report.done_of_target", r.Value, r.Target, unitText(l, r.Unit))}
		if r.Progress != "" {
			b.Detail += " (" + r.Progress + "%)"
		}
		bars = append(bars, b)
	}
	d.Targets = chart("targets", i18n.T(l, "report.dashboard.targets", year), bars)
	byKey := map[string]Row{}
	for _, r := range rows {
		byKey[r.Key] = r
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

// PanelHTML renders the dashboard panel for inclusion in another page
// (the home page): {{.Data.ReportPanel}}.
func PanelHTML(l i18n.Lang, d PanelData) (template.HTML, error) {
	var b bytes.Buffer
	if err := panelTemplate.ExecuteTemplate(&b, "report_panel", PanelView{Lang: l, D: d}); err != nil {
		return "", err
	}
	return template.HTML(b.String()), nil
}
