package registry_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/yangguang-cdpf/yangguang/internal/i18n"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
)

// Every message key the registry uses, written out or computed, is in
// every catalogue, so no page or API error shows a raw key.
func TestCatalogueHasEveryKey(t *testing.T) {
	keys := map[string]bool{"category.unknown": true, "grade.unknown": true, "person.sex.1": true, "person.sex.2": true}
	for _, c := range registry.Categories {
		keys[c.MessageKey()] = true
	}
	for _, g := range registry.Grades {
		keys[g.MessageKey()] = true
	}
	for _, s := range registry.Statuses {
		keys["person.status."+string(s)] = true
	}
	for _, c := range append([]registry.Change{registry.ChangeCreate, registry.ChangeUpdate}, registry.EventKinds...) {
		keys["person.change."+string(c)] = true
	}
	for _, c := range registry.EventKinds {
		keys["person.event."+string(c)] = true
		keys["person.event_hint."+string(c)] = true
	}
	for field, codes := range map[string][]string{"education": registry.Educations, "employment": registry.Employments, "marital": registry.Maritals} {
		for _, c := range codes {
			keys["person."+field+"."+c] = true
		}
	}
	for _, s := range registry.Sorts {
		keys["filter.sort."+s] = true
	}
	// Fields named in validation errors of the search.
	for _, f := range []string{"q", "area", "category", "grade", "sex", "age_from", "age_to", "status", "expires_before", "expired",
		"dibao", "tekun", "poverty", "programme", "sort", "order", "limit", "name"} {
		keys["filter."+f] = true
	}
	for _, code := range []string{registry.IDErrEmpty, registry.IDErrLength, registry.IDErrChars, registry.IDErrBirth,
		registry.IDErrFuture, registry.IDErrProvince, registry.IDErrCheck, registry.IDErrExcel} {
		keys["person.error.id_"+code] = true
	}
	// Keys written out in templates ({{.T "key"}}) and in the Go code,
	// where the audit actions look alike but are no keys.
	patterns := map[string]*regexp.Regexp{
		"templates/*.html": regexp.MustCompile(`()\.T "([a-z_.0-9]+)"`),
		"*.go":             regexp.MustCompile(`(Action\w* += )?"((?:person|registry|category|grade|flash|validate|error|action|nav|filter)\.[a-z_.0-9]*[a-z0-9])"`),
	}
	for glob, re := range patterns {
		files, err := filepath.Glob(glob)
		if err != nil || len(files) == 0 {
			t.Fatalf("no files %s", glob)
		}
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range re.FindAllStringSubmatch(string(src), -1) {
				if m[1] == "" {
					keys[m[2]] = true
				}
			}
		}
	}
	if len(keys) < 80 {
		t.Fatalf("found only %d keys: the patterns have stopped matching", len(keys))
	}
	for k := range keys {
		for _, l := range i18n.Langs {
			if !i18n.Has(l, k) {
				t.Errorf("%s: missing key %s", l, k)
			}
		}
	}
}
