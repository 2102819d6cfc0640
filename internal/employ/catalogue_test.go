package employ_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/yangguang-cdpf/yangguang/internal/employ"
	"github.com/yangguang-cdpf/yangguang/internal/i18n"
)

// Every message key the pages and the code name exists, so no page shows
// a raw key; the keys built from codes are checked code by code.
func TestCatalogueHasEveryKey(t *testing.T) {
	files, _ := filepath.Glob("templates/*.html")
	goFiles, _ := filepath.Glob("*.go")
	re := regexp.MustCompile(`"((?:employ|validate|action|nav|flash)\.[a-z_.]+)"`)
	for _, f := range append(files, goFiles...) {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			k := m[1]
			// Prefixes completed by a code, and audit action names.
			if strings.HasSuffix(k, ".") || strings.Count(k, ".") >= 2 && (strings.HasSuffix(k, ".create") || strings.HasSuffix(k, ".update") ||
				strings.HasSuffix(k, ".save") || strings.HasSuffix(k, ".end") || strings.HasSuffix(k, ".move") || strings.HasSuffix(k, ".assign") ||
				strings.HasSuffix(k, ".worker") || strings.HasSuffix(k, ".worker_end") || strings.HasSuffix(k, ".session") || strings.HasSuffix(k, ".enrol") ||
				strings.HasSuffix(k, ".attendance") || strings.HasSuffix(k, ".finish") || strings.HasSuffix(k, ".person") || strings.HasSuffix(k, ".suggestion") ||
				strings.HasSuffix(k, ".close")) && !i18n.Has(i18n.ZH, k) {
				continue
			}
			if k == "employ.seeker" || k == "employ.leave" || k == "employ.demo" || k == "employ.settings" || k == "employ.write" {
				continue
			}
			if !i18n.Has(i18n.ZH, k) {
				t.Errorf("%s: no message %s", f, k)
			}
		}
	}
	for prefix, codes := range map[string][]string{
		"employ.availability.": employ.Availabilities, "employ.kind.": employ.CourseKinds, "employ.course_status.": {employ.CourseOpen, employ.CourseFinished},
		"employ.project_status.": employ.ProjectStatuses, "employ.project_move.": {employ.ProjectSupported, employ.ProjectRefused, employ.ProjectClosed},
		"employ.place_kind.": employ.PlaceKinds, "employ.role.": employ.WorkerRoles, "employ.campaign_kind.": employ.CampaignKinds,
		"employ.wish_type.": employ.WishTypes, "employ.wish_status.": employ.WishStatuses, "employ.figures.person_times.": {employ.BasisCompletions, employ.BasisEnrolments},
		"employ.target.": {"training", "projects", "greenhouses", "bases"},
	} {
		for _, c := range codes {
			if !i18n.Has(i18n.ZH, prefix+c) {
				t.Errorf("no message %s%s", prefix, c)
			}
		}
	}
	for _, d := range employ.SettingDefs {
		if !i18n.Has(i18n.ZH, "employ.setting."+d.Key) {
			t.Errorf("no message employ.setting.%s", d.Key)
		}
	}
}
