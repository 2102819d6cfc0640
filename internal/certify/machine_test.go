package certify_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/yangguang-cdpf/yangguang/internal/certify"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
)

// allowed is the state machine written out independently of the code's
// table, one move per line: from, action, to, the types ("*" every type).
// Every combination of status × action × type not listed must be refused.
const allowed = `
submitted     book          scheduled     new reassess
submitted     schedule_home scheduled     new reassess
scheduled     unbook        submitted     new reassess
scheduled     assess        assessed      new reassess
assessed      return        scheduled     new reassess
assessed      publish       publicity     new reassess
assessed      refuse        not_qualified new reassess
publicity     object        assessed      new reassess
publicity     end_publicity county_review new reassess
submitted     forward       county_review renew change replace cancel
county_review approve       approved      *
county_review reject        rejected      *
approved      issue         issued        new reassess renew change replace
approved      complete      completed     cancel
issued        deliver       delivered     new reassess renew change replace
not_qualified appeal        appealed      new reassess
rejected      appeal        appealed      *
appealed      reopen        submitted     *
appealed      dismiss       closed        *
not_qualified close         closed        new reassess
rejected      close         closed        *
submitted     withdraw      withdrawn     *
scheduled     withdraw      withdrawn     new reassess
`

func expected(t *testing.T) map[[3]string]certify.Status {
	want := map[[3]string]certify.Status{}
	for _, line := range strings.Split(strings.TrimSpace(allowed), "\n") {
		f := strings.Fields(line)
		types := f[3:]
		if types[0] == "*" {
			types = nil
			for _, ty := range certify.Types {
				types = append(types, string(ty))
			}
		}
		for _, ty := range types {
			want[[3]string{f[0], f[1], ty}] = certify.Status(f[2])
		}
	}
	return want
}

// Every status × action × type: allowed exactly when listed, to the
// listed status.
func TestTransitionTable(t *testing.T) {
	want := expected(t)
	n, refused := 0, 0
	for _, s := range certify.Statuses {
		for _, a := range certify.Actions {
			for _, ty := range certify.Types {
				to, ok := want[[3]string{string(s), string(a), string(ty)}]
				tr, got := certify.Next(s, a, ty)
				switch {
				case ok != got:
					t.Errorf("%s --%s--> (%s): allowed = %v, want %v", s, a, ty, got, ok)
				case ok && tr.To != to:
					t.Errorf("%s --%s--> (%s) goes to %s, want %s", s, a, ty, tr.To, to)
				case ok:
					n++
				default:
					refused++
				}
			}
		}
	}
	if n != len(want) || n+refused != len(certify.Statuses)*len(certify.Actions)*len(certify.Types) {
		t.Fatalf("checked %d allowed and %d refused moves, want %d allowed", n, refused, len(want))
	}
	// Final stages allow nothing.
	for _, s := range certify.Statuses {
		for _, ty := range certify.Types {
			if s.Final() && len(certify.Allowed(s, ty)) > 0 {
				t.Errorf("final %s allows %v", s, certify.Allowed(s, ty))
			}
		}
	}
}

// do carries out any action with plausible input, for the refusal test.
func (e *env) do(ctx context.Context, id string, act certify.Action) error {
	return e.try(ctx, func(tx *store.Tx) error {
		switch act {
		case certify.ActBook:
			return certify.Book(ctx, tx, countyScope, id, "", "", monday)
		case certify.ActScheduleHome:
			return certify.ScheduleHome(ctx, tx, countyScope, id, certify.HomeVisit{Day: "2026-12-02", Reason: "bedridden", ExpertIDs: []string{e.experts["dr_bone"].ID}}, monday)
		case certify.ActAssess:
			return certify.Assess(ctx, tx, countyScope, id, certify.Result{Category: registry.Physical, Grade: registry.Grade2, Findings: "x"}, monday)
		case certify.ActReturn, certify.ActPublish, certify.ActRefuse:
			return certify.Review(ctx, tx, countyScope, id, act, "note", monday)
		case certify.ActApprove, certify.ActReject:
			return certify.Decide(ctx, tx, countyScope, id, act, "note", monday)
		case certify.ActIssue:
			_, err := certify.Issue(ctx, tx, countyScope, id, monday)
			return err
		case certify.ActComplete:
			return certify.Complete(ctx, tx, countyScope, id, monday)
		case certify.ActDeliver:
			return certify.Deliver(ctx, tx, countyScope, id, "counter", monday)
		}
		return certify.Advance(ctx, tx, countyScope, id, act, "note", monday)
	})
}

// Every refused move, carried out on a stored application in each status,
// is refused as such and changes nothing.
func TestEveryRefusedTransitionChangesNothing(t *testing.T) {
	e := setup(t)
	want := expected(t)
	apps := map[certify.Type]string{}
	for i, ty := range certify.Types {
		n := certify.NewApplication{Type: ty, IDNumber: idNumber(1960+i, 100+i), Category: registry.Physical, CancelReason: "康复", NewName: "新名字"}
		if ty == certify.TypeNew {
			n.Name, n.VillageCode = "新申请", villageA
		} else {
			e.person(n.IDNumber, "在册"+string(ty), villageA, registry.Physical, registry.Grade3, "2020-01-01")
		}
		apps[ty] = e.file(n, monday).ID
	}
	ctx := e.as("reviewer")
	checked := 0
	for _, s := range certify.Statuses {
		for ty, id := range apps {
			if _, err := e.db.Exec(`UPDATE cert_applications SET status = $1 WHERE id = $2`, string(s), id); err != nil {
				t.Fatal(err)
			}
			before := e.get(id)
			events := e.count(`SELECT COUNT(*) FROM cert_events WHERE application_id = $1`, id)
			for _, a := range certify.Actions {
				if _, ok := want[[3]string{string(s), string(a), string(ty)}]; ok {
					continue
				}
				err := e.do(ctx, id, a)
				if re := refusal(t, err); re.Key != "" || re.Status != s || re.Action != a {
					t.Errorf("%s %s (%s): refused for %q, want the state machine's refusal", s, a, ty, re.Key)
				}
				if !strings.Contains(err.Error(), "不能") {
					t.Errorf("%s %s: message %q is not clear", s, a, err)
				}
				checked++
			}
			after := e.get(id)
			if after.Version != before.Version || after.Status != s ||
				e.count(`SELECT COUNT(*) FROM cert_events WHERE application_id = $1`, id) != events {
				t.Fatalf("refused moves on %s (%s) changed the application", s, ty)
			}
		}
	}
	total := len(certify.Statuses)*len(certify.Actions)*len(certify.Types) - len(want)
	if checked != total {
		t.Fatalf("checked %d refused moves, want %d", checked, total)
	}
}

// Holders cover every status that is not final.
func TestEveryOpenStatusHasAHolder(t *testing.T) {
	for _, s := range certify.Statuses {
		if h := certify.Holder(s); s.Final() != (h == "certify.holder.none") {
			t.Errorf("%s: holder %s", s, h)
		}
	}
	if !slices.Contains(certify.Statuses, certify.Delivered) {
		t.Fatal("statuses incomplete")
	}
}
