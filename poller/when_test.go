package poller

import (
	"bytes"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/pollhook/pollhook/internal/testkit"
)

// TestPoll_WhenCrossing checks, on a real store, that an expression over
// both versions fires when the price crosses below 100 and not again
// while it stays low, and that a failure of the expression (old is nil
// for an added product) is logged once per distinct failure, not on every
// poll that meets it.
func TestPoll_WhenCrossing(t *testing.T) {
	t.Parallel()
	api := testkit.NewAPI(`[{"id":1,"price":120},{"id":2,"price":300}]`)
	srv := httptest.NewServer(api)
	defer srv.Close()
	cfg := parseConfig(t, watchTables(1, srv.URL, `key = "id"`, `when = "old.price >= 100 && new.price < 100"`), nil)
	w := cfg.Watches[0]
	var logs bytes.Buffer
	db := openStore(t)
	p := pollerWith(t, db, func(o *Options) { o.Logger = slog.New(slog.NewTextHandler(&logs, nil)) })
	mustPoll(t, p, w) // baseline
	steps := []struct {
		body  string
		fires bool
	}{
		{`[{"id":1,"price":95},{"id":2,"price":300}]`, true},                      // crosses
		{`[{"id":1,"price":90},{"id":2,"price":290}]`, false},                     // stays low
		{`[{"id":1,"price":85},{"id":2,"price":280},{"id":3,"price":5}]`, false},  // a product added: old is nil
		{`[{"id":1,"price":80},{"id":2,"price":270},{"id":4,"price":6}]`, false},  // the same failure again
		{`[{"id":1,"price":80},{"id":2,"price":"99"},{"id":4,"price":6}]`, false}, // another failure: a string
		{`[{"id":1,"price":80},{"id":2,"price":99},{"id":4,"price":6}]`, false},   // from a string: another failure
		{`[{"id":1,"price":80},{"id":2,"price":120},{"id":4,"price":6}]`, false},
		{`[{"id":1,"price":80},{"id":2,"price":98},{"id":4,"price":6}]`, true}, // product 2 crosses
	}
	for i, s := range steps {
		api.Set(s.body)
		out := mustPoll(t, p, w)
		if fired := out.Event != nil; fired != s.fires {
			t.Errorf("step %d: fired %v, want %v (%+v)", i+1, fired, s.fires, out)
		}
		if out.Event != nil && (len(out.Event.Data.Changes) != 1 || out.Event.Data.Changes[0].Op != "changed") {
			t.Errorf("step %d: changes %+v", i+1, out.Event.Data.Changes)
		}
	}
	if got := len(queued(t, db, "hook", w.Name)); got != 2 {
		t.Errorf("%d events queued, want 2", got)
	}
	got := strings.Count(logs.String(), "when failed")
	if got != 3 {
		t.Errorf("%d failures logged, want 3 (nil, string, string)\n%s", got, logs.String())
	}
	for _, want := range []string{
		`err="when: cannot fetch price from <nil> (column 5)" op=added key=3 failed=1`,
		`err="when: invalid operation: string >= int (column 11)" op=changed key=2`,
		`err="when: invalid operation: string < int (column 31)" op=changed key=2`,
	} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %s\n%s", want, logs.String())
		}
	}
}

// TestPoll_WhenFailuresOfOnePoll checks that two distinct failures of the
// expression met in the same poll are both logged, each once: the one
// met second is not hidden behind the first on every poll.
func TestPoll_WhenFailuresOfOnePoll(t *testing.T) {
	t.Parallel()
	api := testkit.NewAPI(`[{"id":1,"price":120},{"id":2,"price":300},{"id":5,"price":300}]`)
	srv := httptest.NewServer(api)
	defer srv.Close()
	cfg := parseConfig(t, watchTables(1, srv.URL, `key = "id"`, `when = "old.price >= 100 && new.price < 100"`), nil)
	w := cfg.Watches[0]
	var logs bytes.Buffer
	p := pollerWith(t, openStore(t), func(o *Options) { o.Logger = slog.New(slog.NewTextHandler(&logs, nil)) })
	mustPoll(t, p, w) // baseline
	for i, body := range []string{
		// Product 2's price becomes a string, product 3 is added (old is nil).
		`[{"id":1,"price":120},{"id":2,"price":"90"},{"id":3,"price":5},{"id":5,"price":300}]`,
		// The same two failures again: product 5's price, product 4 added.
		`[{"id":1,"price":120},{"id":2,"price":"90"},{"id":4,"price":6},{"id":5,"price":"80"}]`,
	} {
		api.Set(body)
		if out := mustPoll(t, p, w); out.Event != nil {
			t.Errorf("poll %d fired: %+v", i+1, out.Event.Data.Changes)
		}
	}
	for _, want := range []string{
		`err="when: invalid operation: string < int (column 31)" op=changed key=2`,
		`err="when: cannot fetch price from <nil> (column 5)" op=added key=3`,
	} {
		if got := strings.Count(logs.String(), want); got != 1 {
			t.Errorf("logged %d times, want once: %s\n%s", got, want, logs.String())
		}
	}
	if got := strings.Count(logs.String(), "when failed"); got != 2 {
		t.Errorf("%d failures logged, want 2\n%s", got, logs.String())
	}
}
