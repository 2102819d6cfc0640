package programme

import (
	"context"
	"database/sql"
	"strings"
)

// Shipped programme codes: rules and other packages refer to them.
const (
	CodeChildRescue   = "child_rescue"   // 残疾儿童康复救助
	CodeDrugSubsidy   = "drug_subsidy"   // 精神病门诊药费补助
	CodeDevices       = "devices"        // 辅助器具和假肢矫形器适配
	CodeCochlear      = "cochlear"       // 人工耳蜗补贴
	CodeHomeRehab     = "home_rehab"     // 精准康复服务（上门）与心理疏导
	CodeEducation     = "education"      // 助学资助
	CodeSunshineHome  = "sunshine_home"  // 阳光家园计划（托养）
	CodeLivingSubsidy = "living_subsidy" // 困难残疾人生活补贴
	CodeCareSubsidy   = "care_subsidy"   // 重度残疾人护理补贴
)

// Shipped are the programmes of issue #5 with the report's and RULES.md's
// defaults; every one is editable. Tiers marked Provisional are RULES.md
// "Default" placeholders (or amounts the source does not give), shown as
// such until the county confirms them by editing the amount.
var Shipped = []Programme{
	{
		Code: CodeChildRescue, Name: "残疾儿童康复救助", Kind: KindService, Frequency: OneOff,
		Rule:     `age < 16 && (category in [1, 2, 3, 4, 5] || components.exists(c, c in [1, 2, 3, 4, 5]) || autism || cerebral_palsy)`,
		RuleNote: "本县扩面至16岁以下（县报告）；视力、听力、言语、肢体、智力残疾或孤独症（国发〔2018〕20号），持证或有医院诊断（孤独症、脑瘫记为人员标签）。年龄上限即规则中的 16，可修改。",
		Subtypes: []string{"surgery", "device", "training"}, AnnualCapFen: 3000000, Target: 128, BudgetFen: 280000000,
		Tiers: []Tier{
			{Key: "cerebral_palsy", Label: "脑瘫儿童", AmountFen: 3000000, Condition: "cerebral_palsy", Provisional: true},
			{Key: "standard", Label: "视力、听力、言语、智力、孤独症等", AmountFen: 2000000, Provisional: true},
		},
	},
	{
		Code: CodeDrugSubsidy, Name: "精神病门诊药费补助", Kind: KindCash, Frequency: ByClaim,
		Rule:     `(category == 6 || 6 in components) && (dibao || tekun || poverty)`,
		RuleNote: "困难（低保、特困、建档立卡/监测户）精神残疾人；额定人数内外同等补助（县报告），按月或按季凭收据报销。",
		Subtypes: []string{"quota", "beyond_quota"}, AnnualCapFen: 300000, BudgetFen: 60000000,
		Tiers: []Tier{{Key: "claim", Label: "门诊药费（每张收据上限）", AmountFen: 100000, Provisional: true}},
	},
	{
		Code: CodeDevices, Name: "辅助器具和假肢矫形器适配", Kind: KindDevice, Frequency: OneOff,
		Rule:     `true`,
		RuleNote: "在册残疾人经需求评估后适配；流程：需求评估 → 适配 → 回访。租赁试点见辅具库。",
		Subtypes: []string{"assistive_device", "prosthesis", "orthosis"}, AnnualCapFen: 1000000, BudgetFen: 50000000,
		Tiers: []Tier{
			{Key: "prosthesis", Label: "假肢", AmountFen: 800000, Condition: `subtype == "prosthesis"`, Provisional: true},
			{Key: "orthosis", Label: "矫形器", AmountFen: 300000, Condition: `subtype == "orthosis"`, Provisional: true},
			{Key: "device", Label: "辅助器具", AmountFen: 100000, Provisional: true},
		},
	},
	{
		Code: CodeCochlear, Name: "人工耳蜗补贴", Kind: KindCash, Frequency: OneOff, PayFamily: true,
		Rule:         `age < 16 && (category == 2 || 2 in components)`,
		RuleNote:     "听障儿童植入人工耳蜗，发放补贴替代模块化采购（县报告），补贴发给家庭（监护人账户）。",
		AnnualCapFen: 6000000, BudgetFen: 30000000,
		Tiers: []Tier{{Key: "implant", Label: "人工耳蜗植入", AmountFen: 6000000, Provisional: true}},
	},
	{
		Code: CodeHomeRehab, Name: "精准康复服务（上门）与心理疏导", Kind: KindService, Frequency: OneOff,
		Rule:     `true`,
		RuleNote: "“上门式”精准康复服务，常态化心理咨询、情绪疏导；服务率 = 已服务 / 有需求（需求来自基本状况调查，记为人员标签 need.home_rehab）。",
		Subtypes: []string{"rehabilitation", "counselling"},
		Tiers:    []Tier{{Key: "visit", Label: "上门服务", AmountFen: 0}},
	},
	{
		Code: CodeEducation, Name: "助学资助", Kind: KindGrant, Frequency: OneOff,
		Rule:     `(dibao || tekun || poverty) && (age >= 6 && age <= 25 || subtype == "family_student")`,
		RuleNote: "家庭困难的残疾学生（6–25周岁）及残疾人家庭子女（登记在残疾人名下，子女为收款人）；残疾大学生资助在8月录取后开放申请。",
		Subtypes: []string{"pupil", "university", "family_student"}, WindowFrom: "08-01", WindowTo: "10-31", WindowSubtypes: []string{"university"},
		AnnualCapFen: 500000, BudgetFen: 20000000,
		Tiers: []Tier{
			{Key: "university", Label: "大学生", AmountFen: 500000, Condition: `subtype == "university"`, Provisional: true},
			{Key: "pupil", Label: "中小学生及其他", AmountFen: 100000, Provisional: true},
		},
	},
	{
		Code: CodeSunshineHome, Name: "阳光家园计划（托养服务）", Kind: KindService, Frequency: OneOff,
		Rule:     `age >= 16 && age <= 59 && (category in [5, 6] || category == 4 && severe || components.exists(c, c in [5, 6]))`,
		RuleNote: "就业年龄段（16—59周岁）的智力、精神和重度肢体残疾人（县报告）；记录托养机构与托养天数。",
		Subtypes: []string{"day_care", "residential", "home_care"}, AnnualCapFen: 300000, BudgetFen: 15000000,
		Tiers: []Tier{{Key: "care", Label: "托养服务补助（每人每年）", AmountFen: 150000, Provisional: true}},
	},
	{
		Code: CodeLivingSubsidy, Name: "困难残疾人生活补贴", Kind: KindCash, Frequency: Monthly,
		Rule:         `dibao`,
		RuleNote:     "低保家庭中的残疾人（国发〔2015〕52号）；可在规则中扩大到低收入等家庭。自申请当月起按月发放，死亡、迁出等次月停发。",
		AnnualCapFen: 120000,
		Tiers:        []Tier{{Key: "standard", Label: "每人每月", AmountFen: 10000, Provisional: true}},
	},
	{
		Code: CodeCareSubsidy, Name: "重度残疾人护理补贴", Kind: KindCash, Frequency: Monthly,
		Rule:         `severe || grade == 3 && (category in [5, 6] || components.exists(c, c in [5, 6]))`,
		RuleNote:     "一、二级重度残疾人（国发〔2015〕52号）；默认扩大到三级智力、精神残疾人（Default，可修改）。自申请当月起按月发放，死亡、迁出等次月停发。",
		AnnualCapFen: 120000,
		Tiers: []Tier{
			{Key: "grade1", Label: "一级", AmountFen: 10000, Condition: "grade == 1", Provisional: true},
			{Key: "grade2_3", Label: "二级、三级", AmountFen: 5000, Provisional: true},
		},
	},
}

// seedProgrammes writes the shipped programmes (the migration step): in
// the migration's transaction, with created_at spaced so List keeps this
// order.
func seedProgrammes(ctx context.Context, tx *sql.Tx) error {
	for i, p := range Shipped {
		at := "2026-11-30T00:00:00." + strings.Repeat("0", 2) + string(rune('0'+i)) + "Z"
		p.ID, p.Active, p.CreatedAt, p.UpdatedAt, p.Version = "prog-"+p.Code, true, at, at, 1
		if _, err := tx.ExecContext(ctx, `INSERT INTO prog_programmes (`+progColumns+`) VALUES (`+placeholders(21)+`)`, p.values()...); err != nil {
			return err
		}
		for j, t := range p.Tiers {
			if _, err := tx.ExecContext(ctx, `INSERT INTO prog_tiers (programme_id, seq, key, label, amount_fen, condition, provisional) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
				p.ID, j+1, t.Key, t.Label, t.AmountFen, t.Condition, t.Provisional); err != nil {
				return err
			}
		}
	}
	return nil
}
