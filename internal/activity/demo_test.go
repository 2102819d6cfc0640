package activity_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/activity"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/indicator"
)

// yearEnd is the demo's today: the whole year is past.
var yearEnd = time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)

// The demo year: every kind, the study rhythm (monthly party-group study,
// cadre study twice a month), outreach round the townships, events with
// registered participants and the games' awards — and the same rows for
// the same seed.
func TestDemo(t *testing.T) {
	run := func() (string, map[string]int) {
		e := setup(t)
		for i := range 40 {
			v := villageA
			if i%2 == 1 {
				v = villageB
			}
			e.person(fmt.Sprintf("居民%02d", i), v, 101+2*i)
		}
		ctx := audit.WithActor(context.Background(), audit.System)
		if err := activity.Demo(ctx, e.db, rand.New(rand.NewPCG(7, 9)), yearEnd); err != nil {
			t.Fatal(err)
		}
		list, err := activity.List(ctx, e.db, countyScope, activity.Filter{Limit: 5000})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]int{}
		var b strings.Builder
		for _, r := range list {
			out[r.Kind]++
			out["reflections"] += r.Reflections
			out["awards"] += r.Awarded
			out["listed"] += r.Listed
			out[r.AreaCode]++
			a, err := activity.Get(ctx, e.db, countyScope, r.ID)
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&b, "%s %s %s %d %d %d|", r.StartOn, r.Kind, r.Title, r.Reflections, r.PersonTimes(), len(a.Awards))
			for _, p := range a.Participants {
				b.WriteString(p.PersonName + ",")
			}
		}
		// The report's figures of the year read the demo.
		p := indicator.Period{From: "2026-01-01", To: "2026-12-31"}
		for _, key := range []string{"party_group_study_sessions", "event_awards"} {
			ind, _ := indicator.Get(key)
			res, err := indicator.Evaluate(ctx, e.db, ind, countyScope, p)
			if err != nil {
				t.Fatal(err)
			}
			out["figure."+key] = int(res.Value.Num)
		}
		return b.String(), out
	}
	rows, got := run()
	t.Logf("demo: %v", got)
	// The whole year: twelve party-group study sessions, 24 of cadre
	// study, four seminars, the outreach trips, the events (two
	// performances: 助残日 and 3 December), one culture day per township.
	for k, want := range map[string]int{activity.KindPartyGroupStudy: 12, activity.KindCadreStudy: 24, activity.KindSeminar: 4,
		activity.KindOutreach: activity.DemoOutreach(40), activity.KindCompetition: 1, activity.KindFitnessWeek: 1, activity.KindPerformance: 2,
		activity.KindModelSelection: 1, activity.KindPrevention: 2, activity.KindCulture: 2,
		"figure.party_group_study_sessions": 12, "awards": 7, "figure.event_awards": 7} {
		if got[k] != want {
			t.Errorf("demo %s: %d, want %d", k, got[k], want)
		}
	}
	if got["reflections"] == 0 || got["listed"] == 0 || got[townA] == 0 || got[townB] == 0 {
		t.Errorf("demo lacks reflections, participants or a township: %v", got)
	}
	if again, _ := run(); again != rows {
		t.Error("the demo differs for the same seed")
	}
}
