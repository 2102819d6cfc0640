// Package report is what the federation's leaders read: the dashboard of
// targets against work done, the work report (工作总结) in the structure of
// the source report with every figure filled from records (a page, .docx
// and .xlsx), the township comparison, the data-quality checks of the
// registry and the list behind every figure. Every figure comes from an
// indicator.Indicator, so all of them agree.
package report

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/i18n"
	"github.com/yangguang-cdpf/yangguang/internal/indicator"
	"github.com/yangguang-cdpf/yangguang/internal/store"
)

// Migrations are the indicator targets and the report's edited texts. The
// index on person_history(at) serves the register's "updated in the
// period" figure (a range on the instant instead of a scan of the
// history); the one on the survey's tasks its visits by day. They follow
// the registry's and the survey's migrations.
var Migrations = append(append([]store.Migration{}, indicator.Migrations...), store.Migration{
	Version: 2026113081,
	Name:    "report_texts",
	SQL: `
CREATE TABLE report_texts (
	period_from TEXT NOT NULL,
	period_to   TEXT NOT NULL,
	area_code   TEXT NOT NULL,           -- '' everything, else the region's 12-digit code
	paragraph   TEXT NOT NULL,           -- see Paragraphs
	body        TEXT NOT NULL,
	updated_by  TEXT NOT NULL,
	updated_at  TEXT NOT NULL,
	PRIMARY KEY (period_from, period_to, area_code, paragraph)
);
CREATE INDEX report_person_history_at ON person_history(at, person_id);
`}, store.Migration{
	// The survey's visits by day (households visited, coverage) without
	// reading every task's answers.
	Version: 2026113082,
	Name:    "report_survey_visits",
	SQL:     `CREATE INDEX report_survey_visits ON survey_tasks(year, status, visited_on, village_code);`,
}, store.Migration{
	// Figures that join a record to its person (history entries, tags,
	// needs) only ask the person's area and status: this index answers
	// them without reading the persons table, whose rows are wide and, at a
	// million persons, mostly not in memory (registry_updated_rate 0.7 →
	// 0.3 s, BENCHMARKS.md). (The filtered registry page's index is the
	// registry's: search_index.go.)
	Version: 2026112971,
	Name:    "person_lookup_indexes",
	SQL: `CREATE INDEX persons_id_area ON persons(id, village_code, status);
ANALYZE persons_id_area;`,
	// SQLite plans with the statistics of each index: a new index without
	// them looked cheap to drive a join from (an employment count went from
	// 15 ms to 1 s until analysed). PostgreSQL keeps statistics by table.
	PostgresSQL: `CREATE INDEX persons_id_area ON persons(id, village_code, status);`,
}, surveyTaskCounts, surveyTaskCountsBulk)

// surveyTaskCounts keeps the number of survey tasks per year, village,
// status and day of visit, maintained by triggers on every write of
// survey_tasks (as person_counts is for persons): the home page's survey
// progress and the survey's figures read a few thousand rows instead of
// counting a million tasks (1.4 s at 1,000,000 persons, BENCHMARKS.md).
// TestSurveyTaskCountsMatchDirectCount holds them to a direct count.
var surveyTaskCounts = store.Migration{
	Version: 2026113085, // after the survey's tables (2026113040)
	Name:    "survey_task_counts",
	SQL: surveyTaskCountsTable + `
CREATE TRIGGER survey_tasks_count_insert AFTER INSERT ON survey_tasks BEGIN
	INSERT INTO survey_task_counts (year, village_code, status, visited_on, n) VALUES (NEW.year, NEW.village_code, NEW.status, NEW.visited_on, 1)
	ON CONFLICT (year, village_code, status, visited_on) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER survey_tasks_count_delete AFTER DELETE ON survey_tasks BEGIN
	UPDATE survey_task_counts SET n = n - 1
	WHERE year = OLD.year AND village_code = OLD.village_code AND status = OLD.status AND visited_on = OLD.visited_on;
END;
CREATE TRIGGER survey_tasks_count_update AFTER UPDATE OF year, village_code, status, visited_on ON survey_tasks BEGIN
	UPDATE survey_task_counts SET n = n - 1
	WHERE year = OLD.year AND village_code = OLD.village_code AND status = OLD.status AND visited_on = OLD.visited_on;
	INSERT INTO survey_task_counts (year, village_code, status, visited_on, n) VALUES (NEW.year, NEW.village_code, NEW.status, NEW.visited_on, 1)
	ON CONFLICT (year, village_code, status, visited_on) DO UPDATE SET n = n + 1;
END;
`,
	PostgresSQL: surveyTaskCountsTable + `
CREATE FUNCTION survey_tasks_count() RETURNS trigger AS $$
BEGIN
	IF TG_OP IN ('DELETE', 'UPDATE') THEN
		UPDATE survey_task_counts SET n = n - 1
		WHERE year = OLD.year AND village_code = OLD.village_code AND status = OLD.status AND visited_on = OLD.visited_on;
	END IF;
	IF TG_OP IN ('INSERT', 'UPDATE') THEN
		INSERT INTO survey_task_counts (year, village_code, status, visited_on, n) VALUES (NEW.year, NEW.village_code, NEW.status, NEW.visited_on, 1)
		ON CONFLICT (year, village_code, status, visited_on) DO UPDATE SET n = survey_task_counts.n + 1;
	END IF;
	RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER survey_tasks_count_insert AFTER INSERT OR DELETE ON survey_tasks
FOR EACH ROW EXECUTE FUNCTION survey_tasks_count();
CREATE TRIGGER survey_tasks_count_update AFTER UPDATE OF year, village_code, status, visited_on ON survey_tasks
FOR EACH ROW EXECUTE FUNCTION survey_tasks_count();
`,
}

// surveyTaskCountsBulk counts a statement's inserted or deleted tasks at
// once on PostgreSQL (a statement-level trigger over the rows it wrote).
// Opening a round inserts a township's tasks in one statement; a trigger
// per row rewrote each village's "pending" counter hundreds of times in
// one transaction, dead row versions no vacuum can reclaim before the
// commit: for a township of 57,000 persons 4.4 s and 3.5 MB more of the
// counts table, now 0.9 s and nothing. At a million persons the table had
// grown from 7 MB to 150 MB and every survey figure read all of it (50 ms
// instead of 7, BENCHMARKS.md). Updates stay per row (PostgreSQL allows no
// statement trigger on chosen columns with the rows it wrote); room left
// in each page lets those counters be rewritten in place, and vacuum
// visits the table often. SQLite keeps no old row versions.
var surveyTaskCountsBulk = store.Migration{
	Version: 2026120103,
	Name:    "survey_task_counts_bulk",
	PostgresSQL: `
DROP TRIGGER survey_tasks_count_insert ON survey_tasks;
CREATE FUNCTION survey_tasks_count_added() RETURNS trigger AS $$
BEGIN
	INSERT INTO survey_task_counts (year, village_code, status, visited_on, n)
	SELECT year, village_code, status, visited_on, COUNT(*) FROM added GROUP BY year, village_code, status, visited_on
	ON CONFLICT (year, village_code, status, visited_on) DO UPDATE SET n = survey_task_counts.n + EXCLUDED.n;
	RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE FUNCTION survey_tasks_count_removed() RETURNS trigger AS $$
BEGIN
	UPDATE survey_task_counts c SET n = c.n - d.k
	FROM (SELECT year, village_code, status, visited_on, COUNT(*) AS k FROM removed GROUP BY year, village_code, status, visited_on) d
	WHERE c.year = d.year AND c.village_code = d.village_code AND c.status = d.status AND c.visited_on = d.visited_on;
	RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER survey_tasks_count_insert AFTER INSERT ON survey_tasks
REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION survey_tasks_count_added();
CREATE TRIGGER survey_tasks_count_delete AFTER DELETE ON survey_tasks
REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION survey_tasks_count_removed();
ALTER TABLE survey_task_counts SET (fillfactor = 70, autovacuum_vacuum_scale_factor = 0.01, autovacuum_vacuum_threshold = 500);
`,
}

const surveyTaskCountsTable = `
CREATE TABLE survey_task_counts (
	year         INTEGER NOT NULL,
	village_code TEXT NOT NULL,
	status       TEXT NOT NULL,
	visited_on   TEXT NOT NULL,
	n            BIGINT NOT NULL,
	PRIMARY KEY (year, village_code, status, visited_on)
);
INSERT INTO survey_task_counts (year, village_code, status, visited_on, n)
SELECT year, village_code, status, visited_on, COUNT(*) FROM survey_tasks GROUP BY year, village_code, status, visited_on;
`

// Figure is one value in the report's text or tables.
type Figure struct {
	Key      string `json:"key"`
	Name     string `json:"name"`
	Unit     string `json:"unit"`
	Value    string `json:"value"` // without unit; "" when not recorded or no target
	Recorded bool   `json:"recorded"`
	IsTarget bool   `json:"is_target"`
	Href     string `json:"href,omitempty"`
	Display  string `json:"display"` // as printed, see Text
}

// Text is the figure as the report prints it: "3次", or the
// not-yet-recorded (or no-target) wording.
func (f Figure) Text(l i18n.Lang) string {
	switch {
	case f.IsTarget && f.Value == "":
		return i18n.T(l, "report.no_target")
	case !f.Recorded && !f.IsTarget:
		return i18n.T(l, "report.not_recorded")
	}
	return f.Value + unitText(l, f.Unit)
}

// Segment is a run of a paragraph: text, or a figure.
type Segment struct {
	Text   string  `json:"text,omitempty"`
	Figure *Figure `json:"figure,omitempty"`
}

// Paragraph is one paragraph of the report, its placeholders filled.
type Paragraph struct {
	ID       string    `json:"id"`
	Edited   bool      `json:"edited"`
	Segments []Segment `json:"segments"`
}

// Plain is the paragraph as text.
func (p Paragraph) Plain(l i18n.Lang) string {
	var b strings.Builder
	for _, s := range p.Segments {
		if s.Figure != nil {
			b.WriteString(s.Figure.Text(l))
		} else {
			b.WriteString(s.Text)
		}
	}
	return b.String()
}

// Part is part one or two of the report.
type Part struct {
	Heading    string      `json:"heading"`
	Paragraphs []Paragraph `json:"paragraphs"`
}

// Row is one indicator in the report's tables and the spreadsheet.
type Row struct {
	Key      string           `json:"key"`
	Name     string           `json:"name"`
	Section  string           `json:"section"`
	Unit     string           `json:"unit"`
	Recorded bool             `json:"recorded"`
	Value    string           `json:"value,omitempty"`
	Number   float64          `json:"-"` // for the spreadsheet only
	Target   string           `json:"target,omitempty"`
	Progress string           `json:"progress,omitempty"` // done ÷ target, per cent
	Stock    bool             `json:"stock,omitempty"`
	Href     string           `json:"href,omitempty"`
	Result   indicator.Result `json:"-"`
}

// Report is the work report for one period and region.
type Report struct {
	Lang        i18n.Lang        `json:"-"`
	Title       string           `json:"title"`
	Period      indicator.Period `json:"period"`
	Next        indicator.Period `json:"next_period"`
	PeriodName  string           `json:"period_name"`
	NextName    string           `json:"next_period_name"`
	AreaCode    string           `json:"area_code"` // "" everything
	AreaName    string           `json:"area_name"`
	Intro       Paragraph        `json:"intro"`
	Parts       []Part           `json:"parts"`
	Rows        []Row            `json:"figures"`      // every indicator, for the period
	NextTargets []Row            `json:"next_targets"` // targets of the next period's year
	GeneratedAt string           `json:"generated_at"`
}

// PeriodName names a period in l: "2026年上半年", "2026年第一季度", or the dates.
func PeriodName(l i18n.Lang, p indicator.Period) string {
	c := p.Choice()
	if c == "custom" {
		return i18n.T(l, "report.period_name.custom", p.From, p.To)
	}
	return i18n.T(l, "report.period_name."+c, p.YearOf())
}

// RegionName is the name of scope s's area. The unlimited scope (the
// CLI, a deployment-wide account) is named after the county when the
// deployment holds one county, so the title reads "阳光县残联…", not "全县残联…".
func RegionName(ctx context.Context, q store.Querier, l i18n.Lang, s area.Scope) (string, error) {
	if s.IsAll() {
		var n int
		var name string
		err := q.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(MIN(name), '') FROM areas WHERE level = $1`, string(area.County)).Scan(&n, &name)
		if err != nil || n != 1 {
			return i18n.T(l, "report.whole_area"), err
		}
		return name, nil
	}
	a, err := area.Get(ctx, q, s.Code())
	if err != nil {
		return "", err
	}
	return a.Name, nil
}

// Rows computes every indicator for s and p with the targets of p's year.
func Rows(ctx context.Context, q store.Querier, l i18n.Lang, s area.Scope, p indicator.Period) ([]Row, error) {
	results, err := indicator.EvaluateAll(ctx, q, s, p)
	if err != nil {
		return nil, err
	}
	targets := map[string]indicator.Target{}
	if code, ok := indicator.TargetArea(s); ok {
		if targets, err = indicator.Targets(ctx, q, p.YearOf(), code); err != nil {
			return nil, err
		}
	}
	rows := make([]Row, len(results))
	for i, r := range results {
		rows[i] = makeRow(l, r, targets)
	}
	return rows, nil
}

func makeRow(l i18n.Lang, r indicator.Result, targets map[string]indicator.Target) Row {
	row := Row{Key: r.Key, Name: i18n.T(l, r.NameKey), Section: r.Section, Unit: r.Unit, Recorded: r.Recorded, Stock: r.Stock, Href: r.Href, Result: r}
	if r.Recorded {
		row.Value, row.Number = r.Value.String(), r.Value.Float()
	}
	if t, ok := targets[r.Key]; ok && r.Target {
		tv := indicator.TargetValue(r.Indicator, t.Value)
		row.Target = tv.String()
		if r.Recorded && !r.Lower && tv.Tenths() > 0 && r.Value.Defined() {
			row.Progress = fmt.Sprint(r.Value.Tenths() * 100 / tv.Tenths())
		}
	}
	return row
}

// Build assembles the work report of scope s for period p.
func Build(ctx context.Context, q store.Querier, l i18n.Lang, s area.Scope, p indicator.Period) (*Report, error) {
	name, err := RegionName(ctx, q, l, s)
	if err != nil {
		return nil, err
	}
	rep := &Report{Lang: l, Period: p, Next: p.Next(), AreaCode: s.Code(), AreaName: name, GeneratedAt: store.Now()}
	rep.PeriodName, rep.NextName = PeriodName(l, p), PeriodName(l, rep.Next)
	rep.Title = i18n.T(l, "report.title_of", name, rep.PeriodName)
	if rep.Rows, err = Rows(ctx, q, l, s, p); err != nil {
		return nil, err
	}
	byKey := map[string]Row{}
	for _, r := range rep.Rows {
		byKey[r.Key] = r
	}
	nextTargets := map[string]indicator.Target{}
	thisTargets := map[string]indicator.Target{}
	if code, ok := indicator.TargetArea(s); ok {
		if nextTargets, err = indicator.Targets(ctx, q, rep.Next.YearOf(), code); err != nil {
			return nil, err
		}
		if thisTargets, err = indicator.Targets(ctx, q, p.YearOf(), code); err != nil {
			return nil, err
		}
	}
	for _, r := range rep.Rows {
		if t, ok := nextTargets[r.Key]; ok && r.Result.Target {
			row := r
			row.Target = indicator.TargetValue(r.Result.Indicator, t.Value).String()
			rep.NextTargets = append(rep.NextTargets, row)
		}
	}
	texts, edited, err := LoadTexts(ctx, q, TextScope{Period: p, AreaCode: rep.AreaCode})
	if err != nil {
		return nil, err
	}
	fill := func(id string, targets map[string]indicator.Target) Paragraph {
		return Paragraph{ID: id, Edited: edited[id], Segments: segments(l, texts[id], rep, byKey, targets)}
	}
	rep.Intro = fill("intro", thisTargets)
	p1 := Part{Heading: i18n.T(l, "report.part1", rep.PeriodName)}
	p2 := Part{Heading: i18n.T(l, "report.part2")}
	for _, id := range Paragraphs {
		switch {
		case strings.HasPrefix(id, "p1."):
			p1.Paragraphs = append(p1.Paragraphs, fill(id, thisTargets))
		case strings.HasPrefix(id, "p2."):
			p2.Paragraphs = append(p2.Paragraphs, fill(id, nextTargets))
		}
	}
	rep.Parts = []Part{p1, p2}
	return rep, nil
}

// segments fills a paragraph's placeholders.
func segments(l i18n.Lang, text string, rep *Report, rows map[string]Row, targets map[string]indicator.Target) []Segment {
	var out []Segment
	last := 0
	for _, m := range placeholder.FindAllStringSubmatchIndex(text, -1) {
		if m[0] > last {
			out = append(out, Segment{Text: text[last:m[0]]})
		}
		last = m[1]
		isTarget, key := m[2] >= 0, text[m[4]:m[5]]
		switch {
		case !isTarget && key == "period":
			out = append(out, Segment{Text: rep.PeriodName})
			continue
		case !isTarget && key == "next_period":
			out = append(out, Segment{Text: rep.NextName})
			continue
		}
		r, ok := rows[key]
		if !ok {
			out = append(out, Segment{Text: text[m[0]:m[1]]})
			continue
		}
		f := &Figure{Key: key, Name: r.Name, Unit: r.Unit, Recorded: r.Recorded, IsTarget: isTarget}
		if isTarget {
			if t, ok := targets[key]; ok {
				f.Value = indicator.TargetValue(r.Result.Indicator, t.Value).String()
			}
		} else if r.Recorded {
			f.Value, f.Href = r.Value, r.Href
		}
		f.Display = f.Text(l)
		out = append(out, Segment{Figure: f})
	}
	if last < len(text) {
		out = append(out, Segment{Text: text[last:]})
	}
	return out
}

// unitText is the unit as printed after a number ("人", "%"); English
// pages get English units.
func unitText(l i18n.Lang, unit string) string {
	if l == i18n.ZH {
		return unit
	}
	if en, ok := unitsEN[unit]; ok {
		return en
	}
	return " " + unit
}

var unitsEN = map[string]string{"人": " persons", "人次": " person-times", "户": " households", "个": "", "次": " times", "元": " yuan",
	"%": "%", "篇": " articles", "条": " items", "件": " items", "项": " awards", "次/月": " per month"}

// regionQuery is the query string of a period and region.
func regionQuery(p indicator.Period, code string) string {
	v := url.Values{"from": {p.From}, "to": {p.To}}
	if code != "" {
		v.Set("region", code)
	}
	return v.Encode()
}

// today is the county's date now.
func today(now time.Time) string { return now.Format(time.DateOnly) }
