package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// The member of a JSON document whose string holds a NUL.
func TestNULField(t *testing.T) {
	for _, c := range []struct {
		body  string
		field string
		found bool
	}{
		{`{"name": "张三"}`, "", false},
		{`{"name": "张\u0000三"}`, "name", true},
		{`{"name": "x", "note": "a\u0000"}`, "note", true},
		{`{"a": {"b": ["x", "\u0000"]}}`, "b", true},
		{`{"items": [{"id": 1}, {"text": "\u0000"}]}`, "text", true},
		{`{"a\u0000b": 1}`, "ab", true},
		{`"\u0000"`, "", true},
		{`{"path": "C:\\u0000"}`, "", false}, // a backslash, then "u0000": no NUL
		{`{"name": "\u0000`, "", false},      // does not parse: the handler refuses it
		{`[1, 2, {"x": null}]`, "", false},
	} {
		field, found := nulField([]byte(c.body))
		if field != c.field || found != c.found {
			t.Errorf("%s: %q %v, want %q %v", c.body, field, found, c.field, c.found)
		}
	}
}

// The first field, by name, whose name or value is not UTF-8 or holds a NUL.
func TestBadText(t *testing.T) {
	for _, c := range []struct {
		vs   url.Values
		want string
	}{
		{url.Values{"name": {"张三"}, "note": {"' OR 1=1 --", "<script>"}}, ""},
		{url.Values{"name": {"a\x00b"}}, "name"},
		{url.Values{"b": {"\xff"}, "a": {"ok", "\xc3\x28"}}, "a"},
		{url.Values{"x\x00": {"v"}}, "x"},
		{url.Values{"\xffk": {"v"}}, "?k"},
	} {
		if got := badText(c.vs); got != c.want {
			t.Errorf("%v: %q, want %q", c.vs, got, c.want)
		}
	}
}

// A form post is read once before the handler: too large, unreadable and
// bad text are refused with their messages; a good one reaches it.
func TestFormBodyRefusals(t *testing.T) {
	reached := false
	h := csrf(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached = true
		w.WriteHeader(http.StatusNoContent)
	}))
	token := strings.Repeat("t", 43)
	for _, c := range []struct {
		name  string
		ctype string
		body  string
		code  int
		want  string
	}{
		{"good form", "application/x-www-form-urlencoded", "csrf_token=" + token + "&name=%E5%BC%A0", http.StatusNoContent, ""},
		{"over the limit", "application/x-www-form-urlencoded", "csrf_token=" + token + "&name=" + strings.Repeat("a", MaxFormBody), http.StatusRequestEntityTooLarge, "内容过大"},
		{"broken URL encoding", "application/x-www-form-urlencoded", "name=%zz", http.StatusBadRequest, "请求格式不正确"},
		{"multipart without boundary", "multipart/form-data", "--x\r\n", http.StatusBadRequest, "请求格式不正确"},
		{"multipart, wrong boundary", "multipart/form-data; boundary=AAA", "--BBB\r\n\r\nx\r\n--BBB--", http.StatusBadRequest, "请求格式不正确"},
		{"NUL in a field", "application/x-www-form-urlencoded", "csrf_token=" + token + "&note=a%00b", http.StatusBadRequest, "「note」含有无效字符"},
		{"not UTF-8", "application/x-www-form-urlencoded", "csrf_token=" + token + "&name=%FF", http.StatusBadRequest, "「name」含有无效字符"},
		{"no token", "application/x-www-form-urlencoded", "name=x", http.StatusForbidden, "表单已过期"},
	} {
		reached = false
		req := httptest.NewRequest(http.MethodPost, "/registry/filters", strings.NewReader(c.body))
		req.Header.Set("Content-Type", c.ctype)
		req.AddCookie(&http.Cookie{Name: csrfCookie, Value: token})
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != c.code || !strings.Contains(rec.Body.String(), c.want) || reached != (c.code == http.StatusNoContent) {
			t.Errorf("%s: %d (handler reached: %v), want %d with %q", c.name, rec.Code, reached, c.code, c.want)
		}
	}
}
