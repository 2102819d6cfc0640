package web

import (
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
)

// Partials (files named _*.html) serve every page of the set and are not
// pages themselves.
func TestParsePagesWithPartials(t *testing.T) {
	fsys := fstest.MapFS{
		"t/_shared.html": {Data: []byte(`{{define "shared"}}<p id="shared">{{.T "app.name"}}</p>{{end}}`)},
		"t/one.html":     {Data: []byte(`{{define "content"}}<h1>one</h1>{{template "shared" .}}{{end}}`)},
		"t/two.html":     {Data: []byte(`{{define "content"}}<h1>two</h1>{{template "shared" .}}{{end}}`)},
	}
	pages := ParsePages(fsys, "t/*.html")
	if _, ok := pages.byName["_shared"]; ok || len(pages.byName) != 2 {
		t.Fatalf("pages = %v, want one and two only", pages.byName)
	}
	for _, name := range []string{"one", "two"} {
		w := httptest.NewRecorder()
		Render(w, httptest.NewRequest("GET", "/", nil), pages, name, Page{Title: "app.name"})
		body := w.Body.String()
		if !strings.Contains(body, "<h1>"+name+"</h1>") || !strings.Contains(body, `<p id="shared">阳光</p>`) {
			t.Fatalf("%s: partial not rendered:\n%s", name, body)
		}
	}
}

func TestLocalPathRefusesOtherSites(t *testing.T) {
	cases := map[string]string{"/registry": "/registry", "": "/", "//evil.example": "/", "/\\evil": "/", "https://evil.example": "/", "relative": "/"}
	for in, want := range cases {
		if got := LocalPath(in, "/"); got != want {
			t.Errorf("LocalPath(%q) = %q, want %q", in, got, want)
		}
	}
}
