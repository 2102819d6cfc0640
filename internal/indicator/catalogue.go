package indicator

// Sections of the work report, in order: part one (完成情况) and part two
// (下步工作安排) of the source report, paragraph by paragraph.
var Sections = []string{
	"p1.team", "p1.employment", "p1.services",
	"p2.self", "p2.employment", "p2.rehab", "p2.rights", "p2.culture", "p2.base",
}

// declared builds an indicator whose records are not kept yet.
func declared(key, unit string, kind Kind, section string, target bool) Indicator {
	return Indicator{Key: key, Unit: unit, Kind: kind, Section: section, Target: target}
}

// stock marks a figure that is a state when asked (see Indicator.Stock).
func stock(ind Indicator) Indicator { ind.Stock = true; return ind }

// The mission map (shared/domain/MISSION-MAP.md), line by line: every F
// and T. Each gets its Compute from the area that keeps its records
// (registry.go, certify.go, employ.go, levy.go, survey.go, renovate.go,
// programme.go, rights.go, activity.go); those whose area is not built
// yet — SMS, risk review, the archive, data exchange — and the levy
// collected (not recorded) stay declared.
func init() {
	Register(
		// (一) 转作风提状态 — internal activities log.
		declared("party_group_study_sessions", "次", Count, "p1.team", false), // 党组理论学习中心组学习
		declared("cadre_study_sessions", "次", Count, "p1.team", false),       // 党员干部集中学习
		declared("seminars", "次", Count, "p1.team", false),                   // 研讨会
		declared("study_reflections", "篇", Count, "p1.team", false),          // 心得体会
		declared("outreach_events", "次", Count, "p1.team", false),            // 上门评残、下乡义诊

		// (二) 稳就业保民生.
		declared("welfare_job_placements", "人", Count, "p1.employment", true), // 公益岗位安置
		declared("quota_units_reviewed", "个", Count, "p1.employment", true),   // 按比例就业年审单位
		declared("levy_due", "元", Money, "p1.employment", false),              // 保障金应征
		declared("levy_collected", "元", Money, "p1.employment", true),         // 保障金已征
		declared("households_visited", "户", Count, "p1.employment", false),    // 进村入户
		declared("sms_sent", "条", Count, "p1.employment", false),              // 短信推送
		declared("survey_coverage", "%", Percent, "p1.employment", true),      // 基本状况调查覆盖率
		declared("entrepreneurship_projects", "个", Count, "p1.employment", true),
		declared("promotion_events", "次", Count, "p1.employment", false), // 宣传推介
		declared("suggestions_collected", "条", Count, "p1.employment", false),
		declared("wishes_collected", "个", Count, "p1.employment", false), // 微心愿
		declared("wishes_fulfilled_rate", "%", Percent, "p1.employment", false),
		declared("training_person_times", "人次", Count, "p1.employment", true),
		declared("greenhouses", "个", Count, "p1.employment", true),   // 阳光大棚
		declared("support_bases", "个", Count, "p1.employment", true), // 助残基地
		declared("base_employed_students", "人", Count, "p1.employment", false),
		declared("base_employed_parents", "人", Count, "p1.employment", false),  // 陪读家长
		declared("home_employment_persons", "人", Count, "p1.employment", true), // “在家门口”就业
		declared("employment_income_3000_rate", "%", Percent, "p1.employment", false),

		// (三) 提标准抓质量 — renovation, rehabilitation, devices, certification.
		stock(declared("renovation_planned", "户", Count, "p1.services", true)), // the year's list as it stands
		declared("renovation_completed", "户", Count, "p1.services", true),
		stock(declared("renovation_in_preparation", "户", Count, "p1.services", false)),
		stock(declared("child_rescue_standard_general", "元", Money, "p1.services", false)), // 视力、听力、言语、智力、孤独症
		stock(declared("child_rescue_standard_cp", "元", Money, "p1.services", false)),      // 脑瘫
		declared("child_rescue_persons", "人", Count, "p1.services", true),
		declared("child_rescue_amount", "元", Money, "p1.services", false),
		declared("psychiatric_drug_subsidy_persons", "人", Count, "p1.services", true),
		declared("device_fitted_persons", "人", Count, "p1.services", true),
		declared("devices_on_loan", "件", Count, "p1.services", false),
		declared("cochlear_subsidy_amount", "元", Money, "p1.services", false),
		declared("education_grant_students", "人", Count, "p1.services", true),
		declared("rehab_service_persons", "人", Count, "p1.services", true),
		declared("rehab_service_rate", "%", Percent, "p1.services", true),
		Indicator{Key: "certify_sessions", Unit: "次", Kind: Count, Section: "p1.services", Target: true},
		Indicator{Key: "certify_home_assessments", Unit: "次", Kind: Count, Section: "p1.services", Target: true},
		Indicator{Key: "certify_issued_renewed", Unit: "人", Kind: Count, Section: "p1.services", Target: true},
		Indicator{Key: "certify_issued", Unit: "人", Kind: Count, Section: "p1.services"},
		Indicator{Key: "certify_renewed", Unit: "人", Kind: Count, Section: "p1.services"},

		// Part two.
		declared("risk_flagged_cases", "件", Count, "p2.self", false),
		declared("risk_reviewed_rate", "%", Percent, "p2.self", true),
		declared("education_grant_coverage", "%", Percent, "p2.employment", true),
		declared("campaign_persons_reached", "人", Count, "p2.employment", true), // 就业援助月
		declared("care_persons", "人", Count, "p2.rehab", true),                  // 阳光家园 托养
		declared("provider_services", "次", Count, "p2.rehab", false),
		declared("rights_cases_received", "件", Count, "p2.rights", false), // 12385
		declared("rights_cases_closed_on_time_rate", "%", Percent, "p2.rights", true),
		declared("legal_aid_persons", "人", Count, "p2.rights", true),
		declared("renovation_rate", "%", Percent, "p2.rights", true), // 有需求家庭改造率
		declared("events_held", "次", Count, "p2.culture", false),
		declared("event_participants", "人次", Count, "p2.culture", false),
		declared("event_awards", "项", Count, "p2.culture", false),
		declared("archive_files_catalogued", "件", Count, "p2.base", true),
		Indicator{Key: "certify_sessions_per_month", Unit: "次/月", Kind: Average, Section: "p2.base"},
		Indicator{Key: "registry_size", Unit: "人", Kind: Count, Section: "p2.base", Stock: true},
		Indicator{Key: "registry_updated_rate", Unit: "%", Kind: Percent, Section: "p2.base", Target: true, Stock: true},
		declared("data_exchange_records", "条", Count, "p2.base", false),
		declared("data_exchange_mismatches", "条", Count, "p2.base", false),
		Indicator{Key: "applications_online_rate", Unit: "%", Kind: Percent, Section: "p2.base", Target: true},
		Indicator{Key: "visits_per_application", Unit: "次", Kind: Average, Section: "p2.base", Lower: true},
		Indicator{Key: "one_visit_rate", Unit: "%", Kind: Percent, Section: "p2.base", Target: true}, // 最多跑一次
	)
	registerRegistryBreakdown()
	provideRegistry()
	provideCertify()
	provideEmploy()
	provideLevy()
	provideSurvey()
	provideRenovate()
	provideProgrammes()
	provideRights()
	provideActivities()
	provideLists()
}

// DefaultTargets are the shipped yearly targets (the source report's part
// two), used until the admin sets the year's own: value in the indicator's
// target unit (see TargetUnit).
var DefaultTargets = map[int]map[string]int64{
	2026: {
		"training_person_times":     200,
		"entrepreneurship_projects": 100,
		"greenhouses":               10,
		"support_bases":             1,
		"child_rescue_persons":      128,
		"renovation_completed":      92,
		"renovation_rate":           900, // ‰: 90 %
	},
}
