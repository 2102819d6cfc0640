package auth

import "testing"

// Can applies the department rule of county staff, so the router, the
// templates and the handlers agree on it.
func TestCanAppliesDepartment(t *testing.T) {
	for _, tc := range []struct {
		role Role
		dept Department
		perm Perm
		want bool
	}{
		{RoleCountyStaff, DeptRehabilitation, PermProgrammeApply, true},
		{RoleCountyStaff, DeptCertification, PermProgrammeApply, false},
		{RoleCountyStaff, DeptCertification, PermProgrammeRead, true}, // reading is not department-limited
		{RoleCountyStaff, DeptFinance, PermPaymentWrite, true},
		{RoleCountyStaff, DeptRehabilitation, PermPaymentWrite, false},
		{RoleCountyStaff, DeptEmployment, PermLevyReview, true},
		{RoleCountyStaff, DeptRights, PermLevyReview, false},
		{RoleTownshipWorker, "", PermProgrammeApply, true}, // only county staff have departments
		{RoleLeader, "", PermProgrammeApply, false},
	} {
		p := &Principal{Kind: "user", Role: tc.role, Department: tc.dept}
		if got := p.Can(tc.perm); got != tc.want {
			t.Errorf("%s/%s Can(%s) = %v, want %v", tc.role, tc.dept, tc.perm, got, tc.want)
		}
	}
}
