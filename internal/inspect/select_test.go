package inspect

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pollhook/pollhook/config"
	"github.com/pollhook/pollhook/store"
)

// fleetOf is a configuration of n watches w000, w001, … and their states:
// every tenth (from w003) failing, every twentieth (from w007) paused,
// w005 waiting for its baseline, the others ok.
func fleetOf(t *testing.T, n int) (*config.Config, func(string) store.WatchState, time.Time) {
	t.Helper()
	now := time.Date(2026, 11, 27, 14, 30, 0, 0, time.UTC)
	var src strings.Builder
	states := map[string]store.WatchState{}
	for i := range n {
		name := fmt.Sprintf("w%03d", i)
		fmt.Fprintf(&src, "[[watch]]\nname = %q\nurl = \"https://api.example/%s\"\n\n", name, name)
		st := store.WatchState{Baseline: true}
		switch {
		case i%10 == 3:
			st.Failures = 2
		case i%20 == 7:
			st.PausedUntil = now.Add(time.Hour)
		case i == 5:
			st.Baseline = false
		}
		states[name] = st
	}
	cfg, err := config.Parse("fleet.toml", []byte(src.String()), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	return cfg, func(name string) store.WatchState { return states[name] }, now
}

func names(ws []SelectedWatch) string {
	var out []string
	for _, w := range ws {
		out = append(out, w.Name)
	}
	return strings.Join(out, " ")
}

func TestSelectWatches(t *testing.T) {
	cfg, state, now := fleetOf(t, 40)
	tests := []struct {
		name     string
		q        WatchQuery
		want     string
		matching int
		page     int
		pages    int
	}{
		{"failing first, then paused, waiting and ok, each in order", WatchQuery{Page: 1, PerPage: 10},
			"w003 w013 w023 w033 w007 w027 w005 w000 w001 w002", 40, 1, 4},
		{"the second page", WatchQuery{Page: 2, PerPage: 10}, "w004 w006 w008 w009 w010 w011 w012 w014 w015 w016", 40, 2, 4},
		{"past the last page: the last", WatchQuery{Page: 9, PerPage: 10}, "w029 w030 w031 w032 w034 w035 w036 w037 w038 w039", 40, 4, 4},
		{"one state", WatchQuery{State: WatchPaused, Page: 1, PerPage: 10}, "w007 w027", 2, 1, 1},
		{"a search, regardless of case", WatchQuery{Search: "W02", Page: 1, PerPage: 4}, "w023 w027 w020 w021", 10, 1, 3},
		{"a search and a state", WatchQuery{Search: "w02", State: WatchOK}, "w020 w021 w022 w024 w025 w026 w028 w029", 8, 1, 1},
		{"nothing found", WatchQuery{Search: "nope", Page: 3, PerPage: 10}, "", 0, 1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sel := SelectWatches(cfg, state, now, tt.q)
			if got := names(sel.Watches); got != tt.want || sel.Matching != tt.matching || sel.Page != tt.page || sel.Pages != tt.pages {
				t.Errorf("got %q, %d matching, page %d of %d; want %q, %d, page %d of %d",
					got, sel.Matching, sel.Page, sel.Pages, tt.want, tt.matching, tt.page, tt.pages)
			}
			if want := (sel.Page - 1) * max(tt.q.PerPage, 1); tt.q.PerPage > 0 && sel.Offset != want {
				t.Errorf("offset %d, want %d", sel.Offset, want)
			}
		})
	}

	sel := SelectWatches(cfg, state, now, WatchQuery{Search: "w01", State: WatchFailing, Page: 1, PerPage: 10})
	wantCounts := map[string]int{WatchFailing: 4, WatchPaused: 2, WatchWaiting: 1, WatchOK: 33}
	wantFound := map[string]int{WatchFailing: 1, WatchOK: 9}
	for _, s := range []string{WatchFailing, WatchPaused, WatchWaiting, WatchOK} {
		if sel.Counts[s] != wantCounts[s] || sel.Found[s] != wantFound[s] {
			t.Errorf("%s: %d in all, %d found; want %d, %d", s, sel.Counts[s], sel.Found[s], wantCounts[s], wantFound[s])
		}
	}
	if w := sel.Watches[0]; w.Name != "w013" || w.State != WatchFailing || w.Detail != "2 failed polls in a row" || w.Stored.Failures != 2 {
		t.Errorf("the selected watch %+v lacks its state", w)
	}
}

func TestParseWatchQuery(t *testing.T) {
	tests := []struct {
		query string
		want  WatchQuery
		err   string
	}{
		{"", WatchQuery{Page: 1, PerPage: DefaultPerPage}, ""},
		{"state=failing&q=api&page=3&per_page=20", WatchQuery{State: WatchFailing, Search: "api", Page: 3, PerPage: 20}, ""},
		{"per_page=1000", WatchQuery{Page: 1, PerPage: 1000}, ""},
		{"state=broken", WatchQuery{}, `state "broken": want failing, paused, waiting or ok`},
		{"page=0", WatchQuery{}, `page "0": want a number from 1`},
		{"page=x", WatchQuery{}, `page "x": want a number from 1`},
		{"per_page=1001", WatchQuery{}, `per_page "1001": want a number from 1 up to 1000`},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			q, _ := url.ParseQuery(tt.query)
			got, err := ParseWatchQuery(q)
			if tt.err != "" {
				if !errors.Is(err, ErrBadQuery) || !strings.Contains(err.Error(), tt.err) {
					t.Errorf("error %v, want ErrBadQuery: %s", err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("got %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}
