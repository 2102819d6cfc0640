package apptest

// Browser tests: one headless Chromium per test binary, started on first use
// and stopped by StopBrowser (call it from TestMain), a fresh tab with its own
// cookies (a new browser context) per Tab, and axe-core to check pages for
// WCAG 2.1 AA violations.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Where the browser and axe-core are, and whether their absence fails the
// tests (scripts/test-all sets all three; see docs/TESTING.md).
const (
	envBrowser    = "YANGGUANG_BROWSER"
	envAxe        = "YANGGUANG_AXE"
	envRequireAll = "YANGGUANG_REQUIRE_ALL"
)

// ActionTimeout bounds one browser step (a navigation, a click, an axe run).
var ActionTimeout = 30 * time.Second

var browser struct {
	once   sync.Once
	mu     sync.Mutex
	ctx    context.Context // the browser; tabs are its children
	cancel context.CancelFunc
	dir    string // --user-data-dir
	err    error

	axeOnce sync.Once
	axe     string
	axeErr  error
}

func requireAll() bool {
	v := os.Getenv(envRequireAll)
	return v != "" && v != "0" && v != "false"
}

// BrowserPath is the Chromium the tests drive.
func BrowserPath() string {
	if p := os.Getenv(envBrowser); p != "" {
		return p
	}
	return "/usr/bin/chromium"
}

// AxePath is the axe-core script injected into pages.
func AxePath() string {
	if p := os.Getenv(envAxe); p != "" {
		return p
	}
	return repoFile("node_modules/axe-core/axe.min.js")
}

// missing skips the test, or fails it under YANGGUANG_REQUIRE_ALL.
func missing(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if requireAll() {
		t.Fatalf("%s (%s is set, so this is a failure, not a skip)", msg, envRequireAll)
	}
	t.Skipf("%s; skipping (set %s=1 to make this a failure)", msg, envRequireAll)
}

// NeedBrowser skips the test when there is no browser (fails it under
// YANGGUANG_REQUIRE_ALL).
func NeedBrowser(t testing.TB) {
	t.Helper()
	if _, err := os.Stat(BrowserPath()); err != nil {
		missing(t, "no browser at %s (%s)", BrowserPath(), envBrowser)
	}
}

// NeedAxe skips the test when there is no axe-core (fails it under
// YANGGUANG_REQUIRE_ALL).
func NeedAxe(t testing.TB) {
	t.Helper()
	axeSource(t)
}

// startBrowser starts the one shared browser.
func startBrowser() error {
	dir, err := os.MkdirTemp("", "yangguang-chromium-")
	if err != nil {
		return err
	}
	browser.dir = dir
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(BrowserPath()),
		chromedp.UserDataDir(dir),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Headless,
		chromedp.NoSandbox, // root in containers and CI
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-features", "Translate"),
		chromedp.Flag("password-store", "basic"),
		chromedp.Flag("lang", "zh-CN"),
		chromedp.Flag("accept-lang", "zh-CN,zh"),
		chromedp.Flag("force-color-profile", "srgb"),
		chromedp.WindowSize(1280, 900),
	}
	allocCtx, allocCancel := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	browser.ctx = ctx
	browser.cancel = func() { cancel(); allocCancel() }
	// The first run starts the process; it must have no timeout (a timeout
	// would end the browser), so a watchdog cancels it if it hangs.
	done := make(chan struct{})
	go func() {
		select {
		case <-done:
		case <-time.After(60 * time.Second):
			browser.cancel()
		}
	}()
	err = chromedp.Do(ctx)
	close(done)
	if err != nil {
		browser.cancel()
		return fmt.Errorf("start %s: %w", BrowserPath(), err)
	}
	return nil
}

// StopBrowser ends the shared browser, if one was started. Call it from
// TestMain after m.Run.
func StopBrowser() {
	browser.mu.Lock()
	defer browser.mu.Unlock()
	if browser.cancel != nil {
		browser.cancel()
		browser.cancel = nil
	}
	if browser.dir != "" {
		_ = os.RemoveAll(browser.dir)
		browser.dir = ""
	}
}

// Tab is one browser tab on the Env's server, with its own cookies.
type Tab struct {
	e   *Env
	T   testing.TB
	ctx context.Context
	// Status is the HTTP status of the last document a step loaded.
	Status int
}

// NewTab opens a tab in a new browser context (nothing shared with other
// tabs) for test t (the Env's test or one of its subtests). It skips the
// test when there is no browser (fails under YANGGUANG_REQUIRE_ALL). The tab
// closes when t ends.
func (e *Env) NewTab(t testing.TB) *Tab {
	t.Helper()
	NeedBrowser(t)
	browser.mu.Lock()
	browser.once.Do(func() { browser.err = startBrowser() })
	bctx, err := browser.ctx, browser.err
	browser.mu.Unlock()
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	ctx, cancel := chromedp.NewContext(bctx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	// The first run opens the tab; like the browser's it takes no timeout.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("open tab: %v", err)
	}
	return &Tab{e: e, T: t, ctx: ctx}
}

// run runs an action with the step timeout.
func run[T any](b *Tab, what string, a chromedp.Action[T]) T {
	b.T.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, ActionTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		b.T.Fatalf("browser: %s: %v (page %s)", what, err, b.safeURL())
	}
	return v
}

func (b *Tab) safeURL() string {
	ctx, cancel := context.WithTimeout(b.ctx, 2*time.Second)
	defer cancel()
	u, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		return "?"
	}
	return strings.TrimPrefix(u, b.e.Server.URL)
}

// Open loads path on the test server and returns the HTTP status of the
// page (after redirects).
func (b *Tab) Open(path string) int {
	b.T.Helper()
	res := run(b, "open "+path, chromedp.NavigateResponse(b.e.Server.URL+path))
	b.Status = 0
	if res != nil {
		b.Status = int(res.Status)
	}
	return b.Status
}

// Click clicks the first element matching the CSS selector and waits for
// the page it leads to; it returns that page's HTTP status.
func (b *Tab) Click(sel string) int {
	b.T.Helper()
	if !b.Has(sel) {
		b.T.Fatalf("browser: nothing to click: no %s on %s", sel, b.Path())
	}
	ctx, cancel := context.WithTimeout(b.ctx, ActionTimeout)
	defer cancel()
	res, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel)))
	if err != nil {
		b.T.Fatalf("browser: click %s: %v (page %s; a click that loads no page waits until the timeout)", sel, err, b.safeURL())
	}
	b.Status = 0
	if res != nil {
		b.Status = int(res.Status)
	}
	return b.Status
}

// Toggle clicks the first element matching the CSS selector that loads no
// page (a checkbox, a radio button).
func (b *Tab) Toggle(sel string) {
	b.T.Helper()
	run(b, "click "+sel, chromedp.Click(chromedp.CSS(sel)))
}

// Viewport sets the size of the page's viewport in CSS pixels.
func (b *Tab) Viewport(width, height int64) {
	b.T.Helper()
	run(b, "set viewport", chromedp.EmulateViewport(width, height))
}

// Type types text into the field matching the CSS selector, key by key.
func (b *Tab) Type(sel, text string) {
	b.T.Helper()
	run(b, "type into "+sel, chromedp.SendKeys(chromedp.CSS(sel), text))
}

// Keys presses keys (kb constants or text) on whatever has the focus.
func (b *Tab) Keys(keys string) {
	b.T.Helper()
	run(b, "press keys", chromedp.KeyEvent(keys))
}

// Eval evaluates a JavaScript expression in the page and decodes its value.
func Eval[T any](b *Tab, js string) T {
	b.T.Helper()
	return run(b, "evaluate "+short(js), chromedp.Evaluate[T](js))
}

func short(s string) string { return cut(s, 80) }

func cut(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

func jsString(s string) string {
	q, _ := json.Marshal(s)
	return string(q)
}

// Has reports whether an element matches the CSS selector.
func (b *Tab) Has(sel string) bool {
	b.T.Helper()
	return Eval[bool](b, `document.querySelector(`+jsString(sel)+`) !== null`)
}

// Text is the text (innerText) of the first element matching the CSS
// selector, or "" if there is none.
func (b *Tab) Text(sel string) string {
	b.T.Helper()
	return Eval[string](b, `(function(){var e=document.querySelector(`+jsString(sel)+`);return e?e.innerText:""})()`)
}

// Attr is an attribute of the first element matching the CSS selector
// ("" if the element or the attribute is missing).
func (b *Tab) Attr(sel, name string) string {
	b.T.Helper()
	return Eval[string](b, `(function(){var e=document.querySelector(`+jsString(sel)+`);return e&&e.getAttribute(`+jsString(name)+`)||""})()`)
}

// Path is the current page's path and query.
func (b *Tab) Path() string {
	b.T.Helper()
	u, err := url.Parse(run(b, "location", chromedp.Location()))
	if err != nil {
		b.T.Fatal(err)
	}
	return u.RequestURI()
}

// SignIn signs in through the sign-in form as a person would and returns
// the status of the page it lands on.
func (b *Tab) SignIn(username, password string) int {
	b.T.Helper()
	b.Open("/login")
	b.Type("#username", username)
	b.Type("#password", password)
	st := b.Click(`main form[action="/login"] button[type="submit"]`)
	if strings.HasPrefix(b.Path(), "/login/2fa") {
		b.Type("#code", b.e.SecondFactor(username))
		st = b.Click(`main form[action="/login/2fa"] button[type="submit"]`)
	}
	return st
}

// Screenshot saves a PNG of the whole page.
func (b *Tab) Screenshot(file string) {
	b.T.Helper()
	png := run(b, "screenshot", chromedp.FullScreenshot(100))
	if err := os.WriteFile(file, png, 0o644); err != nil {
		b.T.Fatal(err)
	}
}

// AxeViolation is one failed axe-core rule with the elements that fail it.
type AxeViolation struct {
	ID      string    `json:"id"`
	Impact  string    `json:"impact"`
	Help    string    `json:"help"`
	HelpURL string    `json:"helpUrl"`
	Nodes   []AxeNode `json:"nodes"`
}

// AxeNode is one element failing a rule.
type AxeNode struct {
	Target  []string `json:"target"`
	HTML    string   `json:"html"`
	Summary string   `json:"summary"`
}

// AxeResult is the outcome of one axe-core run.
type AxeResult struct {
	Version    string         `json:"version"`
	Violations []AxeViolation `json:"violations"`
	// Incomplete are the rules axe could not decide (for example the
	// contrast of text over an image): for a person to review, not failures.
	Incomplete []AxeViolation `json:"incomplete"`
	Passes     int            `json:"passes"` // rules that passed: proof that axe ran
}

// IncompleteString lists the undecided rules like String does.
func (r AxeResult) IncompleteString() string { return describe(r.Incomplete) }

// AxeTags are the rule sets checked: WCAG 2.0 and 2.1, levels A and AA.
var AxeTags = []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa"}

func axeSource(t testing.TB) string {
	t.Helper()
	browser.axeOnce.Do(func() {
		b, err := os.ReadFile(AxePath())
		browser.axe, browser.axeErr = string(b), err
	})
	if browser.axeErr != nil {
		missing(t, "no axe-core at %s (%s; run `npm ci` in the repository): %v", AxePath(), envAxe, browser.axeErr)
	}
	return browser.axe
}

// Axe injects axe-core into the page and runs the WCAG 2.1 A and AA rules.
// The page's Content-Security-Policy (script-src 'self') does not apply:
// DevTools evaluation is not page script.
func (b *Tab) Axe() AxeResult {
	b.T.Helper()
	src := axeSource(b.T)
	if !Eval[bool](b, `typeof window.axe === "object"`) {
		run(b, "inject axe-core", chromedp.Evaluate[chromedp.Void](src+"\n;void 0"))
		if !Eval[bool](b, `typeof window.axe === "object" && typeof axe.run === "function"`) {
			b.T.Fatal("axe-core did not load into the page")
		}
	}
	tags, _ := json.Marshal(AxeTags)
	js := `axe.run(document, {runOnly: {type: "tag", values: ` + string(tags) + `}, resultTypes: ["violations", "incomplete"]}).then(function (r) {
  function rules(list) {
    return list.map(function (v) {
      return {id: v.id, impact: v.impact || "", help: v.help, helpUrl: v.helpUrl,
        nodes: v.nodes.map(function (n) {
          return {target: n.target.map(function (x) { return String(x); }), html: n.html, summary: n.failureSummary || ""};
        })};
    });
  }
  return {version: axe.version, passes: r.passes.length, violations: rules(r.violations), incomplete: rules(r.incomplete)};
})`
	res := run(b, "axe.run", chromedp.Evaluate[AxeResult](js, chromedp.EvalAwaitPromise))
	if res.Passes == 0 && len(res.Violations) == 0 {
		b.T.Fatal("axe-core ran no rule on the page")
	}
	return res
}

// String lists the violations for a failure message: rule id, impact,
// help text and every failing element.
func (r AxeResult) String() string { return describe(r.Violations) }

func describe(rules []AxeViolation) string {
	var sb strings.Builder
	for _, v := range rules {
		fmt.Fprintf(&sb, "  [%s] %s (%s) %s\n", v.ID, v.Help, v.Impact, v.HelpURL)
		for _, n := range v.Nodes {
			fmt.Fprintf(&sb, "      %s\n        %s\n", strings.Join(n.Target, " "), cut(strings.Join(strings.Fields(n.HTML), " "), 240))
			if s := strings.Join(strings.Fields(n.Summary), " "); s != "" {
				fmt.Fprintf(&sb, "        %s\n", s)
			}
		}
	}
	return sb.String()
}
