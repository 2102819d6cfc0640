package report

import (
	"context"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/indicator"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/validate"
)

// Paragraphs of the work report in order, as the source report
// (shared/source/county-federation-report-h1.zh.txt) has them. "p1" is part
// one (完成情况), "p2" part two (下步工作安排).
var Paragraphs = []string{"intro", "p1.team", "p1.employment", "p1.services",
	"p2.intro", "p2.self", "p2.employment", "p2.rehab", "p2.rights", "p2.culture", "p2.base"}

// DefaultTexts are the source report's wording with each `*` replaced by
// a placeholder: {key} is the indicator's value with its unit, {target:key}
// its yearly target (part one: the period's year; part two: the next
// period's), {period} and {next_period} the periods' names. The text
// around them is the federation's to edit per period and scope.
var DefaultTexts = map[string]string{
	"intro":         `{period}以来，县残联在县委、县政府坚强领导下，紧紧围绕服务我县经济社会发展大局和县残联年度重点工作，认真履行“代表、服务、管理”职能，主动作为、对标推进，整体工作有序向好发展。`,
	"p1.team":       `（一）转作风提状态，持续锤炼过硬队伍。坚持把理论学习摆在重要位置，召开党组理论学习中心组学习共{party_group_study_sessions}，党员干部集中学习共{cadre_study_sessions}，进一步树牢“四个意识”、坚定“四个自信”。认真组织学习研讨，举办“干部新状态”系列评论研讨会{seminars}，撰写心得体会{study_reflections}，在“比学赶超”中进一步提升精神状态，增强责任担当。严格落实“三会一课”制度，通过上门评残、下乡义诊组织学习{outreach_events}，基层党组织战斗力和凝聚力不断提升。`,
	"p1.employment": `（二）稳就业保民生，不断提升帮扶质量。规范公益岗位安置{welfare_job_placements}，加大残疾人就业保障金征收力度（应征{levy_due}，已征{levy_collected}），启动按比例安排残疾人就业情况年审，已审核单位{quota_units_reviewed}。通过专班进村入户（{households_visited}）、短信推送（{sms_sent}）、APP基本状况调查（覆盖率{survey_coverage}）等方式宣传政策，为有创业意向的残疾人落实资金扶持和技术指导，扶持创业项目{entrepreneurship_projects}，为有就业需求的残疾人开展宣传推介{promotion_events}，征求意见建议{suggestions_collected}，收集“就业方向、培训意向”等个性化“微”心愿{wishes_collected}（实现率{wishes_fulfilled_rate}）。开展残疾人技能培训{training_person_times}，扶持“阳光大棚”{greenhouses}、助残基地{support_bases}。依托县特教学校就业扶贫车间打造就业实训基地，带动残疾学生{base_employed_students}及陪读家长{base_employed_parents}就业。探索“电商+直播”、“师带徒结对”模式，{home_employment_persons}残疾人“在家门口”实现就业，月均收入3千元以上的占{employment_income_3000_rate}。`,
	"p1.services":   `（三）提标准抓质量，推进精准惠残民生。一户一策制定无障碍改造方案，年计划完成改造{target:renovation_completed}以上（已列入计划{renovation_planned}），截至目前完成改造{renovation_completed}，完成前期设计、改造筹备{renovation_in_preparation}。残疾儿童救助范围扩至16岁以内，视力、听力、言语、智力、孤独症救助标准提高至{child_rescue_standard_general}，脑瘫儿童救助标准提高至{child_rescue_standard_cp}，对额定人数之外的精神病患者门诊药费同等补助。截至目前，抢救性康复救助{child_rescue_persons}（救助金额{child_rescue_amount}），精神病门诊药费补助{psychiatric_drug_subsidy_persons}，辅助器具和假肢矫形器适配{device_fitted_persons}，辅助器具在租{devices_on_loan}。采用发放补贴替代对人工耳蜗模块化采购适配，截至目前共补贴{cochlear_subsidy_amount}。落实个别化助学资助{education_grant_students}，推进“上门式”精准康复服务，精准康复服务{rehab_service_persons}，服务率达{rehab_service_rate}。坚持“集中+常态+下乡”，提供照相、评定、录入、办理、送达一站式服务，开展集中评残{certify_sessions}、上门评残{certify_home_assessments}，为{certify_issued_renewed}残疾人办换证（新办{certify_issued}，换领{certify_renewed}）。`,
	"p2.intro":      `{next_period}，县残联将紧紧围绕县委、县政府决策部署，进一步务实举措、改进作风，深入践行初心使命。重点做好六个方面工作：`,
	"p2.self":       `（一）聚焦全面从严，高质量加强自身建设。深入学习党的理论知识，认真落实机关党建工作责任制、意识形态工作责任制和党风廉政建设责任制，严密把控“评残”、民生工程等重点风险点（目前风险提示{risk_flagged_cases}，复核率{risk_reviewed_rate}，目标{target:risk_reviewed_rate}），进一步提高工作质量。`,
	"p2.employment": `（二）狠抓就业创业，高质量推进“就业提升”。全年计划开展职业技能培训{target:training_person_times}以上，计划扶持残疾人个人创业扶持项目{target:entrepreneurship_projects}以上，阳光大棚{target:greenhouses}以上，助残基地{target:support_bases}以上。推进就学资助全覆盖（目前覆盖率{education_grant_coverage}），不让残疾学生因家庭困难失学，开展“就业援助月”（已服务{campaign_persons_reached}），推进按比例安排就业。`,
	"p2.rehab":      `（三）完善康复服务，高质量推进“精准康复”。为符合条件的困难精神残疾人补助门诊药费，为{target:child_rescue_persons}提供残疾儿童康复救助，确保应助尽助。实施“阳光家园计划”，为就业年龄段（16—59周岁）的智力、精神和重度肢体残疾人等提供托养服务（目前托养{care_persons}）。创新推进辅助器具租赁试点，打造残疾人康复托养综合服务中心（服务机构提供服务{provider_services}）。`,
	"p2.rights":     `（四）强化权益保障，高质量推进“权益护航”。借助“12385”残疾人维权热线、网络问政、接访下访（受理{rights_cases_received}，按时办结率{rights_cases_closed_on_time_rate}），做好涉残舆情监测预警。成立县残疾人法律服务中心，帮助残疾人获得法律援助（{legal_aid_persons}）。将困难重度残疾人家庭无障碍设施改造工作向非建档立卡户延伸，力争全县有需求家庭无障碍改造率达{target:renovation_rate}以上（目前{renovation_rate}），全年完成{target:renovation_completed}。`,
	"p2.culture":    `（五）优化服务指导，高质量推进“共享阳光”。组织残疾预防宣传教育，开展典型人物与事迹评选，开展全民健身、残疾人健身周活动，组织参加各项体育赛事和艺术汇演（已举办活动{events_held}，参与{event_participants}，获奖{event_awards}）。依托乡镇残疾人之家和村（社区）残疾人工作站，丰富残疾人文化生活。`,
	"p2.base":       `（六）夯实基层基础，高质量推进“强基固本”。建成标准化档案室，专人整理归档（已编目{archive_files_catalogued}），完善每月集中评残机制（平均每月{certify_sessions_per_month}），健全评定人才专家库。对行动不便、卧床不起或重度精神残疾等疑似残疾人上门办证（上门评残{certify_home_assessments}）。加强对残疾人人口基础数据的综合管理和动态更新（在册{registry_size}，本期更新率{registry_updated_rate}），建立与相关政府部门数据资源交换共享机制（交换{data_exchange_records}，发现不一致{data_exchange_mismatches}）。推动“互联网+残疾人服务”，网上申请占{applications_online_rate}，每件平均跑{visits_per_application}，“最多跑一次”的占{one_visit_rate}。`,
}

var placeholder = regexp.MustCompile(`\{(target:)?([a-z0-9_]+)\}`)

// MaxTextLength is the longest paragraph accepted, in characters.
const MaxTextLength = 4000

// checkText reports the problems of an edited paragraph: unknown
// placeholders, a text too long.
func checkText(es *validate.Errors, para, text string) {
	field := "report.paragraph." + para
	if utf8.RuneCountInString(text) > MaxTextLength {
		es.Add(0, field, "report.error.text_too_long", MaxTextLength)
	}
	for _, m := range placeholder.FindAllStringSubmatch(text, -1) {
		key := m[2]
		if m[1] == "" && (key == "period" || key == "next_period") {
			continue
		}
		ind, ok := indicator.Get(key)
		if !ok || (m[1] != "" && !ind.Target) {
			es.Add(0, field, "report.error.placeholder", m[0])
		}
	}
}

// TextScope identifies the stored texts of one report.
type TextScope struct {
	Period   indicator.Period
	AreaCode string // '' for everything the deployment covers, else the region's code
}

// LoadTexts returns the paragraphs' texts: the edited ones, else the
// defaults; edited reports which were edited.
func LoadTexts(ctx context.Context, q store.Querier, ts TextScope) (texts map[string]string, edited map[string]bool, err error) {
	texts, edited = map[string]string{}, map[string]bool{}
	for k, v := range DefaultTexts {
		texts[k] = v
	}
	rows, err := q.QueryContext(ctx, `SELECT paragraph, body FROM report_texts WHERE period_from = $1 AND period_to = $2 AND area_code = $3`,
		ts.Period.From, ts.Period.To, ts.AreaCode)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, nil, err
		}
		if _, known := DefaultTexts[k]; known {
			texts[k], edited[k] = v, true
		}
	}
	return texts, edited, rows.Err()
}

// SaveTexts stores edited paragraphs of one report in tx, audited. A
// paragraph equal to its default (or empty) goes back to the default.
func SaveTexts(ctx context.Context, tx *store.Tx, ts TextScope, texts map[string]string) error {
	var es validate.Errors
	for k, v := range texts {
		if _, ok := DefaultTexts[k]; !ok {
			es.Add(0, "report.paragraph", "validate.choose")
			continue
		}
		checkText(&es, k, v)
	}
	if err := es.Err(); err != nil {
		return err
	}
	before, _, err := LoadTexts(ctx, tx, ts)
	if err != nil {
		return err
	}
	now, who := store.Now(), audit.ActorFrom(ctx).ID
	for _, k := range Paragraphs {
		v, ok := texts[k]
		if !ok {
			continue
		}
		v = strings.TrimSpace(strings.ReplaceAll(v, "\r\n", "\n"))
		if _, err := tx.ExecContext(ctx, `DELETE FROM report_texts WHERE period_from = $1 AND period_to = $2 AND area_code = $3 AND paragraph = $4`,
			ts.Period.From, ts.Period.To, ts.AreaCode, k); err != nil {
			return err
		}
		if v == "" || v == DefaultTexts[k] {
			continue
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO report_texts (period_from, period_to, area_code, paragraph, body, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			ts.Period.From, ts.Period.To, ts.AreaCode, k, v, who, now); err != nil {
			return err
		}
	}
	after, _, err := LoadTexts(ctx, tx, ts)
	if err != nil {
		return err
	}
	return audit.Record(ctx, tx, audit.Entry{Action: "report.texts", ObjectType: "report_texts", ObjectID: ts.Period.From + "/" + ts.Period.To + "/" + ts.AreaCode,
		AreaCode: ts.AreaCode, Before: before, After: after})
}
