package registry_test

import (
	"testing"

	"github.com/yangguang-cdpf/yangguang/internal/registry"
)

func TestNameInitials(t *testing.T) {
	for _, c := range []struct{ name, want string }{
		{"张三丰", "zsf"},
		{"王秀英", "wxy"},
		{"李", "l"},
		{"欧阳娜娜", "oynn"},
		{"阿依古丽·买买提", "ayglmmt"}, // the middle dot is dropped
		{"Anna 李", "annal"},     // Latin letters kept, lower-cased
		{"", ""},
		{"张3", "z"},
	} {
		if got := registry.NameInitials(c.name); got != c.want {
			t.Errorf("NameInitials(%q) = %q, want %q", c.name, got, c.want)
		}
	}
}
