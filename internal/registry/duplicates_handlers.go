package registry

import (
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/i18n"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/validate"
	"github.com/yangguang-cdpf/yangguang/internal/web"
)

// duplicatePageSize is how many groups a page of the review lists.
const duplicatePageSize = 20

type duplicatesData struct {
	Kinds     []DuplicateKind
	Kind      DuplicateKind
	Groups    []duplicateView
	Names     map[string]string // area code → name
	Today     time.Time
	After     string // this page's cursor, to come back to it after a post
	FirstHref string
	NextHref  string
	// ErrGroup is the group whose form was refused: its fields show the
	// problems.
	ErrGroup string
}

// duplicateView is one group as the page shows it: persons masked.
type duplicateView struct {
	Cursor  string // identifies the group in the page's forms
	Label   string // what the records share, translated
	Persons []Person
}

func (h *Handler) duplicates(w http.ResponseWriter, r *http.Request) {
	h.duplicatesPage(w, r, r.URL.Query().Get("kind"), r.URL.Query().Get("after"), web.Page{}, "")
}

// duplicatesPage renders a page of groups of kind after the cursor; page
// carries a refused form's errors and values, errGroup its group.
func (h *Handler) duplicatesPage(w http.ResponseWriter, r *http.Request, kind, after string, page web.Page, errGroup string) {
	ctx := r.Context()
	k := DuplicateKind(kind)
	if kind == "" {
		k = DupNameBirth
	}
	if !k.Valid() {
		web.Error(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	groups, next, err := FindDuplicates(ctx, h.DB, scope(r), k, after, duplicatePageSize)
	var es validate.Errors
	if errors.As(err, &es) { // a cursor not made by this page
		web.Error(w, r, http.StatusBadRequest, "duplicates.error.cursor")
		return
	}
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	names, err := area.Names(ctx, h.DB)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	l := web.PrefsFrom(r).Lang
	d := duplicatesData{Kinds: DuplicateKinds, Kind: k, Names: names, Today: time.Now(), After: after, ErrGroup: errGroup}
	for _, g := range groups {
		v := duplicateView{Cursor: g.Cursor()}
		for _, p := range g.Persons {
			v.Persons = append(v.Persons, p.Masked())
		}
		switch k {
		case DupNameBirth:
			v.Label = i18n.T(l, "duplicates.group.name_birth", g.Key[1], g.Key[2], names[area.ParentOf(g.Key[0])]+" "+names[g.Key[0]])
		case DupPhone:
			v.Label = i18n.T(l, "duplicates.group.phone", MaskPhone(g.Persons[0].Phone))
		case DupCertificate:
			v.Label = i18n.T(l, "duplicates.group.certificate", MaskIDNumber(g.Persons[0].CertificateNo))
		}
		d.Groups = append(d.Groups, v)
	}
	if after != "" {
		d.FirstHref = "/registry/duplicates?kind=" + string(k)
	}
	if next != "" {
		d.NextHref = "/registry/duplicates?" + url.Values{"kind": {string(k)}, "after": {next}}.Encode()
	}
	page.Title, page.Section, page.Data = "duplicates.title", "registry", d
	page.Crumbs = crumbs(r, i18n.T(l, "duplicates.title"))
	web.Render(w, r, pages, "duplicates", page)
}

// back is the review page a form came from.
func duplicatesHref(kind, after, flash string) string {
	v := url.Values{"kind": {kind}, "ok": {flash}}
	if after != "" {
		v.Set("after", after)
	}
	return "/registry/duplicates?" + v.Encode()
}

// merge folds the checked records of a group into the one kept and opens
// the kept person, whose timeline now shows both histories.
func (h *Handler) merge(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	kind, after, group := r.PostFormValue("kind"), r.PostFormValue("after"), r.PostFormValue("group")
	form := map[string]string{"reason": r.PostFormValue("reason"), "keep": r.PostFormValue("keep")}
	for _, id := range r.PostForm["merge"] {
		form["merge:"+id] = "1"
	}
	var kept Person
	err := h.DB.InTx(r.Context(), func(tx *store.Tx) (err error) {
		kept, err = Merge(r.Context(), tx, scope(r), form["keep"], r.PostForm["merge"], form["reason"])
		return err
	})
	var es validate.Errors
	if errors.As(err, &es) {
		h.duplicatesPage(w, r, kind, after, web.Page{Errors: es, Status: http.StatusUnprocessableEntity, Form: form}, group)
		return
	}
	if errors.Is(err, store.ErrNotFound) {
		web.Error(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	web.Redirect(w, r, "/registry/persons/"+kept.ID+"?ok=flash.merged#history")
}

// dismiss records that the records of a group are not the same person.
func (h *Handler) dismiss(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	kind, after, group := r.PostFormValue("kind"), r.PostFormValue("after"), r.PostFormValue("group")
	err := h.DB.InTx(r.Context(), func(tx *store.Tx) error {
		return DismissDuplicates(r.Context(), tx, scope(r), r.PostForm["ids"])
	})
	var es validate.Errors
	if errors.As(err, &es) {
		h.duplicatesPage(w, r, kind, after, web.Page{Errors: es, Status: http.StatusUnprocessableEntity}, group)
		return
	}
	if errors.Is(err, store.ErrNotFound) {
		web.Error(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	if !DuplicateKind(kind).Valid() {
		kind = string(DupNameBirth)
	}
	web.Redirect(w, r, duplicatesHref(kind, after, "flash.dismissed"))
}
