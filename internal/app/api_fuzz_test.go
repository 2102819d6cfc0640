package app_test

import (
	"bytes"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/yangguang-cdpf/yangguang/internal/app/apptest"
	"github.com/yangguang-cdpf/yangguang/internal/auth"
)

// FuzzAPIJSON sends arbitrary bytes as the JSON body of every API write
// endpoint without a path parameter (the decoders of persons, cases,
// surveys, renovations, declarations …), with a token that may call them:
// whatever arrives, the answer is never a 5xx, and a refusal says why in
// JSON. Seeds: a valid-looking body, wrong types, truncation, NUL, deep
// nesting, a huge number.
func FuzzAPIJSON(f *testing.F) {
	e := apptest.New(f)
	token := e.APIClient("fuzz", "341599000000", auth.APIPerms()...)
	var routes []string
	for _, r := range e.App.Router.Routes() {
		if r.API && (r.Method == http.MethodPost || r.Method == http.MethodPut) && !strings.Contains(r.Path, "{") {
			routes = append(routes, r.Method+" "+r.Path)
		}
	}
	sort.Strings(routes)
	if len(routes) < 5 {
		f.Fatalf("only %d API write routes found: %v", len(routes), routes)
	}
	for i, body := range []string{
		`{"id_number":"341599196203140073","name":"张三","village_code":"341599001001","category":4,"grade":2}`,
		`{"category":"four","grade":[2],"name":{"x":1}}`,
		`{"name":"`, `[]`, `null`, `""`, `{"name":"a\u0000b"}`, strings.Repeat(`[`, 5000),
		`{"amount_fen":1e400,"year":-99999999999999999999}`, `{"year":2026,"month":"2026-13"}`,
	} {
		f.Add(uint8(i), []byte(body))
	}
	f.Fuzz(func(t *testing.T, pick uint8, body []byte) {
		route := routes[int(pick)%len(routes)]
		method, path, _ := strings.Cut(route, " ")
		req, err := http.NewRequest(method, e.Server.URL+path, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", route, err)
		}
		defer res.Body.Close()
		if res.StatusCode >= 500 {
			t.Fatalf("%s answered %d to %q", route, res.StatusCode, body)
		}
		if res.StatusCode >= 400 && !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
			t.Fatalf("%s refused with %s, not JSON", route, res.Header.Get("Content-Type"))
		}
	})
}
