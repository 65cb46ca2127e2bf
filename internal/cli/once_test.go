package cli

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/pollhook/pollhook/internal/testkit"
)

// writePreviewConfig writes a configuration whose watch releases ignores
// one path that exists and one that does not (a typo).
func writePreviewConfig(t *testing.T, dir, apiURL, listen string) string {
	t.Helper()
	return testkit.WriteFile(t, filepath.Join(dir, "pollhook.toml"), fmt.Sprintf(`db = "state.db"
listen = %q

[[watch]]
name = "releases"
url = %q
schedule = "@every 1h"
select = "data.items"
key = "id"
ignore = ["#.updated_at", "#.updatd_at"]
`, listen, apiURL))
}

// TestOnce_DryRunPreviewsTheBaseline: once --dry-run on a watch without a
// baseline says what the baseline would be (its shape, its first keys,
// which ignore paths match and which match nothing), and --show prints
// the value. On stdout with --pretty (a terminal's default), on stderr
// when stdout carries JSON lines.
func TestOnce_DryRunPreviewsTheBaseline(t *testing.T) {
	t.Parallel()
	api := testkit.NewAPI(testkit.ReleasesV1)
	apiSrv := httptest.NewServer(api)
	defer apiSrv.Close()
	dir := t.TempDir()
	cfg := writePreviewConfig(t, dir, apiSrv.URL, "")
	preview := []string{
		"releases: no baseline yet: this poll would store one and send nothing (array of 2 objects keyed by id)\n",
		"  keys: 1, 2\n",
		`  ignore "#.updated_at": 2 values` + "\n",
		`  ignore "#.updatd_at": matched nothing (a typo?)` + "\n",
	}

	out, errOut, code := tryCLI(t, "once", "--dry-run", "--config", cfg)
	if code != 0 || out != "" {
		t.Fatalf("once --dry-run: exit %d, stdout %q (want none: stdout is for JSON lines)\n%s", code, out, errOut)
	}
	for _, want := range preview {
		if !strings.Contains(errOut, want) {
			t.Errorf("once --dry-run's stderr lacks %q:\n%s", want, errOut)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "state.db")); err == nil {
		t.Error("a dry run created the database")
	}

	out = mustCLI(t, "once", "--dry-run", "--pretty", "--show", "--config", cfg)
	for _, want := range append(preview, "  value:\n    [\n      {\n        \"id\": 1,\n        \"name\": \"a\",\n") {
		if !strings.Contains(out, want) {
			t.Errorf("once --dry-run --pretty --show lacks %q:\n%s", want, out)
		}
	}

	if _, errOut := mustCLIErr(t, "once", "--config", cfg); !strings.Contains(errOut, "releases: baseline stored, nothing sent (array of 2 objects keyed by id)\n") {
		t.Errorf("the first once does not say it stored a baseline:\n%s", errOut)
	}
	if out, errOut := mustCLIErr(t, "once", "--config", cfg); out != "" || !strings.Contains(errOut, "releases: no change (2 elements)\n") {
		t.Errorf("a once without a change: stdout %q, stderr:\n%s", out, errOut)
	}
	if out := mustCLI(t, "once", "--pretty", "--config", cfg); out != "releases: no change (2 elements)\n" {
		t.Errorf("once --pretty without a change printed %q", out)
	}
	if _, _, code := tryCLI(t, "once", "--json", "--pretty", "--config", cfg); code != 2 {
		t.Errorf("once --json --pretty: exit %d, want 2", code)
	}
}

// TestOnce_PrettyPrintsAsHistory: once --pretty prints an event the way
// history does; --json and a stdout that is not a terminal print the
// JSON lines scripts read.
func TestOnce_PrettyPrintsAsHistory(t *testing.T) {
	t.Parallel()
	api := testkit.NewAPI(testkit.ReleasesV1)
	apiSrv := httptest.NewServer(api)
	defer apiSrv.Close()
	cfg := writePreviewConfig(t, t.TempDir(), apiSrv.URL, "")
	mustCLI(t, "once", "--config", cfg) // baseline
	api.Set(testkit.ReleasesV2)

	dry := mustCLI(t, "once", "--dry-run", "--pretty", "--config", cfg)
	head, _, _ := strings.Cut(dry, "\n")
	if !strings.Contains(head, "seq 1  releases changed: 1 added, 1 removed, 1 changed") {
		t.Errorf("once --pretty's head line %q", head)
	}
	for _, want := range []string{"\n  + 3 \"c\"\n", "\n  ~ 1 name: \"a\" → \"a2\"\n", "\n  - 2 \"b\"\n"} {
		if !strings.Contains(dry, want) {
			t.Errorf("once --pretty lacks %q:\n%s", want, dry)
		}
	}
	if strings.Contains(dry, `{"`) || strings.Contains(dry, "\x1b[") {
		t.Errorf("once --pretty printed JSON or colour codes to a non-terminal:\n%s", dry)
	}
	for _, args := range [][]string{{"--dry-run"}, {"--dry-run", "--json"}} {
		out := mustCLI(t, append([]string{"once", "--config", cfg}, args...)...)
		var ev struct {
			Type string `json:"type"`
		}
		if err := json.Unmarshal([]byte(out), &ev); err != nil || ev.Type != "watch.changed" {
			t.Errorf("once %s printed %q, want one JSON line", strings.Join(args, " "), out)
		}
	}
	out := mustCLI(t, "once", "--pretty", "--config", cfg)
	id := strings.Fields(out)[2]
	if hist := mustCLI(t, "history", "releases", "--limit", "1", "--config", cfg); hist != out {
		t.Errorf("once --pretty and history print the event differently:\n%s\n%s", out, hist)
	}
	if !strings.HasPrefix(id, "msg_") {
		t.Errorf("once --pretty's head line %q names no event", out)
	}
}

// TestOnce_ThroughDaemonSaysWhatHappened: a once the daemon runs says per
// watch what happened too, and --show brings the value back.
func TestOnce_ThroughDaemonSaysWhatHappened(t *testing.T) {
	t.Parallel()
	api := testkit.NewAPI(testkit.ReleasesV1)
	apiSrv := httptest.NewServer(api)
	defer apiSrv.Close()
	listen := testkit.FreeAddr(t)
	cfg := writePreviewConfig(t, t.TempDir(), apiSrv.URL, listen)
	mustCLI(t, "once", "--config", cfg) // baseline, before the daemon holds the db
	testkit.StartDaemon(t, runCLI, cfg, listen, "")
	out := mustCLI(t, "once", "--pretty", "--show", "--config", cfg)
	for _, want := range []string{"releases: no change (2 elements)\n", "  value:\n    [\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("once through the daemon lacks %q:\n%s", want, out)
		}
	}
}

func mustCLIErr(t *testing.T, args ...string) (string, string) {
	t.Helper()
	out, errOut, code := tryCLI(t, args...)
	if code != 0 {
		t.Fatalf("pollhook %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, out, errOut)
	}
	return out, errOut
}

// TestOnce_LargeFileStreamed: the watches of a file once reads in parts
// (128 KiB or more) are decoded again as they are polled
// (config.LoadStream, whose tests hold it to LoadPartial; PollSeq's
// bound the watches read ahead): through the command, every one is
// polled, in order, a change is found where one happened, and a file with
// a problem polls nothing.
func TestOnce_LargeFileStreamed(t *testing.T) {
	t.Parallel()
	var changed atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		v := 1
		if changed.Load() && r.URL.Path == "/w0777" {
			v = 2
		}
		fmt.Fprintf(w, `{"id":%q,"v":%d}`, r.URL.Path, v)
	}))
	defer srv.Close()
	const n = 1500
	var b strings.Builder
	b.WriteString("db = \"state.db\"\nlisten = \"\"\nlog_level = \"warn\"\n")
	writeWatches(&b, srv.URL, n)
	if b.Len() < 128<<10 {
		t.Fatalf("a file of %d bytes is read whole: the test tests nothing", b.Len())
	}
	dir := t.TempDir()
	cfg := testkit.WriteFile(t, filepath.Join(dir, "pollhook.toml"), b.String())
	out, errOut, code := tryCLI(t, "once", "--json", "--config", cfg)
	if code != 0 || out != "" {
		t.Fatalf("baseline once: exit %d, stdout %q\n%s", code, out, errOut)
	}
	var said []string // what each watch's poll did, in the order printed
	for _, l := range strings.Split(errOut, "\n") {
		if name, _, ok := strings.Cut(l, ": "); ok && len(name) == 5 && name[0] == 'w' {
			said = append(said, name)
		}
	}
	for i := range n {
		if i >= len(said) || said[i] != fmt.Sprintf("w%04d", i) {
			t.Fatalf("the polls said what they did for %d watches, the %dth %q; want each, in order\n%.2000s", len(said), i+1, said[min(i, len(said)-1)], errOut)
		}
	}
	changed.Store(true)
	out, errOut, code = tryCLI(t, "once", "--json", "--config", cfg)
	var ev struct {
		Type string
		Data struct{ Watch string }
	}
	if code != 0 || strings.Count(out, "\n") != 1 || json.Unmarshal([]byte(out), &ev) != nil || ev.Type != "watch.changed" || ev.Data.Watch != "w0777" {
		t.Fatalf("once after a change: exit %d, stdout %q\n%s", code, out, errOut)
	}
	// A problem in the last watch: nothing is polled.
	broken := b.String() + "\n[[watch]]\nname = \"bad\"\nurl = \"ftp://x\"\n"
	testkit.WriteFile(t, cfg, broken)
	changed.Store(false)
	out, errOut, code = tryCLI(t, "once", "--json", "--config", cfg)
	if code != 1 || out != "" || !strings.Contains(errOut, `watch "bad": url:`) || strings.Contains(errOut, "w0777") {
		t.Fatalf("once of a file with a problem: exit %d, stdout %q\n%s", code, out, errOut)
	}
}

// TestPrintOnce_NamesTheFirstFailures: the count of failed watches names
// the first of them, not every one (each failure is said above it).
func TestPrintOnce_NamesTheFirstFailures(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		failed int
		want   string
	}{
		{2, "2 of 12 watches failed: w0, w1"},
		{12, "12 of 12 watches failed: w0, w1, w2, w3, w4, w5, w6, w7, w8, w9, …"},
	} {
		var out, errOut strings.Builder
		c := &cli{stdout: &out, stderr: &errOut}
		var r onceReport
		for i := range tc.failed {
			r.failed = append(r.failed, fmt.Sprintf("w%d", i))
		}
		if err := c.printOnce(&r, 12, onceOutput{}); err == nil || err.Error() != tc.want {
			t.Errorf("%d failed: %v, want %s", tc.failed, err, tc.want)
		}
	}
}

// TestOnce_LargeFileStreamedSharded: of a sharded file read in parts, once
// --shard polls the shard's watches, chosen as they are decoded, as
// pollhook shards lists them.
func TestOnce_LargeFileStreamedSharded(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	hit := map[string]bool{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hit[strings.TrimPrefix(r.URL.Path, "/")] = true
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"v":1}`)
	}))
	defer srv.Close()
	const n = 1500
	var b strings.Builder
	b.WriteString("db = \"state.db\"\nlisten = \"\"\nlog_level = \"warn\"\nshards = 3\n\n[defaults]\nshard_key = \"name\"\n")
	writeWatches(&b, srv.URL, n)
	cfg := testkit.WriteFile(t, filepath.Join(t.TempDir(), "pollhook.toml"), b.String())
	want := map[string]bool{}
	for _, l := range strings.Split(mustCLI(t, "shards", "--config", cfg, "--shards", "3"), "\n") {
		if name, owner, ok := strings.Cut(l, "\t"); ok && owner == "1" {
			want[name] = true
		}
	}
	if _, errOut, code := tryCLI(t, "once", "--json", "--shard", "1/3", "--config", cfg); code != 0 {
		t.Fatalf("once --shard 1/3: exit %d\n%s", code, errOut)
	}
	if len(want) == 0 || len(want) == n || !reflect.DeepEqual(hit, want) {
		t.Errorf("polled %d watches, the shard owns %d", len(hit), len(want))
	}
}

// writeWatches writes n watches w0000, w0001... of base/w0000,
// base/w0001... to b, polled hourly, notifying nothing.
func writeWatches(b *strings.Builder, base string, n int) {
	for i := range n {
		fmt.Fprintf(b, "\n[[watch]]\nname = \"w%04d\"\nurl = \"%s/w%04d\"\nschedule = \"@every 1h\"\nerrors_to = []\n", i, base, i)
	}
}
