package poller

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/pollhook/pollhook/config"
	"github.com/pollhook/pollhook/diff"
	"github.com/pollhook/pollhook/event"
	"github.com/pollhook/pollhook/store"
)

// recordingStore keeps the commits of each CommitEvents call, and can
// slip one more commit into the next call: one the database refuses
// (a watch without a name), so that the transaction fails after the
// poll's own commits were written in it.
type recordingStore struct {
	*store.DB
	mu     sync.Mutex
	calls  [][]store.Commit
	poison bool
}

func (r *recordingStore) CommitEvents(ctx context.Context, cs ...store.Commit) error {
	r.mu.Lock()
	r.calls = append(r.calls, slices.Clone(cs))
	poison := r.poison
	r.poison = false
	r.mu.Unlock()
	if poison {
		bad := cs[len(cs)-1]
		bad.Watch, bad.EventID = "", "msg_poison"
		cs = append(cs, bad)
	}
	return r.DB.CommitEvents(ctx, cs...)
}

// splitWatch is a split watch of two targets polling url.
func splitWatch(t *testing.T, url, extra string) *config.Watch {
	t.Helper()
	src := `[[target]]
name = "hook"
url = "https://receiver.example/hook"

[[target]]
name = "chat"
kind = "slack"
url = "https://hooks.slack.example/T0/B0/x"

[[watch]]
name = "w"
url = "` + url + `"
notify = ["hook", "chat"]
key = "id"
label = "tag"
split = true
` + extra
	return parseConfig(t, src, nil).Watches[0]
}

// splitRig is a split watch (splitWatch, with extra) of a fake API,
// polled by a Poller on a real database through a recordingStore.
type splitRig struct {
	api *fakeAPI
	db  *store.DB
	st  *recordingStore
	p   *Poller
	w   *config.Watch
}

func newSplitRig(t *testing.T, extra string) *splitRig {
	t.Helper()
	r := &splitRig{api: &fakeAPI{}, db: openStore(t)}
	srv := httptest.NewServer(r.api)
	t.Cleanup(srv.Close)
	r.st = &recordingStore{DB: r.db}
	r.p = pollerWith(t, r.st, nil)
	r.w = splitWatch(t, srv.URL, extra)
	return r
}

// TestPoll_Split: three elements change (one added, one changed, one
// removed): three events, one per element, in document order, numbered
// one after another, each with its own id, its element's changes, counts,
// key and label, each queued for every target, all of them committed
// with the new snapshot in one CommitEvents call.
func TestPoll_Split(t *testing.T) {
	t.Parallel()
	r := newSplitRig(t, "")
	api, db, st, p, w := r.api, r.db, r.st, r.p, r.w

	api.json(`[{"id":1,"tag":"v1","name":"a"},{"id":2,"tag":"v2","name":"b"},{"id":3,"tag":"v3","name":"c"}]`)
	mustPoll(t, p, w)
	const edited = `[{"id":4,"tag":"v4","name":"d"},{"id":1,"tag":"v1","name":"a"},{"id":2,"tag":"v2","name":"b2","draft":true},{"id":3,"tag":"v3"}]`
	api.json(strings.Replace(edited, `,{"id":3,"tag":"v3"}`, "", 1))
	out := mustPoll(t, p, w)

	type want struct {
		key, label, title string
		counts            diff.Counts
		paths             []string
	}
	wants := []want{
		{"4", "v4", `w: v4 added "d"`, diff.Counts{Added: 1}, []string{"#(id==4)"}},
		{"2", "v2", "w: v2 changed", diff.Counts{Added: 1, Changed: 1}, []string{"#(id==2).name", "#(id==2).draft"}},
		{"3", "v3", `w: v3 removed "c"`, diff.Counts{Removed: 1}, []string{"#(id==3)"}},
	}
	if len(out.Events) != len(wants) || out.Event != out.Events[0] {
		t.Fatalf("%d events (Event %v), want %d", len(out.Events), out.Event, len(wants))
	}
	if c := out.Counts; c == nil || *c != (diff.Counts{Added: 2, Removed: 1, Changed: 1}) {
		t.Errorf("poll counts %+v", out.Counts)
	}
	ids := map[string]bool{}
	for i, ev := range out.Events {
		wt := wants[i]
		var paths []string
		for _, c := range ev.Data.Changes {
			paths = append(paths, c.Path)
		}
		if ev.Type != event.TypeChanged || ev.Data.Seq != uint64(i+1) || ev.Data.Key != wt.key || ev.Data.Label != wt.label ||
			ev.Title() != wt.title || *ev.Data.Counts != wt.counts || !slices.Equal(paths, wt.paths) {
			t.Errorf("event %d: %s seq %d key %q label %q %q counts %+v paths %v, want seq %d %+v",
				i, ev.Type, ev.Data.Seq, ev.Data.Key, ev.Data.Label, ev.Title(), *ev.Data.Counts, paths, i+1, wt)
		}
		ids[ev.ID] = true
		if i > 0 && ev.ID <= out.Events[i-1].ID {
			t.Errorf("event %d's id %s sorts before the one before it, %s", i, ev.ID, out.Events[i-1].ID)
		}
	}
	if len(ids) != len(wants) {
		t.Errorf("%d distinct ids for %d events", len(ids), len(wants))
	}

	// One transaction: the one CommitEvents call of the change carries
	// every event, the last with the snapshot and the state after all.
	change := st.calls[len(st.calls)-1]
	if len(st.calls) != 1 || len(change) != len(wants) {
		t.Fatalf("%d CommitEvents calls, the change's with %d commits, want 1 with %d", len(st.calls), len(change), len(wants))
	}
	for i, c := range change {
		if c.EventID != out.Events[i].ID || c.State.Seq != uint64(i+1) || (c.Snapshot != nil) != (i == len(change)-1) {
			t.Errorf("commit %d: event %s seq %d snapshot %v", i, c.EventID, c.State.Seq, c.Snapshot != nil)
		}
	}
	if s := storedState(t, db, w.Name); s.Seq != 3 {
		t.Errorf("stored seq %d, want 3", s.Seq)
	}
	for _, target := range []string{"hook", "chat"} {
		q := queued(t, db, target, w.Name)
		if len(q) != len(wants) {
			t.Fatalf("%s: %d queued, want %d", target, len(q), len(wants))
		}
		for i, ev := range q {
			if ev.ID != out.Events[i].ID || ev.Data.Seq != uint64(i+1) {
				t.Errorf("%s: queued %d is %s seq %d", target, i, ev.ID, ev.Data.Seq)
			}
		}
	}
	hist, err := db.History(t.Context(), w.Name, 10)
	if err != nil || len(hist) != 3 {
		t.Errorf("history: %d events, %v", len(hist), err)
	}

	// Nothing changed: nothing more.
	if out := mustPoll(t, p, w); len(out.Events) != 0 || out.Event != nil {
		t.Errorf("an unchanged poll made %d events", len(out.Events))
	}
}

// TestPoll_SnapshotReadIsNotKept: the snapshot a change is diffed with is
// read into a buffer that later answers are read into. Nothing of an
// event may point into it: a removed element's label and old value, read
// from the snapshot, stay as they were after other polls reuse it.
func TestPoll_SnapshotReadIsNotKept(t *testing.T) {
	t.Parallel()
	r := newSplitRig(t, "")
	api, p, w := r.api, r.p, r.w
	api.json(`[{"id":3,"tag":"v3","name":"c"},{"id":1,"tag":"v1","name":"` + strings.Repeat("a", 400) + `"}]`)
	mustPoll(t, p, w)
	api.json(`[{"id":1,"tag":"v1","name":"` + strings.Repeat("b", 400) + `"}]`)
	out := mustPoll(t, p, w)
	var removed *event.Event
	for _, ev := range out.Events {
		if ev.Data.Key == "3" {
			removed = ev
		}
	}
	if removed == nil || len(removed.Data.Changes) != 1 {
		t.Fatalf("events %+v: none for the removed element", out.Events)
	}
	seen := func() string {
		return removed.Data.Label + " " + removed.Title() + " " + string(removed.Data.Changes[0].Old)
	}
	want := strings.Clone(seen())
	if !strings.Contains(want, `v3 w: v3 removed "c" {"id":3,"tag":"v3","name":"c"}`) {
		t.Fatalf("removed element's event: %s", want)
	}
	for n := range 4 { // more changes, shorter: read into the buffers
		api.json(fmt.Sprintf(`[{"id":1,"tag":"v1","name":"%d"}]`, n))
		mustPoll(t, p, w)
	}
	if got := seen(); got != want {
		t.Errorf("after later polls the event reads\n%s\nnot\n%s", got, want)
	}
}

// TestPoll_Split_OneTransaction: when the transaction of a split poll
// fails after some of its events were written in it, none of them is
// stored: no event, no delivery, no history, the old snapshot and seq. The
// next poll sends all of them.
func TestPoll_Split_OneTransaction(t *testing.T) {
	t.Parallel()
	r := newSplitRig(t, "")
	api, db, st, p, w := r.api, r.db, r.st, r.p, r.w

	const before = `[{"id":1,"tag":"v1"}]`
	api.json(before)
	mustPoll(t, p, w)
	api.json(`[{"id":1,"tag":"v1","n":1},{"id":2,"tag":"v2"},{"id":3,"tag":"v3"}]`)
	st.mu.Lock()
	st.poison = true
	st.mu.Unlock()
	if _, err := p.Poll(t.Context(), w, PollOptions{}); err == nil {
		t.Fatal("the poll whose transaction failed succeeded")
	}
	if calls := st.calls; len(calls) != 1 || len(calls[0]) != 3 {
		t.Fatalf("CommitEvents calls %d, want one of the 3 events", len(calls))
	}
	for _, c := range st.calls[0] {
		if _, err := db.Event(t.Context(), c.EventID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("event %s of the failed transaction: %v, want not found", c.EventID, err)
		}
	}
	if q := queued(t, db, "hook", w.Name); len(q) != 0 {
		t.Errorf("%d deliveries queued", len(q))
	}
	if hist, _ := db.History(t.Context(), w.Name, 10); len(hist) != 0 {
		t.Errorf("%d events in history", len(hist))
	}
	snap, _ := db.AppendSnapshot(t.Context(), nil, w.Name)
	if s := storedState(t, db, w.Name); s.Seq != 0 || string(snap) != before {
		t.Errorf("stored seq %d snapshot %s, want the old ones", s.Seq, snap)
	}

	out := mustPoll(t, p, w)
	if len(out.Events) != 3 || out.Events[0].Data.Seq != 1 || out.Events[2].Data.Seq != 3 {
		t.Fatalf("the next poll: %d events", len(out.Events))
	}
	if q := queued(t, db, "hook", w.Name); len(q) != 3 {
		t.Errorf("%d queued after the next poll, want 3", len(q))
	}
}

// TestPoll_Split_MaxEvents: a poll sends at most max_events element
// events, the first in document order, then one watch.truncated event
// counting the elements and changes it did not send; max_changes bounds
// each element's event.
func TestPoll_Split_MaxEvents(t *testing.T) {
	t.Parallel()
	r := newSplitRig(t, "max_events = 2\nmax_changes = 2")
	api, db, _, p, w := r.api, r.db, r.st, r.p, r.w

	api.json(`[{"id":1,"a":1,"b":1,"c":1}]`)
	mustPoll(t, p, w)
	var els []string
	els = append(els, `{"id":1,"a":2,"b":2,"c":2}`) // three changes: two listed
	for i := 2; i <= 6; i++ {
		els = append(els, fmt.Sprintf(`{"id":%d}`, i))
	}
	api.json("[" + strings.Join(els, ",") + "]")
	out := mustPoll(t, p, w)
	if len(out.Events) != 3 {
		t.Fatalf("%d events, want 2 and a watch.truncated", len(out.Events))
	}
	first, second, last := out.Events[0], out.Events[1], out.Events[2]
	if first.Data.Key != "1" || len(first.Data.Changes) != 2 || !first.Data.Truncated || first.Data.Counts.Changed != 3 {
		t.Errorf("first: key %q, %d changes listed, truncated %v, counts %+v", first.Data.Key, len(first.Data.Changes), first.Data.Truncated, *first.Data.Counts)
	}
	if second.Data.Key != "2" || second.Data.Truncated {
		t.Errorf("second: key %q", second.Data.Key)
	}
	d := last.Data
	if last.Type != event.TypeTruncated || d.Omitted != 4 || d.MaxEvents != 2 || *d.Counts != (diff.Counts{Added: 4}) ||
		d.Truncated || len(d.Changes) != 0 || d.Seq != 3 || d.Key != "" {
		t.Errorf("last: %s %+v", last.Type, d)
	}
	if got, want := last.Title(), "w: 4 more elements changed, not sent (max_events = 2)"; got != want {
		t.Errorf("title %q, want %q", got, want)
	}
	if q := queued(t, db, "chat", w.Name); len(q) != 3 || q[2].Type != event.TypeTruncated {
		t.Errorf("chat: %d queued", len(q))
	}
	if c := out.Counts; *c != (diff.Counts{Added: 5, Changed: 3}) {
		t.Errorf("poll counts %+v", *c)
	}
}

// TestPoll_Split_Listing: a poll of a split watch lists at most
// config.SplitListed changes over its elements; when the diff found more,
// the last element listed may be incomplete, so it is not sent either,
// and watch.truncated counts every change not sent.
func TestPoll_Split_Listing(t *testing.T) {
	t.Parallel()
	w := splitWatch(t, "https://api.example/", "max_events = 10")
	res := &diff.Result{
		Changes: []diff.Change{
			{Op: diff.Added, Path: "#(id==1)", Key: "1"},
			{Op: diff.Changed, Path: "#(id==2).a", Key: "2"},
		},
		Counts:    diff.Counts{Added: 1, Changed: 7},
		Truncated: true,
	}
	evs := splitEvents(w, event.Data{Watch: w.Name}, res, nil, nil, func(typ string, d event.Data) *event.Event {
		return &event.Event{Type: typ, Data: d}
	})
	if len(evs) != 2 || evs[0].Data.Key != "1" || evs[1].Type != event.TypeTruncated {
		t.Fatalf("events %+v", evs)
	}
	if d := evs[1].Data; d.Omitted != 1 || !d.Truncated || *d.Counts != (diff.Counts{Changed: 7}) {
		t.Errorf("truncated: %+v counts %+v", d, *d.Counts)
	}
}

// TestPoll_Split_WhenOn: on and when decide which changes fire, element
// by element: an element of which nothing fires sends nothing, and each
// event counts the changes of its element that fire.
func TestPoll_Split_WhenOn(t *testing.T) {
	t.Parallel()
	r := newSplitRig(t, `on = ["added", "changed"]`+"\n"+`when = "draft==false"`)
	api, _, _, p, w := r.api, r.db, r.st, r.p, r.w

	api.json(`[{"id":1,"tag":"v1","draft":false,"a":1,"b":1},{"id":2,"tag":"v2","draft":true,"a":1},{"id":3,"tag":"v3","draft":false}]`)
	mustPoll(t, p, w)
	api.json(`[{"id":5,"tag":"v5","draft":true},{"id":4,"tag":"v4","draft":false},` +
		`{"id":1,"tag":"v1","draft":false,"a":2,"b":2},{"id":2,"tag":"v2","draft":true,"a":2}]`)
	out := mustPoll(t, p, w)
	// 5: a draft (when); 2: changed, a draft (when); 3: removed (on).
	var got []string
	for _, ev := range out.Events {
		got = append(got, fmt.Sprintf("%s %+v", ev.Data.Key, *ev.Data.Counts))
	}
	want := []string{"4 {Added:1 Removed:0 Changed:0}", "1 {Added:0 Removed:0 Changed:2}"}
	if !slices.Equal(got, want) {
		t.Errorf("events %q, want %q", got, want)
	}
	if c := out.Counts; *c != (diff.Counts{Added: 1, Changed: 2}) {
		t.Errorf("poll counts %+v", *c)
	}
	if out.Events[1].Data.Seq != 2 {
		t.Errorf("seq %d", out.Events[1].Data.Seq)
	}
}

// TestPoll_Split_Nested: a change inside a nested keyed array belongs to
// the element of the watch's array around it, and a change outside the
// keyed arrays to an event of the whole value.
func TestPoll_Split_Nested(t *testing.T) {
	t.Parallel()
	api := &fakeAPI{}
	srv := httptest.NewServer(api)
	defer srv.Close()
	db := openStore(t)
	p := pollerWith(t, db, nil)
	src := `[[target]]
name = "hook"
url = "https://receiver.example/hook"

[[watch]]
name = "w"
url = "` + srv.URL + `"
notify = ["hook"]
keys = { "products" = "id", "products.#.variants" = "sku" }
labels = { "products" = "name" }
split = true
`
	w := parseConfig(t, src, nil).Watches[0]
	api.json(`{"total":1,"products":[{"id":1,"name":"Shirt","variants":[{"sku":"s","price":10}]}]}`)
	mustPoll(t, p, w)
	api.json(`{"total":2,"products":[{"id":1,"name":"Shirt","variants":[{"sku":"s","price":12},{"sku":"m","price":12}]},{"id":2,"name":"Hat","variants":[]}]}`)
	out := mustPoll(t, p, w)
	var got []string
	for _, ev := range out.Events {
		got = append(got, fmt.Sprintf("%s|%s|%d", ev.Data.Key, ev.Title(), len(ev.Data.Changes)))
	}
	want := []string{"|w changed: 1 changed|1", "1|w: Shirt changed|2", "2|w: Hat added|1"}
	if !slices.Equal(got, want) {
		t.Errorf("events %q, want %q", got, want)
	}
}

// TestPoll_Split_NestedNames: when a nested keyed array has its own label
// and link, an element event is still named and linked by its element,
// the outermost one, not by the nested element its changes are in: from
// the new value, or the old one for an element removed whole, and with
// neither when the element has none of its own.
func TestPoll_Split_NestedNames(t *testing.T) {
	t.Parallel()
	api := &fakeAPI{}
	srv := httptest.NewServer(api)
	defer srv.Close()
	db := openStore(t)
	p := pollerWith(t, db, nil)
	w := newTestWatch(t, srv.URL, `key = "id"
keys = { "#.variants" = "sku" }
label = "name"
labels = { "#.variants" = "sku" }
link = "url"
links = { "#.variants" = "url" }
split = true`)
	api.json(`[{"id":1,"name":"p1","url":"https://shop.example/p1","variants":[{"sku":"x","url":"https://shop.example/x","price":1}]},
		{"id":2,"name":"p2","url":"https://shop.example/p2","variants":[{"sku":"x","url":"https://shop.example/x2","price":1}]},
		{"id":3,"variants":[{"sku":"y","url":"https://shop.example/y","price":1}]},
		{"id":4,"name":"p4","url":"https://shop.example/p4","variants":[]}]`)
	mustPoll(t, p, w)
	api.json(`[{"id":1,"name":"p1","url":"https://shop.example/p1","variants":[{"sku":"x","url":"https://shop.example/x","price":2}]},
		{"id":2,"name":"p2","url":"https://shop.example/p2","variants":[{"sku":"x","url":"https://shop.example/x2","price":2}]},
		{"id":3,"variants":[{"sku":"y","url":"https://shop.example/y","price":2}]}]`)
	out := mustPoll(t, p, w)
	var got []string
	for _, ev := range out.Events {
		got = append(got, fmt.Sprintf("%s|%s|%s|%s|%s", ev.Data.Key, ev.Data.Label, ev.Data.Link, ev.Text().Home, ev.Title()))
	}
	want := []string{
		"1|p1|https://shop.example/p1|https://shop.example/p1|w: p1 changed",
		"2|p2|https://shop.example/p2|https://shop.example/p2|w: p2 changed",
		"3||||w: 3 changed",
		"4|p4|https://shop.example/p4|https://shop.example/p4|w: p4 removed",
	}
	if !slices.Equal(got, want) {
		t.Errorf("events\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// The changes keep their own element's names: the variant's.
	if c := out.Events[0].Data.Changes; len(c) != 1 || c[0].Label != "x" || c[0].Link != "https://shop.example/x" {
		t.Errorf("product 1's changes %+v", c)
	}
}

// TestPoll_Split_DryRun: a dry run returns the events the poll would
// commit, numbered after the stored seq, and stores none.
func TestPoll_Split_DryRun(t *testing.T) {
	t.Parallel()
	r := newSplitRig(t, "")
	api, db, _, p, w := r.api, r.db, r.st, r.p, r.w
	api.json(`[{"id":1}]`)
	mustPoll(t, p, w)
	api.json(`[{"id":1},{"id":2},{"id":3}]`)
	out, err := p.Poll(t.Context(), w, PollOptions{DryRun: true})
	if err != nil || len(out.Events) != 2 || out.Events[1].Data.Seq != 2 {
		t.Fatalf("dry run: %v, %+v", err, out)
	}
	if q := queued(t, db, "hook", w.Name); len(q) != 0 {
		t.Errorf("a dry run queued %d", len(q))
	}
	if out := mustPoll(t, p, w); len(out.Events) != 2 || out.Events[0].Data.Seq != 1 {
		t.Errorf("the real poll: %+v", out)
	}
	raw, err := json.Marshal(out.Events)
	if err != nil || !strings.Contains(string(raw), `"key":"2"`) {
		t.Errorf("payload %s %v", raw, err)
	}
}

// TestElements: changes group by element in the order of their first
// change; elements named by index (duplicate keys) group by key too, as
// a removed one's index is of the old value.
func TestElements(t *testing.T) {
	els := elements([]diff.Change{
		{Op: diff.Changed, Path: "#(id==1).a", Key: "1"},
		{Op: diff.Removed, Path: "3", Key: "7"},
		{Op: diff.Added, Path: "3", Key: "8"},
		{Op: diff.Changed, Path: "total"},
		{Op: diff.Changed, Path: "#(id==1).b", Key: "1"},
	})
	var got []string
	for _, el := range els {
		got = append(got, fmt.Sprintf("%s:%d", el.key, len(el.changes)))
	}
	if want := []string{"1:2", "7:1", "8:1", ":1"}; !slices.Equal(got, want) {
		t.Errorf("elements %q, want %q", got, want)
	}
}
