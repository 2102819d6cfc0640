package auth

import "testing"

// 三员分立: each administrator's duty belongs to that administrator's role
// alone, and no role holds two duties.
func TestThreeAdministratorDutiesAreSeparate(t *testing.T) {
	for _, r := range append(Roles, RolePending) {
		var held []Perm
		for _, duty := range AdminDuties {
			if RoleHas(r, duty) {
				held = append(held, duty)
			}
		}
		want := 0
		if _, admin := AdminDuties[r]; admin {
			want = 1
		}
		if len(held) != want {
			t.Errorf("%q holds administrator duties %v, want %d", r, held, want)
		}
	}
	for role, duty := range AdminDuties {
		if !role.Admin() || !RoleHas(role, duty) {
			t.Errorf("%s lacks its own duty %s", role, duty)
		}
	}
}

// What each administrator may and may not do.
func TestAdministratorPermissions(t *testing.T) {
	cases := []struct {
		role Role
		perm Perm
		want bool
	}{
		{RoleCountyAdmin, PermUsersManage, true},
		{RoleCountyAdmin, PermSettingsManage, true},
		{RoleCountyAdmin, PermAuditRead, false},
		{RoleCountyAdmin, PermAuditManage, false},
		{RoleCountyAdmin, PermSecurityManage, false}, // gives no role or scope
		{RoleCountyAdmin, PermAPIManage, false},      // gives no token
		{RoleSecurityAdmin, PermSecurityManage, true},
		{RoleSecurityAdmin, PermAPIManage, true},
		{RoleSecurityAdmin, PermUsersManage, false},
		{RoleSecurityAdmin, PermAuditRead, false},
		{RoleSecurityAdmin, PermRegistryRead, false}, // no county work
		{RoleSecurityAdmin, PermWorkRead, false},
		{RoleAuditor, PermAuditRead, true},
		{RoleAuditor, PermAuditManage, true},
		{RoleAuditor, PermRegistryRead, false}, // the audit log and nothing else
		{RoleAuditor, PermWorkRead, false},
		{RoleAuditor, PermReportsRead, false},
		{RoleAuditor, PermCertifyRead, false},
		{RoleAuditor, PermProgrammeRead, false},
		{RoleAuditor, PermEmployRead, false},
		{RoleAuditor, PermLevyRead, false},
		{RoleAuditor, PermUsersManage, false},
		{RolePending, PermRegistryRead, false},
		{RoleLeader, PermAuditRead, false},
	}
	for _, c := range cases {
		if got := RoleHas(c.role, c.perm); got != c.want {
			t.Errorf("%q has %s: %v, want %v", c.role, c.perm, got, c.want)
		}
	}
	// The auditor's whole list, so a later block cannot widen it unseen.
	for _, p := range Perms {
		if RoleHas(RoleAuditor, p) && p != PermAuditRead && p != PermAuditManage {
			t.Errorf("auditor holds %s", p)
		}
	}
}

// API clients (tokens of other systems) never get an administrator's
// permission.
func TestAPIPermsExcludeAdministration(t *testing.T) {
	for _, p := range APIPerms() {
		if AdminPerm(p) {
			t.Errorf("API clients may be given %s", p)
		}
	}
	for _, p := range []Perm{PermAuditRead, PermAuditManage, PermUsersManage, PermSecurityManage, PermAPIManage, PermAreasManage, PermSettingsManage} {
		if !AdminPerm(p) {
			t.Errorf("%s is not counted as an administrator's permission", p)
		}
	}
	if len(APIPerms()) == 0 {
		t.Fatal("no permission left for API clients")
	}
}

// Rights cases: the rights department and township workers write, the
// leader supervises, other departments and the administrators only read or
// nothing.
func TestRightsPermissions(t *testing.T) {
	cases := []struct {
		role Role
		dept Department
		perm Perm
		want bool
	}{
		{RoleCountyStaff, DeptRights, PermRightsWrite, true},
		{RoleCountyStaff, DeptCertification, PermRightsWrite, false},
		{RoleCountyStaff, DeptCertification, PermRightsRead, true},
		{RoleCountyStaff, DeptRights, PermRightsSupervise, false},
		{RoleLeader, "", PermRightsSupervise, true},
		{RoleLeader, "", PermRightsWrite, false},
		{RoleTownshipWorker, "", PermRightsWrite, true},
		{RoleVillageWorker, "", PermRightsWrite, false},
		{RoleVillageWorker, "", PermRightsRead, true},
		{RoleCountyAdmin, "", PermRightsWrite, false},
		{RoleSecurityAdmin, "", PermRightsRead, false},
		{RoleAuditor, "", PermRightsRead, false},
		{RoleExpert, "", PermRightsRead, false},
		{RoleEmployer, "", PermRightsRead, false},
	}
	for _, c := range cases {
		if got := RoleHas(c.role, c.perm) && DeptAllows(c.role, c.dept, c.perm); got != c.want {
			t.Errorf("%s/%s has %s: %v, want %v", c.role, c.dept, c.perm, got, c.want)
		}
	}
}

// Activities: every department's staff and the township workers record;
// the leader, the system admin and village workers read; the other
// administrators, experts and employers see nothing.
func TestActivityPermissions(t *testing.T) {
	cases := []struct {
		role Role
		dept Department
		perm Perm
		want bool
	}{
		{RoleCountyStaff, DeptCertification, PermActivityWrite, true},
		{RoleCountyStaff, DeptFinance, PermActivityWrite, true},
		{RoleTownshipWorker, "", PermActivityWrite, true},
		{RoleLeader, "", PermActivityRead, true},
		{RoleLeader, "", PermActivityWrite, false},
		{RoleCountyAdmin, "", PermActivityRead, true},
		{RoleCountyAdmin, "", PermActivityWrite, false},
		{RoleVillageWorker, "", PermActivityRead, true},
		{RoleVillageWorker, "", PermActivityWrite, false},
		{RoleSecurityAdmin, "", PermActivityRead, false},
		{RoleAuditor, "", PermActivityRead, false},
		{RoleExpert, "", PermActivityRead, false},
		{RoleEmployer, "", PermActivityRead, false},
	}
	for _, c := range cases {
		if got := RoleHas(c.role, c.perm) && DeptAllows(c.role, c.dept, c.perm); got != c.want {
			t.Errorf("%s/%s has %s: %v, want %v", c.role, c.dept, c.perm, got, c.want)
		}
	}
}
