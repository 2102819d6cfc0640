package web

import "github.com/yangguang-cdpf/yangguang/internal/auth"

// NavItem is one area of the federation's work in the main navigation.
type NavItem struct {
	Key   string // i18n key "nav.<key>" and the Section pages set
	Href  string
	Perm  auth.Perm
	Built bool // false: the page says plainly that the area is not built yet
}

// Areas is every area of work, in the order of the report.
var Areas = []NavItem{
	{Key: "home", Href: "/", Perm: auth.PermSignedIn, Built: true},
	{Key: "registry", Href: "/registry", Perm: auth.PermRegistryRead, Built: true},
	{Key: "certify", Href: "/certify", Perm: auth.PermCertifyRead, Built: true},
	{Key: "programmes", Href: "/programmes", Perm: auth.PermProgrammeRead, Built: true},
	{Key: "renovation", Href: "/renovation", Perm: auth.PermProgrammeRead, Built: true},
	{Key: "employment", Href: "/employment", Perm: auth.PermEmployRead, Built: true},
	{Key: "rights", Href: "/rights", Perm: auth.PermRightsRead, Built: true},
	{Key: "activities", Href: "/activities", Perm: auth.PermActivityRead, Built: true},
	{Key: "archive", Href: "/archive", Perm: auth.PermWorkRead},
	{Key: "reports", Href: "/reports", Perm: auth.PermReportsRead, Built: true},
	{Key: "admin", Href: "/admin", Perm: auth.PermSignedIn, Built: true},
	{Key: "audit", Href: "/audit", Perm: auth.PermAuditRead, Built: true},
}

func navFor(p *auth.Principal) []NavItem {
	if p == nil || p.Kind != "user" {
		return nil
	}
	var out []NavItem
	for _, it := range Areas {
		if it.Key == "admin" && !(p.Can(auth.PermUsersManage) || p.Can(auth.PermAreasManage) || p.Can(auth.PermAPIManage) || p.Can(auth.PermSecurityManage) || p.Can(auth.PermSettingsManage)) {
			continue
		}
		if p.Can(it.Perm) {
			out = append(out, it)
		}
	}
	return out
}
