package main_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pollhook/pollhook/internal/testkit"
)

// TestBinary_Split runs a split watch through the real binary: pollhook
// once prints one event per changed element and a watch.truncated past
// max_events, numbered one after another; the receiver gets each as its
// own webhook, in order; history and deliveries show each.
func TestBinary_Split(t *testing.T) {
	t.Parallel()
	bin := testkit.Binary(t)
	api := testkit.NewAPI(`[{"id":1,"tag":"v1","name":"a"},{"id":2,"tag":"v2","name":"b"}]`)
	apiSrv := httptest.NewServer(api)
	defer apiSrv.Close()
	rc := testkit.NewReceiver(http.StatusOK)
	rcSrv := httptest.NewServer(rc)
	defer rcSrv.Close()
	dir := t.TempDir()
	cfg := testkit.WriteFile(t, filepath.Join(dir, "pollhook.toml"), fmt.Sprintf(`db = "state.db"
listen = ""

[[target]]
name = "hook"
url = %q

[[watch]]
name = "releases"
url = %q
key = "id"
label = "tag"
split = true
max_events = 2
notify = ["hook"]
`, rcSrv.URL, apiSrv.URL))
	run := func(args ...string) string {
		t.Helper()
		out, err := exec.Command(bin, append(args, "--config", cfg)...).Output()
		if err != nil {
			var stderr []byte
			if ee, ok := err.(*exec.ExitError); ok {
				stderr = ee.Stderr
			}
			t.Fatalf("pollhook %s: %v\n%s", strings.Join(args, " "), err, stderr)
		}
		return string(out)
	}
	run("once")

	// v3 added, v1 renamed, v2 removed: with max_events = 2, the last
	// one is counted by a watch.truncated event.
	api.Set(`[{"id":3,"tag":"v3","name":"c"},{"id":1,"tag":"v1","name":"a2"}]`)
	out := run("once", "--json")
	type ev struct {
		ID   string `json:"id"`
		Type string `json:"type"`
		Data struct {
			Seq     uint64          `json:"seq"`
			Key     string          `json:"key"`
			Label   string          `json:"label"`
			Changes json.RawMessage `json:"changes"`
			Omitted int             `json:"omitted"`
		} `json:"data"`
	}
	var evs []ev
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var e ev
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("once --json printed %q: %v", line, err)
		}
		evs = append(evs, e)
	}
	want := []string{"watch.changed 1 3 v3", "watch.changed 2 1 v1", "watch.truncated 3  "}
	var got []string
	for _, e := range evs {
		got = append(got, fmt.Sprintf("%s %d %s %s", e.Type, e.Data.Seq, e.Data.Key, e.Data.Label))
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("once printed:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if evs[2].Data.Omitted != 1 {
		t.Errorf("watch.truncated omitted %d, want 1", evs[2].Data.Omitted)
	}

	hooks := rc.Hooks()
	if len(hooks) != len(evs) {
		t.Fatalf("the receiver got %d webhooks, want %d", len(hooks), len(evs))
	}
	for i, h := range hooks {
		if id := h.Header.Get("webhook-id"); id != evs[i].ID {
			t.Errorf("webhook %d has id %s, want %s (in seq order)", i, id, evs[i].ID)
		}
	}

	history := run("history", "releases", "--json")
	for _, e := range evs {
		if !strings.Contains(history, e.ID) {
			t.Errorf("history lacks %s:\n%s", e.ID, history)
		}
	}
	// Newest first, in seq order: all three share a timestamp.
	for _, args := range [][]string{{"history", "releases"}, {"history"}} {
		pretty := run(args...)
		i3, i2, i1 := strings.Index(pretty, "seq 3  releases: 1 more element changed, not sent"),
			strings.Index(pretty, "seq 2  releases: v1 changed"), strings.Index(pretty, `seq 1  releases: v3 added "c"`)
		if i3 < 0 || i2 < i3 || i1 < i2 {
			t.Errorf("pollhook %s:\n%s", strings.Join(args, " "), pretty)
		}
	}
	deliveries := run("deliveries", "--json")
	if n := strings.Count(deliveries, `"delivered"`); n != len(evs) {
		t.Errorf("%d deliveries delivered, want %d:\n%s", n, len(evs), deliveries)
	}
}
