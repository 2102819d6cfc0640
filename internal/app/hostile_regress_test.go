package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/yangguang-cdpf/yangguang/internal/app/apptest"
	"github.com/yangguang-cdpf/yangguang/internal/auth"
	"github.com/yangguang-cdpf/yangguang/internal/web"
)

// The findings of the hostile-input sweep, one row each, on a small
// system: the answer the fix gives, its message, and nothing written.
func TestHostileRegressions(t *testing.T) {
	e := apptest.New(t)
	e.CreateUser("reg_staff", auth.RoleCountyStaff, auth.DeptRehabilitation, county)
	staff := e.SignIn("reg_staff")
	token := e.APIClient("reg", county, auth.APIPerms()...)
	count := func(table string) int {
		var n int
		if err := e.DB.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	raw := func(c *apptest.Client, path, ctype string, body []byte) apptest.Response {
		req, _ := http.NewRequest(http.MethodPost, e.Server.URL+path, bytes.NewReader(body))
		req.Header.Set("Content-Type", ctype)
		req.Header.Set("X-CSRF-Token", c.CSRF())
		res, err := c.HTTP.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return apptest.Response{StatusCode: res.StatusCode, Header: res.Header, Body: string(b)}
	}
	apiRaw := func(method, path string, body []byte) apptest.Response {
		req, _ := http.NewRequest(method, e.Server.URL+path, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return apptest.Response{StatusCode: res.StatusCode, Header: res.Header, Body: string(b)}
	}
	filters := func() int { return count("saved_filters") }

	for _, c := range []struct {
		name  string
		do    func() apptest.Response
		code  int
		want  string     // in the body
		still func() int // a count that must not move (nil: none)
	}{
		// renovate.List read a short area code's digit groups: a panic.
		{"renovations API, short area code", func() apptest.Response { return e.API("GET", "/api/v1/renovations?area=341", token, nil) }, http.StatusOK, `"items"`, nil},
		{"renovation list, short area code", func() apptest.Response { return staff.Get("/renovation?area=12") }, http.StatusOK, "无障碍改造", nil},
		// A year over int64 was the largest int: PostgreSQL refused it.
		{"survey tasks API, year out of range", func() apptest.Response {
			return e.API("GET", "/api/v1/survey/tasks?year=99999999999999999999999", token, nil)
		}, http.StatusNotFound, "不存在", nil}, // no round of a year that is none
		{"survey round, year out of range", func() apptest.Response {
			return staff.PostForm("/survey/rounds", url.Values{"year": {"99999999999999999999999"}, "due_on": {"2026-12-31"}})
		}, http.StatusUnprocessableEntity, `aria-invalid="true"`, func() int { return count("survey_rounds") }},
		// The saved filter redirected to the raw posted query.
		{"saved filter, query re-encoded in the redirect", func() apptest.Response {
			return staff.PostForm("/registry/filters", url.Values{"name": {"筛选"}, "query": {"q=<script>&category=1"}})
		}, http.StatusSeeOther, "", nil},
		// Text no browser sends and PostgreSQL cannot store.
		{"form field with a NUL", func() apptest.Response {
			return staff.PostForm("/registry/filters", url.Values{"name": {"a\x00b"}, "query": {"q=x"}})
		}, http.StatusBadRequest, "「name」含有无效字符", filters},
		{"form field not UTF-8", func() apptest.Response {
			return staff.PostForm("/registry/filters", url.Values{"name": {"\xff\xfe"}, "query": {"q=x"}})
		}, http.StatusBadRequest, "「name」含有无效字符", filters},
		{"query not UTF-8", func() apptest.Response { return staff.Get("/registry?q=%FF%FE") }, http.StatusBadRequest, "「q」含有无效字符", nil},
		{"API JSON string with a NUL", func() apptest.Response {
			return apiRaw("POST", "/api/v1/persons", []byte(`{"name": "张\u0000三", "id_number": "x"}`))
		}, http.StatusBadRequest, `"field": "name"`, func() int { return count("persons") }},
		// Bodies the handlers could not read were taken for empty forms,
		// or failed the CSRF check with a misleading message.
		{"form body over the limit", func() apptest.Response {
			return raw(staff, "/registry/filters", "application/x-www-form-urlencoded", []byte("name="+strings.Repeat("a", web.MaxFormBody+1)))
		}, http.StatusRequestEntityTooLarge, "内容过大", filters},
		{"multipart with a broken boundary", func() apptest.Response {
			return raw(staff, "/registry/filters", "multipart/form-data; boundary=AAA", []byte("--BBB\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nx\r\n--BBB"))
		}, http.StatusBadRequest, "请求格式不正确", filters},
		{"multipart without a boundary", func() apptest.Response {
			return raw(staff, "/certify/applications", "multipart/form-data", []byte("--x\r\n\r\n"))
		}, http.StatusBadRequest, "请求格式不正确", func() int { return count("cert_applications") }},
		{"broken URL encoding", func() apptest.Response {
			return raw(staff, "/registry/filters", "application/x-www-form-urlencoded", []byte("name=%zz&query=%"))
		}, http.StatusBadRequest, "请求格式不正确", filters},
	} {
		before := -1
		if c.still != nil {
			before = c.still()
		}
		res := c.do()
		if res.StatusCode != c.code || !strings.Contains(res.Body, c.want) {
			t.Errorf("%s: %d, want %d with %q\n%.600s", c.name, res.StatusCode, c.code, c.want, res.Body)
		}
		if c.still != nil && c.still() != before {
			t.Errorf("%s: refused, but the count moved from %d to %d", c.name, before, c.still())
		}
	}
	// The redirect of the saved filter carries the query encoded.
	res := staff.PostForm("/registry/filters", url.Values{"name": {"筛选二"}, "query": {"q=<b>&category=1"}})
	if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || strings.ContainsAny(loc, "<>") {
		t.Errorf("saved filter redirect: %d %q", res.StatusCode, loc)
	}
	// The API names the field with a NUL in its fields list.
	r := apiRaw("PUT", "/api/v1/persons/"+noSuchID, []byte(`{"phone": "1\u00002"}`))
	var ae web.APIError
	if err := json.Unmarshal([]byte(r.Body), &ae); err != nil || r.StatusCode != http.StatusBadRequest || len(ae.Error.Fields) != 1 || ae.Error.Fields[0].Field != "phone" {
		t.Errorf("NUL in a PUT: %d %s", r.StatusCode, r.Body)
	}
}

// The sweep's checks are not vacuous: an unescaped echo, a refused
// request that wrote, an escaped value in the database and a 4xx without
// a message are each reported.
func TestHostileChecksReport(t *testing.T) {
	e := apptest.New(t)
	h := &hostile{t: t, w: &permWorld{e: e}, known: map[string]bool{}, byRoute: map[string]map[int]int{}}
	h.snap = newHSnapshotter(t, e.DB)
	h.last = h.snap.take()
	html := http.Header{"Content-Type": {"text/html; charset=utf-8"}}
	js := http.Header{"Content-Type": {"application/json"}}
	for _, c := range []struct {
		name  string
		q     hReq
		res   apptest.Response
		write string // SQL run before the check (a "half-write")
		want  string // in the finding
	}{
		{"unescaped echo", hReq{key: "POST /x", label: "l"}, apptest.Response{StatusCode: 422, Header: html, Body: `<div role="alert">` + hScript + `</div>`}, "", "unescaped"},
		{"attribute breakout echoed", hReq{key: "POST /x", label: "l"}, apptest.Response{StatusCode: 200, Header: html, Body: `<input value=""` + hImgRaw + `">`}, "", "unescaped"},
		{"5xx", hReq{key: "POST /x", label: "l"}, apptest.Response{StatusCode: 500, Header: html, Body: "出错了"}, "", "500"},
		{"refused but wrote", hReq{key: "POST /x", label: "l"}, apptest.Response{StatusCode: 422, Header: html, Body: `<div role="alert">x</div>`},
			`INSERT INTO saved_filters (id, user_id, name, query, created_at) VALUES ('f1', 'u', 'n', '', '')`, "changed saved_filters"},
		{"stored escaped", hReq{key: "POST /x", label: "l", values: []string{hScript}}, apptest.Response{StatusCode: 303, Header: html},
			`INSERT INTO saved_filters (id, user_id, name, query, created_at) VALUES ('f2', 'u', '&lt;script&gt;alert(1)&lt;/script&gt;', '', '')`, "HTML-escaped"},
		{"stored cut", hReq{key: "POST /x", label: "l", values: []string{hSQLDrop}}, apptest.Response{StatusCode: 303, Header: html},
			`INSERT INTO saved_filters (id, user_id, name, query, created_at) VALUES ('f3', 'u', 'DROP TABLE persons; --', '', '')`, "altered"},
		{"API 4xx without a message", hReq{key: "POST /api/v1/x", label: "l", api: true}, apptest.Response{StatusCode: 400, Header: js, Body: `{}`}, "", "without an API error body"},
		{"page 4xx without a message", hReq{key: "POST /x", label: "l"}, apptest.Response{StatusCode: 400, Header: html, Body: `<p>no</p>`}, "", "without an error message"},
	} {
		h.bugs = nil
		if c.write != "" {
			if _, err := e.DB.ExecContext(context.Background(), c.write); err != nil {
				t.Fatal(err)
			}
		}
		h.check(c.q, c.res, true)
		if len(h.bugs) == 0 || !strings.Contains(strings.Join(h.bugs, "\n"), c.want) {
			t.Errorf("%s: findings %q, want one with %q", c.name, h.bugs, c.want)
		}
	}
	// And an accepted request that stored a hostile value exactly is fine.
	h.bugs = nil
	if _, err := e.DB.ExecContext(context.Background(), `INSERT INTO saved_filters (id, user_id, name, query, created_at) VALUES ('f4', 'u', $1, '', '')`, hSQLDrop); err != nil {
		t.Fatal(err)
	}
	h.check(hReq{key: "POST /x", label: "l", values: []string{hSQLDrop}}, apptest.Response{StatusCode: 303, Header: html}, true)
	if len(h.bugs) != 0 || h.stored != 1 {
		t.Errorf("a value stored exactly: findings %q, %d stored", h.bugs, h.stored)
	}
}
