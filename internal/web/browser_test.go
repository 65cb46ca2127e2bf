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
	chromium := chromiumPath(t)
	const token = "browser-token"
	src := newFakeSource(t, "status-api", token, 2)
	pageURL := serve(t, src).URL + "/?" + url.Values{"token": {token}}.Encode()

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
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
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(allocCtx)
	defer cancelBrowser()

	if err := chromedp.Do(bctx, chromedp.EmulateViewport(1100, 900), chromedp.Navigate(pageURL)); err != nil {
		t.Fatalf("load the status page: %v", err)
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(bctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return strings.TrimSpace(s)
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
