package poller

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/pollhook/pollhook/diff"
	"github.com/pollhook/pollhook/internal/testkit"
)

// pollKind names what a poll did, for TestPoll_SameAnswer: "failed",
// "baseline", "changed", "same" (not prepared: the answer was one whose
// value is the snapshot's), "unchanged" (prepared, and the snapshot's),
// "seen" (waiting for confirm) or "quiet"; with "+" and the type of the
// health event the poll committed, if any.
func pollKind(out *Outcome, err error) string {
	var kind string
	switch {
	case err != nil:
		kind = "failed"
	case out.Baseline:
		kind = "baseline"
	case out.Event != nil:
		kind = "changed"
	case out.Same:
		kind = "same"
	case out.Unchanged:
		kind = "unchanged"
	case out.Seen > 0:
		kind = "seen"
	default:
		kind = "quiet"
	}
	if out != nil && out.Health != nil {
		kind += "+" + out.Health.Type
	}
	return kind
}

// TestPoll_SameAnswer checks that an answer the same as one whose value
// is the snapshot's is not prepared again, and that the shortcut never
// hides a change nor breaks what a poll promises: across changes back to
// an older answer, restarts, settings that change with the answer the
// same, confirm, failures, dry runs and polls that want the value.
func TestPoll_SameAnswer(t *testing.T) {
	t.Parallel()
	const (
		a         = `{"items":[{"id":1,"v":"a"},{"id":2,"v":"b"}],"at":1}`
		aReformed = `{"at":1, "items":[{"v":"a","id":1},{"id":2,"v":"b"}]}` // a, other bytes
		b         = `{"items":[{"id":1,"v":"z"},{"id":2,"v":"b"}],"at":1}`
		aLater    = `{"items":[{"id":1,"v":"a"},{"id":2,"v":"b"}],"at":2}` // a, but "at"
		down      = ""
	)
	// step is one poll: the API's answer (down: a 502), the watch's
	// settings from then on when set, a restart (a new Poller loaded from
	// the store) before it, the poll's options, and what it should do.
	type step struct {
		body     string
		settings string
		restart  bool
		o        PollOptions
		want     string
	}
	tests := []struct {
		name     string
		settings string
		steps    []step
	}{
		{"the same answer is not prepared again", "", []step{
			{body: a, want: "baseline"}, {body: a, want: "same"}, {body: a, want: "same"},
		}},
		{"a change back to an older answer is a change", "", []step{
			{body: a, want: "baseline"}, {body: b, want: "changed"}, {body: a, want: "changed"}, {body: a, want: "same"},
		}},
		{"the same value in other bytes is prepared, then known", "", []step{
			{body: a, want: "baseline"}, {body: aReformed, want: "unchanged"}, {body: aReformed, want: "same"},
			{body: a, want: "unchanged"}, {body: a, want: "same"},
		}},
		{"after a restart", "", []step{
			{body: a, want: "baseline"}, {body: a, restart: true, want: "same"},
			// An unchanged poll writes nothing: the stored answer stays a's.
			{body: aReformed, want: "unchanged"}, {body: aReformed, restart: true, want: "unchanged"},
			{body: a, restart: true, want: "same"},
		}},
		{"select changed, the same answer: a new baseline", "", []step{
			{body: a, want: "baseline"}, {body: a, settings: `select = "items"`, want: "baseline"},
			{body: a, want: "same"}, {body: b, want: "changed"},
		}},
		{"the URL changed, the same answer: a new baseline", "", []step{
			{body: a, want: "baseline"}, {body: a, settings: `query = { v = "2" }`, want: "baseline"},
			{body: a, want: "same"},
		}},
		{"ignore changed, the same answer: a new baseline", `ignore = ["at"]`, []step{
			{body: a, want: "baseline"}, {body: aLater, want: "unchanged"},
			{body: aLater, settings: `ignore = []`, want: "baseline"}, {body: a, want: "changed"},
		}},
		{"a setting outside the identity changed: prepared once", "", []step{
			{body: a, want: "baseline"}, {body: a, settings: `on = ["removed"]`, want: "unchanged"},
			{body: a, want: "same"}, {body: b, want: "quiet"}, {body: b, want: "same"},
		}},
		{"confirm: the snapshot's answer forgets the change seen", `confirm = 2`, []step{
			{body: a, want: "baseline"}, {body: b, want: "seen"}, {body: a, want: "same"},
			{body: b, want: "seen"}, {body: b, want: "changed"}, {body: b, want: "same"},
		}},
		{"failures, then the same answer: recovered", `alert_after = 2`, []step{
			{body: a, want: "baseline"}, {body: down, want: "failed"}, {body: down, want: "failed+watch.failing"},
			{body: a, want: "same+watch.recovered"}, {body: a, want: "same"},
		}},
		{"dry runs and polls that want the value prepare it", "", []step{
			{body: a, want: "baseline"}, {body: a, o: PollOptions{DryRun: true}, want: "unchanged"},
			{body: a, o: PollOptions{Value: true}, want: "unchanged"}, {body: a, want: "same"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			api := &dryRunAPI{}
			srv := httptest.NewServer(api)
			defer srv.Close()
			db := openStore(t)
			p, _ := newTestPoller(t, db)
			settings := `key = "id"` + "\n" + tt.settings
			for i, s := range tt.steps {
				if s.settings != "" {
					settings = `key = "id"` + "\n" + s.settings
				}
				if s.restart {
					p, _ = newTestPoller(t, db)
				}
				w := newTestWatch(t, srv.URL, settings)
				api.set(s.body == down, s.body, "")
				out, err := p.Poll(context.Background(), w, s.o)
				if got := pollKind(out, err); got != s.want {
					t.Fatalf("poll %d = %s (%+v, %v), want %s", i+1, got, out, err, s.want)
				}
				if err == nil && out.Same && (out.Value != nil || out.Shape == nil || out.Shape.Type == "" || out.Shape.Len != 2) {
					t.Errorf("poll %d: same answer with value %q, shape %+v; want no value, a shape of length 2", i+1, out.Value, out.Shape)
				}
				if snap, serr := db.AppendSnapshot(context.Background(), nil, w.Name); err == nil && (out.Baseline || out.Event != nil) &&
					(serr != nil || out.Value == nil || string(snap) != string(out.Value)) {
					t.Errorf("poll %d stored the snapshot %q (%v), want its value %q", i+1, snap, serr, out.Value)
				}
				if err == nil && (s.o.DryRun || s.o.Value) && string(out.Value) != s.body {
					t.Errorf("poll %d: value %q, want the prepared %q", i+1, out.Value, s.body)
				}
			}
		})
	}
}

// TestPoll_SameAnswerKeepsState checks that a poll whose answer is not
// prepared again moves the state as a prepared one does: the last
// success, the validators, and no write unless a stored field moved.
func TestPoll_SameAnswerKeepsState(t *testing.T) {
	t.Parallel()
	// An API that sends validators but never answers 304.
	var api fakeAPI
	answer := func(body, etag string) {
		api.set(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("ETag", etag)
			_, _ = w.Write([]byte(body))
		})
	}
	srv := httptest.NewServer(&api)
	defer srv.Close()
	db := &countingStore{DB: openStore(t)}
	clock := testkit.NewFakeClock(t0)
	p := pollerWith(t, db, func(o *Options) { o.Clock = clock })
	w := newTestWatch(t, srv.URL, `key = "id"`)
	body := `[{"id":1},{"id":2},{"id":3}]`

	answer(body, `"e1"`)
	mustPoll(t, p, w) // baseline
	// The API's validators change while its data does not: they are
	// stored, though nothing was prepared.
	answer(body, `"e2"`)
	clock.AdvanceTo(t0.Add(time.Minute))
	writes := db.writes()
	if out := mustPoll(t, p, w); !out.Same || out.Shape.Type != "array" || out.Shape.Len != 3 {
		t.Fatalf("poll with new validators = %+v (shape %+v), want the same answer, an array of 3", out, out.Shape)
	}
	if got := db.writes() - writes; got != 1 {
		t.Errorf("%d writes for new validators, want 1", got)
	}
	if s := storedState(t, db.DB, w.Name); s.ETag != `"e2"` {
		t.Errorf("stored etag %q, want the new one", s.ETag)
	}
	if s := p.State(w.Name); !s.LastSuccess.Equal(t0.Add(time.Minute)) || !s.LastPoll.Equal(t0.Add(time.Minute)) {
		t.Errorf("state = %+v, want the last poll and success at the poll", s)
	}
	// The same answer with the same validators: nothing to write.
	clock.AdvanceTo(t0.Add(2 * time.Minute))
	writes = db.writes()
	if out := mustPoll(t, p, w); !out.Same {
		t.Fatalf("poll = %+v, want the same answer", out)
	}
	if got := db.writes() - writes; got != 0 {
		t.Errorf("%d writes for the same answer, want none", got)
	}
	if s := p.State(w.Name); !s.LastSuccess.Equal(t0.Add(2 * time.Minute)) {
		t.Errorf("last success %v, want the poll's", s.LastSuccess)
	}
}

func TestAnswerSum(t *testing.T) {
	t.Parallel()
	watch := func(settings string) *watchInfo {
		cfg := parseConfig(t, watchTables(1, "https://api.example/", settings), nil)
		return &watchInfo{settings: settingsSum(cfg.Watches[0])}
	}
	plain, ignoring := watch(""), watch(`ignore = ["at"]`)
	pages := func(p ...string) [][]byte {
		out := make([][]byte, len(p))
		for i, s := range p {
			out[i] = []byte(s)
		}
		return out
	}
	base := answerSum(plain, diff.JSON, pages(`[1,2]`, `[3]`))
	for _, tt := range []struct {
		name   string
		in     *watchInfo
		format diff.Format
		pages  [][]byte
	}{
		{"other bytes", plain, diff.JSON, pages(`[1,2]`, `[4]`)},
		{"the same bytes in other pages", plain, diff.JSON, pages(`[1,2][`, `3]`)},
		{"another page", plain, diff.JSON, pages(`[1,2]`, `[3]`, `[]`)},
		{"another format", plain, diff.Text, pages(`[1,2]`, `[3]`)},
		{"other settings", ignoring, diff.JSON, pages(`[1,2]`, `[3]`)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := answerSum(tt.in, tt.format, tt.pages); got == base || got == 0 {
				t.Errorf("answerSum = %x, want other than %x and 0", got, base)
			}
		})
	}
	if again := answerSum(watch(""), diff.JSON, pages(`[1,2]`, `[3]`)); again != base {
		t.Errorf("answerSum of the same = %x, want %x", again, base)
	}
}
