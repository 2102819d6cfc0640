package indicator

import (
	"fmt"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/validate"
)

// Period is a span of days, both ends included (YYYY-MM-DD).
type Period struct {
	From string `json:"from"`
	To   string `json:"to"`
}

func ymd(y int, m time.Month, d int) string {
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
}

// FirstHalf is January to June (上半年), the source report's period.
func FirstHalf(year int) Period { return Period{ymd(year, 1, 1), ymd(year, 6, 30)} }

// SecondHalf is July to December (下半年).
func SecondHalf(year int) Period { return Period{ymd(year, 7, 1), ymd(year, 12, 31)} }

// Year is the calendar year (全年).
func Year(year int) Period { return Period{ymd(year, 1, 1), ymd(year, 12, 31)} }

// Quarter is quarter q (1–4) of year.
func Quarter(year, q int) Period {
	start := time.Month(3*(q-1) + 1)
	return Period{ymd(year, start, 1), time.Date(year, start+3, 0, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)}
}

// Custom checks and returns an arbitrary span. Problems name the field
// "report.from" or "report.to".
func Custom(from, to string) (Period, error) {
	var es validate.Errors
	f, err1 := time.Parse(time.DateOnly, from)
	if from == "" {
		es.Add(0, "report.from", "validate.required")
	} else if err1 != nil {
		es.Add(0, "report.from", "report.error.date", from)
	}
	t, err2 := time.Parse(time.DateOnly, to)
	if to == "" {
		es.Add(0, "report.to", "validate.required")
	} else if err2 != nil {
		es.Add(0, "report.to", "report.error.date", to)
	}
	if len(es) == 0 {
		switch {
		case t.Before(f):
			es.Add(0, "report.to", "report.error.to_before_from")
		case t.Sub(f) > 5*366*24*time.Hour:
			es.Add(0, "report.to", "report.error.too_long")
		case f.Year() < 1990 || t.Year() > 2100:
			es.Add(0, "report.from", "report.error.date", from)
		}
	}
	if err := es.Err(); err != nil {
		return Period{}, err
	}
	return Period{from, to}, nil
}

// Parse builds a period from a choice (h1, h2, year, q1–q4 with year, or
// custom with from and to). An empty choice with from and to is custom.
func Parse(choice string, year int, from, to string) (Period, error) {
	if choice == "" && (from != "" || to != "") {
		choice = "custom"
	}
	if choice != "custom" && (year < 1990 || year > 2100) {
		var es validate.Errors
		es.Add(0, "report.year", "report.error.year")
		return Period{}, es
	}
	switch choice {
	case "h1":
		return FirstHalf(year), nil
	case "h2":
		return SecondHalf(year), nil
	case "year":
		return Year(year), nil
	case "q1", "q2", "q3", "q4":
		return Quarter(year, int(choice[1]-'0')), nil
	case "custom":
		return Custom(from, to)
	}
	var es validate.Errors
	es.Add(0, "report.period", "validate.choose")
	return Period{}, es
}

// Choices of Parse in display order.
var Choices = []string{"h1", "h2", "year", "q1", "q2", "q3", "q4", "custom"}

// Choice names the kind of period p is in its year ("custom" otherwise).
func (p Period) Choice() string {
	y := p.YearOf()
	for _, c := range []string{"h1", "h2", "year", "q1", "q2", "q3", "q4"} {
		if q, _ := Parse(c, y, "", ""); q == p {
			return c
		}
	}
	return "custom"
}

// YearOf is the year the period ends in (the year of its targets).
func (p Period) YearOf() int {
	t, err := time.Parse(time.DateOnly, p.To)
	if err != nil {
		return 0
	}
	return t.Year()
}

// Next is the period that follows: the second half after the first, the
// next quarter or year, or the same number of days after a custom span.
func (p Period) Next() Period {
	y := p.YearOf()
	switch p.Choice() {
	case "h1":
		return SecondHalf(y)
	case "h2", "year":
		return Year(y + 1)
	case "q1", "q2", "q3":
		return Quarter(y, int(p.Choice()[1]-'0')+1)
	case "q4":
		return Quarter(y+1, 1)
	}
	f, _ := time.Parse(time.DateOnly, p.From)
	t, _ := time.Parse(time.DateOnly, p.To)
	days := int(t.Sub(f).Hours()/24) + 1
	n := t.AddDate(0, 0, 1)
	return Period{n.Format(time.DateOnly), n.AddDate(0, 0, days-1).Format(time.DateOnly)}
}

// Months is the number of calendar months the period touches.
func (p Period) Months() int {
	f, err1 := time.Parse(time.DateOnly, p.From)
	t, err2 := time.Parse(time.DateOnly, p.To)
	if err1 != nil || err2 != nil {
		return 0
	}
	return (t.Year()*12 + int(t.Month())) - (f.Year()*12 + int(f.Month())) + 1
}

// Instants are the stored-instant bounds [lo, hi) of the period's days in
// the county's time zone (the server's), for columns kept in
// store.TimeFormat.
func (p Period) Instants() (lo, hi string) {
	f, _ := time.ParseInLocation(time.DateOnly, p.From, time.Local)
	t, _ := time.ParseInLocation(time.DateOnly, p.To, time.Local)
	return store.FormatTime(f), store.FormatTime(t.AddDate(0, 0, 1))
}

func (p Period) String() string { return fmt.Sprintf("%s — %s", p.From, p.To) }
