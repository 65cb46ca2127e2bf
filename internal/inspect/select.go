package inspect

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pollhook/pollhook/config"
	"github.com/pollhook/pollhook/store"
)

// States are Health's states in the order a selection lists them, the
// watches that need a look first.
func States() []string {
	return []string{WatchFailing, WatchPaused, WatchWaiting, WatchOK}
}

// stateRank is state's place in States; -1 for anything else.
func stateRank(state string) int {
	return slices.Index(States(), state)
}

// DefaultPerPage is how many watches a page of the status page shows, and
// GET /api/watches when asked for a page without per_page.
const DefaultPerPage = 50

// MaxPerPage bounds per_page.
const MaxPerPage = 1000

// WatchQuery picks a page of watches, as the status page and GET
// /api/watches take it from their URL: the watches in one state (all when
// State is ""), whose name contains Search (regardless of case), failing
// first, then paused, waiting and ok, each in the configuration's order;
// page Page (from 1) of PerPage.
type WatchQuery struct {
	State   string
	Search  string
	Page    int
	PerPage int
}

// ErrBadQuery is the error of ParseWatchQuery for a value it cannot read.
var ErrBadQuery = errors.New("bad query")

// ParseWatchQuery reads a WatchQuery from URL parameters: state, q, page
// and per_page (DefaultPerPage when missing). A state that is not one of
// failing, paused, waiting or ok, a page or per_page that is not a positive number, or a
// per_page past MaxPerPage, is an ErrBadQuery naming the parameter.
func ParseWatchQuery(q url.Values) (WatchQuery, error) {
	wq := WatchQuery{State: q.Get("state"), Search: q.Get("q"), Page: 1, PerPage: DefaultPerPage}
	if wq.State != "" && stateRank(wq.State) < 0 {
		return wq, fmt.Errorf("%w: state %q: want failing, paused, waiting or ok", ErrBadQuery, wq.State)
	}
	for _, p := range []struct {
		name string
		to   *int
		max  int
	}{{"page", &wq.Page, 0}, {"per_page", &wq.PerPage, MaxPerPage}} {
		s := q.Get(p.name)
		if s == "" {
			continue
		}
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 || p.max > 0 && n > p.max {
			limit := ""
			if p.max > 0 {
				limit = fmt.Sprintf(" up to %d", p.max)
			}
			return wq, fmt.Errorf("%w: %s %q: want a number from 1%s", ErrBadQuery, p.name, s, limit)
		}
		*p.to = n
	}
	return wq, nil
}

// WatchSelection is the page of watches a WatchQuery picked.
type WatchSelection struct {
	// Watches are the page's, with their states (Health's) and stored
	// states.
	Watches []SelectedWatch
	// Matching counts the watches the query's state and search match,
	// on every page; Offset is the place of the page's first among them
	// (from 0).
	Matching, Offset int
	// Page is the page shown (the query's, or the last one when it asked
	// past it), of Pages (at least 1).
	Page, Pages int
	// Found counts by state the watches whose name the search matches;
	// Counts counts every watch by state.
	Found, Counts map[string]int
}

// SelectedWatch is a watch of a WatchSelection.
type SelectedWatch struct {
	*config.Watch
	State  string
	Detail string
	Stored store.WatchState
}

// SelectWatches picks the page q asks for among cfg's watches, whose
// states state gives; it reads in full only the states of the page's
// watches.
func SelectWatches(cfg *config.Config, state func(string) store.WatchState, now time.Time, q WatchQuery) WatchSelection {
	page, sel := pageOf(cfg.Watches, q,
		func(w *config.Watch) string { return w.Name },
		func(w *config.Watch) string { h, _ := Health(state(w.Name), now); return h })
	for _, w := range page {
		st := state(w.Name)
		h, detail := Health(st, now)
		sel.Watches = append(sel.Watches, SelectedWatch{Watch: w, State: h, Detail: detail, Stored: st})
	}
	return sel
}

// WatchPage is a page of the rows of Watches, as GET /api/watches gives
// it when asked for one.
type WatchPage struct {
	Watches  []Watch `json:"watches"`
	Matching int     `json:"matching"`
	Page     int     `json:"page"`
	Pages    int     `json:"pages"`
	PerPage  int     `json:"per_page"`
	// Found counts by state the watches whose name the search matches,
	// Counts every watch.
	Found  map[string]int `json:"found"`
	Counts map[string]int `json:"counts"`
}

// PageWatches picks the page q asks for among rows, as SelectWatches does
// among a configuration's watches.
func PageWatches(rows []Watch, q WatchQuery) WatchPage {
	page, sel := pageOf(rows, q, func(w Watch) string { return w.Name }, func(w Watch) string { return w.State })
	return WatchPage{Watches: append([]Watch{}, page...), Matching: sel.Matching, Page: sel.Page, Pages: sel.Pages,
		PerPage: q.PerPage, Found: sel.Found, Counts: sel.Counts}
}

// pageOf is the page q asks for among items, whose names and states name
// and state give: it keeps each state's items apart in their order, so
// that failing first needs no sort. The selection it returns has no
// Watches.
func pageOf[T any](items []T, q WatchQuery, name, state func(T) string) ([]T, WatchSelection) {
	sel := WatchSelection{Found: map[string]int{}, Counts: map[string]int{}}
	search := strings.ToLower(q.Search)
	var byState [4][]T // by stateRank
	for _, it := range items {
		h := state(it)
		sel.Counts[h]++
		if search != "" && !strings.Contains(strings.ToLower(name(it)), search) {
			continue
		}
		sel.Found[h]++
		if r := stateRank(h); r >= 0 && (q.State == "" || q.State == h) {
			byState[r] = append(byState[r], it)
		}
	}
	match := slices.Concat(byState[:]...)
	sel.Matching = len(match)
	per := q.PerPage
	if per <= 0 {
		per = max(len(match), 1)
	}
	sel.Pages = max((len(match)+per-1)/per, 1)
	sel.Page = min(max(q.Page, 1), sel.Pages)
	sel.Offset = (sel.Page - 1) * per
	return match[sel.Offset:min(sel.Offset+per, len(match))], sel
}
