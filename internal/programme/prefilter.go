package programme

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/operators"
	"cel.dev/cel-go/common/types"
)

// A radar over a county reads every active person and evaluates the rule
// for each: at a million persons that is seconds of random reads on SQLite
// (BENCHMARKS.md). Most rules start with conditions on plain columns
// (dibao, an age band, a category), so prefilter turns the rule into a SQL
// condition every matching person meets — a necessary condition, never a
// sufficient one: the rule is still evaluated for each row the condition
// lets through, so the result is the same with or without it
// (TestPrefilterKeepsEveryMatch), only fewer rows are read.
//
// Only what translates exactly is used; anything else (components, tags,
// enrolments, arithmetic, a ternary, a negation of something inexact)
// becomes "no condition", which is always safe.

// prefilter is the SQL condition on the persons table (no table prefix)
// for rule text on day, with its parameters numbered from argN; "" when
// nothing narrows. It also reports which lookups the rule reads, so a
// radar skips loading the others for the whole scope.
type prefilter struct {
	cond  string
	args  []any
	uses  map[string]bool // identifiers the rule names
	birth bool            // cond narrows the birth date (see term)
}

// term is the translation of one sub-expression: a SQL condition that
// every person for whom it is true meets (all: no condition; none: no
// person), and whether it is also sufficient (exact), which a negation
// needs.
type term struct {
	sql   string // with ? for each of args, in order
	args  []any
	all   bool
	none  bool
	exact bool
	// birth: the condition includes a birth-date range that every row
	// meets (an age band at the top level), which an index can serve.
	birth bool
}

var (
	anyone = term{all: true}               // no condition known
	always = term{all: true, exact: true}  // the literal true
	never  = term{none: true, exact: true} // the literal false
)

type translator struct {
	day  time.Time
	uses map[string]bool
}

// cat joins the arguments of terms in the order of their SQL.
func cat(a, b []any) []any { return append(append([]any{}, a...), b...) }

// buildPrefilter compiles rule and translates it. A rule that does not
// compile has no prefilter (Compile reports it to whoever runs it).
func buildPrefilter(rule string, day time.Time, argN int) prefilter {
	tr := &translator{day: day, uses: map[string]bool{}}
	rule = strings.TrimSpace(rule)
	if rule == "" {
		return prefilter{uses: tr.uses}
	}
	env, err := environment()
	if err != nil {
		return prefilter{uses: nil}
	}
	a, iss := env.Compile(rule)
	if iss != nil && iss.Err() != nil {
		return prefilter{uses: nil}
	}
	e := a.NativeRep().Expr()
	tr.collect(e)
	tm := tr.expr(e)
	switch {
	case tm.none:
		return prefilter{cond: "1 = 0", uses: tr.uses}
	case tm.all:
		return prefilter{uses: tr.uses}
	}
	// Number the placeholders only now: a term dropped on the way (an
	// inexact side of an OR) must leave no parameter behind.
	var b strings.Builder
	n := argN
	for _, r := range tm.sql {
		if r == '?' {
			b.WriteString("$" + strconv.Itoa(n))
			n++
			continue
		}
		b.WriteRune(r)
	}
	return prefilter{cond: b.String(), args: tm.args, uses: tr.uses, birth: tm.birth}
}

// collect records every identifier the rule names (nil uses means "all").
func (t *translator) collect(e ast.Expr) {
	switch e.Kind() {
	case ast.IdentKind:
		t.uses[e.AsIdent()] = true
	case ast.CallKind:
		c := e.AsCall()
		if c.IsMemberFunction() {
			t.collect(c.Target())
		}
		for _, x := range c.Args() {
			t.collect(x)
		}
	case ast.SelectKind:
		t.collect(e.AsSelect().Operand())
	case ast.ListKind:
		for _, x := range e.AsList().Elements() {
			t.collect(x)
		}
	case ast.ComprehensionKind:
		c := e.AsComprehension()
		for _, x := range []ast.Expr{c.IterRange(), c.AccuInit(), c.LoopCondition(), c.LoopStep(), c.Result()} {
			t.collect(x)
		}
	case ast.MapKind, ast.StructKind:
		t.uses["*"] = true // not in rules today; load everything
	}
}

// needs reports whether the rule reads a lookup named by any of names
// (a nil prefilter: every lookup is needed).
func (p *prefilter) needs(names ...string) bool {
	if p == nil || p.uses == nil || p.uses["*"] {
		return true
	}
	for _, n := range names {
		if p.uses[n] {
			return true
		}
	}
	return false
}

func (t *translator) expr(e ast.Expr) term {
	switch e.Kind() {
	case ast.LiteralKind:
		if b, ok := e.AsLiteral().(types.Bool); ok {
			if b {
				return always
			}
			return never
		}
		return anyone
	case ast.IdentKind:
		return t.flag(e.AsIdent())
	case ast.CallKind:
	default:
		return anyone
	}
	c := e.AsCall()
	args := c.Args()
	switch c.FunctionName() {
	case operators.LogicalAnd:
		out := always
		for _, x := range args {
			out = and(out, t.expr(x))
		}
		return out
	case operators.LogicalOr:
		out := never
		for _, x := range args {
			out = or(out, t.expr(x))
		}
		return out
	case operators.LogicalNot:
		if len(args) != 1 {
			return anyone
		}
		x := t.expr(args[0])
		switch {
		case !x.exact:
			return anyone
		case x.all:
			return never
		case x.none:
			return always
		}
		return term{sql: "NOT (" + x.sql + ")", args: x.args, exact: true} // a negated band is no range
	case operators.Equals, operators.NotEquals, operators.Less, operators.LessEquals, operators.Greater, operators.GreaterEquals:
		if len(args) == 2 {
			return t.compare(c.FunctionName(), args[0], args[1])
		}
	case operators.In:
		if len(args) == 2 {
			return t.in(args[0], args[1])
		}
	}
	return anyone
}

func and(a, b term) term {
	switch {
	case a.none || b.none:
		// false && x is false whatever x (CEL absorbs an error beside a false).
		return never
	case a.all && b.all:
		return term{all: true, exact: a.exact && b.exact}
	case a.all:
		return term{sql: b.sql, args: b.args, exact: a.exact && b.exact, birth: b.birth}
	case b.all:
		return term{sql: a.sql, args: a.args, exact: a.exact && b.exact, birth: a.birth}
	}
	return term{sql: "(" + a.sql + " AND " + b.sql + ")", args: cat(a.args, b.args), exact: a.exact && b.exact, birth: a.birth || b.birth}
}

func or(a, b term) term {
	switch {
	case a.all || b.all:
		return term{all: true, exact: (a.all && a.exact) || (b.all && b.exact)}
	case a.none:
		return term{sql: b.sql, args: b.args, none: b.none, exact: a.exact && b.exact, birth: b.birth}
	case b.none:
		return term{sql: a.sql, args: a.args, exact: a.exact && b.exact, birth: a.birth}
	}
	return term{sql: "(" + a.sql + " OR " + b.sql + ")", args: cat(a.args, b.args), exact: a.exact && b.exact}
}

// flag is a boolean variable on its own.
func (t *translator) flag(name string) term {
	switch name {
	case "dibao", "tekun":
		return term{sql: name + " = ?", args: []any{true}, exact: true}
	case "poverty":
		return term{sql: "poverty_registered = ?", args: []any{true}, exact: true}
	case "severe":
		return term{sql: "grade IN (1, 2)", exact: true}
	}
	return anyone
}

// intColumns are the integer variables that are a persons column as is.
var intColumns = map[string]string{"category": "category", "grade": "grade", "sex": "sex"}

var sqlOp = map[string]string{operators.Equals: "=", operators.NotEquals: "<>", operators.Less: "<",
	operators.LessEquals: "<=", operators.Greater: ">", operators.GreaterEquals: ">="}

// flipped is the operator with its operands swapped (3 < age is age > 3).
var flipped = map[string]string{operators.Equals: operators.Equals, operators.NotEquals: operators.NotEquals,
	operators.Less: operators.Greater, operators.LessEquals: operators.GreaterEquals,
	operators.Greater: operators.Less, operators.GreaterEquals: operators.LessEquals}

func (t *translator) compare(op string, l, r ast.Expr) term {
	if l.Kind() != ast.IdentKind && r.Kind() == ast.IdentKind {
		l, r, op = r, l, flipped[op]
	}
	if l.Kind() != ast.IdentKind || r.Kind() != ast.LiteralKind {
		return anyone
	}
	name := l.AsIdent()
	switch lit := r.AsLiteral().(type) {
	case types.Int:
		n := int64(lit)
		if col, ok := intColumns[name]; ok {
			return term{sql: col + " " + sqlOp[op] + " ?", args: []any{n}, exact: true}
		}
		if name == "age" {
			return t.age(op, n)
		}
	case types.String:
		// A radar's facts have no sub-type (only a filed case has one).
		if name == "subtype" && (op == operators.Equals || op == operators.NotEquals) {
			if (string(lit) == "") == (op == operators.Equals) {
				return always
			}
			return never
		}
	}
	return anyone
}

// age turns "age op n" on the day into a birth_date range. Age in full
// years on day (quickAge) is at least n exactly when the YYYY-MM-DD birth
// date is on or before the same month and day n years earlier, as text:
// born 2020-02-29 is 6 on 2026-03-01 and not on 2026-02-28, and the text
// comparison with "2020-02-28" / "2020-03-01" says the same. Birth dates
// are validated YYYY-MM-DD, taken from the ID number.
func (t *translator) age(op string, n int64) term {
	// No shortcut for k <= 0: a birth date after day is a negative age.
	atLeast := func(k int64) term { // age >= k
		return term{sql: "birth_date <= ?", args: []any{t.yearsBefore(k)}, exact: true, birth: true}
	}
	below := func(k int64) term { // age < k
		return term{sql: "birth_date > ?", args: []any{t.yearsBefore(k)}, exact: true, birth: true}
	}
	switch op {
	case operators.GreaterEquals:
		return atLeast(n)
	case operators.Greater:
		return atLeast(n + 1)
	case operators.Less:
		return below(n)
	case operators.LessEquals:
		return below(n + 1)
	case operators.Equals:
		return and(atLeast(n), below(n+1))
	}
	return anyone
}

// yearsBefore is day's month and day, k years earlier, as YYYY-MM-DD text
// (not a date: 02-29 stays 02-29 so the text comparison matches quickAge).
func (t *translator) yearsBefore(k int64) string {
	return fmt.Sprintf("%04d-%s", int64(t.day.Year())-k, t.day.Format("01-02"))
}

// in is "x in [literals]" for an integer column or age.
func (t *translator) in(l, r ast.Expr) term {
	if l.Kind() != ast.IdentKind || r.Kind() != ast.ListKind {
		return anyone
	}
	col, ok := intColumns[l.AsIdent()]
	if !ok {
		return anyone
	}
	var ph []string
	var args []any
	for _, x := range r.AsList().Elements() {
		if x.Kind() != ast.LiteralKind {
			return anyone
		}
		n, ok := x.AsLiteral().(types.Int)
		if !ok {
			return anyone
		}
		ph, args = append(ph, "?"), append(args, int64(n))
	}
	if len(ph) == 0 {
		return never
	}
	return term{sql: col + " IN (" + strings.Join(ph, ", ") + ")", args: args, exact: true}
}
