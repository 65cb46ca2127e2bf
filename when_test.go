package main_test

import (
	"encoding/json"
	"net/http/httptest"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pollhook/pollhook/event"
	"github.com/pollhook/pollhook/internal/testkit"
)

// TestBinary_WhenCrossing runs the README's CAL FIRE recipe in the real
// binary against two recorded answers: each watch fires once, for the
// incident that crossed its threshold, and not again while the values
// stay past it. A third watch without the recipe's op == 'changed' guard
// fails on the incident that appears (old is nil) and says so once, not
// on each poll that meets it.
func TestBinary_WhenCrossing(t *testing.T) {
	t.Parallel()
	bin := testkit.Binary(t)
	first := string(testkit.Recording(t, "calfire_incidents_2021-09-06T1705Z.json"))
	second := testkit.Recording(t, "calfire_incidents_2021-09-06T2321Z.json")
	api := testkit.NewAPI(first)
	apiSrv := httptest.NewServer(api)
	defer apiSrv.Close()
	recv := testkit.NewReceiver(0)
	recvSrv := httptest.NewServer(recv)
	defer recvSrv.Close()

	recipe := tomlBlock(t, testkit.DocSection(t, "README.md", "### A threshold crossed (CAL FIRE incidents)"))
	for _, r := range [][2]string{
		{"https://www.fire.ca.gov", apiSrv.URL},
		{"https://example.com/hooks/pollhook", recvSrv.URL},
		{`schedule = "*/15 * * * *"`, `schedule = "@every 1s"`},
	} {
		if !strings.Contains(recipe, r[0]) {
			t.Fatalf("the recipe has no %s", r[0])
		}
		recipe = strings.ReplaceAll(recipe, r[0], r[1])
	}
	dir := t.TempDir()
	cfg := testkit.WriteFile(t, filepath.Join(dir, "pollhook.toml"), "db = \"state.db\"\nlisten = \"\"\n"+recipe+`
[[watch]]
name = "fire-growing-unguarded"
url = "`+apiSrv.URL+`/umbraco/Api/IncidentApi/GetIncidents"
schedule = "@every 1s"
select = "Incidents"
key = "UniqueId"
label = "Name"
when = "new.AcresBurned >= old.AcresBurned * 1.3"
notify = ["hook"]
`)
	cmd, stderr := testkit.StartBinary(t, bin, "run", "--config", cfg)
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	}()
	count := func(s string) int { return strings.Count(stderr.String(), s) }
	testkit.WaitUntil(t, 20*time.Second, "three baselines", func() bool { return count("baseline stored") == 3 })

	api.Set(string(second))
	testkit.WaitUntil(t, 20*time.Second, "three events", func() bool { return len(recv.Hooks()) >= 3 })
	var got []string
	for _, h := range recv.Hooks() {
		var ev event.Event
		if err := json.Unmarshal(h.Body, &ev); err != nil {
			t.Fatal(err)
		}
		labels := map[string]bool{}
		for _, c := range ev.Data.Changes {
			labels[c.Label] = true
		}
		for l := range labels {
			got = append(got, ev.Data.Watch+": "+l)
		}
	}
	sort.Strings(got)
	want := []string{"fire-contained: Lawrence Fire", "fire-growing-unguarded: Bridge Fire", "fire-growing: Bridge Fire"}
	sort.Strings(want)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("events for\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// Past the thresholds, both move on, and another fire appears.
	third := testkit.Mutate(t, second, func(v any) any {
		list := v.(map[string]any)["Incidents"].([]any)
		for _, e := range list {
			inc := e.(map[string]any)
			switch inc["Name"] {
			case "Lawrence Fire":
				inc["PercentContained"] = 95.0
			case "Bridge Fire":
				inc["AcresBurned"] = 420.0
			}
		}
		added := map[string]any{}
		for k, x := range list[0].(map[string]any) {
			added[k] = x
		}
		added["UniqueId"], added["Name"] = "00000000-0000-0000-0000-000000000001", "Test Fire"
		v.(map[string]any)["Incidents"] = append(list, added)
		return v
	})
	quiet := count("changed, but no change fires")
	api.Set(string(third))
	testkit.WaitUntil(t, 20*time.Second, "three more polls that change", func() bool {
		return count("changed, but no change fires") >= quiet+3
	})
	if n := len(recv.Hooks()); n != 3 {
		t.Errorf("%d events, want the 3 of the crossings", n)
	}
	if n := count("when failed"); n != 1 {
		t.Errorf("the failure of the unguarded watch logged %d times, want once:\n%s", n, stderr.String())
	}
	if !strings.Contains(stderr.String(), `watch=fire-growing-unguarded err="when: cannot fetch AcresBurned from <nil> (column 24)" op=added`) {
		t.Errorf("the failure is not logged as expected:\n%s", stderr.String())
	}
}

// tomlBlock is the one ```toml block of a Markdown section.
func tomlBlock(t *testing.T, section string) string {
	t.Helper()
	_, rest, ok := strings.Cut(section, "```toml\n")
	if !ok {
		t.Fatal("no toml block")
	}
	block, _, ok := strings.Cut(rest, "```")
	if !ok || strings.Contains(block, "```toml") {
		t.Fatal("unclosed toml block")
	}
	return block
}
