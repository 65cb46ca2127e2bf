package daemon

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pollhook/pollhook/config"
	"github.com/pollhook/pollhook/internal/api"
	"github.com/pollhook/pollhook/internal/inspect"
	"github.com/pollhook/pollhook/internal/testkit"
	"github.com/pollhook/pollhook/store"
)

func parse(t testing.TB, dir, src string) *config.Config {
	t.Helper()
	cfg, err := config.Parse(filepath.Join(dir, "pollhook.toml"), []byte(src), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestReadyz: /readyz answers 503 until the scheduler runs, 200 while it
// does, and 503 again when the database stops answering.
func TestReadyz(t *testing.T) {
	cfg := parse(t, t.TempDir(), "db = \"state.db\"\nlisten = \"\"\n")
	d, err := Open(context.Background(), cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	h := api.NewHandler(apiSource{Outbox: d.outbox, d: d}, "v", nil)
	get := func() (int, string) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
		return rec.Code, rec.Body.String()
	}
	if code, body := get(); code != http.StatusServiceUnavailable || !strings.Contains(body, "scheduler is not running") {
		t.Errorf("before the scheduler runs: %d %q", code, body)
	}
	d.running.Store(true)
	if code, body := get(); code != http.StatusOK || body != "ready\n" {
		t.Errorf("running: %d %q", code, body)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if code, body := get(); code != http.StatusServiceUnavailable || !strings.Contains(body, "database") {
		t.Errorf("with the database closed: %d %q", code, body)
	}
	if err := d.Close(); err != nil {
		t.Errorf("a second Close: %v", err)
	}
}

// TestOpen_OwnsTheStore: the daemon holds its database from Open to
// Close, and a failed Open leaves nothing open.
func TestOpen_OwnsTheStore(t *testing.T) {
	dir := t.TempDir()
	cfg := parse(t, dir, "db = \"state.db\"\nlisten = \"\"\n")
	d, err := Open(context.Background(), cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Open(context.Background(), cfg, Options{LockTimeout: 50e6}); !errors.Is(err, store.ErrLocked) {
		t.Errorf("a second Open while the first holds the database: %v, want ErrLocked", err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	d2, err := Open(context.Background(), cfg, Options{})
	if err != nil {
		t.Fatalf("Open after Close: %v", err)
	}
	d2.Close()
}

// TestOpen_NoServiceParts: once and demo get no metrics and no systemd
// notifier, even under systemd.
func TestOpen_NoServiceParts(t *testing.T) {
	cfg := parse(t, t.TempDir(), "db = \"state.db\"\nlisten = \"\"\n")
	env := func(k string) string { return map[string]string{"NOTIFY_SOCKET": "/run/x.sock"}[k] }
	d, err := Open(context.Background(), cfg, Options{Getenv: env})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if d.metrics != nil || d.sd != nil {
		t.Errorf("a daemon outside service mode built metrics %v and a notifier %v", d.metrics, d.sd)
	}
	s, err := Open(context.Background(), parse(t, t.TempDir(), "db = \"state.db\"\nlisten = \"\"\n"), Options{Service: true, Getenv: env})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.metrics == nil || s.sd == nil {
		t.Error("a service daemon lacks its metrics or notifier")
	}
}

// TestReload_Invalid keeps the running configuration and says why.
func TestReload_Invalid(t *testing.T) {
	dir := t.TempDir()
	path := testkit.WriteFile(t, filepath.Join(dir, "pollhook.toml"), "db = \"state.db\"\nlisten = \"\"\n\n[[watch]]\nname = \"a\"\nurl = \"https://a.example/\"\n")
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	var logs testkit.SyncBuffer
	log, level := NewLogger(&logs, cfg)
	d, err := Open(context.Background(), cfg, Options{Logger: log, Level: level})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	testkit.WriteFile(t, path, "db = \"other.db\"\nlisten = \"\"\nlog_level = \"debug\"\n\n[[watch]]\nname = \"a\"\nurl = \"https://a.example/\"\nschedul = 1\n")
	_, err = d.Reload(context.Background())
	var errs config.Errors
	if !errors.As(err, &errs) || !strings.Contains(err.Error(), "schedul: unknown key") {
		t.Fatalf("Reload of an invalid file = %v", err)
	}
	if d.Config() != cfg || !strings.Contains(logs.String(), "keeping the running one") {
		t.Errorf("an invalid reload replaced the configuration or said nothing:\n%s", logs.String())
	}
	testkit.WriteFile(t, path, "db = \"other.db\"\nlisten = \"\"\nlog_level = \"debug\"\n\n[[watch]]\nname = \"b\"\nurl = \"https://b.example/\"\n")
	rep, err := d.Reload(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(rep.Added, rep.Removed, rep.Changed) != "[b] [a] []" {
		t.Errorf("report %+v", rep)
	}
	if d.Config().DB != cfg.DB || !strings.Contains(logs.String(), "db changed; it takes effect when pollhook restarts") {
		t.Errorf("a reload moved the database to %s", d.Config().DB)
	}
	if level.Level().String() != "DEBUG" {
		t.Errorf("log_level after reload = %s", level.Level())
	}
}

func TestCompareConfigs(t *testing.T) {
	dir := t.TempDir()
	old := parse(t, dir, "[[watch]]\nname = \"a\"\nurl = \"https://a.example/\"\n\n[[watch]]\nname = \"b\"\nurl = \"https://b.example/\"\n\n[[watch]]\nname = \"c\"\nurl = \"https://c.example/\"\n"+
		"\n[[target]]\nname = \"same\"\nurl = \"https://s.example/\"\n\n[[target]]\nname = \"gone\"\nurl = \"https://g.example/\"\n\n[[target]]\nname = \"moved\"\nurl = \"https://m.example/\"\n")
	new := parse(t, dir, "[[watch]]\nname = \"a\"\nurl = \"https://a.example/\"\n\n[[watch]]\nname = \"c\"\nurl = \"https://c.example/\"\nkey = \"id\"\n\n[[watch]]\nname = \"d\"\nurl = \"https://d.example/\"\n"+
		"\n[[target]]\nname = \"same\"\nurl = \"https://s.example/\"\n\n[[target]]\nname = \"moved\"\nurl = \"https://m2.example/\"\n\n[[target]]\nname = \"new\"\nurl = \"https://n.example/\"\n")
	got := compareConfigs(old, new)
	want := api.ReloadReport{Added: []string{"d"}, Removed: []string{"b"}, Changed: []string{"c"},
		TargetsAdded: []string{"new"}, TargetsRemoved: []string{"gone"}, TargetsChanged: []string{"moved"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("compareConfigs = %+v, want %+v", got, want)
	}
	if same := compareConfigs(new, new); !reflect.DeepEqual(same, api.ReloadReport{Added: []string{}, Removed: []string{}, Changed: []string{},
		TargetsAdded: []string{}, TargetsRemoved: []string{}, TargetsChanged: []string{}}) {
		t.Errorf("compareConfigs of a configuration with itself = %+v, want empty lists", same)
	}
}

// TestReload_Targets: a reload that adds, removes or changes targets says
// so, in its log line and in the report POST /-/reload answers with; of a
// removed target, whether deliveries to it wait.
func TestReload_Targets(t *testing.T) {
	dir := t.TempDir()
	const head = "db = \"state.db\"\nlisten = \"\"\n\n[[watch]]\nname = \"a\"\nurl = \"https://a.example/\"\nnotify = [\"hook\"]\n"
	path := testkit.WriteFile(t, filepath.Join(dir, "pollhook.toml"), head+
		"\n[[target]]\nname = \"hook\"\nurl = \"https://h.example/\"\n\n[[target]]\nname = \"old\"\nurl = \"https://o.example/\"\n"+
		"\n[[target]]\nname = \"gone\"\nurl = \"https://g.example/\"\n")
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	// A delivery to old waits in the outbox; none to gone.
	db, err := store.Open(cfg.DB, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	err = db.CommitEvent(context.Background(), store.Commit{Watch: "a", State: store.WatchState{Baseline: true, Seq: 1},
		EventID: "evt_1", Payload: []byte(`{"type":"watch.changed"}`), Time: time.Now(), Targets: []string{"old"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	var logs testkit.SyncBuffer
	log, level := NewLogger(&logs, cfg)
	d, err := Open(context.Background(), cfg, Options{Logger: log, Level: level})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	testkit.WriteFile(t, path, head+
		"\n[[target]]\nname = \"hook\"\nurl = \"https://h2.example/\"\n\n[[target]]\nname = \"chat\"\nkind = \"slack\"\nurl = \"https://c.example/\"\n")
	rep, err := d.Reload(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(rep.TargetsAdded, rep.TargetsRemoved, rep.TargetsChanged, rep.Added, rep.Removed, rep.Changed); got != "[chat] [gone old] [hook] [] [] []" {
		t.Errorf("report targets added/removed/changed, watches added/removed/changed = %s", got)
	}
	body, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"added":[],"removed":[],"changed":[],"targets_added":["chat"],"targets_removed":["gone","old"],"targets_changed":["hook"]}`; string(body) != want {
		t.Errorf("POST /-/reload answers %s, want %s", body, want)
	}
	var line string
	for _, l := range strings.Split(logs.String(), "\n") {
		if strings.Contains(l, "configuration reloaded") {
			line = l
		}
	}
	if !strings.Contains(line, "targets_added=chat targets_removed=gone,old targets_changed=hook") {
		t.Errorf("the reload's line does not name the targets:\n%s", logs.String())
	}
	for _, want := range []string{
		`level=WARN msg="reload: target removed; its queued deliveries wait until it is configured again" target=old queued=1`,
		`level=INFO msg="reload: target removed; nothing was queued for it" target=gone`,
	} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("the log lacks %s:\n%s", want, logs.String())
		}
	}
	if strings.Contains(logs.String(), "wait until it is configured again\" target=gone") {
		t.Errorf("a removed target with nothing queued is said to have deliveries waiting:\n%s", logs.String())
	}
}

func TestLogLevel(t *testing.T) {
	for in, want := range map[string]string{"debug": "DEBUG", "info": "INFO", "warn": "WARN", "error": "ERROR", "": "INFO"} {
		if got := logLevel(in).String(); got != want {
			t.Errorf("logLevel(%q) = %s, want %s", in, got, want)
		}
	}
}

// TestRun_LogsWarnings: the configuration's warnings are logged once, at
// warn level, when the daemon starts, and a reload logs the new file's.
func TestRun_LogsWarnings(t *testing.T) {
	dir := t.TempDir()
	path := testkit.WriteFile(t, filepath.Join(dir, "pollhook.toml"), "db = \"state.db\"\nlisten = \"\"\n\n[[target]]\nname = \"hook\"\nurl = \"https://h.example/\"\n")
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	var logs testkit.SyncBuffer
	log, level := NewLogger(&logs, cfg)
	d, err := Open(context.Background(), cfg, Options{Logger: log, Level: level})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	<-d.Started()
	testkit.WriteFile(t, path, "db = \"state.db\"\nlisten = \"\"\n\n[[target]]\nname = \"chat\"\nkind = \"slack\"\nurl = \"https://c.example/\"\n")
	if _, err := d.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	cancel()
	// A dispatcher cancelled before it read the outbox returns the
	// context's error: not this test's business.
	if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
	out := logs.String()
	for _, want := range []string{
		`level=WARN msg="configuration warning" warning="` + path + `: no [[watch]]: there is nothing to poll"`,
		`level=WARN msg="configuration warning" warning="` + path + `:4: target \"hook\": no watch sends to it (in notify or errors_to)"`,
		`level=WARN msg="reload: configuration warning" warning="` + path + `:4: target \"chat\": no watch sends to it (in notify or errors_to)"`,
	} {
		if n := strings.Count(out, want); n != 1 {
			t.Errorf("%d lines %s, want 1:\n%s", n, want, out)
		}
	}
}

// TestDaemon_PollSaysWhatEachPollDid: Poll reports per watch what its poll
// did, with the shape of the value it prepared, for once and the status
// page's poll now.
func TestDaemon_PollSaysWhatEachPollDid(t *testing.T) {
	body := `{"data":{"items":[{"id":1,"n":"a","at":1},{"id":2,"n":"b","at":2}]}}`
	var (
		mu   sync.Mutex
		down bool
	)
	set := func(b string, d bool) {
		mu.Lock()
		body, down = b, d
		mu.Unlock()
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if down {
			http.Error(w, "bad gateway", http.StatusBadGateway)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, body)
	}))
	defer srv.Close()
	cfg := parse(t, t.TempDir(), fmt.Sprintf(`db = "state.db"
listen = ""

[[watch]]
name = "items"
url = %q
select = "data.items"
key = "id"
ignore = ["#.at", "#.typo"]
`, srv.URL))
	ctx := context.Background()
	d, err := Open(ctx, cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	w := cfg.Watches

	res := d.Poll(ctx, w, api.PollOptions{DryRun: true, Show: true})
	if len(res.Watches) != 1 {
		t.Fatalf("Poll = %+v, want one report", res)
	}
	p := res.Watches[0]
	if p.Watch != "items" || p.Result != inspect.PollBaseline || !p.DryRun || p.Shape == nil ||
		p.Shape.String() != "array of 2 objects keyed by id" || p.Shape.Ignore[0].Matches != 2 || p.Shape.Ignore[1].Matches != 0 {
		t.Errorf("dry-run baseline = %+v (shape %+v)", p, p.Shape)
	}
	if string(p.Value) != `[{"id":1,"n":"a","at":1},{"id":2,"n":"b","at":2}]` {
		t.Errorf("shown value %s", p.Value)
	}
	res = d.Poll(ctx, w, api.PollOptions{})
	if p := res.Watches[0]; p.Result != inspect.PollBaseline || p.DryRun || p.Value != nil {
		t.Errorf("baseline = %+v", p)
	}
	res = d.Poll(ctx, w, api.PollOptions{})
	if p := res.Watches[0]; p.Summary() != "no change (2 elements)" {
		t.Errorf("unchanged = %+v: %s", p, p.Summary())
	}
	// The same answer again, shown: it is prepared for showing.
	res = d.Poll(ctx, w, api.PollOptions{Show: true})
	if p := res.Watches[0]; p.Summary() != "no change (2 elements)" || p.Shape == nil || p.Shape.Key != "id" ||
		string(p.Value) != `[{"id":1,"n":"a","at":1},{"id":2,"n":"b","at":2}]` {
		t.Errorf("unchanged, shown = %+v (shape %+v): %s", p, p.Shape, p.Summary())
	}
	set(`{"data":{"items":[{"id":1,"n":"a2","at":1},{"id":2,"n":"b","at":3}]}}`, false)
	res = d.Poll(ctx, w, api.PollOptions{})
	if p := res.Watches[0]; p.Result != inspect.PollChanged || len(p.Events) != 1 || len(res.Events) != 1 ||
		!strings.Contains(string(res.Events[0]), p.Events[0]) || p.Summary() != "changed: 0 added, 0 removed, 1 changed" {
		t.Errorf("changed = %+v: %s", p, p.Summary())
	}
	set(body, true)
	res = d.Poll(ctx, w, api.PollOptions{})
	if p := res.Watches[0]; p.Result != inspect.PollFailed || !strings.Contains(p.Error, "502") || len(res.Failed) != 1 {
		t.Errorf("failed = %+v", p)
	}
}

// TestDaemon_PollEachInWatchOrder: PollEach hands on each watch's part of
// the answer in watch order, the first one last to be answered included,
// each part with that watch's poll, failure and errors only.
func TestDaemon_PollEachInWatchOrder(t *testing.T) {
	lastAnswered := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/w/0":
			// Answered after the last watch's answer, so that its poll
			// ends after the others have begun to.
			select {
			case <-lastAnswered:
			case <-r.Context().Done():
			case <-time.After(time.Minute):
			}
		case "/w/1":
			http.Error(w, "bad gateway", http.StatusBadGateway)
			return
		case "/w/2":
			defer close(lastAnswered)
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `[{"id":1}]`)
	}))
	defer srv.Close()
	src := "db = \"state.db\"\nlisten = \"\"\nmax_per_host = 4\nmax_concurrent = 4\n"
	for i := range 3 {
		src += fmt.Sprintf("\n[[watch]]\nname = \"w%d\"\nurl = \"%s/w/%d\"\nkey = \"id\"\n", i, srv.URL, i)
	}
	cfg := parse(t, t.TempDir(), src)
	ctx := context.Background()
	d, err := Open(ctx, cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var got []api.OnceResponse
	d.PollEach(ctx, cfg.Watches, api.PollOptions{}, func(part api.OnceResponse) { got = append(got, part) })
	if len(got) != 3 {
		t.Fatalf("PollEach handed on %d parts, want 3: %+v", len(got), got)
	}
	for i, part := range got {
		name := fmt.Sprintf("w%d", i)
		if len(part.Watches) != 1 || part.Watches[0].Watch != name {
			t.Errorf("part %d = %+v, want the poll of %s alone", i, part, name)
			continue
		}
		failed := i == 1
		if p := part.Watches[0]; (p.Result == inspect.PollFailed) != failed || (len(part.Failed) == 1) != failed || len(part.Errors) > 0 != failed {
			t.Errorf("part %d = %+v (poll %+v), failed: want %v", i, part, p, failed)
		}
	}
}

// TestRun_ScheduleKnownWhenStarted: once Run has started, every watch has
// its next run, as `pollhook watches` and the status page show it: the
// API answers from the start, so the schedule is planned before.
func TestRun_ScheduleKnownWhenStarted(t *testing.T) {
	t.Parallel()
	for range 20 {
		cfg := parse(t, t.TempDir(), "db = \"state.db\"\nlisten = \"\"\n\n[[watch]]\nname = \"w\"\nurl = \"http://127.0.0.1:1/\"\nschedule = \"@every 1h\"\n")
		d, err := Open(context.Background(), cfg, Options{})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- d.Run(ctx) }()
		<-d.Started()
		next := d.poller.NextRun("w")
		cancel()
		<-done
		if err := d.Close(); err != nil {
			t.Fatal(err)
		}
		if next.IsZero() {
			t.Fatal("the daemon had started, and the watch had no next run")
		}
	}
}

// TestOpen_ReleasesTheMappedFile: what Open read of the database (every
// page, checked, and the watches' states) does not stay in the process's
// resident memory: a poll that finds nothing new reads no snapshot.
func TestOpen_ReleasesTheMappedFile(t *testing.T) {
	dir := t.TempDir()
	cfg := parse(t, dir, "db = \"state.db\"\nlisten = \"\"\n")
	db, err := store.Open(cfg.DB, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	const n = 500
	for i := range n {
		snapshot := []byte(strings.Repeat(fmt.Sprint(i), 1000))
		if err := db.SaveState(context.Background(), fmt.Sprintf("w%d", i), store.WatchState{Baseline: true}, snapshot); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	d, err := Open(context.Background(), cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	fi, err := os.Stat(cfg.DB)
	if err != nil {
		t.Fatal(err)
	}
	if size := int(fi.Size() >> 10); size < 1000 {
		t.Fatalf("a database of %d KiB: the test measures nothing", size)
	} else if got := testkit.MappedKiB(t, cfg.DB); got > size/4 {
		t.Errorf("after Open, %d KiB of the %d KiB database file is resident in the process", got, size)
	}
}

// TestPollEach_OnceReleasesTheMappedFile: a daemon opened to poll once
// reads each watch's state as its poll starts, and the pages of the file
// those reads map (and the kernel's around them) leave the process's
// resident memory as the polls go, not at the end: without Options.Once,
// Open reads every state and releases them, and the polls read none.
func TestPollEach_OnceReleasesTheMappedFile(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"v":1}`)
	}))
	defer srv.Close()
	// A multiple of releaseOnceEvery, polled one at a time: the last
	// poll's pages are released too.
	const n = 10 * releaseOnceEvery
	var b strings.Builder
	b.WriteString("db = \"state.db\"\nlisten = \"\"\nmax_concurrent = 1\n")
	for i := range n {
		fmt.Fprintf(&b, "\n[[watch]]\nname = \"w%d\"\nurl = \"%s/w%d\"\n", i, srv.URL, i)
	}
	cfg := parse(t, t.TempDir(), b.String())
	db, err := store.Open(cfg.DB, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// States of 2 KB: reading them all maps the file.
	for i := range n {
		s := store.WatchState{Baseline: true, LastError: strings.Repeat(fmt.Sprint(i), 2000)[:2000]}
		if err := db.SaveState(context.Background(), fmt.Sprintf("w%d", i), s, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(cfg.DB)
	if err != nil {
		t.Fatal(err)
	}
	size := int(fi.Size() >> 10)
	if size < 2000 {
		t.Fatalf("a database of %d KiB: the test measures nothing", size)
	}
	ctx := context.Background()
	d, err := Open(ctx, cfg, Options{Once: true})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if got := testkit.MappedKiB(t, cfg.DB); got > size/4 {
		t.Fatalf("after Open, %d KiB of the %d KiB database file is resident", got, size)
	}
	// Just before a release, what the reads since the last one mapped;
	// just after, nearly nothing.
	before, after, polled := 0, 0, 0
	d.PollEach(ctx, cfg.Watches, api.PollOptions{DryRun: true}, func(part api.OnceResponse) {
		polled++
		if len(part.Errors) > 0 {
			t.Errorf("%s", part.Errors[0])
		}
		switch polled % releaseOnceEvery {
		case releaseOnceEvery - 1:
			before = max(before, testkit.MappedKiB(t, cfg.DB))
		case 0:
			after = max(after, testkit.MappedKiB(t, cfg.DB))
		}
	})
	if polled != n {
		t.Fatalf("%d watches polled, want %d", polled, n)
	}
	if before < size/8 {
		t.Fatalf("%d polls mapped %d KiB of the %d KiB database file: the test measures nothing", releaseOnceEvery, before, size)
	}
	if after > before/8 {
		t.Errorf("resident pages of the file while polling: up to %d KiB before a release, %d KiB after", before, after)
	}
}

// TestReleaseEach_CalledOff: polls called off (a signal to pollhook once)
// end at once, each calling release: that is no failure of the release
// to warn about.
func TestReleaseEach_CalledOff(t *testing.T) {
	cfg := parse(t, t.TempDir(), "db = \"state.db\"\nlisten = \"\"\n")
	var logs bytes.Buffer
	d, err := Open(context.Background(), cfg, Options{Once: true, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	release := d.releaseEach(ctx)
	for range 2 * releaseOnceEvery {
		release()
	}
	if logs.Len() > 0 {
		t.Errorf("logged:\n%s", logs.String())
	}
}

// TestPoll_AnswersTheFailingEvent: the poll that fails alert_after times
// in a row commits watch.failing, and the answer (what pollhook once
// prints) carries it, as it carries a watch.recovered one: it was
// committed, and dropped from the answer because the poll failed.
func TestPoll_AnswersTheFailingEvent(t *testing.T) {
	var fail atomic.Bool
	fail.Store(true)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if fail.Load() {
			http.Error(w, "down", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"v":1}`)
	}))
	defer srv.Close()
	cfg := parse(t, t.TempDir(), fmt.Sprintf(`db = "state.db"
listen = ""

[[target]]
name = "hook"
url = "http://127.0.0.1:1/hook"

[[watch]]
name = "w"
url = %q
alert_after = 2
notify = ["hook"]
`, srv.URL))
	ctx := context.Background()
	for _, once := range []bool{false, true} {
		d, err := Open(ctx, cfg, Options{Once: once})
		if err != nil {
			t.Fatal(err)
		}
		fail.Store(true)
		var types []string
		for range 3 {
			res := d.Poll(ctx, cfg.Watches, api.PollOptions{})
			if len(res.Failed) != 1 {
				t.Fatalf("once %v: failed %v, want w", once, res.Failed)
			}
			for i, data := range res.Events {
				var ev struct{ ID, Type string }
				if err := json.Unmarshal(data, &ev); err != nil {
					t.Fatal(err)
				}
				if got := res.Watches[0].Events; i >= len(got) || got[i] != ev.ID {
					t.Errorf("once %v: event %s answered, the poll's report lists %v", once, ev.ID, got)
				}
				types = append(types, ev.Type)
			}
		}
		fail.Store(false)
		res := d.Poll(ctx, cfg.Watches, api.PollOptions{})
		for _, data := range res.Events {
			var ev struct{ Type string }
			if err := json.Unmarshal(data, &ev); err != nil {
				t.Fatal(err)
			}
			types = append(types, ev.Type)
		}
		if got := fmt.Sprint(types); got != "[watch.failing watch.recovered]" {
			t.Errorf("once %v: events answered %s, want the failing one at the second failure, then the recovery", once, got)
		}
		if err := d.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// TestPoll_ShownValuesAreTheirOwn polls watches one after another, each
// value shown: the answer of each is read into the memory of the one
// before it, once that one is described, so each shown value must be a
// copy (a value sharing its answer's memory showed the next watch's).
func TestPoll_ShownValuesAreTheirOwn(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"watch":%q}`, r.URL.Path[1:])
	}))
	defer srv.Close()
	var b strings.Builder
	b.WriteString("db = \"state.db\"\nlisten = \"\"\nmax_concurrent = 1\n")
	const n = 20
	for i := range n {
		fmt.Fprintf(&b, "\n[[watch]]\nname = \"w%02d\"\nurl = \"%s/w%02d\"\n", i, srv.URL, i)
	}
	cfg := parse(t, t.TempDir(), b.String())
	ctx := context.Background()
	d, err := Open(ctx, cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	for _, o := range []api.PollOptions{{DryRun: true, Show: true}, {Show: true}} {
		res := d.Poll(ctx, cfg.Watches, o)
		if len(res.Watches) != n {
			t.Fatalf("%+v: %d reports, want %d", o, len(res.Watches), n)
		}
		for i, p := range res.Watches {
			if want := fmt.Sprintf(`{"watch":"w%02d"}`, i); string(p.Value) != want {
				t.Errorf("%+v: %s shown as %s, want %s", o, p.Watch, p.Value, want)
			}
		}
	}
}
