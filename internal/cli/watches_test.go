package cli

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pollhook/pollhook/internal/inspect"
	"github.com/pollhook/pollhook/internal/testkit"
)

// writeTwoWatches writes a configuration with watches releases and tags
// (on their own APIs) and broken (an API that answers 500), all
// notifying hook.
func writeTwoWatches(t *testing.T, dir, releases, tags, broken, hook, listen string) string {
	t.Helper()
	return testkit.WriteFile(t, filepath.Join(dir, "pollhook.toml"), fmt.Sprintf(`db = "state.db"
listen = %q

[[target]]
name = "hook"
url = %q
retry = ["1h"]

[[watch]]
name = "releases"
url = %q
schedule = "@every 1h"
select = "data.items"
key = "id"
notify = ["hook"]

[[watch]]
name = "tags"
url = %q
schedule = "@every 1h"
select = "data.items"
key = "id"
notify = ["hook"]

[[watch]]
name = "broken"
url = %q
schedule = "@every 1h"
notify = ["hook"]
`, listen, hook, releases, tags, broken))
}

type watchesScenario struct {
	cfg              string
	releases, tags   *testkit.API
	releaseID, tagID string
}

// newWatchesScenario: releases and tags each changed once (tags last),
// broken failed once, and the receiver is down, so both events wait.
func newWatchesScenario(t *testing.T, listen string) *watchesScenario {
	t.Helper()
	sc := &watchesScenario{releases: testkit.NewAPI(testkit.ReleasesV1), tags: testkit.NewAPI(testkit.ReleasesV1)}
	rs := httptest.NewServer(sc.releases)
	t.Cleanup(rs.Close)
	ts := httptest.NewServer(sc.tags)
	t.Cleanup(ts.Close)
	bs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "internal trouble", http.StatusInternalServerError)
	}))
	t.Cleanup(bs.Close)
	_, hook := maintenanceReceiver()
	t.Cleanup(hook.Close)
	sc.cfg = writeTwoWatches(t, t.TempDir(), rs.URL, ts.URL, bs.URL, hook.URL, listen)
	mustCLI(t, "once", "--config", sc.cfg, "--watch", "releases")
	mustCLI(t, "once", "--config", sc.cfg, "--watch", "tags")
	if _, _, code := tryCLI(t, "once", "--config", sc.cfg, "--watch", "broken"); code != 1 {
		t.Fatalf("once of broken: exit %d, want 1", code)
	}
	id := func(out string) string {
		var ev struct{ ID string }
		if err := json.Unmarshal([]byte(out), &ev); err != nil || ev.ID == "" {
			t.Fatalf("once printed %q", out)
		}
		return ev.ID
	}
	sc.releases.Set(testkit.ReleasesV2)
	sc.releaseID = id(mustCLI(t, "once", "--config", sc.cfg, "--watch", "releases"))
	sc.tags.Set(testkit.ReleasesV2)
	sc.tagID = id(mustCLI(t, "once", "--config", sc.cfg, "--watch", "tags"))
	return sc
}

func checkWatches(t *testing.T, sc *watchesScenario, daemon bool) {
	t.Helper()
	out, errOut := mustCLIErr(t, "watches", "--config", sc.cfg)
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if len(lines) < 4 || strings.Join(strings.Fields(lines[0]), " ") != "WATCH STATE LAST POLL LAST CHANGE NEXT RUN FAILURES PENDING" {
		t.Fatalf("watches printed:\n%s", out)
	}
	rows := map[string][]string{}
	for _, l := range lines[1:4] {
		f := strings.Fields(l)
		rows[f[0]] = f
	}
	// releases: ok, polled and changed just now, one delivery pending.
	if r := strings.Join(rows["releases"], " "); !strings.HasPrefix(r, "releases ok ") || !strings.HasSuffix(r, " 0 1") {
		t.Errorf("releases row %q", r)
	}
	if r := strings.Join(rows["broken"], " "); !strings.HasPrefix(r, "broken failing ") || !strings.HasSuffix(r, " 1 0") {
		t.Errorf("broken row %q", r)
	}
	if !strings.Contains(out, "broken: 1 failed poll in a row, since ") || !strings.Contains(out, "HTTP 500") {
		t.Errorf("watches does not say why broken fails:\n%s", out)
	}
	next := strings.Contains(lines[1], " in ")
	if daemon != next {
		t.Errorf("the next run is known only to a daemon (daemon %v):\n%s", daemon, out)
	}
	if !daemon && !strings.Contains(errOut, "next run") {
		t.Errorf("without a daemon, watches does not say the next run is unknown: %q", errOut)
	}

	js := mustCLI(t, "watches", "--json", "--config", sc.cfg)
	var got []inspect.Watch
	for _, l := range strings.Split(strings.TrimSpace(js), "\n") {
		var w inspect.Watch
		if err := json.Unmarshal([]byte(l), &w); err != nil {
			t.Fatalf("watches --json printed %q: %v", l, err)
		}
		got = append(got, w)
	}
	if len(got) != 3 || got[0].Name != "releases" || got[0].Pending != 1 || got[2].State != inspect.WatchFailing ||
		got[2].Failures != 1 || got[0].LastChange.IsZero() || got[0].NextRun.IsZero() == daemon {
		t.Errorf("watches --json = %+v", got)
	}

	// history without a watch: the newest events of all, newest first.
	hist := mustCLI(t, "history", "--config", sc.cfg)
	ti, ri := strings.Index(hist, sc.tagID), strings.Index(hist, sc.releaseID)
	if ti < 0 || ri < 0 || ti > ri || !strings.Contains(hist, "tags changed: 1 added, 1 removed, 2 changed") {
		t.Errorf("history of all watches, want tags' event before releases':\n%s", hist)
	}
	if one := mustCLI(t, "history", "--limit", "1", "--json", "--config", sc.cfg); strings.Count(one, "\n") != 1 || !strings.Contains(one, sc.tagID) {
		t.Errorf("history --limit 1 --json = %q", one)
	}
}

func TestWatches_DirectDB(t *testing.T) {
	t.Parallel()
	sc := newWatchesScenario(t, "")
	checkWatches(t, sc, false)
}

func TestWatches_ThroughRunningDaemon(t *testing.T) {
	t.Parallel()
	listen := testkit.FreeAddr(t)
	sc := newWatchesScenario(t, listen)
	testkit.StartDaemon(t, runCLI, sc.cfg, listen, "")
	checkWatches(t, sc, true)
}

func TestWatches_NoDatabase(t *testing.T) {
	t.Parallel()
	cfg := writeTwoWatches(t, t.TempDir(), "http://127.0.0.1:1", "http://127.0.0.1:1", "http://127.0.0.1:1", "http://127.0.0.1:1", "")
	if _, errOut, code := tryCLI(t, "watches", "--config", cfg); code != 1 || !strings.Contains(errOut, "no database") {
		t.Errorf("watches without a database: exit %d %q", code, errOut)
	}
	if _, _, code := tryCLI(t, "watches", "extra", "--config", cfg); code != 2 {
		t.Errorf("watches with an argument: exit %d, want 2", code)
	}
}

// TestWatches_ShardFlag: --shard on an inspection command shows that
// shard's watches only, as run --shard polls them; without it, all.
func TestWatches_ShardFlag(t *testing.T) {
	sc := newWatchesScenario(t, testkit.FreeAddr(t))
	// By name, shard 0 of 2 owns releases and tags, shard 1 broken.
	f, err := os.OpenFile(sc.cfg, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("\n[defaults]\nshard_key = \"name\"\n"); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	names := func(args ...string) []string {
		var got []string
		for _, l := range strings.Split(strings.TrimSpace(mustCLI(t, append([]string{"watches", "--json", "--config", sc.cfg}, args...)...)), "\n") {
			var w inspect.Watch
			if err := json.Unmarshal([]byte(l), &w); err != nil {
				t.Fatalf("watches --json printed %q: %v", l, err)
			}
			got = append(got, w.Name)
		}
		return got
	}
	if got := names(); len(got) != 3 {
		t.Errorf("watches without --shard = %v, want all three", got)
	}
	if got := names("--shard", "0/2"); strings.Join(got, ",") != "releases,tags" {
		t.Errorf("watches --shard 0/2 = %v, want releases,tags", got)
	}
	if got := names("--shard=1/2"); strings.Join(got, ",") != "broken" {
		t.Errorf("watches --shard=1/2 = %v, want broken", got)
	}
	// A watch of another shard is named as such, not as unknown.
	if _, errOut, code := tryCLI(t, "history", "broken", "--shard", "0/2", "--config", sc.cfg); code != 1 || !strings.Contains(errOut, `watch "broken" belongs to shard 1 of 2`) {
		t.Errorf("history of another shard's watch: exit %d, %q", code, errOut)
	}
}
