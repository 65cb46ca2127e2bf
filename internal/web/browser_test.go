package web

import (
	"context"
	"flag"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/pollhook/pollhook/internal/testkit"
	"github.com/pollhook/pollhook/store"
)

// Where the browser test saves its screenshot of the status page: every
// run writes screenshotOutput (not tracked by git); with -update it also
// replaces screenshotFile, the picture the README shows.
const (
	screenshotOutput = "testdata/output/status-page.png"
	screenshotFile   = "testdata/status-page.png"
)

var updateScreenshot = flag.Bool("update", false, "replace the README's screenshot of the status page")

// chromiumPath finds a Chromium or Chrome binary. Without one the test is
// skipped, unless CI is set: CI installs Chromium, so there a missing
// browser is a failure, not a reason to skip.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("no Chromium found and CI is set: install the chromium package (.ci/run does)")
	}
	t.Skip("no Chromium found: install the chromium package to run the browser test")
	return ""
}

// browser starts a headless Chromium for the test, ended with it (within
// a minute at most).
func browser(t *testing.T) context.Context {
	t.Helper()
	chromium := chromiumPath(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(chromium),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1100, 900),
	)
	t.Cleanup(cancelAlloc)
	bctx, cancelBrowser := chromedp.NewContext(allocCtx)
	t.Cleanup(cancelBrowser)
	return bctx
}

// textOf is the text of the element sel finds, trimmed.
func textOf(t *testing.T, bctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(bctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return strings.TrimSpace(s)
}

// diffLineInPage is a line of the rendered diff, as the browser shows it.
type diffLineInPage struct {
	Class      string `json:"class"`
	Text       string `json:"text"`
	Background string `json:"background"`
}

// TestPage_Browser loads the status page in headless Chromium with
// ?token=, checks the watches and the coloured diff, redelivers a failed
// delivery with the page's button, and saves a screenshot. The page is
// fed by the fake source; TestStatusPage in internal/cli drives the same
// page through a real daemon.
func TestPage_Browser(t *testing.T) {
	bctx := browser(t)
	const token = "browser-token"
	src := newFakeSource(t, "status-api", token, 2)
	pageURL := serve(t, src).URL + "/?" + url.Values{"token": {token}}.Encode()

	if err := chromedp.Do(bctx, chromedp.EmulateViewport(1100, 900), chromedp.Navigate(pageURL)); err != nil {
		t.Fatalf("load the status page: %v", err)
	}
	text := func(sel string) string {
		t.Helper()
		return textOf(t, bctx, sel)
	}

	for watch, want := range map[string]string{
		"releases": "ok", "status-api": "failing", "limited": "paused", "fresh": "waiting for baseline",
	} {
		if got := text(`tr[data-watch="` + watch + `"] .badge`); got != want {
			t.Errorf("watch %s shows %q, want %q", watch, got, want)
		}
	}

	// The diff, with the colours of the stylesheet: the page's
	// Content-Security-Policy allows it by hash, so a wrong hash shows here.
	lines, err := chromedp.Run(bctx, chromedp.Evaluate[[]diffLineInPage](`[...document.querySelectorAll('[id="`+eventID+`"] .diff-line')].map(li => ({
		class: li.className,
		text: li.querySelector('.text').textContent,
		background: getComputedStyle(li).backgroundColor,
	}))`))
	if err != nil {
		t.Fatal(err)
	}
	want := []diffLineInPage{
		{"diff-line diff-add", `3 "c"`, "rgb(232, 247, 237)"},
		{"diff-line diff-chg", `1 name: "a" → "a2"`, "rgb(255, 246, 220)"},
		{"diff-line diff-del", `2 "b"`, "rgb(253, 238, 236)"},
	}
	if len(lines) != len(want) {
		t.Fatalf("diff lines %+v, want %+v", lines, want)
	}
	for i := range want {
		if lines[i] != want[i] {
			t.Errorf("diff line %d = %+v, want %+v", i, lines[i], want[i])
		}
	}
	if got := text(`tr.failed-row[data-event="` + eventID + `"] td[data-label="Attempts"]`); got != "2" {
		t.Errorf("the failed delivery shows %s attempts, want 2", got)
	}

	shot, err := chromedp.Run(bctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(screenshotOutput), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(screenshotOutput, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	if *updateScreenshot {
		if err := os.WriteFile(screenshotFile, shot, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if len(shot) > 300<<10 {
		t.Errorf("the screenshot is %d KB, want at most 300", len(shot)>>10)
	}

	// Press Redeliver: the redirect keeps the token. (The api package's
	// tests check that the local API lets such a same-origin POST through.)
	resp, err := chromedp.RunResponse(bctx, chromedp.Click(chromedp.CSS(`tr.failed-row[data-event="`+eventID+`"] button`)))
	if err != nil {
		t.Fatalf("press redeliver: %v", err)
	}
	if resp.Status != http.StatusOK {
		t.Fatalf("after redeliver the page answers %d", resp.Status)
	}
	loc, err := chromedp.Run(bctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(loc, "queued=1") || !strings.Contains(loc, "token="+token) {
		t.Errorf("redirected to %s, want queued=1 and the token", loc)
	}
	if got := text(".notice"); got != "Queued 1 delivery again." {
		t.Errorf("notice %q", got)
	}

	// Press releases' poll now: the page comes back saying what the poll
	// did, with the token kept.
	resp, err = chromedp.RunResponse(bctx, chromedp.Click(chromedp.CSS(`tr[data-watch="releases"] button`)))
	if err != nil {
		t.Fatalf("press poll now: %v", err)
	}
	if resp.Status != http.StatusOK {
		t.Fatalf("after poll now the page answers %d", resp.Status)
	}
	if loc, err := chromedp.Run(bctx, chromedp.Location()); err != nil || !strings.Contains(loc, "notice=") || !strings.Contains(loc, "token="+token) {
		t.Errorf("poll now redirected to %s (%v), want a notice and the token", loc, err)
	}
	if got := text(".notice"); got != "Polled releases: no change (2 elements)." {
		t.Errorf("notice after poll now %q", got)
	}
	if src.polledWatches() != "releases" {
		t.Errorf("the button polled %q, want releases", src.polledWatches())
	}

	testkit.WaitUntil(t, 10*time.Second, "the page to show the event delivered", func() bool {
		if err := chromedp.Do(bctx, chromedp.Navigate(pageURL)); err != nil {
			t.Fatal(err)
		}
		delivered, err := chromedp.Run(bctx, chromedp.Evaluate[bool](`!!document.querySelector('[id="`+eventID+`"] .pill-delivered')`))
		if err != nil {
			t.Fatal(err)
		}
		return delivered
	})
	if len(src.redelivered) != 1 || src.redelivered[0].EventID != eventID || src.redelivered[0].State != store.StateFailed {
		t.Errorf("the button redelivered %+v, want the failed delivery of %s", src.redelivered, eventID)
	}
	if n, err := chromedp.Run(bctx, chromedp.Evaluate[int](`document.querySelectorAll('tr.failed-row').length`)); err != nil || n != 0 {
		t.Errorf("%d failed deliveries still listed (%v)", n, err)
	}

	// On a phone, long URLs wrap at their parts: nothing is wider than
	// the screen.
	if err := chromedp.Do(bctx, chromedp.EmulateViewport(390, 800), chromedp.Navigate(pageURL)); err != nil {
		t.Fatal(err)
	}
	if w, err := chromedp.Run(bctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); err != nil || w > 390 {
		t.Errorf("on a 390 px screen the page is %d px wide (%v)", w, err)
	}

	// ?refresh=5 reloads the page (a meta refresh, which the page's
	// Content-Security-Policy allows: it is not script), keeping the token.
	if err := chromedp.Do(bctx, chromedp.Navigate(pageURL+"&refresh=5")); err != nil {
		t.Fatal(err)
	}
	before := src.views.Load()
	testkit.WaitUntil(t, 15*time.Second, "the page to refresh itself", func() bool { return src.views.Load() > before })
	if loc, err := chromedp.Run(bctx, chromedp.Location()); err != nil || !strings.Contains(loc, "refresh=5") || !strings.Contains(loc, "token="+token) {
		t.Errorf("refreshed to %s (%v), want refresh=5 and the token", loc, err)
	}
}

// TestPage_BrowserList pages through a fleet of 120 watches in headless
// Chromium, as a person would with no script: the next link, a state's
// link, and the search form, each keeping the token; on a phone the list
// and its pager fit the screen.
func TestPage_BrowserList(t *testing.T) {
	bctx := browser(t)
	src := newFleetSource(t, 120)
	pageURL := serve(t, src).URL + "/?token=fleet-token"
	rowsShown := func() []string {
		t.Helper()
		got, err := chromedp.Run(bctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('tr.watch')].map(tr => tr.dataset.watch)`))
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	click := func(sel string) string {
		t.Helper()
		resp, err := chromedp.RunResponse(bctx, chromedp.Click(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("click %s: %v", sel, err)
		}
		if resp.Status != http.StatusOK {
			t.Fatalf("after clicking %s the page answers %d", sel, resp.Status)
		}
		loc, err := chromedp.Run(bctx, chromedp.Location())
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(loc, "token=fleet-token") {
			t.Errorf("clicking %s lost the token: %s", sel, loc)
		}
		return loc
	}
	if err := chromedp.Do(bctx, chromedp.EmulateViewport(1100, 900), chromedp.Navigate(pageURL)); err != nil {
		t.Fatal(err)
	}
	if got := rowsShown(); len(got) != 50 || got[0] != "w003" {
		t.Fatalf("the first page lists %v, want 50 from w003 (failing first)", got)
	}

	if loc := click(`.pager a[rel="next"]`); !strings.Contains(loc, "page=2") {
		t.Errorf("next went to %s", loc)
	}
	if got := rowsShown(); len(got) != 50 || got[0] != "w042" {
		t.Errorf("page 2 lists %v, want 50 from w042", got)
	}
	if got := textOf(t, bctx, ".list-count"); got != "Showing 51–100 of 120 watches, failing first" {
		t.Errorf("page 2 says %q", got)
	}

	click(`.states a[href*="state=failing"]`)
	if got := rowsShown(); len(got) != 12 || got[0] != "w003" || got[11] != "w113" {
		t.Errorf("the failing watches are %v, want the 12 from w003 to w113", got)
	}

	// The search form is a plain GET: it keeps the state and the token.
	if err := chromedp.Do(bctx, chromedp.SendKeys(`.search input[name="q"]`, "w11"), chromedp.Submit(`.search input[name="q"]`)); err != nil {
		t.Fatal(err)
	}
	testkit.WaitUntil(t, 10*time.Second, "the search's answer", func() bool {
		loc, err := chromedp.Run(bctx, chromedp.Location())
		return err == nil && strings.Contains(loc, "q=w11")
	})
	loc, _ := chromedp.Run(bctx, chromedp.Location())
	if !strings.Contains(loc, "state=failing") || !strings.Contains(loc, "token=fleet-token") {
		t.Errorf("the search went to %s, want the state and the token kept", loc)
	}
	if got := rowsShown(); len(got) != 1 || got[0] != "w113" {
		t.Errorf("failing watches whose name contains w11: %v, want w113", got)
	}
	click(`.search a`) // clear
	if got := rowsShown(); len(got) != 12 {
		t.Errorf("after clearing the search %d rows, want the 12 failing", len(got))
	}

	if err := chromedp.Do(bctx, chromedp.EmulateViewport(390, 800), chromedp.Navigate(pageURL+"&page=2")); err != nil {
		t.Fatal(err)
	}
	if w, err := chromedp.Run(bctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); err != nil || w > 390 {
		t.Errorf("on a 390 px screen the list is %d px wide (%v)", w, err)
	}
	// A picture of the pager on the phone, to look at (not tracked).
	if err := chromedp.Do(bctx, chromedp.ScrollIntoView(chromedp.CSS(".pager"))); err != nil {
		t.Fatal(err)
	}
	shot, err := chromedp.Run(bctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(screenshotOutput), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(filepath.Dir(screenshotOutput), "status-page-pager-phone.png"), shot, 0o644); err != nil {
		t.Fatal(err)
	}
}
