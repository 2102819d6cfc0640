package payment_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/auth"
	"github.com/yangguang-cdpf/yangguang/internal/programme/payment"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/web"
)

// site serves the payment routes without the app: the router, and the
// principal put in the context as the session middleware would (CSRF is
// the middleware's and is tested with the app).
type site struct {
	e     *env
	rt    *web.Router
	token string
}

func newSite(e *env) *site {
	s := &site{e: e}
	h := payment.NewHandler(e.db, e.src)
	h.Now = func() time.Time { return today }
	s.rt = web.NewRouter(auth.NewService(e.db))
	h.Routes(s.rt)
	return s
}

type who struct {
	user string
	role auth.Role
	dept auth.Department
	code string
}

var (
	clerkW   = who{"clerk", auth.RoleCountyStaff, auth.DeptFinance, county}
	cashierW = who{"cashier", auth.RoleCountyStaff, auth.DeptFinance, county}
	rehabW   = who{"rehab", auth.RoleCountyStaff, auth.DeptRehabilitation, county}
	townW    = who{"town-a", auth.RoleTownshipWorker, "", townA}
	leaderW  = who{"leader", auth.RoleLeader, "", county}
)

type resp struct {
	code  int
	body  string
	loc   string
	ctype string
}

func (s *site) do(w who, method, path string, body io.Reader, ctype string) resp {
	s.e.t.Helper()
	req := httptest.NewRequest(method, path, body)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	ctx := req.Context()
	if s.token != "" {
		req.Header.Set("Authorization", "Bearer "+s.token)
	} else {
		p := &auth.Principal{Kind: "user", ID: "id-" + w.user, Name: w.user, DisplayName: w.user, Role: w.role, Department: w.dept, Scope: area.ScopeOf(w.code)}
		ctx = auth.WithPrincipal(ctx, p)
		ctx = audit.WithActor(ctx, audit.Actor{ID: p.ID, Name: p.Name, Kind: "user"})
	}
	rec := httptest.NewRecorder()
	s.rt.ServeHTTP(rec, req.WithContext(ctx))
	r := resp{rec.Code, rec.Body.String(), rec.Header().Get("Location"), rec.Header().Get("Content-Type")}
	// No page shows a raw catalogue key or a template's missing value.
	if strings.HasPrefix(r.ctype, "text/html") {
		if m := rawKey.FindString(r.body); m != "" || strings.Contains(r.body, "<no value>") {
			s.e.t.Errorf("%s %s shows %q or <no value>", method, path, m)
		}
	}
	return r
}

func (s *site) get(w who, path string) resp { return s.do(w, http.MethodGet, path, nil, "") }

func (s *site) post(w who, path string, form url.Values) resp {
	return s.do(w, http.MethodPost, path, strings.NewReader(form.Encode()), "application/x-www-form-urlencoded")
}

var rawKey = regexp.MustCompile(`>[^<]*\bpayment\.[a-z_]+\.?[a-z_]*`)

var batchLink = regexp.MustCompile(`/payments/batches/([0-9a-f-]{36})`)

// The pages from an empty list to a paid batch, its export, a reversal
// and the ledger, with the refusals people meet on the way.
func TestPagesWalkABatch(t *testing.T) {
	e := setup(t)
	e.march()
	s := newSite(e)
	if r := s.get(clerkW, "/payments"); r.code != 200 || !strings.Contains(r.body, "没有符合条件的发放批次") || !strings.Contains(r.body, `href="/payments/new"`) {
		t.Fatalf("empty list: %d\n%.2000s", r.code, r.body)
	}
	if r := s.get(clerkW, "/payments/new"); r.code != 200 || !strings.Contains(r.body, "困难残疾人生活补贴") || !strings.Contains(r.body, `value="2026-03"`) {
		t.Fatalf("new form: %d", r.code)
	}
	// Bad input comes back beside its field.
	r := s.post(clerkW, "/payments", url.Values{"programme": {living}, "month": {"2026-13"}})
	if r.code != 422 || !strings.Contains(r.body, `id="month_err"><span class="field-error">请按“年-月”填写`) || !strings.Contains(r.body, `aria-invalid="true"`) {
		t.Fatalf("bad month: %d\n%.3000s", r.code, r.body)
	}
	r = s.post(clerkW, "/payments", url.Values{"programme": {living}, "month": {"2026-03"}})
	if r.code != http.StatusSeeOther {
		t.Fatalf("build: %d\n%.2000s", r.code, r.body)
	}
	id := batchLink.FindStringSubmatch(r.loc)[1]
	r = s.get(clerkW, "/payments/batches/"+id)
	if r.code != 200 || !strings.Contains(r.body, "¥199.99") || !strings.Contains(r.body, "¥99.99") || !strings.Contains(r.body, "城关街道") ||
		!strings.Contains(r.body, "<caption>") || !strings.Contains(r.body, `action="/payments/batches/`+id+`/confirm"`) {
		t.Fatalf("draft page: %d\n%.3000s", r.code, r.body)
	}
	if r := s.post(clerkW, "/payments/batches/"+id+"/remove", url.Values{"line_id": {e.lines(countyScope, id)[0].ID}}); r.code != 422 ||
		!strings.Contains(r.body, `id="remove_reason_err"><span class="field-error">请填写原因`) {
		t.Fatalf("remove without reason: %d", r.code)
	}
	if r := s.get(clerkW, "/payments/batches/"+id+"/export"); r.code != http.StatusConflict || !strings.Contains(r.body, "只有已确认或已发放的批次才能导出") {
		t.Fatalf("export a draft: %d", r.code)
	}
	if r := s.post(clerkW, "/payments/batches/"+id+"/confirm", nil); r.code != http.StatusSeeOther {
		t.Fatalf("confirm: %d\n%.2000s", r.code, r.body)
	}
	// The builder is not offered the payment and is refused it.
	if r := s.get(clerkW, "/payments/batches/"+id); !strings.Contains(r.body, "双人复核") || strings.Contains(r.body, `action="/payments/batches/`+id+`/pay"`) {
		t.Fatalf("builder's page offers payment")
	}
	if r := s.post(clerkW, "/payments/batches/"+id+"/pay", url.Values{"paid_on": {"2026-03-31"}}); r.code != http.StatusConflict || !strings.Contains(r.body, "编制批次的人不能登记该批次发放") {
		t.Fatalf("builder pays: %d\n%.2000s", r.code, r.body)
	}
	r = s.get(cashierW, "/payments/batches/"+id+"/export")
	if r.code != 200 || !strings.HasPrefix(r.ctype, "application/vnd.openxmlformats") {
		t.Fatalf("export: %d %s", r.code, r.ctype)
	}
	x, err := excelize.OpenReader(strings.NewReader(r.body))
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := x.GetRows(x.GetSheetName(0))
	x.Close()
	if len(rows) != 6 || rows[5][5] != "199.99" {
		t.Fatalf("exported rows: %q", rows)
	}
	if r := s.post(cashierW, "/payments/batches/"+id+"/pay", url.Values{"paid_on": {"2026-03-30"}}); r.code != http.StatusSeeOther {
		t.Fatalf("pay: %d\n%.2000s", r.code, r.body)
	}
	if r := s.post(cashierW, "/payments/batches/"+id+"/pay", url.Values{"paid_on": {"2026-03-30"}}); r.code != http.StatusConflict || !strings.Contains(r.body, "不能重复发放") {
		t.Fatalf("pay twice: %d", r.code)
	}
	// Reverse one line from the batch page.
	entries, _ := e.ledger(countyScope, payment.LedgerFilter{Person: "赵四"})
	r = s.get(cashierW, "/payments/batches/"+id)
	if !strings.Contains(r.body, `value="`+entries[0].ID+`"`) {
		t.Fatalf("paid page offers no reversal\n%.3000s", r.body)
	}
	if r := s.post(cashierW, "/payments/batches/"+id+"/reverse", url.Values{"entry_id": {entries[0].ID}, "reverse_reason": {"银行退回"}}); r.code != http.StatusSeeOther {
		t.Fatalf("reverse: %d\n%.2000s", r.code, r.body)
	}
	if r := s.get(cashierW, "/payments/batches/"+id); !strings.Contains(r.body, "已冲销") || !strings.Contains(r.body, "-¥100.00") {
		t.Fatalf("reversal not shown")
	}
	// The ledger page: totals, masked numbers, the export.
	r = s.get(leaderW, "/payments/ledger?from=2026-03&to=2026-03")
	if r.code != 200 || !strings.Contains(r.body, "¥99.99") || !strings.Contains(r.body, "-¥100.00") || strings.Contains(r.body, entries[0].PayeeIDNumber) ||
		strings.Contains(r.body, entries[0].BankAccount) {
		t.Fatalf("ledger page: %d\n%.3000s", r.code, r.body)
	}
	if r := s.get(leaderW, "/payments/ledger?from=2026-3"); r.code != 200 || !strings.Contains(r.body, `id="l_from_err"><span class="field-error">`) {
		t.Fatalf("bad ledger filter: %d", r.code)
	}
	if r := s.get(leaderW, "/payments/ledger/export?from=2026-03"); r.code != 200 || !strings.HasPrefix(r.ctype, "application/vnd.openxmlformats") {
		t.Fatalf("ledger export: %d", r.code)
	}
	// A reader sees the batch with masked numbers and no forms.
	r = s.get(leaderW, "/payments/batches/"+id)
	if r.code != 200 || strings.Contains(r.body, entries[0].PayeeIDNumber) || strings.Contains(r.body, "<form method=\"post\" action=\"/payments") {
		t.Fatalf("reader's batch page: %d", r.code)
	}
}

// Who may do what: the route permissions and the department rule.
func TestPagesAccess(t *testing.T) {
	e := setup(t)
	e.march()
	s := newSite(e)
	b := e.mustBuild("clerk", countyScope, marchLiving)
	for _, c := range []struct {
		name   string
		w      who
		method string
		path   string
		code   int
	}{
		{"leader reads", leaderW, "GET", "/payments", 200},
		{"leader cannot build", leaderW, "GET", "/payments/new", 403},
		{"rehabilitation staff read", rehabW, "GET", "/payments/batches/" + b.ID, 200},
		{"rehabilitation staff cannot confirm", rehabW, "POST", "/payments/batches/" + b.ID + "/confirm", 403},
		{"rehabilitation staff cannot export the bank file", rehabW, "GET", "/payments/batches/" + b.ID + "/export", 403},
		{"township worker reads her part", townW, "GET", "/payments/batches/" + b.ID, 200},
		{"township worker cannot pay", townW, "POST", "/payments/batches/" + b.ID + "/pay", 403},
		{"unknown batch", clerkW, "GET", "/payments/batches/00000000-0000-0000-0000-000000000000", 404},
	} {
		var r resp
		if c.method == "GET" {
			r = s.get(c.w, c.path)
		} else {
			r = s.post(c.w, c.path, url.Values{})
		}
		if r.code != c.code {
			t.Errorf("%s: %d, want %d", c.name, r.code, c.code)
		}
	}
	if e.get(countyScope, b.ID).State != payment.Draft {
		t.Fatal("a refused request changed the batch")
	}
}

// The JSON API mirrors the pages: build, read, confirm, pay (another
// client: four-eyes), reverse, ledger.
func TestAPI(t *testing.T) {
	e := setup(t)
	e.march()
	s := newSite(e)
	ctx := audit.WithActor(context.Background(), audit.System)
	var builder, payer, reader string
	e.tx(ctx, func(tx *store.Tx) (err error) {
		perms := []auth.Perm{auth.PermProgrammeRead, auth.PermPaymentWrite}
		if _, builder, err = auth.CreateAPIClient(ctx, tx, "财务系统甲", county, perms); err != nil {
			return err
		}
		if _, payer, err = auth.CreateAPIClient(ctx, tx, "财务系统乙", county, perms); err != nil {
			return err
		}
		_, reader, err = auth.CreateAPIClient(ctx, tx, "统计", townB, []auth.Perm{auth.PermProgrammeRead})
		return err
	})
	call := func(token, method, path string, body any) (int, map[string]any) {
		t.Helper()
		s.token = token
		var rd io.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			rd = bytes.NewReader(b)
		}
		r := s.do(who{}, method, path, rd, "application/json")
		var out map[string]any
		if err := json.Unmarshal([]byte(r.body), &out); err != nil {
			t.Fatalf("%s %s: %d %q", method, path, r.code, r.body)
		}
		return r.code, out
	}
	code, out := call(builder, "POST", "/api/v1/payments/batches", map[string]string{"programme_id": living, "month": "2026-13"})
	if code != 422 || !strings.Contains(out["error"].(map[string]any)["fields"].([]any)[0].(map[string]any)["message"].(string), "年-月") {
		t.Fatalf("bad month: %d %v", code, out)
	}
	code, out = call(builder, "POST", "/api/v1/payments/batches", payment.NewBatch{ProgrammeID: living, Month: "2026-03"})
	if code != 201 || out["total_fen"].(float64) != 19999 || len(out["lines"].([]any)) != 4 {
		t.Fatalf("build: %d %v", code, out)
	}
	id := out["id"].(string)
	if code, out = call(builder, "POST", "/api/v1/payments/batches/"+id+"/confirm", nil); code != 200 || out["state"] != "confirmed" {
		t.Fatalf("confirm: %d %v", code, out)
	}
	if code, out = call(builder, "POST", "/api/v1/payments/batches/"+id+"/pay", nil); code != 409 || out["error"].(map[string]any)["code"] != "refused" {
		t.Fatalf("builder pays: %d %v", code, out)
	}
	if code, out = call(payer, "POST", "/api/v1/payments/batches/"+id+"/pay", map[string]string{"paid_on": "2026-03-30"}); code != 200 || out["state"] != "paid" {
		t.Fatalf("pay: %d %v", code, out)
	}
	if code, _ = call(payer, "POST", "/api/v1/payments/batches/"+id+"/pay", nil); code != 409 {
		t.Fatalf("pay twice: %d", code)
	}
	if code, out = call(reader, "GET", "/api/v1/payments/batches", nil); code != 200 || len(out["items"].([]any)) != 1 || out["items"].([]any)[0].(map[string]any)["total_fen"].(float64) != 10000 {
		t.Fatalf("township B's list: %d %v", code, out)
	}
	code, out = call(reader, "GET", "/api/v1/payments/ledger?from=2026-03", nil)
	items := out["items"].([]any)
	if code != 200 || len(items) != 1 || out["totals"].(map[string]any)["net_fen"].(float64) != 10000 ||
		!strings.Contains(items[0].(map[string]any)["bank_account"].(string), "****") {
		t.Fatalf("township B's ledger: %d %v", code, out)
	}
	entryID := items[0].(map[string]any)["id"].(string)
	if code, _ = call(reader, "POST", "/api/v1/payments/ledger/"+entryID+"/reverse", map[string]string{"reason": "错发"}); code != 403 {
		t.Fatalf("reader reverses: %d", code)
	}
	if code, out = call(payer, "POST", "/api/v1/payments/ledger/"+entryID+"/reverse", map[string]string{"reason": "错发"}); code != 201 || out["amount_fen"].(float64) != -10000 {
		t.Fatalf("reverse: %d %v", code, out)
	}
	if code, out = call(payer, "GET", "/api/v1/payments/batches/"+id, nil); code != 200 || len(out["townships"].([]any)) != 2 {
		t.Fatalf("get: %d %v", code, out)
	}
	if code, _ = call(payer, "GET", "/api/v1/payments/ledger?from=2026-3", nil); code != 422 {
		t.Fatalf("bad ledger filter: %d", code)
	}
}
