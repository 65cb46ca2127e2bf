package web

import (
	"encoding/json"
	"errors"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pollhook/pollhook/diff"
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
		if !strings.Contains(page, "token=REDACTED") || !strings.Contains(page, "https://<wbr>api.example/<wbr>releases?<wbr>…") {
			t.Error("the target URL is not shown redacted, or the watch URL without its query")
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

// TestPage_LabelsAndLinks: an event's lines and title name elements by
// their labels, and a line links its element's page when it has an http
// or https one; the page's escaping holds for both.
func TestPage_LabelsAndLinks(t *testing.T) {
	src := newFakeSource(t, htmlWatch, "", 1)
	src.changes = []diff.Change{
		{Op: diff.Added, Path: "#(id==3)", Key: "3", Label: "v3 <b>", Link: `https://example.com/r/3?a=1&b="2"`,
			New: json.RawMessage(`{"id":3,"name":"c"}`)},
		{Op: diff.Changed, Path: "#(id==1).name", Key: "1", Label: "v1", Link: "javascript:alert(1)",
			Old: json.RawMessage(`"a"`), New: json.RawMessage(`"a2"`)},
		{Op: diff.Removed, Path: "#(id==2)", Key: "2", Old: json.RawMessage(`{"id":2,"name":"b"}`)},
	}
	_, page := get(t, serve(t, src).URL+"/")
	for _, want := range []string{
		`<h3>releases changed: 1 added, 1 removed, 1 changed (v3 &lt;b&gt;, v1)</h3>`,
		`<li class="diff-line diff-add"><span class="sign" aria-hidden="true">&#43;</span><a class="text" href="https://example.com/r/3?a=1&amp;b=%222%22">v3 &lt;b&gt; &#34;c&#34;</a></li>`,
		`<li class="diff-line diff-chg"><span class="sign" aria-hidden="true">~</span><span class="text">v1 name: &#34;a&#34; → &#34;a2&#34;</span></li>`,
		`<li class="diff-line diff-del"><span class="sign" aria-hidden="true">-</span><span class="text">2 &#34;b&#34;</span></li>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	if strings.Contains(page, "javascript:") {
		t.Error("the page links a javascript: URL")
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

// TestPage_PollNow: each watch has a poll now button, a same-origin form
// to /ui/poll; the poll's outcome comes back as a notice after the
// redirect, which keeps the token, the refresh and the watch shown.
func TestPage_PollNow(t *testing.T) {
	const token = "poll-t0ken"
	src := newFakeSource(t, htmlWatch, token, 1)
	srv := serve(t, src)
	q := "?" + url.Values{"token": {token}}.Encode()
	_, page := get(t, srv.URL+"/"+q)
	row := testkit.WatchRow(t, page, "releases")
	for _, want := range []string{
		`<form method="post" action="/ui/poll` + html.EscapeString(q) + `">`,
		`<input type="hidden" name="watch" value="releases">`,
		`<button type="submit" class="btn">Poll now</button>`,
	} {
		if !strings.Contains(row, want) {
			t.Errorf("the releases row lacks %s:\n%s", want, row)
		}
	}
	for _, form := range []url.Values{{}, {"watch": {""}}} {
		if resp := testkit.PostForm(t, srv.URL+"/ui/poll"+q, form, nil); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("form %v: %d, want 400", form, resp.StatusCode)
		}
	}
	if resp := testkit.PostForm(t, srv.URL+"/ui/poll"+q, url.Values{"watch": {"nope"}}, nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("poll of an unknown watch: %d, want 404", resp.StatusCode)
	}
	if len(src.polled) != 0 {
		t.Fatalf("a refused form polled %v", src.polled)
	}

	resp := testkit.PostForm(t, srv.URL+"/ui/poll"+q, url.Values{"watch": {"releases"}, "back": {"refresh=30&watch=releases&evil=1"}}, nil)
	loc, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusSeeOther || err != nil || loc.Path != "/" || loc.Fragment != "watches" {
		t.Fatalf("poll now: %d to %q, want 303 to /?…#watches", resp.StatusCode, resp.Header.Get("Location"))
	}
	lq := loc.Query()
	if lq.Get("token") != token || lq.Get("refresh") != "30" || lq.Get("watch") != "releases" || lq.Get("notice") == "" || lq.Has("evil") {
		t.Errorf("poll now redirects to %s", loc)
	}
	if len(src.polled) != 1 || src.polled[0] != "releases" {
		t.Errorf("polled %v, want releases", src.polled)
	}
	_, page = get(t, srv.URL+loc.String())
	if !strings.Contains(page, `<p class="notice" role="status">Polled releases: no change (2 elements).</p>`) {
		t.Errorf("after poll now the page does not say what happened:\n%s", page)
	}

	// A failure is a problem, escaped; a notice cannot be made up in the URL.
	resp = testkit.PostForm(t, srv.URL+"/ui/poll"+q, url.Values{"watch": {htmlWatch}}, nil)
	_, page = get(t, srv.URL+resp.Header.Get("Location"))
	if !strings.Contains(page, `<p class="problem" role="alert">Polled &lt;b&gt;bad&lt;/b&gt; &#34;api&#34;: failed: HTTP 500: &lt;b&gt;internal&lt;/b&gt; trouble.</p>`) {
		t.Errorf("a failed poll now does not show as a problem:\n%s", page)
	}
	if _, page := get(t, srv.URL+"/"+q+"&notice=made-up"); strings.Contains(page, `class="notice"`) {
		t.Error("an unknown notice id shows a notice")
	}
}

// TestPage_WatchEvents: each watch links to its events; ?watch= shows
// only that watch's.
func TestPage_WatchEvents(t *testing.T) {
	src := newFakeSource(t, htmlWatch, "", 1)
	srv := serve(t, src)
	_, page := get(t, srv.URL+"/")
	if row := testkit.WatchRow(t, page, "releases"); !strings.Contains(row, `<a href="/?watch=releases#changes">releases</a>`) {
		t.Errorf("the releases row does not link to its events:\n%s", row)
	}
	if row := testkit.WatchRow(t, page, htmlWatch); !strings.Contains(row, `href="/?watch=%3Cb%3Ebad%3C%2Fb%3E&#43;%22api%22#changes"`) {
		t.Errorf("the link of a watch with an odd name:\n%s", row)
	}
	_, page = get(t, srv.URL+"/?watch=releases")
	if !strings.Contains(page, `id="`+eventID+`"`) || !strings.Contains(page, "Only the events of releases") {
		t.Errorf("?watch=releases does not show releases' event, or does not say it filters:\n%s", page)
	}
	_, page = get(t, srv.URL+"/?watch=fresh")
	if strings.Contains(page, `id="`+eventID+`"`) || !strings.Contains(page, "No events of fresh yet.") {
		t.Errorf("?watch=fresh shows another watch's event:\n%s", page)
	}
	if !strings.Contains(page, `<a href="/#changes">all watches</a>`) {
		t.Error("a filtered page does not link back to all watches")
	}
}

// TestPage_AutoRefresh: ?refresh=N reloads the page every N seconds (at
// least 5) with a meta refresh, keeping the token and the watch shown but
// not a notice; the Content-Security-Policy still allows no script.
func TestPage_AutoRefresh(t *testing.T) {
	const token = "refresh-t0ken"
	src := newFakeSource(t, htmlWatch, token, 1)
	srv := serve(t, src)
	for _, c := range []struct{ query, want string }{
		{"refresh=30", `<meta http-equiv="refresh" content="30; url=/?refresh=30&amp;token=refresh-t0ken">`},
		{"refresh=1&watch=releases&queued=1", `<meta http-equiv="refresh" content="5; url=/?refresh=5&amp;token=refresh-t0ken&amp;watch=releases">`},
		{"refresh=99999", `<meta http-equiv="refresh" content="3600; url=/?refresh=3600&amp;token=refresh-t0ken">`},
		{"refresh=9223372036854775808", `<meta http-equiv="refresh" content="3600; url=/?refresh=3600&amp;token=refresh-t0ken">`},
		{"refresh=0", ""},
		{"refresh=-5", ""},
		{"refresh=x", ""},
		{"", ""},
	} {
		resp, page := get(t, srv.URL+"/?token="+token+"&"+c.query)
		got := ""
		if i := strings.Index(page, `<meta http-equiv="refresh"`); i >= 0 {
			got, _, _ = strings.Cut(page[i:], "\n")
		}
		if got != c.want {
			t.Errorf("?%s: %q, want %q", c.query, got, c.want)
		}
		if csp := resp.Header.Get("Content-Security-Policy"); !strings.HasPrefix(csp, "default-src 'none'; style-src 'sha256-") || strings.Contains(csp, "script") {
			t.Errorf("?%s: Content-Security-Policy %q", c.query, csp)
		}
	}
	_, page := get(t, srv.URL+"/?token="+token+"&refresh=30")
	for _, want := range []string{`every 30 s`, `<a href="/?token=refresh-t0ken">stop</a>`, `<input type="hidden" name="back" value="refresh=30">`} {
		if !strings.Contains(page, want) {
			t.Errorf("a refreshing page lacks %s", want)
		}
	}
	if _, page := get(t, srv.URL+"/?token="+token); !strings.Contains(page, `<a href="/?refresh=30&amp;token=refresh-t0ken">auto-refresh</a>`) {
		t.Error("the page offers no auto-refresh")
	}
}

// TestBreakURL: a URL shown on the page may wrap after / ? and &.
func TestBreakURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://api.example/v1/items?a=1&b=<2>": "https://<wbr>api.example/<wbr>v1/<wbr>items?<wbr>a=1&amp;<wbr>b=&lt;2&gt;",
		"":                                       "",
	} {
		if got := string(breakURL(in)); got != want {
			t.Errorf("breakURL(%q) = %q, want %q", in, got, want)
		}
	}
}
