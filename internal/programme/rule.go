package programme

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common"
	"cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/operators"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/interpreter"

	"github.com/yangguang-cdpf/yangguang/internal/registry"
)

// Facts are what an eligibility rule sees of a person: registry fields,
// the programme-held tags (diagnoses such as 孤独症 and 脑瘫, which the
// registry's categories do not carry, and known needs), the programmes the
// person already holds a benefit of, and, when a case is filed, its
// sub-type. The CEL variables are named in RuleVariables.
type Facts struct {
	Age             int64
	Sex             int64 // 1 male, 2 female
	Category        int64 // 1 视力 … 7 多重
	Grade           int64 // 1–4
	Components      []int64
	Dibao           bool // 低保
	Tekun           bool // 特困
	Poverty         bool // 建档立卡/监测户
	HouseholdStatus string
	Village         string
	Township        string
	Residence       string
	Status          string
	Tags            []string
	Enrolments      []string
	Subtype         string
}

// RuleVariables documents the variables a rule may use, in help order.
// enrolled("code") is true when the person holds a benefit (a case
// approved or further, not suspended) of that programme in the period.
var RuleVariables = []string{"age", "sex", "category", "grade", "severe", "components", "dibao", "tekun", "poverty",
	"household_status", "village", "township", "residence_village", "status", "autism", "cerebral_palsy", "tags", "subtype", "enrolled(\"code\")"}

// FactsOf builds the facts of a person on a day. tags and enrolments are
// the person's, read by the caller (in bulk for a radar).
func FactsOf(p registry.Person, on time.Time, tags, enrolments []string, subtype string) Facts {
	f := Facts{Age: int64(p.Age(on)), Sex: int64(p.Sex), Category: int64(p.Category), Grade: int64(p.Grade),
		Dibao: p.Dibao, Tekun: p.Tekun, Poverty: p.PovertyRegistered, Village: p.VillageCode,
		Residence: p.ResidenceVillageCode, Status: string(p.Status), Tags: tags, Enrolments: enrolments, Subtype: subtype}
	for _, c := range p.Components {
		f.Components = append(f.Components, int64(c.Category))
	}
	if len(p.VillageCode) == 12 {
		f.Township = p.VillageCode[:9] + "000"
	}
	if f.Residence == "" {
		f.Residence = p.VillageCode
	}
	f.HouseholdStatus = householdStatus(p.Dibao, p.Tekun, p.PovertyRegistered)
	return f
}

// householdStatus names the household's standing for rules written with a
// single word: tekun, dibao, poverty or "".
func householdStatus(dibao, tekun, poverty bool) string {
	switch {
	case tekun:
		return "tekun"
	case dibao:
		return "dibao"
	case poverty:
		return "poverty"
	}
	return ""
}

func hasTag(tags []string, t string) bool {
	for _, x := range tags {
		if x == t {
			return true
		}
	}
	return false
}

// ResolveName makes Facts a CEL activation without building a map per
// person: a radar evaluates the rule a million times.
func (f *Facts) ResolveName(name string) (any, bool) {
	switch name {
	case "age":
		return f.Age, true
	case "sex":
		return f.Sex, true
	case "category":
		return f.Category, true
	case "grade":
		return f.Grade, true
	case "severe":
		return f.Grade == 1 || f.Grade == 2, true
	case "components":
		if f.Components == nil {
			return []int64{}, true
		}
		return f.Components, true
	case "dibao":
		return f.Dibao, true
	case "tekun":
		return f.Tekun, true
	case "poverty":
		return f.Poverty, true
	case "household_status":
		return f.HouseholdStatus, true
	case "village":
		return f.Village, true
	case "township":
		return f.Township, true
	case "residence_village":
		return f.Residence, true
	case "status":
		return f.Status, true
	case "autism":
		return hasTag(f.Tags, TagAutism), true
	case "cerebral_palsy":
		return hasTag(f.Tags, TagCerebralPalsy), true
	case "tags":
		if f.Tags == nil {
			return []string{}, true
		}
		return f.Tags, true
	case "enrolments":
		if f.Enrolments == nil {
			return []string{}, true
		}
		return f.Enrolments, true
	case "subtype":
		return f.Subtype, true
	}
	return nil, false
}

// Parent is part of the activation interface.
func (f *Facts) Parent() interpreter.Activation { return nil }

// Person tags the rules know by name.
const (
	TagAutism        = "autism"         // 孤独症 (hospital diagnosis)
	TagCerebralPalsy = "cerebral_palsy" // 脑瘫 (a 肢体 sub-type)
	TagNeedPrefix    = "need."          // need.<programme code>: the person needs the service (survey)
)

var (
	envOnce sync.Once
	ruleEnv *cel.Env
	envErr  error
)

// environment is the one CEL environment of rules and tier conditions.
// enrolled(x) is a macro for `x in enrolments`, so it needs no function
// binding that would have to reach the person being evaluated.
func environment() (*cel.Env, error) {
	envOnce.Do(func() {
		enrolled := cel.GlobalMacro("enrolled", 1, func(eh cel.MacroExprFactory, _ ast.Expr, args []ast.Expr) (ast.Expr, *common.Error) {
			return eh.NewCall(operators.In, args[0], eh.NewIdent("enrolments")), nil
		})
		ruleEnv, envErr = cel.NewEnv(
			cel.Variable("age", cel.IntType), cel.Variable("sex", cel.IntType),
			cel.Variable("category", cel.IntType), cel.Variable("grade", cel.IntType),
			cel.Variable("severe", cel.BoolType), cel.Variable("components", cel.ListType(cel.IntType)),
			cel.Variable("dibao", cel.BoolType), cel.Variable("tekun", cel.BoolType), cel.Variable("poverty", cel.BoolType),
			cel.Variable("household_status", cel.StringType), cel.Variable("village", cel.StringType),
			cel.Variable("township", cel.StringType), cel.Variable("residence_village", cel.StringType),
			cel.Variable("status", cel.StringType), cel.Variable("autism", cel.BoolType),
			cel.Variable("cerebral_palsy", cel.BoolType), cel.Variable("tags", cel.ListType(cel.StringType)),
			cel.Variable("enrolments", cel.ListType(cel.StringType)), cel.Variable("subtype", cel.StringType),
			cel.Macros(enrolled),
		)
	})
	return ruleEnv, envErr
}

// Rule is a compiled eligibility rule or tier condition.
type Rule struct {
	Text string
	prg  cel.Program
}

// RuleError is a rule that does not compile or is not a true/false
// condition; Detail is CEL's own message, shown to the editor.
type RuleError struct {
	Detail string
}

func (e *RuleError) Error() string { return "CEL: " + e.Detail }

// MaxRuleLength bounds a rule, in bytes.
const MaxRuleLength = 2000

// Compile checks and compiles a rule. An empty rule is "true" (everyone in
// the pre-filter: active persons in scope).
func Compile(text string) (*Rule, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		text = "true"
	}
	if len(text) > MaxRuleLength {
		return nil, &RuleError{Detail: fmt.Sprintf("too long (%d > %d)", len(text), MaxRuleLength)}
	}
	env, err := environment()
	if err != nil {
		return nil, err
	}
	a, iss := env.Compile(text)
	if iss != nil && iss.Err() != nil {
		return nil, &RuleError{Detail: iss.Err().Error()}
	}
	if a.OutputType() != cel.BoolType {
		return nil, &RuleError{Detail: "result is " + a.OutputType().String() + ", want bool"}
	}
	// A cost limit keeps a pathological rule from stalling a radar.
	prg, err := env.Program(a, cel.EvalOptions(cel.OptOptimize), cel.CostLimit(100000))
	if err != nil {
		return nil, &RuleError{Detail: err.Error()}
	}
	return &Rule{Text: text, prg: prg}, nil
}

// Match evaluates the rule for one person's facts. An evaluation error
// (a cost limit, say) counts as not matching and is returned.
func (r *Rule) Match(f *Facts) (bool, error) {
	out, _, err := r.prg.Eval(f)
	if err != nil {
		return false, err
	}
	b, ok := out.(types.Bool)
	return ok && bool(b), nil
}
