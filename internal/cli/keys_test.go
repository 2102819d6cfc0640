package cli

import (
	"strings"
	"testing"

	"github.com/yangguang-cdpf/yangguang/internal/store/storetest"
)

// keys status lists which key sealed how many values; keys rotate makes a
// new key current and re-seals everything with it, and is audited.
func TestKeysRotate(t *testing.T) {
	db := []string{"--db", storetest.DSN(t)}
	if r := run(t, append([]string{"demo", "--persons", "60"}, db...)...); r.code != 0 {
		t.Fatalf("demo: %+v", r)
	}
	r := run(t, append([]string{"keys", "status"}, db...)...)
	if r.code != 0 || !strings.Contains(r.stdout, "persons.id_number\t") {
		t.Fatalf("status: %+v", r)
	}
	r = run(t, append([]string{"keys", "rotate", "--batch", "7", "--settle", "0s"}, db...)...)
	if r.code != 0 || !strings.Contains(r.stdout, "rotated ") || strings.Contains(r.stdout, " 0 values re-sealed") {
		t.Fatalf("rotate: %+v", r)
	}
	cur := strings.Fields(r.stdout[strings.LastIndex(r.stdout, "rotated "):])[3] // rotated k1 -> k2, …
	cur = strings.TrimSuffix(cur, ",")
	r = run(t, append([]string{"keys", "status"}, db...)...)
	if r.code != 0 {
		t.Fatalf("status: %+v", r)
	}
	for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n")[1:] {
		if _, counts, _ := strings.Cut(line, "\t"); counts != "" && strings.Trim(counts, " ") != "" {
			for _, c := range strings.Fields(counts) {
				if !strings.HasPrefix(c, cur+"=") {
					t.Errorf("after rotation %s", line)
				}
			}
		}
	}
	if r := run(t, append([]string{"audit", "verify"}, db...)...); r.code != 0 {
		t.Errorf("audit chain after rotation: %+v", r)
	}
	if r := run(t, append([]string{"keys", "nonsense"}, db...)...); r.code == 0 {
		t.Error("unknown keys subcommand accepted")
	}
}
