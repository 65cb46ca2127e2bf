package web

import (
	"errors"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pollhook/pollhook/internal/testkit"
	"github.com/pollhook/pollhook/store"
)

func TestPage(t *testing.T) {
	src := newFakeSource(t, htmlWatch, "", 1)
	srv := serve(t, src)
	resp, page := get(t, srv.URL+"/")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET /: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	for h, want := range map[string]string{
		"Content-Security-Policy": "default-src 'none'; style-src 'sha256-",
		"Referrer-Policy":         "same-origin",
		"X-Frame-Options":         "DENY",
		"Cache-Control":           "no-store",
	} {
		if got := resp.Header.Get(h); !strings.HasPrefix(got, want) {
			t.Errorf("%s = %q, want %q…", h, got, want)
		}
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("Content-Security-Policy %q", csp)
	}

	t.Run("watches", func(t *testing.T) {
		for _, c := range []struct{ watch, badge, text string }{
			{"releases", "badge-ok", ">ok<"},
			{htmlWatch, "badge-failing", "1 failed poll in a row, since 5m ago: HTTP 500: internal trouble"},
			{"limited", "badge-paused", "no request before 2026-11-27 15:30:00 UTC"},
			{"fresh", "badge-waiting", "waiting for baseline"},
		} {
			row := testkit.WatchRow(t, page, c.watch)
			if !strings.Contains(row, c.badge) || !strings.Contains(row, c.text) {
				t.Errorf("row of %s lacks %s / %q:\n%s", c.watch, c.badge, c.text, row)
			}
		}
		if row := testkit.WatchRow(t, page, "releases"); strings.Count(row, "<time") != 3 || !strings.Contains(row, "in 58m") {
			t.Errorf("releases row should show last poll, last change and next run:\n%s", row)
		}
		if !strings.Contains(page, `<span class="tile-n">4</span><span class="tile-l">watches</span>`) {
			t.Error("the summary does not count 4 watches")
		}
	})

	t.Run("escaping and secrets", func(t *testing.T) {
		if strings.Contains(page, "<b>bad</b>") || !strings.Contains(page, "&lt;b&gt;bad&lt;/b&gt;") {
			t.Error("a watch name is not HTML-escaped")
		}
		for _, secret := range []string{watchSecret, hookSecret} {
			if strings.Contains(page, secret) {
				t.Errorf("the page shows the secret %q", secret)
			}
		}
		if !strings.Contains(page, "token=REDACTED") || !strings.Contains(page, "https://api.example/releases?…") {
			t.Error("the target URL is not shown redacted, or the watch URL with its query")
		}
	})

	t.Run("diff", func(t *testing.T) {
		for _, want := range []string{
			`<li class="diff-line diff-add"><span class="sign" aria-hidden="true">&#43;</span><span class="text">3 &#34;c&#34;</span></li>`,
			`<li class="diff-line diff-del"><span class="sign" aria-hidden="true">-</span><span class="text">2 &#34;b&#34;</span></li>`,
			`<li class="diff-line diff-chg"><span class="sign" aria-hidden="true">~</span><span class="text">1 name: &#34;a&#34; → &#34;a2&#34;</span></li>`,
			`releases changed: 1 added, 1 removed, 1 changed`,
			`id="` + eventID + `"`,
			`pill-failed`,
		} {
			if !strings.Contains(page, want) {
				t.Errorf("the page lacks %s", want)
			}
		}
	})

	t.Run("failed deliveries", func(t *testing.T) {
		for _, want := range []string{
			`<tr class="failed-row" data-event="` + eventID + `">`,
			`<form method="post" action="/ui/redeliver">`,
			`<input type="hidden" name="event_id" value="` + eventID + `">`,
			`<input type="hidden" name="target" value="hook">`,
			`<input type="hidden" name="state" value="failed">`,
			`Redeliver all failed to hook`,
			`<b>1</b> failed`,
		} {
			if !strings.Contains(page, want) {
				t.Errorf("the page lacks %s", want)
			}
		}
	})
}

func TestPage_Redeliver(t *testing.T) {
	src := newFakeSource(t, htmlWatch, "", 1)
	srv := serve(t, src)
	for _, form := range []url.Values{{"target": {"hook"}}, {"state": {"failed"}}, {"state": {"pending"}, "target": {"hook"}}} {
		if resp := testkit.PostForm(t, srv.URL+"/ui/redeliver", form, nil); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("form %v: %d, want 400", form, resp.StatusCode)
		}
	}
	if len(src.redelivered) != 0 {
		t.Fatalf("a refused form redelivered %v", src.redelivered)
	}

	resp := testkit.PostForm(t, srv.URL+"/ui/redeliver", url.Values{"event_id": {eventID}, "target": {"hook"}}, nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/?queued=1#outbox" {
		t.Fatalf("redeliver: %d to %q, want 303 to /?queued=1#outbox", resp.StatusCode, resp.Header.Get("Location"))
	}
	// The page offers dead letters only: a stale page or a second click
	// must not send a delivered event again.
	want := store.Filter{EventID: eventID, Target: "hook", State: store.StateFailed}
	if len(src.redelivered) != 1 || src.redelivered[0].EventID != want.EventID || src.redelivered[0].State != want.State || src.redelivered[0].Target != want.Target {
		t.Errorf("redelivered %+v, want %+v", src.redelivered, want)
	}
	_, page := get(t, srv.URL+"/?queued=1")
	for _, want := range []string{"Queued 1 delivery again.", "pill-delivered", "<b>0</b> failed"} {
		if !strings.Contains(page, want) {
			t.Errorf("after the redelivery the page lacks %q", want)
		}
	}
	if strings.Contains(page, `class="failed-row"`) {
		t.Error("after the redelivery the page still lists a failed delivery")
	}
	resp = testkit.PostForm(t, srv.URL+"/ui/redeliver", url.Values{"state": {"failed"}, "target": {"hook"}}, nil)
	if resp.Header.Get("Location") != "/?queued=0#outbox" {
		t.Errorf("second redeliver to %q, want /?queued=0#outbox", resp.Header.Get("Location"))
	}
	for q, notice := range map[string]string{"0": "Nothing to redeliver.", "3": "Queued 3 deliveries again."} {
		if _, page := get(t, srv.URL+"/?queued="+q); !strings.Contains(page, notice) {
			t.Errorf("?queued=%s lacks %q", q, notice)
		}
	}
}

// TestPage_Token: a page opened with ?token= keeps it in its links, forms
// and redirects; one opened without it (a proxy sent a Bearer header)
// puts no token anywhere.
func TestPage_Token(t *testing.T) {
	const token = "page-t0ken+/="
	src := newFakeSource(t, htmlWatch, token, 1)
	srv := serve(t, src)
	q := "?" + url.Values{"token": {token}}.Encode()
	_, page := get(t, srv.URL+"/"+q)
	escaped := html.EscapeString(q)
	for _, want := range []string{`action="/ui/redeliver` + escaped + `"`, `href="/metrics` + escaped + `"`, `href="/readyz` + escaped + `"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the page opened with ?token= lacks %s", want)
		}
	}
	if _, page := get(t, srv.URL+"/"); strings.Contains(page, "page-t0ken") {
		t.Error("a page opened without ?token= puts the token in its URLs")
	}
	resp := testkit.PostForm(t, srv.URL+"/ui/redeliver"+q, url.Values{"state": {"failed"}, "target": {"hook"}}, nil)
	want := "/?" + url.Values{"queued": {"1"}, "token": {token}}.Encode() + "#outbox"
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != want {
		t.Errorf("redeliver with the token: %d to %q, want 303 to %q", resp.StatusCode, resp.Header.Get("Location"), want)
	}
}

func TestPage_Problems(t *testing.T) {
	src := newFakeSource(t, htmlWatch, "", 1)
	src.fail = errors.New("disk on fire")
	resp, page := get(t, serve(t, src).URL+"/")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("a failing outbox makes the page answer %d; it should show what it can", resp.StatusCode)
	}
	if !strings.Contains(page, "Could not read outbox: disk on fire") || !strings.Contains(page, `data-watch="releases"`) {
		t.Errorf("the page does not say what it could not read, or lost the watches:\n%s", page)
	}
}

func TestPage_ManyFailed(t *testing.T) {
	src := newFakeSource(t, htmlWatch, "", 1)
	src.addFailed(30)
	_, page := get(t, serve(t, src).URL+"/")
	if n := strings.Count(page, `class="failed-row"`); n != failedPerTarget {
		t.Errorf("%d failed rows, want %d", n, failedPerTarget)
	}
	if !strings.Contains(page, "…and 6 more (see <code>pollhook deliveries --state failed --target hook</code>)") {
		t.Error("the page does not say how many failed deliveries it leaves out")
	}
}

func TestAt(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		t    time.Time
		want timeView
	}{
		{time.Time{}, timeView{Rel: "—"}},
		{now, timeView{ISO: "2026-03-01T12:00:00Z", Abs: "2026-03-01 12:00:00 UTC", Rel: "now"}},
		{now.Add(-45 * time.Second), timeView{ISO: "2026-03-01T11:59:15Z", Abs: "2026-03-01 11:59:15 UTC", Rel: "45s ago"}},
		{now.Add(-4*time.Minute - 10*time.Second), timeView{ISO: "2026-03-01T11:55:50Z", Abs: "2026-03-01 11:55:50 UTC", Rel: "4m 10s ago"}},
		{now.Add(3*time.Hour + 5*time.Minute), timeView{ISO: "2026-03-01T15:05:00Z", Abs: "2026-03-01 15:05:00 UTC", Rel: "in 3h 5m"}},
		{now.Add(-50 * time.Hour), timeView{ISO: "2026-02-27T10:00:00Z", Abs: "2026-02-27 10:00:00 UTC", Rel: "2d 2h ago"}},
		{now.Add(time.Hour), timeView{ISO: "2026-03-01T13:00:00Z", Abs: "2026-03-01 13:00:00 UTC", Rel: "in 1h"}},
	}
	for _, tt := range tests {
		if got := at(tt.t, now); got != tt.want {
			t.Errorf("at(%v) = %+v, want %+v", tt.t, got, tt.want)
		}
	}
}
