package main

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pollhook/pollhook/config"
	"github.com/pollhook/pollhook/event"
	"github.com/pollhook/pollhook/notify"
	"github.com/pollhook/pollhook/store"
)

// The status page is one server-rendered HTML page with its stylesheet
// inlined: no JavaScript, no other requests, so it works behind the
// auth_token and on a phone alike.
//
//go:embed web/status.html web/status.css
var webFS embed.FS

// Limits of the status page.
const (
	recentEvents      = 20 // change events shown, across watches
	failedPerTarget   = 25 // failed deliveries listed per target
	statusPageTimeout = 5 * time.Second
)

// statusPage parses the embedded page and returns it with its stylesheet
// and a Content-Security-Policy that allows that stylesheet and nothing
// else: no scripts, no frames, forms only to this origin.
func statusPage() (*template.Template, template.CSS, string) {
	css, err := webFS.ReadFile("web/status.css")
	if err != nil {
		panic(err) // embedded at build time
	}
	page := template.Must(template.ParseFS(webFS, "web/status.html"))
	sum := sha256.Sum256(css)
	csp := "default-src 'none'; style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'; " +
		"img-src data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
	return page, template.CSS(css), csp
}

// statusView is what the page shows.
type statusView struct {
	CSS     template.CSS
	Version string
	Now     timeView
	Notice  string
	// Query carries ?token= into links, forms and redirects when the page
	// was opened with it.
	Query   string
	Summary summary
	Watches []watchRow
	Events  []eventView
	Targets []targetView
	// Problems are parts of the page that could not be read.
	Problems []string
}

// summary is the page's row of counts.
type summary struct {
	Watches, Failing, Paused int
	Pending, Failed          int
}

// timeView is a time as the page shows it: relative, with the exact time
// in a tooltip.
type timeView struct {
	ISO, Abs, Rel string
}

type watchRow struct {
	Name, URL, Schedule string
	// State is ok, failing, paused or waiting (for its baseline).
	State, StateLabel, Detail string
	LastPoll, LastChange      timeView
	NextRun                   timeView
}

type eventView struct {
	ID, Watch, Title string
	// Kind is change, failing, recovered or test.
	Kind       string
	Seq        uint64
	At         timeView
	Lines      []diffLine
	Deliveries []deliveryBadge
}

// diffLine is one line of notify's rendering of an event; Class is
// add, del, chg or note.
type diffLine struct {
	Class, Sign, Text string
}

type deliveryBadge struct {
	Target, State string
}

type targetView struct {
	Name, Kind, URL string
	Removed         bool
	Disabled        string // why, when it is
	Pending, Failed int
	FailedList      []failedRow
	More            int
}

type failedRow struct {
	EventID, Watch string
	Attempts       int
	Last           string
	Done           timeView
}

// status serves the status page. It renders into a buffer first, so that
// a template error is a clean 500, not half a page.
func (o *observer) status(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), statusPageTimeout)
	defer cancel()
	v := o.statusView(ctx, r)
	var buf bytes.Buffer
	if err := o.page.Execute(&buf, v); err != nil {
		o.d.log.Error("render status page", "err", err)
		http.Error(w, "render status page: "+err.Error(), http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", o.csp)
	h.Set("Referrer-Policy", "same-origin") // not "no-referrer": it makes a form's Origin "null"
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	_, _ = w.Write(buf.Bytes())
}

func (o *observer) statusView(ctx context.Context, r *http.Request) statusView {
	cfg := o.d.config()
	now := o.now()
	v := statusView{CSS: o.css, Version: buildVersion(), Now: at(now, now), Query: tokenQuery(cfg, r)}
	if q := r.URL.Query().Get("queued"); q != "" {
		switch n, _ := strconv.Atoi(q); {
		case n <= 0:
			v.Notice = "Nothing to redeliver."
		case n == 1:
			v.Notice = "Queued 1 delivery again."
		default:
			v.Notice = fmt.Sprintf("Queued %d deliveries again.", n)
		}
	}
	problem := func(what string, err error) {
		v.Problems = append(v.Problems, what+": "+err.Error())
	}

	for _, wt := range cfg.Watches {
		row := o.watchRow(wt, now)
		v.Summary.Watches++
		switch row.State {
		case "failing":
			v.Summary.Failing++
		case "paused":
			v.Summary.Paused++
		}
		v.Watches = append(v.Watches, row)
	}

	// One read of the target states serves both lists.
	states, err := o.d.db.TargetStates(ctx)
	if err != nil {
		problem("outbox", err)
	}
	disabled := disabledTargets(cfg, states)
	events, err := o.recentEvents(ctx, cfg, disabled, now)
	if err != nil {
		problem("recent changes", err)
	}
	v.Events = events

	targets, err := o.targetViews(ctx, cfg, states, disabled, now)
	if err != nil {
		problem("outbox", err)
	}
	for _, t := range targets {
		v.Summary.Pending += t.Pending
		v.Summary.Failed += t.Failed
	}
	v.Targets = targets
	return v
}

func (o *observer) watchRow(wt *config.Watch, now time.Time) watchRow {
	st := o.d.poller.State(wt.Name)
	row := watchRow{
		Name: wt.Name, URL: displayURL(wt.URL), Schedule: wt.ScheduleSpec,
		LastPoll: at(st.LastPoll, now), LastChange: at(st.LastChange, now),
		NextRun: at(o.d.poller.NextRun(wt.Name), now),
	}
	switch {
	case now.Before(st.PausedUntil):
		row.State, row.StateLabel = "paused", "paused"
		row.Detail = "The API asked to wait (Retry-After or rate limit): no request before " +
			st.PausedUntil.UTC().Format("2006-01-02 15:04:05 UTC") + "."
	case st.Failures > 0:
		row.State, row.StateLabel = "failing", "failing"
		row.Detail = fmt.Sprintf("%d failed %s in a row", st.Failures, plural(st.Failures, "poll", "polls"))
		if !st.FailingSince.IsZero() {
			row.Detail += ", since " + at(st.FailingSince, now).Rel
		}
		if st.LastError != "" {
			row.Detail += ": " + oneLine(st.LastError, 200)
		}
	case !st.Baseline:
		row.State, row.StateLabel = "waiting", "waiting for baseline"
		row.Detail = "The first successful poll stores a snapshot and sends nothing."
	default:
		row.State, row.StateLabel = "ok", "ok"
	}
	return row
}

// recentEvents merges the newest events of every watch, newest first.
func (o *observer) recentEvents(ctx context.Context, cfg *config.Config, disabled map[string]bool, now time.Time) ([]eventView, error) {
	var evs []event.Event
	var errs []error
	for _, wt := range cfg.Watches {
		raws, err := o.d.db.History(ctx, wt.Name, recentEvents)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, raw := range raws {
			var ev event.Event
			if err := json.Unmarshal(raw, &ev); err != nil {
				errs = append(errs, fmt.Errorf("decode event of %s: %w", wt.Name, err))
				continue
			}
			evs = append(evs, ev)
		}
	}
	slices.SortFunc(evs, func(a, b event.Event) int {
		return cmp.Or(b.Timestamp.Compare(a.Timestamp), strings.Compare(b.ID, a.ID))
	})
	if len(evs) > recentEvents {
		evs = evs[:recentEvents]
	}
	out := make([]eventView, 0, len(evs))
	for i := range evs {
		ev := &evs[i]
		e := eventView{ID: ev.ID, Watch: ev.Data.Watch, Title: ev.Title(), Seq: ev.Data.Seq, At: at(ev.Timestamp, now)}
		switch ev.Type {
		case event.TypeFailing:
			e.Kind = "failing"
		case event.TypeRecovered:
			e.Kind = "recovered"
		case event.TypeTest:
			e.Kind = "test"
		default:
			e.Kind = "change"
		}
		for _, line := range ev.Lines() {
			e.Lines = append(e.Lines, newDiffLine(line))
		}
		ds, err := o.d.db.Deliveries(ctx, store.Filter{EventID: ev.ID})
		if err != nil {
			errs = append(errs, err)
		}
		relabel(ds, disabled)
		for _, d := range ds {
			e.Deliveries = append(e.Deliveries, deliveryBadge{Target: d.Target, State: d.State})
		}
		out = append(out, e)
	}
	return out, errors.Join(errs...)
}

// newDiffLine splits a line of Event.Lines into its sign and text.
func newDiffLine(line string) diffLine {
	class := ""
	switch {
	case strings.HasPrefix(line, "+ "):
		class = "add"
	case strings.HasPrefix(line, "- "):
		class = "del"
	case strings.HasPrefix(line, "~ "):
		class = "chg"
	}
	if class == "" {
		return diffLine{Class: "note", Text: line}
	}
	return diffLine{Class: class, Sign: line[:1], Text: line[2:]}
}

// targetViews is the outbox by target: every configured target, and any
// other the outbox still holds deliveries for.
func (o *observer) targetViews(ctx context.Context, cfg *config.Config, states map[string]store.TargetState, disabled map[string]bool, now time.Time) ([]targetView, error) {
	counts, err := o.d.db.OutboxCounts(ctx)
	if err != nil {
		return nil, err
	}
	var out []targetView
	for _, t := range cfg.Targets {
		c := counts[t.Name]
		tv := targetView{Name: t.Name, Kind: t.Kind, URL: notify.RedactURL(t, t.URL), Pending: c.Pending, Failed: c.Failed}
		if disabled[t.Name] {
			tv.Disabled = "disabled in the configuration"
			if !t.Disabled {
				tv.Disabled = "disabled: " + oneLine(cmp.Or(states[t.Name].Reason, "the target answered 410 Gone"), 160) +
					" (pollhook target enable " + t.Name + ")"
			}
		}
		out = append(out, tv)
	}
	for _, name := range removedTargets(cfg, counts) {
		c := counts[name]
		out = append(out, targetView{Name: name, Removed: true, Pending: c.Pending, Failed: c.Failed})
	}

	anyFailed := false
	for _, t := range out {
		anyFailed = anyFailed || t.Failed > 0
	}
	if !anyFailed {
		return out, nil
	}
	failed, err := o.d.db.Deliveries(ctx, store.Filter{State: store.StateFailed})
	if err != nil {
		return out, err
	}
	for i := range out {
		t := &out[i]
		for _, d := range failed {
			if d.Target != t.Name {
				continue
			}
			if len(t.FailedList) == failedPerTarget {
				t.More++
				continue
			}
			t.FailedList = append(t.FailedList, failedRow{
				EventID: d.EventID, Watch: d.Watch, Attempts: d.Attempts,
				Last: lastOutcome(d), Done: at(d.Done, now),
			})
		}
	}
	return out, nil
}

// uiRedeliver is the status page's redeliver buttons: one failed
// delivery (event_id and target), or every failed delivery of a target
// (state=failed and target). It answers with a redirect back to the page.
func (o *observer) uiRedeliver(w http.ResponseWriter, r *http.Request) {
	// The API's middleware already refused a cross-site POST (sameOrigin).
	r.Body = http.MaxBytesReader(w, r.Body, 1<<16)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form: "+err.Error(), http.StatusBadRequest)
		return
	}
	// The page offers dead letters only: a stale page or a second click
	// must not send a delivered event again.
	f := store.Filter{EventID: r.PostForm.Get("event_id"), Target: r.PostForm.Get("target"), State: store.StateFailed}
	if f.EventID == "" && (r.PostForm.Get("state") != store.StateFailed || f.Target == "") {
		http.Error(w, "name an event_id, or state=failed and a target", http.StatusBadRequest)
		return
	}
	queued, err := o.d.local().redeliver(r.Context(), f)
	if err != nil {
		http.Error(w, "redeliver: "+err.Error(), errorStatus(err))
		return
	}
	o.d.log.Info("redeliver from the status page", "event_id", f.EventID, "target", f.Target, "queued", len(queued))
	q := url.Values{"queued": {strconv.Itoa(len(queued))}}
	if tok := tokenValue(o.d.config(), r); tok != "" {
		q.Set("token", tok)
	}
	http.Redirect(w, r, "/?"+q.Encode()+"#outbox", http.StatusSeeOther)
}

// errCrossSite is the answer to a form posted from another site.
var errCrossSite = errors.New("cross-site request refused")

// sameOrigin stops cross-site request forgery of the page's forms: a
// browser says where a request comes from in Sec-Fetch-Site and Origin,
// and another site's page cannot forge either. A request that carries
// neither (curl) is not from a browser and passes.
func sameOrigin(r *http.Request) error {
	switch site := r.Header.Get("Sec-Fetch-Site"); site {
	case "", "same-origin", "none":
	default:
		return fmt.Errorf("%w (Sec-Fetch-Site: %s)", errCrossSite, site)
	}
	if origin := r.Header.Get("Origin"); origin != "" {
		u, err := url.Parse(origin)
		if err != nil || u.Host == "" || !strings.EqualFold(u.Host, r.Host) {
			return fmt.Errorf("%w (Origin %q is not this host, %q)", errCrossSite, origin, r.Host)
		}
	}
	return nil
}

// tokenValue is the auth_token the request carried as ?token=, which the
// auth middleware has checked, or "".
func tokenValue(cfg *config.Config, r *http.Request) string {
	if cfg.AuthToken == "" {
		return ""
	}
	return r.URL.Query().Get("token")
}

// tokenQuery is "?token=…" to append to the page's own URLs, or "".
func tokenQuery(cfg *config.Config, r *http.Request) string {
	if tok := tokenValue(cfg, r); tok != "" {
		return "?" + url.Values{"token": {tok}}.Encode()
	}
	return ""
}

// displayURL is a watch URL fit to show: no user or password, and no
// query (where API keys go); the path stays, as events carry it.
func displayURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	s := u.Scheme + "://" + u.Host + u.EscapedPath()
	if u.RawQuery != "" {
		s += "?…"
	}
	return s
}

// at is t for the page; the zero time shows as "—".
func at(t, now time.Time) timeView {
	if t.IsZero() {
		return timeView{Rel: "—"}
	}
	v := timeView{ISO: t.UTC().Format(time.RFC3339), Abs: t.UTC().Format("2006-01-02 15:04:05 UTC")}
	d := t.Sub(now)
	switch {
	case d > time.Second:
		v.Rel = "in " + shortDuration(d)
	case d >= -time.Second:
		v.Rel = "now"
	default:
		v.Rel = shortDuration(-d) + " ago"
	}
	return v
}

// shortDuration is d in its two largest units: "45s", "4m 10s", "3h 5m", "2d 4h".
func shortDuration(d time.Duration) string {
	s := int64(d.Round(time.Second) / time.Second)
	switch {
	case s < 60:
		return fmt.Sprintf("%ds", s)
	case s < 3600:
		return twoUnits(s/60, "m", s%60, "s")
	case s < 86400:
		return twoUnits(s/3600, "h", s%3600/60, "m")
	}
	return twoUnits(s/86400, "d", s%86400/3600, "h")
}

func twoUnits(a int64, ua string, b int64, ub string) string {
	if b == 0 {
		return fmt.Sprintf("%d%s", a, ua)
	}
	return fmt.Sprintf("%d%s %d%s", a, ua, b, ub)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
