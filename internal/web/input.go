package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/yangguang-cdpf/yangguang/internal/i18n"
)

// MaxFormBody caps every form post, uploads included, before any handler
// reads it.
const MaxFormBody = 32 << 20

// parseFormBody reads a form post once for every handler after it: a body
// over MaxFormBody, a broken encoding or a multipart body without a usable
// boundary is refused here with a 4xx, so that no handler has to tell
// "no such field" from "unreadable body".
func parseFormBody(w http.ResponseWriter, r *http.Request) bool {
	r.Body = http.MaxBytesReader(w, r.Body, MaxFormBody)
	var err error
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct == "multipart/form-data" {
		err = r.ParseMultipartForm(MaxFormBody)
	} else {
		err = r.ParseForm()
	}
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			Error(w, r, http.StatusRequestEntityTooLarge, "error.too_large")
		} else {
			Error(w, r, http.StatusBadRequest, "error.bad_request")
		}
		return false
	}
	return true
}

// badText returns the first field (by name) of vs whose name or value is
// not UTF-8 or holds a NUL byte: no browser sends such text, PostgreSQL
// cannot store it, and the pages could not show it back.
func badText(vs url.Values) string {
	names := make([]string, 0, len(vs))
	for k := range vs {
		names = append(names, k)
	}
	sort.Strings(names)
	ok := func(s string) bool { return utf8.ValidString(s) && !strings.ContainsRune(s, 0) }
	for _, k := range names {
		if !ok(k) {
			return strings.ToValidUTF8(strings.ReplaceAll(k, "\x00", ""), "?")
		}
		for _, v := range vs[k] {
			if !ok(v) {
				return k
			}
		}
	}
	return ""
}

// checkText refuses a request whose query string (or form, once parsed)
// holds text that is not UTF-8 or holds a NUL byte, naming the field.
func checkText(w http.ResponseWriter, r *http.Request, vs url.Values) bool {
	field := badText(vs)
	if field == "" {
		return true
	}
	if strings.HasPrefix(r.URL.Path, "/api/") {
		var e APIError
		e.Error.Code = "bad_request"
		e.Error.Message = i18n.T(apiLang(r), "error.bad_text", field)
		e.Error.Fields = []FieldMessage{{Field: field, Message: e.Error.Message}}
		JSON(w, http.StatusBadRequest, e)
		return false
	}
	l := PrefsFrom(r).Lang
	Render(w, r, ownPages, "page_error", Page{Title: "error.title", Status: http.StatusBadRequest,
		Data: map[string]any{"Status": http.StatusBadRequest, "Message": "error.bad_request", "Text": i18n.T(l, "error.bad_text", field)}})
	return false
}

// maxJSONCheck is the most of a JSON body checkJSON reads: no API handler
// takes a larger JSON body (their own caps answer the rest).
const maxJSONCheck = 1 << 20

// checkJSON refuses an API body of JSON with a NUL character in a string
// ("\u0000"), naming the field: encoding/json decodes it, and PostgreSQL
// refuses to store it (a 500 otherwise). Invalid UTF-8 needs no check:
// the decoder turns it into U+FFFD. The handler reads the body as sent.
func checkJSON(w http.ResponseWriter, r *http.Request) bool {
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "application/json" || r.Body == nil || r.Body == http.NoBody {
		return true
	}
	body := r.Body
	buf, err := io.ReadAll(io.LimitReader(body, maxJSONCheck+1))
	r.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(buf), body), body}
	if err != nil || len(buf) > maxJSONCheck {
		return true
	}
	field, ok := nulField(buf)
	if !ok {
		return true
	}
	var e APIError
	e.Error.Code = "bad_request"
	e.Error.Message = i18n.T(apiLang(r), "error.bad_text", field)
	e.Error.Fields = []FieldMessage{{Field: field, Message: e.Error.Message}}
	JSON(w, http.StatusBadRequest, e)
	return false
}

// nulField finds the first string of a JSON document holding a NUL and
// returns the name of the object member it is in ("" at the top).
// Documents that do not parse are left to the handler.
func nulField(b []byte) (string, bool) {
	if !bytes.Contains(b, []byte(`\u0000`)) {
		return "", false
	}
	const (
		inArray = iota
		wantKey
		wantValue
	)
	dec := json.NewDecoder(bytes.NewReader(b))
	var stack []int
	key := ""
	value := func() { // a value was read: the object wants its next key
		if n := len(stack); n > 0 && stack[n-1] == wantValue {
			stack[n-1] = wantKey
		}
	}
	for {
		t, err := dec.Token()
		if err != nil {
			return "", false
		}
		switch v := t.(type) {
		case json.Delim:
			switch v {
			case '{':
				value()
				stack = append(stack, wantKey)
			case '[':
				value()
				stack = append(stack, inArray)
			default:
				if len(stack) > 0 {
					stack = stack[:len(stack)-1]
				}
			}
		case string:
			if n := len(stack); n > 0 && stack[n-1] == wantKey {
				stack[n-1] = wantValue
				key = v
				if strings.ContainsRune(v, 0) {
					return strings.ReplaceAll(v, "\x00", ""), true
				}
				continue
			}
			value()
			if strings.ContainsRune(v, 0) {
				return key, true
			}
		default:
			value()
		}
	}
}
