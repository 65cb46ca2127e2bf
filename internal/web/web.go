// Package web is the status page: one server-rendered HTML page with its
// stylesheet inlined (no JavaScript, no other requests, so it works behind
// the auth_token and on a phone alike), showing the watches a page at a
// time (failing first, filtered by state or by a part of their name, each
// with a poll now button and a link to its events), the recent changes
// and the outbox, with Redeliver buttons for dead letters, optionally
// refreshing itself. It is fed by a Source, so it can be tested without a
// daemon; the local API mounts it behind its authentication and
// same-origin checks.
package web

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pollhook/pollhook/config"
	"github.com/pollhook/pollhook/event"
	"github.com/pollhook/pollhook/internal/human"
	"github.com/pollhook/pollhook/internal/inspect"
	"github.com/pollhook/pollhook/internal/redact"
	"github.com/pollhook/pollhook/notify"
	"github.com/pollhook/pollhook/store"
)

//go:embed status.html status.css
var assets embed.FS

// Source is what the page shows, read at each request.
type Source interface {
	// Config is the configuration in force.
	Config() *config.Config
	// WatchState is a watch's state as the poller knows it; NextRun when
	// its next poll is due (zero when it is not scheduled).
	WatchState(name string) store.WatchState
	NextRun(name string) time.Time
	// History returns a watch's newest events, as stored.
	History(ctx context.Context, watch string, limit int) ([][]byte, error)
	// Recent returns the newest events of all watches, as stored
	// (store.DB.Recent).
	Recent(ctx context.Context, o store.RecentOptions) ([][]byte, error)
	// Deliveries, TargetStates and OutboxCounts read the outbox.
	Deliveries(ctx context.Context, f store.Filter) ([]store.Delivery, error)
	TargetStates(ctx context.Context) (map[string]store.TargetState, error)
	OutboxCounts(ctx context.Context) (map[string]store.OutboxCount, error)
	// Redeliver queues deliveries again (inspect.Outbox.Redeliver).
	Redeliver(ctx context.Context, f store.Filter) ([]store.Delivery, error)
	// Poll polls a configured watch now, as pollhook once does, and says
	// what the poll did.
	Poll(ctx context.Context, watch string) (inspect.Polled, error)
	// Subscriptions lists the consumer applications and their endpoints
	// (asked only when [subscriptions] is set).
	Subscriptions(ctx context.Context) ([]store.App, []store.Endpoint, error)
}

// Limits of the status page.
const (
	recentEvents = 20 // change events shown, across watches
	// recentScan bounds the events read to find recentEvents of
	// configured watches.
	recentScan = 1000
	// pageLinks is how many page numbers the watches' pager shows on each
	// side of the current page.
	pageLinks       = 2
	failedPerTarget = 25 // failed deliveries listed per target
	pageTimeout     = 5 * time.Second
	// pollTimeout bounds a poll now: a poll of every page of a slow API,
	// as POST /api/once allows.
	pollTimeout = 5 * time.Minute
	// minRefresh and maxRefresh bound ?refresh=, in seconds.
	minRefresh, maxRefresh = 5, 3600
	// offeredRefresh is the interval the page's auto-refresh link offers.
	offeredRefresh = 30
	// maxNotices is how many poll now outcomes the page remembers for
	// the redirects that show them.
	maxNotices = 64
)

// Page serves the status page (ServeHTTP) and its buttons (Redeliver,
// Poll).
type Page struct {
	src     Source
	version string
	log     *slog.Logger
	// Now tells the time the page is rendered at; tests set it.
	Now func() time.Time

	tmpl *template.Template
	// css is the stylesheet, inlined, and csp the Content-Security-Policy
	// that allows exactly that stylesheet.
	css template.CSS
	csp string

	notices notices
}

// New returns the status page of a daemon running version.
func New(src Source, version string, log *slog.Logger) (*Page, error) {
	css, err := assets.ReadFile("status.css")
	if err != nil {
		return nil, err
	}
	tmpl, err := template.New("status.html").Funcs(template.FuncMap{"breakURL": breakURL}).ParseFS(assets, "status.html")
	if err != nil {
		return nil, fmt.Errorf("status page: %w", err)
	}
	sum := sha256.Sum256(css)
	csp := "default-src 'none'; style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'; " +
		"img-src data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
	return &Page{src: src, version: version, log: log, Now: time.Now, tmpl: tmpl, css: template.CSS(css), csp: csp}, nil
}

// view is what the page shows.
type view struct {
	CSS     template.CSS
	Version string
	Now     timeView
	Notice  notice
	// Query carries ?token= into links, forms and redirects when the page
	// was opened with it.
	Query string
	// Back is what the forms carry back to the page after their redirect:
	// the refresh, the watches' page and the watch shown (pageState.back).
	Back string
	// Refresh is the auto-refresh interval in seconds (0: none), with the
	// URL the page reloads (the page's state, without a notice) and the
	// one that stops it; OfferRefresh starts one.
	Refresh                               int
	RefreshURL, StopRefresh, OfferRefresh string
	// Filter is the watch whose events alone are shown, and AllEvents the
	// page showing every watch's.
	Filter, AllEvents string
	Summary           summary
	Watches           []watchRow
	// List is how the watches shown were picked, with the links to the
	// others.
	List    listing
	Events  []eventView
	Targets []targetView
	// Subs is the subscriptions section, when they are on.
	Subs *subsView
	// Problems are parts of the page that could not be read.
	Problems []string
}

// notice is what a button did, said at the top of the page: good news,
// or a problem (Bad); Event is the event it made, if any, to link to.
type notice struct {
	Text, Event string
	Bad         bool
}

// summary is the page's row of counts, of every watch; each watches'
// tile links to the list of its watches.
type summary struct {
	Watches, Failing, Paused int
	Pending, Failed          int
	AllURL, FailingURL       string
	PausedURL                string
}

// listing is the list of watches: which of them it shows, and the links
// to the others.
type listing struct {
	// States are the links to each state's watches, All first, each with
	// how many watches the search matches.
	States []stateLink
	// Search is the part of a name searched for, ClearSearch the page
	// without it, and Hidden the parameters the search form carries over.
	Search, ClearSearch string
	Hidden              []hiddenInput
	// Shown says which watches are shown: "Showing 51–100 of 10000
	// watches, failing first"; "" when none match.
	Shown string
	// Pages are the pager's links; Prev and Next "" on the first and last
	// pages.
	Pages      []pageLink
	Prev, Next string
}

type stateLink struct {
	Label, URL string
	Count      int
	Current    bool
}

type hiddenInput struct{ Name, Value string }

// pageLink is a page number of the pager, or a gap ("…") when URL is "".
type pageLink struct {
	N       int
	URL     string
	Current bool
}

// timeView is a time as the page shows it: relative, with the exact time
// in a tooltip.
type timeView struct {
	ISO, Abs, Rel string
}

type watchRow struct {
	Name, URL, Schedule string
	// Events is the page showing only this watch's events.
	Events string
	// State is ok, failing, paused or waiting (for its baseline).
	State, StateLabel, Detail string
	LastPoll, LastChange      timeView
	NextRun                   timeView
}

type eventView struct {
	ID, Watch, Title string
	// Kind is change, failing, recovered, truncated or test.
	Kind       string
	Seq        uint64
	At         timeView
	Lines      []diffLine
	Deliveries []deliveryBadge
}

// diffLine is one line of an event's Lines; Class is add, del, chg or note.
// Link is the page of the element the line is about, an http or https URL,
// or "".
type diffLine struct {
	Class, Sign, Text, Link string
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

// ServeHTTP serves the status page. It renders into a buffer first, so
// that a template error is a clean 500, not half a page.
func (p *Page) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), pageTimeout)
	defer cancel()
	v := p.view(ctx, r)
	var buf bytes.Buffer
	if err := p.tmpl.Execute(&buf, v); err != nil {
		p.log.Error("render status page", "err", err)
		http.Error(w, "render status page: "+err.Error(), http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", p.csp)
	h.Set("Referrer-Policy", "same-origin") // not "no-referrer": it makes a form's Origin "null"
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	_, _ = w.Write(buf.Bytes())
}

func (p *Page) view(ctx context.Context, r *http.Request) view {
	cfg := p.src.Config()
	now := p.Now()
	q := r.URL.Query()
	st := pageState{token: tokenValue(cfg, r), refresh: parseRefresh(q.Get("refresh")), watch: q.Get("watch")}
	wq, err := inspect.ParseWatchQuery(q)
	if err != nil {
		wq = inspect.WatchQuery{}
	}
	wq.PerPage = inspect.DefaultPerPage // the page's size is its own
	st.state, st.search, st.page = wq.State, wq.Search, wq.Page
	v := view{
		CSS: p.css, Version: p.version, Now: at(now, now), Query: tokenQuery(cfg, r), Back: st.back(),
		Refresh: st.refresh, Filter: st.watch,
	}
	if st.refresh > 0 {
		v.RefreshURL = st.url(nil, "")
		stop := st
		stop.refresh = 0
		v.StopRefresh = stop.url(nil, "")
	} else {
		offer := st
		offer.refresh = offeredRefresh
		v.OfferRefresh = offer.url(nil, "")
	}
	all := st
	all.watch = ""
	v.AllEvents = all.url(nil, "changes")
	if queued := q.Get("queued"); queued != "" {
		switch n, _ := strconv.Atoi(queued); {
		case n <= 0:
			v.Notice.Text = "Nothing to redeliver."
		case n == 1:
			v.Notice.Text = "Queued 1 delivery again."
		default:
			v.Notice.Text = fmt.Sprintf("Queued %d deliveries again.", n)
		}
	}
	if id := q.Get("notice"); id != "" {
		v.Notice, _ = p.notices.get(id)
	}
	problem := func(what string, err error) {
		v.Problems = append(v.Problems, what+": "+err.Error())
	}
	if err != nil {
		problem("the watches' filter", err)
	}

	sel := inspect.SelectWatches(cfg, p.src.WatchState, now, wq)
	st.page = sel.Page
	for _, sw := range sel.Watches {
		row := p.watchRow(sw, now)
		of := st
		of.watch = sw.Name
		row.Events = of.url(nil, "changes")
		v.Watches = append(v.Watches, row)
	}
	v.Summary.Watches = len(cfg.Watches)
	v.Summary.Failing = sel.Counts[inspect.WatchFailing]
	v.Summary.Paused = sel.Counts[inspect.WatchPaused]
	v.Summary.AllURL = st.listURL("", "")
	v.Summary.FailingURL = st.listURL(inspect.WatchFailing, "")
	v.Summary.PausedURL = st.listURL(inspect.WatchPaused, "")
	v.List = st.listing(sel)

	// One read of the target states serves both lists.
	states, err := p.src.TargetStates(ctx)
	if err != nil {
		problem("outbox", err)
	}
	disabled := inspect.DisabledTargets(cfg, states)
	events, err := p.recentEvents(ctx, cfg, st.watch, disabled, now)
	if err != nil {
		problem("recent changes", err)
	}
	v.Events = events

	targets, err := p.targetViews(ctx, cfg, states, disabled, now)
	if err != nil {
		problem("outbox", err)
	}
	for _, t := range targets {
		v.Summary.Pending += t.Pending
		v.Summary.Failed += t.Failed
	}
	v.Targets = targets
	if v.Subs, err = p.subscriptions(ctx); err != nil {
		problem("subscriptions", err)
	}
	return v
}

func (p *Page) watchRow(sw inspect.SelectedWatch, now time.Time) watchRow {
	st := sw.Stored
	return watchRow{
		Name: sw.Name, URL: redact.ShortURL(sw.URL), Schedule: sw.ScheduleSpec,
		LastPoll: at(st.LastPoll, now), LastChange: at(st.LastChange, now),
		NextRun: at(p.src.NextRun(sw.Name), now),
		State:   sw.State, StateLabel: inspect.StateLabel(sw.State), Detail: sw.Detail,
	}
}

// recentEvents is the newest events of the configured watches, or of the
// one watch named, newest first.
func (p *Page) recentEvents(ctx context.Context, cfg *config.Config, watch string, disabled map[string]bool, now time.Time) ([]eventView, error) {
	var (
		raws [][]byte
		err  error
	)
	if watch != "" {
		raws, err = p.src.History(ctx, watch, recentEvents)
	} else {
		configured := make(map[string]bool, len(cfg.Watches))
		for _, wt := range cfg.Watches {
			configured[wt.Name] = true
		}
		raws, err = p.src.Recent(ctx, store.RecentOptions{Limit: recentEvents, Scan: recentScan,
			Watch: func(name string) bool { return configured[name] }})
	}
	errs := []error{err}
	var evs []*event.Event
	for _, raw := range raws {
		ev, err := event.Decode(raw)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		evs = append(evs, ev)
	}
	out := make([]eventView, 0, len(evs))
	for _, ev := range evs {
		e := eventView{ID: ev.ID, Watch: ev.Data.Watch, Title: ev.Title(), Seq: ev.Data.Seq, At: at(ev.Timestamp, now)}
		switch ev.Type {
		case event.TypeFailing:
			e.Kind = "failing"
		case event.TypeRecovered:
			e.Kind = "recovered"
		case event.TypeTest:
			e.Kind = "test"
		case event.TypeTruncated:
			e.Kind = "truncated"
		default:
			e.Kind = "change"
		}
		for _, line := range ev.Text().Lines() {
			e.Lines = append(e.Lines, newDiffLine(line))
		}
		ds, err := p.src.Deliveries(ctx, store.Filter{EventID: ev.ID})
		if err != nil {
			errs = append(errs, err)
		}
		inspect.Relabel(ds, disabled)
		for _, d := range ds {
			e.Deliveries = append(e.Deliveries, deliveryBadge{Target: d.Target, State: d.State})
		}
		out = append(out, e)
	}
	return out, errors.Join(errs...)
}

// newDiffLine splits a line of an event into its sign and text.
func newDiffLine(l event.Line) diffLine {
	line := l.Text
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
		return diffLine{Class: "note", Text: line, Link: l.Link}
	}
	return diffLine{Class: class, Sign: line[:1], Text: line[2:], Link: l.Link}
}

// targetViews is the outbox by target: every configured target, and any
// other the outbox still holds deliveries for.
func (p *Page) targetViews(ctx context.Context, cfg *config.Config, states map[string]store.TargetState, disabled map[string]bool, now time.Time) ([]targetView, error) {
	counts, err := p.src.OutboxCounts(ctx)
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
				tv.Disabled = "disabled: " + human.OneLine(cmp.Or(states[t.Name].Reason, "the target answered 410 Gone"), 160) +
					" (pollhook target enable " + t.Name + ")"
			}
		}
		out = append(out, tv)
	}
	for _, name := range inspect.RemovedTargets(cfg, counts) {
		if store.IsEndpoint(name) {
			continue // in the subscriptions section
		}
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
	failed, err := p.src.Deliveries(ctx, store.Filter{State: store.StateFailed})
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
				Last: inspect.LastOutcome(d, t.Kind), Done: at(d.Done, now),
			})
		}
	}
	return out, nil
}

// Redeliver is the page's redeliver buttons (POST /ui/redeliver): one
// failed delivery (event_id and target), or every failed delivery of a
// target (state=failed and target). It answers with a redirect back to
// the page. It relies on the local API's middleware for authentication
// and for refusing cross-site posts.
func (p *Page) Redeliver(w http.ResponseWriter, r *http.Request) {
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
	queued, err := p.src.Redeliver(r.Context(), f)
	if err != nil {
		status := http.StatusInternalServerError
		if errors.Is(err, store.ErrNotFound) {
			status = http.StatusNotFound
		}
		http.Error(w, "redeliver: "+err.Error(), status)
		return
	}
	p.log.Info("redeliver from the status page", "event_id", f.EventID, "target", f.Target, "queued", len(queued))
	back := postedState(p.src.Config(), r)
	http.Redirect(w, r, back.url(url.Values{"queued": {strconv.Itoa(len(queued))}}, "outbox"), http.StatusSeeOther)
}

// Poll is the page's poll now buttons (POST /ui/poll, watch=NAME): it
// polls the watch now, as pollhook once does (what changed is committed
// and delivered), and redirects back to the page, which says what the
// poll did. It relies on the local API's middleware for authentication
// and for refusing cross-site posts.
func (p *Page) Poll(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 1<<16)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form: "+err.Error(), http.StatusBadRequest)
		return
	}
	name := r.PostForm.Get("watch")
	if name == "" {
		http.Error(w, "name a watch", http.StatusBadRequest)
		return
	}
	cfg := p.src.Config()
	if cfg.Watch(name) == nil {
		http.Error(w, fmt.Sprintf("no watch named %q", name), http.StatusNotFound)
		return
	}
	// A poll may outlast the server's read and write timeouts (net/http
	// cancels a request's context when its read deadline passes).
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Time{})
	_ = rc.SetWriteDeadline(time.Now().Add(pollTimeout + 10*time.Second))
	ctx, cancel := context.WithTimeout(r.Context(), pollTimeout)
	defer cancel()
	polled, err := p.src.Poll(ctx, name)
	if err != nil {
		status := http.StatusInternalServerError
		if errors.Is(err, store.ErrNotFound) {
			status = http.StatusNotFound
		}
		http.Error(w, "poll: "+err.Error(), status)
		return
	}
	p.log.Info("poll from the status page", "watch", name, "result", polled.Result)
	n := notice{Text: "Polled " + name + ": " + polled.Summary() + ".", Bad: polled.Result == inspect.PollFailed}
	if len(polled.Events) > 0 {
		n.Event = polled.Events[len(polled.Events)-1]
	}
	back := postedState(cfg, r)
	http.Redirect(w, r, back.url(url.Values{"notice": {p.notices.add(n)}}, "watches"), http.StatusSeeOther)
}

// pageState is what the page's own URLs carry from one view to the next:
// the auth_token when it came as ?token=, the auto-refresh interval, the
// watches listed (their state, the search, the page) and the watch whose
// events alone are shown.
type pageState struct {
	token   string
	refresh int
	state   string
	search  string
	page    int
	watch   string
}

// url is the page's URL in state s, with more parameters and a fragment.
func (s pageState) url(more url.Values, fragment string) string {
	q := s.query()
	for k, v := range more {
		q[k] = v
	}
	if s.token != "" {
		q.Set("token", s.token)
	}
	u := "/"
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	if fragment != "" {
		u += "#" + fragment
	}
	return u
}

// query is s's parameters but the token: the ones left at their default
// are left out.
func (s pageState) query() url.Values {
	q := url.Values{}
	if s.refresh > 0 {
		q.Set("refresh", strconv.Itoa(s.refresh))
	}
	if s.state != "" {
		q.Set("state", s.state)
	}
	if s.search != "" {
		q.Set("q", s.search)
	}
	if s.page > 1 {
		q.Set("page", strconv.Itoa(s.page))
	}
	if s.watch != "" {
		q.Set("watch", s.watch)
	}
	return q
}

// back is the state a form carries to its handler in its "back" field,
// for the redirect (the token goes in the form's action, where the API's
// middleware checks it).
func (s pageState) back() string { return s.query().Encode() }

// postedState is the state a form posted to a button's handler came from.
func postedState(cfg *config.Config, r *http.Request) pageState {
	st := pageState{token: tokenValue(cfg, r)}
	back, err := url.ParseQuery(r.PostForm.Get("back"))
	if err != nil {
		return st
	}
	st.refresh, st.watch = parseRefresh(back.Get("refresh")), back.Get("watch")
	if wq, err := inspect.ParseWatchQuery(back); err == nil {
		st.state, st.search, st.page = wq.State, wq.Search, wq.Page
	}
	return st
}

// listURL is the page listing the watches in state (all for "") whose
// names contain search, from its first page.
func (s pageState) listURL(state, search string) string {
	s.state, s.search, s.page = state, search, 1
	return s.url(nil, "watches")
}

// listing is the links around the watches sel picked, in state s.
func (s pageState) listing(sel inspect.WatchSelection) listing {
	l := listing{Search: s.search}
	all := 0
	for _, n := range sel.Found {
		all += n
	}
	l.States = append(l.States, stateLink{Label: "all", URL: s.listURL("", s.search), Count: all, Current: s.state == ""})
	for _, state := range inspect.States() {
		l.States = append(l.States, stateLink{Label: inspect.StateLabel(state), URL: s.listURL(state, s.search),
			Count: sel.Found[state], Current: s.state == state})
	}
	if s.search != "" {
		l.ClearSearch = s.listURL(s.state, "")
	}
	// The search form's GET replaces the query: it carries the rest.
	keep := s
	keep.search, keep.page = "", 1
	if s.token != "" {
		l.Hidden = append(l.Hidden, hiddenInput{"token", s.token})
	}
	for _, name := range []string{"refresh", "state", "watch"} {
		if v := keep.query().Get(name); v != "" {
			l.Hidden = append(l.Hidden, hiddenInput{name, v})
		}
	}
	if n := len(sel.Watches); n > 0 {
		l.Shown = fmt.Sprintf("Showing %d–%d of %s", sel.Offset+1, sel.Offset+n, human.Count(sel.Matching, "watch", "watches"))
		if n == 1 {
			l.Shown = fmt.Sprintf("Showing %d of %s", sel.Offset+1, human.Count(sel.Matching, "watch", "watches"))
		}
		if s.search != "" {
			l.Shown += fmt.Sprintf(" whose name contains “%s”", s.search)
		}
		if s.state == "" && n < sel.Matching {
			l.Shown += ", failing first"
		}
	}
	if sel.Pages == 1 {
		return l
	}
	at := func(n int) string {
		p := s
		p.page = n
		return p.url(nil, "watches")
	}
	if sel.Page > 1 {
		l.Prev = at(sel.Page - 1)
	}
	if sel.Page < sel.Pages {
		l.Next = at(sel.Page + 1)
	}
	for n := 1; n <= sel.Pages; n++ {
		near := n >= sel.Page-pageLinks && n <= sel.Page+pageLinks
		switch {
		case n == 1 || n == sel.Pages || near:
			l.Pages = append(l.Pages, pageLink{N: n, URL: at(n), Current: n == sel.Page})
		case n < sel.Page:
			l.Pages = append(l.Pages, pageLink{}) // the gap after page 1
			n = sel.Page - pageLinks - 1
		default:
			l.Pages = append(l.Pages, pageLink{}) // the gap before the last
			n = sel.Pages - 1
		}
	}
	return l
}

// parseRefresh reads ?refresh=: seconds between reloads, within
// [minRefresh, maxRefresh]; 0 (none) for anything but a positive number.
func parseRefresh(s string) int {
	n, err := strconv.Atoi(s)
	if errors.Is(err, strconv.ErrRange) && n > 0 {
		return maxRefresh // a number past int's range is past an hour too
	}
	if err != nil || n <= 0 {
		return 0
	}
	return min(max(n, minRefresh), maxRefresh)
}

// notices remembers what the last poll now buttons did, by a random id
// the redirect carries: the page says what happened without letting a
// URL make up what it says.
type notices struct {
	mu    sync.Mutex
	byID  map[string]notice
	order []string
}

func (n *notices) add(x notice) string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	id := hex.EncodeToString(b[:])
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.byID == nil {
		n.byID = map[string]notice{}
	}
	if len(n.order) == maxNotices {
		delete(n.byID, n.order[0])
		n.order = n.order[1:]
	}
	n.byID[id] = x
	n.order = append(n.order, id)
	return id
}

func (n *notices) get(id string) (notice, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	x, ok := n.byID[id]
	return x, ok
}

// breakURL shows a URL with a chance to wrap after each "/" (but inside
// "//"), "?" and "&", so that a long one breaks at its parts, not
// anywhere.
func breakURL(u string) template.HTML {
	var b strings.Builder
	start := 0
	for i := 0; i < len(u)-1; i++ {
		if c := u[i]; (c == '/' && u[i+1] != '/') || c == '?' || c == '&' {
			b.WriteString(template.HTMLEscapeString(u[start : i+1]))
			b.WriteString("<wbr>")
			start = i + 1
		}
	}
	b.WriteString(template.HTMLEscapeString(u[start:]))
	return template.HTML(b.String())
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

// at is t for the page; the zero time shows as "—".
func at(t, now time.Time) timeView {
	if t.IsZero() {
		return timeView{Rel: "—"}
	}
	return timeView{ISO: t.UTC().Format(time.RFC3339), Abs: human.Time(t), Rel: human.Relative(t, now)}
}
