package device_test

import (
	"testing"

	"github.com/yangguang-cdpf/yangguang/internal/auth"
	"github.com/yangguang-cdpf/yangguang/internal/device"
)

// Every pair of status and action is either in the table, with the status
// it leads to and who may do it, or refused.
func TestMachineAllowsExactlyTheTable(t *testing.T) {
	type move struct {
		to   device.ItemStatus
		perm auth.Perm
	}
	w, a := auth.PermProgrammeWrite, auth.PermProgrammeApply
	want := map[device.ItemStatus]map[device.Action]move{
		device.InStock: {
			device.ActMove: {device.InStock, w}, device.ActRepair: {device.InRepair, w}, device.ActScrap: {device.Scrapped, w},
			device.ActLend: {device.OnLoan, a},
		},
		device.OnLoan: {
			device.ActReturn: {device.InStock, a}, device.ActReturnRepair: {device.InRepair, a}, device.ActExtend: {device.OnLoan, a},
			device.ActLose: {device.Lost, a},
		},
		device.InRepair: {device.ActRepaired: {device.InStock, w}, device.ActScrap: {device.Scrapped, w}},
		device.Scrapped: {},
		device.Lost:     {device.ActFound: {device.InStock, w}},
	}
	for _, s := range device.ItemStatuses {
		for _, act := range device.Actions {
			tr, ok := device.Next(s, act)
			m, allowed := want[s][act]
			switch {
			case allowed && !ok:
				t.Errorf("%s --%s--> refused, want %s", s, act, m.to)
			case !allowed && ok:
				t.Errorf("%s --%s--> %s allowed, want refused", s, act, tr.To)
			case allowed && (tr.To != m.to || tr.Perm != m.perm):
				t.Errorf("%s --%s--> %s by %s, want %s by %s", s, act, tr.To, tr.Perm, m.to, m.perm)
			}
		}
	}
	if got := device.Allowed(device.Scrapped); len(got) != 0 {
		t.Errorf("a scrapped item allows %v", got)
	}
}

func TestParseYuan(t *testing.T) {
	for _, c := range []struct {
		in  string
		fen int64
		ok  bool
	}{
		{"0", 0, true}, {"50", 5000, true}, {"50.5", 5050, true}, {"1,200.05", 120005, true}, {"¥30", 3000, true},
		{"", 0, false}, {"-1", 0, false}, {"1.234", 0, false}, {"abc", 0, false}, {"1.", 0, false}, {".5", 0, false},
	} {
		fen, ok := device.ParseYuan(c.in)
		if ok != c.ok || (ok && fen != c.fen) {
			t.Errorf("ParseYuan(%q) = %d, %v; want %d, %v", c.in, fen, ok, c.fen, c.ok)
		}
	}
	if got := device.Yuan(120005); got != "1200.05" {
		t.Errorf("Yuan = %s", got)
	}
}
