package programme_test

import (
	"context"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/yangguang-cdpf/yangguang/internal/programme"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
)

// edge is one person at the edge of the shipped rules, with the programmes
// it must be eligible for (by code). Every shipped programme appears.
type edge struct {
	name  string
	age   int
	cat   registry.Category
	grade registry.Grade
	dibao bool
	tag   string // a diagnosis noted on the person
	dead  bool
	want  string // space-separated programme codes
}

// all is every programme whose rule is "true" (every active person).
const all = "devices home_rehab "

var edges = []edge{
	{"视力15", 15, registry.Vision, registry.Grade3, false, "", false, all + "child_rescue"},
	{"视力16", 16, registry.Vision, registry.Grade3, false, "", false, all},
	{"听力15", 15, registry.Hearing, registry.Grade1, false, "", false, all + "child_rescue cochlear care_subsidy"},
	{"听力16", 16, registry.Hearing, registry.Grade2, false, "", false, all + "care_subsidy"},
	{"言语15", 15, registry.Speech, registry.Grade4, false, "", false, all + "child_rescue"},
	{"肢体15", 15, registry.Physical, registry.Grade3, false, "", false, all + "child_rescue"},
	{"智力15", 15, registry.Intellectual, registry.Grade4, false, "", false, all + "child_rescue"},
	{"精神15", 15, registry.Mental, registry.Grade4, false, "", false, all},
	{"孤独症15", 15, registry.Mental, registry.Grade4, false, programme.TagAutism, false, all + "child_rescue"},
	{"脑瘫15", 15, registry.Physical, registry.Grade1, false, programme.TagCerebralPalsy, false, all + "child_rescue care_subsidy"},
	{"多重15", 15, registry.Multiple, registry.Grade3, false, "", false, all + "child_rescue cochlear"},
	{"已故15", 15, registry.Vision, registry.Grade1, true, "", true, ""},
	{"智力16三级", 16, registry.Intellectual, registry.Grade3, false, "", false, all + "sunshine_home care_subsidy"},
	{"智力59四级", 59, registry.Intellectual, registry.Grade4, false, "", false, all + "sunshine_home"},
	{"智力60", 60, registry.Intellectual, registry.Grade2, false, "", false, all + "care_subsidy"},
	{"肢体30二级", 30, registry.Physical, registry.Grade2, false, "", false, all + "sunshine_home care_subsidy"},
	{"肢体30三级", 30, registry.Physical, registry.Grade3, false, "", false, all},
	{"精神40三级低保", 40, registry.Mental, registry.Grade3, true, "", false, all + "sunshine_home care_subsidy drug_subsidy living_subsidy"},
	{"精神40二级", 40, registry.Mental, registry.Grade2, false, "", false, all + "sunshine_home care_subsidy"},
	{"视力20低保", 20, registry.Vision, registry.Grade4, true, "", false, all + "education living_subsidy"},
	{"视力25低保", 25, registry.Vision, registry.Grade4, true, "", false, all + "education living_subsidy"},
	{"视力26低保", 26, registry.Vision, registry.Grade4, true, "", false, all + "living_subsidy"},
	{"视力5低保", 5, registry.Vision, registry.Grade4, true, "", false, all + "child_rescue living_subsidy"},
	{"言语70", 70, registry.Speech, registry.Grade3, false, "", false, all},
}

// buildEdges registers the edge persons and returns them by name.
func (e *env) buildEdges() map[string]registry.Person {
	e.t.Helper()
	out := map[string]registry.Person{}
	for _, x := range edges {
		x := x
		p := e.person(x.name, x.age, x.cat, x.grade, func(n *registry.NewPerson) { n.Dibao = x.dibao })
		if x.tag != "" {
			ctx := e.as("clerk")
			e.tx(ctx, func(tx *store.Tx) error {
				return programme.SetTag(ctx, tx, countyScope, p.ID, x.tag, "县人民医院诊断", today)
			})
		}
		if x.dead {
			e.die(p, "2026-11-01")
		}
		out[x.name] = p
	}
	return out
}

// Each shipped programme: the radar (active persons meeting the rule, no
// live case) lists exactly the edge persons it must, at age 15 and 16, in
// each category, at grade 2 and 3, never the deceased.
func TestShippedRulesAtTheEdges(t *testing.T) {
	e := setup(t)
	e.buildEdges()
	progs, err := programme.List(context.Background(), e.db)
	if err != nil {
		t.Fatal(err)
	}
	if len(progs) != len(programme.Shipped) {
		t.Fatalf("%d programmes shipped, want %d", len(progs), len(programme.Shipped))
	}
	for _, p := range progs {
		t.Run(p.Code, func(t *testing.T) {
			var want []string
			for _, x := range edges {
				if slices.Contains(strings.Fields(x.want), p.Code) {
					want = append(want, x.name)
				}
			}
			rd, err := programme.ComputeRadar(context.Background(), e.db, countyScope, p, today, 1000, nil)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range rd.Persons {
				got = append(got, c.Name)
			}
			sort.Strings(got)
			sort.Strings(want)
			if !slices.Equal(got, want) {
				t.Errorf("eligible:\n got %v\nwant %v", got, want)
			}
			if rd.Total != len(want) {
				t.Errorf("total %d, want %d", rd.Total, len(want))
			}
		})
	}
}

// The radar leaves out persons with a live case of the period and counts
// by township; a refused case puts the person back.
func TestRadarListsExactlyTheEligibleUnserved(t *testing.T) {
	e := setup(t)
	a := e.person("甲", 40, registry.Vision, registry.Grade4, dibao)
	b := e.person("乙", 40, registry.Vision, registry.Grade4, dibao, inTownB)
	c := e.person("丙", 40, registry.Vision, registry.Grade4, dibao, inTownB)
	e.person("丁", 40, registry.Vision, registry.Grade4)
	prog := e.prog(programme.CodeLivingSubsidy)
	radar := func() map[string]int {
		rd, err := programme.ComputeRadar(context.Background(), e.db, countyScope, prog, today, 10, nil)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]int{}
		for _, tc := range rd.Townships {
			out[tc.Code] = tc.Count
		}
		return out
	}
	if got := radar(); got[townA] != 1 || got[townB] != 2 {
		t.Fatalf("by township %v, want A 1, B 2", got)
	}
	e.file(programme.NewCase{ProgrammeID: prog.ID, PersonID: a.ID})
	cb := e.file(programme.NewCase{ProgrammeID: prog.ID, PersonID: b.ID})
	if got := radar(); got[townA] != 0 || got[townB] != 1 {
		t.Fatalf("after two cases %v, want A 0, B 1 (丙)", got)
	}
	e.step("township", cb.ID, programme.Move{Action: programme.ActRefuse, Reason: "材料不全"})
	if got := radar(); got[townB] != 2 {
		t.Fatalf("after a refusal %v, want B 2", got)
	}
	// Scope: the township of A sees none of B's.
	rd, err := programme.ComputeRadar(context.Background(), e.db, area_(townA), prog, today, 10, nil)
	if err != nil || rd.Total != 0 {
		t.Fatalf("township A radar %d %v, want 0", rd.Total, err)
	}
	_ = c
}

// Rules: a bad rule is refused with CEL's message; enrolled() sees granted
// cases; a non-boolean rule is refused.
func TestRuleCompileAndEnrolled(t *testing.T) {
	for _, bad := range []string{"age <", "age + 1", "unknown_var > 3", `enrolled(1, 2)`} {
		if _, err := programme.Compile(bad); err == nil {
			t.Errorf("%q compiled", bad)
		}
	}
	e := setup(t)
	p := e.person("甲", 40, registry.Physical, registry.Grade1, dibao)
	living := e.prog(programme.CodeLivingSubsidy)
	r, err := programme.PreviewRule(context.Background(), e.db, countyScope, `enrolled("living_subsidy")`, today, 10)
	if err != nil || r.Count != 0 {
		t.Fatalf("before: %d %v", r.Count, err)
	}
	c := e.file(programme.NewCase{ProgrammeID: living.ID, PersonID: p.ID})
	e.approve(c.ID)
	r, err = programme.PreviewRule(context.Background(), e.db, countyScope, `enrolled("living_subsidy") && severe`, today, 10)
	if err != nil || r.Count != 1 || r.Sample[0].Name != "甲" {
		t.Fatalf("after approval: %+v %v", r, err)
	}
	// He moves to township B: his case stays filed in A, his enrolment
	// goes with him (the rule is read where he lives now).
	mctx := e.as("clerk")
	e.tx(mctx, func(tx *store.Tx) error {
		_, err := registry.Move(mctx, tx, countyScope, p.ID, registry.Event{Version: p.Version, Reason: "迁居", EffectiveDate: "2026-11-01", VillageCode: villageB}, today)
		return err
	})
	r, err = programme.PreviewRule(context.Background(), e.db, area_(townB), `enrolled("living_subsidy")`, today, 10)
	if err != nil || r.Count != 1 {
		t.Fatalf("after his move, township B: %+v %v", r, err)
	}
	// Saving a programme with a bad rule: a Chinese message with CEL's error.
	ctx := e.as("clerk")
	err = e.try(ctx, func(tx *store.Tx) error {
		living.Rule = "dibao &&"
		_, err := programme.Save(ctx, tx, living, 0)
		return err
	})
	fe := fieldError(t, err, "programme.error.rule")
	if msg := fe.Text("zh-CN"); !strings.Contains(msg, "规则") || !strings.Contains(msg, "Syntax error") {
		t.Errorf("message %q", msg)
	}
}
