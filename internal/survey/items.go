package survey

import (
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/validate"
)

// Kind is how an item is answered.
type Kind string

// Kinds of items.
const (
	Single Kind = "single" // one option (radio buttons)
	Multi  Kind = "multi"  // any options (checkboxes); stored comma-separated
	Text   Kind = "text"   // free text
)

// Need is a need a survey records; other areas count persons by it.
type Need string

// Needs, in display order.
const (
	NeedRehabilitation Need = "rehabilitation" // 康复服务需求
	NeedDevice         Need = "device"         // 辅助器具需求
	NeedCare           Need = "care"           // 托养服务需求
	NeedRenovation     Need = "renovation"     // 无障碍改造需求
	NeedEmployment     Need = "employment"     // 就业需求
	NeedTraining       Need = "training"       // 培训需求
	NeedWish           Need = "wish"           // 微心愿
)

// AllNeeds lists every need.
var AllNeeds = []Need{NeedRehabilitation, NeedDevice, NeedCare, NeedRenovation, NeedEmployment, NeedTraining, NeedWish}

// Valid reports whether n is a known need.
func (n Need) Valid() bool { return slices.Contains(AllNeeds, n) }

// Item is one question of the form. The list is data: a county adds an
// item by adding an Item (Label and OptionLabels carry its text when the
// catalogue has none), and the form, validation, pre-fill, needs and the
// export follow it.
type Item struct {
	Key     string
	Section string
	Kind    Kind
	Options []string // codes; labels "survey.opt.<key>.<code>"
	// None is the option meaning "nothing" in a Multi item: it excludes
	// the others.
	None     string
	Required bool
	// If shows (and requires) the item only when another item's answer
	// is one of the listed codes: "employment=unemployed,not_working_age".
	If string
	// Registry names the person's field the answer updates on acceptance
	// ("" none): marital, education, employment, medical_insurance,
	// pension_insurance, dibao, tekun, poverty_registered.
	Registry string
	// Needs maps an option (or "*" any answer but None / empty) to the
	// need it records.
	Needs map[string]Need
	// Fresh items are asked anew each year, not pre-filled (a wish).
	Fresh bool
	// MaxLength of a Text answer, in characters.
	MaxLength int
	// Label and OptionLabels are the text of an item the county added
	// without a catalogue entry.
	Label        string
	OptionLabels map[string]string
}

// Sections of the form, in order; each is saved by itself.
var Sections = []string{"household", "employment", "assistance", "care", "rehabilitation", "home", "culture", "wish"}

var yesNo = []string{"yes", "no"}

// Default is the item list of RULES.md §7 (动态1表). It is the list in
// use: see Items.
var Default = []Item{
	// 基本情况
	{Key: "household_type", Section: "household", Kind: Single, Options: []string{"agricultural", "non_agricultural"}, Required: true},
	{Key: "marital", Section: "household", Kind: Single, Options: registry.Maritals, Required: true, Registry: "marital"},
	{Key: "education", Section: "household", Kind: Single, Options: registry.Educations, Required: true, Registry: "education"},
	{Key: "poverty_registered", Section: "household", Kind: Single, Options: yesNo, Required: true, Registry: "poverty_registered"},
	// 就业
	{Key: "employment", Section: "employment", Kind: Single, Options: registry.Employments, Required: true, Registry: "employment"},
	{Key: "income_source", Section: "employment", Kind: Single, If: "employment=unemployed,not_working_age", Required: true,
		Options: []string{"family", "assistance", "pension", "land", "property", "other"}},
	{Key: "unemployed_reason", Section: "employment", Kind: Single, If: "employment=unemployed", Required: true,
		Options: []string{"severe", "no_skill", "no_job", "family_care", "unwilling", "other"}},
	{Key: "employment_help", Section: "employment", Kind: Multi, Options: []string{"training", "referral", "rural_skills", "credit", "none"}, None: "none"},
	{Key: "employment_need", Section: "employment", Kind: Multi, Options: []string{"job", "training", "self_employment", "none"}, None: "none",
		Needs: map[string]Need{"job": NeedEmployment, "self_employment": NeedEmployment, "training": NeedTraining}},
	// 社会保障与救助
	{Key: "social_assistance", Section: "assistance", Kind: Multi, Options: []string{"dibao", "tekun", "temporary", "none"}, None: "none"},
	{Key: "subsidies", Section: "assistance", Kind: Multi, Options: []string{"living", "nursing", "none"}, None: "none"},
	{Key: "medical_insurance", Section: "assistance", Kind: Single, Options: yesNo, Required: true, Registry: "medical_insurance"},
	{Key: "pension_insurance", Section: "assistance", Kind: Single, Options: yesNo, Required: true, Registry: "pension_insurance"},
	// 托养
	{Key: "care_received", Section: "care", Kind: Single, Options: []string{"none", "home", "day", "residential"}, Required: true},
	{Key: "care_needed", Section: "care", Kind: Single, Options: []string{"none", "home", "day", "residential"}, Required: true, None: "none",
		Needs: map[string]Need{"*": NeedCare}},
	// 康复与辅具
	{Key: "rehab_received", Section: "rehabilitation", Kind: Multi, Options: []string{"medical", "training", "counselling", "medication", "none"}, None: "none"},
	{Key: "rehab_needed", Section: "rehabilitation", Kind: Multi, Options: []string{"medical", "training", "counselling", "medication", "none"}, None: "none",
		Needs: map[string]Need{"*": NeedRehabilitation}},
	{Key: "device_received", Section: "rehabilitation", Kind: Multi, Options: []string{"wheelchair", "walking", "hearing", "vision", "prosthesis", "daily", "none"}, None: "none"},
	{Key: "device_needed", Section: "rehabilitation", Kind: Multi, Options: []string{"wheelchair", "walking", "hearing", "vision", "prosthesis", "daily", "none"}, None: "none",
		Needs: map[string]Need{"*": NeedDevice}},
	// 无障碍
	{Key: "renovation_needed", Section: "home", Kind: Single, Options: yesNo, Required: true, Needs: map[string]Need{"yes": NeedRenovation}},
	{Key: "renovation_items", Section: "home", Kind: Multi, If: "renovation_needed=yes",
		Options: []string{"ramp", "toilet", "handrail", "kitchen", "door", "threshold", "bath", "doorbell", "other"}},
	// 文体
	{Key: "culture", Section: "culture", Kind: Multi, Options: []string{"reading", "sports", "arts", "community", "none"}, None: "none"},
	// 微心愿
	{Key: "wish", Section: "wish", Kind: Text, MaxLength: 200, Fresh: true, Needs: map[string]Need{"*": NeedWish}},
}

// Items is the item list in use: Default. A county's additions would be
// appended here (from settings, once a page edits them).
var Items = Default

// ItemsOf returns the items of a section, in form order.
func ItemsOf(section string) []Item {
	var out []Item
	for _, it := range Items {
		if it.Section == section {
			out = append(out, it)
		}
	}
	return out
}

// item returns the item with key k.
func item(k string) (Item, bool) {
	for _, it := range Items {
		if it.Key == k {
			return it, true
		}
	}
	return Item{}, false
}

// Answers are a task's answers: item key → option code, codes joined by
// commas for a Multi item, or text.
type Answers map[string]string

// Values splits a Multi answer into its codes.
func (a Answers) Values(k string) []string {
	if a[k] == "" {
		return nil
	}
	return strings.Split(a[k], ",")
}

// Has reports whether a Multi or Single answer includes code.
func (a Answers) Has(k, code string) bool { return slices.Contains(a.Values(k), code) }

// Shown reports whether it applies given the other answers (its If).
func (it Item) Shown(a Answers) bool {
	if it.If == "" {
		return true
	}
	k, codes, _ := strings.Cut(it.If, "=")
	return slices.Contains(strings.Split(codes, ","), a[k])
}

// Field is the i18n key naming the item in errors.
func (it Item) Field() string { return "survey.item." + it.Key }

// checkSection validates the answers of one section (given as posted,
// Multi values already joined) and returns them normalised; problems name
// the item. Items of other sections are left alone. Required items are
// only required when complete is set (the whole form is submitted); a
// section save keeps what is there so the worker can come back.
func checkSection(es *validate.Errors, all Answers, items []Item, complete bool) {
	for _, it := range items {
		v := strings.TrimSpace(all[it.Key])
		if !it.Shown(all) {
			delete(all, it.Key) // an answer that no longer applies
			continue
		}
		switch it.Kind {
		case Single:
			if v != "" && !slices.Contains(it.Options, v) {
				es.Add(0, it.Field(), "validate.choose")
				continue
			}
		case Multi:
			var codes []string
			for _, c := range strings.Split(v, ",") {
				if c = strings.TrimSpace(c); c == "" {
					continue
				}
				if !slices.Contains(it.Options, c) {
					es.Add(0, it.Field(), "validate.choose")
					codes = nil
					break
				}
				if !slices.Contains(codes, c) {
					codes = append(codes, c)
				}
			}
			if it.None != "" && slices.Contains(codes, it.None) && len(codes) > 1 {
				es.Add(0, it.Field(), "survey.error.none_and_other")
			}
			// Stored in option order, so equal answers compare equal.
			slices.SortFunc(codes, func(a, b string) int { return slices.Index(it.Options, a) - slices.Index(it.Options, b) })
			v = strings.Join(codes, ",")
		case Text:
			if it.MaxLength > 0 && utf8.RuneCountInString(v) > it.MaxLength {
				es.Add(0, it.Field(), "survey.error.too_long", it.MaxLength)
			}
		}
		if complete && it.Required && v == "" {
			es.Add(0, it.Field(), "validate.required")
		}
		if v == "" {
			delete(all, it.Key)
		} else {
			all[it.Key] = v
		}
	}
}

// NeedsOf lists the needs the answers record, in AllNeeds order.
func NeedsOf(a Answers) []Need {
	set := map[Need]bool{}
	for _, it := range Items {
		if len(it.Needs) == 0 || !it.Shown(a) {
			continue
		}
		for _, c := range a.Values(it.Key) {
			if it.Kind == Text {
				c = a[it.Key]
			}
			if n, ok := it.Needs[c]; ok {
				set[n] = true
			} else if n, ok := it.Needs["*"]; ok && c != it.None && strings.TrimSpace(c) != "" {
				set[n] = true
			}
			if it.Kind == Text {
				break
			}
		}
	}
	var out []Need
	for _, n := range AllNeeds {
		if set[n] {
			out = append(out, n)
		}
	}
	return out
}

// fromRegistry is the pre-fill of a person surveyed for the first time:
// what the registry knows.
func fromRegistry(p registry.Person) Answers {
	a := Answers{}
	yn := yes
	set := func(k, v string) {
		if v != "" {
			a[k] = v
		}
	}
	set("marital", p.Marital)
	set("education", p.Education)
	set("employment", p.Employment)
	a["medical_insurance"] = yn(p.MedicalInsurance)
	a["pension_insurance"] = yn(p.PensionInsurance)
	a["poverty_registered"] = yn(p.PovertyRegistered)
	var sa []string
	if p.Dibao {
		sa = append(sa, "dibao")
	}
	if p.Tekun {
		sa = append(sa, "tekun")
	}
	if len(sa) > 0 {
		a["social_assistance"] = strings.Join(sa, ",")
	}
	return a
}

// applyToPerson sets the registry facts the answers hold on in (only the
// items with a Registry field and an answer), and reports which fields
// changed (i18n keys of the registry's field names).
func applyToPerson(a Answers, in *registry.NewPerson) []string {
	var changed []string
	str := func(field string, dst *string, v string) {
		if v != "" && *dst != v {
			*dst = v
			changed = append(changed, field)
		}
	}
	flag := func(field string, dst *bool, v string, present bool) {
		if !present {
			return
		}
		b := v == "yes"
		if *dst != b {
			*dst = b
			changed = append(changed, field)
		}
	}
	for _, it := range Items {
		v, present := a[it.Key]
		switch it.Registry {
		case "marital":
			str("person.marital", &in.Marital, v)
		case "education":
			str("person.education", &in.Education, v)
		case "employment":
			str("person.employment", &in.Employment, v)
		case "medical_insurance":
			flag("person.medical_insurance", &in.MedicalInsurance, v, present)
		case "pension_insurance":
			flag("person.pension_insurance", &in.PensionInsurance, v, present)
		case "poverty_registered":
			flag("person.poverty_registered", &in.PovertyRegistered, v, present)
		}
	}
	// 低保 and 特困 are read from the social assistance received, once
	// that item is answered.
	if _, ok := a["social_assistance"]; ok {
		flag("person.dibao", &in.Dibao, yes(a.Has("social_assistance", "dibao")), true)
		flag("person.tekun", &in.Tekun, yes(a.Has("social_assistance", "tekun")), true)
	}
	return changed
}

func yes(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func clone(a Answers) Answers {
	out := make(Answers, len(a))
	for k, v := range a {
		out[k] = v
	}
	return out
}
