package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/auth"
	"github.com/yangguang-cdpf/yangguang/internal/demo"
	"github.com/yangguang-cdpf/yangguang/internal/programme"
	"github.com/yangguang-cdpf/yangguang/internal/store"
)

// The write mix of issue #9: concurrent clients through the JSON API (a
// department's script or a field tablet), each write one transaction with
// its history and audit entries:
//   - edit a person (PUT /api/v1/persons/{id}: a new phone, with a reason),
//   - file a programme case (POST /api/v1/programmes/cases) and advance a
//     filed one (POST …/cases/{id}/actions, the township check),
//   - record a visit (PUT /api/v1/survey/tasks/{id}/answers, the survey).
// Every client works on its own persons, so no write is refused as stale:
// an error is a real failure.

// writeTargets are the rows the write mix works on, dealt out to clients.
type writeTargets struct {
	persons []string // to edit and to file cases for
	tasks   []string // open survey tasks
}

func pickWriteTargets(ctx context.Context, db *store.DB, n int) (writeTargets, error) {
	var w writeTargets
	rows, err := db.QueryContext(ctx, `SELECT id FROM persons WHERE status = 'active' ORDER BY id LIMIT $1`, n)
	if err != nil {
		return w, err
	}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return w, err
		}
		w.persons = append(w.persons, id)
	}
	rows.Close()
	// Survey tasks of this year's open round that are still with the
	// village (a visit may be recorded on them).
	rows, err = db.QueryContext(ctx, `SELECT t.id FROM survey_tasks t JOIN survey_rounds r ON r.year = t.year
		WHERE r.status = 'open' AND t.status IN ('pending', 'in_progress', 'returned') ORDER BY t.id LIMIT $1`, n)
	if err != nil {
		return w, err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return w, err
		}
		w.tasks = append(w.tasks, id)
	}
	if len(w.persons) == 0 {
		return w, fmt.Errorf("no active persons for the write mix")
	}
	return w, rows.Err()
}

// benchToken makes an API client for the write mix.
func benchToken(ctx context.Context, db *store.DB) (string, error) {
	actx := audit.WithActor(ctx, audit.Actor{ID: "bench", Name: "bench", Kind: "system"})
	var token string
	err := db.InTx(actx, func(tx *store.Tx) error {
		var err error
		_, token, err = auth.CreateAPIClient(actx, tx, fmt.Sprintf("bench-%d", time.Now().UnixNano()), demo.CountyCode,
			[]auth.Perm{auth.PermRegistryRead, auth.PermRegistryWrite, auth.PermRegistryUnmask, auth.PermProgrammeRead, auth.PermProgrammeApply, auth.PermProgrammeReview})
		return err
	})
	return token, err
}

// writeMix runs clients concurrent writers for d and reports one scenario
// per kind of write and one for all of them.
func writeMix(ctx context.Context, db *store.DB, base string, clients int, d time.Duration) ([]Scenario, error) {
	wt, err := pickWriteTargets(ctx, db, 200_000)
	if err != nil {
		return nil, err
	}
	token, err := benchToken(ctx, db)
	if err != nil {
		return nil, err
	}
	kinds := []string{"write: edit a person", "write: file a programme case", "write: advance a case (township check)", "write: record a survey visit"}
	type result struct {
		lat  []time.Duration
		errs int
		err  string
	}
	var mu sync.Mutex
	res := make([]result, len(kinds))
	var nextPerson atomic.Int64
	deadline := time.Now().Add(d)
	today := time.Now().Format(time.DateOnly)
	hc := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: clients}}
	call := func(method, path string, body any) (int, []byte, error) {
		b, _ := json.Marshal(body)
		req, _ := http.NewRequestWithContext(ctx, method, base+path, bytes.NewReader(b))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		r, err := hc.Do(req)
		if err != nil {
			return 0, nil, err
		}
		defer r.Body.Close()
		out, _ := io.ReadAll(r.Body)
		return r.StatusCode, out, nil
	}
	var wg sync.WaitGroup
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(c), 7))
			mine := make([]result, len(kinds))
			var filed []string // cases this client filed, waiting for their check
			for time.Now().Before(deadline) && ctx.Err() == nil {
				k := r.IntN(len(kinds))
				if k == 2 && len(filed) == 0 {
					k = 1
				}
				if k == 3 && len(wt.tasks) == 0 {
					k = 0
				}
				var (
					status int
					body   []byte
					err    error
					start  time.Time
					want   = http.StatusOK
				)
				switch k {
				case 0:
					id := wt.persons[int(nextPerson.Add(1))%len(wt.persons)]
					var p map[string]any
					if status, body, err = call("GET", "/api/v1/persons/"+id, nil); err == nil && status == http.StatusOK {
						_ = json.Unmarshal(body, &p)
						p["phone"] = fmt.Sprintf("139%08d", r.IntN(1e8))
						p["reason"] = "基准测试：电话更正"
						start = time.Now()
						status, body, err = call("PUT", "/api/v1/persons/"+id, p)
					}
				case 1:
					id := wt.persons[int(nextPerson.Add(1))%len(wt.persons)]
					start = time.Now()
					want = http.StatusCreated
					status, body, err = call("POST", "/api/v1/programmes/cases", map[string]any{
						"programme_id": "prog-" + programme.CodeHomeRehab, "person_id": id, "channel": "township", "subtype": "rehabilitation"})
					if err == nil && status == http.StatusCreated {
						var cs struct {
							ID string `json:"id"`
						}
						_ = json.Unmarshal(body, &cs)
						filed = append(filed, cs.ID)
					} else if status == http.StatusUnprocessableEntity && bytes.Contains(body, []byte("不能重复申请")) {
						// This person already has a live case of the
						// programme (the demo's): a refusal, not a failure.
						want = status
					}
				case 2:
					id := filed[0]
					filed = filed[1:]
					start = time.Now()
					status, body, err = call("POST", "/api/v1/programmes/cases/"+id+"/actions", map[string]any{"action": string(programme.ActCheck)})
				case 3:
					id := wt.tasks[r.IntN(len(wt.tasks))]
					start = time.Now()
					status, body, err = call("PUT", "/api/v1/survey/tasks/"+id+"/answers", map[string]any{"visited_on": today, "answers": map[string]any{}})
				}
				if start.IsZero() {
					start = time.Now()
				}
				lat := time.Since(start)
				m := &mine[k]
				m.lat = append(m.lat, lat)
				if err == nil && status != want {
					err = fmt.Errorf("status %d: %s", status, bytes.TrimSpace(body[:min(len(body), 300)]))
				}
				if err != nil {
					m.errs++
					if m.err == "" {
						m.err = err.Error()
					}
				}
			}
			mu.Lock()
			for i := range mine {
				res[i].lat = append(res[i].lat, mine[i].lat...)
				res[i].errs += mine[i].errs
				if res[i].err == "" {
					res[i].err = mine[i].err
				}
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	var out []Scenario
	var all result
	for i, k := range kinds {
		out = append(out, summarise(k, res[i].lat, res[i].errs, res[i].err, d))
		all.lat = append(all.lat, res[i].lat...)
		all.errs += res[i].errs
		if all.err == "" {
			all.err = res[i].err
		}
	}
	out = append(out, summarise(fmt.Sprintf("write mix, all (%d clients)", clients), all.lat, all.errs, all.err, d))
	for i := range out {
		out[i].Clients = clients
	}
	return out, nil
}

func summarise(name string, lat []time.Duration, errs int, first string, d time.Duration) Scenario {
	sc := Scenario{Name: name, Errors: errs, FirstError: first, Requests: len(lat)}
	slices.Sort(lat)
	if len(lat) > 0 {
		q := func(p float64) float64 {
			return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Microseconds()) / 1000
		}
		sc.P50ms, sc.P95ms, sc.P99ms = q(.50), q(.95), q(.99)
		sc.PerSec = float64(len(lat)) / d.Seconds()
	}
	return sc
}
