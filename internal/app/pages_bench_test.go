package app_test

import (
	"context"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/app/apptest"
	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/auth"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
)

// Benchmarks of whole page requests through the real handler (no network),
// for profiles of the fixed cost of a page:
//
//	go test ./internal/app/ -run '^$' -bench Page -cpuprofile cpu.out
func BenchmarkPage(b *testing.B) {
	e := apptest.New(b)
	ctx := context.Background()
	all, err := area.InScope(ctx, e.DB, area.ScopeOf(county))
	if err != nil {
		b.Fatal(err)
	}
	var villages []area.Area
	for _, a := range all {
		if a.Level == area.Village {
			villages = append(villages, a)
		}
	}
	persons := registry.Demo(rand.New(rand.NewPCG(1, 2)), villages, 20000, time.Now())
	if err := registry.BulkInsert(ctx, e.DB, persons); err != nil {
		b.Fatal(err)
	}
	e.CreateUser("staff", auth.RoleCountyStaff, auth.DeptCertification, county)
	c := e.SignIn("staff")
	cookies := c.HTTP.Jar.Cookies(mustURL(e.Server.URL))
	for _, page := range []struct{ name, path string }{
		{"id-lookup", "/registry?q=" + persons[777].IDNumber},
		{"filtered", "/registry?area=341599101000&category=4"},
		{"person", "/registry/persons/" + persons[777].ID},
		{"home", "/"},
	} {
		b.Run(page.name, func(b *testing.B) {
			for b.Loop() {
				req := httptest.NewRequest(http.MethodGet, page.path, nil)
				for _, ck := range cookies {
					req.AddCookie(ck)
				}
				rec := httptest.NewRecorder()
				e.App.Handler.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("%s: %d", page.path, rec.Code)
				}
			}
		})
	}
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}
