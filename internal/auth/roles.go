// Package auth decides who someone is and what they may do: accounts,
// passwords (argon2id), sessions, lockout, roles, permissions and the region
// scope. Guard is the one place a route's permission and the caller's scope
// are checked.
package auth

import "slices"

// Role of an account.
type Role string

const (
	RoleCountyAdmin    Role = "county_admin"    // 系统管理员: accounts (without roles), areas, settings, county work
	RoleSecurityAdmin  Role = "security_admin"  // 安全管理员: roles and scopes, lockouts, 2FA resets, API clients
	RoleAuditor        Role = "auditor"         // 审计管理员: reads, exports and prunes the audit log, nothing else
	RoleLeader         Role = "leader"          // 县残联领导: reads every figure
	RoleCountyStaff    Role = "county_staff"    // 县残联工作人员, by department
	RoleTownshipWorker Role = "township_worker" // 乡镇残疾人专职委员
	RoleVillageWorker  Role = "village_worker"  // 村残疾人协会专职委员
	RoleExpert         Role = "expert"          // 评定专家
	RoleEmployer       Role = "employer"        // 用人单位: declares its own quota review, sees only itself
)

// Roles in display order.
var Roles = []Role{RoleCountyAdmin, RoleSecurityAdmin, RoleAuditor, RoleLeader, RoleCountyStaff, RoleTownshipWorker, RoleVillageWorker, RoleExpert, RoleEmployer}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return slices.Contains(Roles, r) }

// RolePending is the role of an account the system administrator has
// created and the security administrator has not yet given a role: it
// cannot sign in.
const RolePending Role = ""

// Admin reports whether the role administers the system (two factors will
// be required for these).
func (r Role) Admin() bool {
	return r == RoleCountyAdmin || r == RoleSecurityAdmin || r == RoleAuditor
}

// AdminDuties are the three administrators' duties (三员分立), each named by
// the permission only that administrator holds: no role may hold two.
var AdminDuties = map[Role]Perm{
	RoleCountyAdmin:   PermUsersManage,
	RoleSecurityAdmin: PermSecurityManage,
	RoleAuditor:       PermAuditRead,
}

// Department of a county staff member.
type Department string

const (
	DeptCertification  Department = "certification"  // 评残办证
	DeptRehabilitation Department = "rehabilitation" // 康复
	DeptEmployment     Department = "employment"     // 就业
	DeptRights         Department = "rights"         // 维权
	DeptFinance        Department = "finance"        // 财务
)

// Departments in display order.
var Departments = []Department{DeptCertification, DeptRehabilitation, DeptEmployment, DeptRights, DeptFinance}

// Perm is a permission a route requires.
type Perm string

const (
	PermSignedIn       Perm = "signed_in" // any signed-in account
	PermRegistryRead   Perm = "registry.read"
	PermRegistryWrite  Perm = "registry.write"
	PermWorkRead       Perm = "work.read" // the areas of work (certification, programmes, …)
	PermReportsRead    Perm = "reports.read"
	PermUsersManage    Perm = "users.manage"
	PermAreasManage    Perm = "areas.manage"
	PermSecurityManage Perm = "security.manage"
	PermAPIManage      Perm = "api.manage"
	PermAuditRead      Perm = "audit.read"    // read and export the audit log
	PermAuditManage    Perm = "audit.manage"  // the log's retention and pruning
	PermBackupManage   Perm = "backup.manage" // the daily backups' schedule and copies (the system admin)
	// PermRegistryUnmask lets a role see full ID numbers and phones (each
	// such view audited); others see them masked.
	PermRegistryUnmask Perm = "registry.unmask"
)

// Perms lists every permission (API clients are granted a subset).
var Perms = []Perm{PermRegistryRead, PermRegistryWrite, PermWorkRead, PermReportsRead, PermUsersManage, PermAreasManage, PermSecurityManage, PermAPIManage, PermAuditRead, PermAuditManage, PermBackupManage, PermRegistryUnmask}

// adminPerms are the administrators' own permissions: an API client (a
// token another department's script holds) never gets them.
var adminPerms = []Perm{PermUsersManage, PermAreasManage, PermSecurityManage, PermAPIManage, PermAuditRead, PermAuditManage, PermSettingsManage, PermBackupManage}

// AdminPerm reports whether p is one of the administrators' permissions.
func AdminPerm(p Perm) bool { return slices.Contains(adminPerms, p) }

// APIPerms lists the permissions an API client may be granted.
func APIPerms() []Perm {
	var out []Perm
	for _, p := range Perms {
		if !AdminPerm(p) {
			out = append(out, p)
		}
	}
	return out
}

var work = []Perm{PermSignedIn, PermRegistryRead, PermRegistryWrite, PermWorkRead, PermReportsRead}

// rolePerms is the least-privilege table. The three administrators are kept
// apart (三员分立): the system admin creates accounts but gives no role,
// scope or data access and cannot read the audit log; the security admin
// gives roles and scopes and manages access but does no county work; the
// auditor reads, exports and prunes the audit log and nothing else.
var rolePerms = map[Role][]Perm{
	RoleCountyAdmin:    append(slices.Clone(work), PermUsersManage, PermAreasManage, PermBackupManage, PermRegistryUnmask),
	RoleSecurityAdmin:  {PermSignedIn, PermSecurityManage, PermAPIManage},
	RoleAuditor:        {PermSignedIn, PermAuditRead, PermAuditManage},
	RoleLeader:         {PermSignedIn, PermRegistryRead, PermWorkRead, PermReportsRead},
	RoleCountyStaff:    append(slices.Clone(work), PermRegistryUnmask),
	RoleTownshipWorker: work,
	RoleVillageWorker:  {PermSignedIn, PermRegistryRead, PermRegistryWrite, PermWorkRead},
	RoleExpert:         {PermSignedIn, PermWorkRead},
	RoleEmployer:       {PermSignedIn},
}

// RoleHas reports whether role r carries permission p.
func RoleHas(r Role, p Perm) bool { return slices.Contains(rolePerms[r], p) }

// Certification (评残办证) and local-settings permissions. They are kept in
// this block, beside rolePerms, and merged into it by init.
const (
	PermCertifyRead    Perm = "certify.read"    // see applications, sessions, experts, figures
	PermCertifyApply   Perm = "certify.apply"   // file an application and follow it
	PermCertifyWrite   Perm = "certify.write"   // schedule, book, issue, deliver, keep the expert pool
	PermCertifyAssess  Perm = "certify.assess"  // record an assessment (experts, their own cases only)
	PermCertifyReview  Perm = "certify.review"  // second-person review and the county review
	PermSettingsManage Perm = "settings.manage" // working-day calendar and local rule settings
)

// certifyPerms: county certification staff file, schedule, review and
// issue; township workers file for their township; experts only assess;
// leader and village workers read. The system administrator keeps
// the settings (calendar, local rules) and may read, but does no casework,
// and the security administrator gets nothing here: the three
// administrators stay apart.
var certifyPerms = map[Role][]Perm{
	RoleCountyAdmin:    {PermCertifyRead, PermSettingsManage},
	RoleLeader:         {PermCertifyRead},
	RoleCountyStaff:    {PermCertifyRead, PermCertifyApply, PermCertifyWrite, PermCertifyReview},
	RoleTownshipWorker: {PermCertifyRead, PermCertifyApply},
	RoleVillageWorker:  {PermCertifyRead},
	RoleExpert:         {PermCertifyAssess},
}

// deptPerms limits permissions of county staff to one department: only the
// certification department files, schedules, reviews and issues.
var deptPerms = map[Perm]Department{
	PermCertifyApply:  DeptCertification,
	PermCertifyWrite:  DeptCertification,
	PermCertifyReview: DeptCertification,
}

// DeptAllows reports whether a county staff member's department permits
// perm; every other role is decided by rolePerms alone.
func DeptAllows(r Role, d Department, perm Perm) bool {
	want, limited := deptPerms[perm]
	return r != RoleCountyStaff || !limited || d == want
}

func init() {
	Perms = append(Perms, PermCertifyRead, PermCertifyApply, PermCertifyWrite, PermCertifyAssess, PermCertifyReview, PermSettingsManage)
	for r, ps := range certifyPerms {
		rolePerms[r] = append(slices.Clone(rolePerms[r]), ps...)
	}
}

// Programme (康复、补贴、辅具、教育、托养) and payment permissions, merged into
// rolePerms by init like the certification block.
const (
	PermProgrammeRead   Perm = "programme.read"   // see programmes, cases, radar, figures, devices
	PermProgrammeApply  Perm = "programme.apply"  // file a case for a person and follow it; record visits
	PermProgrammeWrite  Perm = "programme.write"  // configure programmes, providers, the device inventory
	PermProgrammeReview Perm = "programme.review" // county review and approval (four-eyes)
	PermPaymentWrite    Perm = "payment.write"    // build, export and mark payment batches paid; reversals
)

// programmePerms: the rehabilitation department runs programmes (files,
// configures, reviews); township workers file and do the township check for
// their township, village workers file; finance builds and pays batches;
// leader reads. The administrators do no casework.
var programmePerms = map[Role][]Perm{
	RoleCountyAdmin:    {PermProgrammeRead},
	RoleLeader:         {PermProgrammeRead},
	RoleCountyStaff:    {PermProgrammeRead, PermProgrammeApply, PermProgrammeWrite, PermProgrammeReview, PermPaymentWrite},
	RoleTownshipWorker: {PermProgrammeRead, PermProgrammeApply},
	RoleVillageWorker:  {PermProgrammeRead, PermProgrammeApply},
}

func init() {
	Perms = append(Perms, PermProgrammeRead, PermProgrammeApply, PermProgrammeWrite, PermProgrammeReview, PermPaymentWrite)
	for r, ps := range programmePerms {
		rolePerms[r] = append(slices.Clone(rolePerms[r]), ps...)
	}
	deptPerms[PermProgrammeApply] = DeptRehabilitation
	deptPerms[PermProgrammeWrite] = DeptRehabilitation
	deptPerms[PermProgrammeReview] = DeptRehabilitation
	deptPerms[PermPaymentWrite] = DeptFinance
}

// Employment (就业、培训) and quota-review (按比例就业年审, 残保金) permissions.
const (
	PermEmployRead  Perm = "employ.read"  // see job seekers, employment records, training, bases, wishes, figures
	PermEmployWrite Perm = "employ.write" // keep them (employment department; township workers for their area)
	PermLevyRead    Perm = "levy.read"    // see employers, declarations and levy results
	PermLevyDeclare Perm = "levy.declare" // an employer declares its own year (only its own unit)
	PermLevyReview  Perm = "levy.review"  // verify declarations, issue review results, export for the tax office
)

// employPerms: the employment department keeps the records and reviews
// declarations; township workers record employment and training in their
// township; an employer account declares for itself and sees nothing else.
var employPerms = map[Role][]Perm{
	RoleCountyAdmin:    {PermEmployRead, PermLevyRead},
	RoleLeader:         {PermEmployRead, PermLevyRead},
	RoleCountyStaff:    {PermEmployRead, PermEmployWrite, PermLevyRead, PermLevyReview},
	RoleTownshipWorker: {PermEmployRead, PermEmployWrite},
	RoleVillageWorker:  {PermEmployRead},
	RoleEmployer:       {PermLevyDeclare},
}

func init() {
	Perms = append(Perms, PermEmployRead, PermEmployWrite, PermLevyRead, PermLevyDeclare, PermLevyReview)
	for r, ps := range employPerms {
		rolePerms[r] = append(slices.Clone(rolePerms[r]), ps...)
	}
	deptPerms[PermEmployWrite] = DeptEmployment
	deptPerms[PermLevyReview] = DeptEmployment
}

// Rights-protection (维权, the 12385 hotline) permissions.
const (
	PermRightsRead      Perm = "rights.read"      // see cases, their timelines, lists and figures
	PermRightsWrite     Perm = "rights.write"     // record, transfer, reply, call back, close; the area's settings
	PermRightsSupervise Perm = "rights.supervise" // mark a case supervised (督办)
)

// rightsPerms: the rights department keeps the cases; township workers
// record and follow those of their township (visits, 接访); village workers
// read theirs; the leader reads and supervises. The administrators do no
// casework: the system admin only reads.
var rightsPerms = map[Role][]Perm{
	RoleCountyAdmin:    {PermRightsRead},
	RoleLeader:         {PermRightsRead, PermRightsSupervise},
	RoleCountyStaff:    {PermRightsRead, PermRightsWrite},
	RoleTownshipWorker: {PermRightsRead, PermRightsWrite},
	RoleVillageWorker:  {PermRightsRead},
}

func init() {
	Perms = append(Perms, PermRightsRead, PermRightsWrite, PermRightsSupervise)
	for r, ps := range rightsPerms {
		rolePerms[r] = append(slices.Clone(rolePerms[r]), ps...)
	}
	deptPerms[PermRightsWrite] = DeptRights
}

// Activities (活动) permissions.
const (
	PermActivityRead  Perm = "activity.read"  // see the activities log, its lists and figures
	PermActivityWrite Perm = "activity.write" // record, change and delete activities
)

// activityPerms: every department organises activities, so county staff
// write whatever their department; township workers record those of their
// township; the leader and the system admin read; village workers read
// theirs.
var activityPerms = map[Role][]Perm{
	RoleCountyAdmin:    {PermActivityRead},
	RoleLeader:         {PermActivityRead},
	RoleCountyStaff:    {PermActivityRead, PermActivityWrite},
	RoleTownshipWorker: {PermActivityRead, PermActivityWrite},
	RoleVillageWorker:  {PermActivityRead},
}

func init() {
	Perms = append(Perms, PermActivityRead, PermActivityWrite)
	for r, ps := range activityPerms {
		rolePerms[r] = append(slices.Clone(rolePerms[r]), ps...)
	}
}
