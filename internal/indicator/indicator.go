// Package indicator defines, once, every figure the federation reports
// (指标): its name, unit, the part of the work report it belongs to, how it
// is counted and which records it comes from, and the yearly targets set
// against it. The dashboard, the work report, the township comparison and
// the API all read these definitions, so a figure means the same everywhere.
//
// An indicator whose records are kept by an area of work not built yet is
// declared without a Compute function: it is shown as "not yet recorded",
// never as an invented number. When the area lands, Provide gives it one.
package indicator

import (
	"context"
	"fmt"
	"runtime"
	"strconv"
	"sync"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/store"
)

// Kind says how a Value is counted and shown.
type Kind int

// Kinds of value. Nothing is stored as a float: a count or fen is an
// integer, a rate or an average is a numerator over a denominator.
const (
	Count   Kind = iota // persons, households, sessions …
	Money               // fen (分), shown in yuan
	Percent             // Num / Den, shown as a percentage
	Average             // Num / Den, shown as a number with one decimal
)

// Value is an exact figure.
type Value struct {
	Kind Kind  `json:"-"`
	Num  int64 `json:"num"`           // the count, the fen, or the numerator
	Den  int64 `json:"den,omitempty"` // the denominator of a Percent or Average
}

// CountOf, Fen, Rate and Mean build values.
func CountOf(n int64) Value           { return Value{Kind: Count, Num: n} }
func Fen(n int64) Value               { return Value{Kind: Money, Num: n} }
func Rate(num, den int64) Value       { return Value{Kind: Percent, Num: num, Den: den} }
func Mean(total, den int64) Value     { return Value{Kind: Average, Num: total, Den: den} }
func (v Value) defined() bool         { return (v.Kind != Percent && v.Kind != Average) || v.Den != 0 }
func (v Value) Defined() bool         { return v.defined() }
func (v Value) WithKind(k Kind) Value { v.Kind = k; return v }

// tenths rounds Num/Den×scale to one decimal, as an integer of tenths,
// half away from zero (integer arithmetic, so the same everywhere).
func tenths(num, den, scale int64) int64 {
	if den == 0 {
		return 0
	}
	n := num * scale * 10
	if n >= 0 {
		return (2*n + den) / (2 * den)
	}
	return -((-2*n + den) / (2 * den))
}

// Tenths is the value in tenths of its display unit: a percentage of 85.3
// is 853, an average of 1.2 is 12, a count of 5 is 50, 12.34 yuan is 123.
// For bars and sorting.
func (v Value) Tenths() int64 {
	switch v.Kind {
	case Percent:
		return tenths(v.Num, v.Den, 100)
	case Average:
		return tenths(v.Num, v.Den, 1)
	case Money:
		return tenths(v.Num, 100, 1)
	}
	return v.Num * 10
}

// String shows the value without its unit: "57", "12345.50", "85.3", "1.2";
// "—" for a rate of nothing.
func (v Value) String() string {
	if !v.defined() {
		return "—"
	}
	switch v.Kind {
	case Money:
		sign := ""
		n := v.Num
		if n < 0 {
			sign, n = "-", -n
		}
		if n%100 == 0 {
			return sign + strconv.FormatInt(n/100, 10)
		}
		return fmt.Sprintf("%s%d.%02d", sign, n/100, n%100)
	case Percent, Average:
		t := v.Tenths()
		sign := ""
		if t < 0 {
			sign, t = "-", -t
		}
		return fmt.Sprintf("%s%d.%d", sign, t/10, t%10)
	}
	return strconv.FormatInt(v.Num, 10)
}

// Float is the value in its display unit, for spreadsheets only.
func (v Value) Float() float64 {
	if !v.defined() {
		return 0
	}
	switch v.Kind {
	case Money:
		return float64(v.Num) / 100
	case Percent:
		return float64(v.Num) * 100 / float64(v.Den)
	case Average:
		return float64(v.Num) / float64(v.Den)
	}
	return float64(v.Num)
}

// ComputeFunc counts an indicator inside scope s for period p.
type ComputeFunc func(ctx context.Context, q store.Querier, s area.Scope, p Period) (Value, error)

// RecordsFunc is the address of the list of records behind a figure
// ("" when no list shows exactly them).
type RecordsFunc func(s area.Scope, p Period) string

// Indicator is one figure of the report.
type Indicator struct {
	Key     string // stable, English: "certify_sessions"
	NameKey string // i18n key of its name
	Unit    string // 人, 人次, 户, 个, 次, 元, %, …
	Kind    Kind
	// Section is the paragraph of the work report it belongs to, e.g.
	// "p1.rehab" (part one, 康复) — see Sections.
	Section string
	// Compute is nil while the records it needs are not kept yet.
	Compute ComputeFunc
	Records RecordsFunc
	// List, when set, lists exactly the counted records (the report's
	// records page uses it where no other page filters by period): for a
	// Percent the numerator's, for an Average the records averaged over
	// (its denominator).
	List ListFunc
	// ListMeasure says what the list accounts for (see Accounted).
	ListMeasure ListMeasure
	// Target reports whether a yearly target makes sense.
	Target bool
	// Stock marks a figure that is a state at the time of asking (the
	// register's size), not something done in the period.
	Stock bool
	// Lower means a lower value is better (visits per application).
	Lower bool
}

// Recorded reports whether Yangguang computes the indicator yet.
func (ind Indicator) Recorded() bool { return ind.Compute != nil }

// Record is one row of the list behind a figure.
type Record struct {
	Date     string `json:"date"`
	Label    string `json:"label"`
	Detail   string `json:"detail"`
	AreaCode string `json:"area_code"`
	Href     string `json:"href"`
	// Amount is what the record adds to a summed figure (ListSummed): the
	// fen of a payment or grant, the units of a service; 0 otherwise.
	Amount int64 `json:"amount,omitempty"`
}

// ListFunc lists the records an indicator counts.
type ListFunc func(ctx context.Context, q store.Querier, s area.Scope, p Period) ([]Record, error)

var (
	mu    sync.RWMutex
	order []string
	byKey = map[string]*Indicator{}
)

// Register adds indicators; a key used twice is a programming error.
func Register(list ...Indicator) {
	mu.Lock()
	defer mu.Unlock()
	for _, ind := range list {
		if ind.Key == "" || byKey[ind.Key] != nil {
			panic("indicator: empty or duplicate key " + ind.Key)
		}
		if ind.NameKey == "" {
			ind.NameKey = "indicator." + ind.Key
		}
		x := ind
		byKey[ind.Key] = &x
		order = append(order, ind.Key)
	}
}

// Provide gives a declared indicator its counting, when the area of work
// that keeps its records lands — one line per indicator, e.g.
//
//	indicator.Provide("renovation_completed", renovate.CountCompleted, renovate.CompletedRecords)
//
// records may be nil. Providing an unknown or already computed indicator
// panics, so a typo fails at start-up.
func Provide(key string, compute ComputeFunc, records RecordsFunc) {
	mu.Lock()
	defer mu.Unlock()
	ind := byKey[key]
	if ind == nil {
		panic("indicator: Provide of unknown indicator " + key)
	}
	if ind.Compute != nil {
		panic("indicator: " + key + " is already computed")
	}
	ind.Compute, ind.Records = compute, records
}

// All returns every indicator in the order of the report.
func All() []Indicator {
	mu.RLock()
	defer mu.RUnlock()
	out := make([]Indicator, len(order))
	for i, k := range order {
		out[i] = *byKey[k]
	}
	return out
}

// Get returns one indicator.
func Get(key string) (Indicator, bool) {
	mu.RLock()
	defer mu.RUnlock()
	ind, ok := byKey[key]
	if !ok {
		return Indicator{}, false
	}
	return *ind, true
}

// Result is an indicator's figure for one scope and period.
type Result struct {
	Indicator
	Value    Value
	Recorded bool
	Href     string // the records behind it
}

// Evaluate computes ind (or reports it not recorded).
func Evaluate(ctx context.Context, q store.Querier, ind Indicator, s area.Scope, p Period) (Result, error) {
	r := Result{Indicator: ind, Recorded: ind.Recorded()}
	if !r.Recorded {
		return r, nil
	}
	v, err := ind.Compute(ctx, q, s, p)
	if err != nil {
		return r, fmt.Errorf("indicator %s: %w", ind.Key, err)
	}
	r.Value = v.WithKind(ind.Kind)
	if ind.Records != nil {
		r.Href = ind.Records(s, p)
	}
	return r, nil
}

// EvaluateAll computes every indicator (in report order) for one scope and
// period. Indicators that share a query share it through the memo. They
// are computed a few at a time: each is one or two queries that wait on the
// database (PostgreSQL's server, SQLite's reads of the file), so on a
// machine of two cores the full-year report at a million persons takes
// about half as long (BENCHMARKS.md). Writers still find a free connection:
// at most Workers of the pool's connections are held by one report.
func EvaluateAll(ctx context.Context, q store.Querier, s area.Scope, p Period) ([]Result, error) {
	return EvaluateList(ctx, q, All(), s, p)
}

// EvaluateList is EvaluateAll for the indicators in list, in its order.
func EvaluateList(ctx context.Context, q store.Querier, all []Indicator, s area.Scope, p Period) ([]Result, error) {
	ctx, cancel := context.WithCancel(WithMemo(ctx))
	defer cancel()
	out := make([]Result, len(all))
	var failed error
	var once sync.Once
	sem := make(chan struct{}, Workers())
	var wg sync.WaitGroup
	for i, ind := range all {
		if !ind.Recorded() {
			out[i] = Result{Indicator: ind}
			continue
		}
		sem <- struct{}{}
		if ctx.Err() != nil { // an earlier indicator failed
			<-sem
			break
		}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			var err error
			if out[i], err = Evaluate(ctx, q, ind, s, p); err != nil {
				// The first to fail is the cause; the others it cancels
				// fail with a cancellation the driver words its own way.
				once.Do(func() { failed = err })
				cancel()
			}
		}()
	}
	wg.Wait()
	if failed != nil {
		return nil, failed
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// Workers is how many indicators EvaluateAll computes at once: the
// machine's cores, at least two (one waits on the disk while the other
// counts) and at most four.
func Workers() int { return min(4, max(2, runtime.GOMAXPROCS(0))) }

type memoKey struct{}

type memo struct {
	mu sync.Mutex
	m  map[string]*memoEntry
}

// memoEntry is one key's result; done closes when it is known.
type memoEntry struct {
	done chan struct{}
	v    any
	err  error
}

// WithMemo returns a context in which Memo keeps results, so indicators
// computed from one query (the certification figures) run it once per
// request.
func WithMemo(ctx context.Context) context.Context {
	if _, ok := ctx.Value(memoKey{}).(*memo); ok {
		return ctx
	}
	return context.WithValue(ctx, memoKey{}, &memo{m: map[string]*memoEntry{}})
}

// Memo returns fn's result for key, computing it once per memo context (or
// every time without one). Callers asking for a key being computed wait
// for it; a failure is not kept, so a later caller tries again.
func Memo[T any](ctx context.Context, key string, fn func() (T, error)) (T, error) {
	m, ok := ctx.Value(memoKey{}).(*memo)
	if !ok {
		return fn()
	}
	m.mu.Lock()
	e, found := m.m[key]
	if !found {
		e = &memoEntry{done: make(chan struct{})}
		m.m[key] = e
	}
	m.mu.Unlock()
	if found {
		select {
		case <-e.done:
		case <-ctx.Done():
			var zero T
			return zero, ctx.Err()
		}
		if e.err != nil {
			var zero T
			return zero, e.err
		}
		return e.v.(T), nil
	}
	v, err := fn()
	e.v, e.err = v, err
	if err != nil {
		m.mu.Lock()
		delete(m.m, key)
		m.mu.Unlock()
	}
	close(e.done)
	return v, err
}
