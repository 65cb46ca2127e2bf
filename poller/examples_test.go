package poller

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/pollhook/pollhook/config"
	"github.com/pollhook/pollhook/diff"
	"github.com/pollhook/pollhook/internal/testkit"
)

var exampleEnv = map[string]string{"GITHUB_TOKEN": "ghp_exampletoken"}

// loadExample parses testdata/examples/name with the real parser, with
// the API's origin replaced by the test server's.
func loadExample(t *testing.T, name, origin, server string) *config.Config {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("testdata", "examples", name))
	if err != nil {
		t.Fatal(err)
	}
	if server != "" {
		src = []byte(strings.ReplaceAll(string(src), origin, server))
	}
	return parseConfig(t, string(src), exampleEnv)
}

// TestExamples_InReadme checks that the examples parse, and that the
// project README shows each of them verbatim.
func TestExamples_InReadme(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "examples", "*.toml"))
	if len(files) != 4 {
		t.Fatalf("%d examples, want 4", len(files))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			src, _ := os.ReadFile(f)
			if _, err := config.Parse(f, src, func(k string) (string, bool) { v, ok := exampleEnv[k]; return v, ok }); err != nil {
				t.Fatalf("parse: %v", err)
			}
			if !strings.Contains(string(readme), string(src)) {
				t.Errorf("README.md does not show %s as it is", f)
			}
		})
	}
}

// githubAPI replays the recorded releases of github/hub as GitHub serves
// them: two pages joined by Link headers (the next link on the
// /repositories/ID form GitHub uses), an ETag on each, 304 to a matching
// If-None-Match.
type githubAPI struct {
	mu       sync.Mutex
	releases []map[string]any
	etag     int
	url      string
	t        *testing.T
}

func (a *githubAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if got := r.Header.Get("Authorization"); got != "Bearer ghp_exampletoken" {
		a.t.Errorf("Authorization = %q", got)
	}
	if r.Header.Get("Accept") != "application/vnd.github+json" || r.URL.Query().Get("per_page") != "100" {
		a.t.Errorf("request %s with Accept %q", r.URL, r.Header.Get("Accept"))
	}
	// per_page=100 is honoured as 15 here so that 30 releases make 2 pages.
	first, last := a.releases[:15], a.releases[15:]
	etag := fmt.Sprintf(`W/"hub-%d-%s"`, a.etag, r.URL.Query().Get("page"))
	w.Header().Set("ETag", etag)
	w.Header().Set("X-RateLimit-Remaining", "4999")
	w.Header().Set("X-RateLimit-Reset", "1570128970")
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	page := first
	switch {
	case r.URL.Path == "/repos/github/hub/releases" && r.URL.Query().Get("page") == "":
		w.Header().Set("Link", fmt.Sprintf(`<%s/repositories/401025/releases?per_page=100&page=2>; rel="next", <%s/repositories/401025/releases?per_page=100&page=2>; rel="last"`, a.url, a.url))
	case r.URL.Path == "/repositories/401025/releases" && r.URL.Query().Get("page") == "2":
		w.Header().Set("Link", fmt.Sprintf(`<%s/repositories/401025/releases?per_page=100&page=1>; rel="prev", <%s/repositories/401025/releases?per_page=100&page=1>; rel="first"`, a.url, a.url))
		page = last
	default:
		http.NotFound(w, r)
		return
	}
	_ = json.NewEncoder(w).Encode(page)
}

func (a *githubAPI) edit(f func(rs []map[string]any) []map[string]any) {
	a.mu.Lock()
	a.releases = f(a.releases)
	a.etag++
	a.mu.Unlock()
}

func TestExamples_GitHubReleases(t *testing.T) {
	t.Parallel()
	data := testkit.Recording(t, "github_releases_github-hub_2019-10-03.json")
	api := &githubAPI{t: t}
	if err := json.Unmarshal(data, &api.releases); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api)
	defer srv.Close()
	api.url = srv.URL
	w := loadExample(t, "github-releases.toml", "https://api.github.com", srv.URL).Watches[0]
	db := openStore(t)
	p := pollerWith(t, db, nil)

	out := mustPoll(t, p, w)
	if !out.Baseline || out.Pages != 2 {
		t.Fatalf("first poll = %+v, want a baseline of 2 pages", out)
	}
	var snap []json.RawMessage
	raw, _ := db.AppendSnapshot(t.Context(), nil, w.Name)
	if err := json.Unmarshal(raw, &snap); err != nil || len(snap) != 30 {
		t.Fatalf("snapshot holds %d releases (%v), want 30", len(snap), err)
	}

	if out := mustPoll(t, p, w); !out.NotModified || out.Pages != 1 {
		t.Errorf("unchanged: %+v, want a 304 on page 1", out)
	}

	// Download counts move all the time: ignored.
	api.edit(func(rs []map[string]any) []map[string]any {
		rs[20]["assets"].([]any)[0].(map[string]any)["download_count"] = 999999.0
		return rs
	})
	if out := mustPoll(t, p, w); out.Event != nil || out.NotModified {
		t.Errorf("download count changed: %+v, want a full fetch and no event", out)
	}

	// A release renamed on page 2, and a new one at the top of page 1.
	renamed := int64(api.releases[20]["id"].(float64))
	api.edit(func(rs []map[string]any) []map[string]any {
		rs[20]["name"] = "hub (renamed)"
		return append([]map[string]any{{"id": 99999999.0, "tag_name": "v2.13.0", "name": "hub 2.13.0", "assets": []any{}}}, rs...)
	})
	out = mustPoll(t, p, w)
	if out.Event == nil {
		t.Fatal("no event for a new and a renamed release")
	}
	got := map[string]diff.Op{}
	for _, c := range out.Event.Data.Changes {
		got[c.Path] = c.Op
	}
	want := map[string]diff.Op{"#(id==99999999)": diff.Added, fmt.Sprintf("#(id==%d).name", renamed): diff.Changed}
	if len(got) != len(want) {
		t.Fatalf("changes = %v, want %v", got, want)
	}
	for path, op := range want {
		if got[path] != op {
			t.Errorf("change at %s = %q, want %q (all: %v)", path, got[path], op, got)
		}
	}
}

func TestExamples_GitHubGraphQL(t *testing.T) {
	t.Parallel()
	answer := `{"data":{"repository":{"releases":{"nodes":[
		{"id":"RE_1","tagName":"v2.40.0","name":"GitHub CLI 2.40.0","isPrerelease":false,"isDraft":false,"publishedAt":"2023-12-06T17:52:38Z","url":"https://github.com/cli/cli/releases/tag/v2.40.0"}]}}}}`
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var req struct {
			Query     string         `json:"query"`
			Variables map[string]any `json:"variables"`
		}
		if err := json.Unmarshal(body, &req); err != nil || r.Method != "POST" || r.URL.Path != "/graphql" ||
			!strings.Contains(req.Query, "releases(first: $n") || req.Variables["owner"] != "cli" || req.Variables["n"] != 20.0 {
			t.Errorf("request %s %s %s", r.Method, r.URL.Path, body)
		}
		mu.Lock()
		defer mu.Unlock()
		_, _ = w.Write([]byte(answer))
	}))
	defer srv.Close()
	w := loadExample(t, "github-graphql.toml", "https://api.github.com", srv.URL).Watches[0]
	p := pollerWith(t, openStore(t), nil)
	mustPoll(t, p, w)
	mu.Lock()
	answer = strings.Replace(answer, `"nodes":[`, `"nodes":[{"id":"RE_2","tagName":"v2.41.0","name":"GitHub CLI 2.41.0"},`, 1)
	mu.Unlock()
	out := mustPoll(t, p, w)
	if out.Event == nil || len(out.Event.Data.Changes) != 1 || out.Event.Data.Changes[0].Path != `#(id=="RE_2")` {
		t.Fatalf("poll after a new release = %+v", out)
	}
}

func TestExamples_Statuspage(t *testing.T) {
	t.Parallel()
	data := testkit.Recording(t, "statuspage_githubstatus_summary_2022-11-25.json")
	var mu sync.Mutex
	body := string(data)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v2/summary.json" {
			http.NotFound(w, r)
			return
		}
		mu.Lock()
		defer mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(body))
	}))
	defer srv.Close()
	cfg := loadExample(t, "statuspage.toml", "https://www.githubstatus.com", srv.URL)
	w := cfg.Watches[0]
	if got := w.AlertTargets(); len(got) != 1 || got[0] != "ops" || w.AlertAfter != 5 {
		t.Errorf("alert targets %v after %d", got, w.AlertAfter)
	}
	p := pollerWith(t, openStore(t), nil)
	mustPoll(t, p, w)

	edit := func(field, value string) {
		mu.Lock()
		defer mu.Unlock()
		var doc map[string]any
		if err := json.Unmarshal([]byte(body), &doc); err != nil {
			t.Fatal(err)
		}
		doc["components"].([]any)[0].(map[string]any)[field] = value
		b, _ := json.Marshal(doc)
		body = string(b)
	}
	edit("updated_at", "2022-11-25T16:00:00.000Z")
	if out := mustPoll(t, p, w); out.Event != nil {
		t.Errorf("only updated_at moved: %+v", out.Event.Data.Changes)
	}
	edit("status", "major_outage")
	out := mustPoll(t, p, w)
	if out.Event == nil || len(out.Event.Data.Changes) != 1 || out.Event.Data.Changes[0].Path != `#(id=="8l4ygp009s5s").status` {
		t.Fatalf("status change = %+v", out)
	}
}
