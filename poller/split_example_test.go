package poller

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pollhook/pollhook/internal/testkit"
	"github.com/pollhook/pollhook/notify"
)

// TestExamples_SplitTickets runs the worked example of split in
// docs/configuration.md on the recorded releases of github/hub: a new
// release is one event, whose ticket the tickets target posts, and the
// reference shows both as they are.
func TestExamples_SplitTickets(t *testing.T) {
	t.Parallel()
	section := testkit.DocSection(t, "docs/configuration.md", "#### `split`")
	src, err := os.ReadFile(filepath.Join("testdata", "examples", "github-tickets.toml"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(section, "```toml\n"+string(src)+"```") {
		t.Error("docs/configuration.md's split section does not show testdata/examples/github-tickets.toml as it is")
	}
	api := &githubAPI{t: t}
	if err := json.Unmarshal(testkit.Recording(t, "github_releases_github-hub_2019-10-03.json"), &api.releases); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api)
	defer srv.Close()
	api.url = srv.URL
	cfg := loadExample(t, "github-tickets.toml", "https://api.github.com/repos/github", srv.URL+"/repos/github")
	w := cfg.Watches[0]
	db := openStore(t)
	p := pollerWith(t, db, nil)
	if out := mustPoll(t, p, w); !out.Baseline {
		t.Fatalf("first poll: %+v", out)
	}

	// A new release on top; an older one edited, and one deleted.
	api.edit(func(rs []map[string]any) []map[string]any {
		rs[3]["name"] = "hub (edited)"
		rs = append(rs[:5], rs[6:]...)
		return append([]map[string]any{{"id": 20500000.0, "tag_name": "v2.13.0", "name": "hub 2.13.0",
			"html_url": "https://github.com/github/hub/releases/tag/v2.13.0", "assets": []any{}}}, rs...)
	})
	out := mustPoll(t, p, w)
	if len(out.Events) != 1 {
		t.Fatalf("%d events, want one for the new release", len(out.Events))
	}
	ev := out.Events[0]
	payload, err := ev.JSON()
	if err != nil {
		t.Fatal(err)
	}
	msg, err := notify.Render(cfg.Target("tickets"), ev, ev.Timestamp, "test")
	if err != nil {
		t.Fatal(err)
	}
	if ev.Data.Key != "20500000" || ev.Data.Label != "v2.13.0" || ev.Data.Seq != 1 {
		t.Errorf("event %s", payload)
	}
	var ticket map[string]any
	if err := json.Unmarshal(msg.Body, &ticket); err != nil {
		t.Fatalf("the ticket is not JSON: %v\n%s", err, msg.Body)
	}
	shown := strings.Join(strings.Fields(section), " ")
	for _, want := range []string{ev.Title(), string(msg.Body), fmt.Sprintf(`"data":{"watch":"hub","url":%q,"seq":1,"format":"json","key":"20500000","label":"v2.13.0","link":"https://github.com/github/hub/releases/tag/v2.13.0"`, ev.Data.URL)} {
		want = strings.Join(strings.Fields(strings.ReplaceAll(want, srv.URL, "https://api.github.com")), " ")
		if !strings.Contains(shown, want) {
			t.Errorf("docs/configuration.md's split section does not show %s", want)
		}
	}
}
