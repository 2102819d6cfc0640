package app_test

import (
	"encoding/json"
	"html"
	"regexp"
	"sort"
	"strings"

	"github.com/yangguang-cdpf/yangguang/internal/api"
)

// hField is one field of a form rendered by a page, or one property of an
// API request schema.
type hField struct {
	name  string
	kind  string // text, textarea, number, date, month, hidden, select, checkbox, radio, file, button; for JSON: string, integer, number, boolean, array, object
	value string // the value the page renders (the chosen option of a select)
}

// hForm is a form as a page renders it.
type hForm struct {
	page      string // the page it was found on
	action    string // the concrete path it posts to
	method    string
	multipart bool
	fields    []hField
}

var (
	hFormRe     = regexp.MustCompile(`(?is)<form\b([^>]*)>(.*?)</form>`)
	hControlRe  = regexp.MustCompile(`(?is)<(input|button)\b([^>]*)>|<select\b([^>]*)>(.*?)</select>|<textarea\b([^>]*)>(.*?)</textarea>`)
	hOptionRe   = regexp.MustCompile(`(?is)<option\b([^>]*)>`)
	hAttrRe     = regexp.MustCompile(`([a-zA-Z_:][-a-zA-Z0-9_:.]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?`)
	hHrefRe     = regexp.MustCompile(`href="(/[^"#?]*)`)
	hNumberName = regexp.MustCompile(`(?i)(_fen$|amount|count$|^year$|_year$|limit|qty|quantity|age_|wage|headcount|employees|score|price|months|number$|^n$|size)`)
	hDateName   = regexp.MustCompile(`(?i)(date|_on$|^day$|_day$|^from$|^to$|month|_at$|expires)`)
)

func hAttrs(s string) map[string]string {
	m := map[string]string{}
	for _, a := range hAttrRe.FindAllStringSubmatch(s, -1) {
		v := a[2] + a[3] + a[4]
		m[strings.ToLower(a[1])] = html.UnescapeString(v)
	}
	return m
}

// hParseForms finds the forms of a page.
func hParseForms(page, body string) []hForm {
	var out []hForm
	for _, f := range hFormRe.FindAllStringSubmatch(body, -1) {
		fa := hAttrs(f[1])
		form := hForm{page: page, action: fa["action"], method: strings.ToLower(fa["method"]), multipart: strings.Contains(fa["enctype"], "multipart")}
		if form.method == "" {
			form.method = "get"
		}
		if form.action == "" {
			form.action = page
		}
		if i := strings.IndexAny(form.action, "?#"); i >= 0 {
			form.action = form.action[:i]
		}
		seen := map[string]bool{}
		for _, c := range hControlRe.FindAllStringSubmatch(f[2], -1) {
			var fl hField
			switch {
			case c[1] != "":
				a := hAttrs(c[2])
				fl = hField{name: a["name"], kind: strings.ToLower(a["type"]), value: a["value"]}
				if strings.EqualFold(c[1], "button") {
					fl.kind = "button"
				} else if fl.kind == "" {
					fl.kind = "text"
				}
				if fl.kind == "submit" {
					fl.kind = "button"
				}
				if (fl.kind == "checkbox" || fl.kind == "radio") && !strings.Contains(c[2], "checked") {
					// An unchecked box is not sent; a radio group's first
					// checked one wins below.
					if seen[fl.name] {
						continue
					}
					if fl.kind == "checkbox" {
						fl.value = ""
					}
				}
			case c[3] != "":
				a := hAttrs(c[3])
				fl = hField{name: a["name"], kind: "select"}
				first := ""
				for _, o := range hOptionRe.FindAllStringSubmatch(c[4], -1) {
					oa := hAttrs(o[1])
					if first == "" {
						first = oa["value"]
					}
					if _, ok := oa["selected"]; ok {
						fl.value = oa["value"]
					}
				}
				if fl.value == "" {
					fl.value = first
				}
			default:
				a := hAttrs(c[5])
				fl = hField{name: a["name"], kind: "textarea", value: html.UnescapeString(c[6])}
			}
			if fl.name == "" || fl.name == "csrf_token" {
				continue
			}
			if seen[fl.name] {
				// A repeated name (radio group, one button per action):
				// the first is the default; the set is kept as one field.
				continue
			}
			seen[fl.name] = true
			form.fields = append(form.fields, fl)
		}
		out = append(out, form)
	}
	return out
}

// hLinks lists the local paths a page hLinks to.
func hLinks(body string) []string {
	var out []string
	for _, m := range hHrefRe.FindAllStringSubmatch(body, -1) {
		out = append(out, html.UnescapeString(m[1]))
	}
	return out
}

// textLike reports whether a field takes free text.
func (f hField) textLike() bool {
	switch f.kind {
	case "text", "textarea", "search", "tel", "email", "string", "url":
		return !f.numberLike() && !f.dateLike()
	}
	return false
}

func (f hField) numberLike() bool {
	switch f.kind {
	case "number", "integer", "range":
		return true
	case "text", "string":
		return hNumberName.MatchString(f.name) && !hDateName.MatchString(f.name)
	}
	return false
}

func (f hField) dateLike() bool {
	switch f.kind {
	case "date", "month", "datetime-local":
		return true
	case "text", "string":
		return hDateName.MatchString(f.name)
	}
	return false
}

// hGenericFields are tried where a route's form is not found on any page:
// plausible names across the areas of work.
var hGenericFields = []hField{
	{name: "name", kind: "text"}, {name: "note", kind: "textarea"}, {name: "reason", kind: "textarea"},
	{name: "person_id", kind: "hidden"}, {name: "id_number", kind: "text"}, {name: "phone", kind: "text"},
	{name: "village_code", kind: "hidden"}, {name: "day", kind: "date"}, {name: "date", kind: "date"},
	{name: "year", kind: "number"}, {name: "amount_fen", kind: "number"}, {name: "status", kind: "select"},
	{name: "action", kind: "button"}, {name: "text", kind: "textarea"}, {name: "q", kind: "search"},
}

// hAPIOp is one operation of the OpenAPI document: its query parameters and
// the properties of its JSON request body.
type hAPIOp struct {
	query []hField
	body  []hField // nil when it takes no JSON body
	json  bool
}

// hOpenAPIOps reads the request shapes of every API operation from the
// served OpenAPI document ("METHOD /path" keys).
func hOpenAPIOps() (map[string]hAPIOp, error) {
	var doc struct {
		Paths      map[string]map[string]json.RawMessage `json:"paths"`
		Components struct {
			Schemas map[string]json.RawMessage `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(api.OpenAPI, &doc); err != nil {
		return nil, err
	}
	type schema struct {
		Ref        string                     `json:"$ref"`
		Type       string                     `json:"type"`
		Properties map[string]json.RawMessage `json:"properties"`
	}
	var resolve func(raw json.RawMessage) schema
	resolve = func(raw json.RawMessage) schema {
		var s schema
		_ = json.Unmarshal(raw, &s)
		if s.Ref != "" {
			name := s.Ref[strings.LastIndex(s.Ref, "/")+1:]
			return resolve(doc.Components.Schemas[name])
		}
		return s
	}
	ops := map[string]hAPIOp{}
	for path, methods := range doc.Paths {
		for method, raw := range methods {
			var op struct {
				Parameters []struct {
					Name   string          `json:"name"`
					In     string          `json:"in"`
					Schema json.RawMessage `json:"schema"`
				} `json:"parameters"`
				RequestBody *struct {
					Content map[string]struct {
						Schema json.RawMessage `json:"schema"`
					} `json:"content"`
				} `json:"requestBody"`
			}
			if err := json.Unmarshal(raw, &op); err != nil {
				continue // "parameters" at path level
			}
			var o hAPIOp
			for _, p := range op.Parameters {
				if p.In != "query" {
					continue
				}
				kind := resolve(p.Schema).Type
				if kind == "" {
					kind = "string"
				}
				o.query = append(o.query, hField{name: p.Name, kind: kind})
			}
			if op.RequestBody != nil {
				if c, ok := op.RequestBody.Content["application/json"]; ok {
					o.json = true
					s := resolve(c.Schema)
					names := make([]string, 0, len(s.Properties))
					for n := range s.Properties {
						names = append(names, n)
					}
					sort.Strings(names)
					for _, n := range names {
						kind := resolve(s.Properties[n]).Type
						if kind == "" {
							kind = "string"
						}
						o.body = append(o.body, hField{name: n, kind: kind})
					}
				}
			}
			ops[strings.ToUpper(method)+" "+path] = o
		}
	}
	return ops, nil
}
